"""Word2Vec by gensim, fed nlpzero's tokens: the tokenized corpus is written
once to a temporary file and trained in gensim's ``corpus_file`` mode, which
scales across cores."""

from __future__ import annotations

import os
import tempfile

import numpy as np

from .cooccur import Vocabulary


def train_word2vec(lines, dim: int = 100, window: int = 5, epochs: int = 5, min_count: int = 5,
                   max_vocab: int | None = None, sample: float = 1e-3, sg: bool = True, hs: bool = False, negative: int = 5,
                   threads: int = 1, seed: int = 1, temp_dir: str | None = None) -> tuple[Vocabulary, np.ndarray]:
    """(vocabulary, vectors) from token lines."""
    from gensim.models import Word2Vec

    fd, path = tempfile.mkstemp(prefix="nlpzero-w2v-", suffix=".txt", dir=temp_dir)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            for tokens in lines:
                out.write(" ".join(tokens) + "\n")
        model = Word2Vec(corpus_file=path, vector_size=dim, window=window, epochs=epochs, min_count=min_count,
                         max_final_vocab=max_vocab, sample=sample, sg=int(sg), hs=int(hs), negative=0 if hs else negative,
                         workers=max(threads, 1), seed=seed)
    finally:
        os.unlink(path)
    kv = model.wv
    counts = np.array([kv.get_vecattr(w, "count") for w in kv.index_to_key], dtype=np.int64)
    return Vocabulary(list(kv.index_to_key), counts), np.asarray(kv.vectors, dtype=np.float32)
