"""Plain-Python references the compiled kernels are checked against."""

import collections
import unicodedata


def is_word_char(ch: str) -> bool:
    """The documented default segmentation rule, written out independently."""
    cat = unicodedata.category(ch)
    return cat[0] in "LM" or cat in ("Nd", "Nl") or ch == "○"


def segments(text: str, is_word=is_word_char) -> list[str]:
    out, cur = [], ""
    for ch in text:
        if is_word(ch):
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
        j = j + 2 if char_class(text[j]) & JOINER and j + 1 < n and not char_class(text[j + 1]) & SPACE else j + 1
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
    if c & SPACE:                           # a run of whitespace, ended by a line feed
        j = i + 1
        while j < n and text[j - 1] != "\n" and char_class(text[j]) & SPACE:
            j += 1
        return j
    j = i + 1
    if c & REPEAT:
        while j < n and text[j] == text[i]:
            j += 1
    return _attached(text, j)


NUMBER = "\ue000"


def number_end(text: str, k: int):
    """End of the number starting at k, or None when no number starts there."""
    def digit(p):
        return 0 <= p < len(text) and unicodedata.category(text[p]) == "Nd" and ord(text[p]) < 0x20000
    if not digit(k) or digit(k - 1) or (k >= 2 and text[k - 1] in ".．" and digit(k - 2)):
        return None
    while True:
        if digit(k + 1):
            k += 1
        elif k + 2 < len(text) and text[k + 1] in ".．" and digit(k + 2):
            k += 2
        else:
            return k + 1


def match_ends(word: str, text: str, i: int) -> set:
    """Where `word` can end when matched at i (NUMBER matches a whole number)."""
    ends = {i}
    for ch in word:
        nxt = set()
        for p in ends:
            if p < len(text) and text[p] == ch:
                nxt.add(p + 1)
            if ch == NUMBER and number_end(text, p) is not None:
                nxt.add(number_end(text, p))
        ends = nxt
    return ends


def run_ends(text: str) -> list:
    """run_end[i]: the end of the letter/digit run continuing through i (marks
    and a decimal point between digits included), i + 1 elsewhere."""
    n = len(text)
    ends = list(range(1, n + 2))
    for i in range(n - 2, -1, -1):
        c, nxt = char_class(text[i]), char_class(text[i + 1])
        if c & (RUN | EXTEND):
            if nxt & (RUN | EXTEND):
                ends[i] = ends[i + 1]
            elif c & DIGIT and text[i + 1] in ".．" and i + 2 < n and char_class(text[i + 2]) & DIGIT:
                ends[i] = ends[i + 2]
    return ends


def inside_run(ends: list, i: int, k: int, n: int) -> bool:
    """Whether a word from i ending at k would end inside a letter/digit run."""
    return k < n and (ends[k - 1] > k or (k >= i + 2 and ends[k - 2] > k))


def unigram_tokenize(text: str, counts: dict, whole_runs: bool = True) -> list:
    """jieba's backward max-probability DP with the documented fallback units;
    with `whole_runs` no word ends inside a run of letters/digits."""
    import math
    total = sum(c for c in counts.values() if c > 0)
    log_total = math.log(total) if total > 0 else 0.0
    unknown = 0.0 - log_total
    n = len(text)
    best = [0.0] * (n + 1)
    cut = [0] * (n + 1)
    ends = run_ends(text)
    for i in range(n - 1, -1, -1):
        score, j, has_word = 0.0, -1, False
        for word, count in counts.items():
            if count <= 0:
                continue
            for k in match_ends(word, text, i):
                if whole_runs and inside_run(ends, i, k, n):
                    continue
                candidate = (math.log(count) - log_total) + best[k]
                if not has_word or candidate > score or (candidate == score and k > j):
                    score, j, has_word = candidate, k, True
        if not has_word or char_class(text[i]) & (RUN | SPACE | REPEAT):
            end = fallback_end(text, i)
            candidate = unknown + best[end]
            if not has_word or candidate > score or (candidate == score and end > j):
                score, j = candidate, end
        if i > 0 and text[i - 1] == "\n":
            score = 0.0             # a line's path does not depend on the lines after it
        best[i], cut[i] = score, j
    tokens, i = [], 0
    while i < n:
        tokens.append(text[i:cut[i]])
        i = cut[i]
    return tokens


# ---------------------------------------------------------------- discovery

def fold_numbers(text: str) -> str:
    out, i, n = [], 0, len(text)

    def digit(p):
        return 0 <= p < n and unicodedata.category(text[p]) == "Nd"
    while i < n:
        if digit(i):
            i += 1
            while i < n:
                if digit(i):
                    i += 1
                elif text[i] in ".．" and digit(i + 1):
                    i += 2
                else:
                    break
            out.append(NUMBER)
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def fragments(texts, joined, is_word=None) -> collections.Counter:
    """Cut each segment (numbers folded) at gaps no string of `joined` covers,
    never between two letters/digits of a run; count the pieces."""
    is_word = is_word or (lambda ch: is_word_char(ch) or ch == NUMBER)
    longest = max((len(w) for w in joined), default=1)
    out = collections.Counter()
    for text in texts:
        for seg in segments(fold_numbers(text), is_word):
            covered = [False] * (len(seg) - 1)
            for i in range(len(seg)):
                for n in range(2, longest + 1):
                    if seg[i:i + n] in joined and i + n <= len(seg):
                        for g in range(i, i + n - 1):
                            covered[g] = True
            start = 0
            for g in range(len(seg) - 1):
                run = char_class(seg[g]) & char_class(seg[g + 1]) & RUN
                if not covered[g] and not run:
                    out[seg[start:g + 1]] += 1
                    start = g + 1
            out[seg[start:]] += 1
    return out


def cohesion(word: str, counts, total: int) -> float:
    import math
    worst = math.inf
    for k in range(1, len(word)):
        left, right = counts.get(word[:k], 0), counts.get(word[k:], 0)
        if not left or not right:
            return -math.inf
        worst = min(worst, math.log(total * counts[word] / (left * right)))
    return worst


def sentence_templates(ws, ids, strong: set, window: int, max_paths: int) -> list[tuple]:
    """The templates of one sentence: every path of its strong-pair DAG, depth
    first, at most max_paths (None stands for [X])."""
    n = len(ws)
    successors = [[k for k in range(i + 1, min(n, i + 1 + window))
                   if ids[i] >= 0 and ids[k] >= 0 and (ids[i] << 32 | ids[k]) in strong] for i in range(n)]
    has_predecessor = [False] * n
    for i in range(n):
        for k in successors[i]:
            has_predecessor[k] = True
    paths: list[list[int]] = []

    def walk(path):
        if len(paths) >= max_paths:
            return
        nxt = successors[path[-1]]
        if not nxt:
            paths.append(list(path))
            return
        for k in nxt:
            path.append(k)
            walk(path)
            path.pop()

    for start in range(n):
        if not has_predecessor[start]:
            walk([start])
    templates = []
    for path in paths:
        items: list = [None] if path[0] > 0 else []
        for a, b in zip(path, path[1:] + [None]):
            items.append(ws[a])
            if (b is None and a < n - 1) or (b is not None and b > a + 1):
                items.append(None)
        templates.append(tuple(items))
    return templates


# ---------------------------------------------------------------- the self-trained tagger

def _mix64(x: int) -> int:
    m = (1 << 64) - 1
    x ^= x >> 30
    x = (x * 0xBF58476D1CE4E5B9) & m
    x ^= x >> 27
    x = (x * 0x94D049BB133111EB) & m
    return x ^ (x >> 31)


TAGGER_EDGE = 0x110001
B, M, E, S = 0, 1, 2, 3


def tagger_unit_hash(unit: str) -> int:
    if len(unit) == 1:
        return ord(unit)
    h = 0x9E3779B97F4A7C15
    for ch in unit:
        h = _mix64(h ^ ord(ch))
    return h | (1 << 63)


def tagger_row(template: int, a: int, b: int, bits: int) -> int:
    m = (1 << 64) - 1
    return _mix64(_mix64((a * 0xD6E8FEB86659FD93 + template) & m) ^ b) >> (64 - bits)


def tagger_sequences(text: str, is_word) -> list:
    """The tagger's sequences: lists of (start, end) units (the tokenizer's
    fallback units) between whitespace units."""
    out, current, i = [], [], 0
    while i < len(text):
        j = fallback_end(text, i)
        if char_class(text[i]) & SPACE:
            if current:
                out.append(current)
            current = []
        else:
            current.append((i, j))
        i = j
    if current:
        out.append(current)
    return out


def tagger_rows(text: str, units: list, bits: int) -> list:
    h = [TAGGER_EDGE] + [tagger_unit_hash(text[s:e]) for s, e in units] + [TAGGER_EDGE]
    return [(tagger_row(0, h[u], 0, bits), tagger_row(1, h[u + 1], 0, bits), tagger_row(2, h[u + 2], 0, bits),
             tagger_row(3, h[u], h[u + 1], bits), tagger_row(4, h[u + 1], h[u + 2], bits))
            for u in range(len(units))]


def tagger_viterbi(rows: list, allowed: list, weights, transitions) -> list:
    """Best B/M/E/S tags in float32 arithmetic (numpy scalars), ties to the
    lower tag and the earlier previous tag, as the kernel breaks them."""
    import numpy as np
    f32 = np.float32
    n = len(rows)
    continues = lambda p, t: (p in (B, M)) == (t in (M, E))   # noqa: E731
    score, back = [], []
    for i in range(n):
        row_scores, row_back = [None] * 4, [0] * 4
        for t in range(4):
            if t not in allowed[i] or (i == 0 and t in (M, E)) or (i == n - 1 and t in (B, M)):
                continue
            emit = f32(0.0)
            for r in rows[i]:
                emit = f32(emit + weights[r, t])
            if i == 0:
                row_scores[t] = emit
                continue
            best, best_p = None, None
            for p in range(4):
                if continues(p, t) and score[i - 1][p] is not None:
                    s = f32(score[i - 1][p] + transitions[p, t])
                    if best is None or s > best:
                        best, best_p = s, p
            if best is not None:
                row_scores[t], row_back[t] = f32(best + emit), best_p
        score.append(row_scores)
        back.append(row_back)
    candidates = [t for t in range(4) if score[n - 1][t] is not None]
    tag = max(candidates, key=lambda t: (score[n - 1][t], -t))
    tags = [0] * n
    for i in range(n - 1, -1, -1):
        tags[i] = tag
        tag = back[i][tag]
    return tags


class ReferenceTagger:
    """The averaged perceptron of nlpzero._ext.tagger, written out in Python."""

    def __init__(self, bits: int):
        import numpy as np
        self.bits = bits
        self.weights = np.zeros(((1 << bits), 4), dtype=np.float32)
        self.sums = np.zeros(((1 << bits), 4), dtype=np.float64)
        self.transitions = np.zeros((4, 4), dtype=np.float32)
        self.transition_sums = np.zeros((4, 4), dtype=np.float64)
        self.examples = 1
        self.units = self.mistakes = 0

    def train(self, text: str, teacher_counts: dict, is_word) -> None:
        ends = set()
        i = 0
        for token in unigram_tokenize(text, teacher_counts):
            i += len(token)
            ends.add(i)
        for units in tagger_sequences(text, is_word):
            allowed = [(0, 1, 2, 3) if is_word(text[s]) else (S,) for s, _ in units]
            gold = []
            for u, (s, e) in enumerate(units):
                starts = u == 0 or gold[-1] in (E, S)
                if allowed[u] == (S,):
                    gold.append(S)
                elif e in ends or u == len(units) - 1 or allowed[u + 1] == (S,):
                    gold.append(S if starts else E)
                else:
                    gold.append(B if starts else M)
            rows = tagger_rows(text, units, self.bits)
            pred = tagger_viterbi(rows, allowed, self.weights, self.transitions)
            clock = float(self.examples)
            self.units += len(units)
            self.mistakes += sum(g != p for g, p in zip(gold, pred))
            for u, (g, p) in enumerate(zip(gold, pred)):
                if g != p:
                    for r in rows[u]:
                        self.weights[r, g] += 1
                        self.weights[r, p] -= 1
                        self.sums[r, g] += clock
                        self.sums[r, p] -= clock
                if u and (gold[u - 1] != pred[u - 1] or g != p):
                    self.transitions[gold[u - 1], g] += 1
                    self.transitions[pred[u - 1], p] -= 1
                    self.transition_sums[gold[u - 1], g] += clock
                    self.transition_sums[pred[u - 1], p] -= clock
            self.examples += 1

    def model(self):
        import numpy as np
        c = float(self.examples)
        return ((self.weights - self.sums / c).astype(np.float32),
                (self.transitions - self.transition_sums / c).astype(np.float32))


def tagger_tokens(text: str, weights, transitions, bits: int, is_word) -> list:
    """The tokens the tagger gives `text`, whitespace runs included."""
    cuts = set()
    for units in tagger_sequences(text, is_word):
        allowed = [(0, 1, 2, 3) if is_word(text[s]) else (S,) for s, _ in units]
        tags = tagger_viterbi(tagger_rows(text, units, bits), allowed, weights, transitions)
        cuts.add(units[0][0])
        cuts.update(e for (s, e), t in zip(units, tags) if t in (E, S))
    i = 0
    while i < len(text):                     # whitespace units are tokens
        j = fallback_end(text, i)
        if char_class(text[i]) & SPACE:
            cuts.update((i, j))
        i = j
    cuts.update((0, len(text)))
    points = sorted(cuts)
    return [text[a:b] for a, b in zip(points, points[1:])]
