# Discovery's self-trained tagger (tagger.pyx): the frozen model and the
# per-sequence work that training (tagger.pyx) and counting (discovery.pyx)
# share.
from libc.stdint cimport uint8_t, uint32_t, uint64_t, int32_t

from nlpzero._ext.unigram cimport Work

cdef enum:
    TAG_B = 0
    TAG_M = 1
    TAG_E = 2
    TAG_S = 3
    N_TAGS = 4
    N_TEMPLATES = 5


cdef struct Sequence:
    Py_ssize_t n                 # units
    Py_ssize_t capacity
    uint64_t *hashes             # capacity + 2: hashes[0] and hashes[n + 1] are the edges
    uint64_t *rows               # n * N_TEMPLATES feature rows
    uint8_t *allowed             # per unit: mask of allowed tags
    uint8_t *gold                # the teacher's tags
    uint8_t *pred                # Viterbi's tags
    int32_t *start               # unit i is codes[start[i]:start[i + 1]]
    float *score                 # n * N_TAGS best scores
    uint8_t *back                # n * N_TAGS back-pointers


cdef class TagModel:
    cdef readonly int bits
    cdef object weights_array, transitions_array
    cdef const float *weights    # (2**bits) * N_TAGS
    cdef const float *transitions    # N_TAGS * N_TAGS


cdef void sequence_init(Sequence *q) noexcept nogil
cdef int sequence_reserve(Sequence *q, Py_ssize_t n) except -1 nogil
cdef void sequence_release(Sequence *q) noexcept nogil
cdef Py_ssize_t next_sequence(const uint32_t *codes, Py_ssize_t n, const int32_t *unit_end,
                              const uint8_t *classes, const uint8_t *words, Py_ssize_t i,
                              Sequence *q, int bits) noexcept nogil
cdef void viterbi(Sequence *q, const float *weights, const float *transitions) noexcept nogil
cdef int check_tables(const uint8_t[::1] classes, const uint8_t[::1] word_table) except -1
cdef int tag_text(TagModel model, Work work, Py_ssize_t n, const uint8_t *classes,
                  const uint8_t *words, Sequence *q, int32_t *token_end) except -1 nogil
