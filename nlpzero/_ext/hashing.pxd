# The 64-bit mixer of the kernels' in-memory hash tables (not of anything
# written to disk: the counts file's bucket order uses ngrams.pyx's own mix64).
from libc.stdint cimport uint64_t


cdef inline uint64_t mix(uint64_t x) noexcept nogil:
    x ^= x >> 31
    x *= 0x7fb5d329728ea185ULL
    x ^= x >> 27
    x *= 0x81dadef4bc2f3ee7ULL
    x ^= x >> 33
    return x
