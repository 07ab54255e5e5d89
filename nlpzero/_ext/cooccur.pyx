# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Compiled co-occurrence counting over a stream of token ids.

Pairs (i, j) of vocabulary ids within a window are accumulated in an
open-addressing hash table keyed by (min(i, j) << 32 | max(i, j)) -- each
unordered pair once, self-pairs skipped (word co-occurrence) -- or, in ordered
mode, by (i << 32 | j) with i the earlier word (skip-grams for templates).
"""

from libc.stdint cimport int32_t, int64_t, uint64_t
from libc.stdlib cimport calloc, free

from nlpzero._ext.hashing cimport mix

import numpy as np

cpdef enum:
    UNIFORM = 0
    HARMONIC = 1
    LINEAR = 2


cdef struct PairSlot:
    uint64_t key                 # (low << 32 | high) + 1; 0 = empty
    double weight


cdef class PairCounter:
    """Weighted counts of id pairs seen within a window: unordered and without
    self-pairs (co-occurrence), or ordered with them (`ordered`, skip-grams)."""

    cdef PairSlot *slots
    cdef uint64_t mask
    cdef readonly Py_ssize_t size
    cdef readonly bint ordered   # count (a, b) with a before b apart from (b, a), self-pairs included

    def __cinit__(self, bint ordered=False):
        self.ordered = ordered
        self.mask = (1 << 16) - 1
        self.slots = <PairSlot *> calloc(self.mask + 1, sizeof(PairSlot))
        if not self.slots:
            raise MemoryError()

    def __dealloc__(self):
        free(self.slots)

    def __len__(self):
        return self.size

    def memory_bytes(self):
        return (self.mask + 1) * sizeof(PairSlot)

    cdef int _grow(self) except -1 nogil:
        cdef uint64_t capacity = 2 * (self.mask + 1), i, slot
        cdef PairSlot *fresh = <PairSlot *> calloc(capacity, sizeof(PairSlot))
        if not fresh:
            with gil:
                raise MemoryError()
        for i in range(self.mask + 1):
            if self.slots[i].key:
                slot = mix(self.slots[i].key) & (capacity - 1)
                while fresh[slot].key:
                    slot = (slot + 1) & (capacity - 1)
                fresh[slot] = self.slots[i]
        free(self.slots)
        self.slots = fresh
        self.mask = capacity - 1
        return 0

    cdef inline int _put(self, int32_t a, int32_t b, double weight) except -1 nogil:
        cdef uint64_t key
        if a < b or self.ordered:
            key = ((<uint64_t> a) << 32 | <uint64_t> b) + 1
        else:
            key = ((<uint64_t> b) << 32 | <uint64_t> a) + 1
        cdef uint64_t slot = mix(key) & self.mask
        while self.slots[slot].key:
            if self.slots[slot].key == key:
                self.slots[slot].weight += weight
                return 0
            slot = (slot + 1) & self.mask
        self.slots[slot].key = key
        self.slots[slot].weight = weight
        self.size += 1
        if 2 * self.size > self.mask:
            self._grow()
        return 0

    def add(self, const int32_t[::1] ids not None, int window, int weighting=UNIFORM):
        """Count the pairs of `ids` at distance d = 1..window.  -1 ends a sentence
        (windows never cross it); -2 is a dropped token: it takes up a position
        but pairs with nothing.  Each pair adds 1 (UNIFORM), 1/d (HARMONIC) or
        (window + 1 - d)/window (LINEAR: word2vec's randomly shrunk window, in
        expectation)."""
        cdef Py_ssize_t n = ids.shape[0], p, q, stop
        cdef int32_t a, b
        cdef double weight
        with nogil:
            for p in range(n):
                a = ids[p]
                if a < 0:
                    continue
                stop = p + window + 1
                if stop > n:
                    stop = n
                for q in range(p + 1, stop):
                    b = ids[q]
                    if b == -1:
                        break
                    if b < 0 or (b == a and not self.ordered):
                        continue
                    if weighting == HARMONIC:
                        weight = 1.0 / (q - p)
                    elif weighting == LINEAR:
                        weight = <double> (window + 1 - (q - p)) / window
                    else:
                        weight = 1.0
                    self._put(a, b, weight)

    def merge(self, PairCounter other not None):
        if other.ordered != self.ordered:
            raise ValueError("cannot merge ordered and unordered pair counts")
        cdef uint64_t i, key
        for i in range(other.mask + 1):
            key = other.slots[i].key
            if key:
                key -= 1
                self._put(<int32_t> (key >> 32), <int32_t> (key & 0xFFFFFFFFULL), other.slots[i].weight)

    def arrays(self):
        """(rows, cols, weights) of every pair; unordered pairs once, with row < col."""
        rows = np.empty(self.size, dtype=np.int32)
        cols = np.empty(self.size, dtype=np.int32)
        weights = np.empty(self.size, dtype=np.float64)
        cdef int32_t[::1] r = rows
        cdef int32_t[::1] c = cols
        cdef double[::1] w = weights
        cdef uint64_t i, key
        cdef Py_ssize_t m = 0
        with nogil:
            for i in range(self.mask + 1):
                key = self.slots[i].key
                if key:
                    key -= 1
                    r[m] = <int32_t> (key >> 32)
                    c[m] = <int32_t> (key & 0xFFFFFFFFULL)
                    w[m] = self.slots[i].weight
                    m += 1
        return rows, cols, weights
