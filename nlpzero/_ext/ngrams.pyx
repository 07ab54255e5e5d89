# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Compiled core of the character n-gram counter.

An n-gram of order n is packed into ceil(n/3) 64-bit words, three 21-bit code
points per word, left-aligned, so that comparing the words in order compares
the n-grams lexicographically by code point.  The top 8 bits of a key's hash
(a chain of splitmix64 finalisers over its words) name its bucket.  Counting
aggregates each bucket in its own small hash table (radix-partitioned
aggregation: cache-resident tables, and threads that work on disjoint buckets
need no locks).  Tables are kept in *canonical order*: by bucket, then by key,
with bucket offsets; sorted runs spilled to disk use the same order and are
merged bucket by bucket (the KenLM approach), so counts stay exact in bounded
memory.
"""

from libc.stdint cimport uint8_t, uint32_t, uint64_t, int64_t
from libc.stdlib cimport calloc, free, realloc
from libc.string cimport memcpy, memmove
from cython cimport view
from libc.math cimport log

from nlpzero._ext.utf8 cimport decode_utf8 as _decode_utf8

import numpy as np

cdef enum:
    MAX_ORDER = 9
    CODE_POINTS = 0x110000
    MAX_WIDTH = 3
    MAX_STRIDE = 4
    INITIAL_CAPACITY = 64
    BUCKET_BITS = 8
    PREFETCH_AHEAD = 16         # keys whose slots are prefetched ahead of insertion
    N_BUCKETS = 1 << BUCKET_BITS

cdef extern from *:
    """
    #if defined(__GNUC__) || defined(__clang__)
    #define NZ_PREFETCH(p) __builtin_prefetch((p), 1, 1)
    #else
    #define NZ_PREFETCH(p) ((void)0)
    #endif
    """
    void NZ_PREFETCH(const void *p) noexcept nogil

cdef extern from *:
    """
    #include <stdint.h>
    #include <stdlib.h>
    #if defined(__linux__)
    #include <sys/mman.h>
    #endif
    /* Zeroed memory for the tables of one order.  Filling them is bound by page
       faults, so Linux is asked for transparent huge pages (one fault per 2 MB
       instead of per 4 KB); elsewhere, or if refused, it is plain calloc. */
    static void *nz_region_alloc(size_t bytes) {
        void *p = calloc(bytes, 1);
    #if defined(__linux__) && defined(MADV_HUGEPAGE)
        if (p != NULL && bytes >= ((size_t)4 << 20)) {
            uintptr_t start = ((uintptr_t)p + 4095) & ~(uintptr_t)4095;
            uintptr_t end = ((uintptr_t)p + bytes) & ~(uintptr_t)4095;
            if (end > start) madvise((void *)start, end - start, MADV_HUGEPAGE);
        }
    #endif
        return p;
    }
    """
    void *nz_region_alloc(size_t nbytes) noexcept nogil


MAX_SUPPORTED_ORDER = MAX_ORDER
BUCKETS = N_BUCKETS


cdef inline int key_width(int order) noexcept nogil:
    return (order + 2) // 3


def width_of(int order):
    """Number of 64-bit words holding a packed key of this order."""
    return key_width(order)


cdef inline uint64_t mix64(uint64_t x) noexcept nogil:
    # splitmix64 finaliser: cheap and well distributed.
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


cdef inline int compare_keys(const uint64_t *a, const uint64_t *b, int width) noexcept nogil:
    cdef int i
    for i in range(width):
        if a[i] < b[i]:
            return -1
        if a[i] > b[i]:
            return 1
    return 0


# ---------------------------------------------------------------- hash tables

cdef struct Table:
    uint64_t *slots      # capacity rows of `stride` words: key words, then count
    size_t capacity      # slots (< 2**32); 0 when unallocated
    size_t size
    int width
    int stride
    bint in_region       # slots are a slice of the order's region, not an allocation of their own


cdef inline void table_release(Table *t) noexcept nogil:
    if not t.in_region:
        free(t.slots)
    t.slots = NULL


cdef int table_init(Table *t, int order, size_t capacity) noexcept nogil:
    t.width = key_width(order)
    t.stride = t.width + 1
    t.size = 0
    t.capacity = capacity
    t.in_region = False
    t.slots = <uint64_t *> calloc(capacity * t.stride, sizeof(uint64_t))
    return 0 if t.slots != NULL else -1


cdef inline size_t table_bytes(const Table *t) noexcept nogil:
    return t.capacity * t.stride * sizeof(uint64_t)


cdef inline size_t slot_of(const Table *t, uint64_t h) noexcept nogil:
    # Multiply-shift maps the low 32 hash bits onto any capacity (not only
    # powers of two, so tables can be sized to fit); the bucket uses the top bits.
    return <size_t> (((h & 0xFFFFFFFFULL) * t.capacity) >> 32)


cdef inline void table_put(Table *t, const uint64_t *key, uint64_t amount, uint64_t h) noexcept nogil:
    """Add `amount` to key's count; the caller guarantees a free slot exists."""
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


cdef int table_move(Table *t, uint64_t *slots, size_t capacity, bint in_region) noexcept nogil:
    """Rehash the table into `slots` (zeroed, `capacity` rows; NULL: a new
    allocation of its own), releasing its old slots."""
    cdef Table old = t[0]
    cdef size_t i
    cdef uint64_t *slot
    if slots == NULL:
        slots = <uint64_t *> calloc(capacity * t.stride, sizeof(uint64_t))
        if slots == NULL:
            return -1
    t.slots = slots
    t.capacity = capacity
    t.in_region = in_region
    t.size = 0
    for i in range(old.capacity):
        slot = old.slots + i * t.stride
        if slot[t.width] != 0:
            table_put(t, slot, slot[t.width], hash_key(slot, t.width))
    table_release(&old)
    return 0


cdef inline int table_resize(Table *t, size_t new_capacity) noexcept nogil:
    return table_move(t, NULL, new_capacity, False)


cdef void table_compact(Table *t) noexcept nogil:
    """Move the occupied rows to the front of the slots, in slot order."""
    cdef size_t read, write = 0
    cdef int stride = t.stride
    for read in range(t.capacity):
        if t.slots[read * stride + t.width] != 0:
            if write != read:
                memcpy(t.slots + write * stride, t.slots + read * stride, stride * sizeof(uint64_t))
            write += 1


# ---------------------------------------------------------------- sorting rows

cdef inline void swap_rows(uint64_t *a, uint64_t *b, int stride) noexcept nogil:
    cdef uint64_t tmp
    cdef int k
    for k in range(stride):
        tmp = a[k]
        a[k] = b[k]
        b[k] = tmp


cdef void sort_rows(uint64_t *rows, size_t n, int width, int stride) noexcept nogil:
    """Sort rows in place by their key words: quicksort with median-of-three
    pivots, insertion sort for short ranges, recursion on the smaller side."""
    cdef size_t i, j, lo, hi, mid
    cdef uint64_t pivot[MAX_STRIDE]
    cdef uint64_t tmp[MAX_STRIDE]
    while n > 16:
        lo = 0
        mid = n // 2
        hi = n - 1
        if compare_keys(rows + mid * stride, rows + lo * stride, width) < 0:
            swap_rows(rows + mid * stride, rows + lo * stride, stride)
        if compare_keys(rows + hi * stride, rows + lo * stride, width) < 0:
            swap_rows(rows + hi * stride, rows + lo * stride, stride)
        if compare_keys(rows + hi * stride, rows + mid * stride, width) < 0:
            swap_rows(rows + hi * stride, rows + mid * stride, stride)
        memcpy(pivot, rows + mid * stride, stride * sizeof(uint64_t))
        i = 0
        j = n - 1
        while True:
            while compare_keys(rows + i * stride, pivot, width) < 0:
                i += 1
            while compare_keys(rows + j * stride, pivot, width) > 0:
                j -= 1
            if i >= j:
                break
            swap_rows(rows + i * stride, rows + j * stride, stride)
            i += 1
            j -= 1
        # [0, j] <= pivot <= [j+1, n)
        if j + 1 < n - j - 1:
            sort_rows(rows, j + 1, width, stride)
            rows = rows + (j + 1) * stride
            n = n - j - 1
        else:
            sort_rows(rows + (j + 1) * stride, n - j - 1, width, stride)
            n = j + 1
    for i in range(1, n):
        memcpy(tmp, rows + i * stride, stride * sizeof(uint64_t))
        j = i
        while j > 0 and compare_keys(rows + (j - 1) * stride, tmp, width) > 0:
            memcpy(rows + j * stride, rows + (j - 1) * stride, stride * sizeof(uint64_t))
            j -= 1
        memcpy(rows + j * stride, tmp, stride * sizeof(uint64_t))


# ---------------------------------------------------------------- counting

cdef struct KeyBuffer:
    uint64_t *data       # `size` keys of `width` words
    size_t size
    size_t capacity


cdef inline int buffer_push(KeyBuffer *b, const uint64_t *key, int width) noexcept nogil:
    cdef size_t new_capacity
    cdef uint64_t *grown
    cdef int k
    if b.size == b.capacity:
        new_capacity = b.capacity * 2 if b.capacity else 256
        grown = <uint64_t *> realloc(b.data, new_capacity * width * sizeof(uint64_t))
        if grown == NULL:
            return -1
        b.data = grown
        b.capacity = new_capacity
    for k in range(width):
        b.data[b.size * width + k] = key[k]
    b.size += 1
    return 0


cdef inline int bucket_of(uint64_t h) noexcept nogil:
    return <int> (h >> (64 - BUCKET_BITS))


cdef inline (int, int) bucket_range(int worker, int n_workers) except *:
    """The contiguous buckets [first, last) of one of n_workers threads
    (contiguous, so threads never share a cache line of table headers)."""
    if n_workers < 1 or worker < 0 or worker >= n_workers:
        raise ValueError("bad worker numbers")
    return worker * N_BUCKETS // n_workers, (worker + 1) * N_BUCKETS // n_workers


cdef class CountEngine:
    """Counting state shared by the counting threads.

    Counting a chunk of text has two phases.  `scatter(i, ...)`: thread i packs
    the n-grams starting in its share of the chunk and appends each key to a
    buffer chosen by the top bits of its hash (its bucket).  `flush(j, J)`:
    thread j adds the buffered keys of buckets b = j (mod J) into that bucket's
    hash table.  A bucket's table is small enough to stay in cache, and the
    threads of each phase touch disjoint memory, so no locks are needed.

    Characters (order 1) are counted straight into a dense array per thread
    instead: few distinct, and most of all occurrences.

    Once sized (`prepare_reserve`, `reserve`), the tables of an order are equal
    slices of one region.  Finished, their rows are sorted in place and slid
    together, and the region becomes the output array: the largest data is
    never copied a second time.
    """
    cdef int order
    cdef int n_threads
    cdef Table *tables          # [(order + 1) * N_BUCKETS]
    cdef uint64_t *regions[MAX_ORDER + 1]       # per order: the tables' slices, or NULL
    cdef size_t region_capacity[MAX_ORDER + 1]  # rows per slice
    cdef uint64_t *pending[MAX_ORDER + 1]       # a region being filled by reserve()
    cdef size_t pending_capacity[MAX_ORDER + 1]
    cdef KeyBuffer *buffers     # [n_threads * (order + 1) * N_BUCKETS]
    cdef uint64_t tokens[MAX_ORDER + 1]
    cdef uint64_t *char_counts            # [n_threads * CODE_POINTS]
    cdef uint64_t *char_tokens            # [n_threads], since the last note_tokens
    cdef const uint8_t *word_chars
    cdef object word_chars_owner
    cdef int error

    def __cinit__(self, int order, int n_threads, const uint8_t[::1] word_chars):
        cdef int n, b
        self.tables = NULL
        self.buffers = NULL
        self.char_counts = NULL
        self.char_tokens = NULL
        for n in range(MAX_ORDER + 1):
            self.regions[n] = NULL
            self.pending[n] = NULL
            self.region_capacity[n] = 0
            self.pending_capacity[n] = 0
        if order < 1 or order > MAX_ORDER:
            raise ValueError(f"order must be between 1 and {MAX_ORDER}")
        if n_threads < 1:
            raise ValueError("n_threads must be at least 1")
        if word_chars.shape[0] != 0x110000:
            raise ValueError("word character table must have 0x110000 entries")
        self.order = order
        self.n_threads = n_threads
        self.word_chars_owner = word_chars
        self.word_chars = &word_chars[0]
        self.error = 0
        self.tables = <Table *> calloc((order + 1) * N_BUCKETS, sizeof(Table))
        self.buffers = <KeyBuffer *> calloc(n_threads * (order + 1) * N_BUCKETS, sizeof(KeyBuffer))
        # calloc'd pages stay untouched (and unbacked) outside the scripts in use
        self.char_counts = <uint64_t *> calloc(n_threads * <size_t> CODE_POINTS, sizeof(uint64_t))
        self.char_tokens = <uint64_t *> calloc(n_threads, sizeof(uint64_t))
        if self.tables == NULL or self.buffers == NULL or self.char_counts == NULL or self.char_tokens == NULL:
            raise MemoryError()
        for n in range(order + 1):
            self.tokens[n] = 0
        for n in range(1, order + 1):
            for b in range(N_BUCKETS):
                if table_init(&self.tables[n * N_BUCKETS + b], n, INITIAL_CAPACITY) != 0:
                    raise MemoryError()

    def __dealloc__(self):
        cdef int i
        if self.tables != NULL:
            for i in range((self.order + 1) * N_BUCKETS):
                table_release(&self.tables[i])
            free(self.tables)
        for i in range(MAX_ORDER + 1):
            free(self.regions[i])
            free(self.pending[i])
        free(self.char_counts)
        free(self.char_tokens)
        if self.buffers != NULL:
            for i in range(self.n_threads * (self.order + 1) * N_BUCKETS):
                free(self.buffers[i].data)
            free(self.buffers)

    cdef inline KeyBuffer *buffer(self, int thread, int n, int b) noexcept nogil:
        return &self.buffers[(thread * (self.order + 1) + n) * N_BUCKETS + b]

    cdef void scatter_text(self, int thread, const uint32_t *text, size_t length,
                           size_t begin, size_t stop) noexcept nogil:
        cdef size_t pos = begin, seg_end = begin
        cdef uint64_t key[MAX_WIDTH]
        cdef int m, span, order = self.order
        cdef const uint8_t *word_chars = self.word_chars
        cdef uint64_t *char_counts = self.char_counts + thread * <size_t> CODE_POINTS
        cdef uint64_t h, characters = 0
        while pos < stop:
            if pos >= seg_end:
                if not word_chars[text[pos]]:
                    pos += 1
                    continue
                seg_end = pos + 1
                while seg_end < length and word_chars[text[seg_end]]:
                    seg_end += 1
            char_counts[text[pos]] += 1
            characters += 1
            key[0] = (<uint64_t> text[pos]) << 43
            key[1] = 0
            key[2] = 0
            span = order if seg_end - pos >= <size_t> order else <int> (seg_end - pos)
            for m in range(1, span):
                key[m // 3] |= (<uint64_t> text[pos + m]) << (43 - 21 * (m % 3))
                h = hash_key(key, (m + 3) // 3)
                if buffer_push(self.buffer(thread, m + 1, bucket_of(h)), key, (m + 3) // 3) != 0:
                    self.error = 1
                    break
            if self.error:
                break
            pos += 1
        self.char_tokens[thread] += characters

    def scatter(self, int thread, const uint32_t[::1] text, size_t begin, size_t stop):
        """Buffer the n-grams starting at positions [begin, stop) of `text` (UTF-32
        code points); they may extend past `stop` within their segment."""
        if thread < 0 or thread >= self.n_threads:
            raise ValueError("no such thread")
        if stop > <size_t> text.shape[0] or begin > stop:
            raise ValueError("positions out of range")
        if begin == stop:
            return
        with nogil:
            self.scatter_text(thread, &text[0], text.shape[0], begin, stop)
        self.check()

    cdef void flush_buckets(self, int first, int last) noexcept nogil:
        # Inserting into a large table is bound by memory latency; hashing a few
        # keys ahead and prefetching their slots overlaps the cache misses.
        cdef int b, n, i, width
        cdef size_t k, ahead
        cdef KeyBuffer *buf
        cdef Table *t
        cdef uint64_t hashes[PREFETCH_AHEAD]
        for b in range(first, last):
            for n in range(1, self.order + 1):
                t = &self.tables[n * N_BUCKETS + b]
                width = t.width
                for i in range(self.n_threads):
                    buf = self.buffer(i, n, b)
                    for k in range(min(buf.size, <size_t> PREFETCH_AHEAD)):
                        hashes[k] = hash_key(buf.data + k * width, width)
                        NZ_PREFETCH(t.slots + slot_of(t, hashes[k]) * t.stride)
                    for k in range(buf.size):
                        if (t.size + 1) * 4 > t.capacity * 3:
                            if table_resize(t, t.capacity * 2) != 0:
                                self.error = 1
                                return
                        table_put(t, buf.data + k * width, 1, hashes[k % PREFETCH_AHEAD])
                        ahead = k + PREFETCH_AHEAD
                        if ahead < buf.size:
                            hashes[k % PREFETCH_AHEAD] = hash_key(buf.data + ahead * width, width)
                            NZ_PREFETCH(t.slots + slot_of(t, hashes[k % PREFETCH_AHEAD]) * t.stride)
                    buf.size = 0

    def flush(self, int worker, int n_workers):
        """Add the buffered keys of the worker-th of n_workers bucket ranges to their tables."""
        cdef int first, last
        first, last = bucket_range(worker, n_workers)
        with nogil:
            self.flush_buckets(first, last)
        self.check()

    def note_tokens(self):
        """Record the buffered keys as occurrences; call once per chunk before flushing."""
        cdef int i, n, b
        for i in range(self.n_threads):
            self.tokens[1] += self.char_tokens[i]
            self.char_tokens[i] = 0
            for n in range(2, self.order + 1):
                for b in range(N_BUCKETS):
                    self.tokens[n] += self.buffer(i, n, b).size

    cdef check(self):
        if self.error:
            self.error = 0
            raise MemoryError("out of memory while counting n-grams")

    def token_counts(self):
        """N-gram occurrences counted for each order (index 0 unused)."""
        return [int(self.tokens[n]) for n in range(self.order + 1)]

    def prepare_reserve(self, int n, size_t expected_distinct):
        """Allocate a region sizing the tables of order n for about
        `expected_distinct` n-grams in all, like a hash map's reserve(): it
        spares the doubling steps and their page faults.  Then `reserve` moves
        the tables in (by bucket range, in parallel) and `commit_reserve` frees
        the old region.  Returns False, allocating nothing, if the tables are
        that large already."""
        cdef size_t capacity = expected_distinct * 4 // (3 * N_BUCKETS) + 16
        cdef int b
        if n < 1 or n > self.order:
            raise ValueError("no table of that order")
        capacity = min(capacity, <size_t> 0xFFFFFFFF)
        for b in range(N_BUCKETS):
            if self.tables[n * N_BUCKETS + b].capacity < capacity:
                break
        else:
            return False
        free(self.pending[n])
        self.pending[n] = <uint64_t *> nz_region_alloc(capacity * N_BUCKETS * (key_width(n) + 1) * sizeof(uint64_t))
        if self.pending[n] == NULL:
            raise MemoryError()
        self.pending_capacity[n] = capacity
        return True

    def reserve(self, int n, int worker=0, int n_workers=1):
        """Move the tables of order n in the worker-th bucket range into the
        region from prepare_reserve (a table already larger stays where it is)."""
        cdef int b, first, last, failed = 0, stride = key_width(n) + 1
        cdef size_t capacity
        cdef Table *t
        if n < 1 or n > self.order or self.pending[n] == NULL:
            raise ValueError("no reserve of that order prepared")
        capacity = self.pending_capacity[n]
        first, last = bucket_range(worker, n_workers)
        with nogil:
            for b in range(first, last):
                t = &self.tables[n * N_BUCKETS + b]
                if t.capacity < capacity and table_move(t, self.pending[n] + b * capacity * stride,
                                                        capacity, True) != 0:
                    failed = 1
                    break
        if failed:
            raise MemoryError()

    def commit_reserve(self, int n):
        """Free the region the tables of order n were moved out of."""
        if n < 1 or n > self.order or self.pending[n] == NULL:
            raise ValueError("no reserve of that order prepared")
        free(self.regions[n])
        self.regions[n] = self.pending[n]
        self.region_capacity[n] = self.pending_capacity[n]
        self.pending[n] = NULL

    def distinct(self, int n):
        """Distinct n-grams of order n in the tables now."""
        cdef size_t total = 0, c
        cdef int b, i
        if n < 1 or n > self.order:
            raise ValueError("no table of that order")
        if n == 1:
            for c in range(CODE_POINTS):
                for i in range(self.n_threads):
                    if self.char_counts[i * <size_t> CODE_POINTS + c]:
                        total += 1
                        break
            return total
        for b in range(N_BUCKETS):
            total += self.tables[n * N_BUCKETS + b].size
        return total

    def memory_bytes(self, int order=0):
        """Bytes held by the hash tables (of one order, or all)."""
        cdef size_t total = 0
        cdef int n, b
        cdef Table *t
        for n in range(1, self.order + 1):
            if order == 0 or order == n:
                total += self.region_capacity[n] * N_BUCKETS * (key_width(n) + 1) * sizeof(uint64_t)
                for b in range(N_BUCKETS):
                    t = &self.tables[n * N_BUCKETS + b]
                    if not t.in_region:
                        total += table_bytes(t)
        return total

    def sort_order(self, int n, int worker, int n_workers):
        """Sort the rows of each table of order n in the worker-th bucket range
        in place, at the front of its slots (then call take_order)."""
        cdef int b, first, last
        cdef Table *t
        if n < 1 or n > self.order:
            raise ValueError("no table of that order")
        if n == 1:
            return                       # take_order lists characters in order
        first, last = bucket_range(worker, n_workers)
        with nogil:
            for b in range(first, last):
                t = &self.tables[n * N_BUCKETS + b]
                table_compact(t)
                sort_rows(t.slots, t.size, t.width, t.stride)

    def take_order(self, int n):
        """The rows of order n (sorted by sort_order) in canonical order, and
        their bucket offsets; the tables are reset.  The rows slide down within
        the region, which then becomes the array.  Without a region, or if a
        table grew out of its slice so far that sliding would overwrite rows
        not yet moved, they are copied into a new array instead."""
        cdef int b, stride = key_width(n) + 1
        cdef size_t at = 0, capacity = self.region_capacity[n], total
        cdef bint in_place
        cdef uint64_t *dest
        cdef uint64_t *shrunk
        cdef uint64_t[:, ::1] copy_view
        cdef Table *t
        cdef view.array owner
        if n < 1 or n > self.order:
            raise ValueError("no table of that order")
        if n == 1:
            return self.take_characters()
        offsets = np.zeros(N_BUCKETS + 1, dtype=np.int64)
        in_place = self.regions[n] != NULL
        for b in range(N_BUCKETS):
            at += self.tables[n * N_BUCKETS + b].size
            offsets[b + 1] = at
            in_place = in_place and at <= (b + 1) * capacity
        total = at
        if total == 0:
            rows = np.empty((0, stride), dtype=np.uint64)
        elif in_place:
            dest = self.regions[n]
        else:
            rows = np.empty((total, stride), dtype=np.uint64)
            copy_view = rows
            dest = &copy_view[0, 0]
        with nogil:
            at = 0
            for b in range(N_BUCKETS):
                t = &self.tables[n * N_BUCKETS + b]
                if t.size and total:
                    memmove(dest + at * stride, t.slots, t.size * stride * sizeof(uint64_t))
                at += t.size
                table_release(t)
        if total and in_place:
            shrunk = <uint64_t *> realloc(self.regions[n], total * stride * sizeof(uint64_t))
            if shrunk != NULL:
                dest = shrunk
            owner = view.array(shape=(total, stride), itemsize=sizeof(uint64_t), format="Q", mode="c",
                               allocate_buffer=False)
            owner.data = <char *> dest
            owner.callback_free_data = free
            rows = np.asarray(owner)
        else:
            free(self.regions[n])
        self.regions[n] = NULL
        self.region_capacity[n] = 0
        for b in range(N_BUCKETS):
            if table_init(&self.tables[n * N_BUCKETS + b], n, INITIAL_CAPACITY) != 0:
                raise MemoryError()
        return rows, offsets

    cdef take_characters(self):
        """The character counts as rows in canonical order; the counts are reset.
        Visiting code points in order fills each bucket in key order."""
        cdef size_t c, at
        cdef uint64_t total, key
        cdef int i, b
        offsets = np.zeros(N_BUCKETS + 1, dtype=np.int64)
        cdef int64_t[::1] off = offsets
        cdef int64_t fill[N_BUCKETS]
        with nogil:
            for c in range(CODE_POINTS):
                total = 0
                for i in range(1, self.n_threads):
                    total += self.char_counts[i * <size_t> CODE_POINTS + c]
                    self.char_counts[i * <size_t> CODE_POINTS + c] = 0
                self.char_counts[c] += total
                if self.char_counts[c]:
                    key = (<uint64_t> c) << 43
                    off[bucket_of(hash_key(&key, 1)) + 1] += 1
            for b in range(N_BUCKETS):
                off[b + 1] += off[b]
                fill[b] = off[b]
        rows = np.empty((offsets[N_BUCKETS], 2), dtype=np.uint64)
        cdef uint64_t[:, ::1] out = rows
        with nogil:
            for c in range(CODE_POINTS):
                if self.char_counts[c]:
                    key = (<uint64_t> c) << 43
                    b = bucket_of(hash_key(&key, 1))
                    at = fill[b]
                    out[at, 0] = key
                    out[at, 1] = self.char_counts[c]
                    fill[b] += 1
                    self.char_counts[c] = 0
        return rows, offsets


def decode_utf8(const uint8_t[::1] data not None, const uint32_t[::1] carry not None):
    """carry + the code points of UTF-8 `data` as one new uint32 array, and the
    number of invalid bytes (each maximal invalid subpart becomes U+FFFD)."""
    cdef Py_ssize_t n = data.shape[0], kept = carry.shape[0], m, invalid = 0
    out = np.empty(kept + n, dtype=np.uint32)
    cdef uint32_t[::1] view = out
    if kept:
        memcpy(&view[0], &carry[0], kept * sizeof(uint32_t))
    if n:
        with nogil:
            m = _decode_utf8(&data[0], n, &view[kept], &invalid)
    else:
        m = 0
    return out[:kept + m], invalid


def tail_start(const uint32_t[::1] text, const uint8_t[::1] word_chars, int order):
    """Where the carry-over of an unfinished chunk starts: n-grams starting at or
    after this position may still grow with the next chunk's text."""
    cdef size_t n = text.shape[0], run_start
    if n == 0:
        return 0
    run_start = n
    while run_start > 0 and word_chars[text[run_start - 1]]:
        run_start -= 1
    if n - run_start > <size_t> (order - 1):
        return n - (order - 1)
    return run_start


# ---------------------------------------------------------------- merging

def bucket_offsets(const uint64_t[:, ::1] rows, int order):
    """Bucket offsets of rows in canonical order (for rows made elsewhere)."""
    cdef int width = key_width(order), b
    cdef size_t i, n = rows.shape[0]
    offsets = np.zeros(N_BUCKETS + 1, dtype=np.int64)
    cdef int64_t[::1] off = offsets
    for i in range(n):
        b = bucket_of(hash_key(&rows[i, 0], width))
        off[b + 1] += 1
    for b in range(N_BUCKETS):
        off[b + 1] += off[b]
    return offsets


def is_canonical(const uint64_t[:, ::1] rows, int order):
    """Whether rows are strictly increasing in (bucket, key) order."""
    cdef int width = key_width(order), b, prev_b = -1
    cdef size_t i
    for i in range(<size_t> rows.shape[0]):
        b = bucket_of(hash_key(&rows[i, 0], width))
        if b < prev_b or (b == prev_b and compare_keys(&rows[i - 1, 0], &rows[i, 0], width) >= 0):
            return False
        prev_b = b
    return True


def merge_sorted(list sources, list source_offsets, int order, uint64_t min_count, out):
    """Merge row tables in canonical order, bucket by bucket, summing the counts
    of equal keys and keeping rows whose total is at least min_count.
    Returns (rows written, bucket offsets of the output)."""
    cdef int width = key_width(order), stride = width + 1
    cdef int k = len(sources), s, best, b
    cdef uint64_t[:, ::1] dest = out
    cdef const uint64_t[:, ::1] view
    cdef const int64_t[::1] off
    cdef uint64_t **base = <uint64_t **> calloc(max(k, 1), sizeof(uint64_t *))
    cdef int64_t *starts = <int64_t *> calloc(max(k, 1) * (N_BUCKETS + 1), sizeof(int64_t))
    cdef uint64_t **heads = <uint64_t **> calloc(max(k, 1), sizeof(uint64_t *))
    cdef uint64_t **ends = <uint64_t **> calloc(max(k, 1), sizeof(uint64_t *))
    cdef uint64_t total
    cdef uint64_t key[MAX_WIDTH]
    cdef size_t written = 0, capacity = dest.shape[0]
    cdef bint overflow = False
    offsets = np.zeros(N_BUCKETS + 1, dtype=np.int64)
    cdef int64_t[::1] out_off = offsets
    if base == NULL or starts == NULL or heads == NULL or ends == NULL:
        free(base); free(starts); free(heads); free(ends)
        raise MemoryError()
    try:
        if len(source_offsets) != k:
            raise ValueError("one offsets array per source")
        if dest.shape[1] != stride:
            raise ValueError("output rows do not match the order")
        for s in range(k):
            view = sources[s]
            off = source_offsets[s]
            if view.shape[1] != stride or off.shape[0] != N_BUCKETS + 1 or off[N_BUCKETS] != view.shape[0]:
                raise ValueError("source rows or offsets do not match the order")
            base[s] = <uint64_t *> &view[0, 0] if view.shape[0] else NULL
            for b in range(N_BUCKETS + 1):
                starts[s * (N_BUCKETS + 1) + b] = off[b]
        with nogil:
            for b in range(N_BUCKETS):
                for s in range(k):
                    if base[s] == NULL:
                        heads[s] = ends[s] = NULL
                    else:
                        heads[s] = base[s] + starts[s * (N_BUCKETS + 1) + b] * stride
                        ends[s] = base[s] + starts[s * (N_BUCKETS + 1) + b + 1] * stride
                while True:
                    best = -1
                    for s in range(k):
                        if heads[s] != ends[s] and (best < 0 or compare_keys(heads[s], heads[best], width) < 0):
                            best = s
                    if best < 0:
                        break
                    memcpy(key, heads[best], width * sizeof(uint64_t))
                    total = 0
                    for s in range(k):
                        if heads[s] != ends[s] and compare_keys(heads[s], key, width) == 0:
                            total += heads[s][width]
                            heads[s] += stride
                    if total >= min_count:
                        if written >= capacity:
                            overflow = True
                            break
                        memcpy(&dest[written, 0], key, width * sizeof(uint64_t))
                        dest[written, width] = total
                        written += 1
                if overflow:
                    break
                out_off[b + 1] = written
        if overflow:
            raise ValueError("merge output array is too small")
        return written, offsets
    finally:
        free(base); free(starts); free(heads); free(ends)


# ---------------------------------------------------------------- keys <-> text

def pack(str ngram):
    """Packed key words of an n-gram, as a tuple of ints."""
    cdef int n = len(ngram), m
    cdef uint64_t key[MAX_WIDTH]
    if n < 1 or n > MAX_ORDER:
        raise ValueError(f"n-grams have 1 to {MAX_ORDER} characters")
    key[0] = key[1] = key[2] = 0
    for m in range(n):
        key[m // 3] |= (<uint64_t> ord(ngram[m])) << (43 - 21 * (m % 3))
    return tuple(key[m] for m in range(key_width(n)))


def unpack_rows(const uint64_t[:, ::1] rows, int order):
    """The n-gram strings of sorted rows, in order."""
    cdef size_t i
    cdef int m
    cdef uint32_t buf[MAX_ORDER]
    out = []
    for i in range(rows.shape[0]):
        for m in range(order):
            buf[m] = (rows[i, m // 3] >> (43 - 21 * (m % 3))) & 0x1FFFFF
        out.append((<char *> buf)[:order * 4].decode("utf-32-le"))
    return out


def find_rows(const uint64_t[:, ::1] rows, const int64_t[::1] offsets, int order, list keys):
    """Row index of each packed key in rows in canonical order, or -1."""
    cdef int width = key_width(order), m
    cdef Py_ssize_t lo, hi, mid, end
    cdef uint64_t key[MAX_WIDTH]
    cdef int c
    out = []
    for k in keys:
        for m in range(width):
            key[m] = k[m]
        m = bucket_of(hash_key(key, width))
        lo = offsets[m]
        hi = end = offsets[m + 1]
        while lo < hi:
            mid = (lo + hi) // 2
            c = compare_keys(&rows[mid, 0], key, width)
            if c < 0:
                lo = mid + 1
            else:
                hi = mid
        if lo < end and compare_keys(&rows[lo, 0], key, width) == 0:
            out.append(lo)
        else:
            out.append(-1)
    return out


# ---------------------------------------------------------------- cohesion

cdef inline void sub_key(const uint64_t *key, int start, int length, uint64_t *out) noexcept nogil:
    """The packed key of characters [start, start + length) of a packed key."""
    cdef int m
    cdef uint64_t ch
    out[0] = out[1] = out[2] = 0
    for m in range(length):
        ch = (key[(start + m) // 3] >> (43 - 21 * ((start + m) % 3))) & 0x1FFFFF
        out[m // 3] |= ch << (43 - 21 * (m % 3))


cdef inline int64_t row_count(const uint64_t *rows, const int64_t *offsets, int order,
                              const uint64_t *key) noexcept nogil:
    """Count of a packed key in rows of this order in canonical order, 0 if absent."""
    cdef int width = key_width(order), stride = width + 1
    cdef int b = bucket_of(hash_key(key, width))
    cdef Py_ssize_t lo = offsets[b], hi = offsets[b + 1], end = hi, mid
    while lo < hi:
        mid = (lo + hi) // 2
        if compare_keys(rows + mid * stride, key, width) < 0:
            lo = mid + 1
        else:
            hi = mid
    if lo < end and compare_keys(rows + lo * stride, key, width) == 0:
        return <int64_t> rows[lo * stride + width]
    return 0


def cohesion(list tables, list offsets, int n, double total, uint64_t min_count):
    """For the n-grams of order n seen at least min_count times: (row indices,
    cohesion) where cohesion = min over split points of
    ln(total * N(w) / (N(left) * N(right))); tables[k] / offsets[k] hold order k."""
    cdef const uint64_t[:, ::1] rows = tables[n]
    cdef int width = key_width(n), k
    cdef Py_ssize_t i, m = 0, n_rows = rows.shape[0]
    cdef const uint64_t *part_rows[MAX_ORDER + 1]
    cdef const int64_t *part_offsets[MAX_ORDER + 1]
    cdef const uint64_t[:, ::1] view
    cdef const int64_t[::1] off
    for k in range(1, n):
        view = tables[k]
        off = offsets[k]
        part_rows[k] = &view[0, 0] if view.shape[0] else NULL
        part_offsets[k] = &off[0]
    index = np.empty(n_rows, dtype=np.int64)
    value = np.empty(n_rows, dtype=np.float64)
    cdef int64_t[::1] index_v = index
    cdef double[::1] value_v = value
    cdef uint64_t left[MAX_WIDTH]
    cdef uint64_t right[MAX_WIDTH]
    cdef int64_t c_left, c_right
    cdef double worst, score
    cdef uint64_t count
    with nogil:
        for i in range(n_rows):
            count = rows[i, width]
            if count < min_count:
                continue
            worst = 1e300
            for k in range(1, n):
                if part_rows[k] == NULL or part_rows[n - k] == NULL:
                    worst = -1e300
                    break
                sub_key(&rows[i, 0], 0, k, left)
                sub_key(&rows[i, 0], k, n - k, right)
                c_left = row_count(part_rows[k], part_offsets[k], k, left)
                c_right = row_count(part_rows[n - k], part_offsets[n - k], n - k, right)
                if c_left <= 0 or c_right <= 0:
                    worst = -1e300
                    break
                score = log(total * <double> count / (<double> c_left * <double> c_right))
                if score < worst:
                    worst = score
            index_v[m] = i
            value_v[m] = worst
            m += 1
    return index[:m], value[:m]
