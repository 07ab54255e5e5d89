"""Token streams, vocabularies and window co-occurrence counts.

Chinese text is tokenized on the fly with a :class:`~nlpzero.Tokenizer`;
pre-tokenized text (English, or the output of ``nlpzero tokenize``) is split on
whitespace.  The corpus is streamed on every pass, never held in memory.
"""

from __future__ import annotations

import collections
from dataclasses import dataclass
from typing import Iterator

import numpy as np
import scipy.sparse

from .._ext.cooccur import PairCounter
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


def cooccurrence(lines, vocabulary: Vocabulary, window: int = 10, harmonic: bool = False) -> scipy.sparse.coo_matrix:
    """Symmetric window co-occurrence counts as an upper-triangular COO matrix
    (each unordered pair once, self-pairs excluded).  Out-of-vocabulary tokens
    keep their positions but pair with nothing; windows do not cross lines.
    Each co-occurrence adds 1, or 1/distance with `harmonic`."""
    counter = PairCounter()
    index = vocabulary.index
    batch: list[int] = []
    for tokens in lines:
        batch.extend(index.get(t, DROPPED) for t in tokens)
        batch.append(LINE_END)
        if len(batch) >= _BATCH_TOKENS:
            counter.add(np.array(batch, dtype=np.int32), window, harmonic)
            batch = []
    if batch:
        counter.add(np.array(batch, dtype=np.int32), window, harmonic)
    rows, cols, weights = counter.arrays()
    n = len(vocabulary)
    return scipy.sparse.coo_matrix((weights, (rows, cols)), shape=(n, n))
