# The compiled lexicon: a trie whose nodes each have a small open-addressing
# table of children; the root's children in the BMP are also a direct array.
# Walks are chains of dependent lookups, so each edge carries what the next
# step needs (the child's score and its child table): one cache line per step.
from libc.stdint cimport uint32_t, uint64_t, int32_t, int64_t

cdef enum:
    ROOT_DIRECT = 0x10000

cdef struct ChildSlot:
    uint32_t ch                  # EMPTY_CHAR (0xFFFFFFFF) when free
    uint32_t mask                # the child's table: children[first : first + mask + 1]
    uint32_t first
    int32_t node                 # the child's id (used while building)
    double logp                  # the child's ln(count) - ln(total); NOT_A_WORD (1e308) if not a word

cdef struct Node:                # a node while building
    double logp
    uint32_t first               # its child table: children[first : first + mask + 1]
    uint32_t mask

cdef struct Trie:
    ChildSlot *children
    ChildSlot root               # the root as an edge into it
    ChildSlot *root_direct       # the root's edges for BMP code points (ch EMPTY_CHAR = none)
    Py_ssize_t n_nodes
    Py_ssize_t n_slots           # entries of children
    bint has_number              # some word contains NUMBER
    double log_total
    double unknown_score         # the score of a token in no word: ln(1 / total)


cdef inline uint32_t child_hash(uint32_t ch) noexcept nogil:
    return <uint32_t> (((<uint64_t> ch) * 0x9E3779B97F4A7C15ULL) >> 32)


cdef inline const ChildSlot *trie_step(const Trie *t, const ChildSlot *at, uint32_t ch) noexcept nogil:
    """The edge for `ch` out of the node `at` leads to, or NULL."""
    cdef uint32_t mask = at.mask
    cdef const ChildSlot *table = &t.children[at.first]
    cdef uint32_t slot = child_hash(ch) & mask
    while True:
        if table[slot].ch == ch:
            return &table[slot]
        if table[slot].ch == 0xFFFFFFFFU:   # EMPTY_CHAR
            return NULL
        slot = (slot + 1) & mask


cdef inline bint is_word(const ChildSlot *edge) noexcept nogil:
    """Whether the edge ends a word (any total: its score is below NOT_A_WORD)."""
    return edge.logp < 1e300


cdef inline const ChildSlot *trie_start(const Trie *t, uint32_t ch) noexcept nogil:
    """The edge from the root for `ch`, or NULL."""
    if ch < ROOT_DIRECT:
        return &t.root_direct[ch] if t.root_direct[ch].ch == ch else NULL
    return trie_step(t, &t.root, ch)


cdef class CompiledLexicon:
    cdef Trie trie
    cdef readonly int64_t total
    cdef readonly Py_ssize_t n_words
    cdef readonly bint whole_runs    # a run of letters/digits is never cut by a lexicon word
    cdef object slots_owner          # the buffer a restored trie's children live in (else None: malloc'd)
    cdef int _build(self, const uint32_t[::1] chars, const int64_t[::1] offsets,
                    const int64_t[::1] counts) except -1
    cdef void _link(self, const Node *nodes, Py_ssize_t child_slots) noexcept nogil
    cdef int _restore(self, const unsigned char[::1] slots, Py_ssize_t n_nodes) except -1
    cdef void _link_root(self) noexcept nogil
