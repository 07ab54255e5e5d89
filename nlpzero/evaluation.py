"""Evaluation against gold data: word segmentation (SIGHAN bakeoff scoring)
and word vectors (analogy and similarity sets), with coverage always counted.

Segmentation is scored by exact word spans per line, the bakeoff convention:
precision and recall of the predicted (start, end) spans against the gold
ones; OOV recall counts gold words missing from a training word list.  A
predicted line whose characters differ from its gold line cannot be scored;
it is counted and reported, not silently aligned.

Analogy files are in the questions-words format (": section" lines, then
"a b c d": a is to b as c is to d), answered among the `restrict` most
frequent words by 3CosAdd (argmax cos(d, b − a + c)) or 3CosMul (Levy &
Goldberg 2014); words are matched case-insensitively, the most frequent
spelling winning, as gensim does.  Similarity files hold "w1 w2 score" lines
(tabs or spaces, "#" comments, a header line skipped) scored by the Spearman
correlation of cosine similarities.  A question or pair with a word outside
the vocabulary is not answered, and coverage says how many were.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import os
from typing import Iterable

import numpy as np

from .errors import FormatError, InputError
from .fileio import open_input

log = logging.getLogger("nlpzero")

ANALOGY_METHODS = ("add", "mul")


@dataclasses.dataclass
class SegmentationScore:
    """Word-level scores of a segmentation against gold.

    ``lines`` were scored; ``differing_lines`` (1-based line numbers, first
    ones) had other characters than their gold line and were left out;
    ``oov_recall`` is None without a training word list."""
    precision: float
    recall: float
    f1: float
    oov_recall: float | None
    gold_words: int
    predicted_words: int
    oov_words: int
    lines: int
    differing: int
    differing_lines: list[int]

    def summary(self) -> str:
        text = f"P {self.precision:.4f}  R {self.recall:.4f}  F1 {self.f1:.4f}"
        if self.oov_recall is not None:
            text += f"  OOV-R {self.oov_recall:.4f} ({self.oov_words:,} OOV of {self.gold_words:,} words)"
        else:
            text += f"  ({self.gold_words:,} words)"
        text += f"  {self.lines:,} lines"
        if self.differing:
            shown = ", ".join(map(str, self.differing_lines))
            text += f"; {self.differing:,} lines differ from the gold text and were not scored (lines {shown}"
            text += ", ...)" if self.differing > len(self.differing_lines) else ")"
        return text


def spans(words: Iterable[str]) -> set[tuple[int, int]]:
    """The (start, end) character spans of consecutive words."""
    out, position = set(), 0
    for word in words:
        out.add((position, position + len(word)))
        position += len(word)
    return out


def score_segmentation(gold: Iterable[str], predicted: Iterable[str], known: set[str] | None = None,
                       max_reported: int = 10) -> SegmentationScore:
    """Score predicted segmentations against gold ones, line by line.

    Parameters
    ----------
    gold, predicted
        Lines of words separated by whitespace, in the same order; blank gold
        lines are skipped with their predicted line.
    known
        The training vocabulary, for OOV recall (None: not computed).
    max_reported
        How many differing line numbers to keep in the result.
    """
    same = n_predicted = n_gold = oov = oov_found = lines = differing = 0
    differing_lines: list[int] = []
    gold_iter, predicted_iter = iter(gold), iter(predicted)
    number = 0
    for number, gold_line in enumerate(gold_iter, 1):
        predicted_line = next(predicted_iter, None)
        if predicted_line is None:
            raise InputError(f"the prediction ends after {number - 1:,} lines, before the gold does")
        gold_words = gold_line.split()
        if not gold_words:
            continue
        ours = predicted_line.split()
        if "".join(ours) != "".join(gold_words):
            differing += 1
            if len(differing_lines) < max_reported:
                differing_lines.append(number)
            continue
        lines += 1
        g, o = spans(gold_words), spans(ours)
        same += len(g & o)
        n_predicted += len(o)
        n_gold += len(g)
        if known is not None:
            position = 0
            for word in gold_words:
                if word not in known:
                    oov += 1
                    oov_found += (position, position + len(word)) in o
                position += len(word)
    if next(predicted_iter, None) is not None:
        raise InputError(f"the prediction has more lines than the gold's {number:,}")
    precision, recall = same / max(n_predicted, 1), same / max(n_gold, 1)
    f1 = 2 * precision * recall / max(precision + recall, 1e-12)
    return SegmentationScore(precision, recall, f1, (oov_found / oov) if known is not None and oov else None,
                             n_gold, n_predicted, oov, lines, differing, differing_lines)


def read_word_list(path: str) -> set[str]:
    """A word list: the first whitespace-separated field of each non-blank line."""
    return {line.split()[0] for line in read_lines(path) if line.strip()}


def read_lines(path: str) -> list[str]:
    """The lines of a UTF-8 file (InputError if missing or not UTF-8)."""
    with open_input(path) as f:
        data = f.read()
    try:
        return data.decode("utf-8").splitlines()
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text (byte {exc.start:,})") from None


# ---------------------------------------------------------------- vectors

@dataclasses.dataclass
class SetScore:
    """A score on one evaluation set, with its coverage."""
    name: str
    kind: str                  # "analogy (3CosAdd)", "analogy (3CosMul)" or "similarity"
    score: float               # accuracy, or Spearman rho
    covered: int
    total: int

    @property
    def coverage(self) -> float:
        return self.covered / self.total if self.total else 0.0

    def summary(self) -> str:
        what = "accuracy" if self.kind.startswith("analogy") else "spearman"
        return (f"{self.kind:<19} {self.name:<28} {what} {self.score:.4f}  "
                f"coverage {self.covered:,}/{self.total:,} ({self.coverage:.1%})")


def _lower_index(words: list[str]) -> dict[str, int]:
    index: dict[str, int] = {}
    for i, word in enumerate(words):     # the most frequent spelling wins (as gensim does)
        index.setdefault(word.lower(), i)
    return index


def read_analogies(path: str) -> tuple[list[list[str]], int]:
    """The questions of a questions-words file (lower-cased) and their number."""
    questions = []
    for line in read_lines(path):
        parts = line.split()
        if len(parts) == 4 and not parts[0].startswith(":"):
            questions.append([p.lower() for p in parts])
    if not questions:
        raise FormatError(f"{path}: no analogy questions (lines of four words) in it")
    return questions, len(questions)


def evaluate_analogy(vectors, path: str, restrict: int = 30000, method: str = "add") -> SetScore:
    """Analogy accuracy of `vectors` (a :class:`nlpzero.vectors.WordVectors`)
    on a questions-words file.

    Parameters
    ----------
    vectors
        The word vectors, most frequent words first.
    path
        The analogy file.
    restrict
        Answers are sought among this many most frequent words (0: all).
    method
        "add" (3CosAdd) or "mul" (3CosMul).
    """
    from .vectors.keyed import unit_rows     # here: segmentation scoring needs no vectors code

    if method not in ANALOGY_METHODS:
        raise ValueError(f"unknown analogy method {method!r} (expected one of {', '.join(ANALOGY_METHODS)})")
    n = len(vectors.words) if not restrict else min(restrict, len(vectors.words))
    index = _lower_index(vectors.words[:n])
    unit = unit_rows(np.asarray(vectors.vectors[:n], dtype=np.float32))
    questions, total = read_analogies(path)
    covered = np.array([[index[w] for w in q] for q in questions if all(w in index for w in q)], dtype=np.int64)
    kind = "analogy (3CosAdd)" if method == "add" else "analogy (3CosMul)"
    name = os.path.basename(path)
    if len(covered) == 0:
        return SetScore(name, kind, 0.0, 0, total)
    correct = 0
    for start in range(0, len(covered), 256):
        batch = covered[start:start + 256]
        if method == "add":
            scores = (unit[batch[:, 1]] - unit[batch[:, 0]] + unit[batch[:, 2]]) @ unit.T
        else:                                      # cosines shifted to [0, 1], as Levy & Goldberg
            a, b, c = ((unit[batch[:, k]] @ unit.T + 1) / 2 for k in range(3))
            scores = b * c / (a + 1e-3)
        rows = np.arange(len(batch))
        for k in range(3):
            scores[rows, batch[:, k]] = -np.inf
        correct += int((scores.argmax(axis=1) == batch[:, 3]).sum())
    return SetScore(name, kind, correct / len(covered), len(covered), total)


def read_similarities(path: str) -> tuple[list[tuple[str, str, float]], int]:
    """The (word, word, score) pairs of a similarity file and their number;
    lines that are not a pair with a score, after the first (a header), are
    counted in a warning."""
    pairs, skipped, first = [], 0, True
    for line in read_lines(path):
        if line.startswith("#") or not line.strip():
            continue
        parts = line.replace("\t", " ").split()
        try:
            if len(parts) < 3:
                raise ValueError
            pairs.append((parts[0], parts[1], float(parts[2])))
        except ValueError:
            skipped += not first             # the first such line is a header
        first = False
    if not pairs:
        raise FormatError(f"{path}: no word pairs with a score in it")
    if skipped:
        log.warning("%s: %d lines that are not a word pair with a score were skipped", path, skipped)
    return pairs, len(pairs)


def evaluate_similarity(vectors, path: str) -> SetScore:
    """Spearman correlation between the cosine similarities of `vectors` and
    the scores of a word-similarity file (pairs with unknown words left out).

    Parameters
    ----------
    vectors
        The word vectors (a :class:`nlpzero.vectors.WordVectors`).
    path
        The similarity file.
    """
    from scipy.stats import spearmanr

    pairs, total = read_similarities(path)
    ours, gold = [], []
    for a, b, score in pairs:
        a = a if a in vectors else a.lower()
        b = b if b in vectors else b.lower()
        if a in vectors and b in vectors:
            va, vb = np.asarray(vectors[a], dtype=np.float64), np.asarray(vectors[b], dtype=np.float64)
            ours.append(float(va @ vb) / max(float(np.linalg.norm(va) * np.linalg.norm(vb)), 1e-12))
            gold.append(score)
    rho = float(spearmanr(ours, gold).correlation) if len(ours) > 1 else math.nan
    return SetScore(os.path.basename(path), "similarity", rho, len(ours), total)
