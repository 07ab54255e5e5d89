# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Compiled core of the unigram (maximum-probability) segmenter.

Segmentation is jieba's backward dynamic programme over the word DAG --
best[i] = max over edges (i, j) of ln p(word) + best[j], ties to the longer
edge -- with the same floating-point operations, so equal lexicons give equal
paths.  Besides lexicon words, position i has one *fallback* edge scored
ln(1/total): the character class table decides its extent (a run of letters and
digits, a run of whitespace up to a line feed, a run of one repeated mark, or one character),
always with its trailing combining marks and zero-width-joiner sequences.  An
ideograph-like character that starts some lexicon word has no fallback edge (as
in jieba), so known words win.  With the lexicon's `whole_runs`, no word may
end inside a run of letters/digits.  A NUMBER in a word matches a whole number.
"""

from libc.stdint cimport uint8_t, uint32_t, int32_t
from libc.stdlib cimport malloc, free
from libc.string cimport memcpy
from cpython.bytes cimport PyBytes_FromStringAndSize
from cpython.unicode cimport PyUnicode_DATA, PyUnicode_KIND

from nlpzero._ext.text cimport (CLASS_DIGIT, CLASS_EXTEND, CLASS_JOINER, CLASS_REPEAT, CLASS_RUN, CLASS_SPACE,
                                NUMBER, char_class, fold_number_runs, is_decimal_point, load_codes,
                                number_starts, put_utf8, utf8_decode)
from nlpzero._ext.trie cimport ROOT_DIRECT, ChildSlot, CompiledLexicon, child_hash, trie_start, trie_step

import threading

import numpy as np

cdef enum:
    WALK_STACK = 16      # pending NUMBER branches while walking the trie from one position

cdef inline Py_ssize_t _extend(const uint32_t *text, Py_ssize_t n, const uint8_t *classes,
                               const int32_t *unit_end, Py_ssize_t i) noexcept nogil:
    """Position after the combining marks / joiner sequences starting at i
    (unit_end is already known right of i)."""
    if i < n and char_class(classes, text[i]) & CLASS_EXTEND:
        return unit_end[i]
    return i


cdef class Work:
    """Scratch arrays, kept per thread and grown as needed: fresh memory costs a
    page fault per 4 KiB, which would otherwise dominate segmentation."""

    cdef int reserve(self, Py_ssize_t n, Py_ssize_t out_bytes) except -1:
        if n + 1 > self.capacity:
            n = max(n + 1, 2 * self.capacity)
            self._free_arrays()
            self.s.codes = <uint32_t *> malloc(n * sizeof(uint32_t))
            self.s.next_cut = <int32_t *> malloc(n * sizeof(int32_t))
            self.s.unit_end = <int32_t *> malloc(n * sizeof(int32_t))
            self.s.run_end = <int32_t *> malloc(n * sizeof(int32_t))
            self.s.digit_end = <int32_t *> malloc(n * sizeof(int32_t))
            self.s.best = <double *> malloc(n * sizeof(double))
            self.capacity = n
            if (not self.s.codes or not self.s.next_cut or not self.s.unit_end or not self.s.run_end
                    or not self.s.digit_end or not self.s.best):
                self.capacity = 0
                raise MemoryError()
        if out_bytes > self.out_capacity:
            out_bytes = max(out_bytes, 2 * self.out_capacity)
            free(self.s.out)
            self.s.out = <uint8_t *> malloc(out_bytes)
            self.out_capacity = out_bytes
            if not self.s.out:
                self.out_capacity = 0
                raise MemoryError()
        return 0

    cdef void _free_arrays(self) noexcept:
        free(self.s.codes)
        free(self.s.next_cut)
        free(self.s.unit_end)
        free(self.s.run_end)
        free(self.s.digit_end)
        free(self.s.best)
        self.s.codes = NULL
        self.s.next_cut = NULL
        self.s.unit_end = NULL
        self.s.run_end = NULL
        self.s.digit_end = NULL
        self.s.best = NULL

    def __dealloc__(self):
        self._free_arrays()
        free(self.s.out)


_thread_local = threading.local()


cdef Work load_text(text, const uint8_t *classes, bint fold_numbers, Py_ssize_t out_per_unit,
                    Py_ssize_t *n, Py_ssize_t *invalid):
    """This thread's scratch space holding the code points of `text` -- a str,
    or UTF-8 bytes decoded here as Python's "replace" does (replaced bytes added
    to *invalid) -- with numbers folded to NUMBER if asked; *n = their number.
    Room is made for out_per_unit output bytes per input unit."""
    cdef bint is_bytes = isinstance(text, bytes)
    if not is_bytes and not isinstance(text, str):
        raise TypeError(f"expected str or UTF-8 bytes, not {type(text).__name__}")
    cdef Py_ssize_t length = len(text)
    cdef Work work = getattr(_thread_local, "work", None)
    if work is None:
        work = Work()
        _thread_local.work = work
    work.reserve(length, out_per_unit * length)
    cdef const void *data = <const void *> (<char *> text) if is_bytes else PyUnicode_DATA(text)
    cdef unsigned int kind = 0 if is_bytes else PyUnicode_KIND(text)
    with nogil:
        if is_bytes:
            length = utf8_decode(<const uint8_t *> data, length, work.s.codes, invalid)
        else:
            load_codes(data, kind, length, work.s.codes)
        if fold_numbers:
            length = fold_number_runs(work.s.codes, length, classes)
    n[0] = length
    return work


cdef inline uint8_t _unit_at(Scratch *w, Py_ssize_t n, const uint8_t *classes, Py_ssize_t i) noexcept nogil:
    """w.run_end[i], w.unit_end[i] and w.digit_end[i], those right of i being
    known (so a right-to-left sweep fills them in O(n)); returns i's class."""
    cdef const uint32_t *text = w.codes
    cdef int32_t *run_end = w.run_end
    cdef int32_t *unit_end = w.unit_end
    cdef int32_t *digit_end = w.digit_end
    cdef uint8_t c = char_class(classes, text[i]), k
    # end of the letter/digit run continuing through i (marks included)
    run_end[i] = i + 1
    if c & (CLASS_RUN | CLASS_EXTEND) and i + 1 < n:
        k = char_class(classes, text[i + 1])
        if k & (CLASS_RUN | CLASS_EXTEND):
            run_end[i] = run_end[i + 1]
        elif (c & CLASS_DIGIT and is_decimal_point(text[i + 1]) and i + 2 < n
              and char_class(classes, text[i + 2]) & CLASS_DIGIT):
            run_end[i] = run_end[i + 2]
    # extent of the fallback unit starting at i; a joiner attaches no whitespace, and a
    # whitespace run ends at a line feed, so no unit crosses into a line (see best_path)
    if c & CLASS_JOINER:
        unit_end[i] = _extend(text, n, classes, unit_end, i + 2) if (
            i + 1 < n and not char_class(classes, text[i + 1]) & CLASS_SPACE) else i + 1
    elif c & CLASS_EXTEND:
        unit_end[i] = _extend(text, n, classes, unit_end, i + 1)
    elif c & CLASS_RUN:
        unit_end[i] = run_end[i]
    elif c & CLASS_SPACE:
        unit_end[i] = unit_end[i + 1] if (i + 1 < n and text[i] != 10
                                          and char_class(classes, text[i + 1]) & CLASS_SPACE) else i + 1
    elif c & CLASS_REPEAT and i + 1 < n and text[i + 1] == text[i]:
        unit_end[i] = unit_end[i + 1]
    else:
        unit_end[i] = _extend(text, n, classes, unit_end, i + 1)
    # end of the number (digits, decimal points between digits) starting at i
    digit_end[i] = i + 1
    if c & CLASS_DIGIT and i + 1 < n:
        if char_class(classes, text[i + 1]) & CLASS_DIGIT:
            digit_end[i] = digit_end[i + 1]
        elif (is_decimal_point(text[i + 1]) and i + 2 < n
              and char_class(classes, text[i + 2]) & CLASS_DIGIT):
            digit_end[i] = digit_end[i + 2]
    return c


cdef void fill_units(Scratch *w, Py_ssize_t n, const uint8_t *classes) noexcept nogil:
    """w.run_end, w.unit_end and w.digit_end for all i < n (what best_path
    computes on its way), without a lexicon."""
    cdef Py_ssize_t i
    for i in range(n - 1, -1, -1):
        _unit_at(w, n, classes, i)


cdef void best_path(const Trie *t, bint whole_runs, Scratch *w, Py_ssize_t n,
                    const uint8_t *classes) noexcept nogil:
    """w.next_cut[i] = end of the best token starting at i, for all i < n: jieba's
    backward programme over the word DAG (see the module docstring)."""
    cdef const uint32_t *text = w.codes
    cdef int32_t *next_cut = w.next_cut
    cdef double *best = w.best
    cdef int32_t *unit_end = w.unit_end
    cdef int32_t *run_end = w.run_end
    cdef int32_t *digit_end = w.digit_end
    cdef Py_ssize_t i, j, k, end
    cdef uint8_t c
    cdef double score, candidate
    cdef bint has_word
    cdef int depth
    cdef const ChildSlot *edge
    cdef const ChildSlot *stack_node[WALK_STACK]
    cdef Py_ssize_t stack_end[WALK_STACK]
    best[n] = 0.0
    for i in range(n - 1, -1, -1):
        c = _unit_at(w, n, classes, i)
        # the walk from i - 4 will first probe the child table of its first
        # character's edge: start that cache miss now, to overlap with this walk
        if i >= 4 and text[i - 4] < ROOT_DIRECT:
            edge = &t.root_direct[text[i - 4]]
            NZ_PREFETCH(&t.children[edge.first + (child_hash(text[i - 3]) & edge.mask)])
        # lexicon words starting at i; a NUMBER in a word matches a whole number
        score = 0.0
        j = -1
        has_word = False
        depth = 0
        stack_node[0] = trie_start(t, text[i])
        stack_end[0] = i + 1
        depth = 1
        if t.has_number and number_starts(text, classes, i):
            stack_node[1] = trie_start(t, NUMBER)
            stack_end[1] = digit_end[i]
            depth = 2
        while depth > 0:
            depth -= 1
            edge = stack_node[depth]
            k = stack_end[depth]
            while edge != NULL:
                # with whole_runs, a word may not end inside a letter/digit run
                if edge.logp <= 0.0 and not (whole_runs and k < n and (
                        run_end[k - 1] > k or (k >= i + 2 and run_end[k - 2] > k))):
                    candidate = edge.logp + best[k]
                    if not has_word or candidate > score or (candidate == score and k > j):
                        score = candidate
                        j = k
                        has_word = True
                if k >= n:
                    break
                if t.has_number and depth < WALK_STACK and number_starts(text, classes, k):
                    stack_node[depth] = trie_step(t, edge, NUMBER)
                    stack_end[depth] = digit_end[k]
                    depth += stack_node[depth] != NULL
                edge = trie_step(t, edge, text[k])
                k += 1
        if not has_word or (c & (CLASS_RUN | CLASS_SPACE | CLASS_REPEAT)):
            candidate = t.unknown_score + best[unit_end[i]]
            if not has_word or candidate > score or (candidate == score and unit_end[i] > j):
                score = candidate
                j = unit_end[i]
        # a line starts at i, and no token crosses into it (no word holds a line
        # feed, and a fallback unit ends at one): its path must not depend on
        # the text after it, which a suffix score added to every candidate would
        # do through rounding (ties broken differently) -- so any cut of a
        # corpus into blocks of lines segments it alike
        if i > 0 and text[i - 1] == 10:
            score = 0.0
        best[i] = score
        next_cut[i] = <int32_t> j


def cuts(CompiledLexicon lexicon not None, str text not None, const uint8_t[::1] classes not None):
    """int32 array: the end of every token of `text`, in order."""
    cdef Py_ssize_t n, i = 0, m = 0, invalid = 0
    cdef Work work = load_text(text, &classes[0], False, 0, &n, &invalid)
    out = np.empty(n, dtype=np.int32)
    cdef int32_t[::1] ends = out
    with nogil:
        best_path(&lexicon.trie, lexicon.whole_runs, &work.s, n, &classes[0])
        while i < n:
            i = work.s.next_cut[i]
            ends[m] = <int32_t> i
            m += 1
    return out[:m]


def tokens(CompiledLexicon lexicon not None, str text not None, const uint8_t[::1] classes not None):
    """The tokens of `text` as a list of str."""
    cdef Py_ssize_t n, i = 0, j, invalid = 0
    cdef Work work = load_text(text, &classes[0], False, 0, &n, &invalid)
    with nogil:
        best_path(&lexicon.trie, lexicon.whole_runs, &work.s, n, &classes[0])
    result = []
    while i < n:
        j = work.s.next_cut[i]
        result.append(text[i:j])
        i = j
    return result


def render(CompiledLexicon lexicon not None, text not None, const uint8_t[::1] classes not None,
           str separator not None, bint at_line_start):
    """Segment `text` (a str, or UTF-8 bytes decoded here without the GIL,
    invalid sequences replaced by U+FFFD as Python's "replace" does) and
    write it as UTF-8: tokens joined by `separator`, whitespace tokens
    dropped except that every line feed is kept.  Returns (bytes,
    at_line_start after the text, invalid bytes replaced), so long lines
    can come in pieces."""
    cdef bytes sep_utf8 = separator.encode("utf-8", "surrogatepass")
    cdef const uint8_t *sep = <const uint8_t *> (<char *> sep_utf8)
    cdef Py_ssize_t sep_n = len(sep_utf8)
    cdef bint line_start = at_line_start
    cdef Py_ssize_t n, i = 0, j, k, m = 0, invalid = 0
    cdef const uint8_t *table = &classes[0]
    cdef Work work = load_text(text, table, False, 4 + sep_n, &n, &invalid)
    cdef uint8_t *buf = work.s.out
    cdef const uint32_t *codes = work.s.codes
    with nogil:
        best_path(&lexicon.trie, lexicon.whole_runs, &work.s, n, table)
        while i < n:
            j = work.s.next_cut[i]
            if char_class(table, codes[i]) & CLASS_SPACE:
                for k in range(i, j):
                    if codes[k] == 10:
                        buf[m] = 10
                        m += 1
                        line_start = True
            else:
                if not line_start:
                    memcpy(&buf[m], sep, sep_n)
                    m += sep_n
                for k in range(i, j):
                    m = put_utf8(buf, m, codes[k])
                line_start = False
            i = j
    return PyBytes_FromStringAndSize(<char *> buf, m), line_start, invalid
