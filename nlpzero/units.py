"""The units discovery works on: characters, or the words of space-separated text.

Chinese and Japanese are written without spaces, so discovery combines
characters into words.  In text whose words are separated by spaces (English,
Vietnamese, Korean ...) the same minimum-entropy method, applied with words as
its units, finds *multi-word units* -- collocations such as "new york" or
"united states" (what gensim's ``Phrases`` finds by a count threshold).

:func:`looks_space_separated` decides from a sample of the corpus.
:class:`WordSymbols` then rewrites the corpus once into a temporary file in
which every word is one *symbol*, a code point of the unassigned planes 4-13
or of the private-use planes 15-16 (786,430 of them; a rarer word met after
they are used up becomes a boundary, as punctuation is).  Numbers become the
number placeholder, as in character discovery.  Words of a line that are
separated by whitespace only are adjacent symbols; punctuation and line ends
are boundaries.  Discovery runs unchanged on that file, and its lexicon is
mapped back: a unit of several symbols is the words joined by one space.
"""

from __future__ import annotations

import os
import tempfile

import numpy as np

from .corpus import UNICODE_SIZE, Corpus, WordChars
from .lexicon import Lexicon
from .text import NUMBER
from .text import CLASS_DIGIT, CLASS_RUN, CLASS_SPACE, character_classes
from .tokenizer import Tokenizer

# symbols: planes 4-13 (unassigned) then 15-16 (private use), never a real character
_SYMBOL_RANGES = ((0x40000, 0xE0000), (0xF0000, 0x10FFFE))
SYMBOLS = sum(hi - lo for lo, hi in _SYMBOL_RANGES)
SAMPLE_BYTES = 1 << 20
# share of word characters that are letters of alphabetic scripts (not ideographs)
SPACED_LETTERS = 0.8
# whitespace characters per such letter: English has about one in six
SPACED_WHITESPACE = 1 / 15


def looks_space_separated(corpus: Corpus) -> bool:
    """Whether the corpus's words are separated by spaces, judged from its
    first SAMPLE_BYTES: almost all word characters are letters of alphabetic
    scripts (not ideographs or kana), with whitespace between them."""
    sample = []
    size = 0
    for chunk, _ in corpus.with_options(progress=None).chunks():
        sample.append(chunk)
        size += len(chunk)
        if size >= SAMPLE_BYTES:
            break
    text = "".join(sample)[:SAMPLE_BYTES]
    if not text:
        return False
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    classes = character_classes()
    word_table = corpus_word_table(corpus)
    in_table = codes < len(classes)
    cls = np.zeros(len(codes), dtype=np.uint8)
    cls[in_table] = classes[codes[in_table]]
    word = word_table[codes].astype(bool)
    letters = int(np.count_nonzero(word & ((cls & CLASS_RUN) != 0)))
    spaces = int(np.count_nonzero((cls & CLASS_SPACE) != 0))
    words = int(np.count_nonzero(word))
    return words > 0 and letters >= SPACED_LETTERS * words and spaces >= SPACED_WHITESPACE * letters


def corpus_word_table(corpus: Corpus) -> np.ndarray:
    from .corpus import as_word_chars
    return as_word_chars(corpus.word_chars).table


class WordSymbols:
    """A space-separated corpus rewritten with one symbol per word (see the
    module docstring); use as a context manager to remove the file."""

    def __init__(self, corpus: Corpus, temp_dir: str | None = None, progress=None):
        self.words: list[str] = []
        self._ids: dict[str, int] = {}
        self.overflow = 0
        fd, self.path = tempfile.mkstemp(prefix="nlpzero-words-", suffix=".txt", dir=temp_dir)
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
                self._rewrite(corpus.with_options(progress=progress), out)
        except BaseException:
            self.remove()
            raise
        table = corpus_word_table(corpus).copy()
        for lo, hi in _SYMBOL_RANGES:
            table[lo:hi] = 1
        table[ord(NUMBER)] = 1
        self.corpus = Corpus([self.path], word_chars=WordChars(table, "word symbols"))

    def _symbol(self, word: str) -> str:
        i = self._ids.get(word)
        if i is None:
            if len(self.words) >= SYMBOLS:
                self.overflow += 1
                return " "
            i = self._ids[word] = len(self.words)
            self.words.append(word)
        return chr(_code_of(i))

    def _rewrite(self, corpus: Corpus, out) -> None:
        splitter = Tokenizer({})        # no words: the character-class units only
        pieces = _Pieces(self, character_classes(), corpus_word_table(corpus))
        piece = pieces.__getitem__
        for line in corpus.lines():
            out.write("".join(map(piece, splitter.tokenize(line))) + "\n")

    def word_of(self, text: str) -> str:
        """The words of a string of symbols, joined by single spaces."""
        return " ".join(NUMBER if ch == NUMBER else self.words[_index_of(ord(ch))] for ch in text)

    def map_back(self, lexicon: Lexicon) -> Lexicon:
        """The lexicon with every unit written as its words."""
        out = Lexicon(columns=lexicon.columns)
        for unit, count in lexicon.items():
            if not all(ch == NUMBER or _is_symbol(ord(ch)) for ch in unit):
                continue
            word = self.word_of(unit)
            out.add(word, out.get(word) + count)
            if unit in lexicon.scores:
                out.scores[word] = lexicon.scores[unit]
        return out

    def remove(self) -> None:
        try:
            os.unlink(self.path)
        except OSError:
            pass

    def __enter__(self) -> "WordSymbols":
        return self

    def __exit__(self, *exc) -> None:
        self.remove()


class _Pieces(dict):
    """unit of text -> what it becomes in the symbol file, computed on first sight."""

    def __init__(self, symbols: WordSymbols, classes: np.ndarray, word_table: np.ndarray):
        super().__init__()
        self.symbols, self.classes, self.word_table = symbols, classes, word_table

    def __missing__(self, unit: str) -> str:
        cp = ord(unit[0])
        c = self.classes[cp] if cp < len(self.classes) else 0
        if c & CLASS_SPACE:
            piece = ""                  # words apart by whitespace only stay adjacent
        elif not self.word_table[cp]:
            piece = " "                 # punctuation: a boundary
        elif c & CLASS_DIGIT and _is_number(unit, self.classes):
            piece = NUMBER
        else:
            piece = self.symbols._symbol(unit)
        if piece != " " or len(self) < 1 << 16:   # do not remember every distinct mark
            self[unit] = piece
        return piece


def _is_number(unit: str, classes: np.ndarray) -> bool:
    return all(ch in ".．" or (ord(ch) < len(classes) and classes[ord(ch)] & CLASS_DIGIT) for ch in unit)


def _code_of(i: int) -> int:
    for lo, hi in _SYMBOL_RANGES:
        if i < hi - lo:
            return lo + i
        i -= hi - lo
    raise IndexError(i)


def _index_of(cp: int) -> int:
    base = 0
    for lo, hi in _SYMBOL_RANGES:
        if lo <= cp < hi:
            return base + cp - lo
        base += hi - lo
    raise ValueError(f"U+{cp:04X} is not a word symbol")


def _is_symbol(cp: int) -> bool:
    return any(lo <= cp < hi for lo, hi in _SYMBOL_RANGES)


assert UNICODE_SIZE > _SYMBOL_RANGES[-1][1]
