"""Simpler GloVe (Su Jianlin, 2017): one vector per word, no biases, fitted so
that <v_i, v_j> = PMI(i, j) = ln(x_ij · Σc² / (Σx · c_i · c_j)), with x the
window co-occurrence counts (self-pairs excluded) and c the word counts.

Loss Σ λ_ij (<v_i, v_j> - PMI_ij)², over co-occurring pairs whose PMI is
clipped at 0 by default (`positive`: PPMI), λ = (x / x_max)^α, or min(x / x_max, 1)^α
with `truncate` (the author's default), AdaGrad (step η, accumulators from 1),
initialisation U(-0.5, 0.5)/dim;
the loop is compiled (``nlpzero/_ext/glove.pyx``) and runs on several threads.
Word pairs that never co-occur are sampled too, and their product pulled down
to at most the PMI of a single co-occurrence (a squared hinge, as Swivel does:
Shazeer et al., 2016).
"""

from __future__ import annotations

import logging
import math
from typing import TYPE_CHECKING, Callable

import numpy as np

from .._ext import glove as _glove
from ..errors import InputError
from ..fileio import physical_memory
from ..parallel import Workers
from .cooccur import pair_keys
from .keyed import unit_rows

if TYPE_CHECKING:
    import scipy.sparse

log = logging.getLogger("nlpzero")
MODELS = ("shared", "concat", "sum")


def default_dimension(vocabulary_size: int) -> int:
    """The minimum-entropy rule for the dimension: n >= 8.33 ln(vocabulary)."""
    return max(2, math.ceil(8.33 * math.log(max(vocabulary_size, 2))))


def pmi_targets(cooc: scipy.sparse.coo_matrix, counts: np.ndarray, smoothing: float = 1.0) -> np.ndarray:
    """ln x_ij - ln Σx - ln c_i - ln c_j + 2 ln Σc for each stored pair; Σx
    counts both orders of each unordered pair.  `smoothing` < 1 raises the word
    counts to that power first (context-distribution smoothing, Levy et al. 2015)."""
    x = cooc.data.astype(np.float64)
    counts = counts.astype(np.float64) ** smoothing
    return (np.log(x) - math.log(2 * x.sum()) - np.log(counts[cooc.row]) - np.log(counts[cooc.col])
            + 2 * math.log(counts.sum()))


DEFAULT_EPOCHS = 15
DEFAULT_LEARNING_RATE = 0.15


def train_glove(cooc: scipy.sparse.coo_matrix, counts: np.ndarray, dim: int | None = None,
                epochs: int = DEFAULT_EPOCHS, jobs: int = 1, x_max: float = 10.0, alpha: float = 0.75,
                truncate: bool = False, eta: float = DEFAULT_LEARNING_RATE, model: str = "shared", seed: int = 1,
                smoothing: float = 0.75, positive: bool = True, unobserved: float = 0.5,
                progress: Callable[[int, float], None] | None = None) -> np.ndarray:
    """Train simpler GloVe vectors.

    Parameters
    ----------
    cooc
        Co-occurrence counts, an upper-triangular COO matrix, and
    counts
        the word counts of the stream they were taken from (both as returned
        by :func:`~nlpzero.vectors.cooccurrence`).
    dim
        Dimension; default 8.33 ln(vocabulary), the minimum-entropy rule.
    epochs
        Passes over the pairs.
    jobs
        Threads (Hogwild: results are exactly reproducible with one only).
    x_max, alpha, truncate
        Pair weights (x / x_max)^alpha, capped at 1 with `truncate` (the
        original's default, with x_max 100).
    eta
        AdaGrad's step.
    model
        "shared" (one vector per word), or separate word and context vectors
        "concat"-enated or "sum"-med.
    seed
        Initialisation, shuffling and the unobserved pairs' draws.
    smoothing
        Raise word counts to this power in the PMI (context-distribution
        smoothing; 1 is the plain PMI).
    positive
        Fit co-occurring pairs to their positive PMI, max(PMI, 0) (Levy et
        al. 2015's PPMI): a pair seen less often than chance is fit to
        independence, not to a negative PMI that a few counts estimate badly.
    unobserved
        Random word pairs per stored pair and epoch; those that never co-occur
        are pulled down to the PMI of one co-occurrence (0: off).
    progress
        Called as progress(epoch, mean loss) after every epoch.

    Returns
    -------
    numpy.ndarray
        float32, one row per word (twice the dimension with "concat").

    The defaults are measured choices; the measurements are in docs/tuning.md.
    """
    if model not in MODELS:
        raise ValueError(f"unknown model {model!r} (expected one of {', '.join(MODELS)})")
    n = cooc.shape[0]
    if len(counts) != n:
        raise ValueError(f"{len(counts)} word counts for a {n} x {n} co-occurrence matrix")
    if cooc.nnz == 0:
        raise ValueError("no co-occurring pairs to train on")
    dim = dim or default_dimension(n)
    separate = model != "shared"
    need, memory = n * dim * 4 * (4 if separate else 2), physical_memory()   # float32 vectors, AdaGrad sums
    if need > memory:
        raise InputError(f"dimension {dim}: {n:,} words need {need / 2**30:.1f} GB of vectors, more than "
                         f"this machine's {memory / 2**30:.1f} GB")
    rng = np.random.default_rng(seed)
    vectors = ((rng.random((n, dim), dtype=np.float32) - 0.5) / dim).astype(np.float32)
    vector_grads = np.ones((n, dim), dtype=np.float32)
    if separate:
        contexts = ((rng.random((n, dim), dtype=np.float32) - 0.5) / dim).astype(np.float32)
        context_grads = np.ones((n, dim), dtype=np.float32)
    else:
        contexts, context_grads = vectors, vector_grads
    # pairs sorted by row and visited in shuffled blocks of consecutive pairs: a
    # word's vector stays in cache across its block, at little cost to the shuffle
    keys = pair_keys(cooc.row, cooc.col)
    if not np.all(keys[1:] >= keys[:-1]):          # cooccurrence() returns them sorted: no copy then
        import scipy.sparse
        by_row = np.argsort(keys)                  # 3x faster than lexsort on (row, col)
        cooc = scipy.sparse.coo_matrix((cooc.data[by_row], (cooc.row[by_row], cooc.col[by_row])), shape=cooc.shape)
        del by_row
    del keys
    rows = np.ascontiguousarray(cooc.row, dtype=np.int32)
    cols = np.ascontiguousarray(cooc.col, dtype=np.int32)
    targets = pmi_targets(cooc, np.maximum(counts, 1), smoothing)
    if positive:
        np.maximum(targets, 0.0, out=targets)
    targets = targets.astype(np.float32)
    ratio = cooc.data / x_max
    weights = (np.minimum(ratio, 1.0) if truncate else ratio) ** alpha
    weights = weights.astype(np.float32)
    n_pairs = rows.shape[0]
    # unobserved pairs: drawn from the smoothed unigram distribution, as word2vec's negatives
    smoothed = np.maximum(counts, 1).astype(np.float64) ** smoothing
    log_counts = np.log(smoothed).astype(np.float32)
    log_base = 2 * math.log(smoothed.sum()) - math.log(2 * cooc.data.sum()) if n_pairs else 0.0
    noise = _noise_table(smoothed)
    indptr = np.searchsorted(rows, np.arange(n + 1)).astype(np.int64)
    n_unobserved = int(unobserved * n_pairs)
    trainer = _glove.Trainer(vectors, vector_grads, contexts, context_grads, rows, cols, targets, weights, indptr,
                             noise, log_counts, log_base, UNOBSERVED_WEIGHT, eta, separate)
    jobs = max(jobs, 1)
    with Workers(jobs) as workers:
        for epoch in range(1, epochs + 1):
            order = _block_shuffle(n_pairs, rng)
            bounds = np.linspace(0, n_pairs, jobs + 1).astype(np.int64)
            seeds = rng.integers(1, 2 ** 63, jobs)

            def run(t):
                loss = trainer.train_slice(order, int(bounds[t]), int(bounds[t + 1]))
                if n_unobserved:
                    trainer.train_unobserved(n_unobserved // jobs, int(seeds[t]))
                return loss

            mean_loss = sum(workers.run(run, [(t,) for t in range(jobs)])) / max(n_pairs, 1)
            log.debug("glove epoch %d: loss %.5f", epoch, mean_loss)
            if progress is not None:
                progress(epoch, mean_loss)
    if model == "concat":
        return np.hstack([vectors, contexts])
    if model == "sum":
        return vectors + contexts
    return vectors


SHUFFLE_BLOCK = 64
NOISE_TABLE = 1 << 20
# an unobserved pair weighs as a pair seen x_max times: measured best of 0.18 ((1/x_max)^α), 0.5, 1 and 2
UNOBSERVED_WEIGHT = 1.0


# Output post-processing (measured in docs/tuning.md): the fitted vectors' singular values raised to this
# power before cosines are taken, and a word's characters composed into it when they share its meaning
DEFAULT_SPECTRUM = 0.75
CHARACTER_WEIGHT = 1.0
# the relatedness (see character_relatedness) at which characters get their full weight
CHARACTER_FULL_RELATEDNESS = 0.1


def reweight_spectrum(vectors: np.ndarray, power: float = DEFAULT_SPECTRUM) -> np.ndarray:
    """V = U S W^T -> U S^power W^T, rescaled to V's Frobenius norm: power < 1
    flattens the spectrum (eigenvalue weighting, Levy et al. 2015), which the
    dominant directions -- one is a frequency direction that rare words share --
    otherwise swamp in cosines.  1 returns `vectors` (inner products = the PMI
    fit).  Computed from the d x d Gram matrix: memory O(d^2) beyond the copy."""
    if power == 1 or len(vectors) == 0:
        return vectors
    x = vectors.astype(np.float64)
    eigenvalues, basis = np.linalg.eigh(x.T @ x)
    singular = np.sqrt(np.maximum(eigenvalues, 0.0))
    with np.errstate(divide="ignore"):
        scale = np.where(singular > 0, singular ** (power - 1), 0.0)
    out = x @ (basis * scale) @ basis.T
    norm = np.linalg.norm(out)
    if norm > 0:
        out *= np.linalg.norm(x) / norm
    return out.astype(np.float32)


def _character_parts(words: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(word ids, character ids, CSR offsets): for every word of two or more
    characters, those of its characters that are vocabulary words themselves."""
    index = {w: i for i, w in enumerate(words)}
    ids, parts, offsets = [], [], [0]
    for i, word in enumerate(words):
        if len(word) < 2:
            continue
        found = [index[ch] for ch in word if ch in index]
        if found:
            ids.append(i)
            parts.extend(found)
            offsets.append(len(parts))
    return np.array(ids, dtype=np.int64), np.array(parts, dtype=np.int64), np.array(offsets, dtype=np.int64)


def _character_means(unit: np.ndarray, parts: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    sums = np.add.reduceat(unit[parts], offsets[:-1], axis=0) if len(parts) else np.zeros((0, unit.shape[1]))
    return sums / np.diff(offsets)[:, None]


def _relatedness(unit: np.ndarray, ids: np.ndarray, means: np.ndarray, seed: int) -> float:
    if len(ids) < 2:
        return 0.0
    own = np.einsum("ij,ij->i", unit[ids], means).mean()
    other = np.einsum("ij,ij->i", unit[ids], means[np.random.default_rng(seed).permutation(len(ids))]).mean()
    return float(own - other)


def character_relatedness(words: list[str], vectors: np.ndarray, seed: int = 1) -> float:
    """How much a word's meaning is that of its characters, measured on the
    vectors: the mean cosine between a word and the mean of its characters'
    unit vectors, minus the same with another word's characters (a random
    pairing).  About 0 where characters are letters (English: -0.002), about
    0.15 where they are morphemes (Chinese), on 20 MB of either."""
    ids, parts, offsets = _character_parts(words)
    unit = unit_rows(vectors.astype(np.float32))
    return _relatedness(unit, ids, unit_rows(_character_means(unit, parts, offsets)), seed)


def compose_characters(words: list[str], vectors: np.ndarray, weight: float | None = None) -> np.ndarray:
    """Each word of two or more characters as its unit vector plus `weight`
    times the mean unit vector of its characters that are vocabulary words
    (character-enhanced embeddings, Chen et al. 2015, with the characters'
    own vectors), rescaled to the word's norm (a norm stays the word's
    importance).  `weight` None: CHARACTER_WEIGHT scaled by
    character_relatedness / CHARACTER_FULL_RELATEDNESS (clipped to [0, 1]),
    so a script whose characters carry no meaning of their words is left as is;
    0: `vectors` returned as they are."""
    if weight is not None and weight <= 0:
        return vectors
    ids, parts, offsets = _character_parts(words)
    if len(ids) == 0:
        return vectors
    unit = unit_rows(vectors.astype(np.float32))
    means = _character_means(unit, parts, offsets)
    if weight is None:
        related = _relatedness(unit, ids, unit_rows(means), seed=1)
        weight = CHARACTER_WEIGHT * min(1.0, max(0.0, related / CHARACTER_FULL_RELATEDNESS))
        log.info("characters: relatedness %.3f, weight %.2f", related, weight)
        if weight <= 0:
            return vectors
    norms = np.linalg.norm(vectors[ids], axis=1, keepdims=True)
    out = vectors.astype(np.float32, copy=True)
    out[ids] = unit_rows(unit[ids] + weight * means) * norms
    return out


def _noise_table(weights: np.ndarray) -> np.ndarray:
    """Word ids repeated in proportion to `weights` (word2vec's unigram table):
    a uniform pick from it is a pick by weight."""
    cumulative = np.cumsum(weights / weights.sum())
    ids = np.searchsorted(cumulative, (np.arange(NOISE_TABLE) + 0.5) / NOISE_TABLE)
    return np.minimum(ids, len(weights) - 1).astype(np.int32)



def _block_shuffle(n: int, rng: np.random.Generator) -> np.ndarray:
    """A permutation of range(n) that keeps runs of SHUFFLE_BLOCK consecutive items."""
    blocks = rng.permutation((n + SHUFFLE_BLOCK - 1) // SHUFFLE_BLOCK)
    order = (blocks[:, None] * SHUFFLE_BLOCK + np.arange(SHUFFLE_BLOCK)).ravel()
    return np.ascontiguousarray(order[order < n], dtype=np.int64)
