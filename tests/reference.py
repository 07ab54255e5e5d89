"""Plain-Python references the compiled kernels are checked against."""

import collections
import unicodedata


def is_word_char(ch: str) -> bool:
    """The documented default segmentation rule, written out independently."""
    cat = unicodedata.category(ch)
    return cat[0] in "LM" or cat in ("Nd", "Nl") or ch == "○"


def segments(text: str) -> list[str]:
    out, cur = [], ""
    for ch in text:
        if is_word_char(ch):
            cur += ch
        elif cur:
            out.append(cur)
            cur = ""
    if cur:
        out.append(cur)
    return out


def count_ngrams(texts, order: int) -> collections.Counter:
    counts = collections.Counter()
    for text in texts:
        for seg in segments(text):
            for i in range(len(seg)):
                for n in range(1, order + 1):
                    if i + n <= len(seg):
                        counts[seg[i:i + n]] += 1
    return counts


def totals(counter: collections.Counter, order: int) -> dict:
    out = {n: 0 for n in range(1, order + 1)}
    for gram, c in counter.items():
        out[len(gram)] += c
    return out
