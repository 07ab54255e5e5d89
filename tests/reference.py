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


# ---------------------------------------------------------------- unigram tokenizer

RUN, DIGIT, EXTEND, SPACE, REPEAT, JOINER = 1, 2, 4, 8, 16, 32
IDEOGRAPHIC = ((0x2E80, 0xA4CF), (0xF900, 0xFAFF), (0xFF66, 0xFF9F))


def char_class(ch: str) -> int:
    """The tokenizer's documented character classes, written out independently."""
    cp = ord(ch)
    if cp >= 0x20000:
        return EXTEND if 0xE0000 <= cp < 0xE1000 else 0
    cat = unicodedata.category(ch)
    if ch.isspace():
        return SPACE
    if cat.startswith("M") or 0xFE00 <= cp <= 0xFE0F or (cat == "Sk" and 0x1F3FB <= cp <= 0x1F3FF):
        return EXTEND
    if cp == 0x200D:
        return EXTEND | JOINER
    if cat == "Nd":
        return RUN | DIGIT
    if cat.startswith("L") and not any(lo <= cp <= hi for lo, hi in IDEOGRAPHIC):
        return RUN
    if cat[0] in "PS":
        return REPEAT
    return 0


def _attached(text: str, j: int) -> int:
    """Position after the marks / joiner sequences starting at j."""
    n = len(text)
    while j < n and char_class(text[j]) & EXTEND:
        j = j + 2 if char_class(text[j]) & JOINER and j + 1 < n else j + 1
    return min(j, n)


def fallback_end(text: str, i: int) -> int:
    n = len(text)
    c = char_class(text[i])
    if c & EXTEND:
        return _attached(text, i)
    if c & RUN:
        j = i
        while True:
            if j + 1 < n and char_class(text[j + 1]) & (RUN | EXTEND):
                j += 1
            elif (j + 2 < n and char_class(text[j]) & DIGIT and text[j + 1] in ".．"
                  and char_class(text[j + 2]) & DIGIT):
                j += 2
            else:
                return j + 1
    if c & SPACE:
        j = i + 1
        while j < n and char_class(text[j]) & SPACE:
            j += 1
        return j
    j = i + 1
    if c & REPEAT:
        while j < n and text[j] == text[i]:
            j += 1
    return _attached(text, j)


def unigram_tokenize(text: str, counts: dict) -> list:
    """jieba's backward max-probability DP with the documented fallback units."""
    import math
    total = sum(c for c in counts.values() if c > 0)
    log_total = math.log(total) if total > 0 else 0.0
    unknown = 0.0 - log_total
    max_len = max((len(w) for w in counts), default=0)
    n = len(text)
    best = [0.0] * (n + 1)
    cut = [0] * (n + 1)
    for i in range(n - 1, -1, -1):
        score, j, has_word = 0.0, -1, False
        for k in range(i + 1, min(n, i + max_len) + 1):
            count = counts.get(text[i:k], 0)
            if count > 0:
                candidate = (math.log(count) - log_total) + best[k]
                if not has_word or candidate >= score:
                    score, j, has_word = candidate, k, True
        if not has_word or char_class(text[i]) & (RUN | SPACE | REPEAT):
            end = fallback_end(text, i)
            candidate = unknown + best[end]
            if not has_word or candidate > score or (candidate == score and end > j):
                score, j = candidate, end
        best[i], cut[i] = score, j
    tokens, i = [], 0
    while i < n:
        tokens.append(text[i:cut[i]])
        i = cut[i]
    return tokens
