# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Counting tables and sorted runs: insertion, sorting, and the k-way merge of
row arrays in canonical order (see runs.pxd and keys.pxd)."""

# runs.pxd (included) brings Table, table_put/init/release, calloc/free/memcpy and the keys it uses
from libc.stdint cimport uint32_t

from nlpzero._ext.keys cimport CHAR_BITS, MAX_KEY_CHARS, MAX_WIDTH, bucket_of, pack_key

import numpy as np

BUCKETS = N_BUCKETS
MAX_KEY_WIDTH = MAX_WIDTH
cdef enum:
    INITIAL_CAPACITY = 16


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
    if not old.in_region:
        free(old.slots)
    return 0


cdef int table_add(Table *t, const uint64_t *key, uint64_t amount, uint64_t h) noexcept nogil:
    """table_put, growing the table first when it is three quarters full; -1 if out of memory."""
    if (t.size + 1) * 4 > t.capacity * 3:
        if table_move(t, NULL, t.capacity * 2 if t.capacity else INITIAL_CAPACITY, False) != 0:
            return -1
    table_put(t, key, amount, h)
    return 0


cdef void table_compact(Table *t) noexcept nogil:
    """Move the occupied rows to the front of the slots, in slot order."""
    cdef size_t read, write = 0
    cdef int stride = t.stride
    for read in range(t.capacity):
        if t.slots[read * stride + t.width] != 0:
            if write != read:
                memcpy(t.slots + write * stride, t.slots + read * stride, stride * sizeof(uint64_t))
            write += 1


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


cdef class KeyCounter:
    def __cinit__(self, widths):
        cdef int c, b
        widths = list(widths)
        self.n_classes = len(widths)
        self.tables = NULL
        self.widths = NULL
        self.class_totals = NULL
        if self.n_classes < 1:
            raise ValueError("a key counter needs at least one class")
        for w in widths:
            if not 1 <= w <= MAX_WIDTH:
                raise ValueError(f"key widths are 1 to {MAX_WIDTH} words")
        self.tables = <Table *> calloc(self.n_classes * N_BUCKETS, sizeof(Table))
        self.widths = <int *> calloc(self.n_classes, sizeof(int))
        self.class_totals = <int64_t *> calloc(self.n_classes, sizeof(int64_t))
        if self.tables == NULL or self.widths == NULL or self.class_totals == NULL:
            raise MemoryError()
        for c in range(self.n_classes):
            self.widths[c] = widths[c]
            for b in range(N_BUCKETS):
                table_init(&self.tables[c * N_BUCKETS + b], widths[c])

    def __dealloc__(self):
        cdef int i
        if self.tables != NULL:
            for i in range(self.n_classes * N_BUCKETS):
                table_release(&self.tables[i])
        free(self.tables)
        free(self.widths)
        free(self.class_totals)

    cdef int add(self, int cls, const uint64_t *key, uint64_t amount) except -1 nogil:
        cdef uint64_t h = hash_key(key, self.widths[cls])
        if table_add(&self.tables[cls * N_BUCKETS + bucket_of(h)], key, amount, h) != 0:
            with gil:
                raise MemoryError("out of memory while counting")
        self.class_totals[cls] += amount
        return 0

    def add_rows(self, int cls, const uint64_t[:, ::1] rows not None):
        """Add rows of (key words, count) of class `cls`."""
        cdef Py_ssize_t i
        self._check_class(cls)
        if rows.shape[0] and rows.shape[1] != self.widths[cls] + 1:
            raise ValueError("rows do not match the class's key width")
        for i in range(rows.shape[0]):
            if rows[i, self.widths[cls]]:
                self.add(cls, &rows[i, 0], rows[i, self.widths[cls]])

    cdef _check_class(self, int cls):
        if cls < 0 or cls >= self.n_classes:
            raise ValueError("no such key class")

    def width(self, int cls):
        self._check_class(cls)
        return self.widths[cls]

    def size(self, int cls=-1):
        """Distinct keys held (of one class, or all)."""
        cdef size_t total = 0
        cdef int c, b
        for c in range(self.n_classes):
            if cls < 0 or c == cls:
                for b in range(N_BUCKETS):
                    total += self.tables[c * N_BUCKETS + b].size
        return total

    def __len__(self):
        return self.size()

    def total(self, int cls):
        """Σ of the amounts added to class `cls` (taken rows included)."""
        self._check_class(cls)
        return self.class_totals[cls]

    def memory_bytes(self):
        cdef size_t total = 0
        cdef int i
        for i in range(self.n_classes * N_BUCKETS):
            total += table_bytes(&self.tables[i])
        return total

    def take(self, int cls):
        """(rows, bucket offsets) of class `cls` in canonical order; its tables are emptied."""
        cdef int b, stride
        cdef size_t at = 0
        cdef Table *t
        cdef uint64_t[:, ::1] view
        self._check_class(cls)
        stride = self.widths[cls] + 1
        offsets = np.zeros(N_BUCKETS + 1, dtype=np.int64)
        for b in range(N_BUCKETS):
            at += self.tables[cls * N_BUCKETS + b].size
            offsets[b + 1] = at
        rows = np.empty((at, stride), dtype=np.uint64)
        view = rows
        at = 0
        with nogil:
            for b in range(N_BUCKETS):
                t = &self.tables[cls * N_BUCKETS + b]
                if t.size:
                    table_compact(t)
                    sort_rows(t.slots, t.size, t.width, t.stride)
                    memcpy(&view[at, 0], t.slots, t.size * stride * sizeof(uint64_t))
                    at += t.size
                table_release(t)
        return rows, offsets


def bucket_offsets(const uint64_t[:, ::1] rows, int width):
    """Bucket offsets of rows in canonical order (for rows made elsewhere)."""
    cdef int b
    cdef size_t i, n = rows.shape[0]
    offsets = np.zeros(N_BUCKETS + 1, dtype=np.int64)
    cdef int64_t[::1] off = offsets
    for i in range(n):
        b = bucket_of(hash_key(&rows[i, 0], width))
        off[b + 1] += 1
    for b in range(N_BUCKETS):
        off[b + 1] += off[b]
    return offsets


def is_canonical(const uint64_t[:, ::1] rows, int width):
    """Whether rows are strictly increasing in (bucket, key) order."""
    cdef int b, prev_b = -1
    cdef size_t i
    for i in range(<size_t> rows.shape[0]):
        b = bucket_of(hash_key(&rows[i, 0], width))
        if b < prev_b or (b == prev_b and compare_keys(&rows[i - 1, 0], &rows[i, 0], width) >= 0):
            return False
        prev_b = b
    return True


def merge_sorted(list sources, list source_offsets, int width, uint64_t min_count, out):
    """Merge row tables in canonical order, bucket by bucket, summing the counts
    of equal keys and keeping rows whose total is at least min_count.
    Returns (rows written, bucket offsets of the output)."""
    cdef int stride = width + 1
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
        if not 1 <= width <= MAX_WIDTH:
            raise ValueError("bad key width")
        if len(source_offsets) != k:
            raise ValueError("one offsets array per source")
        if dest.shape[1] != stride:
            raise ValueError("output rows do not match the key width")
        for s in range(k):
            view = sources[s]
            off = source_offsets[s]
            if (view.shape[0] and view.shape[1] != stride) or off.shape[0] != N_BUCKETS + 1 \
                    or off[N_BUCKETS] != view.shape[0]:
                raise ValueError("source rows or offsets do not match the key width")
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


# ---------------------------------------------------------------- string keys <-> text

def pack_string(str text):
    """The packed key words of a string of 1 to MAX_KEY_CHARS code points, as a tuple."""
    cdef int n = len(text), m
    cdef uint32_t codes[MAX_KEY_CHARS]
    cdef uint64_t key[MAX_WIDTH]
    if n < 1 or n > MAX_KEY_CHARS:
        raise ValueError(f"packed keys hold 1 to {MAX_KEY_CHARS} characters")
    for m in range(n):
        codes[m] = ord(text[m])
    pack_key(codes, n, key)
    return tuple(key[m] for m in range(key_width(n)))


def unpack_strings(const uint64_t[:, ::1] rows, int length):
    """The strings of `length` code points packed in rows (key words, count), in order."""
    cdef size_t i
    cdef int m
    cdef uint32_t buf[MAX_KEY_CHARS]
    if not 1 <= length <= MAX_KEY_CHARS:
        raise ValueError("bad string length")
    out = []
    for i in range(rows.shape[0]):
        for m in range(length):
            buf[m] = (rows[i, m // 3] >> (43 - CHAR_BITS * (m % 3))) & 0x1FFFFF
        out.append((<char *> buf)[:length * 4].decode("utf-32-le", "surrogatepass"))
    return out


def find_rows(const uint64_t[:, ::1] rows, const int64_t[::1] offsets, int width, list keys):
    """Row index of each packed key (a tuple of `width` words) in rows in canonical order, or -1."""
    cdef int m
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


def key_chars(const uint64_t[:, ::1] rows, int length):
    """uint32 array [rows, length]: the code points of each row's packed key."""
    cdef size_t i
    cdef int m
    if not 1 <= length <= MAX_KEY_CHARS:
        raise ValueError("bad string length")
    out = np.empty((rows.shape[0], length), dtype=np.uint32)
    cdef uint32_t[:, ::1] view = out
    with nogil:
        for i in range(rows.shape[0]):
            for m in range(length):
                view[i, m] = (rows[i, m // 3] >> (43 - CHAR_BITS * (m % 3))) & 0x1FFFFF
    return out
