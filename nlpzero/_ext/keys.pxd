# Keys and hashing shared by the kernels.
#
# A *packed key* holds a string of code points, three 21-bit code points per
# 64-bit word, left-aligned, so that comparing the words in order compares the
# strings lexicographically (a string of n code points takes key_width(n)
# words).  A key's hash is a chain of splitmix64 finalisers over its words; its
# top BUCKET_BITS bits name its *bucket*.  Rows of (key words, count) are in
# *canonical order* when sorted by bucket, then by key: the order of every
# table, spilled run, counts file and cluster shard (changing mix64 or the
# bucket rule changes files on disk).
from libc.stdint cimport uint32_t, uint64_t

cdef enum:
    CHAR_BITS = 21
    BUCKET_BITS = 8
    N_BUCKETS = 1 << BUCKET_BITS
    MAX_KEY_CHARS = 63          # longest string a packed key holds
    MAX_WIDTH = 21              # key_width(MAX_KEY_CHARS)
    MAX_STRIDE = MAX_WIDTH + 1  # key words and a count


cdef inline int key_width(int length) noexcept nogil:
    """Words holding a packed key of `length` code points."""
    return (length + 2) // 3


cdef inline uint64_t mix64(uint64_t x) noexcept nogil:
    # splitmix64 finaliser: cheap and well distributed (fixes the order of files on disk)
    x ^= x >> 30
    x *= 0xbf58476d1ce4e5b9ULL
    x ^= x >> 27
    x *= 0x94d049bb133111ebULL
    x ^= x >> 31
    return x


cdef inline uint64_t hash_key(const uint64_t *key, int width) noexcept nogil:
    cdef uint64_t h = mix64(key[0])
    cdef int i
    for i in range(1, width):
        h = mix64(h ^ key[i])
    return h


cdef inline int bucket_of(uint64_t h) noexcept nogil:
    return <int> (h >> (64 - BUCKET_BITS))


cdef inline int compare_keys(const uint64_t *a, const uint64_t *b, int width) noexcept nogil:
    cdef int i
    for i in range(width):
        if a[i] < b[i]:
            return -1
        if a[i] > b[i]:
            return 1
    return 0


cdef inline void pack_key(const uint32_t *text, int length, uint64_t *key) noexcept nogil:
    """The packed key of text[0:length] (length <= MAX_KEY_CHARS)."""
    cdef int m
    for m in range(key_width(length)):
        key[m] = 0
    for m in range(length):
        key[m // 3] |= (<uint64_t> text[m]) << (43 - CHAR_BITS * (m % 3))


cdef inline uint32_t key_char(const uint64_t *key, int m) noexcept nogil:
    """The m-th code point of a packed key."""
    return <uint32_t> ((key[m // 3] >> (43 - CHAR_BITS * (m % 3))) & 0x1FFFFF)


cdef inline void sub_key(const uint64_t *key, int start, int length, uint64_t *out) noexcept nogil:
    """The packed key of characters [start, start + length) of a packed key."""
    cdef int m
    for m in range(key_width(length)):
        out[m] = 0
    for m in range(length):
        out[m // 3] |= (<uint64_t> key_char(key, start + m)) << (43 - CHAR_BITS * (m % 3))
