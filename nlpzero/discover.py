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

Defaults scale with the corpus (see :func:`default_min_count`), so the same call
works on a novel and on a crawl.  Numbers are one class (see
:func:`fold_numbers`); runs of Latin letters and digits are never cut, so
"iPhone" stays whole, while words that mix scripts ("A股", "3D打印") can be found.
"""

from __future__ import annotations

import contextlib
import logging
import math
import queue
from typing import Iterable

import numpy as np

from ._ext import ngrams as _ngrams
from ._ext import unigram as _unigram
from ._ext.unigram import FragmentCounter
from .corpus import Corpus, WordChars, as_corpus, as_word_chars
from .counts import NgramCounts, count
from .errors import InputError
from .lexicon import NUMBER, Lexicon
from .parallel import default_jobs, parallel_map
from .progress import as_progress
from .tokenizer import Tokenizer, character_classes, cuttable_gaps, line_blocks
from .units import WordSymbols, looks_space_separated

log = logging.getLogger("nlpzero")

METHODS = ("ngram", "pairs")
DEFAULT_ORDER = 4
DEFAULT_THRESHOLDS = (0.0, 2.0, 4.0, 6.0)   # ln cohesion for lengths 1..4 (bojone's published values)


def default_min_count(n_chars: int) -> int:
    """The rarest a word may be: grows like the square root of the corpus,
    max(2, round(sqrt(characters) / 500)) -- 2 for a novel, 3 for 2 M
    characters, 11 for 33 M, 36 for 330 M (bojone used 32 on a large crawl)."""
    return max(2, round(math.sqrt(max(n_chars, 0)) / 500))


UNITS = ("auto", "char", "word")


def discover(corpus, method: str = "pairs", order: int = DEFAULT_ORDER, min_count: int | None = None,
             thresholds: Iterable[float] | None = None, refine: bool = True, jobs: int | None = None,
             counts: NgramCounts | None = None, progress=None, unit: str = "auto",
             temp_dir: str | None = None, **corpus_options) -> Lexicon:
    """Discover the words of `corpus` (a path, a list of paths or a Corpus).

    Returns a Lexicon of words with their counts -- single characters included,
    so it is ready for the tokenizer.  Numbers are one class: "<NUM>年" is a
    word when many numbers precede 年.  `counts` (e.g. loaded from files made by
    ``nlpzero count``) replaces the counting pass.  `unit` "word" treats the
    words of space-separated text as the units and finds multi-word units
    (see :mod:`nlpzero.units`); "auto" chooses from a sample of the text.
    `progress` (a :class:`nlpzero.progress.Progress`) is told about each pass."""
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r} (expected one of {', '.join(METHODS)})")
    if unit not in UNITS:
        raise ValueError(f"unknown unit {unit!r} (expected one of {', '.join(UNITS)})")
    jobs = jobs or default_jobs()
    progress = as_progress(progress)
    if isinstance(corpus, str) and "\n" in corpus:
        raise ValueError("discover() takes paths or a Corpus, not text")
    corpus = as_corpus(corpus, **corpus_options)
    corpus.require_rereadable("discover")
    if unit == "auto":
        unit = "word" if counts is None and looks_space_separated(corpus) else "char"
    if unit == "char":
        return _discover(_Source(corpus, progress), method, order, min_count, thresholds, refine, jobs, counts)
    if counts is not None:
        raise InputError("n-gram counts hold characters: they cannot be used to discover the words "
                         "of space-separated text")
    log.info("discover: space-separated text: finding multi-word units")
    with progress.task("discover: reading words", total=corpus.total_bytes, unit="B") as advance:
        symbols = WordSymbols(corpus, temp_dir=temp_dir, progress=advance)
    with symbols:
        if symbols.overflow:
            log.warning("%d occurrences of rare words beyond the %d distinct words this method "
                        "can hold were left out", symbols.overflow, len(symbols.words))
        lexicon = _discover(_Source(symbols.corpus, progress), method, order, min_count, thresholds, refine,
                            jobs, None)
        return symbols.map_back(lexicon)


def _discover(source: "_Source", method, order, min_count, thresholds, refine, jobs, counts) -> Lexicon:
    needed = order if method == "ngram" else 2
    if counts is None:
        with source.reading("discover: counting n-grams") as corpus:
            counts = count(corpus, order=needed, jobs=jobs)
    elif counts.order < needed:
        raise InputError(f"the counts go up to order {counts.order}; the {method} method needs {needed}")
    n_chars = counts.totals[1]
    if min_count is None:
        min_count = default_min_count(n_chars)
    log.info("discover: %s characters, min count %d", f"{n_chars:,}", min_count)
    if method == "ngram":
        solid = solid_ngrams(counts, min_count, thresholds or DEFAULT_THRESHOLDS, order)
        fragments = count_fragments(source, solid, jobs)
        lexicon = _keep_real(fragments, solid, order, min_count)
    else:
        fragments, lexicon = _pairs_method(source, counts, min_count, jobs=jobs)
        lexicon = deredundancy(lexicon)
    if fragments.total_length != n_chars:
        log.warning("the n-gram counts hold %s characters but the corpus has %s: they were not counted "
                    "from this corpus, so its words may be missed", f"{n_chars:,}", f"{fragments.total_length:,}")
    if refine:
        lexicon = refine_lexicon(lexicon, source, min_count=min_count, jobs=jobs)
    return annotate(lexicon)


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


def annotate(lexicon: Lexicon) -> Lexicon:
    """Add the "gain" column: ln p(w) - Σ ln p(parts) over the best split of w by
    the rest of the lexicon -- the code length, in nats, each occurrence of the
    word saves (the minimum-entropy score; empty for single characters)."""
    lexicon.columns = ("gain",)
    lexicon.scores = {word: (round(split_gain(lexicon, word)[0], 3),) for word in lexicon if len(word) > 1}
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
        index, value = _ngrams.cohesion(tables, offsets, n, float(counts.totals[1]), max(min_count, 1))
        keep = value >= limit
        words = _ngrams.unpack_rows(np.ascontiguousarray(tables[n][index[keep]]), n)
        solid.update(zip(words, value[keep].tolist()))
    return solid


def count_fragments(source, joined: Iterable[str], jobs: int = 1) -> FragmentCounter:
    """Cut the corpus's segments at every gap that no string of `joined` covers
    (never inside a run of letters/digits) and count the pieces (compiled)."""
    compiled = Tokenizer({word: 1 for word in joined})._compiled
    return source.count_pass(_unigram.count_fragments, compiled, jobs, "discover: counting fragments")


def _keep_real(fragments: FragmentCounter, solid, order: int, min_count: int) -> Lexicon:
    """Backtracking: fragments seen min_count times that are words by the n-gram evidence."""
    lexicon = Lexicon()
    words, counts = fragments.items(min_count)
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

def _pairs_method(source, counts: NgramCounts, min_count: int, min_pmi: float = 1.0,
                  jobs: int = 1) -> tuple[FragmentCounter, Lexicon]:
    """Fragments between weak pairs: cut where the pair was seen fewer than
    min_count times or ln p(ab)/(p(a)p(b)) < min_pmi (characters normalised by
    characters, pairs by pairs, as nlp-zero does); the fragment counts and the
    lexicon of those seen min_count times."""
    pairs = counts.rows(2)
    unigrams = counts.rows(1)
    char_count = np.zeros(0x110000, dtype=np.float64)
    char_count[(unigrams[:, 0] >> 43) & 0x1FFFFF] = unigrams[:, -1]
    first = (pairs[:, 0] >> 43) & 0x1FFFFF
    second = (pairs[:, 0] >> 22) & 0x1FFFFF
    n_pair = pairs[:, -1].astype(np.float64)
    total_chars = float(counts.totals[1])
    total_pairs = float(max(counts.totals[2], 1))
    with np.errstate(divide="ignore"):
        pmi = (np.log(n_pair / total_pairs) - np.log(char_count[first] / total_chars)
               - np.log(char_count[second] / total_chars))
    strong = (n_pair >= min_count) & (pmi >= min_pmi)
    words = _ngrams.unpack_rows(np.ascontiguousarray(pairs[strong]), 2)
    fragments = count_fragments(source, words, jobs)
    words, n = fragments.items(min_count)
    return fragments, Lexicon(zip(words, n.tolist()))


def deredundancy(lexicon: Lexicon, nats_per_char: float = 1.0) -> Lexicon:
    """nlp-zero's de-redundancy, longest words first: a word must beat the best
    segmentation of it by the rest of the lexicon, ln p(w) - Σ ln p(parts), by
    at least nats_per_char · (len(w) - 1), or it is dropped and its count given
    to its parts.  nlp-zero uses 1 nat; refinement uses REFINE_NATS_PER_CHAR."""
    for word in sorted((w for w in lexicon if len(w) > 1), key=len, reverse=True):
        if word not in lexicon:
            continue
        gain, parts = split_gain(lexicon, word)
        if len(parts) > 1 and gain < nats_per_char * (len(word) - 1):
            c = lexicon.remove(word)
            for part in parts:
                lexicon.add(part, lexicon.get(part) + c)
    return lexicon


# ------------------------------------------------------------------ refinement

# A word's code-length saving per occurrence must exceed this many nats per
# character beyond the first.  Fragment counts over-estimate long words (the
# "manual rules against long words" nlp-zero's author mentions); 3 nats is the
# middle of the plateau (F1 within half a point for 3-3.5) on the development set.
REFINE_NATS_PER_CHAR = 3.0


def refine_lexicon(lexicon: Lexicon, source, min_count: int, rounds: int = 2, jobs: int = 1) -> Lexicon:
    """Minimum-entropy refinement: prune words that do not shorten the code
    enough (de-redundancy at REFINE_NATS_PER_CHAR), then re-estimate every count
    by segmenting the corpus with the unigram model (Viterbi EM); repeat."""
    for round_ in range(1, rounds + 1):
        lexicon = deredundancy(lexicon, REFINE_NATS_PER_CHAR)
        tokens = _segment_counts(Tokenizer(lexicon), source, jobs, f"discover: re-estimating {round_}/{rounds}")
        new = Lexicon((w, c) for w, c in tokens.items() if c >= min_count or len(w) == 1)
        if new == lexicon:
            break
        lexicon = new
    return lexicon


def _segment_counts(tokenizer: Tokenizer, source, jobs: int = 1, label: str = "discover: segmenting") -> Lexicon:
    """Token counts of the corpus segmented by `tokenizer` (compiled)."""
    words, counts = source.count_pass(_unigram.count_tokens, tokenizer._compiled, jobs, label).items()
    return Lexicon(zip(words, counts.tolist()))


# ------------------------------------------------------------------ corpus access

def fold_numbers(text: str) -> str:
    """Every number (digits, decimal points between digits) becomes NUMBER."""
    return _unigram.fold_numbers(text, character_classes())


class _Source:
    """The corpus as discovery reads it: numbers folded to NUMBER, which counts
    as a word character; re-readable (files are streamed again on each pass),
    each pass reported to `progress` as a task."""

    def __init__(self, corpus: Corpus, progress=None):
        base = as_word_chars(corpus.word_chars)
        table = base.table.copy()
        table[ord(NUMBER)] = 1
        word_chars = WordChars(table, base.description + " + numbers")
        self.raw = corpus.with_options(word_chars=word_chars)
        self.progress = as_progress(progress)

    @contextlib.contextmanager
    def reading(self, label: str, folded: bool = True):
        """The corpus for one pass (numbers folded by a Python transform for the
        n-gram counter, or raw for the compiled passes, which fold themselves)."""
        with self.progress.task(label, total=self.raw.total_bytes, unit="B") as advance:
            yield self.raw.with_options(progress=advance, transform=fold_numbers if folded else None)

    def count_pass(self, kernel, compiled, jobs: int, label: str) -> FragmentCounter:
        """Run a counting kernel over the corpus in blocks of whole lines, on
        `jobs` threads (one counter each, merged at the end)."""
        counters = queue.SimpleQueue()
        all_counters = [FragmentCounter() for _ in range(max(jobs, 1))]
        for counter in all_counters:
            counters.put(counter)
        classes = character_classes()
        word_table = self.raw.word_chars.table

        def work(block):
            counter = counters.get()
            try:
                kernel(compiled, block, classes, word_table, counter, True)
            finally:
                counters.put(counter)

        with self.reading(label, folded=False) as corpus:
            for _ in parallel_map(work, line_blocks(corpus.chunks()), jobs):
                pass
        total = all_counters[0]
        for counter in all_counters[1:]:
            total.merge(counter)
        return total
