# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""The text layer's constants and conversions, for Python (see text.pxd)."""

from libc.stdint cimport uint8_t, uint32_t
from libc.string cimport memcpy
from cpython.unicode cimport PyUnicode_4BYTE_KIND, PyUnicode_DATA, PyUnicode_FromKindAndData, PyUnicode_KIND

# the declarations of text.pxd are this module's own: constants, fold_number_runs, utf8_decode, load_codes.
# NumPy is imported by the functions that make arrays: modules that only cimport
# this one (nlpzero.jieba's kernel) start without it.

RUN = CLASS_RUN
DIGIT = CLASS_DIGIT
EXTEND = CLASS_EXTEND
SPACE = CLASS_SPACE
REPEAT = CLASS_REPEAT
JOINER = CLASS_JOINER
TABLE_SIZE = CLASS_TABLE_SIZE
NUMBER_CHAR = chr(NUMBER)


def fold_numbers(str text not None, const uint8_t[::1] classes not None):
    """`text` with every number (digits, decimal points between digits) replaced by NUMBER_CHAR."""
    import numpy as np
    cdef Py_ssize_t n = len(text)
    codes = np.empty(max(n, 1), dtype=np.uint32)
    cdef uint32_t[::1] view = codes
    load_codes(PyUnicode_DATA(text), PyUnicode_KIND(text), n, &view[0])
    n = fold_number_runs(&view[0], n, &classes[0])
    return PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, &view[0], n)


def fold_numbers_in_place(uint32_t[::1] codes not None, const uint8_t[::1] classes not None, Py_ssize_t start=0):
    """Fold the numbers of codes[start:] in place; returns the array's new length."""
    if codes.shape[0] <= start:
        return codes.shape[0]
    return start + fold_number_runs(&codes[start], codes.shape[0] - start, &classes[0])


def decode_utf8(const uint8_t[::1] data not None, const uint32_t[::1] carry not None):
    """carry + the code points of UTF-8 `data` as one new uint32 array, and the
    number of invalid bytes (each maximal invalid subpart becomes U+FFFD)."""
    import numpy as np
    cdef Py_ssize_t n = data.shape[0], kept = carry.shape[0], m, invalid = 0
    out = np.empty(kept + n, dtype=np.uint32)
    cdef uint32_t[::1] view = out
    if kept:
        memcpy(&view[0], &carry[0], kept * sizeof(uint32_t))
    if n:
        with nogil:
            m = utf8_decode(&data[0], n, &view[kept], &invalid)
    else:
        m = 0
    return out[:kept + m], invalid
