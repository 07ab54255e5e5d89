"""Lexicons: word -> count tables shared by discovery (which writes them) and the
tokenizer (which turns them into unigram probabilities p(w) = count / total).

Four formats are read and written:

``tsv`` (nlpzero's own, version 1)
    An optional header line ``#nlpzero-lexicon 1 words=N columns=count,...``,
    then ``word<TAB>count[<TAB>score...]`` lines, one field per column (a
    word without a score has an empty field).  Words may contain spaces or
    punctuation ("New York", "C++"); they may not contain tabs or newlines.
    When the header is present its ``words=N`` is checked, so a truncated file
    is an error rather than a silently smaller lexicon.
``jieba``
    ``word freq [tag]`` separated by single spaces, as in jieba's bundled
    ``dict.txt``; what ``jieba.set_dictionary`` and ``jieba.load_userdict`` read.
``words``
    One word per line; every word gets ``default_count``.
``json``
    ``{"format": "nlpzero-lexicon", "version": 1, "columns": ["count", ...],
    "words": [[word, count, score...], ...]}``.

In the tsv and words formats ``<NUM>`` stands for any number (a run of
digits, half- or full-width, with decimal points): the word ``<NUM>年``
matches "2001年", "１９９８年" and "3.5年".  In memory it is the private-use
character :data:`NUMBER`.  jieba's format cannot express it; such words are
left out when writing it.

``Lexicon.load`` detects the format from the first data line unless
``format=`` is given.  Lines starting with ``#`` before the first entry are
comments.
"""

from __future__ import annotations

import json
import math
import os
import re
from typing import Iterable, Iterator, Sequence

import numpy as np

from .errors import FormatError, InputError
from .fileio import atomic_output, open_input
from .text import NUMBER, NUMBER_TEXT

FORMATS = ("tsv", "jieba", "words", "json")
TSV_HEADER = "#nlpzero-lexicon"
TSV_VERSION = 1
DEFAULT_COUNT = 1
MAX_COUNT = (1 << 63) - 1   # counts are stored as int64
_HEADER_FIELD = re.compile(r"(\w+)=(\S*)")
_MAX_LEXICON_LINE = 1 << 16


def jieba_dictionary_path() -> str:
    """The path of jieba's bundled dictionary (349k words)."""
    try:
        import jieba
    except ImportError:  # pragma: no cover - jieba is a dependency
        raise InputError("jieba is not installed; give a dictionary file instead") from None
    return os.path.join(os.path.dirname(jieba.__file__), "dict.txt")


class Lexicon:
    """A mutable word -> count table with optional per-word score columns.

    >>> lex = Lexicon({"中国": 10, "人": 5})
    >>> lex["中国"], lex.total, round(lex.logprob("人"), 3)
    (10, 15, -1.099)

    Parameters
    ----------
    counts
        A word -> count dict or (word, count) pairs (counts are non-negative
        integers below 2**63).
    columns
        Names of the extra score columns (discovery writes "gain").
    scores
        word -> tuple of scores, one per column.
    """

    def __init__(self, counts: dict[str, int] | Iterable[tuple[str, int]] | None = None,
                 columns: Sequence[str] = (), scores: dict[str, tuple] | None = None):
        self._table: dict[str, int] | None = {}
        self._sorted = None        # (code points, offsets, counts) sorted by word, while unedited since loading
        self.version = 0           # changes with every edit: a Tokenizer of this lexicon recompiles
        self.total = 0
        self.columns = tuple(columns)      # names of the extra score columns
        self.scores: dict[str, tuple] = dict(scores or {})
        items = counts.items() if isinstance(counts, dict) else (counts or ())
        for word, count in items:
            self.add(word, count)

    # ---------------------------------------------------------------- mapping
    @property
    def _counts(self) -> dict[str, int]:
        """word -> count, made on first use from the arrays of a loaded file."""
        if self._table is None:
            codes, offsets, counts = self._sorted
            text = codes.tobytes().decode("utf-32-le", "surrogatepass")
            bounds = offsets.tolist()
            self._table = dict(zip([text[bounds[i]:bounds[i + 1]] for i in range(len(bounds) - 1)],
                                   counts.tolist()))
        return self._table

    def sorted_arrays(self):
        """(code points uint32, offsets int64, counts int64) of the words with a
        count, sorted by code point: what the trie is built from."""
        if self._sorted is None:
            words = sorted(w for w, c in self._counts.items() if c > 0)
            counts = np.fromiter((self._counts[w] for w in words), dtype=np.int64, count=len(words))
            offsets = np.zeros(len(words) + 1, dtype=np.int64)
            np.cumsum([len(w) for w in words], out=offsets[1:])
            codes = np.frombuffer("".join(words).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
            self._sorted = (codes, offsets, counts)
        return self._sorted

    def __len__(self) -> int:
        if self._table is None:
            return len(self._sorted[2])
        return len(self._counts)

    def __contains__(self, word) -> bool:
        return word in self._counts

    def __getitem__(self, word: str) -> int:
        return self._counts[word]

    def get(self, word: str, default: int = 0) -> int:
        return self._counts.get(word, default)

    def __iter__(self) -> Iterator[str]:
        return iter(self._counts)

    def items(self):
        return self._counts.items()

    def __eq__(self, other) -> bool:
        return isinstance(other, Lexicon) and self._counts == other._counts

    def __repr__(self) -> str:
        return f"<Lexicon {len(self)} words, total {self.total}>"

    def logprob(self, word: str) -> float:
        """ln p(word) = ln count - ln total; -inf for a word not in the lexicon."""
        count = self._counts.get(word, 0)
        return math.log(count) - math.log(self.total) if count > 0 else -math.inf

    def score(self, word: str, column: str = "gain"):
        """The value of a score column for `word` (None when it has none)."""
        if column not in self.columns:
            raise KeyError(f"this lexicon has no {column!r} column (its columns: {', '.join(self.columns) or 'none'})")
        scores = self.scores.get(word)
        index = self.columns.index(column)
        return scores[index] if scores is not None and index < len(scores) else None

    def gain(self, word: str) -> float | None:
        """The code length in nats each occurrence of `word` saves over its best
        split (discovery's "gain" column; None for single characters)."""
        return self.score(word, "gain")

    def multi_character(self) -> "Lexicon":
        """The words of two or more characters, with their counts and scores."""
        return Lexicon(((w, c) for w, c in self._counts.items() if len(w) > 1), columns=self.columns,
                       scores={w: s for w, s in self.scores.items() if len(w) > 1})

    def most_common(self, k: int | None = None) -> list[tuple[str, int]]:
        """The k most frequent (word, count) pairs; ties in code-point order."""
        ranked = sorted(self._counts.items(), key=lambda wc: (-wc[1], wc[0]))
        return ranked if k is None else ranked[:k]

    # ---------------------------------------------------------------- editing
    def add(self, word: str, count: int = DEFAULT_COUNT) -> None:
        """Set `word`'s count (adding the word if new)."""
        if not isinstance(word, str) or not word:
            raise ValueError("a lexicon word must be a non-empty string")
        if "\t" in word or "\n" in word or "\r" in word:
            raise ValueError(f"a lexicon word cannot contain tabs or line breaks: {word!r}")
        count = int(count)
        if count < 0:
            raise ValueError(f"negative count for {word!r}")
        if count > MAX_COUNT:
            raise ValueError(f"count too large for {word!r}: {count} (at most {MAX_COUNT})")
        self.total += count - self._counts.get(word, 0)
        self._counts[word] = count
        self._sorted = None
        self.version += 1

    def remove(self, word: str) -> int:
        """Delete `word`; returns its count (KeyError if absent)."""
        count = self._counts.pop(word)
        self.scores.pop(word, None)
        self.total -= count
        self._sorted = None
        self.version += 1
        return count

    def update(self, other: "Lexicon") -> None:
        """Add `other`'s counts into this lexicon, in place (as Counter.update
        does; functions such as :func:`nlpzero.merge` return new objects)."""
        for word, count in other.items():
            self.add(word, self._counts.get(word, 0) + count)

    def segment(self, text: str, exclude: str | None = None, cuttable: Sequence[bool] | None = None) -> list[str]:
        """Max-probability segmentation of a short string with this lexicon (plain
        Python, O(len²)); characters in no word count once each.  `exclude` is a
        word treated as absent; `cuttable[j]` (j = 1..len-1), when given, says
        whether a cut may fall before text[j] (an uncuttable stretch in no word
        counts once).  For whole texts use :class:`nlpzero.Tokenizer`."""
        n = len(text)
        unknown = -math.log(max(self.total, 1))
        log_total = math.log(max(self.total, 1))
        best = [0.0] * (n + 1)
        nxt = [n] * (n + 1)
        for i in range(n - 1, -1, -1):
            j = i + 1
            while cuttable is not None and j < n and not cuttable[j]:
                j += 1
            best[i], nxt[i] = unknown + best[j], j
            for j in range(i + 1, n + 1):
                if cuttable is not None and j < n and not cuttable[j]:
                    continue
                word = text[i:j]
                count = self._counts.get(word, 0)
                if count > 0 and word != exclude:
                    score = math.log(count) - log_total + best[j]
                    if score >= best[i]:
                        best[i], nxt[i] = score, j
        parts, i = [], 0
        while i < n:
            parts.append(text[i:nxt[i]])
            i = nxt[i]
        return parts

    def suggest(self, segment: str | Sequence[str], tune: bool = True) -> int:
        """jieba's ``suggest_freq``: the count that makes `segment` come out whole
        (a string) or split as given (a sequence of parts); applied if `tune`."""
        total = max(self.total, 1)
        if isinstance(segment, str):
            word = segment
            p = 1.0
            for part in self.segment(word, exclude=word):
                p *= self._counts.get(part, 1) / total
            count = max(int(p * total) + 1, self._counts.get(word, 1))
        else:
            word = "".join(segment)
            p = 1.0
            for part in segment:
                p *= self._counts.get(part, 1) / total
            count = min(int(p * total), self._counts.get(word, 0))
        if tune:
            if count > 0:
                self.add(word, count)
            elif word in self:
                self.remove(word)
        return count

    # ---------------------------------------------------------------- files
    @classmethod
    def load(cls, path: str, format: str | None = None, default_count: int = DEFAULT_COUNT) -> "Lexicon":
        """Read a lexicon file (format detected unless given); errors name the file and line."""
        if format is not None and format not in FORMATS:
            raise ValueError(f"unknown lexicon format {format!r} (expected one of {', '.join(FORMATS)})")
        name, data, text = read_text(path)
        if format == "json" or (format is None and text.lstrip().startswith("{")):
            return cls._parse_json(text, name)
        head = lexicon_head(name, text)
        fast = read_entries(data, name, format, default_count)
        if fast is not None:
            codes, offsets, counts, total, header = fast
            lexicon = cls._from_entries(codes, offsets, counts, name, header)
        else:
            lexicon = cls._parse(text.splitlines(), name, format, default_count)
        require_words(name, head, len(lexicon))
        return lexicon

    @classmethod
    def _from_entries(cls, codes, offsets, counts, name: str, header: dict) -> "Lexicon":
        """A Lexicon of the entries parsed by compiled code (equal words' counts
        added); its word table is made on first use."""
        from ._ext import lexfile

        lexicon = cls()
        lexicon.total = int(counts.sum())
        if lexicon.total > MAX_COUNT:
            raise FormatError(f"{name}: the counts add up to more than {MAX_COUNT}")
        lexicon._sorted = lexfile.sort_words(codes, offsets, counts, lexfile.SUM)
        if int(lexicon._sorted[2].max(initial=0)) > MAX_COUNT:
            raise FormatError(f"{name}: a count is too large")
        lexicon._table = None
        if bool((counts == 0).any()):     # words with a count of 0 are kept in the table
            lexicon._sorted = None
            text = codes.tobytes().decode("utf-32-le", "surrogatepass")
            bounds = offsets.tolist()
            table = {}
            for i, count in enumerate(counts.tolist()):
                word = text[bounds[i]:bounds[i + 1]]
                table[word] = table.get(word, 0) + count
            lexicon._table = table
        if "words" in header and header["words"].isdigit() and int(header["words"]) != len(lexicon):
            raise FormatError(f"{name}: truncated lexicon: header says {header['words']} words, "
                              f"found {len(lexicon)}")
        return lexicon

    @classmethod
    def _parse_json(cls, text: str, name: str) -> "Lexicon":
        try:
            data = json.loads(text)
            if data.get("format") != "nlpzero-lexicon":
                raise ValueError("not an nlpzero lexicon")
            if data.get("version") != TSV_VERSION:
                raise ValueError(f"version {data.get('version')} not supported")
            lexicon = cls(columns=data.get("columns", ["count"])[1:])
            for entry in data["words"]:
                word, count = entry[0], entry[1]
                if not isinstance(word, str) or isinstance(count, bool) or not isinstance(count, int):
                    raise ValueError(f"bad entry {entry!r:.60}")
                lexicon.add(word.replace(NUMBER_TEXT, NUMBER), count)
                if len(entry) > 2:
                    lexicon.scores[word.replace(NUMBER_TEXT, NUMBER)] = tuple(entry[2:])
        except (ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
            raise FormatError(f"{name}: not a valid JSON lexicon ({exc})") from None
        return lexicon

    @classmethod
    def _parse(cls, lines: list[str], name: str, format: str | None, default_count: int) -> "Lexicon":
        header: dict[str, str] = {}
        start = 0
        while start < len(lines) and (not lines[start].strip() or lines[start].startswith("#")):
            if lines[start].startswith(TSV_HEADER):
                header = dict(_HEADER_FIELD.findall(lines[start]))
                version = lines[start][len(TSV_HEADER):].split()[:1]
                if version != [str(TSV_VERSION)]:
                    raise FormatError(f"{name}:{start + 1}: lexicon format version {version} not supported "
                                      f"(this nlpzero reads version {TSV_VERSION})")
                format = format or "tsv"
            start += 1
        if format is None:
            format = _detect(lines[start] if start < len(lines) else "")
        columns = header.get("columns", "count").split(",")[1:]
        lexicon = cls(columns=columns)
        for number in range(start, len(lines)):
            line = lines[number]
            if not line.strip():
                continue
            where = f"{name}:{number + 1}"
            if len(line) > _MAX_LEXICON_LINE:
                raise FormatError(f"{where}: line too long for a lexicon entry")
            try:
                word, count, scores = _parse_line(line, format, default_count)
                lexicon.add(word, lexicon.get(word) + count)
            except ValueError as exc:
                raise FormatError(f"{where}: {exc}") from None
            if scores:
                lexicon.scores[word] = scores
        if "words" in header and header["words"].isdigit() and int(header["words"]) != len(lexicon):
            raise FormatError(f"{name}: truncated lexicon: header says {header['words']} words, "
                              f"found {len(lexicon)}")
        return lexicon

    def save(self, path: str, format: str = "tsv", sort: bool = True, limit: int | None = None) -> int:
        """Write atomically in `format` (tsv, jieba, words or json), most frequent
        first; `limit` keeps only the first entries.  Returns the number of
        words written (jieba's format cannot hold every word: see `write`)."""
        if format not in FORMATS:
            raise ValueError(f"unknown lexicon format {format!r} (expected one of {', '.join(FORMATS)})")
        with atomic_output(path, "w", encoding="utf-8") as out:
            return self.write(out, format, sort=sort, limit=limit)

    def write(self, out, format: str = "tsv", sort: bool = True, limit: int | None = None,
              header: bool = True) -> int:
        """Write to a text stream in `format`; returns the number of words written.
        jieba's format cannot hold words with <NUM> or whitespace: they are left
        out.  `header` False leaves out the TSV header line (for display)."""
        entries = self.most_common(limit) if sort else list(self._counts.items())[:limit]
        if format == "json":
            head = json.dumps({"format": "nlpzero-lexicon", "version": TSV_VERSION,
                               "columns": ["count", *self.columns]}, ensure_ascii=False)
            out.write(head[:-1] + ', "words": [')     # one entry per line
            for i, (word, count) in enumerate(entries):
                entry = [word.replace(NUMBER, NUMBER_TEXT), count, *self.scores.get(word, ())]
                out.write(("\n" if i == 0 else ",\n") + json.dumps(entry, ensure_ascii=False))
            out.write("\n]}\n")
        elif format == "tsv":
            if header:
                out.write(f"{TSV_HEADER} {TSV_VERSION} words={len(entries)} "
                          f"columns={','.join(('count',) + self.columns)}\n")
            empty = ("",) * len(self.columns)
            for word, count in entries:
                scores = tuple(self.scores.get(word, ())) + empty
                extra = "".join(f"\t{_format_score(s)}" for s in scores[:len(self.columns)])
                out.write(f"{word.replace(NUMBER, NUMBER_TEXT)}\t{count}{extra}\n")
        elif format == "jieba":
            written = 0
            for word, count in entries:
                if NUMBER in word or any(ch.isspace() for ch in word):
                    continue  # jieba's format cannot hold these
                out.write(f"{word} {count}\n")
                written += 1
            return written
        else:
            for word, _ in entries:
                out.write(word.replace(NUMBER, NUMBER_TEXT) + "\n")
        return len(entries)


def read_text(path: str) -> tuple[str, bytes, str]:
    """(name, bytes, text) of a lexicon file, refused when binary or not UTF-8."""
    name = "<stdin>" if path == "-" else path
    with open_input(path) as stream:
        data = stream.read()
    if b"\x00" in data[:1 << 16]:
        raise FormatError(f"{name}: not a lexicon (binary data)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise FormatError(f"{name}:{line}: not UTF-8 text (truncated or binary?)") from None
    return name, data, text


def read_entries(data: bytes, name: str, format: str | None, default_count: int):
    """The entries of a lexicon file's bytes parsed by compiled code:
    (code points, offsets, counts, total, header), or None when the file needs
    the Python parser (score columns, JSON, counts written as decimals, or any
    line the fast parser rejects, so that errors are reported the same way)."""
    import numpy as np

    from ._ext import lexfile

    position, number, header = 0, 1, {}
    if data.startswith(b"\xef\xbb\xbf"):
        position = 3
    while position < len(data):                    # comments and the header, before the first entry
        end = data.find(b"\n", position)
        end = len(data) if end < 0 else end
        line = data[position:end]
        if line.strip() and not line.startswith(b"#"):
            break
        if line.startswith(TSV_HEADER.encode()):
            header = dict(_HEADER_FIELD.findall(line.decode("utf-8", "replace")))
            version = line[len(TSV_HEADER):].split()[:1]
            if version != [str(TSV_VERSION).encode()]:
                return None
            format = format or "tsv"
        position, number = end + 1, number + 1
    if header.get("columns", "count") != "count":
        return None
    if format is None:
        end = data.find(b"\n", position)
        try:
            format = _detect(data[position:len(data) if end < 0 else end].decode("utf-8").rstrip("\r"))
        except UnicodeDecodeError:
            return None
    code = {"tsv": lexfile.TSV, "jieba": lexfile.JIEBA, "words": lexfile.WORDS}.get(format)
    if code is None:
        return None
    try:
        codes, offsets, counts, total = lexfile.parse(np.frombuffer(data, dtype=np.uint8)[position:], code,
                                                      default_count, number)
    except lexfile.LineError:
        return None
    return codes, offsets, counts, total, header


def lexicon_head(name: str, text: str) -> str:
    """The start of a lexicon file's text; a FormatError if it is another
    nlpzero file (templates, say), whose lines would parse as words."""
    head = text[:256].lstrip("\ufeff \t\r\n")
    if head.startswith("#nlpzero-"):
        kind = re.match(r"#nlpzero-([\w-]*)", head).group(1)
        if kind != TSV_HEADER[len("#nlpzero-"):]:      # the lexicon's own header: its version is checked later
            raise FormatError(f"{name}: an nlpzero {kind or 'unknown'} file, not a lexicon")
    return head


def require_words(name: str, head: str, n_words: int) -> None:
    """An empty file is a mistake, not a lexicon; a saved empty lexicon has its header."""
    if n_words == 0 and not head.startswith(TSV_HEADER):
        raise FormatError(f"{name}: holds no words: not a lexicon")


def _format_score(value) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _detect(line: str) -> str:
    if "\t" in line:
        return "tsv"
    fields = line.split(" ")
    if 2 <= len(fields) <= 3 and fields[1].isdigit():
        return "jieba"
    return "words"


def _parse_line(line: str, format: str, default_count: int) -> tuple[str, int, tuple]:
    line = line.rstrip("\r")
    if format == "tsv":
        fields = line.split("\t")
        if len(fields) < 2:
            raise ValueError("expected word<TAB>count")
        scores = tuple(_parse_score(f) for f in fields[2:])
        if scores and all(score == "" for score in scores):
            scores = ()
        return fields[0].replace(NUMBER_TEXT, NUMBER), _parse_count(fields[1]), scores
    if format == "jieba":
        fields = line.strip().split(" ")
        if len(fields) < 2 or not fields[0]:
            raise ValueError("expected 'word freq [tag]'")
        return fields[0], _parse_count(fields[1]), ()
    word = line.strip()
    if "\t" in word:
        raise ValueError("tab in a plain word list")
    return word.replace(NUMBER_TEXT, NUMBER), default_count, ()


def _parse_count(text: str) -> int:
    text = text.strip()
    if text.isascii() and text.isdigit():
        value = int(text)
    else:
        try:
            number = float(text)
        except ValueError:
            raise ValueError(f"count is not a number: {text[:40]!r}") from None
        if not math.isfinite(number) or number < 0:
            raise ValueError(f"count must be a non-negative number: {text[:40]!r}")
        value = int(number)
    if value > MAX_COUNT:
        raise ValueError(f"count too large: {text[:40]} (at most {MAX_COUNT})")
    return value


def _parse_score(text: str):
    if text == "":
        return ""
    try:
        return float(text)
    except ValueError:
        return text
