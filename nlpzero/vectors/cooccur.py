"""Token streams, vocabularies and window co-occurrence counts.

Chinese text is tokenized on the fly with a :class:`~nlpzero.Tokenizer`;
pre-tokenized text (English, or the output of ``nlpzero tokenize``) is split on
whitespace.  The corpus is streamed on every pass, never held in memory.
"""

from __future__ import annotations

import collections
import itertools
from dataclasses import dataclass
from typing import Iterator

import numpy as np
import scipy.sparse

from .._ext.cooccur import HARMONIC, LINEAR, UNIFORM, PairCounter
from ..corpus import as_corpus
from ..tokenizer import Tokenizer

LINE_END, DROPPED = -1, -2          # ids the co-occurrence kernel treats specially
_BATCH_TOKENS = 1 << 20


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
    counter = collections.Counter()
    for tokens in lines:
        counter.update(tokens)
    ranked = sorted(((w, c) for w, c in counter.items() if c >= min_count), key=lambda wc: (-wc[1], wc[0]))
    if max_vocab:
        ranked = ranked[:max_vocab]
    return Vocabulary([w for w, _ in ranked], np.array([c for _, c in ranked], dtype=np.int64))


WEIGHTINGS = {"uniform": UNIFORM, "harmonic": HARMONIC, "linear": LINEAR}


def keep_probabilities(counts: np.ndarray, sample: float) -> np.ndarray:
    """word2vec's subsampling: a word of frequency f is kept with probability
    min(1, (sqrt(f / sample) + 1) * sample / f); `sample` 0 keeps everything."""
    if sample <= 0 or len(counts) == 0:
        return np.ones(len(counts))
    frequency = counts / counts.sum()
    return np.minimum(1.0, (np.sqrt(frequency / sample) + 1) * sample / frequency)


def cooccurrence(lines, vocabulary: Vocabulary, window: int = 10, weighting: str = "uniform", sample: float = 0.0,
                 seed: int = 1) -> tuple[scipy.sparse.coo_matrix, np.ndarray]:
    """Symmetric window co-occurrence counts as an upper-triangular COO matrix
    (each unordered pair once, self-pairs excluded), and the word counts of the
    stream that was windowed.  Out-of-vocabulary tokens keep their positions
    but pair with nothing; windows do not cross lines.  A co-occurrence at
    distance d adds 1 ("uniform"), 1/d ("harmonic") or (window + 1 - d)/window
    ("linear", word2vec's randomly shrunk window in expectation).

    `sample` > 0 first drops frequent words' occurrences at random, as word2vec
    does (:func:`keep_probabilities`; the seed makes it reproducible): windows
    then reach past them, and their pairs weigh less.  The counts returned are
    of the kept occurrences."""
    if weighting not in WEIGHTINGS:
        raise ValueError(f"unknown weighting {weighting!r} (expected one of {', '.join(WEIGHTINGS)})")
    counter = PairCounter()
    index = vocabulary.index
    keep = keep_probabilities(vocabulary.counts, sample)
    rng = np.random.default_rng(seed)
    kept_counts = np.zeros(len(vocabulary), dtype=np.int64)

    def add(batch):
        ids = np.array(batch, dtype=np.int32)
        if sample > 0:
            ids = ids[(ids < 0) | (rng.random(len(ids)) < keep[np.maximum(ids, 0)])]
        kept_counts[:] += np.bincount(ids[ids >= 0], minlength=len(vocabulary))
        counter.add(ids, window, WEIGHTINGS[weighting])

    batch: list[int] = []
    word_id = index.get
    for tokens in lines:
        batch.extend(map(word_id, tokens, itertools.repeat(DROPPED, len(tokens))))
        batch.append(LINE_END)
        if len(batch) >= _BATCH_TOKENS:
            add(batch)
            batch = []
    if batch:
        add(batch)
    rows, cols, weights = counter.arrays()
    n = len(vocabulary)
    return scipy.sparse.coo_matrix((weights, (rows, cols)), shape=(n, n)), kept_counts
