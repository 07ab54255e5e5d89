# Counting tables whose contents leave as sorted rows in canonical order (see
# keys.pxd): the one structure behind n-gram counts, discovery's fragment and
# token counts, co-occurrences and template pairs.  Rows are (key words,
# count); tables that outgrow their budget are written out as sorted *runs*
# and merged bucket by bucket (runs.pyx: merge_sorted; nlpzero/runs.py: files).
from libc.stdint cimport uint64_t, int64_t
from libc.stdlib cimport calloc, free
from libc.string cimport memcpy

from nlpzero._ext.keys cimport MAX_STRIDE, N_BUCKETS, compare_keys, hash_key, key_width


cdef struct Table:
    uint64_t *slots      # capacity rows of `stride` words: key words, then count (0: empty)
    size_t capacity      # slots (< 2**32); 0 until the first key
    size_t size
    int width
    int stride
    bint in_region       # slots are a slice of a region owned elsewhere, not an allocation of their own


cdef inline void table_init(Table *t, int width) noexcept nogil:
    t.slots = NULL
    t.capacity = 0
    t.size = 0
    t.width = width
    t.stride = width + 1
    t.in_region = False


cdef inline void table_release(Table *t) noexcept nogil:
    if not t.in_region:
        free(t.slots)
    t.slots = NULL
    t.capacity = 0
    t.size = 0
    t.in_region = False


cdef inline size_t table_bytes(const Table *t) noexcept nogil:
    return t.capacity * t.stride * sizeof(uint64_t)


cdef inline size_t slot_of(const Table *t, uint64_t h) noexcept nogil:
    # Multiply-shift maps the low 32 hash bits onto any capacity (not only
    # powers of two, so tables can be sized to fit); the bucket uses the top bits.
    return <size_t> (((h & 0xFFFFFFFFULL) * t.capacity) >> 32)


cdef inline void table_put(Table *t, const uint64_t *key, uint64_t amount, uint64_t h) noexcept nogil:
    """Add `amount` (> 0) to key's count; the caller guarantees a free slot exists."""
    cdef size_t i = slot_of(t, h)
    cdef int width = t.width, stride = t.stride, k
    cdef uint64_t *slot
    while True:
        slot = t.slots + i * stride
        if slot[width] == 0:
            for k in range(width):
                slot[k] = key[k]
            slot[width] = amount
            t.size += 1
            return
        if compare_keys(slot, key, width) == 0:
            slot[width] += amount
            return
        i += 1
        if i == t.capacity:
            i = 0


cdef int table_move(Table *t, uint64_t *slots, size_t capacity, bint in_region) noexcept nogil
cdef int table_add(Table *t, const uint64_t *key, uint64_t amount, uint64_t h) noexcept nogil
cdef void table_compact(Table *t) noexcept nogil
cdef void sort_rows(uint64_t *rows, size_t n, int width, int stride) noexcept nogil


cdef class KeyCounter:
    """Exact counts of packed keys in `classes` key classes, each with its own
    key width (e.g. one per string length, or one of width 1 for id pairs),
    each split into N_BUCKETS hash tables."""
    cdef Table *tables           # [n_classes * N_BUCKETS]
    cdef readonly int n_classes
    cdef int *widths
    cdef int64_t *class_totals   # [n_classes]: Σ amounts added, whatever was taken out since
    cdef public int64_t skipped  # amounts a caller could not count (a key too long for any class)
    cdef int add(self, int cls, const uint64_t *key, uint64_t amount) except -1 nogil
    cdef _check_class(self, int cls)
