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

from libc.stdint cimport int32_t, int64_t


cdef extern from *:
    """
    #include <math.h>
    /* One AdaGrad step on the pair (v, c); restrict lets the compiler vectorise. */
    static double nz_glove_update(float *restrict v, float *restrict gv, float *restrict c,
                                  float *restrict gc, int dim, float target, float lam, float eta) {
        float dot = 0.0f;
        for (int k = 0; k < dim; k++) dot += v[k] * c[k];
        float d = dot - target;
        if (!isfinite(d)) return 0.0;
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
    double nz_glove_update(float *v, float *gv, float *c, float *gc, int dim, float target,
                           float lam, float eta) noexcept nogil
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
                                dim, targets[p], weights[p], eta)
                loss += nz_glove_update(&vectors[j, 0], &vector_grads[j, 0], &contexts[i, 0], &context_grads[i, 0],
                                dim, targets[p], weights[p], eta)
            else:
                loss += nz_glove_update(&vectors[i, 0], &vector_grads[i, 0], &vectors[j, 0], &vector_grads[j, 0],
                                dim, targets[p], weights[p], eta)
    return loss
