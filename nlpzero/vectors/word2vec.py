"""Word2Vec and fastText by gensim, fed nlpzero's tokens: the tokenized
corpus (vocabulary words only) is written once to a temporary file and
trained in gensim's ``corpus_file`` mode, which scales across cores.

Measured on 10 MB of modern.txt (2.3 M tokens, 2 cores): writing the tokens
takes 2 s of 32, gensim's training the rest (about 290k effective words/s
for skip-gram), so word2vec's time is gensim's own."""

from __future__ import annotations

import os
import tempfile
from typing import Callable

import numpy as np

from .cooccur import Vocabulary


def train_word2vec(lines, vocabulary: Vocabulary, dim: int = 100, window: int = 5, epochs: int = 5,
                   sample: float = 1e-3, sg: bool = True, hs: bool = False, negative: int = 5, jobs: int = 1,
                   seed: int = 1, temp_dir: str | None = None, on_epoch: Callable[[], None] | None = None,
                   subwords: bool = False, min_n: int | None = None, max_n: int | None = None) -> np.ndarray:
    """Word2Vec (gensim) vectors for the words of `vocabulary`, in its order,
    from token lines: the same call shape as :func:`~nlpzero.vectors.train_glove`;
    with `subwords`, gensim's FastText (each word also the sum of its
    character n-grams).

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
    subwords, min_n, max_n
        fastText with character n-grams of min_n to max_n characters; by
        default fastText's 3 to 6 when most running words are written in an
        alphabetic script, else 1 to 4 (an ideograph is a morpheme, and
        Chinese words are 1 to 4 characters long).
    """
    from gensim.models import FastText, Word2Vec
    from gensim.models.callbacks import CallbackAny2Vec

    class _Epochs(CallbackAny2Vec):
        def on_epoch_end(self, model):
            if on_epoch is not None:
                on_epoch()

    fd, path = tempfile.mkstemp(prefix="nlpzero-w2v-", suffix=".txt", dir=temp_dir)
    try:
        total = 0
        known = vocabulary.index
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            for tokens in lines:
                tokens = [t for t in tokens if t in known]
                total += len(tokens)
                out.write(" ".join(tokens) + "\n")
        options = dict(vector_size=dim, window=window, epochs=epochs, min_count=1, sample=sample, sg=int(sg),
                       hs=int(hs), negative=0 if hs else negative, workers=max(jobs, 1), seed=seed)
        if subwords:
            default_min, default_max = (3, 6) if _alphabetic(vocabulary) else (1, 4)
            model = FastText(min_n=min_n or default_min, max_n=max_n or default_max, **options)
        else:
            model = Word2Vec(**options)
        model.build_vocab_from_freq(dict(zip(vocabulary.words, vocabulary.counts.tolist())))
        model.train(corpus_file=path, total_words=total, epochs=epochs, callbacks=[_Epochs()])
    finally:
        os.unlink(path)
    kv = model.wv
    return np.ascontiguousarray(kv.vectors[[kv.key_to_index[w] for w in vocabulary.words]], dtype=np.float32)


def _alphabetic(vocabulary: Vocabulary) -> bool:
    """Whether most running words hold letters of an alphabetic script."""
    from ..text import CLASS_DIGIT, CLASS_RUN, character_classes

    classes = character_classes()

    def letters(word):
        return any(ord(ch) < len(classes) and classes[ord(ch)] & CLASS_RUN and not classes[ord(ch)] & CLASS_DIGIT
                   for ch in word)
    counts = vocabulary.counts
    alphabetic = sum(int(c) for w, c in zip(vocabulary.words, counts) if letters(w))
    return alphabetic * 2 > int(counts.sum())
