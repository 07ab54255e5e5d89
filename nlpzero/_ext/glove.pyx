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


cdef struct Model:
    float *vectors               # [n, dim]
    float *vector_grads          # AdaGrad accumulators of vectors
    float *contexts              # the context vectors (== vectors when shared)
    float *context_grads
    int dim
    float eta
    bint separate


cdef struct Pairs:
    const int32_t *rows          # the stored pairs, sorted by row, row < col
    const int32_t *cols
    const float *targets         # their PMI
    const float *weights         # their loss weights
    const int64_t *indptr        # CSR row starts over the pairs
    Py_ssize_t n_pairs


cdef struct Noise:
    const int32_t *table         # word ids in proportion to their smoothed counts
    Py_ssize_t size
    const float *log_counts      # ln of the smoothed word counts
    double log_base              # 2 ln Σc - ln Σx: with them, the PMI of one co-occurrence
    double weight                # loss weight of an unobserved pair


cdef inline double _update(const Model *m, int32_t i, int32_t j, float target, float lam, int hinge) noexcept nogil:
    return nz_glove_update(m.vectors + <Py_ssize_t> i * m.dim, m.vector_grads + <Py_ssize_t> i * m.dim,
                           m.contexts + <Py_ssize_t> j * m.dim, m.context_grads + <Py_ssize_t> j * m.dim,
                           m.dim, target, lam, m.eta, hinge)


cdef inline bint _observed(const Pairs *p, int32_t a, int32_t b) noexcept nogil:
    """Whether the pair (a, b), a < b, is stored: binary search in row a's sorted columns."""
    cdef int64_t lo = p.indptr[a], hi = p.indptr[a + 1], mid
    while lo < hi:
        mid = (lo + hi) // 2
        if p.cols[mid] < b:
            lo = mid + 1
        elif p.cols[mid] > b:
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


cdef class Trainer:
    """The arrays of one training run, gathered once into C structs.  Several
    threads may call the training methods at once (Hogwild: no locks), so
    results are exactly reproducible with one thread only.

    Parameters: the vectors and their accumulators (float32 [n, dim]; contexts
    may be the vectors themselves), the stored pairs (rows, cols int32 sorted
    by row with row < col, targets and weights float32, CSR indptr int64 [n+1]),
    the noise table (int32 word ids), the smoothed log counts (float32 [n]),
    log_base, the unobserved pairs' weight, AdaGrad's eta, and whether word
    and context vectors are separate."""
    cdef Model model
    cdef Pairs pairs
    cdef Noise noise
    cdef object keep             # the arrays the structs point into

    def __cinit__(self, float[:, ::1] vectors not None, float[:, ::1] vector_grads not None,
                  float[:, ::1] contexts not None, float[:, ::1] context_grads not None,
                  const int32_t[::1] rows not None, const int32_t[::1] cols not None,
                  const float[::1] targets not None, const float[::1] weights not None,
                  const int64_t[::1] indptr not None, const int32_t[::1] noise not None,
                  const float[::1] log_counts not None, double log_base, double unobserved_weight,
                  double eta, bint separate):
        cdef Py_ssize_t n = vectors.shape[0]
        if (vector_grads.shape[0] != n or contexts.shape[0] != n or context_grads.shape[0] != n
                or vector_grads.shape[1] != vectors.shape[1] or contexts.shape[1] != vectors.shape[1]
                or context_grads.shape[1] != vectors.shape[1]):
            raise ValueError("vectors, contexts and their accumulators must have the same shape")
        if cols.shape[0] != rows.shape[0] or targets.shape[0] != rows.shape[0] or weights.shape[0] != rows.shape[0]:
            raise ValueError("one row, column, target and weight per pair")
        if indptr.shape[0] != n + 1 or log_counts.shape[0] != n:
            raise ValueError("indptr needs n + 1 entries and log_counts n")
        self.keep = (vectors, vector_grads, contexts, context_grads, rows, cols, targets, weights, indptr, noise,
                     log_counts)
        self.model.vectors = &vectors[0, 0] if n else NULL
        self.model.vector_grads = &vector_grads[0, 0] if n else NULL
        self.model.contexts = &contexts[0, 0] if n else NULL
        self.model.context_grads = &context_grads[0, 0] if n else NULL
        self.model.dim = vectors.shape[1]
        self.model.eta = eta
        self.model.separate = separate
        self.pairs.n_pairs = rows.shape[0]
        self.pairs.rows = &rows[0] if rows.shape[0] else NULL
        self.pairs.cols = &cols[0] if rows.shape[0] else NULL
        self.pairs.targets = &targets[0] if rows.shape[0] else NULL
        self.pairs.weights = &weights[0] if rows.shape[0] else NULL
        self.pairs.indptr = &indptr[0]
        self.noise.table = &noise[0] if noise.shape[0] else NULL
        self.noise.size = noise.shape[0]
        self.noise.log_counts = &log_counts[0] if n else NULL
        self.noise.log_base = log_base
        self.noise.weight = unobserved_weight

    def train_slice(self, const int64_t[::1] order not None, Py_ssize_t start, Py_ssize_t stop):
        """One pass over the pairs order[start:stop]; returns the summed weighted squared error."""
        cdef Py_ssize_t t, p, ahead
        cdef int32_t i, j
        cdef double loss = 0.0
        cdef const Model *m = &self.model
        cdef const Pairs *pairs = &self.pairs
        if start < 0 or stop > order.shape[0]:
            raise ValueError("slice out of range")
        if stop <= start:
            return 0.0
        with nogil:
            for t in range(start, stop):
                if t + PREFETCH_AHEAD < stop:
                    ahead = order[t + PREFETCH_AHEAD]
                    nz_prefetch_row(m.contexts + <Py_ssize_t> pairs.cols[ahead] * m.dim, m.dim)
                    nz_prefetch_row(m.context_grads + <Py_ssize_t> pairs.cols[ahead] * m.dim, m.dim)
                p = order[t]
                i = pairs.rows[p]
                j = pairs.cols[p]
                loss += _update(m, i, j, pairs.targets[p], pairs.weights[p], 0)
                if m.separate:
                    loss += _update(m, j, i, pairs.targets[p], pairs.weights[p], 0)
        return loss

    def train_unobserved(self, Py_ssize_t samples, uint64_t seed):
        """`samples` word pairs drawn from the noise table (as word2vec's
        negatives): those that never co-occur have a PMI below that of one
        co-occurrence, log_base - log_counts[i] - log_counts[j], so a larger
        <v_i, c_j> is pulled down to it (a squared hinge, as Swivel treats
        unobserved pairs).  Returns how many were updated."""
        cdef Py_ssize_t t, updated = 0
        cdef int slot
        cdef int32_t i, j
        cdef int32_t ahead_i[PREFETCH_AHEAD]
        cdef int32_t ahead_j[PREFETCH_AHEAD]
        cdef float bound
        cdef uint64_t state = seed * 0x9E3779B97F4A7C15ULL + 1
        cdef const Model *m = &self.model
        cdef const Noise *noise = &self.noise
        cdef Py_ssize_t size = noise.size
        cdef int dim = m.dim
        if size == 0:
            return 0
        with nogil:
            # pairs are drawn PREFETCH_AHEAD steps before their use and their rows
            # requested then: each step is otherwise a chain of cache misses
            for slot in range(PREFETCH_AHEAD):
                ahead_i[slot] = noise.table[_next_random(&state) % size]
                ahead_j[slot] = noise.table[_next_random(&state) % size]
            for t in range(samples):
                slot = t % PREFETCH_AHEAD
                i = ahead_i[slot]
                j = ahead_j[slot]
                ahead_i[slot] = noise.table[_next_random(&state) % size]
                ahead_j[slot] = noise.table[_next_random(&state) % size]
                nz_prefetch_row(m.vectors + <Py_ssize_t> ahead_i[slot] * dim, dim)
                nz_prefetch_row(m.contexts + <Py_ssize_t> ahead_j[slot] * dim, dim)
                if i == j:
                    continue
                bound = <float> (noise.log_base - noise.log_counts[i] - noise.log_counts[j])
                # most draws are below the bound already: skip them before the search
                if nz_dot(m.vectors + <Py_ssize_t> i * dim, m.contexts + <Py_ssize_t> j * dim, dim) <= bound and (
                        not m.separate or
                        nz_dot(m.vectors + <Py_ssize_t> j * dim, m.contexts + <Py_ssize_t> i * dim, dim) <= bound):
                    continue
                if _observed(&self.pairs, i if i < j else j, j if i < j else i):
                    continue
                updated += _update(m, i, j, bound, <float> noise.weight, 1) > 0
                if m.separate:
                    updated += _update(m, j, i, bound, <float> noise.weight, 1) > 0
        return updated
