# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Discovery's self-trained character tagger: an averaged structured
perceptron over B/M/E/S tags (Collins 2002), trained on the segmentation a
lexicon gives the corpus and then used to segment the corpus again.

The tagged units are the tokenizer's fallback units (a character with its
combining marks, a run of letters/digits, of whitespace or of one repeated
mark), so no run the tokenizer keeps whole is ever cut.  A sequence is the
units between two whitespace units; units that are not word characters are
always single tokens (tag S).  Features of unit i are its own unit, its
neighbours and the two adjacent pairs (five templates), hashed into
2**bits rows of four weights -- one per tag -- plus a 4x4 tag-transition
table."""

from libc.stdint cimport uint8_t, uint32_t, uint64_t, int32_t, int64_t
from libc.stdlib cimport calloc, malloc, free

from nlpzero._ext.keys cimport mix64
from nlpzero._ext.text cimport CLASS_SPACE, CLASS_TABLE_SIZE, CODE_POINTS, char_class
from nlpzero._ext.trie cimport CompiledLexicon
from nlpzero._ext.unigram cimport NZ_PREFETCH, Work, best_path, fill_units, load_text

import numpy as np

cdef enum:
    ONLY_S = 8               # the allowed-tags mask of a unit that is not a word character
    ANY_TAG = 15
    EDGE = 0x110001          # the hash of what lies beyond a sequence (no code point)
    PREFETCH_AHEAD = 8       # units: the pair features' rows are cache misses, started this far ahead

cdef float NEG = -1e30

DEFAULT_BITS = 21            # 2**21 rows: collisions rare up to a few hundred million characters
MAX_BITS = 26
MIN_BITS = 8
# bytes per row while training: the weights (float32) and their sums (float64),
# and at the end the frozen model (float32) made from them.  The tagger's size is
# fixed, not taken from --max-memory: the lexicon must not depend on the budget.
TRAINING_BYTES_PER_ROW = N_TAGS * (4 + 8 + 4)


cdef int check_tables(const uint8_t[::1] classes, const uint8_t[::1] word_table) except -1:
    """The kernels index the class table by code point up to CLASS_TABLE_SIZE
    and the word table up to CODE_POINTS."""
    if classes.shape[0] < CLASS_TABLE_SIZE or word_table.shape[0] < CODE_POINTS:
        raise ValueError("the character class and word tables are too short")
    return 0


cdef Py_ssize_t rows_of(int bits) except -1:
    if not MIN_BITS <= bits <= MAX_BITS:
        raise ValueError(f"bits must be between {MIN_BITS} and {MAX_BITS}")
    return (<Py_ssize_t> 1) << bits


cdef inline uint64_t unit_hash(const uint32_t *codes, Py_ssize_t start, Py_ssize_t end) noexcept nogil:
    """A single code point stands for itself; a longer unit is a mix of its code points."""
    cdef uint64_t h
    cdef Py_ssize_t k
    if end - start == 1:
        return codes[start]
    h = 0x9E3779B97F4A7C15ULL
    for k in range(start, end):
        h = mix64(h ^ codes[k])
    return h | (1ULL << 63)


cdef inline uint64_t feature_row(int template, uint64_t a, uint64_t b, int bits) noexcept nogil:
    """Row of the weight table for a template over the hashes of one or two units."""
    return mix64(mix64(a * 0xD6E8FEB86659FD93ULL + <uint64_t> template) ^ b) >> (64 - bits)


cdef void sequence_init(Sequence *q) noexcept nogil:
    q.n = 0
    q.capacity = 0
    q.hashes = NULL
    q.rows = NULL
    q.allowed = NULL
    q.gold = NULL
    q.pred = NULL
    q.start = NULL
    q.score = NULL
    q.back = NULL


cdef void sequence_release(Sequence *q) noexcept nogil:
    free(q.hashes)
    free(q.rows)
    free(q.allowed)
    free(q.gold)
    free(q.pred)
    free(q.start)
    free(q.score)
    free(q.back)
    sequence_init(q)


cdef int sequence_reserve(Sequence *q, Py_ssize_t n) except -1 nogil:
    """Room for n units."""
    if n <= q.capacity:
        return 0
    n = max(n, 2 * q.capacity, 64)
    sequence_release(q)
    q.hashes = <uint64_t *> malloc((n + 2) * sizeof(uint64_t))
    q.rows = <uint64_t *> malloc(n * N_TEMPLATES * sizeof(uint64_t))
    q.allowed = <uint8_t *> malloc(n)
    q.gold = <uint8_t *> malloc(n)
    q.pred = <uint8_t *> malloc(n)
    q.start = <int32_t *> malloc((n + 1) * sizeof(int32_t))
    q.score = <float *> malloc(n * N_TAGS * sizeof(float))
    q.back = <uint8_t *> malloc(n * N_TAGS)
    q.capacity = n
    if not (q.hashes and q.rows and q.allowed and q.gold and q.pred and q.start and q.score and q.back):
        sequence_release(q)
        with gil:
            raise MemoryError()
    return 0


cdef Py_ssize_t next_sequence(const uint32_t *codes, Py_ssize_t n, const int32_t *unit_end,
                              const uint8_t *classes, const uint8_t *words, Py_ssize_t i,
                              Sequence *q, int bits) noexcept nogil:
    """Load the units from i (whitespace skipped) up to the next whitespace
    unit into q -- which has room for n - i units -- with their features;
    returns where the next sequence starts."""
    cdef Py_ssize_t m = 0, j, u
    cdef uint64_t *h = q.hashes
    cdef uint64_t *r
    while i < n and char_class(classes, codes[i]) & CLASS_SPACE:
        i = unit_end[i]
    while i < n and not char_class(classes, codes[i]) & CLASS_SPACE:
        j = unit_end[i]
        q.start[m] = <int32_t> i
        h[m + 1] = unit_hash(codes, i, j)
        q.allowed[m] = ANY_TAG if codes[i] < CODE_POINTS and words[codes[i]] else ONLY_S
        m += 1
        i = j
    q.start[m] = <int32_t> i
    q.n = m
    h[0] = EDGE
    h[m + 1] = EDGE
    for u in range(m):
        r = &q.rows[u * N_TEMPLATES]
        r[0] = feature_row(0, h[u], 0, bits)
        r[1] = feature_row(1, h[u + 1], 0, bits)
        r[2] = feature_row(2, h[u + 2], 0, bits)
        r[3] = feature_row(3, h[u], h[u + 1], bits)
        r[4] = feature_row(4, h[u + 1], h[u + 2], bits)
    return i


cdef inline void extend(const float *previous, const float *transitions, int first, int tag,
                        float *score, uint8_t *back) noexcept nogil:
    """The best way into `tag` from its two possible previous tags, `first`
    and `first` + 1 (B and M continue a word; E and S end one), the earlier
    on a tie; score NEG when neither is reachable."""
    cdef float s
    cdef int p = -1
    if previous[first] > NEG:
        score[0] = previous[first] + transitions[first * N_TAGS + tag]
        p = first
    if previous[first + 1] > NEG:
        s = previous[first + 1] + transitions[(first + 1) * N_TAGS + tag]
        if p < 0 or s > score[0]:
            score[0] = s
            p = first + 1
    if p < 0:
        score[0] = NEG
    back[0] = <uint8_t> max(p, 0)


cdef void viterbi(Sequence *q, const float *weights, const float *transitions) noexcept nogil:
    """q.pred = the best tags for q's n > 0 units under the weights, within
    q.allowed, the B/M/E/S grammar, and a word starting and ending the sequence.
    Ties go to the lower tag, the earlier path."""
    cdef Py_ssize_t i, n = q.n
    cdef int t, k, best_p
    cdef float best_s
    cdef float emit[N_TAGS]
    cdef const uint64_t *r
    cdef const float *w
    cdef float *score = q.score
    cdef float *here
    cdef uint8_t *back
    for i in range(min(n, PREFETCH_AHEAD)):
        for k in range(N_TEMPLATES):
            NZ_PREFETCH(&weights[q.rows[i * N_TEMPLATES + k] * N_TAGS])
    for i in range(n):
        r = &q.rows[i * N_TEMPLATES]
        if i + PREFETCH_AHEAD < n:
            for k in range(N_TEMPLATES):
                NZ_PREFETCH(&weights[q.rows[(i + PREFETCH_AHEAD) * N_TEMPLATES + k] * N_TAGS])
        # a feature's four weights are adjacent: all tags at once, each summed in template order
        for t in range(N_TAGS):
            emit[t] = 0.0
        for k in range(N_TEMPLATES):
            w = &weights[r[k] * N_TAGS]
            for t in range(N_TAGS):
                emit[t] = emit[t] + w[t]
        here = &score[i * N_TAGS]
        back = &q.back[i * N_TAGS]
        if i == 0:
            here[TAG_B] = emit[TAG_B]
            here[TAG_M] = NEG
            here[TAG_E] = NEG
            here[TAG_S] = emit[TAG_S]
        else:
            extend(here - N_TAGS, transitions, TAG_E, TAG_B, &here[TAG_B], &back[TAG_B])
            extend(here - N_TAGS, transitions, TAG_B, TAG_M, &here[TAG_M], &back[TAG_M])
            extend(here - N_TAGS, transitions, TAG_B, TAG_E, &here[TAG_E], &back[TAG_E])
            extend(here - N_TAGS, transitions, TAG_E, TAG_S, &here[TAG_S], &back[TAG_S])
            for t in range(N_TAGS):
                if here[t] > NEG:
                    here[t] = here[t] + emit[t]
        if i == n - 1:              # a sequence ends a word
            here[TAG_B] = NEG
            here[TAG_M] = NEG
        for t in range(N_TAGS):
            if not (q.allowed[i] >> t) & 1:
                here[t] = NEG
    best_p = TAG_S
    best_s = NEG
    for t in range(N_TAGS):
        if score[(n - 1) * N_TAGS + t] > best_s:
            best_s = score[(n - 1) * N_TAGS + t]
            best_p = t
    for i in range(n - 1, -1, -1):
        q.pred[i] = <uint8_t> best_p
        if i:
            best_p = q.back[i * N_TAGS + best_p]


cdef class TagModel:
    """Frozen (averaged) weights for tagging: float32 rows of N_TAGS weights,
    2**bits of them, and the N_TAGS x N_TAGS transitions."""

    def __cinit__(self, weights, transitions, int bits):
        # __cinit__ runs once, before any use: the pointers below can never dangle
        weights = np.ascontiguousarray(weights, dtype=np.float32).reshape(-1)
        transitions = np.ascontiguousarray(transitions, dtype=np.float32).reshape(-1)
        if weights.shape[0] != rows_of(bits) * N_TAGS or transitions.shape[0] != N_TAGS * N_TAGS:
            raise ValueError("tagger weights of the wrong shape")
        cdef const float[::1] wv = weights
        cdef const float[::1] tv = transitions
        self.bits = bits
        self.weights_array = weights
        self.transitions_array = transitions
        self.weights = &wv[0]
        self.transitions = &tv[0]

    def arrays(self):
        """(weights, transitions): the float32 arrays, to send the model elsewhere."""
        return self.weights_array, self.transitions_array


cdef object _averaged(const float[::1] weights, const double[::1] sums, int64_t examples):
    """weights - sums / examples, as float32."""
    out = np.empty(weights.shape[0], dtype=np.float32)
    cdef float[::1] o = out
    cdef Py_ssize_t i
    cdef double c = <double> examples
    for i in range(weights.shape[0]):
        o[i] = <float> (weights[i] - sums[i] / c)
    return out


cdef class Tagger:
    """An averaged perceptron being trained (Collins 2002): weights, and the
    sums of each update times the clock at which it was made, from which
    `model()` takes the average over every example seen."""
    cdef readonly int bits
    cdef readonly int64_t examples       # the averaging clock: examples seen, plus one
    cdef readonly int64_t units          # units tagged while training
    cdef readonly int64_t mistakes       # of them, tagged otherwise than the teacher's segmentation
    cdef object _weights, _sums, _transitions, _transition_sums

    def __cinit__(self, int bits=DEFAULT_BITS):
        cdef Py_ssize_t rows = rows_of(bits)
        self.bits = bits
        self._weights = np.zeros(rows * N_TAGS, dtype=np.float32)
        self._sums = np.zeros(rows * N_TAGS, dtype=np.float64)
        self._transitions = np.zeros(N_TAGS * N_TAGS, dtype=np.float32)
        self._transition_sums = np.zeros(N_TAGS * N_TAGS, dtype=np.float64)
        self.examples = 1

    def model(self):
        """The averaged weights, frozen (made in place of NumPy's float64
        temporaries, so training's arrays plus the model stay within
        TRAINING_BYTES_PER_ROW per row)."""
        return TagModel(_averaged(self._weights, self._sums, self.examples),
                        _averaged(self._transitions, self._transition_sums, self.examples), self.bits)

    def train(self, CompiledLexicon teacher not None, text not None, const uint8_t[::1] classes not None,
              const uint8_t[::1] word_table not None, bint fold_numbers=False):
        """One perceptron pass over `text` (str or UTF-8 bytes): each sequence
        is tagged with the current weights and, where that differs from the
        segmentation `teacher` gives it, the weights move toward the teacher's
        tags.  Returns the invalid UTF-8 bytes replaced."""
        cdef Py_ssize_t n, i = 0, k, u, invalid = 0
        check_tables(classes, word_table)
        cdef Work work = load_text(text, &classes[0], fold_numbers, 0, &n, &invalid)
        cdef const uint8_t *words = &word_table[0]
        cdef float[::1] w = self._weights
        cdef double[::1] sums = self._sums
        cdef float[::1] tw = self._transitions
        cdef double[::1] tsums = self._transition_sums
        cdef uint8_t *ends = <uint8_t *> calloc(n + 1, 1)
        cdef Sequence q
        cdef int g, p, gp, pp
        cdef double clock
        cdef bint starts_word
        cdef uint64_t row
        if ends == NULL:
            raise MemoryError()
        sequence_init(&q)
        try:
            with nogil:
                sequence_reserve(&q, n)
                best_path(&teacher.trie, teacher.whole_runs, &work.s, n, &classes[0])
                # ends[k]: the teacher ends a token after code point k
                k = 0
                while k < n:
                    k = work.s.next_cut[k]
                    ends[k - 1] = 1
                while i < n:
                    i = next_sequence(work.s.codes, n, work.s.unit_end, &classes[0], words, i, &q, self.bits)
                    if q.n == 0:
                        continue
                    for u in range(q.n):
                        starts_word = u == 0 or q.gold[u - 1] == TAG_E or q.gold[u - 1] == TAG_S
                        if q.allowed[u] == ONLY_S:
                            q.gold[u] = TAG_S
                        elif ends[q.start[u + 1] - 1] or u == q.n - 1 or q.allowed[u + 1] == ONLY_S:
                            q.gold[u] = TAG_S if starts_word else TAG_E
                        else:
                            q.gold[u] = TAG_B if starts_word else TAG_M
                    viterbi(&q, &w[0], &tw[0])
                    clock = <double> self.examples
                    self.units += q.n
                    for u in range(q.n):
                        g = q.gold[u]
                        p = q.pred[u]
                        if g != p:
                            self.mistakes += 1
                            for k in range(N_TEMPLATES):
                                row = q.rows[u * N_TEMPLATES + k] * N_TAGS
                                w[row + g] += 1
                                w[row + p] -= 1
                                sums[row + g] += clock
                                sums[row + p] -= clock
                        if u:
                            gp = q.gold[u - 1]
                            pp = q.pred[u - 1]
                            if gp != pp or g != p:
                                tw[gp * N_TAGS + g] += 1
                                tw[pp * N_TAGS + p] -= 1
                                tsums[gp * N_TAGS + g] += clock
                                tsums[pp * N_TAGS + p] -= clock
                    self.examples += 1
        finally:
            sequence_release(&q)
            free(ends)
        return invalid


cdef int tag_text(TagModel model, Work work, Py_ssize_t n, const uint8_t *classes,
                  const uint8_t *words, Sequence *q, int32_t *token_end) except -1 nogil:
    """token_end[i] = end of the token the tagger starts at code point i (set
    at token starts only, so every token start from 0 on); whitespace runs are
    tokens of their own."""
    cdef Py_ssize_t i = 0, u, begin, s
    sequence_reserve(q, n)
    fill_units(&work.s, n, classes)
    while i < n:
        s = i
        while s < n and char_class(classes, work.s.codes[s]) & CLASS_SPACE:
            token_end[s] = work.s.unit_end[s]
            s = work.s.unit_end[s]
        i = next_sequence(work.s.codes, n, work.s.unit_end, classes, words, i, q, model.bits)
        if q.n == 0:
            continue
        viterbi(q, model.weights, model.transitions)
        begin = q.start[0]
        for u in range(q.n):
            if q.pred[u] == TAG_E or q.pred[u] == TAG_S:
                token_end[begin] = q.start[u + 1]
                begin = q.start[u + 1]
    return 0


def tag_tokens(TagModel model not None, str text not None, const uint8_t[::1] classes not None,
               const uint8_t[::1] word_table not None):
    """The tokens of `text` as the tagger segments it (whitespace runs
    included): for tests and inspection; discovery counts them in
    discovery.count_tagged."""
    cdef Py_ssize_t n, i = 0, invalid = 0
    check_tables(classes, word_table)
    cdef Work work = load_text(text, &classes[0], False, 0, &n, &invalid)
    cdef int32_t *token_end = <int32_t *> malloc((n + 1) * sizeof(int32_t))
    cdef Sequence q
    if token_end == NULL:
        raise MemoryError()
    sequence_init(&q)
    tokens = []
    try:
        with nogil:
            tag_text(model, work, n, &classes[0], &word_table[0], &q, token_end)
        while i < n:
            tokens.append(text[i:token_end[i]])
            i = token_end[i]
    finally:
        sequence_release(&q)
        free(token_end)
    return tokens
