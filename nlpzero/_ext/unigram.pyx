# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Compiled core of the unigram (maximum-probability) segmenter.

The lexicon is a *hash trie*: node ids are dense integers, a transition
(parent, code point) is one probe in an open-addressing table keyed by
``parent << 21 | code point``, and the root's transitions for the BMP are a
plain array.  Segmentation is jieba's backward dynamic programme over the word
DAG -- best[i] = max over edges (i, j) of ln p(word) + best[j], ties to the
longer edge -- with the same floating-point operations, so equal lexicons give
equal paths.  Besides lexicon words, position i has one *fallback* edge scored
ln(1/total): the character class table decides its extent (a run of letters and
digits, a run of whitespace, a run of one repeated mark, or one character),
always with its trailing combining marks and zero-width-joiner sequences.  An
ideograph-like character that starts some lexicon word has no fallback edge (as
in jieba), so known words win.
"""

from libc.stdint cimport uint8_t, uint16_t, uint32_t, uint64_t, int32_t, int64_t
from libc.stdlib cimport calloc, malloc, realloc, free
from libc.math cimport log
from libc.string cimport memcmp, memcpy
from cpython.bytes cimport PyBytes_FromStringAndSize
from cpython.unicode cimport PyUnicode_4BYTE_KIND, PyUnicode_DATA, PyUnicode_FromKindAndData, PyUnicode_KIND

from nlpzero._ext.hashing cimport mix
from nlpzero._ext.utf8 cimport decode_utf8 as _decode_utf8

import threading

import numpy as np
cimport numpy as cnp

cnp.import_array()

# character classes (bit flags), computed in Python from unicodedata
cdef enum:
    CLASS_RUN = 1        # letters/digits that form runs ("iPhone12", "１９９８")
    CLASS_DIGIT = 2      # decimal digits ("3.14" keeps its point)
    CLASS_EXTEND = 4     # combining marks, variation selectors, ZWJ: attach to the left
    CLASS_SPACE = 8      # whitespace: runs are one token
    CLASS_REPEAT = 16    # punctuation and symbols: a run of one repeated mark is one token
    CLASS_JOINER = 32    # U+200D: also attaches the character after it
    ROOT_DIRECT = 0x10000
    CHAR_BITS = 21
    NUMBER = 0xE000      # in a lexicon word: any number ("<NUM>年" matches 2001年, １９９８年, 3.5年)
    WALK_STACK = 16      # pending NUMBER branches while walking the trie from one position

cdef struct Slot:
    uint64_t key                 # (parent node << 21 | code point) + 1; 0 = empty
    double logp                  # ln(count) - ln(total), or NOT_A_WORD

cdef double NOT_A_WORD = 1.0


cdef inline uint8_t _char_class(const uint8_t *classes, uint32_t ch) noexcept nogil:
    # the table covers planes 0-1; above them: CJK extensions B-H and private use
    # are single characters, tags and variation selectors (plane 14) attach
    if ch < 0x20000:
        return classes[ch]
    if 0xE0000 <= ch < 0xE1000:
        return CLASS_EXTEND
    return 0


cdef inline bint _number_starts(const uint32_t *text, const uint8_t *classes, Py_ssize_t k) noexcept nogil:
    """Whether a number starts at k (a digit not continuing digits or a decimal point after digits)."""
    if not _char_class(classes, text[k]) & CLASS_DIGIT:
        return False
    if k >= 1 and _char_class(classes, text[k - 1]) & CLASS_DIGIT:
        return False
    if (k >= 2 and (text[k - 1] == 0x2E or text[k - 1] == 0xFF0E)
            and _char_class(classes, text[k - 2]) & CLASS_DIGIT):
        return False
    return True


cdef inline Py_ssize_t _extend(const uint32_t *text, Py_ssize_t n, const uint8_t *classes,
                               const int32_t *unit_end, Py_ssize_t i) noexcept nogil:
    """Position after the combining marks / joiner sequences starting at i
    (unit_end is already known right of i)."""
    if i < n and _char_class(classes, text[i]) & CLASS_EXTEND:
        return unit_end[i]
    return i


cdef inline void _load_codes(const void *data, unsigned int kind, Py_ssize_t n, uint32_t *codes) noexcept nogil:
    """Copy a str's code points (stored in 1, 2 or 4 bytes each) to `codes`."""
    cdef Py_ssize_t i
    if kind == 1:
        for i in range(n):
            codes[i] = (<const uint8_t *> data)[i]
    elif kind == 2:
        for i in range(n):
            codes[i] = (<const uint16_t *> data)[i]
    else:
        memcpy(codes, data, n * sizeof(uint32_t))


cdef Py_ssize_t _fold_numbers(uint32_t *codes, Py_ssize_t n, const uint8_t *classes) noexcept nogil:
    """Replace every number (digits, decimal points between digits) by NUMBER, in
    place; returns the new length.  The same rule as discover.fold_numbers."""
    cdef Py_ssize_t i = 0, m = 0
    while i < n:
        if _char_class(classes, codes[i]) & CLASS_DIGIT:
            i += 1
            while i < n:
                if _char_class(classes, codes[i]) & CLASS_DIGIT:
                    i += 1
                elif ((codes[i] == 0x2E or codes[i] == 0xFF0E) and i + 1 < n
                      and _char_class(classes, codes[i + 1]) & CLASS_DIGIT):
                    i += 2
                else:
                    break
            codes[m] = NUMBER
        else:
            codes[m] = codes[i]
            i += 1
        m += 1
    return m


cdef inline Py_ssize_t _put_utf8(uint8_t *buf, Py_ssize_t m, uint32_t ch) noexcept nogil:
    if ch < 0x80:
        buf[m] = <uint8_t> ch
        return m + 1
    if ch < 0x800:
        buf[m] = <uint8_t> (0xC0 | (ch >> 6))
        buf[m + 1] = <uint8_t> (0x80 | (ch & 0x3F))
        return m + 2
    if ch < 0x10000:
        buf[m] = <uint8_t> (0xE0 | (ch >> 12))
        buf[m + 1] = <uint8_t> (0x80 | ((ch >> 6) & 0x3F))
        buf[m + 2] = <uint8_t> (0x80 | (ch & 0x3F))
        return m + 3
    buf[m] = <uint8_t> (0xF0 | (ch >> 18))
    buf[m + 1] = <uint8_t> (0x80 | ((ch >> 12) & 0x3F))
    buf[m + 2] = <uint8_t> (0x80 | ((ch >> 6) & 0x3F))
    buf[m + 3] = <uint8_t> (0x80 | (ch & 0x3F))
    return m + 4


cdef extern from *:
    """
    #if defined(__GNUC__) || defined(__clang__)
    #define NZ_PREFETCH(p) __builtin_prefetch((p), 0, 1)
    #else
    #define NZ_PREFETCH(p) ((void)0)
    #endif
    """
    void NZ_PREFETCH(const void *p) noexcept nogil


cdef struct Node:
    double logp                  # ln(count) - ln(total), or NOT_A_WORD
    uint32_t first               # its child table: children[first : first + mask + 1]
    uint32_t mask

cdef struct ChildSlot:
    # A trie edge, carrying what a walk needs next so that one cache line per
    # step suffices: the child's score and where its own child table is.
    uint32_t ch                  # EMPTY_CHAR when free
    uint32_t mask                # the child's table: children[first : first + mask + 1]
    uint32_t first
    int32_t node                 # the child's id (used while building)
    double logp                  # the child's ln(count) - ln(total), or NOT_A_WORD

cdef uint32_t EMPTY_CHAR = 0xFFFFFFFF


cdef inline uint32_t _child_hash(uint32_t ch) noexcept nogil:
    return <uint32_t> (((<uint64_t> ch) * 0x9E3779B97F4A7C15ULL) >> 32)


cdef inline Py_ssize_t _table_size(Py_ssize_t children) noexcept nogil:
    """A power of two with room to spare (load <= 2/3, always one empty slot)."""
    cdef Py_ssize_t size = 1
    while size < children + children // 2 + 1:
        size <<= 1
    return size


cdef inline void _put_child(ChildSlot *table, Py_ssize_t mask, uint32_t ch, int32_t node) noexcept nogil:
    cdef Py_ssize_t slot = _child_hash(ch) & mask
    while table[slot].ch != EMPTY_CHAR:
        slot = (slot + 1) & mask
    table[slot].ch = ch
    table[slot].node = node


cdef bint _sorted_words(const uint32_t *chars, const int64_t *offsets, Py_ssize_t n) noexcept nogil:
    """Whether the words are non-empty and in strictly increasing code-point order."""
    cdef Py_ssize_t w, k, la, lb
    for w in range(n):
        if offsets[w + 1] <= offsets[w]:
            return False
    for w in range(1, n):
        la = offsets[w] - offsets[w - 1]
        lb = offsets[w + 1] - offsets[w]
        k = 0
        while k < la and k < lb and chars[offsets[w - 1] + k] == chars[offsets[w] + k]:
            k += 1
        if k < la and k < lb:
            if chars[offsets[w - 1] + k] > chars[offsets[w] + k]:
                return False
        elif la >= lb:              # equal, or the earlier word extends the later one
            return False
    return True


cdef class _Builder:
    """One global hash table of (parent, code point) -> node, used while inserting."""
    cdef Slot *slots             # node id = slot index + 1; the root is 0
    cdef uint64_t mask

    def __cinit__(self, Py_ssize_t n_chars):
        cdef Py_ssize_t capacity = 16
        while capacity < n_chars + n_chars // 4 + 16:    # at most one node per character
            capacity <<= 1
        self.mask = capacity - 1
        self.slots = <Slot *> calloc(capacity, sizeof(Slot))
        if not self.slots:
            raise MemoryError()

    def __dealloc__(self):
        free(self.slots)

    cdef int64_t child_or_add(self, int64_t node, uint32_t ch) noexcept nogil:
        cdef uint64_t key = ((<uint64_t> node) << CHAR_BITS | ch) + 1
        cdef uint64_t slot = mix(key) & self.mask
        while self.slots[slot].key != 0:
            if self.slots[slot].key == key:
                return <int64_t> slot + 1
            slot = (slot + 1) & self.mask
        self.slots[slot].key = key
        self.slots[slot].logp = NOT_A_WORD
        return <int64_t> slot + 1


cdef struct Scratch:
    uint32_t *codes              # the text's code points
    int32_t *next_cut            # end of the best token starting at i
    int32_t *unit_end            # end of the fallback unit starting at i
    int32_t *run_end             # end of the letter/digit run through i
    int32_t *digit_end           # end of the number starting at i
    double *best                 # best score of text[i:]
    uint8_t *out                 # rendered UTF-8


cdef class _Work:
    """Scratch arrays, kept per thread and grown as needed: fresh memory costs a
    page fault per 4 KiB, which would otherwise dominate segmentation."""
    cdef Scratch s
    cdef Py_ssize_t capacity
    cdef Py_ssize_t out_capacity

    cdef int reserve(self, Py_ssize_t n, Py_ssize_t out_bytes) except -1:
        if n + 1 > self.capacity:
            n = max(n + 1, 2 * self.capacity)
            self._free_arrays()
            self.s.codes = <uint32_t *> malloc(n * sizeof(uint32_t))
            self.s.next_cut = <int32_t *> malloc(n * sizeof(int32_t))
            self.s.unit_end = <int32_t *> malloc(n * sizeof(int32_t))
            self.s.run_end = <int32_t *> malloc(n * sizeof(int32_t))
            self.s.digit_end = <int32_t *> malloc(n * sizeof(int32_t))
            self.s.best = <double *> malloc(n * sizeof(double))
            self.capacity = n
            if (not self.s.codes or not self.s.next_cut or not self.s.unit_end or not self.s.run_end
                    or not self.s.digit_end or not self.s.best):
                self.capacity = 0
                raise MemoryError()
        if out_bytes > self.out_capacity:
            out_bytes = max(out_bytes, 2 * self.out_capacity)
            free(self.s.out)
            self.s.out = <uint8_t *> malloc(out_bytes)
            self.out_capacity = out_bytes
            if not self.s.out:
                self.out_capacity = 0
                raise MemoryError()
        return 0

    cdef void _free_arrays(self) noexcept:
        free(self.s.codes)
        free(self.s.next_cut)
        free(self.s.unit_end)
        free(self.s.run_end)
        free(self.s.digit_end)
        free(self.s.best)

    def __dealloc__(self):
        self._free_arrays()
        free(self.s.out)


_thread_local = threading.local()


cdef _Work _scratch(Py_ssize_t n, Py_ssize_t out_bytes):
    cdef _Work work = getattr(_thread_local, "work", None)
    if work is None:
        work = _Work()
        _thread_local.work = work
    work.reserve(n, out_bytes)
    return work


cdef _Work _load_text(text, const uint8_t *classes, bint fold_numbers, Py_ssize_t out_per_unit,
                      Py_ssize_t *n, Py_ssize_t *invalid):
    """This thread's scratch space holding the code points of `text` -- a str,
    or UTF-8 bytes decoded here as Python's "replace" does (replaced bytes added
    to *invalid) -- with numbers folded to NUMBER if asked; *n = their number.
    Room is made for out_per_unit output bytes per input unit."""
    cdef bint is_bytes = isinstance(text, bytes)
    if not is_bytes and not isinstance(text, str):
        raise TypeError(f"expected str or UTF-8 bytes, not {type(text).__name__}")
    cdef Py_ssize_t length = len(text)
    cdef _Work work = _scratch(length, out_per_unit * length)
    cdef const void *data = <const void *> (<char *> text) if is_bytes else PyUnicode_DATA(text)
    cdef unsigned int kind = 0 if is_bytes else PyUnicode_KIND(text)
    with nogil:
        if is_bytes:
            length = _decode_utf8(<const uint8_t *> data, length, work.s.codes, invalid)
        else:
            _load_codes(data, kind, length, work.s.codes)
        if fold_numbers:
            length = _fold_numbers(work.s.codes, length, classes)
    n[0] = length
    return work


cdef class CompiledLexicon:
    """A lexicon compiled for segmentation.  Built from the words' code points
    (`chars`, uint32), their offsets (int64, n+1) and counts (int64, n).

    Layout: nodes are numbered breadth-first (the root is 0), each with a small
    open-addressing table of its children; the root's children in the BMP are
    also a direct array.  A hot node and its children share a few cache lines,
    which matters more than anything else here: the walk from each text
    position is a chain of dependent lookups."""

    cdef ChildSlot *children
    cdef ChildSlot root          # the root as an edge into it
    cdef ChildSlot *root_direct  # the root's edges for BMP code points (ch EMPTY_CHAR = none)
    cdef readonly Py_ssize_t n_nodes
    cdef readonly bint has_number    # some word contains NUMBER
    cdef readonly double log_total
    cdef readonly double unknown_score
    cdef readonly int64_t total
    cdef readonly Py_ssize_t n_words
    cdef readonly bint whole_runs    # a run of letters/digits is never cut by a lexicon word

    def __cinit__(self, const uint32_t[::1] chars, const int64_t[::1] offsets, const int64_t[::1] counts,
                  bint whole_runs=True):
        cdef Py_ssize_t n = counts.shape[0], w, k
        cdef int64_t total = 0
        self.whole_runs = whole_runs
        if offsets.shape[0] != n + 1:
            raise ValueError("offsets must have one more entry than counts")
        for w in range(n):
            if counts[w] < 0:
                raise ValueError("negative count")
            if offsets[w] > offsets[w + 1] or offsets[w + 1] > chars.shape[0]:
                raise ValueError("offsets out of range")
            total += counts[w]
        self.total = total
        self.n_words = n
        # jieba scores with log(freq) - log(total); an empty lexicon scores unknowns as ln 1
        self.log_total = log(<double> total) if total > 0 else 0.0
        self.unknown_score = 0.0 - self.log_total
        if offsets[0] < 0:
            raise ValueError("offsets out of range")
        for k in range(chars.shape[0]):
            if chars[k] == NUMBER:
                self.has_number = True
                break
        if _sorted_words(&chars[0] if chars.shape[0] else NULL, &offsets[0], n):
            self._build_sorted(chars, offsets, counts)
            return
        cdef _Builder builder = _Builder(chars.shape[0])
        cdef int64_t node
        with nogil:
            for w in range(n):
                if counts[w] == 0 or offsets[w + 1] == offsets[w]:
                    continue
                node = 0
                for k in range(offsets[w], offsets[w + 1]):
                    node = builder.child_or_add(node, chars[k])
                builder.slots[node - 1].logp = log(<double> counts[w]) - self.log_total
        self._compact(builder)

    cdef int _build_sorted(self, const uint32_t[::1] chars, const int64_t[::1] offsets,
                           const int64_t[::1] counts) except -1:
        """Build from words in strictly increasing code-point order, breadth first:
        the words under a node form a contiguous range, its children consecutive
        sub-ranges; only sequential scans, no global hash table."""
        cdef Py_ssize_t n = counts.shape[0], capacity = chars.shape[0] + 1
        cdef Py_ssize_t q, lo, hi, w, n_nodes = 1, child_slots = 1, size, k
        cdef int32_t depth
        cdef uint32_t ch
        cdef int64_t *range_lo = <int64_t *> malloc(capacity * sizeof(int64_t))
        cdef int64_t *range_hi = <int64_t *> malloc(capacity * sizeof(int64_t))
        cdef int32_t *depth_of = <int32_t *> malloc(capacity * sizeof(int32_t))
        cdef int64_t *first_child = <int64_t *> malloc(capacity * sizeof(int64_t))
        cdef int32_t *n_children = <int32_t *> malloc(capacity * sizeof(int32_t))
        cdef Node *nodes = <Node *> malloc(capacity * sizeof(Node))
        try:
            if not range_lo or not range_hi or not depth_of or not first_child or not n_children or not nodes:
                raise MemoryError()
            with nogil:
                range_lo[0] = 0
                range_hi[0] = n
                depth_of[0] = 0
                q = 0
                while q < n_nodes:                 # breadth first: ids in order of discovery
                    lo = range_lo[q]
                    hi = range_hi[q]
                    depth = depth_of[q]
                    nodes[q].logp = NOT_A_WORD
                    # the word ending here sorts first among the words under this node
                    if lo < hi and offsets[lo + 1] - offsets[lo] == depth:
                        if depth > 0 and counts[lo] > 0:
                            nodes[q].logp = log(<double> counts[lo]) - self.log_total
                        lo += 1
                    first_child[q] = n_nodes
                    n_children[q] = 0
                    w = lo
                    while w < hi:
                        ch = chars[offsets[w] + depth]
                        range_lo[n_nodes] = w
                        while w < hi and chars[offsets[w] + depth] == ch:
                            w += 1
                        range_hi[n_nodes] = w
                        depth_of[n_nodes] = depth + 1
                        n_nodes += 1
                        n_children[q] += 1
                    if n_children[q]:
                        child_slots += _table_size(n_children[q])
                    q += 1
            self.children = <ChildSlot *> malloc(child_slots * sizeof(ChildSlot))
            self.root_direct = <ChildSlot *> malloc(ROOT_DIRECT * sizeof(ChildSlot))
            if not self.children or not self.root_direct:
                raise MemoryError()
            self.n_nodes = n_nodes
            with nogil:
                for k in range(child_slots):
                    self.children[k].ch = EMPTY_CHAR
                child_slots = 1
                for q in range(n_nodes):
                    nodes[q].first = 0
                    nodes[q].mask = 0
                    if n_children[q] == 0:
                        continue
                    size = _table_size(n_children[q])
                    nodes[q].first = <uint32_t> child_slots
                    nodes[q].mask = <uint32_t> (size - 1)
                    for k in range(first_child[q], first_child[q] + n_children[q]):
                        _put_child(&self.children[child_slots], size - 1,
                                   chars[offsets[range_lo[k]] + depth_of[q]], <int32_t> k)
                    child_slots += size
                self._link(nodes, child_slots)
        finally:
            free(range_lo)
            free(range_hi)
            free(depth_of)
            free(first_child)
            free(n_children)
            free(nodes)
        return 0

    cdef void _link(self, const Node *nodes, Py_ssize_t child_slots) noexcept nogil:
        """Copy each child's score and table into the edge leading to it; set up the root."""
        cdef Py_ssize_t s
        cdef int32_t c
        for s in range(ROOT_DIRECT):
            self.root_direct[s].ch = EMPTY_CHAR
        for s in range(child_slots):
            if self.children[s].ch != EMPTY_CHAR:
                c = self.children[s].node
                self.children[s].mask = nodes[c].mask
                self.children[s].first = nodes[c].first
                self.children[s].logp = nodes[c].logp
        self.root.ch = 0
        self.root.node = 0
        self.root.mask = nodes[0].mask
        self.root.first = nodes[0].first
        self.root.logp = NOT_A_WORD
        if nodes[0].mask or nodes[0].first:
            for s in range(nodes[0].first, nodes[0].first + nodes[0].mask + 1):
                if self.children[s].ch < ROOT_DIRECT:
                    self.root_direct[self.children[s].ch] = self.children[s]

    cdef int _compact(self, _Builder builder) except -1:
        """Renumber the builder's nodes breadth-first and give each its own child table."""
        cdef Py_ssize_t capacity = builder.mask + 1, s, e, q, head
        cdef Py_ssize_t n_edges = 0, n_nodes, child_slots = 1, size, c
        cdef uint64_t key
        cdef int64_t parent
        cdef Node *nodes = NULL
        for s in range(capacity):
            n_edges += builder.slots[s].key != 0
        n_nodes = n_edges + 1
        # edges grouped by parent (counting sort over old ids: slot + 1, root 0)
        cdef int64_t *start = <int64_t *> calloc(capacity + 2, sizeof(int64_t))
        cdef int64_t *edge = <int64_t *> malloc((n_edges + 1) * sizeof(int64_t))
        cdef int64_t *queue = <int64_t *> malloc(n_nodes * sizeof(int64_t))
        cdef int32_t *new_id = <int32_t *> malloc((capacity + 1) * sizeof(int32_t))
        try:
            if not start or not edge or not queue or not new_id:
                raise MemoryError()
            with nogil:
                for s in range(capacity):
                    key = builder.slots[s].key
                    if key != 0:
                        start[((key - 1) >> CHAR_BITS) + 1] += 1
                for s in range(capacity + 1):
                    start[s + 1] += start[s]
                for s in range(capacity):
                    key = builder.slots[s].key
                    if key != 0:
                        parent = <int64_t> ((key - 1) >> CHAR_BITS)
                        edge[start[parent]] = s
                        start[parent] += 1
                for s in range(capacity, 0, -1):        # restore the group starts
                    start[s] = start[s - 1]
                start[0] = 0
                # breadth-first order; each node's child table is sized from its degree
                queue[0] = 0
                new_id[0] = 0
                q = 1
                for head in range(n_nodes):
                    parent = queue[head]
                    for e in range(start[parent], start[parent + 1]):
                        new_id[edge[e] + 1] = <int32_t> q
                        queue[q] = edge[e] + 1
                        q += 1
                    c = start[parent + 1] - start[parent]
                    if c:
                        child_slots += _table_size(c)
            nodes = <Node *> malloc(n_nodes * sizeof(Node))
            self.children = <ChildSlot *> malloc(child_slots * sizeof(ChildSlot))
            self.root_direct = <ChildSlot *> malloc(ROOT_DIRECT * sizeof(ChildSlot))
            if not nodes or not self.children or not self.root_direct:
                raise MemoryError()
            self.n_nodes = n_nodes
            with nogil:
                for s in range(child_slots):
                    self.children[s].ch = EMPTY_CHAR
                    self.children[s].node = -1
                # slot 0 is the shared empty table of every leaf
                child_slots = 1
                for head in range(n_nodes):
                    parent = queue[head]
                    nodes[head].logp = builder.slots[parent - 1].logp if parent else NOT_A_WORD
                    c = start[parent + 1] - start[parent]
                    if c == 0:
                        nodes[head].first = 0
                        nodes[head].mask = 0
                        continue
                    size = _table_size(c)
                    nodes[head].first = <uint32_t> child_slots
                    nodes[head].mask = <uint32_t> (size - 1)
                    for e in range(start[parent], start[parent + 1]):
                        s = edge[e]
                        key = builder.slots[s].key - 1
                        _put_child(&self.children[child_slots], size - 1,
                                   <uint32_t> (key & ((1 << CHAR_BITS) - 1)), new_id[s + 1])
                    child_slots += size
                self._link(nodes, child_slots)
        finally:
            free(start)
            free(edge)
            free(queue)
            free(new_id)
            free(nodes)
        return 0

    def __dealloc__(self):
        free(self.children)
        free(self.root_direct)

    cdef inline const ChildSlot *_start(self, uint32_t ch) noexcept nogil:
        """The edge from the root for `ch`, or NULL."""
        if ch < ROOT_DIRECT:
            return &self.root_direct[ch] if self.root_direct[ch].ch == ch else NULL
        return self._step(&self.root, ch)

    cdef inline const ChildSlot *_step(self, const ChildSlot *at, uint32_t ch) noexcept nogil:
        """The edge for `ch` out of the node `at` leads to, or NULL."""
        cdef uint32_t mask = at.mask
        cdef const ChildSlot *table = &self.children[at.first]
        cdef uint32_t slot = _child_hash(ch) & mask
        while True:
            if table[slot].ch == ch:
                return &table[slot]
            if table[slot].ch == EMPTY_CHAR:
                return NULL
            slot = (slot + 1) & mask

    cdef void _best_path(self, Scratch *w, Py_ssize_t n, const uint8_t *classes) noexcept nogil:
        """w.next_cut[i] = end of the best token starting at i, for all i < n."""
        cdef const uint32_t *text = w.codes
        cdef int32_t *next_cut = w.next_cut
        cdef double *best = w.best
        cdef int32_t *unit_end = w.unit_end
        cdef int32_t *run_end = w.run_end
        cdef int32_t *digit_end = w.digit_end
        cdef Py_ssize_t i, j, k, end
        cdef uint8_t c
        cdef double score, candidate
        cdef bint has_word
        cdef int depth
        cdef const ChildSlot *edge
        cdef const ChildSlot *stack_node[WALK_STACK]
        cdef Py_ssize_t stack_end[WALK_STACK]
        best[n] = 0.0
        for i in range(n - 1, -1, -1):
            c = _char_class(classes, text[i])
            # end of the letter/digit run continuing through i (marks included)
            run_end[i] = i + 1
            if c & (CLASS_RUN | CLASS_EXTEND) and i + 1 < n:
                k = _char_class(classes, text[i + 1])
                if k & (CLASS_RUN | CLASS_EXTEND):
                    run_end[i] = run_end[i + 1]
                elif (c & CLASS_DIGIT and (text[i + 1] == 0x2E or text[i + 1] == 0xFF0E) and i + 2 < n
                      and _char_class(classes, text[i + 2]) & CLASS_DIGIT):
                    run_end[i] = run_end[i + 2]
            # extent of the fallback unit starting at i, computed right to left in O(1)
            if c & CLASS_JOINER:
                unit_end[i] = _extend(text, n, classes, unit_end, i + 2) if i + 1 < n else i + 1
            elif c & CLASS_EXTEND:
                unit_end[i] = _extend(text, n, classes, unit_end, i + 1)
            elif c & CLASS_RUN:
                unit_end[i] = run_end[i]
            elif c & CLASS_SPACE:
                unit_end[i] = unit_end[i + 1] if i + 1 < n and _char_class(classes, text[i + 1]) & CLASS_SPACE else i + 1
            elif c & CLASS_REPEAT and i + 1 < n and text[i + 1] == text[i]:
                unit_end[i] = unit_end[i + 1]
            else:
                unit_end[i] = _extend(text, n, classes, unit_end, i + 1)
            # end of the number (digits, decimal points between digits) starting at i
            digit_end[i] = i + 1
            if c & CLASS_DIGIT and i + 1 < n:
                if _char_class(classes, text[i + 1]) & CLASS_DIGIT:
                    digit_end[i] = digit_end[i + 1]
                elif ((text[i + 1] == 0x2E or text[i + 1] == 0xFF0E) and i + 2 < n
                      and _char_class(classes, text[i + 2]) & CLASS_DIGIT):
                    digit_end[i] = digit_end[i + 2]
            # the walk from i - 4 will first probe the child table of its first
            # character's edge: start that cache miss now, to overlap with this walk
            if i >= 4 and text[i - 4] < ROOT_DIRECT:
                edge = &self.root_direct[text[i - 4]]
                NZ_PREFETCH(&self.children[edge.first + (_child_hash(text[i - 3]) & edge.mask)])
            # lexicon words starting at i; a NUMBER in a word matches a whole number
            score = 0.0
            j = -1
            has_word = False
            depth = 0
            stack_node[0] = self._start(text[i])
            stack_end[0] = i + 1
            depth = 1
            if self.has_number and _number_starts(text, classes, i):
                stack_node[1] = self._start(NUMBER)
                stack_end[1] = digit_end[i]
                depth = 2
            while depth > 0:
                depth -= 1
                edge = stack_node[depth]
                k = stack_end[depth]
                while edge != NULL:
                    # with whole_runs, a word may not end inside a letter/digit run
                    if edge.logp <= 0.0 and not (self.whole_runs and k < n and (
                            run_end[k - 1] > k or (k >= i + 2 and run_end[k - 2] > k))):
                        candidate = edge.logp + best[k]
                        if not has_word or candidate > score or (candidate == score and k > j):
                            score = candidate
                            j = k
                            has_word = True
                    if k >= n:
                        break
                    if self.has_number and depth < WALK_STACK and _number_starts(text, classes, k):
                        stack_node[depth] = self._step(edge, NUMBER)
                        stack_end[depth] = digit_end[k]
                        depth += stack_node[depth] != NULL
                    edge = self._step(edge, text[k])
                    k += 1
            if not has_word or (c & (CLASS_RUN | CLASS_SPACE | CLASS_REPEAT)):
                candidate = self.unknown_score + best[unit_end[i]]
                if not has_word or candidate > score or (candidate == score and unit_end[i] > j):
                    score = candidate
                    j = unit_end[i]
            best[i] = score
            next_cut[i] = <int32_t> j

    def cuts(self, str text not None, const uint8_t[::1] classes not None):
        """int32 array: the end of every token of `text`, in order."""
        cdef Py_ssize_t n, i = 0, m = 0, invalid = 0
        cdef _Work work = _load_text(text, &classes[0], False, 0, &n, &invalid)
        out = np.empty(n, dtype=np.int32)
        cdef int32_t[::1] ends = out
        with nogil:
            self._best_path(&work.s, n, &classes[0])
            while i < n:
                i = work.s.next_cut[i]
                ends[m] = <int32_t> i
                m += 1
        return out[:m]

    def tokens(self, str text not None, const uint8_t[::1] classes not None):
        """The tokens of `text` as a list of str."""
        cdef Py_ssize_t n, i = 0, j, invalid = 0
        cdef _Work work = _load_text(text, &classes[0], False, 0, &n, &invalid)
        with nogil:
            self._best_path(&work.s, n, &classes[0])
        result = []
        while i < n:
            j = work.s.next_cut[i]
            result.append(text[i:j])
            i = j
        return result

    def render(self, text not None, const uint8_t[::1] classes not None, str separator not None,
               bint at_line_start):
        """Segment `text` (a str, or UTF-8 bytes decoded here without the GIL,
        invalid sequences replaced by U+FFFD as Python's "replace" does) and
        write it as UTF-8: tokens joined by `separator`, whitespace tokens
        dropped except that every line feed is kept.  Returns (bytes,
        at_line_start after the text, invalid bytes replaced), so long lines
        can come in pieces."""
        cdef bytes sep_utf8 = separator.encode("utf-8", "surrogatepass")
        cdef const uint8_t *sep = <const uint8_t *> (<char *> sep_utf8)
        cdef Py_ssize_t sep_n = len(sep_utf8)
        cdef bint line_start = at_line_start
        cdef Py_ssize_t n, i = 0, j, k, m = 0, invalid = 0
        cdef const uint8_t *table = &classes[0]
        cdef _Work work = _load_text(text, table, False, 4 + sep_n, &n, &invalid)
        cdef uint8_t *buf = work.s.out
        cdef const uint32_t *codes = work.s.codes
        with nogil:
            self._best_path(&work.s, n, table)
            while i < n:
                j = work.s.next_cut[i]
                if _char_class(table, codes[i]) & CLASS_SPACE:
                    for k in range(i, j):
                        if codes[k] == 10:
                            buf[m] = 10
                            m += 1
                            line_start = True
                else:
                    if not line_start:
                        memcpy(&buf[m], sep, sep_n)
                        m += sep_n
                    for k in range(i, j):
                        m = _put_utf8(buf, m, codes[k])
                    line_start = False
                i = j
        return PyBytes_FromStringAndSize(<char *> buf, m), line_start, invalid


def fold_numbers(str text not None, const uint8_t[::1] classes not None):
    """`text` with every number (digits, decimal points between digits) replaced by NUMBER."""
    cdef Py_ssize_t n, invalid = 0
    cdef _Work work = _load_text(text, &classes[0], True, 0, &n, &invalid)
    return PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, work.s.codes, n)


# ---------------------------------------------------------------- fragment counting

cdef struct Entry:
    uint64_t hash                # 0 = empty
    int64_t count
    int64_t offset               # the fragment's code points: arena[offset : offset + length]
    int64_t length


cdef class FragmentCounter:
    """Exact counts of strings (fragments, tokens), kept in C: a hash table over an
    arena of code points, so counting millions of fragments creates no Python objects."""

    cdef Entry *entries
    cdef uint64_t mask
    cdef Py_ssize_t size
    cdef uint32_t *arena
    cdef Py_ssize_t arena_used
    cdef Py_ssize_t arena_capacity
    cdef readonly int64_t total_length     # Σ length × count: the characters counted

    def __cinit__(self):
        self.mask = (1 << 16) - 1
        self.entries = <Entry *> calloc(self.mask + 1, sizeof(Entry))
        self.arena_capacity = 1 << 16
        self.arena = <uint32_t *> malloc(self.arena_capacity * sizeof(uint32_t))
        if not self.entries or not self.arena:
            raise MemoryError()

    def __dealloc__(self):
        free(self.entries)
        free(self.arena)

    def __len__(self):
        return self.size

    cdef int _grow(self) except -1 nogil:
        cdef uint64_t capacity = 2 * (self.mask + 1), i, slot
        cdef Entry *old = self.entries
        cdef Entry *fresh = <Entry *> calloc(capacity, sizeof(Entry))
        if not fresh:
            with gil:
                raise MemoryError()
        for i in range(self.mask + 1):
            if old[i].hash:
                slot = old[i].hash & (capacity - 1)
                while fresh[slot].hash:
                    slot = (slot + 1) & (capacity - 1)
                fresh[slot] = old[i]
        free(old)
        self.entries = fresh
        self.mask = capacity - 1
        return 0

    cdef int add(self, const uint32_t *text, Py_ssize_t length, int64_t amount) except -1 nogil:
        cdef uint64_t h = 0x9E3779B97F4A7C15ULL ^ <uint64_t> length, slot
        cdef Py_ssize_t k
        cdef uint32_t *grown
        self.total_length += length * amount
        for k in range(length):
            h = mix(h ^ text[k])
        if h == 0:
            h = 1
        slot = h & self.mask
        while self.entries[slot].hash:
            if (self.entries[slot].hash == h and self.entries[slot].length == length
                    and memcmp(&self.arena[self.entries[slot].offset], text, length * sizeof(uint32_t)) == 0):
                self.entries[slot].count += amount
                return 0
            slot = (slot + 1) & self.mask
        if self.arena_used + length > self.arena_capacity:
            while self.arena_used + length > self.arena_capacity:
                self.arena_capacity *= 2
            grown = <uint32_t *> realloc(self.arena, self.arena_capacity * sizeof(uint32_t))
            if not grown:
                with gil:
                    raise MemoryError()
            self.arena = grown
        memcpy(&self.arena[self.arena_used], text, length * sizeof(uint32_t))
        self.entries[slot].hash = h
        self.entries[slot].count = amount
        self.entries[slot].offset = self.arena_used
        self.entries[slot].length = length
        self.arena_used += length
        self.size += 1
        if 2 * self.size > self.mask:
            self._grow()
        return 0

    def merge(self, FragmentCounter other not None):
        """Add `other`'s counts into this counter."""
        cdef uint64_t i
        for i in range(other.mask + 1):
            if other.entries[i].hash:
                self.add(&other.arena[other.entries[i].offset], other.entries[i].length, other.entries[i].count)

    def items(self, int64_t min_count=1):
        """(strings, counts) of the entries counted at least min_count times."""
        cdef uint64_t i
        words = []
        counts = []
        for i in range(self.mask + 1):
            if self.entries[i].hash and self.entries[i].count >= min_count:
                words.append((<char *> &self.arena[self.entries[i].offset])[:self.entries[i].length * 4]
                             .decode("utf-32-le", "surrogatepass"))
                counts.append(self.entries[i].count)
        return words, np.array(counts, dtype=np.int64)

    def memory_bytes(self):
        return (self.mask + 1) * sizeof(Entry) + self.arena_capacity * sizeof(uint32_t)


cdef inline bint _is_word(const uint8_t *word_table, uint32_t ch) noexcept nogil:
    return ch < 0x110000 and word_table[ch] != 0


def count_fragments(CompiledLexicon solid, str text not None, const uint8_t[::1] classes not None,
                    const uint8_t[::1] word_table not None, FragmentCounter counter not None,
                    bint fold_numbers=False):
    """Cut every segment of `text` (runs of word_table characters) at each gap no
    word of `solid` covers -- except inside a run of letters/digits -- and count
    the fragments.  Longest-link: linear in the text, whatever the line length."""
    cdef Py_ssize_t n, i = 0, k, start, reach, end, invalid = 0
    cdef const uint8_t *table = &classes[0]
    cdef _Work work = _load_text(text, table, fold_numbers, 0, &n, &invalid)
    cdef const uint32_t *codes = work.s.codes
    cdef const uint8_t *words = &word_table[0]
    cdef const ChildSlot *edge
    with nogil:
        while i < n:
            if not _is_word(words, codes[i]):
                i += 1
                continue
            start = i
            reach = i + 1       # furthest end of a solid word starting in the fragment so far
            while i < n and _is_word(words, codes[i]):
                edge = solid._start(codes[i])
                k = i + 1
                while edge != NULL:
                    if edge.logp <= 0.0 and k > reach:
                        reach = k
                    if k >= n or not _is_word(words, codes[k]):
                        break
                    edge = solid._step(edge, codes[k])
                    k += 1
                end = i + 1
                if end < n and _is_word(words, codes[end]) and reach <= end and not (
                        _char_class(table, codes[i]) & _char_class(table, codes[end]) & CLASS_RUN):
                    counter.add(&codes[start], end - start, 1)
                    start = end
                i = end
                if reach < i + 1:
                    reach = i + 1
            counter.add(&codes[start], i - start, 1)


def count_tokens(CompiledLexicon lexicon, str text not None, const uint8_t[::1] classes not None,
                 const uint8_t[::1] word_table not None, FragmentCounter counter not None,
                 bint fold_numbers=False):
    """Segment `text` with `lexicon` and count the tokens that start with a word character."""
    cdef Py_ssize_t n, i = 0, j, invalid = 0
    cdef _Work work = _load_text(text, &classes[0], fold_numbers, 0, &n, &invalid)
    cdef const uint8_t *words = &word_table[0]
    with nogil:
        lexicon._best_path(&work.s, n, &classes[0])
        while i < n:
            j = work.s.next_cut[i]
            if _is_word(words, work.s.codes[i]):
                counter.add(&work.s.codes[i], j - i, 1)
            i = j
