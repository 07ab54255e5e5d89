# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""word2vec's binary vectors format read in compiled code: for each entry, a
word, one space, `dim` little-endian float32s (and, from most writers, a line
feed).  The rules -- and the errors -- are those of
nlpzero/vectors/keyed.py, which documents the format; this only makes a
200k-word file load in milliseconds instead of a Python loop per word.
"""

from libc.stdint cimport uint8_t, int64_t
from libc.string cimport memcpy, memchr

import sys

import numpy as np

cdef Py_ssize_t MAX_WORD_BYTES = 4096
cdef bint BIG_ENDIAN = sys.byteorder == "big"


def parse_binary(const uint8_t[::1] body not None, Py_ssize_t n, Py_ssize_t dim):
    """(words as one UTF-8 blob joined by line feeds, float32 [n, dim]) of the
    entries of `body` (the file after its header line).  Raises ValueError
    with the reason when an entry is cut short or more data follows."""
    cdef Py_ssize_t length = body.shape[0], size = 4 * dim, at = 0, i, end, limit, total_word_bytes = 0
    cdef const uint8_t *p = &body[0] if length else NULL
    cdef const uint8_t *space
    out = np.empty((n, dim), dtype=np.float32)
    cdef float[:, ::1] vectors = out
    word_start = np.empty(n, dtype=np.int64)
    word_end = np.empty(n, dtype=np.int64)
    cdef int64_t[::1] starts = word_start, ends = word_end
    cdef int error = 0
    with nogil:
        for i in range(n):
            while at < length and (p[at] == 10 or p[at] == 32):   # writers differ in what separates entries
                at += 1
            limit = min(length - at, MAX_WORD_BYTES)
            space = <const uint8_t *> memchr(p + at, 32, limit) if limit > 0 else NULL
            if space == NULL:
                error = 1
                break
            end = space - p
            if end == at:
                error = 3
                break
            if end + 1 + size > length:
                error = 1
                break
            starts[i] = at
            ends[i] = end
            total_word_bytes += end - at + 1
            if size:
                memcpy(&vectors[i, 0], p + end + 1, size)
            at = end + 1 + size
        if not error:
            while at < length and (p[at] == 10 or p[at] == 32):
                at += 1
            if at < length:
                error = 2
    if error == 1:
        raise ValueError(f"entry {i + 1} of {n:,} is cut short")
    if error == 2:
        raise ValueError(f"the header says {n:,} words but more follow")
    if error == 3:
        raise ValueError(f"entry {i + 1} of {n:,} has no word")
    cdef bytearray blob = bytearray(total_word_bytes)
    cdef uint8_t *b = <uint8_t *> (<char *> blob) if total_word_bytes else NULL
    cdef Py_ssize_t w = 0
    with nogil:
        for i in range(n):
            memcpy(b + w, p + starts[i], ends[i] - starts[i])
            w += ends[i] - starts[i]
            b[w] = 10
            w += 1
    if BIG_ENDIAN:
        out.byteswap(inplace=True)
    return bytes(blob[:w - 1]) if n else b"", out
