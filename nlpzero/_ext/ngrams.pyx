# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Compiled core of the character n-gram counter.

N-grams are packed keys and leave in canonical order (keys.pxd); the tables
are runs.pxd's.  Counting aggregates each bucket in its own small hash table
(radix-partitioned aggregation: cache-resident tables, and threads that work
on disjoint buckets need no locks).  Sorted runs spilled to disk use the same
order and are merged bucket by bucket (runs.merge_sorted, the KenLM approach),
so counts stay exact in bounded memory.
"""

from libc.stdint cimport uint8_t, uint32_t, uint64_t, int64_t
from libc.stdlib cimport calloc, free, realloc
from libc.string cimport memcpy, memmove
from cython cimport view

from nlpzero._ext.keys cimport N_BUCKETS, bucket_of, hash_key, key_width
from nlpzero._ext.runs cimport (Table, slot_of, sort_rows, table_bytes, table_compact, table_init, table_move,
                                table_put, table_release)
from nlpzero._ext.text cimport CODE_POINTS

import numpy as np

cdef enum:
    MAX_ORDER = 9
    MAX_NGRAM_WIDTH = 3
    INITIAL_CAPACITY = 64
    PREFETCH_AHEAD = 16         # keys whose slots are prefetched ahead of insertion

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


def width_of(int order):
    """Number of 64-bit words holding a packed key of this order."""
    return key_width(order)


cdef int table_alloc(Table *t, int order, size_t capacity) noexcept nogil:
    table_init(t, key_width(order))
    t.capacity = capacity
    t.slots = <uint64_t *> calloc(capacity * t.stride, sizeof(uint64_t))
    return 0 if t.slots != NULL else -1


cdef inline int table_resize(Table *t, size_t new_capacity) noexcept nogil:
    return table_move(t, NULL, new_capacity, False)


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
    thread j adds the buffered keys of the j-th of J contiguous bucket ranges
    into those buckets' hash tables.  A bucket's table is small enough to stay in cache, and the
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
                if table_alloc(&self.tables[n * N_BUCKETS + b], n, INITIAL_CAPACITY) != 0:
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
        cdef uint64_t key[MAX_NGRAM_WIDTH]
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
            if table_alloc(&self.tables[n * N_BUCKETS + b], n, INITIAL_CAPACITY) != 0:
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
