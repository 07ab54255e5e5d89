# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""The templates of sentences, compiled: each sentence's strong-pair DAG
(an edge i -> k when k is within `window` tokens after i and the ordered
pair of their word ids is strong) and every path through it from a node
without predecessors to one without successors, depth first, at most
`max_paths` per sentence -- the rules of nlpzero/templates.py, whose
``sentence_templates`` is the reference (tests/test_templates.py)."""

from libc.stdint cimport int32_t, int64_t
from libc.stdlib cimport malloc, realloc, free
from libc.string cimport memcpy

import numpy as np

cpdef enum:
    PLACEHOLDER = -2        # [X] in a template's items


cdef inline bint _strong(const int64_t *keys, Py_ssize_t n, int64_t key) noexcept nogil:
    """Binary search of the sorted strong-pair keys."""
    cdef Py_ssize_t lo = 0, hi = n, mid
    while lo < hi:
        mid = (lo + hi) >> 1
        if keys[mid] < key:
            lo = mid + 1
        else:
            hi = mid
    return lo < n and keys[lo] == key


cdef struct Output:
    int32_t *items
    Py_ssize_t n_items, items_capacity
    int64_t *ends
    Py_ssize_t n_ends, ends_capacity


cdef int _push_item(Output *out, int32_t item) except -1 nogil:
    cdef int32_t *grown
    if out.n_items == out.items_capacity:
        out.items_capacity = max(1024, 2 * out.items_capacity)
        grown = <int32_t *> realloc(out.items, out.items_capacity * sizeof(int32_t))
        if grown == NULL:
            with gil:
                raise MemoryError()
        out.items = grown
    out.items[out.n_items] = item
    out.n_items += 1
    return 0


cdef int _end_template(Output *out) except -1 nogil:
    cdef int64_t *grown
    if out.n_ends == out.ends_capacity:
        out.ends_capacity = max(1024, 2 * out.ends_capacity)
        grown = <int64_t *> realloc(out.ends, out.ends_capacity * sizeof(int64_t))
        if grown == NULL:
            with gil:
                raise MemoryError()
        out.ends = grown
    out.ends[out.n_ends] = out.n_items
    out.n_ends += 1
    return 0


cdef int _sentence(const int32_t *ids, Py_ssize_t n, const int64_t *keys, Py_ssize_t n_keys, int window,
                   int max_paths, int32_t *succ, int32_t *n_succ, bint *has_pred, int32_t *path,
                   int32_t *cursor, Output *out) except -1 nogil:
    cdef Py_ssize_t i, k, j, depth, a, b
    cdef int paths = 0
    for i in range(n):
        n_succ[i] = 0
        has_pred[i] = False
    for i in range(n):
        if ids[i] < 0:
            continue
        for k in range(i + 1, min(n, i + 1 + window)):
            if ids[k] >= 0 and _strong(keys, n_keys, (<int64_t> ids[i]) << 32 | ids[k]):
                succ[i * window + n_succ[i]] = <int32_t> k
                n_succ[i] += 1
                has_pred[k] = True
    for i in range(n):
        if has_pred[i] or paths >= max_paths:
            continue
        # depth-first, successors in order: cursor[d] is the next successor to try at depth d
        depth = 0
        path[0] = <int32_t> i
        cursor[0] = 0
        while depth >= 0:
            a = path[depth]
            if n_succ[a] == 0:                      # a complete path: its template
                paths += 1
                if path[0] > 0:
                    _push_item(out, PLACEHOLDER)
                for j in range(depth + 1):
                    a = path[j]
                    _push_item(out, ids[a])
                    if (j == depth and a < n - 1) or (j < depth and path[j + 1] > a + 1):
                        _push_item(out, PLACEHOLDER)
                _end_template(out)
                if paths >= max_paths:
                    return 0
                depth -= 1
                continue
            if cursor[depth] < n_succ[a]:
                b = succ[a * window + cursor[depth]]
                cursor[depth] += 1
                depth += 1
                path[depth] = <int32_t> b
                cursor[depth] = 0
            else:
                depth -= 1
    return 0


def sentence_templates(const int32_t[::1] ids not None, const int64_t[::1] strong not None, int window,
                       int max_paths):
    """The templates of the sentences in `ids` (word ids, each sentence ended
    by -1), given the sorted keys a << 32 | b of the strong ordered pairs:
    (items int32 -- word ids, PLACEHOLDER for [X] --, ends int64: where each
    template's items end)."""
    cdef Py_ssize_t n = ids.shape[0], start = 0, i, longest = 0, run = 0
    for i in range(n):
        if ids[i] == -1:
            longest = max(longest, run)
            run = 0
        else:
            run += 1
    longest = max(longest, run) + 1
    window = max(window, 1)
    cdef int32_t *succ = <int32_t *> malloc(longest * window * sizeof(int32_t))
    cdef int32_t *n_succ = <int32_t *> malloc(longest * sizeof(int32_t))
    cdef bint *has_pred = <bint *> malloc(longest * sizeof(bint))
    cdef int32_t *path = <int32_t *> malloc(longest * sizeof(int32_t))
    cdef int32_t *cursor = <int32_t *> malloc(longest * sizeof(int32_t))
    cdef Output out
    cdef int32_t[::1] item_view
    cdef int64_t[::1] end_view
    out.items = NULL
    out.ends = NULL
    out.n_items = out.items_capacity = out.n_ends = out.ends_capacity = 0
    cdef const int64_t *keys = &strong[0] if strong.shape[0] else NULL
    try:
        if not (succ and n_succ and has_pred and path and cursor):
            raise MemoryError()
        with nogil:
            for i in range(n + 1):
                if i == n or ids[i] == -1:
                    if i > start:
                        _sentence(&ids[start], i - start, keys, strong.shape[0], window, max_paths, succ,
                                  n_succ, has_pred, path, cursor, &out)
                    start = i + 1
        items = np.empty(out.n_items, dtype=np.int32)
        ends = np.empty(out.n_ends, dtype=np.int64)
        item_view = items
        end_view = ends
        if out.n_items:
            memcpy(&item_view[0], out.items, out.n_items * sizeof(int32_t))
        if out.n_ends:
            memcpy(&end_view[0], out.ends, out.n_ends * sizeof(int64_t))
        return items, ends
    finally:
        free(succ)
        free(n_succ)
        free(has_pred)
        free(path)
        free(cursor)
        free(out.items)
        free(out.ends)
