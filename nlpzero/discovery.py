"""Word discovery by the minimum-entropy principle.

Two ways to find candidate words in raw text, then one refinement:

``ngram`` (bojone's word-discovery, 2019)
    Count all character 1..n-grams; an n-gram is *solid* when its cohesion --
    the minimum over its split points of ln(T·N(w) / (N(left)·N(right))), T the
    number of characters -- reaches the threshold for its length (default
    ln-thresholds 2, 4, 6 for lengths 2, 3, 4).  Cut the corpus at every gap
    that no solid n-gram covers, count the fragments, and keep a fragment longer
    than two characters only if it is solid itself or (when longer than n) all
    its n-character windows are ("backtracking").
``pairs`` (nlp-zero's ``Word_Finder``)
    Cut between adjacent characters whose pair is rare (p(ab) below a minimum)
    or weakly bound (PMI below a minimum), count the fragments, then remove
    redundant words longest first: a word whose ln p(w) beats the best
    segmentation of it by the rest of the lexicon by less than len(w) - 1 nats
    is dropped and its count given to its parts.
refinement (``refine=True``, the default)
    The minimum-entropy objective itself: drop every word whose occurrences do
    not shorten the corpus's code, -Σ ln p(token), by REFINE_NATS_PER_CHAR nats
    per character beyond the first compared with its best split (giving its
    count to the parts), then re-estimate all probabilities by segmenting the
    corpus with the unigram model (Viterbi EM, as sentencepiece does for its
    unigram model); twice.  On the PKU development set this lifts the pairs
    method from F1 0.67 to 0.81 and the ngram method from 0.77 to 0.80.
self-training (``self_train=True``, the default)
    An averaged perceptron over character-unit tags (B/M/E/S, features: each
    unit, its neighbours and the adjacent pairs) learns the refined lexicon's
    segmentation of the corpus, then segments the corpus itself; its token
    counts are the lexicon.  The tagger generalises where the lexicon is
    inconsistent or silent (a word split in one context and whole in
    another).  Three rounds, the lexicon refined once between them.

Defaults scale with the corpus (see :func:`~nlpzero.stats.default_min_count`),
so the same call works on a novel and on a crawl.  Numbers are one class (see
:func:`~nlpzero.text.fold_numbers`); runs of Latin letters and digits are never
cut, so "iPhone" stays whole, while words that mix scripts ("A股", "3D打印") can
be found.  Every counting pass keeps its tables within `max_memory`, spilling
sorted runs (:mod:`nlpzero.runs`) when they outgrow it, so the lexicon is exact
whatever the budget.
"""

from __future__ import annotations

import contextlib
import codecs
import logging
import math
import threading
import zlib
from typing import Iterable

import numpy as np

from ._ext import discovery as _kernel
from ._ext import runs as _runs
from ._ext import tagger as _tagger
from .corpus import Corpus, TextRule, as_corpus, number_word_chars
from .counts import NgramCounts, count, resolve_max_memory
from .cluster import scheduler_from
from .errors import FormatError, InputError
from .fileio import frame, unframe
from .lexicon import Lexicon
from .parallel import parallel_map, resolve_jobs, whole_number
from .progress import as_progress
from .runs import Spill
from .stats import default_min_count, pmi
from .text import character_classes, cuttable_gaps
from .tokenizer import Tokenizer
from .units import WordSymbols, looks_space_separated

log = logging.getLogger("nlpzero")

METHODS = ("ngram", "pairs")
UNITS = ("auto", "char", "word")
DEFAULT_ORDER = 4
DEFAULT_THRESHOLDS = (0.0, 2.0, 4.0, 6.0)   # ln cohesion for lengths 1..4 (bojone's published values)
DEFAULT_MIN_PMI = 1.0                       # nlp-zero's: a pair binds when its PMI reaches 1 nat


def discover(corpus, method: str = "pairs", order: int = DEFAULT_ORDER, min_count: int | None = None,
             thresholds: Iterable[float] | None = None, refine: bool = True, jobs: int | None = None,
             counts: NgramCounts | None = None, progress=None, unit: str = "auto",
             max_memory: int | None = None, temp_dir: str | None = None, scheduler: str | None = None,
             client=None, work_dir: str | None = None, base: "Lexicon | str | None" = None,
             self_train: bool = True, **corpus_options) -> Lexicon:
    """Discover the words of a corpus from its raw text (and, given a base
    dictionary, adapt that dictionary to the corpus).

    Parameters
    ----------
    corpus
        A path, a list of paths, directories or globs, or a :class:`~nlpzero.Corpus`
        (read several times, so not stdin).
    method
        "pairs" (nlp-zero's pair cuts and de-redundancy) or "ngram" (bojone's
        solid n-grams with backtracking).
    order
        Longest n-gram whose cohesion the ngram method checks.
    min_count
        Rarest word kept; default grows with the corpus (``default_min_count``).
    thresholds
        ngram method: ln-cohesion thresholds for lengths 1..order.
    refine
        Minimum-entropy refinement: code-length pruning and Viterbi re-estimation.
    self_train
        After refinement, count the words of the corpus as a tagger trained on
        the lexicon's own segmentation segments it (:func:`self_train_lexicon`);
        not with a base dictionary, nor for word units.
    jobs
        Threads (default: all cores, at most 8); the lexicon does not depend on them.
    counts
        :class:`~nlpzero.NgramCounts` made under discovery's text rule
        (``count(..., fold_numbers=True)``), replacing the counting pass.
    progress
        A :class:`nlpzero.progress.Progress` told about each pass.
    unit
        "char" combines characters into words; "word" combines the words of
        space-separated text into multi-word units (:mod:`nlpzero.units`);
        "auto" chooses from a sample of the text.
    max_memory
        Bytes for each pass's tables (default a third of RAM); beyond it sorted
        runs are spilled to `temp_dir` and merged.
    temp_dir
        Where spilled runs go (default: the system's temporary directory).
    scheduler, client, work_dir
        Run every pass on a Dask cluster (see :mod:`nlpzero.cluster`): its
        scheduler's address (default ``$NLPZERO_SCHEDULER``) or a
        ``distributed.Client``, and a directory URL all workers share for the
        shards (default a temporary directory).  The lexicon is the same.
    base
        A dictionary to adapt to the corpus (a Lexicon, a lexicon file, or
        "jieba" for jieba's bundled dictionary); see :func:`adapt_base`.  The
        result is then the base's words re-estimated on the corpus plus the
        corpus's new words; :func:`new_words` against the base lists those.

    Returns
    -------
    Lexicon
        Words with their counts -- single characters included, so it is ready
        for the tokenizer -- and a "gain" column.  Numbers are one class:
        "<NUM>年" is a word when many numbers precede 年.
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r} (expected one of {', '.join(METHODS)})")
    if unit not in UNITS:
        raise ValueError(f"unknown unit {unit!r} (expected one of {', '.join(UNITS)})")
    if min_count is not None:
        checked = whole_number(min_count)
        if checked is None or checked < 1:
            raise InputError(f"min_count must be a whole number of at least 1, not {min_count!r}")
        min_count = checked
    jobs = resolve_jobs(jobs)
    progress = as_progress(progress)
    max_memory = resolve_max_memory(max_memory)
    if isinstance(corpus, str) and "\n" in corpus:
        raise ValueError("discover() takes paths or a Corpus, not text")
    corpus = as_corpus(corpus, **corpus_options)
    corpus.require_rereadable("discover")
    if unit == "auto":
        unit = "word" if counts is None and looks_space_separated(corpus) else "char"
    options = dict(method=method, order=order, min_count=min_count, thresholds=thresholds, refine=refine,
                   jobs=jobs, base=load_base(base), self_train=self_train)
    scheduler = scheduler_from(scheduler)
    if (scheduler or client is not None) and unit == "char":
        from .cluster import ClusterSource, Engine
        with Engine(scheduler, client, work_dir, progress) as engine:
            return _discover(ClusterSource(corpus.paths, engine), counts=counts, **options)
    if unit == "char":
        return _discover(_Source(corpus, progress, max_memory, temp_dir), counts=counts, **options)
    if scheduler or client is not None:
        raise InputError("space-separated text (word units) is discovered on one machine: drop the "
                         "scheduler, or ask for character units")
    if counts is not None:
        raise InputError("n-gram counts hold characters: they cannot be used to discover the words "
                         "of space-separated text")
    if base is not None:
        raise InputError("a base dictionary adapts character-based words: it cannot be used with "
                         "space-separated text (word units); ask for --unit char")
    log.info("discover: space-separated text: finding multi-word units")
    with progress.task("discover: reading words", total=corpus.total_bytes, unit="B") as advance:
        symbols = WordSymbols(corpus, temp_dir=temp_dir, progress=advance)
    with symbols:
        if symbols.overflow:
            log.warning("%d occurrences of rare words beyond the %d distinct words this method "
                        "can hold were left out", symbols.overflow, len(symbols.words))
        options["self_train"] = False       # measured on characters only
        lexicon = _discover(_Source(symbols.corpus, progress, max_memory, temp_dir), counts=None, **options)
        return symbols.map_back(lexicon)


def discovery_rule(corpus: Corpus) -> TextRule:
    """The text rule discovery counts under: the corpus's word characters plus
    the number placeholder, numbers folded (what ``nlpzero count
    --fold-numbers`` records, and ``discover --counts`` requires)."""
    return TextRule.of(number_word_chars(corpus.word_chars), fold_numbers=True)


def _discover(source: "_Source", method, order, min_count, thresholds, refine, jobs, counts,
              base: Lexicon | None = None, self_train: bool = True) -> Lexicon:
    needed = order if method == "ngram" else 2
    if counts is None:
        counts = source.count_ngrams(needed, jobs)
    else:
        if not counts.rule.same_as(source.rule):
            raise InputError(f"the counts were made under {counts.rule}; discovery needs {source.rule}: "
                             "count with `nlpzero count --fold-numbers` (and the same --encoding)")
        if counts.order < needed:
            raise InputError(f"the counts go up to order {counts.order}; the {method} method needs {needed}")
    n_chars = counts.totals[1]
    if min_count is None:
        min_count = default_min_count(n_chars)
    log.info("discover: %s characters, min count %d", f"{n_chars:,}", min_count)
    if method == "ngram":
        solid = solid_ngrams(counts, min_count, thresholds or DEFAULT_THRESHOLDS, order)
        fragments = count_fragments(source, solid, jobs, min_count)
        lexicon = _keep_real(fragments, solid, order)
    else:
        fragments, lexicon = _pairs_method(source, counts, min_count, jobs=jobs)
        lexicon = deredundancy(lexicon)
    if fragments.total_length != n_chars:
        log.warning("the n-gram counts hold %s characters but the corpus has %s: they were not counted "
                    "from this corpus, so its words may be missed", f"{n_chars:,}", f"{fragments.total_length:,}")
    if refine:
        lexicon = refine_lexicon(_with_frequent_pairs(lexicon, counts, min_count), source, min_count=min_count,
                                 jobs=jobs)
    if base is not None:
        lexicon, seen = adapt_base(base, lexicon, source, jobs)
        return annotate(lexicon, seen)
    if self_train:
        lexicon = self_train_lexicon(lexicon, source, min_count, jobs=jobs, refine=refine)
    return annotate(lexicon)


# ------------------------------------------------------------------ a base dictionary

def load_base(base) -> Lexicon | None:
    """The base dictionary of `base`: a Lexicon, a lexicon file, "jieba" (its bundled dictionary) or None."""
    if base is None or isinstance(base, Lexicon):
        return base
    from .lexicon import jieba_dictionary_path
    lexicon = Lexicon.load(jieba_dictionary_path() if base == "jieba" else base)
    if not len(lexicon):
        raise InputError(f"{base}: the base dictionary holds no words")
    return lexicon


def adapt_base(base: Lexicon, discovered: Lexicon, source, jobs: int = 1) -> tuple[Lexicon, set[str]]:
    """The base dictionary adapted to the corpus, by the minimum-entropy rule
    discovery itself uses; returns it and the words the corpus holds.

    1. New words: discovered words of two or more characters that the base
       lacks and could only spell character by character (a discovered word
       the base splits into its own longer words is a phrase of known words,
       not a new one).
    2. The corpus is segmented with the base and the new words (new counts
       scaled to the base's), and its token counts are judged as refinement
       judges a discovered lexicon: a word whose occurrences save fewer than
       REFINE_NATS_PER_CHAR nats per extra character over its best split is
       dropped -- base words too, where this corpus does not need them.
    3. Every other base word keeps its count plus its corpus count (the base
       a prior worth as much as the corpus, both scaled to the larger of the
       two totals); the new words and characters get their corpus counts.
    """
    splitter = Tokenizer(base)
    new = {w for w in discovered if len(w) > 1 and w not in base
           and all(len(part) == 1 for part in splitter.tokenize(w))}
    scale = base.total / max(discovered.total, 1)
    combined = Lexicon(dict(base.items()))
    for word in new:
        combined.add(word, max(1, round(discovered.get(word) * scale)))
    seen = _segment_counts(Tokenizer(combined), source, jobs, "discover: adapting the base")
    corpus_tokens = seen.total
    judged = deredundancy(Lexicon(dict(seen.items())), REFINE_NATS_PER_CHAR)
    dropped = {w for w in seen if w not in judged}
    # both on the larger scale, so that no count is rounded away
    target = max(base.total, corpus_tokens, 1)
    from_base, from_corpus = target / max(base.total, 1), target / max(corpus_tokens, 1)
    adapted = Lexicon()
    for word, base_count in base.items():
        if word not in dropped:
            adapted.add(word, max(1, round(base_count * from_base + judged.get(word) * from_corpus)))
    for word, corpus_count in judged.items():
        if word not in base and (word in new or len(word) == 1):
            adapted.add(word, max(1, round(corpus_count * from_corpus)))
    kept_new = sum(1 for w in new if w in judged)
    log.info("discover: base of %s words adapted: %s dropped where the corpus splits them, %s new words",
             f"{len(base):,}", f"{sum(1 for w in dropped if w in base):,}", f"{kept_new:,}")
    return adapted, set(judged)


def new_words(lexicon: Lexicon, known: Lexicon) -> Lexicon:
    """The words of `lexicon` of two or more characters that `known` lacks,
    with their counts and scores (what ``--exclude-known`` lists)."""
    new = Lexicon(columns=lexicon.columns)
    for word, c in lexicon.items():
        if len(word) > 1 and word not in known:
            new.add(word, c)
            if word in lexicon.scores:
                new.scores[word] = lexicon.scores[word]
    return new


def annotate(lexicon: Lexicon, words: set[str] | None = None) -> Lexicon:
    """Add the "gain" column: ln p(w) - Σ ln p(parts) over the best split of w by
    the rest of the lexicon -- the code length, in nats, each occurrence of the
    word saves (the minimum-entropy score; empty for single characters, and
    for words outside `words` when it is given)."""
    lexicon.columns = ("gain",)
    lexicon.scores = {word: (round(split_gain(lexicon, word)[0], 3),) for word in lexicon
                      if len(word) > 1 and (words is None or word in words)}
    return lexicon


def split_gain(lexicon: Lexicon, word: str) -> tuple[float, list[str]]:
    """(ln p(word) - Σ ln p(part), parts) for the best split of `word` by the
    rest of the lexicon, never inside a run of letters/digits; a part in no
    word costs what the tokenizer charges."""
    unknown = -math.log(max(lexicon.total, 1))
    parts = lexicon.segment(word, exclude=word, cuttable=cuttable_gaps(word))
    return lexicon.logprob(word) - sum(lexicon.logprob(p) if p != word and p in lexicon else unknown
                                        for p in parts), parts


# ------------------------------------------------------------------ ngram method

def solid_ngrams(counts: NgramCounts, min_count: int, thresholds, order: int) -> dict[str, float]:
    """n-grams (2..order) seen min_count times whose cohesion reaches the
    threshold for their length, with their cohesion (compiled)."""
    thresholds = list(thresholds)
    tables = [None] + [counts.rows(n) for n in range(1, order + 1)]
    offsets = [None] + [counts.offsets(n) for n in range(1, order + 1)]
    solid = {}
    for n in range(2, order + 1):
        limit = thresholds[min(n, len(thresholds)) - 1]
        index, value = _kernel.cohesion(tables, offsets, n, float(counts.totals[1]), max(min_count, 1))
        keep = value >= limit
        words = _runs.unpack_strings(np.ascontiguousarray(tables[n][index[keep]]), n)
        solid.update(zip(words, value[keep].tolist()))
    return solid


def count_fragments(source, joined: Iterable[str], jobs: int = 1, min_count: int = 1) -> "StringCounts":
    """Cut the corpus's segments at every gap that no string of `joined` covers
    (never inside a run of letters/digits) and count the pieces (compiled);
    only pieces seen min_count times are kept (the total length counts all)."""
    return source.count_pass("fragments", Tokenizer({word: 1 for word in joined}), jobs,
                             "discover: counting fragments", min_count, min_count)


def _keep_real(fragments: "StringCounts", solid, order: int) -> Lexicon:
    """Backtracking: the fragments that are words by the n-gram evidence."""
    lexicon = Lexicon()
    words, counts = fragments.items()
    for word, c in zip(words, counts.tolist()):
        if len(word) > 2:
            if len(word) <= order:
                if word not in solid:
                    continue
            elif not all(word[i:i + order] in solid for i in range(len(word) - order + 1)):
                continue
        lexicon.add(word, c)
    return lexicon


# ------------------------------------------------------------------ pairs method

def _pairs_method(source, counts: NgramCounts, min_count: int, min_pmi: float = DEFAULT_MIN_PMI,
                  jobs: int = 1) -> tuple["StringCounts", Lexicon]:
    """Fragments between weak pairs: cut where the pair was seen fewer than
    min_count times or ln p(ab)/(p(a)p(b)) < min_pmi (characters normalised by
    characters, pairs by pairs, as nlp-zero does); the fragment counts and the
    lexicon of those seen min_count times."""
    pairs = counts.rows(2)
    unigrams = counts.rows(1)
    char_count = np.zeros(0x110000, dtype=np.float64)
    char_count[_runs.key_chars(unigrams, 1)[:, 0]] = unigrams[:, -1]
    chars = _runs.key_chars(pairs, 2)
    n_pair = pairs[:, -1]
    strong = (n_pair >= min_count) & (pmi(n_pair, max(counts.totals[2], 1), char_count[chars[:, 0]],
                                          char_count[chars[:, 1]], counts.totals[1]) >= min_pmi)
    words = _runs.unpack_strings(np.ascontiguousarray(pairs[strong]), 2)
    fragments = count_fragments(source, words, jobs, min_count)
    words, n = fragments.items()
    return fragments, Lexicon(zip(words, n.tolist()))


def deredundancy(lexicon: Lexicon, nats_per_char: float = 1.0) -> Lexicon:
    """nlp-zero's de-redundancy, longest words first: a word must beat the best
    segmentation of it by the rest of the lexicon, ln p(w) - Σ ln p(parts), by
    at least nats_per_char · (len(w) - 1), or it is dropped and its count given
    to its parts.  nlp-zero uses 1 nat; refinement uses REFINE_NATS_PER_CHAR."""
    # Words of one length are judged together, against the lexicon before any of
    # them is dropped: the result does not depend on the order the lexicon was
    # assembled in (the local and cluster engines assemble it differently).
    by_length: dict[int, list[str]] = {}
    for word in lexicon:
        if len(word) > 1:
            by_length.setdefault(len(word), []).append(word)
    for length in sorted(by_length, reverse=True):
        dropped = []
        for word in by_length[length]:
            gain, parts = split_gain(lexicon, word)
            if len(parts) > 1 and gain < nats_per_char * (length - 1):
                dropped.append((word, parts))
        for word, parts in dropped:
            c = lexicon.remove(word)
            for part in parts:
                lexicon.add(part, lexicon.get(part) + c)
    return lexicon


# ------------------------------------------------------------------ refinement

def _with_frequent_pairs(lexicon: Lexicon, counts: NgramCounts, min_count: int) -> Lexicon:
    """Character pairs seen min_count times that the candidate methods cut
    everywhere (pairs inside no candidate) join the candidates with their
    counts: a weakly bound pair may still be a frequent word, and
    refinement's code-length test is the judge.  PKU F1 0.8119 -> 0.8174,
    small corpus 0.7257 -> 0.7563 (docs/tuning.md)."""
    inside = {word[i:i + 2] for word in lexicon if len(word) > 1 for i in range(len(word) - 1)}
    pairs = counts.rows(2)
    frequent = pairs[pairs[:, -1] >= max(min_count, 1)]
    for pair, c in zip(_runs.unpack_strings(np.ascontiguousarray(frequent), 2), frequent[:, -1].tolist()):
        if pair not in inside:
            lexicon.add(pair, c)
    return lexicon


# A word's code-length saving per occurrence must exceed this many nats per
# character beyond the first.  Fragment counts over-estimate long words (the
# "manual rules against long words" nlp-zero's author mentions); 3 nats is the
# middle of the plateau (docs/tuning.md).
REFINE_NATS_PER_CHAR = 3.0


def refine_lexicon(lexicon: Lexicon, source, min_count: int, rounds: int = 2, jobs: int = 1) -> Lexicon:
    """Minimum-entropy refinement: prune words that do not shorten the code
    enough (de-redundancy at REFINE_NATS_PER_CHAR), then re-estimate every count
    by segmenting the corpus with the unigram model (Viterbi EM); repeat."""
    for round_ in range(1, rounds + 1):
        lexicon = deredundancy(lexicon, REFINE_NATS_PER_CHAR)
        new = _segment_counts(Tokenizer(lexicon), source, jobs, f"discover: re-estimating {round_}/{rounds}",
                              min_count)
        if new == lexicon:
            break
        lexicon = new
    return lexicon


# The tagger learns from at most this much text, spread evenly over the corpus
# (the lexicon it imitates was estimated on all of it), in this many passes
# (one and three measured lower than two); each round after the first starts
# from the last round's words refined once more.  Its tokens are kept from
# half discovery's min count: the tagger, not only frequency, judged them (all
# of them on a small corpus, where that helps most).  docs/tuning.md has the grid.
SELF_TRAIN_SAMPLE = 8 << 20
SELF_TRAIN_EPOCHS = 2
SELF_TRAIN_ROUNDS = 3


def self_train_lexicon(lexicon: Lexicon, source, min_count: int, rounds: int = SELF_TRAIN_ROUNDS,
                       epochs: int = SELF_TRAIN_EPOCHS, sample_bytes: int = SELF_TRAIN_SAMPLE,
                       jobs: int = 1, seed: int = 0, refine: bool = True) -> Lexicon:
    """The lexicon re-counted by a self-trained tagger, `rounds` times: an
    averaged perceptron (:mod:`nlpzero._ext.tagger`) learns the lexicon's
    segmentation of a sample of at most `sample_bytes` of the corpus (its lines
    in a seeded random order on each of `epochs` passes), then segments the
    whole corpus, and its tokens seen at least ceil(min_count / 2) times
    (single characters: all) with their counts are the new lexicon.  Before
    each round after the first, the lexicon is refined once
    (:func:`refine_lexicon` with `min_count`) unless `refine` is off.  `jobs`
    threads tag; `seed` fixes the orders."""
    lines = source.sample_lines(sample_bytes)
    if not lines:           # nothing to learn from (a sample can miss the few huge lines of a corpus)
        log.info("discover: no lines sampled for self-training; the refined lexicon stands")
        return lexicon
    keep = -(-min_count // 2)
    for round_ in range(1, rounds + 1):
        if round_ > 1 and refine:
            lexicon = refine_lexicon(lexicon, source, min_count, rounds=1, jobs=jobs)
        label = f"{round_}/{rounds}"
        model = _train_tagger(lexicon, lines, source, epochs, np.random.default_rng([seed, round_]), label)
        words, counts = source.count_pass("tagged", None, jobs, f"discover: tagging {label}", keep, 1,
                                          tagger=model).items()
        lexicon = Lexicon(zip(words, counts.tolist()))
    return lexicon


def sample_stride(total_bytes: int, budget: int) -> int:
    """The stride a sample of `budget` bytes starts from: the largest power of
    two at most a quarter of total_bytes / budget (1 for a small corpus).
    Sizes on disk are a lower bound on the text's size (a .gz file is smaller
    than its text), so this is at most the final stride, which thin_sample then
    finds from the sample itself: the same text gives the same sample whether
    it is compressed or not, in one file or many."""
    stride = 1
    while stride * 2 * 4 * max(budget, 1) <= total_bytes:
        stride *= 2
    return stride


def sample_lines(data: bytes, stride: int) -> list[bytes]:
    """The lines of `data` (UTF-8) whose CRC-32 is a multiple of `stride`
    (all when it is 1) and that hold more than whitespace: a sample that does
    not depend on how the corpus was cut into blocks of lines, so the cluster
    draws the same one (except where the local engine cuts a line of over
    4 MB into pieces)."""
    lines = data.split(b"\n")
    if stride > 1:
        lines = [line for line in lines if zlib.crc32(line) % stride == 0]
    return [line for line in lines if line.decode("utf-8", "replace").strip()]


def thin_sample(lines: list[bytes], stride: int, budget: int) -> tuple[list[bytes], int]:
    """(lines, stride) of a sample drawn at a power-of-two `stride`, the stride
    doubled until the lines whose CRC-32 it divides hold at most `budget` bytes.
    The samples of successive strides are nested, so thinning a part of the
    corpus as it streams by and thinning the whole at the end agree."""
    if budget <= 0:
        return [], stride
    size = sum(map(len, lines))
    while size > budget:
        stride *= 2
        lines = [line for line in lines if zlib.crc32(line) % stride == 0]
        size = sum(map(len, lines))
    return lines, stride


TAGGER_MAGIC = b"NLPZTAG\0"
TAGGER_VERSION = 1


def tagger_bytes(model) -> bytes:
    """A frozen tagger as a framed file (fileio.frame): header {"bits"},
    then float32 little-endian weights ((2**bits) x 4) and transitions (4 x 4).
    Only the cluster's work directory holds such files."""
    weights, transitions = model.arrays()
    return frame(TAGGER_MAGIC, TAGGER_VERSION, {"bits": model.bits},
                 [weights.astype("<f4").tobytes(), transitions.astype("<f4").tobytes()])


def tagger_from_bytes(data: bytes, what: str = "tagger model"):
    """The frozen tagger of tagger_bytes(); FormatError if it is damaged."""
    _, header, body = unframe(data, TAGGER_MAGIC, (TAGGER_VERSION,), what)
    bits = header.get("bits")
    if not isinstance(bits, int) or not 8 <= bits <= 30 or len(body) != ((1 << bits) * 4 + 16) * 4:
        raise FormatError(f"{what}: corrupted (sizes do not match its header)")
    values = np.frombuffer(body, dtype="<f4").astype(np.float32)
    return _tagger.TagModel(values[:-16], values[-16:], bits)


def _train_tagger(lexicon: Lexicon, lines: list[bytes], source, epochs: int, rng, label: str):
    """The averaged perceptron trained on `lexicon`'s segmentation of `lines`, frozen."""
    compiled = Tokenizer(lexicon).compiled
    classes = character_classes()
    word_table = source.word_table
    tagger = _tagger.Tagger()
    with source.progress.task(f"discover: self-training {label}", total=epochs * len(lines),
                              unit="lines") as advance:
        for _ in range(epochs):
            order = rng.permutation(len(lines))
            for start in range(0, len(order), 4096):
                chunk = order[start:start + 4096]
                tagger.train(compiled, b"\n".join([lines[i] for i in chunk]), classes, word_table, True)
                advance(len(chunk))
    log.info("discover: tagger %s trained on %s lines, %d passes (while learning, %.1f%% of its tags "
             "differed from the lexicon's)", label, f"{len(lines):,}", epochs,
             100.0 * tagger.mistakes / max(tagger.units, 1))
    return tagger.model()


def _segment_counts(tokenizer: Tokenizer, source, jobs: int = 1, label: str = "discover: segmenting",
                    min_count: int = 1) -> Lexicon:
    """Token counts of the corpus segmented by `tokenizer` (compiled): single
    characters all, longer tokens when seen min_count times."""
    words, counts = source.count_pass("tokens", tokenizer, jobs, label, min_count, 1).items()
    return Lexicon(zip(words, counts.tolist()))


# ------------------------------------------------------------------ corpus access

def counting_kernel(kind: str, tagger=None):
    """The kernel of a counting pass (see _Source.count_pass), called as
    kernel(compiled lexicon or None, block, classes, word table, counter, fold numbers);
    the local engine and the cluster's tasks both take it from here."""
    if kind == "tagged":
        return lambda _, *args: _kernel.count_tagged(tagger, *args)
    return {"fragments": _kernel.count_fragments, "tokens": _kernel.count_tokens}[kind]


class StringCounts:
    """What a counting pass found: (rows, offsets) per string length, and the
    number of characters counted (kept or not)."""

    def __init__(self, tables: dict[int, tuple[np.ndarray, np.ndarray]], total_length: int):
        self.tables = tables
        self.total_length = total_length

    def items(self) -> tuple[list[str], np.ndarray]:
        """(strings, counts), by length."""
        words, counts = [], []
        for length, (rows, _) in sorted(self.tables.items()):
            if len(rows):
                words.extend(_runs.unpack_strings(np.ascontiguousarray(rows), length))
                counts.append(np.asarray(rows[:, -1], dtype=np.int64))
        return words, np.concatenate(counts) if counts else np.zeros(0, dtype=np.int64)


class _Source:
    """The corpus as discovery reads it: numbers folded to NUMBER, which counts
    as a word character; re-readable (files are streamed again on each pass),
    each pass reported to `progress` as a task; tables kept within max_memory."""

    def __init__(self, corpus: Corpus, progress=None, max_memory: int | None = None, temp_dir: str | None = None):
        self.base = corpus
        self.raw = corpus.with_options(word_chars=number_word_chars(corpus.word_chars))
        self.rule = discovery_rule(corpus)
        self.progress = as_progress(progress)
        self.max_memory = resolve_max_memory(max_memory)
        self.temp_dir = temp_dir

    @contextlib.contextmanager
    def reading(self, label: str, raw: bool = False):
        """The corpus for one pass: as given (the n-gram counter folds numbers
        itself), or with the number placeholder a word character (`raw`)."""
        corpus = self.raw if raw else self.base
        with self.progress.task(label, total=corpus.total_bytes, unit="B") as advance:
            yield corpus.with_options(progress=advance)

    def _blocks(self, corpus: Corpus):
        """(block, path) of whole lines: raw UTF-8 bytes, decoded by the kernels, or text."""
        if codecs.lookup(corpus.encoding).name == "utf-8":
            for path, blocks in corpus.files_of(corpus.file_line_bytes):
                for block in blocks:
                    yield block, path
        else:
            for block in corpus.text_blocks():
                yield block, None

    @property
    def word_table(self) -> np.ndarray:
        """The word-character table of discovery's passes (NUMBER included)."""
        return self.raw.word_chars.table

    def sample_lines(self, budget: int) -> list[bytes]:
        """At most `budget` bytes of the corpus's lines, in corpus order: those
        whose CRC-32 the smallest sufficient power of two divides (see
        :func:`sample_stride`, :func:`thin_sample`), thinned as they stream by."""
        stride = sample_stride(self.base.total_bytes, budget)
        lines: list[bytes] = []
        size = 0
        with self.reading("discover: sampling", raw=True) as corpus:
            for block, _ in self._blocks(corpus):
                found = sample_lines(block if isinstance(block, bytes) else block.encode("utf-8"), stride)
                lines.extend(found)
                size += sum(map(len, found))
                if size > budget:
                    lines, stride = thin_sample(lines, stride, budget)
                    size = sum(map(len, lines))
        return thin_sample(lines, stride, budget)[0]

    def count_ngrams(self, order: int, jobs: int) -> NgramCounts:
        """The corpus's n-gram counts under discovery's rule."""
        with self.reading("discover: counting n-grams") as corpus:
            return count(corpus, order=order, jobs=jobs, fold_numbers=True, max_memory=self.max_memory,
                         temp_dir=self.temp_dir)

    def count_pass(self, kind: str, tokenizer: Tokenizer | None, jobs: int, label: str, min_count: int = 1,
                   min_single: int = 1, tagger=None) -> StringCounts:
        """Count the corpus's "fragments" (cut at every gap no word of
        `tokenizer` covers), "tokens" (segmented by `tokenizer`) or "tagged"
        (segmented by the `tagger` model, no tokenizer), in blocks of
        whole lines on `jobs` threads (a string counter each, spilled as sorted
        runs when it outgrows its share of max_memory); strings seen fewer than
        min_count times (single characters: min_single) are dropped when merging."""
        kernel = counting_kernel(kind, tagger)
        compiled = tokenizer.compiled if tokenizer is not None else None
        classes = character_classes()
        word_table = self.word_table
        counters = [_kernel.string_counter() for _ in range(max(jobs, 1))]
        free = list(counters)
        lock = threading.Lock()
        share = self.max_memory // (2 * len(counters))
        invalid: dict = {}

        with Spill(self.temp_dir, prefix="nlpzero-discover-") as spill:
            def spill_all(counter):
                for cls in range(counter.n_classes):
                    if counter.size(cls):
                        rows, offsets = counter.take(cls)
                        with lock:
                            spill.add(cls, rows, offsets, counter.width(cls))

            def work(item):
                block, path = item
                with lock:
                    counter = free.pop()
                try:
                    bad = kernel(compiled, block, classes, word_table, counter, True)
                    if counter.memory_bytes() > share:
                        spill_all(counter)
                finally:
                    with lock:
                        free.append(counter)
                        if bad and path is not None:
                            invalid[path] = invalid.get(path, 0) + bad

            with self.reading(label, raw=True) as corpus:
                for _ in parallel_map(work, self._blocks(corpus), jobs):
                    pass
                for path, bad in invalid.items():
                    corpus.report_invalid(path, bad)
            total_length = sum(c.skipped for c in counters)
            tables = {}
            for cls in range(counters[0].n_classes):
                length = cls + 1
                total_length += length * sum(c.total(cls) for c in counters)
                sources = [c.take(cls) for c in counters]
                rows, offsets = spill.merge(cls, counters[0].width(cls), sources,
                                            min_single if length == 1 else min_count)
                if len(rows):
                    tables[length] = (np.array(rows), offsets)
        return StringCounts(tables, total_length)
