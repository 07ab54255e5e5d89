"""Reading corpora: files, directories, globs and stdin, compressed or not, in
any encoding, streamed in bounded memory; and the rule that splits text into
the *segments* every statistic is computed within.

Segmentation rule (the default :class:`WordChars`): a segment is a maximal run
of word characters, which are the Unicode letters (categories L*), marks (M*),
decimal digits (Nd) and letter numbers (Nl), plus ``○`` (U+25CB, written for
zero in Chinese numbers; ``〇`` U+3007 is already Nl).  That covers CJK
ideographs with all their extensions, kana, hangul, Latin letters, digits and
their full-width forms.  Everything else -- punctuation, symbols, emoji,
whitespace, control and format characters, U+FFFD from undecodable bytes -- is
a boundary.  Pass ``word_chars=`` to any reader to use another rule.
"""

from __future__ import annotations

import bz2
import codecs
import dataclasses
import glob
import gzip
import hashlib
import io
import itertools
import logging
import lzma
import os
import re
import stat
import sys
import unicodedata
import zlib
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator

import numpy as np

from .errors import InputError
from .fileio import open_input

log = logging.getLogger("nlpzero")

UNICODE_SIZE = 0x110000
READ_BLOCK = 1 << 20          # bytes read from a file at a time
MAX_LINE_CHARS = 1 << 20      # longer "lines" are delivered in pieces

_WORD_CATEGORIES = ("L", "M")
_WORD_EXACT = ("Nd", "Nl")
_EXTRA_WORD_CHARS = "○"


class WordChars:
    """Which characters belong inside segments, as a lookup table over all code points."""

    _default: "WordChars | None" = None

    def __init__(self, table: np.ndarray, description: str):
        table = np.ascontiguousarray(table, dtype=np.uint8)
        if table.shape != (UNICODE_SIZE,):
            raise ValueError("a word-character table has one entry per code point (0x110000)")
        self.table = table
        self.description = description

    @classmethod
    def default(cls) -> "WordChars":
        if cls._default is None:
            table = np.zeros(UNICODE_SIZE, dtype=np.uint8)
            category = unicodedata.category
            for code in range(UNICODE_SIZE):
                cat = category(chr(code))
                if cat[0] in _WORD_CATEGORIES or cat in _WORD_EXACT:
                    table[code] = 1
            for ch in _EXTRA_WORD_CHARS:
                table[ord(ch)] = 1
            cls._default = cls(table, "default")
        return cls._default

    @classmethod
    def from_predicate(cls, is_word: Callable[[str], bool], description: str = "custom") -> "WordChars":
        table = np.fromiter((bool(is_word(chr(c))) for c in range(UNICODE_SIZE)),
                            dtype=np.uint8, count=UNICODE_SIZE)
        return cls(table, description)

    @classmethod
    def from_regex(cls, char_class: str) -> "WordChars":
        """E.g. ``WordChars.from_regex(r"[\\u4e00-\\u9fff]")`` for CJK only."""
        pattern = re.compile(char_class)
        return cls.from_predicate(lambda ch: pattern.fullmatch(ch) is not None, char_class)

    def __contains__(self, ch: str) -> bool:
        return bool(self.table[ord(ch)])

    @property
    def fingerprint(self) -> str:
        """A digest of the table: two rules are the same rule when their fingerprints are."""
        if getattr(self, "_fingerprint", None) is None:
            self._fingerprint = hashlib.sha256(self.table.tobytes()).hexdigest()[:16]
        return self._fingerprint

    def with_chars(self, chars: str, description: str) -> "WordChars":
        """This rule with `chars` made word characters too."""
        table = self.table.copy()
        for ch in chars:
            table[ord(ch)] = 1
        return WordChars(table, f"{self.description} + {description}")

    def segments(self, text: str) -> list[str]:
        """The segments of `text` (plain Python; for tests and small inputs)."""
        out, current = [], []
        table = self.table
        for ch in text:
            if table[ord(ch)]:
                current.append(ch)
            elif current:
                out.append("".join(current))
                current = []
        if current:
            out.append("".join(current))
        return out


@dataclasses.dataclass(frozen=True)
class TextRule:
    """How a table of counts saw its text: which characters make segments (a
    :class:`WordChars`, by description and fingerprint) and whether numbers
    were folded to one symbol.  Counts made under different rules cannot be
    added up, and discovery needs its own rule (see :func:`discovery_rule`)."""
    word_chars: str = "default"
    fingerprint: str = ""
    fold_numbers: bool = False

    @classmethod
    def of(cls, word_chars: "WordChars", fold_numbers: bool = False) -> "TextRule":
        return cls(word_chars.description, word_chars.fingerprint, fold_numbers)

    def __str__(self) -> str:
        return f"word characters {self.word_chars!r}" + (", numbers folded" if self.fold_numbers else "")

    def same_as(self, other: "TextRule") -> bool:
        return self.fingerprint == other.fingerprint and self.fold_numbers == other.fold_numbers


def number_word_chars(word_chars) -> "WordChars":
    """The segmentation rule with the number placeholder as a word character
    (what text with folded numbers is segmented by)."""
    from .text import NUMBER
    return as_word_chars(word_chars).with_chars(NUMBER, "numbers")


def as_word_chars(word_chars) -> WordChars:
    if word_chars is None:
        return WordChars.default()
    if isinstance(word_chars, WordChars):
        return word_chars
    if isinstance(word_chars, str):
        return WordChars.from_regex(word_chars)
    if callable(word_chars):
        return WordChars.from_predicate(word_chars)
    raise TypeError("word_chars must be a WordChars, a regex character class or a predicate")


# ---------------------------------------------------------------- opening files

_MAGIC = ((b"\x1f\x8b", gzip.open), (b"BZh", bz2.open), (b"\xfd7zXZ\x00", lzma.open))
_DECOMPRESS_ERRORS = (OSError, EOFError, lzma.LZMAError, zlib.error)


def _open_binary(path: str):
    """(raw file, stream to read): gzip, bzip2 and xz are decompressed by
    content, from stdin too (raw None)."""
    if path == "-":
        return None, _decompressed(*_sniffed(sys.stdin.buffer))
    if "://" in path:
        from .blocks import fsspec_module
        try:
            raw = fsspec_module().open(path, "rb").open()
        except (OSError, ValueError) as exc:
            raise InputError(f"{path}: cannot open ({exc})") from None
    else:
        raw = open_input(path)
    raw, head = _sniffed(raw)
    return raw, _decompressed(raw, head)


def _sniffed(raw):
    """(stream, its first bytes): as many as can start a compression magic.
    A stream that cannot seek (stdin, a pipe, a FIFO) gets them put back in
    front; bytes are read one at a time while they could still be a magic, so
    that a line typed at a terminal is not kept waiting for more."""
    head = b""
    while any(magic.startswith(head) and len(head) < len(magic) for magic, _ in _MAGIC):
        more = raw.read(1)
        if not more:
            break
        head += more
    if raw.seekable():
        raw.seek(0)
    elif head:
        raw = io.BufferedReader(_Prefixed(head, raw), READ_BLOCK)
    return raw, head


def _decompressed(raw, head: bytes):
    for magic, opener in _MAGIC:
        if head.startswith(magic):
            return opener(raw)
    return raw


class _Prefixed(io.RawIOBase):
    """Bytes already read from a stream that cannot seek, then the rest of it."""

    def __init__(self, head: bytes, rest):
        self._head, self._rest = head, rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n], self._head = self._head[:n], self._head[n:]
            return n
        data = self._rest.read1(len(buffer)) if hasattr(self._rest, "read1") else self._rest.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)

    def close(self):
        self._rest.close()
        super().close()


def _looks_binary(block: bytes, encoding: str) -> bool:
    # NUL bytes never occur in text in byte-oriented encodings.
    return b"\x00" in block[:8192] and not re.match(r"utf[-_]?(16|32)", encoding, re.I)


# A UTF-8 file whose first block is mostly invalid was written in another
# encoding: going on would learn from replacement characters.
MOSTLY_INVALID = 0.25
MIN_SAMPLE = 1024           # fewer bytes say too little to refuse a file


def _invalid_utf8_share(block: bytes) -> float:
    """The share of `block`'s bytes that are not valid UTF-8 (a character cut
    at the block's end is not counted)."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="nlpzero-replace")
    tally = _InvalidBytes()
    _active.append(tally)
    try:
        decoder.decode(block, final=False)
    finally:
        _active.pop()
    return tally.count / max(len(block), 1)


def _byte_order_hint(block: bytes, width: int) -> str:
    """'le' or 'be': where the zero bytes of mostly-ASCII or BMP text fall."""
    even = block[0::width].count(0)
    odd = block[width - 1::width].count(0)
    return "be" if even > odd else "le"


def is_stream(path: str) -> bool:
    """stdin, or a path that is a pipe, FIFO or character device (<(...), /dev/stdin): read once."""
    if path == "-":
        return True
    if "://" in path:
        return False
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISCHR(mode) or stat.S_ISSOCK(mode)


def expand_paths(inputs: Iterable[str]) -> list[str]:
    """Files named by `inputs`: files as given, directories walked recursively
    (hidden entries skipped), glob patterns expanded, ``-`` for stdin."""
    paths: list[str] = []
    for item in inputs:
        item = os.fspath(item)
        if item == "-":
            paths.append(item)
        elif "://" in item:            # an fsspec URL (s3://, https://, memory:// ...)
            from .blocks import list_files
            paths.extend(list_files([item]))
        elif os.path.isdir(item):
            found = []
            for root, dirs, files in os.walk(item):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                found.extend(os.path.join(root, f) for f in files if not f.startswith("."))
            paths.extend(sorted(found))
        elif os.path.exists(item):
            paths.append(item)
        elif glob.has_magic(item):
            matched = sorted(p for p in glob.glob(item, recursive=True) if os.path.isfile(p))
            if not matched:
                raise InputError(f"{item}: no files match this pattern")
            paths.extend(matched)
        else:
            raise InputError(f"{item}: no such file or directory")
    return paths


# ---------------------------------------------------------------- reading

@dataclass
class _InvalidBytes:
    count: int = 0


_active: list[_InvalidBytes] = []


def _count_and_replace(exc: UnicodeDecodeError):
    if _active:
        _active[-1].count += exc.end - exc.start
    return "\ufffd", exc.end


codecs.register_error("nlpzero-replace", _count_and_replace)


@dataclass
class Corpus:
    """A re-iterable, streamed view of some text inputs.

    ``Corpus(["a.txt", "dir/", "*.gz", "-"], encoding="gb18030")``.  Text is
    read in blocks of at most 1 MiB whatever the line length, decoded with
    invalid bytes replaced by U+FFFD (their number is logged once per file).

    Parameters
    ----------
    inputs
        Files, directories (read recursively, hidden entries skipped), glob
        patterns, or ``-`` for stdin (which can be read only once).
    encoding
        Any Python codec; text mostly invalid in it is refused.
    word_chars
        The segmentation rule: a :class:`WordChars`, a regex character class
        or a predicate (default: :meth:`WordChars.default`).
    progress
        Called with the bytes read since its last call.
    skip_binary_in_directories
        A binary file found in a directory or by a glob is skipped with a
        warning (one named outright is always an error).
    """

    inputs: list[str]
    encoding: str = "utf-8"
    word_chars: object = None
    progress: Callable[[int], None] | None = None   # called with bytes read since the last call
    skip_binary_in_directories: bool = True
    _paths: list[str] = field(init=False, repr=False)
    _reported: set = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        if isinstance(self.inputs, (str, bytes, os.PathLike)):
            self.inputs = [self.inputs]
        try:
            self.inputs = [os.fsdecode(p) for p in self.inputs]
        except TypeError:
            raise TypeError(f"a corpus is paths (str, bytes or os.PathLike), not {self.inputs!r:.80}") from None
        try:
            codec = codecs.lookup(self.encoding)
        except LookupError:
            raise InputError(f"unknown encoding: {self.encoding}") from None
        try:                   # rot13, base64, zlib: bytes to bytes; idna, undefined: no error handler
            if not getattr(codec, "_is_text_encoding", True):
                raise TypeError
            codecs.getincrementaldecoder(self.encoding)(errors="nlpzero-replace").decode(b"a", final=True)
        except (UnicodeError, TypeError, ValueError):
            raise InputError(f"{self.encoding}: not an encoding nlpzero can read text in") from None
        self._paths = expand_paths(self.inputs)
        if not self._paths:
            raise InputError("no input files")
        self._reported: set[str] = set()
        if self.word_chars is not None:   # the default table is built on first use (0.3 s)
            self.word_chars = as_word_chars(self.word_chars)

    def with_options(self, **changes) -> "Corpus":
        """A copy with some fields changed, reporting invalid bytes together with this one."""
        copy = dataclasses.replace(self, **changes)
        copy._reported = self._reported
        return copy

    @property
    def paths(self) -> list[str]:
        return list(self._paths)

    @property
    def total_bytes(self) -> int | None:
        """Bytes on disk of all inputs (None when reading stdin)."""
        if "-" in self._paths:
            return None
        total = 0
        for path in self._paths:
            if "://" in path:
                from .blocks import fsspec_module
                fs, stripped = fsspec_module().core.url_to_fs(path)
                total += fs.size(stripped) or 0
            else:
                total += os.path.getsize(path)
        return total

    def _decoder(self):
        return codecs.getincrementaldecoder(self.encoding)(errors="nlpzero-replace")

    @property
    def rereadable(self) -> bool:
        """Whether the inputs can be read more than once (stdin, a pipe or a FIFO cannot)."""
        return not any(is_stream(path) for path in self._paths)

    def require_rereadable(self, what: str) -> None:
        """InputError unless the corpus can be read several times, as `what` does."""
        if not self.rereadable:
            raise InputError(f"{what} reads its corpus more than once: give files, not - (stdin), "
                             "a pipe or a FIFO")

    def report_invalid(self, path: str, count: int) -> None:
        """Log the number of invalid bytes replaced in a file, once per file
        however many times the corpus is read."""
        if count and path not in self._reported:
            self._reported.add(path)
            log.warning("%d invalid bytes replaced in %s", count, "<stdin>" if path == "-" else path)

    def _check_first_block(self, block: bytes, name: str) -> None:
        """Refuse text that is evidently not in the corpus's encoding."""
        codec = codecs.lookup(self.encoding).name
        if codec == "utf-8":
            share = _invalid_utf8_share(block[:1 << 16])
            if share > MOSTLY_INVALID and len(block) >= MIN_SAMPLE:
                raise InputError(f"{name}: not UTF-8 ({share:.0%} of its first bytes are invalid); "
                                 "give its encoding, e.g. --encoding gb18030 (or big5, shift_jis, utf-16)")
        elif codec in ("utf-16", "utf-32"):
            width = 2 if codec == "utf-16" else 4
            boms = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) if width == 2 else (codecs.BOM_UTF32_LE,
                                                                                    codecs.BOM_UTF32_BE)
            if not block.startswith(boms):
                raise InputError(f"{name}: {codec.upper()} text without a byte-order mark: give the byte "
                                 f"order, e.g. --encoding {codec}-{_byte_order_hint(block, width)}")

    def _raw_blocks(self, path: str) -> Iterator[bytes]:
        """The bytes of one file (decompressed), in blocks of READ_BLOCK, with the
        binary-file check and progress reporting."""
        raw, stream = _open_binary(path)
        first = True
        position = 0
        name = "<stdin>" if path == "-" else path
        # a pipe or terminal: take what has arrived, so a line typed is a line answered
        piped = raw is None or not raw.seekable()
        read = stream.read1 if piped and hasattr(stream, "read1") else stream.read
        try:
            while True:
                try:
                    block = read(READ_BLOCK)
                except _DECOMPRESS_ERRORS as exc:
                    raise InputError(f"{name}: cannot decompress ({exc})") from None
                if first:
                    first = False
                    if block and _looks_binary(block, self.encoding):
                        raise InputError(f"{name}: looks like a binary file (it contains NUL bytes)")
                    if block:
                        self._check_first_block(block, name)
                if self.progress is not None and block:
                    # compressed inputs report progress in compressed bytes
                    now = position + len(block) if piped else raw.tell()
                    self.progress(now - position)
                    position = now
                yield block
                if not block:
                    break
        finally:
            if raw is not None:
                stream.close()
                raw.close()

    def file_chunks(self, path: str) -> Iterator[str]:
        """Decoded text of one file, in pieces of at most about 1 M characters."""
        invalid = _InvalidBytes()
        decoder = self._decoder()
        first = True
        for block in self._raw_blocks(path):
            _active.append(invalid)
            try:
                text = decoder.decode(block, final=not block)
            finally:
                _active.pop()
            if first and text:
                # a byte-order mark is not text, whatever the encoding (utf-8, utf-16-le ...)
                text, first = text.removeprefix("\ufeff"), False
            if text:
                yield text
        self.report_invalid(path, invalid.count)

    def file_line_bytes(self, path: str, max_line_bytes: int | None = None) -> Iterator[bytes]:
        """The raw bytes of one UTF-8 file in blocks of whole lines (a BOM
        dropped, a final line feed added if missing), for compiled code that
        decodes by itself; a line longer than `max_line_bytes` (default 4
        read blocks) is cut by :func:`overlong_cut`, at a character boundary."""
        max_line_bytes = max_line_bytes or 4 * READ_BLOCK
        if codecs.lookup(self.encoding).name != "utf-8":
            raise InputError(f"raw UTF-8 blocks requested from a {self.encoding} corpus")
        rest = b""
        first = True
        for block in self._raw_blocks(path):
            if not block:
                break
            if first and block.startswith(codecs.BOM_UTF8):
                block = block[len(codecs.BOM_UTF8):]
            first = False
            data = rest + block
            cut = data.rfind(b"\n") + 1
            if cut == 0 and len(data) > max_line_bytes:
                cut = _overlong_cut_bytes(data)
            rest = data[cut:]
            if cut:
                yield data[:cut]
        if rest:
            yield rest + b"\n"

    def text_blocks(self) -> Iterator[str]:
        """The decoded text of all inputs in blocks that end at a line feed
        (each file's last line gets one), overlong lines cut by
        :func:`overlong_cut`: pieces for code that must not split a line."""
        return line_blocks(self.chunks())

    def files_of(self, reader) -> Iterator[tuple[str, Iterator]]:
        """(path, pieces) for each non-empty input, pieces = reader(path); a
        binary file found in a directory or by a glob is skipped with a warning,
        one named outright is an error."""
        for path in self._paths:
            pieces = reader(path)
            try:
                first = next(pieces, None)
            except InputError:
                if self.skip_binary_in_directories and path not in self.inputs and path != "-":
                    log.warning("skipped %s: not readable as text", path)
                    continue
                raise
            if first is not None:
                yield path, itertools.chain([first], pieces)

    def _files(self) -> Iterator[Iterator[str]]:
        for _, pieces in self.files_of(self.file_chunks):
            yield pieces

    def chunks(self) -> Iterator[tuple[str, bool]]:
        """(text, ends_file) pieces over all inputs; a file's end is a boundary."""
        for pieces in self._files():
            pending = next(pieces)
            for text in pieces:
                yield pending, False
                pending = text
            yield pending, True

    def lines(self) -> Iterator[str]:
        """Lines without their line ending; a line longer than MAX_LINE_CHARS is
        delivered in pieces cut by :func:`overlong_cut`, so memory stays bounded."""
        for pieces in self._files():
            rest = ""
            for text in pieces:
                text = rest + text
                parts = text.split("\n")
                rest = parts.pop()
                for line in parts:
                    yield line[:-1] if line.endswith("\r") else line
                while len(rest) > MAX_LINE_CHARS:
                    cut = overlong_cut(rest, MAX_LINE_CHARS)
                    yield rest[:cut]
                    rest = rest[cut:]
            if rest:
                yield rest[:-1] if rest.endswith("\r") else rest

    def __iter__(self) -> Iterator[str]:
        return self.lines()


def as_corpus(corpus, **options) -> Corpus:
    """A Corpus from a Corpus, a path, or a list of paths."""
    if isinstance(corpus, Corpus):
        return corpus
    return Corpus(corpus, **options)


# ---------------------------------------------------------------- overlong lines

OVERLONG_WINDOW = 4096      # how far back from the limit a soft cut is looked for


def overlong_cut(text: str, limit: int) -> int:
    """Where to cut a line too long to hold (the one rule for every reader):
    after the last whitespace or punctuation among the OVERLONG_WINDOW
    characters before `limit` -- not inside a run of one repeated mark, nor
    after a decimal point between digits -- else at `limit`."""
    from .text import CLASS_DIGIT, CLASS_REPEAT, CLASS_SPACE, TABLE_SIZE, character_classes

    classes = character_classes()
    limit = min(limit, len(text))
    for i in range(limit - 1, max(0, limit - OVERLONG_WINDOW) - 1, -1):
        cp = ord(text[i])
        if cp >= TABLE_SIZE or not classes[cp] & (CLASS_SPACE | CLASS_REPEAT):
            continue
        following = text[i + 1:i + 2]
        if following == text[i]:
            continue
        if (following and ord(following) < TABLE_SIZE and classes[ord(following)] & CLASS_DIGIT
                and i > 0 and ord(text[i - 1]) < TABLE_SIZE and classes[ord(text[i - 1])] & CLASS_DIGIT):
            continue
        return i + 1
    return limit


def _overlong_cut_bytes(data: bytes) -> int:
    """overlong_cut of UTF-8 bytes cut before the last character that might be
    incomplete: the byte position of the cut (never inside a character)."""
    end = len(data) - 1                # before the last character's first byte
    while end > 0 and 0x80 <= data[end] <= 0xBF:
        end -= 1
    if end <= 0:
        return len(data)
    start = max(0, end - 4 * OVERLONG_WINDOW)
    while start < end and 0x80 <= data[start] <= 0xBF:
        start += 1
    window = data[start:end].decode("utf-8", "surrogateescape")   # one character per invalid byte
    cut = overlong_cut(window, len(window))
    return start + len(window[:cut].encode("utf-8", "surrogateescape"))


def line_blocks(chunks: Iterable[tuple[str, bool]], max_chars: int = MAX_LINE_CHARS) -> Iterator[str]:
    """Regroup (text, ends_file) chunks into blocks that end at a line feed
    (a file's last line gets one), an overlong line cut by :func:`overlong_cut`."""
    rest = ""
    for text, ends_file in chunks:
        text = rest + text
        if ends_file:
            rest = ""
            if text and not text.endswith("\n"):
                text += "\n"    # a file's last line ends like the others
            if text:
                yield text
            continue
        cut = text.rfind("\n") + 1
        if cut == 0 and len(text) > max_chars:
            cut = overlong_cut(text, len(text))
        rest = text[cut:]
        if cut:
            yield text[:cut]


def iter_texts(texts: Iterable[str] | str) -> Iterator[tuple[str, bool]]:
    """Wrap in-memory texts as (text, ends_file) chunks: each text is its own unit."""
    if isinstance(texts, str):
        texts = [texts]
    for text in texts:
        yield text, True
