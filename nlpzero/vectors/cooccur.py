"""Token streams, vocabularies and window co-occurrence counts.

Chinese text is tokenized on the fly with a :class:`~nlpzero.Tokenizer`;
pre-tokenized text (English, or the output of ``nlpzero tokenize``) is split on
whitespace.  The corpus is streamed on every pass, never held in memory.
"""

from __future__ import annotations

import collections
import itertools
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from typing import Iterator

import numpy as np
import scipy.sparse

from .._ext.cooccur import HARMONIC, LINEAR, UNIFORM, PairCounter
from ..corpus import WordChars, as_corpus
from ..counts import default_max_memory
from ..tokenizer import Tokenizer

log = logging.getLogger(__name__)

LINE_END, DROPPED = -1, -2          # ids the co-occurrence kernel treats specially
_BATCH_TOKENS = 1 << 20
_SLOT_BYTES = 32                    # a 16-byte table slot per pair, tables at most half full


def token_lines(corpus, tokenizer: Tokenizer | None = None) -> Iterator[list[str]]:
    """The tokens of each line: whitespace-separated when `tokenizer` is None,
    else the tokenizer's tokens without whitespace."""
    corpus = as_corpus(corpus)
    for line in corpus.lines():
        if tokenizer is None:
            tokens = line.split()
        else:
            tokens = [t for t in tokenizer.tokenize(line) if not t.isspace()]
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


def pair_keys(rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """One int64 per pair that sorts in (row, col) order."""
    return (rows.astype(np.int64) << 32) | cols


def _split_keys(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return (keys >> 32).astype(np.int32), (keys & 0xFFFFFFFF).astype(np.int32)


def _sorted_pairs(rows: np.ndarray, cols: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(pair key, weight) arrays in key order."""
    keys = pair_keys(rows, cols)
    order = np.argsort(keys)
    return keys[order], weights[order]


def cooccurrence(lines, vocabulary: Vocabulary, window: int = 10, weighting: str = DEFAULT_WEIGHTING,
                 sample: float = DEFAULT_SAMPLE,
                 seed: int = 1, max_memory: int | None = None,
                 temp_dir: str | None = None) -> tuple[scipy.sparse.coo_matrix, np.ndarray]:
    """Symmetric window co-occurrence counts as an upper-triangular COO matrix
    (each unordered pair once, self-pairs excluded, in (row, col) order), and
    the word counts of the stream that was windowed.
    Out-of-vocabulary tokens keep their positions but pair with nothing;
    windows do not cross lines.  A co-occurrence at distance d adds 1
    ("uniform"), 1/d ("harmonic") or (window + 1 - d)/window ("linear",
    word2vec's randomly shrunk window in expectation).

    `sample` > 0 first drops frequent words' occurrences at random, as word2vec
    does (:func:`keep_probabilities`; the seed makes it reproducible): windows
    then reach past them, and their pairs weigh less.  The counts returned are
    of the kept occurrences.

    When the pair table would outgrow `max_memory` bytes (default: a third of
    RAM), it is written to `temp_dir` as a sorted run and emptied; the runs are
    merged range by range at the end, so only the result has to fit in memory."""
    if weighting not in WEIGHTINGS:
        raise ValueError(f"unknown weighting {weighting!r} (expected one of {', '.join(WEIGHTINGS)})")
    budget = max_memory or default_max_memory()
    # one batch adds at most window pairs per token: keep that under a quarter of the budget
    batch_tokens = int(min(_BATCH_TOKENS, max(64, budget // (4 * _SLOT_BYTES * window))))
    counter = PairCounter()
    runs = _Runs(temp_dir)
    keep = keep_probabilities(vocabulary.counts, sample)
    rng = np.random.default_rng(seed)
    kept_counts = np.zeros(len(vocabulary), dtype=np.int64)

    def add(batch):
        nonlocal counter
        ids = np.array(batch, dtype=np.int32)
        if sample > 0:
            ids = ids[(ids < 0) | (rng.random(len(ids)) < keep[np.maximum(ids, 0)])]
        kept_counts[:] += np.bincount(ids[ids >= 0], minlength=len(vocabulary))
        counter.add(ids, window, WEIGHTINGS[weighting])
        if counter.memory_bytes() > budget // 2:
            runs.spill(counter)
            counter = PairCounter()

    n = len(vocabulary)
    try:
        batch: list[int] = []
        word_id = vocabulary.index.get
        for tokens in lines:
            batch.extend(map(word_id, tokens, itertools.repeat(DROPPED, len(tokens))))
            batch.append(LINE_END)
            if len(batch) >= batch_tokens:
                add(batch)
                batch = []
        if batch:
            add(batch)
        if runs.paths:
            runs.spill(counter)
            del counter
            keys, weights = runs.merge(budget)
        else:
            rows, cols, weights = counter.arrays()
            del counter                        # free the table before sorting its contents
            keys, weights = _sorted_pairs(rows, cols, weights)
    finally:
        runs.remove()
    rows, cols = _split_keys(keys)
    del keys
    return scipy.sparse.coo_matrix((weights, (rows, cols)), shape=(n, n)), kept_counts


class _Runs:
    """Pair tables spilled to disk as runs of (row << 32 | col, weight), sorted by key."""

    def __init__(self, temp_dir: str | None):
        self.temp_dir = temp_dir
        self.directory: str | None = None
        self.paths: list[tuple[str, str]] = []

    def spill(self, counter: PairCounter) -> None:
        if len(counter) == 0:
            return
        if self.directory is None:
            self.directory = tempfile.mkdtemp(prefix="nlpzero-cooccur-", dir=self.temp_dir)
        keys, weights = _sorted_pairs(*counter.arrays())
        stem = os.path.join(self.directory, f"run-{len(self.paths)}")
        np.save(stem + "-keys.npy", keys)
        np.save(stem + "-weights.npy", weights)
        self.paths.append((stem + "-keys.npy", stem + "-weights.npy"))
        log.info("co-occurrence table spilled: run %d, %d pairs", len(self.paths), len(keys))

    def merge(self, budget: int) -> tuple[np.ndarray, np.ndarray]:
        """Sum the runs into (pair keys, weights) in key order, one key range
        at a time: each range's slices of all runs fit in the budget."""
        keys = [np.load(k, mmap_mode="r") for k, _ in self.paths]
        weights = [np.load(w, mmap_mode="r") for _, w in self.paths]
        total = sum(len(k) for k in keys)
        pieces = max(1, -(-total * 48 // budget))     # key + weight + np.unique's copies, per entry
        # range bounds at quantiles of a sample of every run (the runs are sorted)
        sample = np.sort(np.concatenate([k[::max(1, len(k) // 4096)] for k in keys]))
        bounds = np.unique(sample[np.linspace(0, len(sample) - 1, pieces + 1).astype(np.int64)[1:-1]])
        out_keys, out_weights = [], []
        low = None
        for high in [*bounds, None]:
            slices = [(0 if low is None else np.searchsorted(k, low),
                       len(k) if high is None else np.searchsorted(k, high)) for k in keys]
            part_keys = np.concatenate([k[a:b] for k, (a, b) in zip(keys, slices)])
            part_weights = np.concatenate([w[a:b] for w, (a, b) in zip(weights, slices)])
            unique, inverse = np.unique(part_keys, return_inverse=True)
            out_keys.append(unique)
            out_weights.append(np.bincount(inverse, weights=part_weights, minlength=len(unique)))
            low = high
        del keys, weights
        return np.concatenate(out_keys), np.concatenate(out_weights)

    def remove(self) -> None:
        if self.directory is not None:
            shutil.rmtree(self.directory, ignore_errors=True)
