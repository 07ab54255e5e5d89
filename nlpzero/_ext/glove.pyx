# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Compiled training loop of "simpler GloVe": fit <v_i, v_j> to PMI(i, j).

For each co-occurring pair, with weight lam = min(x / x_max, 1) ** alpha (or no
min) and residual d = <v_i, c_j> - pmi_ij, the squared loss lam * d**2 is
descended with AdaGrad in its standard form -- G += g*g; v -= eta * g / sqrt(G)
-- from accumulators that start at 1.  With shared vectors c is v; with
separate ones each unordered pair updates (v_i, c_j) and (v_j, c_i).  Threads
run disjoint slices of the shuffled pair order without locks (Hogwild), so
results are exactly reproducible with one thread only.
"""

from libc.stdint cimport int32_t, int64_t, uint64_t


cdef extern from *:
    """
    #include <math.h>
    /* One AdaGrad step on the pair (v, c); restrict lets the compiler vectorise.
       With `hinge`, only a dot product above the target is a loss. */
    static float nz_dot(const float *restrict v, const float *restrict c, int dim) {
        /* eight partial sums: a single one is a chain of dependent additions,
           which the compiler may not reorder (nor vectorise) without -ffast-math */
        float part[8] = {0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f};
        int k = 0;
        for (; k + 8 <= dim; k += 8)
            for (int u = 0; u < 8; u++) part[u] += v[k + u] * c[k + u];
        for (; k < dim; k++) part[0] += v[k] * c[k];
        return ((part[0] + part[1]) + (part[2] + part[3])) + ((part[4] + part[5]) + (part[6] + part[7]));
    }
    static double nz_glove_update(float *restrict v, float *restrict gv, float *restrict c,
                                  float *restrict gc, int dim, float target, float lam, float eta, int hinge) {
        float d = nz_dot(v, c, dim) - target;
        if (!isfinite(d) || (hinge && d <= 0.0f)) return 0.0;
        float scale = lam * d;
        for (int k = 0; k < dim; k++) {
            float g1 = scale * c[k], g2 = scale * v[k];
            gv[k] += g1 * g1;
            gc[k] += g2 * g2;
            v[k] -= eta * g1 / sqrtf(gv[k]);
            c[k] -= eta * g2 / sqrtf(gc[k]);
        }
        return (double) lam * d * d;
    }
    /* Ask for a row's cache lines ahead of its use: the pairs visit rows at random. */
    static void nz_prefetch_row(const float *row, int dim) {
    #if defined(__GNUC__) || defined(__clang__)
        for (int k = 0; k < dim; k += 16) __builtin_prefetch(row + k, 1, 1);
    #endif
    }
    """
    float nz_dot(const float *v, const float *c, int dim) noexcept nogil
    double nz_glove_update(float *v, float *gv, float *c, float *gc, int dim, float target,
                           float lam, float eta, int hinge) noexcept nogil
    void nz_prefetch_row(const float *row, int dim) noexcept nogil


cdef enum:
    PREFETCH_AHEAD = 4   # pairs between asking for a row and using it


def train_slice(float[:, ::1] vectors, float[:, ::1] vector_grads, float[:, ::1] contexts,
                float[:, ::1] context_grads, const int32_t[::1] rows, const int32_t[::1] cols,
                const float[::1] targets, const float[::1] weights, const int64_t[::1] order,
                Py_ssize_t start, Py_ssize_t stop, double eta, bint separate):
    """One pass over order[start:stop]; returns the summed weighted squared error."""
    cdef Py_ssize_t t, p, ahead
    cdef int dim = vectors.shape[1]
    cdef int32_t i, j
    cdef double loss = 0.0
    if stop <= start:
        return 0.0
    with nogil:
        for t in range(start, stop):
            if t + PREFETCH_AHEAD < stop:
                ahead = order[t + PREFETCH_AHEAD]
                nz_prefetch_row(&contexts[cols[ahead], 0], dim)
                nz_prefetch_row(&context_grads[cols[ahead], 0], dim)
            p = order[t]
            i = rows[p]
            j = cols[p]
            if separate:
                loss += nz_glove_update(&vectors[i, 0], &vector_grads[i, 0], &contexts[j, 0], &context_grads[j, 0],
                                dim, targets[p], weights[p], eta, 0)
                loss += nz_glove_update(&vectors[j, 0], &vector_grads[j, 0], &contexts[i, 0], &context_grads[i, 0],
                                dim, targets[p], weights[p], eta, 0)
            else:
                loss += nz_glove_update(&vectors[i, 0], &vector_grads[i, 0], &vectors[j, 0], &vector_grads[j, 0],
                                dim, targets[p], weights[p], eta, 0)
    return loss


cdef inline bint _observed(const int64_t[::1] indptr, const int32_t[::1] cols, int32_t a, int32_t b) noexcept nogil:
    """Whether the pair (a, b), a < b, is stored: binary search in row a's sorted columns."""
    cdef int64_t lo = indptr[a], hi = indptr[a + 1], mid
    while lo < hi:
        mid = (lo + hi) // 2
        if cols[mid] < b:
            lo = mid + 1
        elif cols[mid] > b:
            hi = mid
        else:
            return True
    return False


cdef inline uint64_t _next_random(uint64_t *state) noexcept nogil:
    # xorshift64*: cheap, and good enough to pick noise words
    state[0] ^= state[0] >> 12
    state[0] ^= state[0] << 25
    state[0] ^= state[0] >> 27
    return state[0] * 0x2545F4914F6CDD1DULL


def train_unobserved(float[:, ::1] vectors, float[:, ::1] vector_grads, float[:, ::1] contexts,
                     float[:, ::1] context_grads, const int64_t[::1] indptr, const int32_t[::1] cols,
                     const int32_t[::1] noise, const float[::1] log_counts, double log_base, double weight,
                     Py_ssize_t samples, uint64_t seed, double eta, bint separate):
    """`samples` word pairs drawn from the `noise` table (word ids repeated in
    proportion to their smoothed counts, as word2vec's negatives): those that
    never co-occur (not in the CSR `indptr`/`cols` of the stored pairs, row <
    col) have a PMI below that of one co-occurrence, log_base - log_counts[i] -
    log_counts[j], so a larger <v_i, c_j> is pulled down to it (a squared
    hinge, as Swivel treats unobserved pairs).  Returns how many were updated."""
    cdef Py_ssize_t t, updated = 0, table = noise.shape[0]
    cdef int dim = vectors.shape[1], slot
    cdef int32_t i, j
    cdef int32_t ahead_i[PREFETCH_AHEAD]
    cdef int32_t ahead_j[PREFETCH_AHEAD]
    cdef float bound
    cdef uint64_t state = seed * 0x9E3779B97F4A7C15ULL + 1
    if table == 0:
        return 0
    with nogil:
        # pairs are drawn PREFETCH_AHEAD steps before their use and their rows
        # requested then: each step is otherwise a chain of cache misses
        for slot in range(PREFETCH_AHEAD):
            ahead_i[slot] = noise[_next_random(&state) % table]
            ahead_j[slot] = noise[_next_random(&state) % table]
        for t in range(samples):
            slot = t % PREFETCH_AHEAD
            i = ahead_i[slot]
            j = ahead_j[slot]
            ahead_i[slot] = noise[_next_random(&state) % table]
            ahead_j[slot] = noise[_next_random(&state) % table]
            nz_prefetch_row(&vectors[ahead_i[slot], 0], dim)
            nz_prefetch_row(&contexts[ahead_j[slot], 0], dim)
            if i == j:
                continue
            bound = <float> (log_base - log_counts[i] - log_counts[j])
            # most draws are below the bound already: skip them before the search
            if nz_dot(&vectors[i, 0], &contexts[j, 0], dim) <= bound and (
                    not separate or nz_dot(&vectors[j, 0], &contexts[i, 0], dim) <= bound):
                continue
            if _observed(indptr, cols, i if i < j else j, j if i < j else i):
                continue
            if separate:
                updated += nz_glove_update(&vectors[i, 0], &vector_grads[i, 0], &contexts[j, 0],
                                           &context_grads[j, 0], dim, bound, weight, eta, 1) > 0
                updated += nz_glove_update(&vectors[j, 0], &vector_grads[j, 0], &contexts[i, 0],
                                           &context_grads[i, 0], dim, bound, weight, eta, 1) > 0
            else:
                updated += nz_glove_update(&vectors[i, 0], &vector_grads[i, 0], &vectors[j, 0],
                                           &vector_grads[j, 0], dim, bound, weight, eta, 1) > 0
    return updated
