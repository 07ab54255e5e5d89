# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""jieba's segmentation, compiled: its blocks, its DAG route, the assembly of
each mode (with and without the HMM, cut_all, search) and its finalseg HMM
(BMES Viterbi), over a trie.CompiledLexicon of its dictionary.

The rules, including every tie-break, are jieba 0.42.1's (``jieba/__init__.py``
and ``jieba/finalseg/__init__.py``); nlpzero/jieba.py documents them and the
tests check the output against the installed jieba.  Scores use the same
double operations in the same order (log(f) - log(total) + route; (V + trans)
+ emit), so equal inputs give equal paths.
"""

from libc.stdint cimport uint32_t, int32_t, int64_t
from libc.stdlib cimport calloc, malloc, free
from cpython.object cimport PyObject
from cpython.ref cimport Py_INCREF, Py_XDECREF
from cpython.unicode cimport PyUnicode_DATA, PyUnicode_KIND
from cpython.tuple cimport PyTuple_New, PyTuple_SET_ITEM

cdef extern from "Python.h":
    void PyObject_GC_UnTrack(void *op)

from nlpzero._ext.text cimport load_codes
from nlpzero._ext.trie cimport (ROOT_DIRECT, ChildSlot, CompiledLexicon, Trie, child_hash, is_word, trie_start,
                                trie_step)

cdef extern from *:
    """
    #if defined(__GNUC__) || defined(__clang__)
    #define NZ_PREFETCH(p) __builtin_prefetch((p), 0, 1)
    #else
    #define NZ_PREFETCH(p) ((void)0)
    #endif
    """
    void NZ_PREFETCH(const void *p) noexcept nogil

cpdef enum:
    CUT = 0              # cut(HMM=True)
    CUT_NO_HMM = 1       # cut(HMM=False)
    CUT_ALL = 2          # cut(cut_all=True)
    SEARCH = 3           # cut_for_search(HMM=True)
    SEARCH_NO_HMM = 4    # cut_for_search(HMM=False)

cdef enum:
    HAN_FIRST = 0x4E00
    HAN_LAST = 0x9FD5
    N_HAN = HAN_LAST - HAN_FIRST + 1
    # states in jieba's letter order, which decides its ties: B < E < M < S
    B = 0
    E = 1
    M = 2
    S = 3
    NOT_A_WORD = -2      # Segmenter.word_node of a string that is no word

cdef double MIN_FLOAT = -3.14e100


cdef inline bint _han(uint32_t c) noexcept nogil:
    return HAN_FIRST <= c <= HAN_LAST


cdef inline bint _eng(uint32_t c) noexcept nogil:
    return (48 <= c <= 57) or (65 <= c <= 90) or (97 <= c <= 122)


cdef inline bint _block(uint32_t c) noexcept nogil:
    """A character of jieba's re_han_default: Han, ASCII letters and digits, + # & . _ % -."""
    return _han(c) or _eng(c) or c == 43 or c == 35 or c == 38 or c == 46 or c == 95 or c == 37 or c == 45


cdef inline bint _space(uint32_t c) noexcept nogil:
    """Python's str.isspace (the \\s of a str pattern)."""
    return ((9 <= c <= 13) or (28 <= c <= 32) or c == 0x85 or c == 0xA0 or c == 0x1680 or (0x2000 <= c <= 0x200A)
            or c == 0x2028 or c == 0x2029 or c == 0x202F or c == 0x205F or c == 0x3000)


cdef class HMM:
    """finalseg's tables: start (4,), transition (4, 4) and emission (4, N_HAN)
    log probabilities, states in the order B E M S, emissions for U+4E00..U+9FD5
    (MIN_FLOAT where jieba's dicts have no entry)."""
    cdef double start[4]
    cdef double trans[4][4]
    cdef double *emit           # [4][N_HAN]
    cdef object owner

    def __cinit__(self, const double[::1] start not None, const double[:, ::1] trans not None,
                  const double[:, ::1] emit not None):
        cdef int a, b
        if start.shape[0] != 4 or trans.shape[0] != 4 or trans.shape[1] != 4 or emit.shape[0] != 4 \
                or emit.shape[1] != N_HAN:
            raise ValueError(f"HMM tables are (4,), (4, 4) and (4, {N_HAN})")
        for a in range(4):
            self.start[a] = start[a]
            for b in range(4):
                self.trans[a][b] = trans[a, b]
        self.owner = emit
        self.emit = <double *> &emit[0, 0]

    cdef inline double em(self, int state, uint32_t c) noexcept nogil:
        return self.emit[state * N_HAN + c - HAN_FIRST]


HAN_RANGE = (HAN_FIRST, HAN_LAST)
STATES = "BEMS"


cdef inline tuple _token(object word, object start, object end):
    """(word, start, end), not tracked by the cyclic GC: a tuple of a str and
    two ints cannot be part of a cycle (CPython untracks such tuples itself at
    their first collection; a tokenize() of millions of words would otherwise
    make every collection traverse them all)."""
    cdef tuple t = PyTuple_New(3)
    Py_INCREF(word)
    PyTuple_SET_ITEM(t, 0, word)
    Py_INCREF(start)
    PyTuple_SET_ITEM(t, 1, start)
    Py_INCREF(end)
    PyTuple_SET_ITEM(t, 2, end)
    PyObject_GC_UnTrack(<void *> t)
    return t


cdef class Words:
    """The str of each dictionary word (by trie node) and of each BMP character,
    made on first use and kept: most tokens then cost no new string."""
    cdef PyObject **nodes
    cdef PyObject **chars
    cdef Py_ssize_t n_nodes

    def __cinit__(self, Py_ssize_t n_nodes):
        self.n_nodes = n_nodes
        self.nodes = <PyObject **> calloc(max(n_nodes, 1), sizeof(PyObject *))
        self.chars = <PyObject **> calloc(0x10000, sizeof(PyObject *))
        if self.nodes == NULL or self.chars == NULL:
            raise MemoryError()

    def __dealloc__(self):
        cdef Py_ssize_t i
        if self.nodes != NULL:
            for i in range(self.n_nodes):
                Py_XDECREF(self.nodes[i])
            free(self.nodes)
        if self.chars != NULL:
            for i in range(0x10000):
                Py_XDECREF(self.chars[i])
            free(self.chars)

    cdef inline object node(self, int32_t node, str text, Py_ssize_t a, Py_ssize_t b):
        if 0 <= node < self.n_nodes and self.nodes[node] != NULL:
            return <object> self.nodes[node]
        return self.new_node(node, text, a, b)

    cdef object new_node(self, int32_t node, str text, Py_ssize_t a, Py_ssize_t b):
        """The str of s[a:b], kept for the node (a dictionary node's first use)."""
        cdef object word = text[a:b]
        if 0 <= node < self.n_nodes:
            Py_INCREF(word)
            self.nodes[node] = <PyObject *> word
        return word

    cdef inline object char(self, uint32_t ch, str text, Py_ssize_t a):
        if ch < 0x10000 and self.chars[ch] != NULL:
            return <object> self.chars[ch]
        return self.new_char(ch, text, a)

    cdef object new_char(self, uint32_t ch, str text, Py_ssize_t a):
        cdef object word = text[a:a + 1]
        if ch < 0x10000:
            Py_INCREF(word)
            self.chars[ch] = <PyObject *> word
        return word


cdef class Segmenter:
    """jieba's segmentation with one dictionary state: the dictionary compiled
    with a total of 1 (so each word's score is ln(count)), its str cache
    (Words(lexicon.n_nodes)), the words added or re-weighted and the words
    deleted since (or None), ln of jieba's total, finalseg's tables (for the
    HMM modes) and the words finalseg must split (or None).  It keeps its
    scratch arrays from call to call; calls hold the GIL, so threads may share it."""
    cdef object keep
    cdef Py_ssize_t capacity
    cdef uint32_t *codes
    cdef const uint32_t *s
    cdef Py_ssize_t n
    cdef const Trie *trie         # the dictionary (scores ln(count): built with a total of 1)
    cdef const Trie *added        # words added or re-weighted since (or NULL)
    cdef const Trie *deleted      # dictionary words deleted since (or NULL)
    cdef const Trie *force
    cdef double log_total
    cdef HMM hmm
    cdef str text
    cdef list out
    cdef int32_t *route       # route[k]: end (exclusive) of the best first word of s[k:block end]
    cdef int32_t *route_node  # its trie node in the dictionary, or -1
    cdef Words words
    cdef double *score
    cdef int32_t *states
    cdef int32_t *back        # [n][4] Viterbi backpointers
    cdef double *v
    cdef int32_t *end_buf         # the words starting at one position: ends, scores and trie nodes
    cdef double *score_buf
    cdef int32_t *node_buf
    cdef bint offsets         # tokenize(): (word, start, end) tuples
    cdef Py_ssize_t end       # the end of the last tuple and its int
    cdef object end_object

    def __cinit__(self, CompiledLexicon lexicon not None, Words words not None, double log_total, HMM hmm=None,
                  CompiledLexicon added=None, CompiledLexicon deleted=None, CompiledLexicon force_split=None):
        if words.n_nodes != lexicon.trie.n_nodes:
            raise ValueError("the words cache belongs to another lexicon")
        self.keep = (lexicon, added, deleted, force_split)
        self.words = words
        self.trie = &lexicon.trie
        self.added = &added.trie if added is not None else NULL
        self.deleted = &deleted.trie if deleted is not None else NULL
        self.force = &force_split.trie if force_split is not None else NULL
        self.log_total = log_total
        self.hmm = hmm
        self.capacity = 0

    cdef inline int put(self, object word, Py_ssize_t a, Py_ssize_t b) except -1:
        """Append s[a:b] (its str `word`) to the output: the word, or in tokenize() (word, a, b)."""
        if self.offsets:
            return self.put_token(word, a, b)
        self.out.append(word)
        return 0

    cdef int put_token(self, object word, Py_ssize_t a, Py_ssize_t b) except -1:
        """(word, a, b), whose end int is the next token's start: made once."""
        cdef object start = self.end_object if a == self.end else a
        self.end = b
        self.end_object = b
        self.out.append(_token(word, start, self.end_object))
        return 0

    cdef inline int emit(self, Py_ssize_t a, Py_ssize_t b) except -1:
        if b - a == 1:
            return self.put(self.words.char(self.s[a], self.text, a), a, b)
        return self.put(self.text[a:b], a, b)

    cdef inline int emit_route(self, Py_ssize_t a, Py_ssize_t b) except -1:
        """Emit the word the route chose at a (known by its trie node)."""
        if b - a == 1:
            return self.emit(a, b)
        return self.put(self.words.node(self.route_node[a], self.text, a, b), a, b)

    cdef const ChildSlot *find(self, const Trie *t, Py_ssize_t a, Py_ssize_t b) noexcept:
        """The edge of the word s[a:b] in the trie, or NULL when it is not a word there."""
        cdef const ChildSlot *edge
        cdef Py_ssize_t k
        if t == NULL or b <= a:
            return NULL
        edge = trie_start(t, self.s[a])
        k = a + 1
        while edge != NULL and k < b:
            edge = trie_step(t, edge, self.s[k])
            k += 1
        return edge if edge != NULL and is_word(edge) else NULL

    cdef int32_t word_node(self, Py_ssize_t a, Py_ssize_t b) noexcept:
        """Whether s[a:b] is a word of the dictionary as edited (FREQ > 0): its
        dictionary trie node, -1 for a word added or re-weighted since, else NOT_A_WORD."""
        cdef const ChildSlot *edge
        if self.find(self.added, a, b) != NULL:
            return -1
        if self.find(self.deleted, a, b) != NULL:
            return NOT_A_WORD
        edge = self.find(self.trie, a, b)
        return edge.node if edge != NULL else NOT_A_WORD

    cdef inline bint word(self, Py_ssize_t a, Py_ssize_t b) noexcept:
        return self.word_node(a, b) != NOT_A_WORD

    cdef Py_ssize_t ends(self, Py_ssize_t k, Py_ssize_t b, int32_t *out, double *scores, int32_t *nodes) noexcept:
        """The words starting at k within s[k:b]: their ends (exclusive, ascending),
        ln(count) - ln(total) and dictionary trie nodes (-1 for an added word);
        returns their number."""
        cdef const ChildSlot *base = trie_start(self.trie, self.s[k])
        cdef const ChildSlot *add = trie_start(self.added, self.s[k]) if self.added != NULL else NULL
        cdef const ChildSlot *gone = trie_start(self.deleted, self.s[k]) if self.deleted != NULL else NULL
        cdef Py_ssize_t x = k, m = 0
        while base != NULL or add != NULL:
            if add != NULL and is_word(add):
                out[m] = <int32_t> (x + 1)
                scores[m] = add.logp - self.log_total
                nodes[m] = -1
                m += 1
            elif base != NULL and is_word(base) and not (gone != NULL and is_word(gone)):
                out[m] = <int32_t> (x + 1)
                scores[m] = base.logp - self.log_total
                nodes[m] = base.node
                m += 1
            x += 1
            if x >= b:
                break
            if base != NULL:
                base = trie_step(self.trie, base, self.s[x])
            if add != NULL:
                add = trie_step(self.added, add, self.s[x])
            if gone != NULL:
                gone = trie_step(self.deleted, gone, self.s[x])
        return m

    cdef void calc(self, Py_ssize_t a, Py_ssize_t b) noexcept:
        """jieba's calc over the block s[a:b]: best route from each position,
        ties to the larger end."""
        cdef Py_ssize_t k, i, m
        cdef double best, candidate
        cdef const ChildSlot *edge
        cdef Py_ssize_t x
        cdef double log_total = self.log_total
        cdef const uint32_t *s = self.s
        self.score[b] = 0.0
        if self.added == NULL and self.deleted == NULL:       # no edits: one walk, nothing buffered
            for k in range(b - 1, a - 1, -1):
                # the walk from k - 4 will first probe its first character's child table:
                # start that cache miss now, to overlap with this walk
                if k >= a + 4 and s[k - 4] < ROOT_DIRECT:
                    edge = &self.trie.root_direct[s[k - 4]]
                    NZ_PREFETCH(&self.trie.children[edge.first + (child_hash(s[k - 3]) & edge.mask)])
                best = (0.0 - log_total) + self.score[k + 1]     # DAG[k] = [k] unless a word starts at k
                self.route[k] = <int32_t> (k + 1)
                self.route_node[k] = -1
                edge = trie_start(self.trie, s[k])
                x = k
                m = 0
                while edge != NULL:
                    if is_word(edge):
                        candidate = (edge.logp - log_total) + self.score[x + 1]
                        if m == 0 or candidate >= best:        # the later (longer) end wins ties
                            best = candidate
                            self.route[k] = <int32_t> (x + 1)
                            self.route_node[k] = edge.node
                        m += 1
                    x += 1
                    if x >= b:
                        break
                    edge = trie_step(self.trie, edge, s[x])
                self.score[k] = best
            return
        for k in range(b - 1, a - 1, -1):
            m = self.ends(k, b, self.end_buf, self.score_buf, self.node_buf)
            self.route_node[k] = -1
            if m == 0:                      # DAG[k] = [k]: the character alone, log(1) - log(total)
                self.score[k] = (0.0 - self.log_total) + self.score[k + 1]
                self.route[k] = <int32_t> (k + 1)
                continue
            best = 0.0
            for i in range(m):
                candidate = self.score_buf[i] + self.score[self.end_buf[i]]
                if i == 0 or candidate >= best:        # the later (longer) end wins ties
                    best = candidate
                    self.route[k] = self.end_buf[i]
                    self.route_node[k] = self.node_buf[i]
            self.score[k] = best

    # ------------------------------------------------------------ finalseg
    cdef int viterbi_cut(self, Py_ssize_t a, Py_ssize_t b) except -1:
        """finalseg.__cut of the Han run s[a:b]: the BMES path, B..E words and
        S characters; a word in the force-split set comes out character by character."""
        cdef Py_ssize_t t, n = b - a, i, begin, nexti
        cdef int y, y0, best_state
        cdef double p, best, em
        cdef double *v = self.v
        cdef double *prev
        cdef double cur[4]
        cdef int candidates[4][2]
        candidates[B][0] = E; candidates[B][1] = S        # PrevStatus, in jieba's letter order
        candidates[M][0] = B; candidates[M][1] = M
        candidates[S][0] = E; candidates[S][1] = S
        candidates[E][0] = B; candidates[E][1] = M
        for y in range(4):
            v[y] = self.hmm.start[y] + self.hmm.em(y, self.s[a])
        for t in range(1, n):
            prev = v + (t - 1) * 4
            for y in range(4):
                em = self.hmm.em(y, self.s[a + t])
                best = 0.0
                best_state = -1
                for i in range(2):
                    y0 = candidates[y][i]
                    p = prev[y0] + self.hmm.trans[y0][y] + em
                    if best_state < 0 or p > best or (p == best and y0 > best_state):
                        best = p
                        best_state = y0
                cur[y] = best
                self.back[t * 4 + y] = best_state
            for y in range(4):
                v[t * 4 + y] = cur[y]
        # the last state is E or S, ties to S
        y = S if v[(n - 1) * 4 + S] >= v[(n - 1) * 4 + E] else E
        for t in range(n - 1, -1, -1):
            self.states[t] = y
            if t:
                y = self.back[t * 4 + y]
        begin = 0
        nexti = 0
        for i in range(n):
            y = self.states[i]
            if y == B:
                begin = i
            elif y == E:
                self.hmm_word(a + begin, a + i + 1)
                nexti = i + 1
            elif y == S:
                self.emit(a + i, a + i + 1)
                nexti = i + 1
        if nexti < n:
            self.emit(a + nexti, b)

    cdef int hmm_word(self, Py_ssize_t a, Py_ssize_t b) except -1:
        cdef Py_ssize_t k
        if b - a > 1 and self.find(self.force, a, b) != NULL:
            for k in range(a, b):
                self.emit(k, k + 1)
        else:
            self.emit(a, b)

    cdef int finalseg(self, Py_ssize_t a, Py_ssize_t b) except -1:
        """finalseg.cut of s[a:b]: Han runs through the Viterbi; elsewhere the
        [a-zA-Z0-9]+(\\.\\d+)?%? pieces and the text between them, whole."""
        cdef Py_ssize_t i = a, j, gap
        while i < b:
            if _han(self.s[i]):
                j = i
                while j < b and _han(self.s[j]):
                    j += 1
                self.viterbi_cut(i, j)
                i = j
                continue
            j = i
            while j < b and not _han(self.s[j]):
                j += 1
            gap = i                               # the non-Han part s[i:j]
            while i < j:
                if _eng(self.s[i]):
                    if gap < i:
                        self.emit(gap, i)
                    gap = i
                    while i < j and _eng(self.s[i]):
                        i += 1
                    if i + 1 < j and self.s[i] == 46 and 48 <= self.s[i + 1] <= 57:
                        i += 1
                        while i < j and 48 <= self.s[i] <= 57:
                            i += 1
                    if i < j and self.s[i] == 37:
                        i += 1
                    self.emit(gap, i)
                    gap = i
                else:
                    i += 1
            if gap < j:
                self.emit(gap, j)
            i = j

    # ------------------------------------------------------------ the modes
    cdef int block_hmm(self, Py_ssize_t a, Py_ssize_t b) except -1:
        cdef Py_ssize_t x = a, y, buf = -1
        self.calc(a, b)
        while x < b:
            y = self.route[x]
            if y - x == 1:
                if buf < 0:
                    buf = x
            else:
                if buf >= 0:
                    self.flush(buf, x)
                    buf = -1
                self.emit_route(x, y)
            x = y
        if buf >= 0:
            self.flush(buf, b)

    cdef int flush(self, Py_ssize_t a, Py_ssize_t b) except -1:
        cdef Py_ssize_t k
        if b - a == 1:
            self.emit(a, b)
        elif not self.word(a, b):
            self.finalseg(a, b)
        else:
            for k in range(a, b):
                self.emit(k, k + 1)

    cdef int block_no_hmm(self, Py_ssize_t a, Py_ssize_t b) except -1:
        cdef Py_ssize_t x = a, y, buf = -1
        self.calc(a, b)
        while x < b:
            y = self.route[x]
            if y - x == 1 and _eng(self.s[x]):
                if buf < 0:
                    buf = x
            else:
                if buf >= 0:
                    self.emit(buf, x)
                    buf = -1
                self.emit_route(x, y)
            x = y
        if buf >= 0:
            self.emit(buf, b)

    cdef int block_all(self, Py_ssize_t a, Py_ssize_t b) except -1:
        """__cut_all: every DAG word, single characters only where no word covers them."""
        cdef Py_ssize_t k, x, i, m, old_j = -1, only_end
        cdef bint eng_scan = False
        cdef list eng_buf = []
        for k in range(a, b):
            if eng_scan and not _eng(self.s[k]):
                eng_scan = False
                self.out.append("".join(eng_buf))
            # the DAG of k: word ends (inclusive), or [k]
            m = self.ends(k, b, self.end_buf, self.score_buf, self.node_buf)
            only_end = self.end_buf[0] - 1 if m else k
            if m <= 1 and k > old_j:
                if _eng(self.s[k]):
                    if not eng_scan:
                        eng_scan = True
                        eng_buf = [self.text[k:only_end + 1]]
                    else:
                        eng_buf.append(self.text[k:only_end + 1])
                if not eng_scan:
                    if only_end == k:
                        self.out.append(self.words.char(self.s[k], self.text, k))
                    else:
                        self.out.append(self.words.node(self.node_buf[0], self.text, k, only_end + 1))
                old_j = only_end
            else:
                for i in range(m):
                    x = self.end_buf[i] - 1
                    if x > k:
                        self.out.append(self.words.node(self.node_buf[i], self.text, k, x + 1))
                        old_j = x
        if eng_scan:
            self.out.append("".join(eng_buf))

    cdef int other(self, Py_ssize_t a, Py_ssize_t b, bint cut_all) except -1:
        """Text outside jieba's blocks: re_skip_default splits it into
        whitespace characters (a \\r\\n pair as one) and the text between; that
        text comes out character by character, or whole (empty pieces too) in
        cut_all mode."""
        cdef Py_ssize_t i = a, gap = a, k
        while i < b:
            if _space(self.s[i]):
                if cut_all:
                    self.out.append(self.text[gap:i])
                else:
                    for k in range(gap, i):
                        self.emit(k, k + 1)
                k = i + 2 if self.s[i] == 13 and i + 1 < b and self.s[i + 1] == 10 else i + 1
                self.emit(i, k)
                i = k
                gap = i
            else:
                i += 1
        if cut_all:
            self.out.append(self.text[gap:b])
        else:
            for k in range(gap, b):
                self.emit(k, k + 1)

    cdef int run(self, int mode) except -1:
        cdef Py_ssize_t i = 0, j
        while i < self.n:
            j = i
            if _block(self.s[i]):
                while j < self.n and _block(self.s[j]):
                    j += 1
                if mode == CUT_ALL:
                    self.block_all(i, j)
                elif mode == CUT_NO_HMM or mode == SEARCH_NO_HMM:
                    self.block_no_hmm(i, j)
                else:
                    self.block_hmm(i, j)
            else:
                while j < self.n and not _block(self.s[j]):
                    j += 1
                self.other(i, j, mode == CUT_ALL)
            i = j


    cdef int reserve(self, Py_ssize_t n) except -1:
        """Scratch arrays for a text of n characters, kept from call to call."""
        if n + 1 <= self.capacity:
            return 0
        n = max(n + 1, 2 * self.capacity)
        self.release()
        self.codes = <uint32_t *> malloc(n * sizeof(uint32_t))
        self.route = <int32_t *> malloc(n * sizeof(int32_t))
        self.route_node = <int32_t *> malloc(n * sizeof(int32_t))
        self.score = <double *> malloc(n * sizeof(double))
        self.states = <int32_t *> malloc(n * sizeof(int32_t))
        self.back = <int32_t *> malloc(4 * n * sizeof(int32_t))
        self.v = <double *> malloc(4 * n * sizeof(double))
        self.end_buf = <int32_t *> malloc(n * sizeof(int32_t))
        self.score_buf = <double *> malloc(n * sizeof(double))
        self.node_buf = <int32_t *> malloc(n * sizeof(int32_t))
        if (not self.codes or not self.route or not self.route_node or not self.score or not self.states
                or not self.back or not self.v or not self.end_buf or not self.score_buf or not self.node_buf):
            self.release()
            raise MemoryError()
        self.capacity = n
        return 0

    cdef void release(self) noexcept:
        free(self.codes)
        free(self.route)
        free(self.route_node)
        free(self.score)
        free(self.states)
        free(self.back)
        free(self.v)
        free(self.end_buf)
        free(self.score_buf)
        free(self.node_buf)
        self.codes = NULL
        self.route = self.route_node = self.states = self.back = self.end_buf = self.node_buf = NULL
        self.score = self.v = self.score_buf = NULL
        self.capacity = 0

    def __dealloc__(self):
        self.release()

    def cut(self, str text not None, int mode, bint offsets=False):
        """The words of `text` in one of jieba's modes (CUT, CUT_NO_HMM,
        CUT_ALL, SEARCH, SEARCH_NO_HMM) as a list of str -- or, with
        `offsets`, of (word, start, end) (tokenize())."""
        cdef Py_ssize_t n = len(text), i, k, length, start
        cdef int32_t node
        cdef list found
        if (mode == CUT or mode == SEARCH) and self.hmm is None:
            raise ValueError("the HMM modes need the HMM tables")
        if offsets and mode == CUT_ALL:
            raise ValueError("tokenize() has no cut_all mode")
        self.reserve(n)
        load_codes(PyUnicode_DATA(text), PyUnicode_KIND(text), n, self.codes)
        self.s = self.codes
        self.n = n
        self.text = text
        self.out = []
        self.end = -1
        try:
            if mode == SEARCH or mode == SEARCH_NO_HMM:
                self.offsets = False
                self.run(mode)
                found = self.out
                self.out = []
                self.offsets = offsets
                start = 0
                for word in found:
                    length = len(word)
                    # 2-grams, then 3-grams, that are words, then the word itself
                    if length > 2:
                        for i in range(length - 1):
                            k = start + i
                            node = self.word_node(k, k + 2)
                            if node != NOT_A_WORD:
                                self.put(self.words.node(node, text, k, k + 2), k, k + 2)
                    if length > 3:
                        for i in range(length - 2):
                            k = start + i
                            node = self.word_node(k, k + 3)
                            if node != NOT_A_WORD:
                                self.put(self.words.node(node, text, k, k + 3), k, k + 3)
                    self.put(word, start, start + length)
                    start += length
            else:
                self.offsets = offsets
                self.run(mode)
            return self.out
        finally:
            self.out = None
            self.text = None
            self.end_object = None
