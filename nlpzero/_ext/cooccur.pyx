# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Compiled co-occurrence counting over a stream of token ids.

Pairs (i, j) of vocabulary ids within a window are counted in a
runs.KeyCounter of one class whose one-word keys are (min(i, j) << 32 |
max(i, j)) -- each unordered pair once, self-pairs skipped (word
co-occurrence) -- or, in ordered mode, (i << 32 | j) with i the earlier word
(skip-grams for templates).  A pair at distance d adds an integer number of
*weight units*, so counts are exact and any merge order gives the same sums:
1 (UNIFORM), window + 1 - d (LINEAR, in units of 1/window) or scale / d
(HARMONIC, in units of 1/scale; see harmonic_scale).
"""

from libc.stdint cimport int32_t, uint64_t

from nlpzero._ext.runs cimport KeyCounter

cpdef enum:
    UNIFORM = 0
    HARMONIC = 1
    LINEAR = 2

cpdef enum:
    LINE_END = -1        # ends a sentence: windows never cross it
    DROPPED = -2         # a token that takes up a position but pairs with nothing

HARMONIC_UNITS = 1 << 20      # when lcm(1..window) is larger than this


def harmonic_scale(int window):
    """Units per 1 for harmonic weights: lcm(1..window), exact, when it is at
    most HARMONIC_UNITS; else HARMONIC_UNITS (1/d rounded to the nearest unit)."""
    import math
    scale = 1
    for d in range(1, window + 1):
        scale = scale * d // math.gcd(scale, d)
        if scale > HARMONIC_UNITS:
            return HARMONIC_UNITS
    return scale


def weight_scale(int weighting, int window):
    """Weight units per co-occurrence of weight 1."""
    if weighting == LINEAR:
        return window
    if weighting == HARMONIC:
        return harmonic_scale(window)
    return 1


def pair_counter():
    """A KeyCounter for id pairs (one class of one-word keys)."""
    return KeyCounter([1])


def count_pairs(const int32_t[::1] ids not None, int window, int weighting, bint ordered,
                KeyCounter counter not None):
    """Count the pairs of `ids` at distance d = 1..window into class 0 of
    `counter`.  LINE_END ends a sentence; DROPPED (and any other negative id)
    takes a position but pairs with nothing."""
    cdef Py_ssize_t n = ids.shape[0], p, q, stop
    cdef int32_t a, b
    cdef uint64_t key, units
    cdef uint64_t scale = weight_scale(weighting, window)
    if window < 1:
        raise ValueError("window must be at least 1")
    if counter.width(0) != 1:
        raise ValueError("a pair counter has one class of one-word keys")
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
                if b == LINE_END:
                    break
                if b < 0 or (b == a and not ordered):
                    continue
                if weighting == HARMONIC:
                    units = (scale + <uint64_t> (q - p) // 2) // <uint64_t> (q - p)
                elif weighting == LINEAR:
                    units = <uint64_t> (window + 1 - (q - p))
                else:
                    units = 1
                if a < b or ordered:
                    key = (<uint64_t> a) << 32 | <uint64_t> b
                else:
                    key = (<uint64_t> b) << 32 | <uint64_t> a
                counter.add(0, &key, units)
