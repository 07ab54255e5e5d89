"""Token streams, vocabularies and window co-occurrence counts.

Chinese text is tokenized on the fly with a :class:`~nlpzero.Tokenizer`;
pre-tokenized text (English, or the output of ``nlpzero tokenize``) is split on
whitespace.  The corpus is streamed on every pass, never held in memory.
"""

from __future__ import annotations

import collections
import itertools
import logging
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterator

import numpy as np

from .._ext import cooccur as _cooccur
from .._ext.cooccur import DROPPED, HARMONIC, LINE_END, LINEAR, UNIFORM
from ..corpus import WordChars, as_corpus
from ..counts import resolve_max_memory
from ..runs import Spill
from ..tokenizer import Tokenizer

if TYPE_CHECKING:
    import scipy.sparse

log = logging.getLogger(__name__)

_BATCH_TOKENS = 1 << 20
_SLOT_BYTES = 22                    # a 16-byte table slot per pair, tables at most three quarters full


def token_lines(corpus, tokenizer: Tokenizer | None = None, jobs: int = 1) -> Iterator[list[str]]:
    """The tokens of each non-empty line: whitespace-separated when `tokenizer`
    is None, else the tokenizer's tokens without whitespace (`jobs` threads)."""
    corpus = as_corpus(corpus)
    if tokenizer is None:
        for line in corpus.lines():
            tokens = line.split()
            if tokens:
                yield tokens
        return
    for tokens in tokenizer.tokenize_many(corpus.lines(), jobs=jobs):
        tokens = [t for t in tokens if not t.isspace()]
        if tokens:
            yield tokens


@dataclass
class Vocabulary:
    """Words (most frequent first) and their corpus counts."""
    words: list[str]
    counts: np.ndarray

    def __post_init__(self):
        self.index = {w: i for i, w in enumerate(self.words)}

    def __len__(self) -> int:
        return len(self.words)


def build_vocabulary(lines, min_count: int = 5, max_vocab: int | None = None) -> Vocabulary:
    """The words of token lines seen at least `min_count` times, most frequent
    first (at most `max_vocab`); tokens without a word character (punctuation,
    symbols, emoji: see :class:`~nlpzero.WordChars`) are left out."""
    counter = collections.Counter()
    for tokens in lines:
        counter.update(tokens)
    return vocabulary_from_counts(counter, min_count, max_vocab)


def vocabulary_from_counts(counter: dict, min_count: int = 5, max_vocab: int | None = None) -> Vocabulary:
    """The vocabulary rule of :func:`build_vocabulary` applied to token counts."""
    table = WordChars.default().table
    ranked = sorted(((w, c) for w, c in counter.items() if c >= min_count and any(table[ord(ch)] for ch in w)),
                    key=lambda wc: (-wc[1], wc[0]))
    if max_vocab:
        ranked = ranked[:max_vocab]
    return Vocabulary([w for w, _ in ranked], np.array([c for _, c in ranked], dtype=np.int64))


WEIGHTINGS = {"uniform": UNIFORM, "harmonic": HARMONIC, "linear": LINEAR}
DEFAULT_WEIGHTING = "linear"
DEFAULT_SAMPLE = 1e-3


def keep_probabilities(counts: np.ndarray, sample: float) -> np.ndarray:
    """word2vec's subsampling: a word of frequency f is kept with probability
    min(1, (sqrt(f / sample) + 1) * sample / f); `sample` 0 keeps everything."""
    if sample <= 0 or len(counts) == 0:
        return np.ones(len(counts))
    frequency = counts / counts.sum()
    return np.minimum(1.0, (np.sqrt(frequency / sample) + 1) * sample / frequency)


def cooccurrence(lines, vocabulary: Vocabulary, window: int = 10, weighting: str = DEFAULT_WEIGHTING,
                 sample: float = DEFAULT_SAMPLE, seed: int = 1, max_memory: int | None = None,
                 temp_dir: str | None = None) -> tuple[scipy.sparse.coo_matrix, np.ndarray]:
    """Symmetric window co-occurrence counts of token lines.

    Parameters
    ----------
    lines
        Token lists, one per line (windows do not cross lines).
    vocabulary
        The words to count; other tokens keep their positions but pair with nothing.
    window
        Pairs at distance d = 1..window co-occur.
    weighting
        A co-occurrence at distance d adds 1 ("uniform"), 1/d ("harmonic") or
        (window + 1 - d)/window ("linear", word2vec's randomly shrunk window in
        expectation).  Sums are exact: they are kept as integers of a unit
        (see ``_ext/cooccur.pyx``), whatever the order of merging.
    sample
        > 0 first drops frequent words' occurrences at random, as word2vec does
        (:func:`keep_probabilities`; the seed makes it reproducible): windows
        then reach past them, and their pairs weigh less.
    seed
        For the subsampling.
    max_memory, temp_dir
        When the pair table would outgrow `max_memory` bytes (default: a third
        of RAM) it is spilled to `temp_dir` as a sorted run (:mod:`nlpzero.runs`)
        and emptied; the runs are merged at the end.

    Returns
    -------
    (coo_matrix, counts)
        An upper-triangular COO matrix (each unordered pair once, self-pairs
        excluded) in (row, col) order, and the word counts of the kept
        occurrences.
    """
    if weighting not in WEIGHTINGS:
        raise ValueError(f"unknown weighting {weighting!r} (expected one of {', '.join(WEIGHTINGS)})")
    rows, _, kept_counts = pair_runs(lines, vocabulary, window, weighting, sample, seed, max_memory, temp_dir)
    return pairs_to_coo(rows, _cooccur.weight_scale(WEIGHTINGS[weighting], window), len(vocabulary)), kept_counts


def pair_runs(lines, vocabulary: Vocabulary, window: int, weighting: str, sample: float, seed: int,
              max_memory: int | None = None, temp_dir: str | None = None):
    """The co-occurrence table of :func:`cooccurrence` as rows in canonical
    order (pair key, weight units), its bucket offsets, and the kept word
    counts: what a cluster task writes and the client merges exactly.

    Subsampling decides each occurrence by a hash of (seed, the line's text,
    the position in the line), so any split of the corpus into blocks keeps
    the same occurrences."""
    budget = resolve_max_memory(max_memory)
    # one batch adds at most window pairs per token: keep that under a quarter of the budget
    batch_tokens = int(min(_BATCH_TOKENS, max(64, budget // (4 * _SLOT_BYTES * window))))
    code = WEIGHTINGS[weighting]
    keep = keep_probabilities(vocabulary.counts, sample)
    kept_counts = np.zeros(len(vocabulary), dtype=np.int64)
    counter = _cooccur.pair_counter()
    n = len(vocabulary)

    with Spill(temp_dir, prefix="nlpzero-cooccur-") as spill:
        def add(batch, line_keys, positions):
            ids = np.array(batch, dtype=np.int32)
            if sample > 0:
                draw = _uniform(seed, np.array(line_keys, dtype=np.uint64), np.array(positions, dtype=np.uint64))
                ids = ids[(ids < 0) | (draw < keep[np.maximum(ids, 0)])]
            kept_counts[:] += np.bincount(ids[ids >= 0], minlength=n)
            _cooccur.count_pairs(ids, window, code, False, counter)
            if counter.memory_bytes() > budget // 2:
                rows, offsets = counter.take(0)
                spill.add(0, rows, offsets, 1)
                log.info("co-occurrence table spilled: run %d, %d pairs", spill.count, len(rows))

        batch: list[int] = []
        line_keys: list[int] = []
        positions: list[int] = []
        word_id = vocabulary.index.get
        for tokens in lines:
            batch.extend(map(word_id, tokens, itertools.repeat(DROPPED, len(tokens))))
            batch.append(LINE_END)
            if sample > 0:
                line_keys.extend(itertools.repeat(zlib.crc32(" ".join(tokens).encode("utf-8", "surrogatepass")),
                                                  len(tokens) + 1))
                positions.extend(range(len(tokens) + 1))
            if len(batch) >= batch_tokens:
                add(batch, line_keys, positions)
                batch, line_keys, positions = [], [], []
        if batch:
            add(batch, line_keys, positions)
        rows, offsets = spill.merge(0, 1, [counter.take(0)])
        return np.array(rows), offsets, kept_counts


def pairs_to_coo(rows: np.ndarray, scale: int, n: int) -> "scipy.sparse.coo_matrix":
    """Rows of (pair key, weight units) as an upper-triangular COO matrix in (row, col) order."""
    import scipy.sparse        # here: it costs a seventh of a second at start-up

    keys = np.array(rows[:, 0], dtype=np.int64)
    weights = rows[:, 1].astype(np.float64) / scale
    order = np.argsort(keys)                 # canonical (bucket) order to (row, col) order
    keys, weights = keys[order], weights[order]
    del order
    return scipy.sparse.coo_matrix((weights, ((keys >> 32).astype(np.int32), (keys & 0xFFFFFFFF).astype(np.int32))),
                                   shape=(n, n))


_MIX = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB))


def _uniform(seed: int, line_keys: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """Uniform draws in [0, 1) from a splitmix64 hash of (seed, line key, position)."""
    with np.errstate(over="ignore"):
        x = line_keys * _MIX[0] + positions * _MIX[1] + np.uint64(seed & 0xFFFFFFFFFFFFFFFF) * _MIX[2]
        x ^= x >> np.uint64(30)
        x *= _MIX[1]
        x ^= x >> np.uint64(27)
        x *= _MIX[2]
        x ^= x >> np.uint64(31)
    return (x >> np.uint64(11)).astype(np.float64) / float(1 << 53)


def block_token_lines(data: bytes, tokenizer: Tokenizer | None = None) -> Iterator[list[str]]:
    """token_lines of a block of UTF-8 text (whole lines, invalid bytes replaced)."""
    lines = data.decode("utf-8", "replace").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    lines = [line[:-1] if line.endswith("\r") else line for line in lines]
    if tokenizer is None:
        for line in lines:
            tokens = line.split()
            if tokens:
                yield tokens
        return
    for tokens in tokenizer.tokenize_many(lines):
        tokens = [t for t in tokens if not t.isspace()]
        if tokens:
            yield tokens


def pair_keys(rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """One int64 per pair that sorts in (row, col) order."""
    return (rows.astype(np.int64) << 32) | cols
