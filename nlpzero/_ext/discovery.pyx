# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Word discovery's kernels: counting the fragments between weak gaps, counting
the tokens of a segmentation (refinement's re-estimation) or of the
self-trained tagger's, and n-gram cohesion.  Strings are counted in a runs.KeyCounter with one key class per
length: class L - 1 holds the strings of L code points (L <= MAX_KEY_CHARS);
a longer string is never a word and is only tallied in `counter.skipped`."""

from libc.stdint cimport uint8_t, uint32_t, uint64_t, int32_t, int64_t
from libc.math cimport log
from libc.stdlib cimport malloc, free

from nlpzero._ext.keys cimport (MAX_KEY_CHARS, MAX_WIDTH, N_BUCKETS, bucket_of, compare_keys, hash_key,
                                key_width, pack_key, sub_key)
from nlpzero._ext.runs cimport KeyCounter
from nlpzero._ext.text cimport CLASS_RUN, CODE_POINTS, char_class
from nlpzero._ext.trie cimport ChildSlot, CompiledLexicon, trie_start, trie_step
from nlpzero._ext.tagger cimport Sequence, TagModel, check_tables, sequence_init, sequence_release, tag_text
from nlpzero._ext.unigram cimport Work, best_path, load_text

import numpy as np

MAX_STRING = MAX_KEY_CHARS


def string_counter():
    """A KeyCounter with one class per string length 1..MAX_STRING."""
    return KeyCounter([key_width(length) for length in range(1, MAX_KEY_CHARS + 1)])


cdef inline bint _is_word(const uint8_t *word_table, uint32_t ch) noexcept nogil:
    return ch < CODE_POINTS and word_table[ch] != 0


cdef inline int _count(KeyCounter counter, const uint32_t *text, Py_ssize_t length) except -1 nogil:
    cdef uint64_t key[MAX_WIDTH]
    if length > MAX_KEY_CHARS:
        counter.skipped += length
        return 0
    pack_key(text, <int> length, key)
    return counter.add(<int> length - 1, key, 1)


def count_fragments(CompiledLexicon solid not None, text not None, const uint8_t[::1] classes not None,
                    const uint8_t[::1] word_table not None, KeyCounter counter not None,
                    bint fold_numbers=False):
    """Cut every segment of `text` (str or UTF-8 bytes; segments are runs of
    word_table characters) at each gap no word of `solid` covers -- except
    inside a run of letters/digits -- and count the fragments.  Longest-link:
    linear in the text, whatever the line length.  Returns the invalid UTF-8
    bytes replaced."""
    cdef Py_ssize_t n, i = 0, k, start, reach, end, invalid = 0
    cdef const uint8_t *table = &classes[0]
    cdef Work work = load_text(text, table, fold_numbers, 0, &n, &invalid)
    cdef const uint32_t *codes = work.s.codes
    cdef const uint8_t *words = &word_table[0]
    cdef const ChildSlot *edge
    with nogil:
        while i < n:
            if not _is_word(words, codes[i]):
                i += 1
                continue
            start = i
            reach = i + 1       # furthest end of a solid word starting in the fragment so far
            while i < n and _is_word(words, codes[i]):
                edge = trie_start(&solid.trie, codes[i])
                k = i + 1
                while edge != NULL:
                    if edge.logp <= 0.0 and k > reach:
                        reach = k
                    if k >= n or not _is_word(words, codes[k]):
                        break
                    edge = trie_step(&solid.trie, edge, codes[k])
                    k += 1
                end = i + 1
                if end < n and _is_word(words, codes[end]) and reach <= end and not (
                        char_class(table, codes[i]) & char_class(table, codes[end]) & CLASS_RUN):
                    _count(counter, &codes[start], end - start)
                    start = end
                i = end
                if reach < i + 1:
                    reach = i + 1
            _count(counter, &codes[start], i - start)
    return invalid


def count_tokens(CompiledLexicon lexicon not None, text not None, const uint8_t[::1] classes not None,
                 const uint8_t[::1] word_table not None, KeyCounter counter not None,
                 bint fold_numbers=False):
    """Segment `text` (str or UTF-8 bytes) with `lexicon` and count the tokens
    that start with a word character.  Returns the invalid UTF-8 bytes replaced."""
    cdef Py_ssize_t n, i = 0, j, invalid = 0
    cdef Work work = load_text(text, &classes[0], fold_numbers, 0, &n, &invalid)
    cdef const uint8_t *words = &word_table[0]
    with nogil:
        best_path(&lexicon.trie, lexicon.whole_runs, &work.s, n, &classes[0])
        while i < n:
            j = work.s.next_cut[i]
            if _is_word(words, work.s.codes[i]):
                _count(counter, &work.s.codes[i], j - i)
            i = j
    return invalid


def count_tagged(TagModel model not None, text not None, const uint8_t[::1] classes not None,
                 const uint8_t[::1] word_table not None, KeyCounter counter not None,
                 bint fold_numbers=False):
    """Segment `text` (str or UTF-8 bytes) with the tagger `model` and count
    the tokens that start with a word character.  Returns the invalid UTF-8
    bytes replaced."""
    cdef Py_ssize_t n, i = 0, j, invalid = 0
    check_tables(classes, word_table)
    cdef Work work = load_text(text, &classes[0], fold_numbers, 0, &n, &invalid)
    cdef const uint8_t *words = &word_table[0]
    cdef int32_t *token_end = <int32_t *> malloc((n + 1) * sizeof(int32_t))
    cdef Sequence q
    if token_end == NULL:
        raise MemoryError()
    sequence_init(&q)
    try:
        with nogil:
            tag_text(model, work, n, &classes[0], words, &q, token_end)
            while i < n:
                j = token_end[i]
                if _is_word(words, work.s.codes[i]):
                    _count(counter, &work.s.codes[i], j - i)
                i = j
    finally:
        sequence_release(&q)
        free(token_end)
    return invalid


# ---------------------------------------------------------------- cohesion

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
    cdef const uint64_t *part_rows[10]
    cdef const int64_t *part_offsets[10]
    cdef const uint64_t[:, ::1] view
    cdef const int64_t[::1] off
    if not 2 <= n <= 9:
        raise ValueError("cohesion is defined for orders 2 to 9")
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
