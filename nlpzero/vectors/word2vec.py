"""Word2Vec by gensim, fed nlpzero's tokens: the tokenized corpus is written
once to a temporary file and trained in gensim's ``corpus_file`` mode, which
scales across cores."""

from __future__ import annotations

import os
import tempfile
from typing import Callable

import numpy as np

from .cooccur import Vocabulary


def train_word2vec(lines, vocabulary: Vocabulary, dim: int = 100, window: int = 5, epochs: int = 5,
                   sample: float = 1e-3, sg: bool = True, hs: bool = False, negative: int = 5, jobs: int = 1,
                   seed: int = 1, temp_dir: str | None = None,
                   on_epoch: Callable[[], None] | None = None) -> np.ndarray:
    """Word2Vec (gensim) vectors for the words of `vocabulary`, in its order,
    from token lines: the same call shape as :func:`~nlpzero.vectors.train_glove`.

    Parameters
    ----------
    lines
        Token lists, one per line; tokens outside the vocabulary are skipped.
    vocabulary
        From :func:`~nlpzero.vectors.build_vocabulary` (given to gensim as its own).
    dim, window, epochs, sample, sg, hs, negative
        gensim's ``vector_size``, ``window``, ``epochs``, ``sample``, ``sg``,
        ``hs``, ``negative``.
    jobs
        gensim's ``workers``.
    seed
        gensim's ``seed``.
    temp_dir
        Where the tokenized corpus is written for gensim's ``corpus_file`` mode.
    on_epoch
        Called after every epoch.
    """
    from gensim.models import Word2Vec
    from gensim.models.callbacks import CallbackAny2Vec

    class _Epochs(CallbackAny2Vec):
        def on_epoch_end(self, model):
            if on_epoch is not None:
                on_epoch()

    fd, path = tempfile.mkstemp(prefix="nlpzero-w2v-", suffix=".txt", dir=temp_dir)
    try:
        total = 0
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            for tokens in lines:
                total += len(tokens)
                out.write(" ".join(tokens) + "\n")
        model = Word2Vec(vector_size=dim, window=window, epochs=epochs, min_count=1, sample=sample, sg=int(sg),
                         hs=int(hs), negative=0 if hs else negative, workers=max(jobs, 1), seed=seed)
        model.build_vocab_from_freq(dict(zip(vocabulary.words, vocabulary.counts.tolist())))
        model.train(corpus_file=path, total_words=total, epochs=epochs, callbacks=[_Epochs()])
    finally:
        os.unlink(path)
    kv = model.wv
    return np.ascontiguousarray(kv.vectors[[kv.key_to_index[w] for w in vocabulary.words]], dtype=np.float32)
