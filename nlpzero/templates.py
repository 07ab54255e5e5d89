"""Sentence templates and structure parsing (nlp-zero's part three).

A *template* is a sequence of fixed words and placeholders [X] -- "[X] 怎么样",
"为什么 [X]", "[X] 的 [X] 是 什么" -- each placeholder standing for one or more
words.  :class:`TemplateFinder` counts words and ordered word pairs within a
window (skip-grams); in each sentence it links the strong pairs (probability
and PMI above thresholds) into a DAG, enumerates the DAG's paths and turns each
into a template: the path's words stay fixed, skipped words and the sentence's
ends beyond the path become placeholders (runs of them merged).  Templates are
counted over the corpus and the frequent ones kept.

:class:`Parser` covers a sentence with nested, non-crossing templates (each
placeholder is itself a block) maximising Σ ln p(template); a block no template
covers costs ``null_score`` per word beyond the first.  Ties go to templates
with more fixed words.

Limits keep one pathological sentence from stalling a run: sentences are the
runs of word tokens between punctuation, taken MAX_SENTENCE_TOKENS tokens at a
time, at most MAX_PATHS paths are enumerated per sentence and at most
MAX_MATCH_STATES matching states explored per sentence.

File format (TSV, version 1): a header ``#nlpzero-templates 1 templates=N
total=T``, then ``template<TAB>count`` lines, the template's items separated by
single spaces and placeholders written ``[X]``.
"""

from __future__ import annotations

import collections
import json
import logging
import math
import re
from dataclasses import dataclass, field
from typing import Iterable, Iterator, Sequence

import numpy as np

from ._ext import cooccur as _cooccur
from ._ext import templates as _templates
from .errors import FormatError
from .fileio import atomic_output, open_input
from .runs import empty_rows
from .stats import default_min_count, pmi

X = None                        # a placeholder inside a template tuple
X_TEXT = "[X]"
HEADER = "#nlpzero-templates"
VERSION = 1

log = logging.getLogger("nlpzero")

MAX_SENTENCE_TOKENS = 40
MAX_PATHS = 256
MAX_MATCH_STATES = 20000
DEFAULT_WINDOW = 5
DEFAULT_MIN_PMI = 2.0
DEFAULT_NULL_SCORE = -20.0
_BATCH = 1 << 20

Template = tuple   # of str and None


def template_text(template: Template) -> str:
    return " ".join(X_TEXT if item is X else item for item in template)


def parse_template(text: str) -> Template:
    items = tuple(X if item == X_TEXT else item for item in text.split(" "))
    if not items or any(item == "" for item in items):
        raise ValueError(f"not a template: {text!r}")
    return items


def is_trivial(template: Template) -> bool:
    """[X] w [X]: one word between two placeholders (e.g. [X] 的 [X])."""
    return len(template) == 3 and template[0] is X and template[2] is X


def fixed_words(template: Template) -> int:
    return sum(item is not X for item in template)


def sentences(token_lines: Iterable[list[str]]) -> Iterator[list[str]]:
    """Runs of word tokens (those starting with a letter, digit or ideograph)
    between punctuation and spaces; a longer run than MAX_SENTENCE_TOKENS
    comes in pieces of that many, so that no token is dropped."""
    for tokens in token_lines:
        run: list[str] = []
        for token in tokens:
            if token[:1].isalnum():
                run.append(token)
            elif run:
                yield from _pieces(run)
                run = []
        if run:
            yield from _pieces(run)


def _pieces(run: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(run), MAX_SENTENCE_TOKENS):
        yield run[start:start + MAX_SENTENCE_TOKENS]


class TemplateFinder:
    """Counts for template discovery; ``train`` can be called any number of times.
    Word and ordered skip-gram pair counts are kept in a compiled table
    (``nlpzero/_ext/cooccur.pyx``), keyed by word ids, spilled as sorted runs
    (:mod:`nlpzero.runs`) beyond `max_memory` bytes (default a third of RAM)."""

    def __init__(self, window: int = DEFAULT_WINDOW, max_memory: int | None = None, temp_dir: str | None = None):
        from .counts import resolve_max_memory
        from .runs import Spill

        self.window = window
        self.index: dict[str, int] = {}
        self.word_counts = np.zeros(0, dtype=np.int64)
        self.pairs = _cooccur.pair_counter()
        self.budget = resolve_max_memory(max_memory) // 2
        self.spill = Spill(temp_dir, prefix="nlpzero-templates-")
        self._merged = empty_rows(1)            # pairs merged by an earlier pair_counts()

    def close(self) -> None:
        """Remove the pair runs spilled to disk."""
        self.spill.close()

    def __enter__(self) -> "TemplateFinder":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def total_words(self) -> int:
        return int(self.word_counts.sum())

    def train(self, sentence_list: Iterable[Sequence[str]]) -> "TemplateFinder":
        index = self.index
        batch: list[int] = []
        for ws in sentence_list:
            for w in ws:
                i = index.get(w)
                if i is None:
                    i = index[w] = len(index)
                batch.append(i)
            batch.append(-1)                 # sentence end: windows stop here
            if len(batch) >= _BATCH:
                self._add(batch)
                batch = []
        if batch:
            self._add(batch)
        return self

    def _add(self, batch: list[int]) -> None:
        ids = np.array(batch, dtype=np.int32)
        _cooccur.count_pairs(ids, self.window, _cooccur.UNIFORM, True, self.pairs)
        if self.pairs.memory_bytes() > self.budget:
            self.spill.add(0, *self.pairs.take(0), 1)
        counts = np.bincount(ids[ids >= 0], minlength=len(self.index))
        if self.word_counts.shape[0] < counts.shape[0]:
            self.word_counts = np.concatenate(
                [self.word_counts, np.zeros(counts.shape[0] - self.word_counts.shape[0], dtype=np.int64)])
        self.word_counts += counts

    def _min_count(self, min_count: int | None) -> int:
        return default_min_count(self.total_words) if min_count is None else min_count

    def pair_counts(self, min_count: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(first ids, second ids, counts) of the ordered pairs seen min_count times."""
        self._merged = self.spill.merge(0, 1, [self._merged, self.pairs.take(0)])
        rows = self._merged[0]
        rows = rows[rows[:, 1] >= min_count]
        keys = rows[:, 0].astype(np.int64)
        return keys >> 32, keys & 0xFFFFFFFF, rows[:, 1].astype(np.float64)

    def strong_pairs(self, min_count: int | None = None, min_pmi: float = DEFAULT_MIN_PMI) -> set:
        """Ordered pairs seen min_count times (default: grows with the corpus as in
        discovery) with ln p(ab)/(p(a)p(b)) > min_pmi, as a set of id keys a << 32 | b."""
        total_pairs = max(self.pairs.total(0), 1)
        rows, cols, weights = self.pair_counts(self._min_count(min_count))
        counts = self.word_counts.astype(np.float64)
        keep = pmi(weights, total_pairs, counts[rows], counts[cols], max(self.total_words, 1)) > min_pmi
        return set(((rows[keep] << 32) | cols[keep]).tolist())

    def find(self, sentence_list: Iterable[Sequence[str]], min_count: int | None = None,
             min_pmi: float = DEFAULT_MIN_PMI) -> "Templates":
        """Count the templates of the sentences (compiled: ``_ext/templates.pyx``);
        keep those seen min_count times."""
        strong = np.array(sorted(self.strong_pairs(min_count, min_pmi)), dtype=np.int64)
        words = list(self.index)                 # id -> word; words unseen in training get new ids
        index = dict(self.index)
        counts: collections.Counter = collections.Counter()
        batch: list[int] = []

        def flush():
            items, ends = _templates.sentence_templates(np.array(batch, dtype=np.int32), strong, self.window,
                                                        MAX_PATHS)
            data = items.tobytes()
            start = 0
            for end in (4 * ends).tolist():
                counts[data[start:end]] += 1
                start = end

        for ws in sentence_list:
            for w in ws:
                i = index.get(w)
                if i is None:
                    i = index[w] = len(words)
                    words.append(w)
                batch.append(i)
            batch.append(-1)
            if len(batch) >= _BATCH:
                flush()
                batch = []
        if batch:
            flush()
        total = sum(counts.values())
        keep = self._min_count(min_count)
        return Templates({tuple(X if i == _templates.PLACEHOLDER else words[i]
                                for i in np.frombuffer(key, dtype=np.int32).tolist()): c
                          for key, c in counts.items() if c >= keep}, total)


def find_templates(corpus, lexicon, window: int = DEFAULT_WINDOW, min_count: int | None = None,
                   min_pmi: float = DEFAULT_MIN_PMI, jobs: int | None = None, max_memory: int | None = None,
                   temp_dir: str | None = None, progress=None, **corpus_options) -> "Templates":
    """The templates of a corpus: what ``nlpzero templates`` does.

    Parameters
    ----------
    corpus
        Paths, a directory, globs or a :class:`~nlpzero.Corpus` (read twice, so not stdin).
    lexicon
        A :class:`~nlpzero.Tokenizer`, a Lexicon or a lexicon/model path.
    window
        Skip-gram window for the word pairs.
    min_count
        Rarest pair and template kept (default: grows with the corpus, as in discovery).
    min_pmi
        Strong pairs have a PMI (natural log) above this.
    jobs
        Threads to tokenize with (default: all cores, at most 8).
    max_memory, temp_dir
        The pair table's budget in bytes (default a third of RAM), beyond which
        sorted runs are spilled to `temp_dir` and merged.
    progress
        A :class:`nlpzero.progress.Progress` told about both passes.
    """
    from .corpus import as_corpus
    from .errors import InputError
    from .parallel import resolve_jobs
    from .progress import as_progress
    from .tokenizer import Tokenizer
    from .vectors.cooccur import token_lines

    progress = as_progress(progress)
    corpus = as_corpus(corpus, **corpus_options)
    corpus.require_rereadable("templates")
    tokenizer = lexicon if isinstance(lexicon, Tokenizer) else (
        Tokenizer.load(lexicon) if isinstance(lexicon, str) else Tokenizer(lexicon))

    def corpus_sentences(label):
        with progress.task(label, total=corpus.total_bytes, unit="B") as advance:
            yield from sentences(token_lines(corpus.with_options(progress=advance), tokenizer, jobs))

    jobs = resolve_jobs(jobs)
    with TemplateFinder(window, max_memory, temp_dir) as finder:
        finder.train(corpus_sentences("templates: counting pairs"))
        if finder.total_words == 0:
            raise InputError("the corpus holds no words: no templates to find")
        return finder.find(corpus_sentences("templates: counting templates"), min_count=min_count,
                           min_pmi=min_pmi)


@dataclass
class Templates:
    """Template counts: save/load, matching, probabilities."""
    counts: dict
    total: int = 0
    _trie: dict = field(default=None, repr=False)

    def __post_init__(self):
        self.total = self.total or sum(self.counts.values())

    def __len__(self) -> int:
        return len(self.counts)

    def logprob(self, template: Template) -> float:
        return math.log(self.counts[template]) - math.log(max(self.total, 1))

    def most_common(self, k: int | None = None, trivial: bool = True) -> list[tuple[Template, int]]:
        """The k most frequent templates (all with k None; without the trivial ones unless `trivial`)."""
        ranked = sorted(((t, c) for t, c in self.counts.items() if trivial or not is_trivial(t)),
                        key=lambda tc: (-tc[1], template_text(tc[0])))
        return ranked[:k]

    # ------------------------------------------------------------ matching
    def _root(self) -> dict:
        if self._trie is None:
            self._trie = {}
            for template in self.counts:
                node = self._trie
                for item in template:
                    node = node.setdefault(item, {})
                node[""] = template          # "" marks the end (no token is empty)
        return self._trie

    def matches(self, ws: Sequence[str]) -> list[tuple[int, int, Template, tuple]]:
        """Every occurrence (start, end, template, fixed positions) of a template
        in ws[start:end], a placeholder matching one or more words."""
        root = self._root()
        n = len(ws)
        found = []
        budget = [MAX_MATCH_STATES]

        def search(node, pos, start, fixed):
            if budget[0] <= 0:
                return
            budget[0] -= 1
            if "" in node and pos > start:
                found.append((start, pos, node[""], tuple(fixed)))
            if pos >= n:
                return
            child = node.get(ws[pos])
            if child is not None:
                fixed.append(pos)
                search(child, pos + 1, start, fixed)
                fixed.pop()
            child = node.get(X)
            if child is not None:
                for end in range(pos + 1, n + 1):
                    search(child, end, start, fixed)

        for start in range(n):
            search(root, start, start, [])
        return found

    # ------------------------------------------------------------ files
    def save(self, path: str) -> None:
        with atomic_output(path, "w", encoding="utf-8") as out:
            self.write(out)

    def write(self, out, limit: int | None = None, trivial: bool = True) -> None:
        entries = [(t, c) for t, c in self.most_common(limit, trivial) if not any(i and " " in i for i in t)]
        out.write(f"{HEADER} {VERSION} templates={len(entries)} total={self.total}\n")
        for template, c in entries:
            out.write(f"{template_text(template)}\t{c}\n")

    @classmethod
    def load(cls, path: str) -> "Templates":
        with open_input(path) as f:
            data = f.read()
        try:
            lines = data.decode("utf-8").splitlines()
        except UnicodeDecodeError:
            raise FormatError(f"{path}: not a templates file (not UTF-8 text)") from None
        if not lines or not lines[0].startswith(HEADER + " "):
            raise FormatError(f"{path}: not a templates file (no {HEADER} header)")
        header = dict(re.findall(r"(\w+)=(\d+)", lines[0]))
        if lines[0].split()[1] != str(VERSION):
            raise FormatError(f"{path}: templates format version {lines[0].split()[1]} not supported")
        counts = {}
        for number, line in enumerate(lines[1:], 2):
            try:
                text, c = line.split("\t")
                counts[parse_template(text)] = int(c)
            except ValueError:
                raise FormatError(f"{path}:{number}: expected template<TAB>count") from None
        if "templates" in header and int(header["templates"]) != len(counts):
            raise FormatError(f"{path}: truncated: header says {header['templates']} templates, found {len(counts)}")
        return cls(counts, int(header.get("total", 0)))


# ---------------------------------------------------------------- parsing

@dataclass
class Tree:
    """A block of the sentence: its template (None for an unparsed span), its
    words and the blocks filling its placeholders."""
    template: Template | None
    words: list[str]
    children: list["Tree"] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(self.words)

    def to_dict(self) -> dict:
        return {"template": template_text(self.template) if self.template else None, "text": self.text,
                "children": [c.to_dict() for c in self.children]}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False)

    def render(self) -> str:
        """An indented ASCII tree, one block per line with its template."""
        lines: list[str] = []

        def visit(node, prefix, connector, child_prefix):
            label = template_text(node.template) if node.template else "-"
            lines.append(f"{prefix}{connector}{node.text}  ({label})")
            for i, child in enumerate(node.children):
                last = i == len(node.children) - 1
                visit(child, child_prefix, "`- " if last else "|- ", child_prefix + ("   " if last else "|  "))

        visit(self, "", "", "")
        return "\n".join(lines)


class Parser:
    """Maximum-probability nesting of templates over a tokenized sentence."""

    def __init__(self, templates: Templates, null_score: float = DEFAULT_NULL_SCORE):
        self.templates = templates
        self.null_score = null_score

    def parse_text(self, text: str, tokenizer) -> list[Tree]:
        """Tokenize a line of text and parse each of its sentences (runs of
        words between punctuation); an empty line gives one empty tree."""
        tokens = [t for t in tokenizer.tokenize(text) if not t.isspace()]
        return [self.parse(ws) for ws in list(sentences([tokens])) or [[]]]

    def parse(self, ws: Sequence[str]) -> Tree:
        """The best tree of one sentence of at most MAX_SENTENCE_TOKENS words
        (a longer one is cut there, with a warning; :meth:`parse_text` takes
        long sentences in pieces)."""
        ws = list(ws)
        if len(ws) > MAX_SENTENCE_TOKENS:
            log.warning("parse: a sentence of %d words is cut to its first %d (parse_text takes it in pieces)",
                        len(ws), MAX_SENTENCE_TOKENS)
            ws = ws[:MAX_SENTENCE_TOKENS]
        if not ws:
            return Tree(None, [])
        by_span = collections.defaultdict(list)
        for start, end, template, fixed in self.templates.matches(ws):
            by_span[start, end].append((template, fixed))
        memo: dict = {}

        def best(i, j):
            """(score, fixed words, tree) of the best parse of ws[i:j] as one block."""
            if (i, j) in memo:
                return memo[i, j]
            result = (self.null_score * (j - i - 1), 0, Tree(None, ws[i:j]))
            for template, fixed in by_span.get((i, j), ()):
                score, n_fixed, children = self.templates.logprob(template), len(fixed), []
                for a, b in _gaps(i, j, fixed):
                    s, f, child = best(a, b)
                    score += s
                    n_fixed += f
                    children.append(child)
                if (round(score, 4), n_fixed) > (round(result[0], 4), result[1]):
                    result = (score, n_fixed, Tree(template, ws[i:j], children))
            memo[i, j] = result
            return result

        return best(0, len(ws))[2]


def _gaps(i: int, j: int, fixed: tuple) -> list[tuple[int, int]]:
    """The placeholder spans of a match over [i, j) whose fixed words are at `fixed`."""
    gaps, pos = [], i
    for f in fixed:
        if f > pos:
            gaps.append((pos, f))
        pos = f + 1
    if pos < j:
        gaps.append((pos, j))
    return gaps
