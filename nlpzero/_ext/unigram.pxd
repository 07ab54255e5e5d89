# The unigram segmenter's dynamic programme, shared with discovery's counting
# kernels: per-thread scratch arrays, loading text into them, and best_path.
from libc.stdint cimport uint8_t, uint32_t, int32_t

from nlpzero._ext.trie cimport Trie


# a read prefetch (a no-op where the compiler has none): starts a cache miss
# the loop will need a few steps later
cdef extern from *:
    """
    #if defined(__GNUC__) || defined(__clang__)
    #define NZ_PREFETCH(p) __builtin_prefetch((p), 0, 1)
    #else
    #define NZ_PREFETCH(p) ((void)0)
    #endif
    """
    void NZ_PREFETCH(const void *p) noexcept nogil


cdef struct Scratch:
    uint32_t *codes              # the text's code points
    int32_t *next_cut            # end of the best token starting at i
    int32_t *unit_end            # end of the fallback unit starting at i
    int32_t *run_end             # end of the letter/digit run through i
    int32_t *digit_end           # end of the number starting at i
    double *best                 # best score of text[i:]
    uint8_t *out                 # rendered UTF-8


cdef class Work:
    cdef Scratch s
    cdef Py_ssize_t capacity
    cdef Py_ssize_t out_capacity
    cdef int reserve(self, Py_ssize_t n, Py_ssize_t out_bytes) except -1
    cdef void _free_arrays(self) noexcept


cdef Work load_text(text, const uint8_t *classes, bint fold_numbers, Py_ssize_t out_per_unit,
                    Py_ssize_t *n, Py_ssize_t *invalid)
cdef void fill_units(Scratch *w, Py_ssize_t n, const uint8_t *classes) noexcept nogil
cdef void best_path(const Trie *t, bint whole_runs, Scratch *w, Py_ssize_t n,
                    const uint8_t *classes) noexcept nogil
