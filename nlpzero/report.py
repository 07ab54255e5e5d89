"""The corpus report: one self-contained HTML page about a corpus and the words
nlpzero finds in it (``nlpzero report``).

    build_report("news.txt", "report.html")                      # discovers the lexicon first
    build_report("news.txt", "report.html", lexicon="news.tsv", vectors="news.vec", templates="news.tpl")

The page holds, every asset inline (CSS, script, SVG charts, data; nothing is
fetched, so it opens offline):

* the corpus: bytes, characters, lines, the share of each script, invalid
  bytes replaced, one row per input file; the discovery settings when the
  report discovered the lexicon itself;
* the top words and the top *new* words (of two or more characters, absent
  from a base dictionary, jieba's by default) in sortable, searchable tables
  with count, gain and keyword-in-context examples;
* charts: characters by script, word lengths, rank–frequency, gain, the share
  of running text new words cover, what the tokens are, the top words;
* segmentation samples: random lines (seeded) tokenized with the lexicon, new
  words highlighted;
* with word vectors, a labelled 2-D map (PCA) of the top words and the nearest
  neighbours of the top new words; with templates, the top templates and a
  parse tree.

Large corpora: the corpus is read once (plus discovery's own passes when it
discovers), in blocks, counting scripts with array operations and keeping a
uniform random sample of at most `sample_lines` lines (a bottom-k sample by
random key, so it does not depend on the block size).  Everything measured on
tokens -- the examples in context, the coverage of new words, the
segmentation samples -- comes from that one sample, tokenized once.

The charts need the ``report`` extra (matplotlib, see :mod:`nlpzero.charts`).
"""

from __future__ import annotations

import codecs
import collections
import dataclasses
import html
import inspect
import itertools
import logging
import os
import re
import time
from typing import Iterable, Iterator, Sequence

import numpy as np

from .corpus import Corpus, as_corpus, line_blocks
from .errors import InputError
from .fileio import atomic_output, check_output
from .lexicon import Lexicon, jieba_dictionary_path
from .progress import as_progress
from .text import CLASS_SPACE, NUMBER, NUMBER_TEXT, TABLE_SIZE as _TABLE_SIZE, character_classes, general_categories

log = logging.getLogger("nlpzero")

DEFAULT_TOP = 200              # rows of each word table
DEFAULT_SAMPLES = 20           # segmentation samples shown
DEFAULT_CONTEXTS = 3           # examples in context per word
DEFAULT_SAMPLE_LINES = 20_000  # the random sample every token statistic is measured on
MAX_SAMPLE_LINE = 2_000        # characters of a sampled line kept
CONTEXT_WIDTH = 14             # characters each side of a word in its examples
CHART_WORDS = 30               # bars in the top-words chart
MAP_WORDS = 120                # words on the vector map
NEIGHBOUR_WORDS = 20           # new words whose neighbours are listed
NEIGHBOURS = 8
TEMPLATE_ROWS = 30
PARSE_CANDIDATES = 200         # sample lines tried for the parse tree
GAIN_WORDS = 5_000             # words whose gain is computed when the lexicon has none

SCRIPTS = ("Han", "Latin", "digits", "punctuation & symbols", "whitespace", "other")
_HAN, _LATIN, _DIGIT, _PUNCT, _SPACE, _OTHER, _BREAK = range(7)   # _BREAK: line breaks, not counted
_script_table: np.ndarray | None = None
_HAS_DIGIT = re.compile(r"\d").search
_NUMBER_PATTERN = r"\d+(?:[.．]\d+)*"


@dataclasses.dataclass
class FileStats:
    """What the report says about one input file."""
    path: str
    bytes: int | None
    characters: int = 0            # code points, line breaks excluded
    lines: int = 0
    invalid: int = 0               # UTF-8: invalid bytes replaced; other encodings: U+FFFD in the text
    scripts: np.ndarray = dataclasses.field(default_factory=lambda: np.zeros(len(SCRIPTS), dtype=np.int64))


@dataclasses.dataclass
class Report:
    """What :func:`build_report` wrote."""
    output: str
    bytes: int
    words: int                     # lexicon entries of two or more characters
    new_words: int
    seconds: float
    font: str | None               # the CJK font of the charts (None: labels left to the browser)
    sections: tuple = ()


def build_report(corpus, output: str, lexicon=None, vectors=None, templates=None, base=None, progress=None,
                 seed: int = 0, top: int = DEFAULT_TOP, samples: int = DEFAULT_SAMPLES,
                 contexts: int = DEFAULT_CONTEXTS, sample_lines: int = DEFAULT_SAMPLE_LINES,
                 jobs: int | None = None, discover_options: dict | None = None, title: str | None = None,
                 **corpus_options) -> Report:
    """Write a self-contained HTML report on a corpus and its words.

    Parameters
    ----------
    corpus
        A path, a list of paths, directories or globs, or a :class:`~nlpzero.Corpus`
        (stdin only with a `lexicon`: discovering reads the corpus several times).
    output
        The HTML file to write (atomically: it appears only when complete);
        ``-`` writes to stdout.
    lexicon
        The words: a :class:`~nlpzero.Lexicon`, a :class:`~nlpzero.Tokenizer`,
        or a lexicon file or tokenizer model path.  None discovers them first
        (:func:`nlpzero.discover`, with `discover_options`).
    vectors
        Word vectors (a word2vec file path or loaded
        :class:`~nlpzero.vectors.WordVectors`) for the vector map and the
        neighbours of new words; optional.
    templates
        Sentence templates (a templates file path or
        :class:`~nlpzero.templates.Templates`) for the top templates and a
        parse tree; optional.
    base
        The base dictionary that decides which words are new: a lexicon path
        (any format :meth:`Lexicon.load` reads) or a Lexicon; default jieba's
        bundled dictionary.  Words with ``<NUM>`` are number patterns, never new.
    progress
        A :class:`nlpzero.progress.Progress` told about each pass (discovery's
        included), a callable, or None for silence.
    seed
        Seeds the line sample: the same seed and corpus give the same samples.
    top
        Rows of the top-words and top-new-words tables.
    samples
        Segmentation samples shown.
    contexts
        Examples in context per word in the tables.
    sample_lines
        At most this many random lines are kept and tokenized for the examples,
        the coverage of new words and the samples (lines beyond
        MAX_SAMPLE_LINE characters are cut).
    jobs
        Threads for discovery (default: all cores, at most 8) and for
        tokenizing the sample (default: one; the sample is small).
    discover_options
        Keyword arguments for :func:`nlpzero.discover` (method, order,
        min_count, ...) when `lexicon` is None.
    title
        The page's title (default: from the corpus's file names).
    **corpus_options
        Passed to :class:`~nlpzero.Corpus` when `corpus` is not one (encoding, word_chars).

    Returns
    -------
    Report
        The output's path and size, the number of words and new words, the
        seconds taken and the chart font.
    """
    from . import charts

    started = time.perf_counter()
    charts.require_matplotlib()                 # before any work: the extra may be missing
    if top < 1 or samples < 0 or contexts < 0 or sample_lines < 1:
        raise InputError("top and sample_lines must be at least 1, samples and contexts at least 0")
    progress = as_progress(progress)
    corpus = as_corpus(corpus, **corpus_options)
    check_output(output, corpus.paths + [os.fspath(p) for p in (lexicon, vectors, templates, base)
                                         if isinstance(p, (str, os.PathLike))])
    if lexicon is None:
        corpus.require_rereadable("report (discovering the lexicon)")
    # what can be refused is refused before the corpus is read
    vector_words = vector_table(vectors) if vectors is not None else None
    if templates is not None:
        from .templates import Templates
        templates = templates if isinstance(templates, Templates) else Templates.load(os.fspath(templates))
    if lexicon is not None:
        lexicon_name = _name(lexicon)
        lexicon = load_lexicon(lexicon)
    base_name, base_lexicon = load_base(base)

    files, sample = scan_corpus(corpus, sample_lines, seed, progress)
    if sum(int(f.scripts[:_SPACE].sum() + f.scripts[_OTHER]) for f in files) == 0:
        names = ", ".join(f.path for f in files) or ", ".join(corpus.inputs)
        raise InputError(f"{names}: no text to report on (the corpus is empty)")

    settings = None
    if lexicon is None:
        lexicon, settings = _discover(corpus, progress, jobs, discover_options or {})
        lexicon_name = "discovered by this report"
    if len(lexicon) == 0 or lexicon.total == 0:
        raise InputError(f"{lexicon_name}: the lexicon holds no words")

    words = analyse_words(lexicon, base_lexicon, top)
    from .tokenizer import Tokenizer
    tokenizer = Tokenizer(lexicon)
    tokens = sample_tokens(tokenizer, lexicon, words, sample, contexts, jobs, progress)

    page = _Page(title or f"nlpzero report: {', '.join(os.path.basename(f.path) or f.path for f in files)}")
    page.add("corpus", "Corpus", _corpus_section(files, settings, lexicon_name, len(lexicon), base_name, words,
                                                 tokens, len(sample)))
    page.add("words", "Top words", _words_section(words, tokens, "top", words.top,
                                                  "The most frequent words of two or more characters."))
    page.add("new-words", "New words", _words_section(
        words, tokens, "new", words.top_new,
        f"The most frequent words of two or more characters that the base dictionary ({html.escape(base_name)}) "
        "lacks."))
    with progress.task("report: drawing charts") as advance:
        page.add("charts", "Charts", _charts_section(files, lexicon, words, tokens, advance, page.glyphs))
        font = charts.cjk_font()
    page.add("samples", "Segmentation", _samples_section(sample, tokens, words, samples, seed))
    if vectors is not None:
        page.add("vectors", "Vectors", _vectors_section(vector_words, words, page.glyphs))
    if templates is not None:
        page.add("templates", "Templates", _templates_section(templates, tokenizer, sample))
    elapsed = time.perf_counter() - started
    page.footer = _footer(font, seed, len(sample), elapsed)
    document = page.render()
    data = document.encode("utf-8")
    with atomic_output(output, "wb") as out:
        out.write(data)
    return Report(output, len(data), words.multi_count, len(words.new), time.perf_counter() - started, font,
                  tuple(page.ids))


def run_report(corpus: Sequence[str], output: str, lexicon: str | None = None, vectors: str | None = None,
               templates: str | None = None, base: str | None = None, top: int = DEFAULT_TOP, seed: int = 0,
               jobs: int | None = None, encoding: str = "utf-8", progress=None) -> str:
    """What ``nlpzero report CORPUS... -o report.html [-l LEXICON] [-v VECTORS]
    [-t TEMPLATES] [--base DICT]`` does: checks the arguments, builds the
    report and returns the line to log ("wrote report.html (1.2 MB, ...)").
    InputError for stdin without a lexicon, a missing input or an output that
    cannot be written."""
    if "-" in corpus and lexicon is None:
        raise InputError("report discovers the lexicon by reading the corpus several times: give files, "
                         "not - (stdin), or give -l LEXICON")
    source = Corpus(list(corpus), encoding=encoding)
    report = build_report(source, output, lexicon=lexicon, vectors=vectors, templates=templates, base=base,
                          progress=progress, seed=seed, top=top, jobs=jobs)
    return (f"wrote {output} ({_megabytes(report.bytes)}: {report.words:,} words, {report.new_words:,} new, "
            f"in {report.seconds:.1f} s)")


# ---------------------------------------------------------------- reading the corpus

def _build_script_table() -> np.ndarray:
    """Script class of each code point below U+20000 (above: Han up to U+3FFFF, else other)."""
    global _script_table
    if _script_table is None:
        major, minor = general_categories()
        table = np.full(_TABLE_SIZE, _OTHER, dtype=np.uint8)
        table[(major == ord("P")) | (major == ord("S"))] = _PUNCT
        latin = np.zeros(_TABLE_SIZE, dtype=bool)
        for lo, hi in ((0x41, 0x5A), (0x61, 0x7A), (0xC0, 0x24F), (0x1E00, 0x1EFF), (0x2C60, 0x2C7F),
                       (0xA720, 0xA7FF), (0xFF21, 0xFF3A), (0xFF41, 0xFF5A)):
            latin[lo:hi + 1] = True
        table[latin & (major == ord("L"))] = _LATIN
        table[(major == ord("N")) & (minor == ord("d"))] = _DIGIT
        han = np.zeros(_TABLE_SIZE, dtype=bool)
        for lo, hi in ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x3007, 0x3007), (0x3005, 0x3005)):
            han[lo:hi + 1] = True
        table[han] = _HAN
        table[(character_classes() & CLASS_SPACE) != 0] = _SPACE
        table[[0x0A, 0x0D]] = _BREAK
        _script_table = table
    return _script_table


def _script_counts(text: str) -> np.ndarray:
    table = _build_script_table()
    cps = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    low = cps < _TABLE_SIZE
    if low.all():
        classes = table[cps]
    else:
        classes = np.where(low, table[np.where(low, cps, 0)], np.where(cps < 0x40000, _HAN, _OTHER))
    return np.bincount(classes, minlength=_BREAK + 1)


class _InvalidBytes:
    count = 0


_tallies: list[_InvalidBytes] = []


def _count_invalid(exc: UnicodeDecodeError):
    _tallies[-1].count += exc.end - exc.start
    return "\ufffd", exc.end


codecs.register_error("nlpzero-report-count", _count_invalid)


def _decoded_blocks(corpus: Corpus) -> Iterator[tuple[str, Iterator[tuple[str, int, int]]]]:
    """(path, blocks) per non-empty input; each block is (text ending at a line
    feed, raw bytes, invalid bytes replaced)."""
    if codecs.lookup(corpus.encoding).name == "utf-8":
        def decode(blocks):
            for block in blocks:
                tally = _InvalidBytes()
                _tallies.append(tally)
                try:
                    text = block.decode("utf-8", "nlpzero-report-count")
                finally:
                    _tallies.pop()
                yield text, len(block), tally.count
        for path, blocks in corpus.files_of(corpus.file_line_bytes):
            yield path, decode(blocks)
    else:
        def regroup(pieces):
            chunks = itertools.chain(((piece, False) for piece in pieces), [("", True)])
            for text in line_blocks(chunks):
                yield text, 0, text.count("\ufffd")
        for path, pieces in corpus.files_of(corpus.file_chunks):
            yield path, regroup(pieces)


class _Sample:
    """A uniform random sample of at most `size` non-blank lines: each line gets
    a random key and the lines of the `size` smallest keys are kept."""

    def __init__(self, size: int, seed: int):
        self.size = size
        self.rng = np.random.default_rng(seed)
        self.keys = np.empty(0)
        self.lines: list[str] = []

    def offer(self, lines: list[str]) -> None:
        keys = self.rng.random(len(lines))
        if len(self.lines) >= self.size:
            chosen = np.flatnonzero(keys < self.keys.max())
        else:
            chosen = np.arange(len(lines))
        chosen = [i for i in chosen.tolist() if lines[i].strip()]
        if not chosen:
            return
        keys = np.concatenate([self.keys, keys[chosen]])
        lines = self.lines + [lines[i].rstrip("\r")[:MAX_SAMPLE_LINE] for i in chosen]
        if len(lines) > self.size:
            keep = np.argpartition(keys, self.size - 1)[:self.size]
            keys, lines = keys[keep], [lines[i] for i in keep.tolist()]
        self.keys, self.lines = keys, lines

    def result(self) -> list[str]:
        """The sampled lines in the order of their keys (a random order)."""
        return [self.lines[i] for i in np.argsort(self.keys, kind="stable").tolist()]


def scan_corpus(corpus: Corpus, sample_lines: int = DEFAULT_SAMPLE_LINES, seed: int = 0,
                progress=None) -> tuple[list[FileStats], list[str]]:
    """One pass over the corpus: a :class:`FileStats` per non-empty input and a
    uniform random sample of at most `sample_lines` non-blank lines (seeded)."""
    progress = as_progress(progress)
    sample = _Sample(sample_lines, seed)
    files = []
    with progress.task("report: reading the corpus", total=corpus.total_bytes, unit="B") as advance:
        reader = corpus.with_options(progress=advance)
        for path, blocks in _decoded_blocks(reader):
            stats = FileStats("<stdin>" if path == "-" else path, _file_size(path))
            seen = 0
            for text, nbytes, invalid in blocks:
                counts = _script_counts(text)
                stats.scripts += counts[:len(SCRIPTS)]
                stats.characters += int(counts[:len(SCRIPTS)].sum())
                stats.lines += text.count("\n")
                stats.invalid += invalid
                seen += nbytes
                lines = text.split("\n")
                if lines and lines[-1] == "":
                    lines.pop()
                sample.offer(lines)
            if stats.bytes is None and seen:
                stats.bytes = seen
            reader.report_invalid(path, stats.invalid)
            files.append(stats)
    return files, sample.result()


def _file_size(path: str) -> int | None:
    if path == "-" or "://" in path:
        return None
    try:
        return os.path.getsize(path)
    except OSError:
        return None


# ---------------------------------------------------------------- the words

def _discover(corpus: Corpus, progress, jobs, options: dict) -> tuple[Lexicon, list[tuple[str, str]]]:
    """Discover the lexicon; returns it and the settings used, for the page."""
    from .discovery import discover

    shown = ("method", "order", "min_count", "thresholds", "refine", "unit", "max_memory")
    defaults = {name: p.default for name, p in inspect.signature(discover).parameters.items()
                if p.default is not inspect.Parameter.empty}
    started = time.perf_counter()
    lexicon = discover(corpus, progress=progress, jobs=jobs, **options)
    used = {**{name: defaults.get(name) for name in shown}, **options}
    settings = [(name, _setting(name, used.get(name))) for name in shown
                if name in used and not (name == "thresholds" and used.get("method") != "ngram")]
    settings += [(name, _setting(name, value)) for name, value in options.items() if name not in shown]
    settings.append(("jobs", str(jobs) if jobs else "default (all cores, at most 8)"))
    settings.append(("time", f"{time.perf_counter() - started:.1f} s"))
    return lexicon, settings


def _setting(name: str, value) -> str:
    if value is None:
        return {"min_count": "default (grows with the corpus)", "thresholds": "default (0, 2, 4, 6)",
                "max_memory": "default (a third of RAM)"}.get(name, "default")
    return str(value)


def load_lexicon(lexicon) -> Lexicon:
    """A Lexicon from a Lexicon, a Tokenizer, a lexicon file or a tokenizer model file."""
    from .tokenizer import Tokenizer, is_model_file

    if isinstance(lexicon, Lexicon):
        return lexicon
    if isinstance(lexicon, Tokenizer):
        return lexicon.lexicon
    path = os.fspath(lexicon)
    if is_model_file(path):
        return Tokenizer.load(path).lexicon
    return Lexicon.load(path)


def load_base(base) -> tuple[str, Lexicon]:
    """(description, Lexicon) of the base dictionary (jieba's when `base` is None)."""
    if base is None:
        path = jieba_dictionary_path()
        lexicon = Lexicon.load(path)
        return f"jieba's bundled dictionary, {len(lexicon):,} words", lexicon
    lexicon = load_lexicon(base)
    return f"{_name(base)}, {len(lexicon):,} words", lexicon


def _name(item) -> str:
    if isinstance(item, (str, os.PathLike)):
        return os.fspath(item)
    return f"a {type(item).__name__} given by the caller"


@dataclasses.dataclass
class Words:
    """The lexicon seen by the report."""
    total: int                              # the lexicon's total count
    multi_count: int                        # entries of two or more characters
    new: set                                # the new words
    top: list                               # [(word, count)] most frequent multi-character words
    top_new: list                           # [(word, count)] most frequent new words
    gains: dict                             # word -> gain (float) for the shown words and the chart
    gains_computed: bool                    # the lexicon had no gain column: computed for GAIN_WORDS words
    multi: list                             # all (word, count) of >= 2 characters, most frequent first


def analyse_words(lexicon: Lexicon, base: Lexicon, top: int = DEFAULT_TOP) -> Words:
    """Rank the words, find the new ones (two or more characters, not in
    `base`, no number placeholder) and collect gains."""
    multi = [(w, c) for w, c in lexicon.items() if len(w) > 1 and c > 0]
    multi.sort(key=lambda wc: (-wc[1], wc[0]))
    new = {w for w, _ in multi if w not in base and NUMBER not in w}
    top_words = multi[:top]
    top_new = [wc for wc in multi if wc[0] in new][:top] if new else []
    gains: dict[str, float] = {}
    computed = "gain" not in lexicon.columns
    if not computed:
        index = lexicon.columns.index("gain")
        for word, scores in lexicon.scores.items():
            value = scores[index] if index < len(scores) else None
            if isinstance(value, (int, float)) and len(word) > 1:
                gains[word] = float(value)
    else:
        from .discovery import split_gain
        wanted = dict.fromkeys(w for w, _ in itertools.chain(multi[:GAIN_WORDS], top_words, top_new))
        gains = {w: round(split_gain(lexicon, w)[0], 3) for w in wanted}
    return Words(lexicon.total, len(multi), new, top_words, top_new, gains, computed, multi)


@dataclasses.dataclass
class Tokens:
    """What the sample's tokens say."""
    lists: list                             # tokens of each sample line
    characters: int                         # non-whitespace characters in the sample
    kinds: dict                             # kind -> characters
    new_chars: list                         # characters covered by each new word, descending
    new_counts: collections.Counter         # new word -> occurrences in the sample
    contexts: dict                          # word -> [(left, token, right)]


_KINDS = (("new words", "new"), ("words in the base dictionary", "known"), ("number patterns (<NUM>)", "accent"),
          ("single characters", "single"), ("other: punctuation, letters/digits in no word", "other"))


def sample_tokens(tokenizer, lexicon: Lexicon, words: Words, sample: list[str], contexts: int = DEFAULT_CONTEXTS,
                  jobs: int | None = None, progress=None) -> Tokens:
    """Tokenize the sample once and measure it: the characters of each kind of
    token, the new words' coverage, and up to `contexts` examples in context of
    every word in the tables (one pass over the sample's tokens, then one
    regular-expression pass for the words no token matched)."""
    progress = as_progress(progress)
    with progress.task("report: tokenizing the sample", total=len(sample), unit="lines") as advance:
        lists = []
        for tokens in tokenizer.tokenize_many(sample, jobs=jobs or 1, batch=512):
            lists.append(tokens)
            if len(lists) % 512 == 0:
                advance(512)
        advance(len(lists) % 512)
    frequency = collections.Counter(itertools.chain.from_iterable(lists))
    key_of = {}                              # surface -> lexicon word, where they differ (numbers)
    for token in frequency:
        if _HAS_DIGIT(token):
            key = _fold(token)
            if key != token and key in lexicon:
                key_of[token] = key
    kinds = dict.fromkeys((label for label, _ in _KINDS), 0)
    new_chars: collections.Counter = collections.Counter()
    new_counts: collections.Counter = collections.Counter()
    total = 0
    for token, count in frequency.items():
        if token.isspace():
            continue
        size = len(token) * count
        total += size
        key = key_of.get(token, token)
        if key in words.new:
            kinds["new words"] += size
            new_chars[key] += size
            new_counts[key] += count
        elif len(key) > 1 and key in lexicon:
            kinds["number patterns (<NUM>)" if NUMBER in key else "words in the base dictionary"] += size
        elif len(token) == 1 and token.isalnum():
            kinds["single characters"] += size
        else:
            kinds["other: punctuation, letters/digits in no word"] += size
    targets = {w for w, _ in itertools.chain(words.top, words.top_new)}
    found = _contexts(sample, lists, key_of, targets, contexts)
    return Tokens(lists, total, kinds, sorted(new_chars.values(), reverse=True), new_counts, found)


def _contexts(sample, lists, key_of, targets, contexts) -> dict:
    found: dict[str, list] = {w: [] for w in targets}
    if contexts <= 0:
        return found
    surfaces = set(targets) | {s for s, k in key_of.items() if k in targets}
    missing = set(targets)
    for line, tokens in zip(sample, lists):
        if not missing:
            break
        hits = surfaces.intersection(tokens)
        if not hits:
            continue
        position, used = 0, set()            # one example per word and line
        for token in tokens:
            end = position + len(token)
            if token in hits:
                key = key_of.get(token, token)
                got = found[key]
                if len(got) < contexts and key not in used:
                    example = _example(line, position, end)
                    if example not in got:
                        got.append(example)
                        used.add(key)
                        if len(got) == contexts:
                            missing.discard(key)
            position = end
    # words no token matched (they occur only inside longer tokens): one regex pass
    wanted = [w for w in targets if not found[w]]
    if wanted:
        pattern = re.compile("|".join(re.escape(w).replace(re.escape(NUMBER), _NUMBER_PATTERN)
                                      for w in sorted(wanted, key=len, reverse=True)))
        left = set(wanted)
        for line in sample:
            if not left:
                break
            used = set()
            for match in pattern.finditer(line):
                key = match.group()
                key = key if key in left else _fold(key)
                if key in left and key not in used:
                    used.add(key)
                    found[key].append(_example(line, match.start(), match.end()))
                    if len(found[key]) >= contexts:
                        left.discard(key)
    return found


def _fold(text: str) -> str:
    from .text import fold_numbers
    return fold_numbers(text)


def _example(line: str, start: int, end: int) -> tuple[str, str, str]:
    left = line[max(0, start - CONTEXT_WIDTH):start]
    right = line[end:end + CONTEXT_WIDTH]
    return ("…" if start > CONTEXT_WIDTH else "") + left.lstrip(), line[start:end], \
        right.rstrip() + ("…" if end + CONTEXT_WIDTH < len(line) else "")


# ---------------------------------------------------------------- vectors (the one place the vectors API is used)

def vector_table(vectors) -> tuple[list[str], np.ndarray]:
    """(words, float32 matrix, one row per word) from a vectors file path, a
    :class:`~nlpzero.vectors.WordVectors` or a gensim ``KeyedVectors``."""
    if isinstance(vectors, (str, os.PathLike)):
        from .vectors import WordVectors
        vectors = WordVectors.load(os.fspath(vectors))
    words = getattr(vectors, "words", None)
    if words is None:
        words = getattr(vectors, "index_to_key", None)
    matrix = getattr(vectors, "vectors", None)
    if words is None or matrix is None:
        raise InputError(f"not word vectors: {type(vectors).__name__} (expected a vectors file or WordVectors)")
    matrix = np.asarray(matrix, dtype=np.float32)
    if matrix.ndim != 2 or matrix.shape[0] != len(words):
        raise InputError("word vectors: one row per word expected")
    return list(words), matrix


def _vector_keys(word: str) -> tuple[str, ...]:
    """How a lexicon word may be spelled in a vectors file."""
    return (word, word.replace(" ", "_"), word.replace(NUMBER, NUMBER_TEXT))


def neighbours(unit: np.ndarray, row: int, k: int) -> list[tuple[int, float]]:
    """The k rows of highest cosine with `row` (rows of `unit` have norm 1), itself excluded."""
    scores = unit @ unit[row]
    scores[row] = -np.inf
    k = min(k, len(scores) - 1)
    if k <= 0:
        return []
    best = np.argpartition(-scores, k - 1)[:k]
    best = best[np.argsort(-scores[best], kind="stable")]
    return [(int(i), float(scores[i])) for i in best]


# ---------------------------------------------------------------- the page

def _e(text) -> str:
    return html.escape(str(text), quote=True)


def _show(word: str) -> str:
    return word.replace(NUMBER, NUMBER_TEXT)


def _megabytes(size: int) -> str:
    return f"{size / 1e6:.1f} MB" if size >= 100_000 else f"{size / 1e3:.0f} kB"


def _number(value: int | None) -> str:
    return "—" if value is None else f"{value:,}"


class _Page:
    def __init__(self, title: str):
        self.title = title
        self.ids: list[str] = []
        self.headings: list[str] = []
        self.sections: list[str] = []
        self.glyphs: dict[str, str] = {}      # glyph outlines shared by the charts (see charts.glyph_defs)
        self.footer = ""

    def add(self, anchor: str, heading: str, body: str) -> None:
        self.ids.append(anchor)
        self.headings.append(heading)
        self.sections.append(f'<section id="{anchor}">\n<h2>{_e(heading)}</h2>\n{body}\n</section>')

    def render(self) -> str:
        from .charts import glyph_defs

        nav = " ".join(f'<a href="#{a}">{_e(h)}</a>' for a, h in zip(self.ids, self.headings))
        return (f'<!DOCTYPE html>\n<html lang="zh">\n<head>\n<meta charset="utf-8">\n'
                f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
                f'<meta name="generator" content="nlpzero {_version()}">\n'
                f"<title>{_e(self.title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
                f'{glyph_defs(self.glyphs)}\n'
                f'<header><h1>{_e(self.title)}</h1><nav>{nav}</nav></header>\n<main>\n'
                + "\n".join(self.sections) + f"\n</main>\n<footer>{self.footer}</footer>\n"
                f"<script>{SCRIPT}</script>\n</body>\n</html>\n")


def _version() -> str:
    from . import __version__
    return __version__


def _cards(items: Iterable[tuple[str, str]]) -> str:
    return '<div class="cards">' + "".join(f'<div class="card"><div class="value">{_e(v)}</div>'
                                           f'<div class="label">{_e(k)}</div></div>' for k, v in items) + "</div>"


def _table(headers: Sequence[tuple[str, str]], rows: Iterable[Sequence[str]], attrs: str = "") -> str:
    """headers: (label, "number"|"text"); rows: cells already in HTML (<td> included)."""
    head = "".join(f'<th data-type="{kind}" scope="col">{_e(label)}</th>' for label, kind in headers)
    body = "\n".join("<tr>" + "".join(row) + "</tr>" for row in rows)
    return f"<table {attrs}><thead><tr>{head}</tr></thead><tbody>\n{body}\n</tbody></table>"


def _num_cell(value, text: str | None = None) -> str:
    if value is None:
        return '<td class="num" data-v="">—</td>'
    return f'<td class="num" data-v="{value}">{_e(text if text is not None else f"{value:,}")}</td>'


def _corpus_section(files, settings, lexicon_name, lexicon_size, base_name, words, tokens, sample_size) -> str:
    total = FileStats("all files", sum(f.bytes or 0 for f in files) if all(f.bytes is not None for f in files)
                      else None)
    for f in files:
        total.characters += f.characters
        total.lines += f.lines
        total.invalid += f.invalid
        total.scripts += f.scripts
    new_share = tokens.kinds["new words"] / max(tokens.characters, 1)
    parts = [_cards([("characters", f"{total.characters:,}"), ("lines", f"{total.lines:,}"),
                     ("bytes", _number(total.bytes)), ("lexicon words (2+ characters)", f"{words.multi_count:,}"),
                     ("new words", f"{len(words.new):,}"),
                     ("of running text in new words (sample)", f"{100 * new_share:.2f}%")])]
    headers = [("file", "text"), ("bytes", "number"), ("characters", "number"), ("lines", "number")]
    headers += [(f"{name} %", "number") for name in SCRIPTS]
    headers += [("invalid bytes replaced", "number")]
    rows = []
    for f in files + ([total] if len(files) > 1 else []):
        shares = f.scripts / max(f.characters, 1)
        cells = [f'<td class="path">{_e(f.path)}</td>', _num_cell(f.bytes), _num_cell(f.characters),
                 _num_cell(f.lines)]
        cells += [_num_cell(round(100 * s, 2), f"{100 * s:.2f}") for s in shares]
        cells.append(_num_cell(f.invalid))
        rows.append(cells)
    parts.append(_table(headers, rows, 'class="sortable compact"'))
    parts.append('<p class="note">Characters are code points, line breaks excluded; "digits" are decimal digits '
                 "of any script, half- or full-width; invalid bytes are counted in UTF-8 corpora (in other encodings, "
                 "the U+FFFD characters of the text).</p>")
    rows = [("lexicon", f"{lexicon_name}: {lexicon_size:,} entries, total count {words.total:,}"),
            ("base dictionary (decides what is new)", base_name),
            ("token statistics, examples and samples", f"a random sample of {sample_size:,} lines")]
    if words.gains_computed:
        rows.append(("gain", f"the lexicon has no gain column: computed for its {GAIN_WORDS:,} most frequent words"))
    parts.append("<h3>Settings</h3>" + _definition_list(rows))
    if settings:
        parts.append("<h3>Discovery</h3>" + _definition_list(settings))
    return "\n".join(parts)


def _definition_list(rows) -> str:
    return '<dl class="settings">' + "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in rows) + "</dl>"


def _contexts_html(examples) -> str:
    return "".join(f'<span class="kwic">{_e(left)}<b>{_e(word)}</b>{_e(right)}</span>'
                   for left, word, right in examples)


def _words_section(words: Words, tokens: Tokens, name: str, ranked, intro: str) -> str:
    if not ranked:
        return f"<p>{intro}</p><p><em>None.</em></p>"
    per_million = 1e6 / max(words.total, 1)
    headers = [("rank", "number"), ("word", "text"), ("count", "number"), ("per million tokens", "number"),
               ("length", "number"), ("gain", "number")]
    if name == "top":
        headers.append(("new", "text"))
    headers.append(("in context", "text"))
    rows = []
    for rank, (word, count) in enumerate(ranked, 1):
        is_new = word in words.new
        gain = words.gains.get(word)
        cells = [_num_cell(rank), f'<td class="word{" new" if is_new else ""}" data-word="{_e(_show(word))}">'
                 f"{_e(_show(word))}</td>",
                 _num_cell(count), _num_cell(round(count * per_million, 1), f"{count * per_million:,.1f}"),
                 _num_cell(len(word)), _num_cell(gain, None if gain is None else f"{gain:.2f}")]
        if name == "top":
            cells.append(f'<td class="flag">{"new" if is_new else ""}</td>')
        cells.append(f'<td class="ctx">{_contexts_html(tokens.contexts.get(word, ()))}</td>')
        rows.append(cells)
    table_id = f"table-{name}"
    controls = (f'<div class="controls"><input type="search" placeholder="search words and examples" '
                f'data-filter="{table_id}" aria-label="search the table">')
    if name == "top":
        controls += f'<label><input type="checkbox" data-new-only="{table_id}"> new words only</label>'
    controls += f'<span class="shown" data-count="{table_id}"></span></div>'
    gain_note = ("Gain: the code length in nats each occurrence saves over the word's best split by the rest "
                 "of the lexicon (discovery's minimum-entropy score).  Click a column to sort.")
    return (f"<p>{intro} {gain_note}</p>{controls}<div class=\"scroll\">"
            + _table(headers, rows, f'id="{table_id}" class="sortable words" data-rows="{len(rows)}"') + "</div>")


def _charts_section(files, lexicon: Lexicon, words: Words, tokens: Tokens, advance, glyphs: dict) -> str:
    from . import charts

    drawn = []

    def add(result):
        drawn.append(result)
        advance(1)

    totals = np.sum([f.scripts for f in files], axis=0)
    characters = max(int(totals.sum()), 1)
    add(charts.scripts_chart([(name, int(c) / characters) for name, c in zip(SCRIPTS, totals)], glyphs))
    _, offsets, counts = lexicon.sorted_arrays()
    lengths = np.minimum(np.diff(offsets), 8)
    entries = np.bincount(lengths, minlength=9)[1:]
    weighted = np.bincount(lengths, weights=counts, minlength=9)[1:]
    add(charts.length_chart(list(range(1, 9)), entries / max(entries.sum(), 1), weighted / max(weighted.sum(), 1),
                            glyphs))
    ranked = np.sort(counts)[::-1]
    new_ranks, new_counts = [], []
    if words.new:
        # ranks among all entries: the multi-character ranking interleaved with the single characters
        position = np.searchsorted(-ranked, -np.array([c for _, c in words.multi], dtype=np.int64), side="left")
        for (word, count), rank in zip(words.multi, position.tolist()):
            if word in words.new:
                new_ranks.append(rank + 1)
                new_counts.append(count)
    add(charts.rank_frequency_chart(ranked, new_ranks, new_counts, glyphs))
    known_gains = [g for w, g in words.gains.items() if w not in words.new]
    new_gains = [g for w, g in words.gains.items() if w in words.new]
    add(charts.gain_chart(known_gains, new_gains, glyphs))
    cumulative = np.cumsum(tokens.new_chars) / max(tokens.characters, 1)
    share = tokens.kinds["new words"] / max(tokens.characters, 1)
    add(charts.coverage_chart(cumulative, share, "the sample's characters", glyphs))
    add(charts.composition_chart([(label, tokens.kinds[label] / max(tokens.characters, 1), colour)
                                  for label, colour in _KINDS if tokens.kinds[label]], glyphs))
    shown = words.top[:CHART_WORDS]
    add(charts.top_words_chart([_show(w) for w, _ in shown], [c for _, c in shown],
                               [w in words.new for w, _ in shown], glyphs))
    scatter = [(w, c) for w, c in words.top if w in words.gains]
    if scatter:
        labelled = sorted(range(len(scatter)), key=lambda i: -words.gains[scatter[i][0]])[:12]
        add(charts.gain_count_chart([c for _, c in scatter], [words.gains[w] for w, _ in scatter],
                                    [w in words.new for w, _ in scatter],
                                    [(i, _show(scatter[i][0])) for i in labelled], glyphs))
    notes = {
        "Rank–frequency (log–log)": "All lexicon entries, single characters included; red points: new words.",
        "Running text covered by new words": "Measured on the tokenized sample.",
        "What the tokens are (share of characters)": "The sample tokenized with the lexicon.",
        "Count and gain of the top words": "The table's top words; labelled: the highest gains.",
    }
    return '<div class="charts">' + "\n".join(
        f'<figure class="chart">{svg}'
        f'{("<figcaption>" + _e(notes[title]) + "</figcaption>") if title in notes else ""}</figure>'
        for title, svg in drawn) + "</div>"


def _samples_section(sample, tokens: Tokens, words: Words, count: int, seed: int) -> str:
    chosen = [i for i, line in enumerate(sample) if 8 <= len(line.strip()) <= 160 and _has_han(line)][:count]
    if len(chosen) < count:
        chosen += [i for i in range(len(sample)) if i not in set(chosen)][:count - len(chosen)]
    items = []
    for i in chosen:
        spans, size = [], 0
        for token in tokens.lists[i]:
            if size > 200:
                spans.append('<span class="more">…</span>')
                break
            size += len(token)
            if token.isspace():
                spans.append(_e(token))
                continue
            key = _fold(token) if _HAS_DIGIT(token) else token
            cls = "tok new" if key in words.new else ("tok word" if len(token) > 1 else "tok")
            spans.append(f'<span class="{cls}">{_e(token)}</span>')
        items.append(f'<li>{"".join(spans)}</li>')
    legend = ('<p>Random lines of the sample (seed {seed}) as the tokenizer cuts them with this lexicon: '
              '<span class="tok new">new words</span> <span class="tok word">other words</span> '
              '<span class="tok">single characters</span>.</p>').format(seed=seed)
    return legend + f'<ol class="samples">{"".join(items)}</ol>'


def _has_han(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _vectors_section(table: tuple[list[str], np.ndarray], words: Words, glyphs: dict) -> str:
    from . import charts

    vocabulary, matrix = table
    index = {w: i for i, w in enumerate(vocabulary)}

    def row_of(word):
        return next((index[k] for k in _vector_keys(word) if k in index), None)

    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    unit = matrix / np.where(norms > 0, norms, 1)
    placed = [(w, row_of(w)) for w, _ in words.top]
    placed = [(w, r) for w, r in placed if r is not None][:MAP_WORDS]
    parts = [f"<p>{len(vocabulary):,} vectors of dimension {matrix.shape[1]}; "
             f"{len(placed)} of the top words have one.</p>"]
    if len(placed) >= 3:
        points = unit[[r for _, r in placed]]
        points = points - points.mean(axis=0)
        _, singular, axes = np.linalg.svd(points, full_matrices=False)
        xy = points @ axes[:2].T
        explained = (singular ** 2 / max(float((singular ** 2).sum()), 1e-12)).tolist() + [0.0, 0.0]
        title, svg = charts.vector_map_chart([_show(w) for w, _ in placed], xy, [w in words.new for w, _ in placed],
                                             explained, glyphs)
        parts.append(f'<figure class="chart wide">{svg}<figcaption>{_e(title)}: the words\' unit vectors '
                     "projected on their first two principal components; red: new words.</figcaption></figure>")
    rows = []
    for word, _ in words.top_new:
        row = row_of(word)
        if row is None:
            continue
        near = neighbours(unit, row, NEIGHBOURS)
        rows.append([f'<td class="word new">{_e(_show(word))}</td>',
                     '<td class="ctx">' + " ".join(f'<span class="nb">{_e(_show(vocabulary[i]))} '
                                                   f'<small>{s:.2f}</small></span>' for i, s in near) + "</td>"])
        if len(rows) >= NEIGHBOUR_WORDS:
            break
    parts.append("<h3>Nearest neighbours of the top new words</h3>")
    parts.append(_table([("new word", "text"), (f"{NEIGHBOURS} nearest words (cosine)", "text")], rows,
                        'class="compact"') if rows else "<p><em>No new word has a vector.</em></p>")
    return "\n".join(parts)


def _templates_section(found, tokenizer, sample) -> str:
    from .templates import Parser, template_text

    top = found.most_common(TEMPLATE_ROWS, trivial=False)
    parts = [f"<p>{len(found):,} templates, {found.total:,} occurrences counted; the most frequent of those "
             "that are not one word between two placeholders:</p>"]
    rows = [[_num_cell(rank), f'<td class="tpl">{_e(_show(template_text(t)))}</td>', _num_cell(c),
             _num_cell(round(100 * c / max(found.total, 1), 3), f"{100 * c / max(found.total, 1):.3f}")]
            for rank, (t, c) in enumerate(top, 1)]
    parts.append(_table([("rank", "number"), ("template", "text"), ("count", "number"), ("%", "number")], rows,
                        'class="sortable compact"') if rows else "<p><em>No templates.</em></p>")
    parser = Parser(found)
    best, best_score = None, None
    candidates = [line.strip() for line in sample if 6 <= len(line.strip()) <= 60][:PARSE_CANDIDATES]
    for line in candidates:
        for tree in parser.parse_text(line, tokenizer):
            score = _tree_score(tree)
            if best is None or score > best_score:
                best, best_score = tree, score
    if best is not None and (best_score[0] > 0 or best_score[2] < 0):
        parts.append(f"<h3>A parse tree</h3><p>The sentence of the sample (among {len(candidates)} tried) whose "
                     "parse uses the most templates other than [X] w [X]; each block shows its template, "
                     "placeholders are filled by "
                     "the blocks under it.</p>")
        parts.append(f'<ul class="tree">{_tree_html(best)}</ul>')
    return "\n".join(parts)


def _tree_score(tree) -> tuple[int, int, int]:
    """How telling a parse is: (templates that are not [X] w [X], their fixed
    words, minus the trivial ones)."""
    from .templates import fixed_words, is_trivial

    useful = fixed = trivial = 0
    stack = [tree]
    while stack:
        node = stack.pop()
        stack.extend(node.children)
        if node.template is None:
            continue
        if is_trivial(node.template):
            trivial += 1
        else:
            useful += 1
            fixed += fixed_words(node.template)
    return useful, fixed, -trivial


def _tree_html(tree) -> str:
    from .templates import template_text
    label = _e(_show(template_text(tree.template))) if tree.template else "(no template)"
    children = "".join(_tree_html(c) for c in tree.children)
    return (f'<li><span class="block">{_e(_show(tree.text))}</span> <span class="tpl">{label}</span>'
            + (f"<ul>{children}</ul>" if children else "") + "</li>")


def _footer(font, seed, sample_size, elapsed) -> str:
    import matplotlib
    chart_font = (f"chart text drawn as outlines in {font}" if font else
                  "no CJK font was found: chart labels are text drawn by the browser")
    return (f"nlpzero {_e(_version())} · matplotlib {_e(matplotlib.__version__)} · {_e(chart_font)} · "
            f"seed {seed} · sample of {sample_size:,} lines · built in {elapsed:.1f} s")


# ---------------------------------------------------------------- assets (inline)

CSS = """
:root { --fg: #1f2d3d; --muted: #5f6b7a; --line: #d9dee5; --new: #e45756; --newbg: #fde2e1; --word: #dbe7f3;
  --accent: #4c78a8; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--fg); background: #f7f8fa; line-height: 1.5;
  font-family: system-ui, -apple-system, "Segoe UI", "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC",
    "Microsoft YaHei", "WenQuanYi Micro Hei", "Hiragino Sans GB", sans-serif; }
header { background: #1f2d3d; color: #fff; padding: 14px 28px; position: sticky; top: 0; z-index: 2; }
header h1 { margin: 0; font-size: 20px; font-weight: 600; }
header nav a { color: #cfe0f5; margin-right: 16px; text-decoration: none; font-size: 14px; }
main { max-width: 1280px; margin: 0 auto; padding: 8px 28px 40px; }
section { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 4px 20px 16px;
  margin: 18px 0; }
h2 { font-size: 18px; border-bottom: 1px solid var(--line); padding-bottom: 6px; }
h3 { font-size: 15px; margin: 18px 0 6px; }
.cards { display: flex; flex-wrap: wrap; gap: 10px; margin: 10px 0 16px; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 8px 14px; min-width: 140px; }
.card .value { font-size: 20px; font-weight: 600; }
.card .label { font-size: 12px; color: var(--muted); }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #eef1f5; cursor: pointer; user-select: none; white-space: nowrap; position: sticky; top: 0; }
.scroll { max-height: 560px; overflow: auto; border: 1px solid var(--line); border-radius: 4px; }
th[aria-sort="ascending"]::after { content: " ▲"; } th[aria-sort="descending"]::after { content: " ▼"; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.word { font-size: 15px; white-space: nowrap; } td.word.new { color: #9b1c1c; font-weight: 600; }
td.flag { color: var(--new); font-size: 12px; }
td.path { word-break: break-all; }
.ctx .kwic { display: block; color: var(--muted); white-space: nowrap; overflow: hidden; text-overflow: ellipsis;
  max-width: 560px; }
.ctx .kwic b { color: var(--fg); background: #fff3bf; font-weight: 600; }
.ctx .nb { display: inline-block; margin-right: 10px; } .ctx .nb small { color: var(--muted); }
table.compact { width: auto; }
.controls { display: flex; gap: 16px; align-items: center; margin: 8px 0; font-size: 13px; }
.controls input[type=search] { padding: 4px 8px; width: 260px; border: 1px solid var(--line); border-radius: 4px; }
.controls .shown { color: var(--muted); }
.note { color: var(--muted); font-size: 12px; }
dl.settings { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; font-size: 13px; }
dl.settings dt { color: var(--muted); } dl.settings dd { margin: 0; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(520px, 1fr)); gap: 16px; }
figure.chart { margin: 0; border: 1px solid var(--line); border-radius: 6px; padding: 8px; }
figure.chart svg { width: 100%; height: auto; display: block; }
figure.chart.wide { max-width: 960px; }
figcaption { font-size: 12px; color: var(--muted); margin-top: 4px; }
ol.samples li { margin: 6px 0; font-size: 16px; line-height: 2; }
.tok { border-right: 1px solid #b8c2cc; padding: 1px 2px; }
.tok.word { background: var(--word); } .tok.new { background: var(--newbg); color: #9b1c1c; font-weight: 600; }
ul.tree, ul.tree ul { list-style: none; padding-left: 22px; border-left: 1px dashed var(--line); }
ul.tree { border-left: none; padding-left: 0; }
ul.tree li { margin: 4px 0; } ul.tree .block { font-size: 15px; }
ul.tree .tpl, td.tpl { color: var(--accent); font-family: ui-monospace, "Noto Sans Mono CJK SC", monospace; }
footer { text-align: center; color: var(--muted); font-size: 12px; padding: 10px 0 30px; }
"""

SCRIPT = r"""
(function () {
  "use strict";
  function value(row, col) {
    var c = row.cells[col];
    return c.hasAttribute("data-v") ? c.getAttribute("data-v") : c.textContent;
  }
  function count(table) {
    var shown = 0, rows = table.tBodies[0].rows;
    for (var i = 0; i < rows.length; i++) if (!rows[i].hidden) shown++;
    var label = document.querySelector('[data-count="' + table.id + '"]');
    if (label) label.textContent = shown + " of " + rows.length + " shown";
  }
  function filter(table) {
    var search = document.querySelector('[data-filter="' + table.id + '"]');
    var newOnly = document.querySelector('[data-new-only="' + table.id + '"]');
    var query = search ? search.value.trim().toLowerCase() : "";
    var rows = table.tBodies[0].rows;
    for (var i = 0; i < rows.length; i++) {
      var row = rows[i], hide = false;
      if (query && row.textContent.toLowerCase().indexOf(query) < 0) hide = true;
      if (newOnly && newOnly.checked && !row.querySelector("td.word.new")) hide = true;
      row.hidden = hide;
    }
    count(table);
  }
  var tables = document.querySelectorAll("table.sortable");
  Array.prototype.forEach.call(tables, function (table) {
    var headers = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(headers, function (th, col) {
      th.addEventListener("click", function () {
        var dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
        Array.prototype.forEach.call(headers, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
        var numeric = th.getAttribute("data-type") === "number", body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = value(a, col), y = value(b, col);
          if (numeric) {
            var p = parseFloat(x), q = parseFloat(y);
            if (isNaN(p)) return isNaN(q) ? 0 : 1;
            if (isNaN(q)) return -1;
            return dir * (p - q);
          }
          return dir * x.localeCompare(y, "zh");
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
    if (table.id) count(table);
  });
  Array.prototype.forEach.call(document.querySelectorAll("[data-filter],[data-new-only]"), function (input) {
    var table = document.getElementById(input.getAttribute("data-filter") || input.getAttribute("data-new-only"));
    input.addEventListener("input", function () { filter(table); });
    input.addEventListener("change", function () { filter(table); });
  });
})();
"""
