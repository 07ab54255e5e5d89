# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""The compiled lexicon (see trie.pxd): built breadth first from words in
strictly increasing code-point order, so the words under a node form a
contiguous range and its children consecutive sub-ranges -- only sequential
scans, no global hash table."""

from libc.stdint cimport uint32_t, uint64_t, int32_t, int64_t
from libc.stdlib cimport calloc, malloc, free
from libc.string cimport memcpy
from libc.math cimport log

from nlpzero._ext.text cimport NUMBER

cdef uint32_t EMPTY_CHAR = 0xFFFFFFFF
SLOT_SIZE = sizeof(ChildSlot)      # bytes per saved slot (see CompiledLexicon.saved_slots)
cdef double NOT_A_WORD = 1e308   # above any ln(count) - ln(total), even with a total of 1


cdef inline Py_ssize_t _table_size(Py_ssize_t children) noexcept nogil:
    """A power of two with room to spare (load <= 2/3, always one empty slot)."""
    cdef Py_ssize_t size = 1
    while size < children + children // 2 + 1:
        size <<= 1
    return size


cdef inline void _put_child(ChildSlot *table, Py_ssize_t mask, uint32_t ch, int32_t node) noexcept nogil:
    cdef Py_ssize_t slot = child_hash(ch) & mask
    while table[slot].ch != EMPTY_CHAR:
        slot = (slot + 1) & mask
    table[slot].ch = ch
    table[slot].node = node


def is_sorted(const uint32_t[::1] chars, const int64_t[::1] offsets):
    """Whether the words are non-empty, distinct and in increasing code-point order."""
    cdef Py_ssize_t w, k, la, lb, n = offsets.shape[0] - 1
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


cdef class CompiledLexicon:
    """A lexicon compiled for segmentation, from the words' code points
    (`chars`, uint32), offsets (int64, n+1) and counts (int64, n); the words
    must be distinct and sorted (see is_sorted) to be built.  `whole_runs`: lexicon words
    may not cut runs of letters/digits.  `total` (default: the sum of the
    counts) is what probabilities are relative to: jieba's total, for one,
    also counts duplicate dictionary lines and words deleted since.

    `slots` and `n_nodes`: the trie of these words as saved_slots() gave it
    (from a cache of this machine's byte order), restored instead of built --
    checked to be a well-formed table structure, so a damaged file cannot
    make a walk leave the arrays or loop forever.  The trie then lives in
    `slots` itself (a memory-mapped file, say: nothing is copied), which must
    stay unchanged; the lexicon keeps a reference to it."""

    def __cinit__(self, const uint32_t[::1] chars, const int64_t[::1] offsets, const int64_t[::1] counts,
                  bint whole_runs=True, int64_t total_override=-1, const unsigned char[::1] slots=None,
                  Py_ssize_t n_nodes=0):
        cdef Py_ssize_t n = counts.shape[0], w, k
        cdef int64_t total = 0
        self.trie.children = NULL
        self.trie.root_direct = NULL
        self.trie.n_slots = 0
        self.whole_runs = whole_runs
        if offsets.shape[0] != n + 1:
            raise ValueError("offsets must have one more entry than counts")
        if offsets[0] != 0:
            raise ValueError("offsets out of range")
        for w in range(n):
            if counts[w] < 0:
                raise ValueError("negative count")
            if offsets[w] > offsets[w + 1] or offsets[w + 1] > chars.shape[0]:
                raise ValueError("offsets out of range")
            total += counts[w]
        # the build relies on the order; a restored trie does not (and its check is a tenth of start-up)
        if slots is None and not is_sorted(chars, offsets):
            raise ValueError("the words must be distinct, non-empty and sorted by code point")
        if total_override >= 0:
            total = total_override
        self.total = total
        self.n_words = n
        # jieba scores with log(freq) - log(total); an empty lexicon scores unknowns as ln 1
        self.trie.log_total = log(<double> total) if total > 0 else 0.0
        self.trie.unknown_score = 0.0 - self.trie.log_total
        self.trie.has_number = False
        for k in range(chars.shape[0]):
            if chars[k] == NUMBER:
                self.trie.has_number = True
                break
        if slots is None:
            self._build(chars, offsets, counts)
        else:
            self._restore(slots, n_nodes)

    @property
    def has_number(self):
        return self.trie.has_number

    @property
    def n_nodes(self):
        return self.trie.n_nodes

    @property
    def unknown_score(self):
        return self.trie.unknown_score

    cdef int _build(self, const uint32_t[::1] chars, const int64_t[::1] offsets,
                    const int64_t[::1] counts) except -1:
        cdef Py_ssize_t n = counts.shape[0], capacity = chars.shape[0] + 1
        cdef Py_ssize_t q, lo, hi, w, n_nodes = 1, child_slots = 1, size, k
        cdef int32_t depth
        cdef uint32_t ch
        cdef double log_total = self.trie.log_total
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
                            nodes[q].logp = log(<double> counts[lo]) - log_total
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
            self.trie.children = <ChildSlot *> malloc(child_slots * sizeof(ChildSlot))
            self.trie.root_direct = <ChildSlot *> malloc(ROOT_DIRECT * sizeof(ChildSlot))
            if not self.trie.children or not self.trie.root_direct:
                raise MemoryError()
            self.trie.n_nodes = n_nodes
            self.trie.n_slots = child_slots
            with nogil:
                for k in range(child_slots):
                    self.trie.children[k].ch = EMPTY_CHAR
                child_slots = 1               # slot 0 is the shared empty table of every leaf
                for q in range(n_nodes):
                    nodes[q].first = 0
                    nodes[q].mask = 0
                    if n_children[q] == 0:
                        continue
                    size = _table_size(n_children[q])
                    nodes[q].first = <uint32_t> child_slots
                    nodes[q].mask = <uint32_t> (size - 1)
                    for k in range(first_child[q], first_child[q] + n_children[q]):
                        _put_child(&self.trie.children[child_slots], size - 1,
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
        cdef Trie *t = &self.trie
        for s in range(child_slots):
            if t.children[s].ch != EMPTY_CHAR:
                c = t.children[s].node
                t.children[s].mask = nodes[c].mask
                t.children[s].first = nodes[c].first
                t.children[s].logp = nodes[c].logp
        t.root.ch = 0
        t.root.node = 0
        t.root.mask = nodes[0].mask
        t.root.first = nodes[0].first
        t.root.logp = NOT_A_WORD
        self._link_root()

    cdef void _link_root(self) noexcept nogil:
        """The direct array of the root's BMP edges."""
        cdef Py_ssize_t s
        cdef Trie *t = &self.trie
        for s in range(ROOT_DIRECT):
            t.root_direct[s].ch = EMPTY_CHAR
        if t.root.mask or t.root.first:
            for s in range(t.root.first, t.root.first + t.root.mask + 1):
                if t.children[s].ch < ROOT_DIRECT:
                    t.root_direct[t.children[s].ch] = t.children[s]

    def saved_slots(self):
        """The built trie as bytes (the root edge, then every child slot, in
        this machine's byte order) for the `slots` argument; with n_nodes."""
        cdef bytes out = (<char *> &self.trie.root)[:sizeof(ChildSlot)]
        if self.trie.n_slots:
            out += (<char *> self.trie.children)[:self.trie.n_slots * sizeof(ChildSlot)]
        return out

    cdef int _restore(self, const unsigned char[::1] slots, Py_ssize_t n_nodes) except -1:
        cdef Py_ssize_t n_slots, s, k
        cdef const ChildSlot *saved
        cdef const ChildSlot *e
        cdef bint empty
        cdef uint64_t size
        if slots.shape[0] % sizeof(ChildSlot) or slots.shape[0] < 2 * <Py_ssize_t> sizeof(ChildSlot):
            raise ValueError("saved trie: not a whole number of slots")
        n_slots = slots.shape[0] // sizeof(ChildSlot) - 1
        saved = <const ChildSlot *> &slots[0]
        # every edge (the root's and each used slot's) must name a table inside
        # the array, of a power-of-two size, holding an empty slot (probes stop);
        # tables of more than one slot neither overlap nor are shared (as built),
        # so each slot is checked once and the checks stay linear
        cdef unsigned char *owned = <unsigned char *> calloc(n_slots, 1)
        if not owned:
            raise MemoryError()
        try:
            for s in range(n_slots + 1):
                e = &saved[s]
                if s > 0 and e.ch == EMPTY_CHAR:
                    continue
                size = <uint64_t> e.mask + 1
                if size & (size - 1) or <uint64_t> e.first + size > <uint64_t> n_slots or e.node < 0 \
                        or e.node >= n_nodes:
                    raise ValueError("saved trie: an edge points outside the slots")
                if size > 1:
                    for k in range(e.first, e.first + size):
                        if owned[k]:
                            raise ValueError("saved trie: two edges share or overlap a child table")
                        owned[k] = 1
                empty = False
                for k in range(e.first, e.first + size):
                    if saved[1 + k].ch == EMPTY_CHAR:
                        empty = True
                        break
                if not empty:
                    raise ValueError("saved trie: a full child table")
        finally:
            free(owned)
        if (<size_t> &saved[1]) % sizeof(double):
            raise ValueError("saved trie: slots not aligned")
        self.trie.root_direct = <ChildSlot *> malloc(ROOT_DIRECT * sizeof(ChildSlot))
        if not self.trie.root_direct:
            raise MemoryError()
        memcpy(&self.trie.root, saved, sizeof(ChildSlot))
        self.trie.children = <ChildSlot *> &saved[1]     # read only: walks never write
        self.slots_owner = slots
        self.trie.n_nodes = n_nodes
        self.trie.n_slots = n_slots
        self._link_root()
        return 0

    def lookup(self, str word not None):
        """ln(count) - ln(total) of `word`; None when it is only the prefix of a
        word, NotImplemented when not even that (so jieba's "prefix counts 0"
        can be told from "absent")."""
        cdef const ChildSlot *edge
        cdef Py_ssize_t k
        if not word:
            return NotImplemented
        edge = trie_start(&self.trie, ord(word[0]))
        for k in range(1, len(word)):
            if edge == NULL:
                break
            edge = trie_step(&self.trie, edge, ord(word[k]))
        if edge == NULL:
            return NotImplemented
        return edge.logp if is_word(edge) else None

    def __dealloc__(self):
        if self.slots_owner is None:
            free(self.trie.children)
        free(self.trie.root_direct)
