"""Word2Vec by gensim, fed nlpzero's tokens: the tokenized corpus is written
once to a temporary file and trained in gensim's ``corpus_file`` mode, which
scales across cores."""

from __future__ import annotations

import collections
import os
import tempfile
from typing import Callable

import numpy as np

from .cooccur import Vocabulary, vocabulary_from_counts


def train_word2vec(lines, dim: int = 100, window: int = 5, epochs: int = 5, min_count: int = 5,
                   max_vocab: int | None = None, sample: float = 1e-3, sg: bool = True, hs: bool = False,
                   negative: int = 5, jobs: int = 1, seed: int = 1, temp_dir: str | None = None,
                   on_epoch: Callable[[], None] | None = None) -> tuple[Vocabulary, np.ndarray]:
    """(vocabulary, vectors) from token lines, as :func:`~nlpzero.vectors.train_glove`
    with :func:`~nlpzero.vectors.build_vocabulary`; tokens without a word
    character are left out.  `on_epoch()` is called after every epoch."""
    from gensim.models import Word2Vec
    from gensim.models.callbacks import CallbackAny2Vec

    class _Epochs(CallbackAny2Vec):
        def on_epoch_end(self, model):
            if on_epoch is not None:
                on_epoch()

    fd, path = tempfile.mkstemp(prefix="nlpzero-w2v-", suffix=".txt", dir=temp_dir)
    try:
        counter = collections.Counter()
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            for tokens in lines:
                counter.update(tokens)
                out.write(" ".join(tokens) + "\n")
        # the vocabulary rule of the GloVe path (punctuation left out), given to gensim as its own
        vocabulary = vocabulary_from_counts(counter, min_count=min_count, max_vocab=max_vocab)
        if len(vocabulary) < 2:
            return vocabulary, np.zeros((len(vocabulary), dim), dtype=np.float32)
        model = Word2Vec(vector_size=dim, window=window, epochs=epochs, min_count=1, sample=sample, sg=int(sg),
                         hs=int(hs), negative=0 if hs else negative, workers=max(jobs, 1), seed=seed)
        model.build_vocab_from_freq(dict(zip(vocabulary.words, vocabulary.counts.tolist())))
        model.train(corpus_file=path, total_words=sum(counter.values()), epochs=epochs, callbacks=[_Epochs()])
    finally:
        os.unlink(path)
    kv = model.wv
    counts = np.array([kv.get_vecattr(w, "count") for w in kv.index_to_key], dtype=np.int64)
    return Vocabulary(list(kv.index_to_key), counts), np.asarray(kv.vectors, dtype=np.float32)

