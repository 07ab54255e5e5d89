"""The text layer seen from Python: the character classes the tokenizer and
discovery split text by, the number placeholder and number folding.

The class constants, NUMBER and the folding rule are defined once, in the
compiled kernel (``nlpzero/_ext/text.pxd``); this module builds the class
table for code points below U+20000 from Python's Unicode database:

* RUN: letters of alphabetic scripts (not ideographs, kana, bopomofo or Yi)
  and decimal digits, which form runs ("iPhone12", "１９９８"); DIGIT marks the
  digits ("3.14" keeps its point);
* EXTEND: combining marks, variation selectors and emoji skin tones, which
  attach to the character before them; JOINER (U+200D) also attaches the
  character after it;
* SPACE: whitespace; REPEAT: punctuation and symbols (a run of one repeated
  mark is one token);
* 0: any other character (an ideograph, kana, an emoji) is a unit of its own.
"""

from __future__ import annotations

import unicodedata

import numpy as np

from ._ext import text as _kernel

CLASS_RUN, CLASS_DIGIT, CLASS_EXTEND = _kernel.RUN, _kernel.DIGIT, _kernel.EXTEND
CLASS_SPACE, CLASS_REPEAT, CLASS_JOINER = _kernel.SPACE, _kernel.REPEAT, _kernel.JOINER
TABLE_SIZE = _kernel.TABLE_SIZE
NUMBER = _kernel.NUMBER_CHAR        # stands for any number
NUMBER_TEXT = "<NUM>"               # ... as written in files

# ideographs, kana, bopomofo, Yi and CJK symbols: tokens of one character each
_IDEOGRAPHIC_RANGES = ((0x2E80, 0xA4CF), (0xF900, 0xFAFF), (0xFF66, 0xFF9F))
_class_table: np.ndarray | None = None


_categories: tuple[np.ndarray, np.ndarray] | None = None


def general_categories() -> tuple[np.ndarray, np.ndarray]:
    """The Unicode general category of every code point below U+20000, as two
    uint8 arrays of its letters ("L", "u" for Lu): what tables of character
    classes are computed from, vectorised (a per-character Python loop costs
    0.2 s of start-up)."""
    global _categories
    if _categories is None:
        chars = "".join(chr(cp) for cp in range(TABLE_SIZE))
        cats = np.frombuffer("".join(map(unicodedata.category, chars)).encode("ascii"),
                             dtype=np.uint8).reshape(-1, 2)
        _categories = (cats[:, 0], cats[:, 1])
    return _categories


def character_classes() -> np.ndarray:
    """The uint8 class table for code points below U+20000 (see module docstring)."""
    global _class_table
    if _class_table is None:
        chars = [chr(cp) for cp in range(TABLE_SIZE)]
        major, minor = general_categories()
        cp = np.arange(TABLE_SIZE)
        ideographic = np.zeros(TABLE_SIZE, dtype=bool)
        for lo, hi in _IDEOGRAPHIC_RANGES:
            ideographic[lo:hi + 1] = True
        space = np.fromiter(map(str.isspace, chars), dtype=bool, count=TABLE_SIZE)
        extend = (major == ord("M")) | ((cp >= 0xFE00) & (cp <= 0xFE0F)) | (
            (major == ord("S")) & (minor == ord("k")) & (cp >= 0x1F3FB) & (cp <= 0x1F3FF))
        digit = (major == ord("N")) & (minor == ord("d"))
        letter = (major == ord("L")) & ~ideographic
        mark = (major == ord("P")) | (major == ord("S"))
        table = np.zeros(TABLE_SIZE, dtype=np.uint8)
        # assigned in reverse order of precedence, so earlier rules win
        table[mark] = CLASS_REPEAT
        table[letter] = CLASS_RUN
        table[digit] = CLASS_RUN | CLASS_DIGIT
        table[0x200D] = CLASS_EXTEND | CLASS_JOINER
        table[extend] = CLASS_EXTEND
        table[space] = CLASS_SPACE
        _class_table = table
    return _class_table


def cuttable_gaps(text: str, classes: np.ndarray | None = None) -> list[bool]:
    """cuttable[j] for j in 0..len(text): whether a token may end before
    text[j] when runs are kept whole (the kernel's rule: not inside a run of
    letters/digits, a decimal point between digits included)."""
    classes = character_classes() if classes is None else classes
    n = len(text)

    def cls(ch):
        cp = ord(ch)
        return int(classes[cp]) if cp < TABLE_SIZE else (CLASS_EXTEND if 0xE0000 <= cp < 0xE1000 else 0)

    run_end = list(range(1, n + 2))
    for i in range(n - 2, -1, -1):
        c, nxt = cls(text[i]), cls(text[i + 1])
        if c & (CLASS_RUN | CLASS_EXTEND):
            if nxt & (CLASS_RUN | CLASS_EXTEND):
                run_end[i] = run_end[i + 1]
            elif c & CLASS_DIGIT and text[i + 1] in ".．" and i + 2 < n and cls(text[i + 2]) & CLASS_DIGIT:
                run_end[i] = run_end[i + 2]
    return [j == 0 or j == n or not (run_end[j - 1] > j or (j >= 2 and run_end[j - 2] > j))
            for j in range(n + 1)]



def fold_numbers(text: str) -> str:
    """Every number (digits, decimal points between digits) becomes NUMBER."""
    return _kernel.fold_numbers(text, character_classes())
