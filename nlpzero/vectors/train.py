"""Word vectors from a corpus in one call: what ``nlpzero vectors`` does.

:func:`train_vectors` tokenizes the corpus (or splits pre-tokenized text on
whitespace), builds the vocabulary (tokens without a word character --
punctuation, symbols -- are left out), then trains simpler GloVe on the
window co-occurrences or gensim's Word2Vec.  Its defaults are the CLI's.
"""

from __future__ import annotations

import logging

from ..cluster import scheduler_from
from ..corpus import as_corpus
from ..errors import InputError
from ..parallel import resolve_jobs
from ..progress import as_progress
from ..tokenizer import Tokenizer
from .cooccur import DEFAULT_SAMPLE, DEFAULT_WEIGHTING, build_vocabulary, cooccurrence, token_lines
from .glove import (DEFAULT_EPOCHS as GLOVE_EPOCHS, DEFAULT_LEARNING_RATE, DEFAULT_SPECTRUM, compose_characters,
                    reweight_spectrum, train_glove)
from .keyed import WordVectors
from .word2vec import train_word2vec

log = logging.getLogger("nlpzero")

METHODS = ("glove", "word2vec", "fasttext")
DEFAULT_WINDOW = {"glove": 10, "word2vec": 5, "fasttext": 5}
DEFAULT_EPOCHS = {"glove": GLOVE_EPOCHS, "word2vec": 5, "fasttext": 5}
WORD2VEC_DIM = 100
DEFAULT_MIN_COUNT = 5


def train_vectors(corpus, lexicon=None, *, method: str = "glove", dim: int | None = None,
                  window: int | None = None, epochs: int | None = None, min_count: int = DEFAULT_MIN_COUNT,
                  max_vocab: int | None = None, sample: float = DEFAULT_SAMPLE,
                  weighting: str = DEFAULT_WEIGHTING, truncate: bool = False, model: str = "shared",
                  context_smoothing: float = 0.75, positive_pmi: bool = True, x_max: float = 10.0,
                  unobserved: float = 0.5,
                  learning_rate: float = DEFAULT_LEARNING_RATE, spectrum: float = DEFAULT_SPECTRUM,
                  characters: float | None = None, max_memory: int | None = None,
                  temp_dir: str | None = None, jobs: int | None = None, seed: int = 1,
                  progress=None, scheduler: str | None = None, client=None, work_dir: str | None = None,
                  **corpus_options) -> WordVectors:
    """Train word vectors on a corpus.

    Parameters
    ----------
    corpus
        Paths, a directory, globs or a :class:`~nlpzero.Corpus`; read twice
        (vocabulary, then co-occurrences), so not stdin.
    lexicon
        A :class:`~nlpzero.Tokenizer`, a Lexicon or a lexicon/model path to
        tokenize with; None when the corpus is already tokenized (split on
        whitespace).
    method
        "glove" (simpler GloVe: <v_i, v_j> fits the positive PMI), "word2vec" (gensim's
        skip-gram) or "fasttext" (gensim's skip-gram over words and their
        character n-grams of 1 to 4 characters).
    dim
        Dimension; default 8.33 ln(vocabulary) for glove (the minimum-entropy
        rule), 100 for word2vec and fasttext.
    window
        Context window; default 10 for glove, 5 for word2vec and fasttext.
    epochs
        Passes; default 15 for glove, 5 for word2vec and fasttext.
    min_count, max_vocab
        Rarest word kept; at most this many words (most frequent first).
    sample
        word2vec's subsampling of frequent words (0: keep all), applied
        before the co-occurrences are counted.
    weighting
        glove: a pair at distance d counts (window+1-d)/window ("linear"),
        1 ("uniform") or 1/d ("harmonic").
    truncate, model, context_smoothing, positive_pmi, x_max, unobserved, learning_rate
        glove's loss and optimiser: see :func:`~nlpzero.vectors.train_glove`
        (`context_smoothing` is its `smoothing`, `positive_pmi` its
        `positive`, `learning_rate` its `eta`).
    spectrum, characters
        glove's output: the singular values raised to `spectrum` (1: the
        fitted vectors, whose inner products are the (positive) PMI; see
        :func:`~nlpzero.vectors.glove.reweight_spectrum`), then each word
        composed with its characters that are vocabulary words, at weight
        `characters` (None: set by how much the vectors say characters share
        their words' meaning, 0 for letters; 0: off; see
        :func:`~nlpzero.vectors.glove.compose_characters`).
    max_memory, temp_dir
        glove: the co-occurrence table's budget in bytes (default a third of
        RAM), beyond which sorted runs are spilled to `temp_dir` and merged.
    jobs
        Threads (default: all cores, at most 8).
    seed
        Random seed (results are exactly reproducible with one job only).
    progress
        A :class:`nlpzero.progress.Progress` told about each pass and epoch.
    scheduler, client, work_dir
        glove: count the vocabulary and the co-occurrences on a Dask cluster
        (see :mod:`nlpzero.cluster`; exactly the local counts), then train on
        this machine.  word2vec and fasttext always run here (gensim).
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r} (expected one of {', '.join(METHODS)})")
    progress = as_progress(progress)
    jobs = resolve_jobs(jobs)
    corpus = as_corpus(corpus, **corpus_options)
    corpus.require_rereadable("vectors")
    if lexicon is not None and not isinstance(lexicon, Tokenizer):
        lexicon = Tokenizer.load(lexicon) if isinstance(lexicon, str) else Tokenizer(lexicon)
    window = window or DEFAULT_WINDOW[method]
    epochs = epochs or DEFAULT_EPOCHS[method]

    def lines(label):
        with progress.task(label, total=corpus.total_bytes, unit="B") as advance:
            yield from token_lines(corpus.with_options(progress=advance), lexicon, jobs)

    scheduler = scheduler_from(scheduler)
    if (scheduler or client is not None) and method == "glove":
        from ..cluster import Engine
        with Engine(scheduler, client, work_dir, progress) as engine:
            return _train_on_cluster(corpus, lexicon, engine, window, epochs, min_count, max_vocab, sample,
                                     weighting, seed, max_memory, dict(dim=dim, jobs=jobs, truncate=truncate,
                                                                      model=model, seed=seed,
                                                                      smoothing=context_smoothing,
                                                                      positive=positive_pmi, x_max=x_max,
                                                                      unobserved=unobserved, eta=learning_rate),
                                     progress, spectrum, characters)
    vocabulary = build_vocabulary(lines("vectors: counting words"), min_count=min_count, max_vocab=max_vocab)
    if len(vocabulary) < 2:
        raise InputError(f"fewer than two words reach min count {min_count}: nothing to train on")
    if method in ("word2vec", "fasttext"):
        with progress.task(f"vectors: {method} epochs", total=epochs, unit="epochs") as advance:
            vectors = train_word2vec(lines("vectors: writing tokens"), vocabulary, dim=dim or WORD2VEC_DIM,
                                     window=window, epochs=epochs, sample=sample, jobs=jobs, seed=seed,
                                     temp_dir=temp_dir, on_epoch=lambda: advance(1),
                                     subwords=method == "fasttext")
    else:
        cooc, counts = cooccurrence(lines("vectors: counting co-occurrences"), vocabulary, window=window,
                                    weighting=weighting, sample=sample, seed=seed, max_memory=max_memory,
                                    temp_dir=temp_dir)
        if cooc.nnz == 0:
            raise InputError(f"no two words of the vocabulary occur within {window} tokens of each other: "
                             "nothing to train on")
        log.info("%d words, %d co-occurring pairs", len(vocabulary), cooc.nnz)
        with progress.task("vectors: glove epochs", total=epochs, unit="epochs") as advance:
            vectors = train_glove(cooc, counts, dim=dim, epochs=epochs, jobs=jobs, truncate=truncate, model=model,
                                  seed=seed, smoothing=context_smoothing, positive=positive_pmi, x_max=x_max,
                                  unobserved=unobserved, eta=learning_rate, progress=lambda epoch, loss: advance(1))
        vectors = finish_glove(vocabulary.words, vectors, spectrum, characters)
    return WordVectors(vocabulary.words, vectors, vocabulary.counts)


def finish_glove(words, vectors, spectrum: float, characters: float | None):
    """glove's output post-processing: spectrum reweighting, then characters."""
    return compose_characters(words, reweight_spectrum(vectors, spectrum), characters)


def _train_on_cluster(corpus, tokenizer, engine, window, epochs, min_count, max_vocab, sample, weighting, seed,
                      max_memory, glove_options, progress, spectrum, characters) -> WordVectors:
    from .. import cluster

    vocabulary = cluster.vocabulary(corpus.paths, engine, tokenizer, min_count, max_vocab)
    if len(vocabulary) < 2:
        raise InputError(f"fewer than two words reach min count {min_count}: nothing to train on")
    cooc, counts = cluster.cooccurrence(corpus.paths, engine, tokenizer, vocabulary, window, weighting, sample, seed,
                                        max_memory)
    if cooc.nnz == 0:
        raise InputError(f"no two words of the vocabulary occur within {window} tokens of each other: "
                         "nothing to train on")
    log.info("%d words, %d co-occurring pairs", len(vocabulary), cooc.nnz)
    with progress.task("vectors: glove epochs", total=epochs, unit="epochs") as advance:
        vectors = train_glove(cooc, counts, epochs=epochs, progress=lambda epoch, loss: advance(1),
                              **glove_options)
    vectors = finish_glove(vocabulary.words, vectors, spectrum, characters)
    return WordVectors(vocabulary.words, vectors, vocabulary.counts)
