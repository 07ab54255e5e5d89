# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Lexicon files parsed in compiled code: the words of a TSV, jieba or word-list
file as arrays (code points, offsets, counts) without a Python string per line,
and words sorted and de-duplicated for the trie builder.

The rules are those of nlpzero/lexicon.py, which documents the formats; this
module only makes them fast.  A line the fast parser cannot read is reported
by its number, so the caller can give the same error the Python parser gives.
"""

from libc.stdint cimport uint8_t, uint32_t, int64_t, uint64_t
from libc.stdlib cimport malloc, free, qsort
from libc.string cimport memcmp

from nlpzero._ext.text cimport NUMBER, utf8_decode

import numpy as np

cpdef enum:
    TSV = 0
    JIEBA = 1
    WORDS = 2

cpdef enum:
    SUM = 0              # equal words: counts added (a lexicon's rule)
    LAST = 1             # equal words: the last count wins (jieba's rule)

cdef uint64_t MAX_COUNT = 0x7FFFFFFFFFFFFFFF
cdef Py_ssize_t MAX_WORD_BYTES = 1 << 16


class LineError(ValueError):
    """A line the fast parser rejects: args = (line number, reason)."""


cdef inline bint _space(uint8_t b) noexcept nogil:
    return b == 32 or b == 9 or b == 13 or b == 10 or b == 11 or b == 12


def parse(const uint8_t[::1] data not None, int fmt, int64_t default_count, Py_ssize_t first_line=1,
          bint skip_blank=True):
    """(codes uint32, offsets int64 [n+1], counts int64, total) of the entries
    of UTF-8 `data` (headers and comments already removed; `first_line` is the
    number of its first line, for errors; blank lines are skipped unless
    `skip_blank` is False: jieba refuses them).  Raises LineError(line, reason)."""
    cdef Py_ssize_t n = data.shape[0], i = 0, start, end, field_end, k, line = first_line - 1
    cdef Py_ssize_t n_words = 0, n_codes = 0, invalid, length, w
    cdef uint64_t count, total = 0
    cdef bint digits
    # upper bounds: one word per line, one code point per byte
    cdef Py_ssize_t lines = 1
    for k in range(n):
        lines += data[k] == 10
    codes = np.empty(max(n, 1), dtype=np.uint32)
    offsets = np.zeros(lines + 1, dtype=np.int64)
    counts = np.empty(lines, dtype=np.int64)
    cdef uint32_t[::1] cv = codes
    cdef int64_t[::1] ov = offsets
    cdef int64_t[::1] nv = counts
    cdef const uint8_t *p = &data[0] if n else NULL
    cdef int error = 0
    with nogil:
        while i < n and not error:
            start = i
            while i < n and p[i] != 10:
                i += 1
            end = i
            i += 1
            line += 1
            if end > start and p[end - 1] == 13:
                end -= 1
            # blank lines are skipped
            k = start
            while k < end and _space(p[k]):
                k += 1
            if k == end:
                if skip_blank:
                    continue
                if i < n or end > start:
                    error = 1
                    break
                continue
            if fmt == WORDS:
                while start < end and _space(p[start]):
                    start += 1
                while end > start and _space(p[end - 1]):
                    end -= 1
                field_end = end
                count = default_count
                k = start
                while k < end and p[k] != 9:
                    k += 1
                if k < end:
                    error = 3            # a tab in a plain word list
                    break
            else:
                if fmt == JIEBA:
                    while start < end and _space(p[start]):
                        start += 1
                    while end > start and _space(p[end - 1]):
                        end -= 1
                    field_end = start
                    while field_end < end and p[field_end] != 32:
                        field_end += 1
                else:
                    field_end = start
                    while field_end < end and p[field_end] != 9:
                        field_end += 1
                if field_end == start or field_end >= end:
                    error = 1            # no count field
                    break
                k = field_end + 1
                count = 0
                digits = False
                while k < end and p[k] >= 48 and p[k] <= 57:
                    if count > (MAX_COUNT - (p[k] - 48)) // 10:
                        error = 4        # count too large
                        break
                    count = count * 10 + (p[k] - 48)
                    digits = True
                    k += 1
                if error:
                    break
                if not digits or (k < end and not (fmt == JIEBA and p[k] == 32)):
                    error = 2            # not a plain count, or score columns: left to the Python parser
                    break
            if field_end - start > MAX_WORD_BYTES:
                error = 2                # too long for an entry: the Python parser says so
                break
            invalid = 0
            length = utf8_decode(p + start, field_end - start, &cv[n_codes], &invalid)
            if invalid:
                error = 5
                break
            if fmt != TSV and length and (_unicode_space(cv[n_codes]) or _unicode_space(cv[n_codes + length - 1])):
                error = 2                # Python's strip() would remove it: left to the Python parser
                break
            # "<NUM>" stands for any number, in the formats that can hold it
            if fmt != JIEBA:
                length = _fold_placeholder(&cv[n_codes], length)
            n_codes += length
            nv[n_words] = <int64_t> count
            total += count
            n_words += 1
            ov[n_words] = n_codes
    if error:
        raise LineError(line, {1: "expected a word and its count", 2: "count is not a plain number",
                               3: "tab in a plain word list", 4: "count too large", 5: "not UTF-8"}[error])
    return codes[:n_codes], offsets[:n_words + 1], counts[:n_words], int(total)


cdef inline bint _unicode_space(uint32_t ch) noexcept nogil:
    """str.isspace() beyond ASCII."""
    return (ch == 0x85 or ch == 0xA0 or ch == 0x1680 or (0x2000 <= ch <= 0x200A) or ch == 0x2028 or ch == 0x2029
            or ch == 0x202F or ch == 0x205F or ch == 0x3000 or (0x1C <= ch <= 0x1F))


cdef inline Py_ssize_t _fold_placeholder(uint32_t *codes, Py_ssize_t n) noexcept nogil:
    """Replace each "<NUM>" by NUMBER in place; returns the new length."""
    cdef Py_ssize_t i = 0, m = 0
    while i < n:
        if (i + 5 <= n and codes[i] == 60 and codes[i + 1] == 78 and codes[i + 2] == 85 and codes[i + 3] == 77
                and codes[i + 4] == 62):
            codes[m] = NUMBER
            i += 5
        else:
            codes[m] = codes[i]
            i += 1
        m += 1
    return m


cdef const uint32_t *_sort_codes
cdef const int64_t *_sort_offsets


cdef int _compare_words(const void *a, const void *b) noexcept nogil:
    cdef int64_t x = (<const int64_t *> a)[0], y = (<const int64_t *> b)[0]
    cdef int64_t xa = _sort_offsets[x], xb = _sort_offsets[x + 1], ya = _sort_offsets[y], yb = _sort_offsets[y + 1]
    cdef int64_t k = 0
    while xa + k < xb and ya + k < yb:
        if _sort_codes[xa + k] != _sort_codes[ya + k]:
            return -1 if _sort_codes[xa + k] < _sort_codes[ya + k] else 1
        k += 1
    if xb - xa != yb - ya:
        return -1 if xb - xa < yb - ya else 1
    return -1 if x < y else (1 if x > y else 0)       # equal words keep their file order


def sort_words(const uint32_t[::1] codes not None, const int64_t[::1] offsets not None,
               const int64_t[::1] counts not None, int rule):
    """The words sorted by code point, equal words merged (SUM or LAST) and
    empty words and zero counts dropped: arrays for trie.CompiledLexicon."""
    global _sort_codes, _sort_offsets
    cdef Py_ssize_t n = counts.shape[0], i, j, w, m = 0, at = 0, length, k
    order = np.arange(n, dtype=np.int64)
    cdef int64_t[::1] ov = order
    out_codes = np.empty(codes.shape[0], dtype=np.uint32)
    out_offsets = np.zeros(n + 1, dtype=np.int64)
    out_counts = np.empty(n, dtype=np.int64)
    cdef uint32_t[::1] oc = out_codes
    cdef int64_t[::1] oo = out_offsets
    cdef int64_t[::1] on = out_counts
    cdef int64_t total
    if n == 0:
        return out_codes[:0], out_offsets[:1], out_counts[:0]
    _sort_codes = &codes[0] if codes.shape[0] else NULL
    _sort_offsets = &offsets[0]
    qsort(&ov[0], n, sizeof(int64_t), _compare_words)      # one thread at a time: the GIL is held
    i = 0
    while i < n:
        w = ov[i]
        total = counts[w]
        j = i + 1
        while j < n and _same_word(codes, offsets, w, ov[j]):
            total = counts[ov[j]] if rule == LAST else total + counts[ov[j]]
            j += 1
        length = offsets[w + 1] - offsets[w]
        if length > 0 and total > 0:
            for k in range(length):
                oc[at + k] = codes[offsets[w] + k]
            at += length
            on[m] = total
            m += 1
            oo[m] = at
        i = j
    return out_codes[:at], out_offsets[:m + 1], out_counts[:m]


cdef inline bint _same_word(const uint32_t[::1] codes, const int64_t[::1] offsets, int64_t a, int64_t b) noexcept:
    cdef int64_t la = offsets[a + 1] - offsets[a], lb = offsets[b + 1] - offsets[b], k
    if la != lb:
        return False
    for k in range(la):
        if codes[offsets[a] + k] != codes[offsets[b] + k]:
            return False
    return True
