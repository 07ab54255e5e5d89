"""Exact character n-gram counts: counting (compiled, multi-core, memory-bounded),
lookup, merging, pruning and a versioned binary file format.

>>> counts = count("corpus.txt", order=4, jobs=2)
>>> counts["中国"], counts.totals[2]
>>> counts.prune(5).save("corpus.ngc")

File format (version 2; version 1 is still read), all integers little-endian:

    magic     8 bytes  b"NLPZNGC\\0"
    version   uint32   2
    hlen      uint32   length of the header
    header    hlen bytes of UTF-8 JSON, space-padded to a multiple of 8:
              {"order": N, "rows": [r1..rN], "totals": [t1..tN],
               "word_chars": description, "word_chars_sha256": fingerprint,
               "fold_numbers": true|false}
    tables    for n = 1..N: 257 int64 bucket offsets, then r_n rows of
              ceil(n/3)+1 uint64: the n-gram packed three 21-bit code points
              per word, left-aligned, then its count
    checksum  uint32   CRC-32 of everything before it

Rows are in canonical order: by bucket (the top 8 bits of the key's hash, a
chain of splitmix64 finalisers over the key words; see ``_ext/keys.pxd``),
then by key, which is lexicographic by code point.  Bucket b's rows are
``rows[offsets[b]:offsets[b+1]]``.  The header records the *text rule* the
counts were made under (see :class:`~nlpzero.corpus.TextRule`): the
fingerprint of the word-character table and whether numbers were folded to
one symbol (``count(..., fold_numbers=True)``, ``nlpzero count
--fold-numbers``: what discovery needs).  Counts made under different rules
are never added up.
"""

from __future__ import annotations

import codecs
import contextlib
import json
import logging
import math
import os
import shutil
import stat
import struct
import tempfile
import zlib
from typing import Iterable, Iterator

import numpy as np

from . import __version__
from ._ext import ngrams as _ngrams
from ._ext import runs as _runs
from ._ext import text as _text
from .corpus import Corpus, TextRule, as_corpus, as_word_chars, iter_texts, line_blocks, number_word_chars
from .errors import FormatError, InputError
from .fileio import atomic_output, current_umask, open_input, physical_memory
from .parallel import Workers, resolve_jobs, whole_number
from .runs import Spill, bucket_ranges, concatenate_partitions, merge_rows, partition, read_run, write_run

log = logging.getLogger("nlpzero")

MAGIC = b"NLPZNGC\0"
FORMAT_VERSION = 2
MAX_ORDER = _ngrams.MAX_SUPPORTED_ORDER
OFFSETS_BYTES = (_runs.BUCKETS + 1) * 8
DEFAULT_ORDER = 4

_EMPTY_ROWS = {n: np.zeros((0, _ngrams.width_of(n) + 1), dtype=np.uint64) for n in range(1, MAX_ORDER + 1)}


def default_max_memory() -> int:
    """A third of physical memory: leaves room for the OS, the merge and other work."""
    return max(physical_memory() // 3, 64 << 20)


def resolve_max_memory(max_memory: int | None) -> int:
    """`max_memory` checked (a positive number of bytes), or the default for None.
    The library takes budgets below the CLI's floor: tests spill kilobytes."""
    if max_memory is None:
        return default_max_memory()
    number = whole_number(max_memory)
    if number is None or number < 1:
        raise InputError(f"max_memory must be a positive number of bytes, not {max_memory!r}")
    return number


class NgramCounts:
    """Counts of all character n-grams of orders 1..order within segments.

    ``counts[ngram]`` is its count (0 if unseen), ``counts.totals[n]`` the number
    of n-gram occurrences of order n in the corpus (unchanged by pruning), and
    ``counts.rows(n)`` the raw sorted table used by compiled code; ``counts.rule``
    the :class:`~nlpzero.corpus.TextRule` the text was counted under.
    """

    def __init__(self, order: int, tables: dict[int, np.ndarray], totals: dict[int, int],
                 rule: TextRule | None = None, offsets: dict[int, np.ndarray] | None = None):
        if not 1 <= order <= MAX_ORDER:
            raise ValueError(f"order must be between 1 and {MAX_ORDER}")
        self.order = order
        self._tables = {n: tables.get(n, _EMPTY_ROWS[n]) for n in range(1, order + 1)}
        offsets = offsets or {}
        self._offsets = {n: offsets[n] if n in offsets else _runs.bucket_offsets(self._tables[n], _width(n))
                         for n in range(1, order + 1)}
        self.totals = {n: int(totals.get(n, 0)) for n in range(1, order + 1)}
        self.rule = rule or TextRule.of(as_word_chars(None))

    # ------------------------------------------------------------ lookup
    def rows(self, n: int) -> np.ndarray:
        """(rows, ceil(n/3)+1) uint64 table of order n in canonical order: packed key words, count."""
        return self._tables[n]

    def offsets(self, n: int) -> np.ndarray:
        """Bucket offsets of rows(n): bucket b is rows(n)[offsets[b]:offsets[b+1]]."""
        return self._offsets[n]

    def __getitem__(self, ngram: str) -> int:
        n = len(ngram)
        if not 1 <= n <= self.order:
            raise KeyError(f"{ngram!r}: these counts hold n-grams of 1 to {self.order} characters")
        table = self._tables[n]
        row = _runs.find_rows(table, self._offsets[n], _width(n), [_runs.pack_string(ngram)])[0]
        return int(table[row, -1]) if row >= 0 else 0

    def get(self, ngram: str, default: int = 0) -> int:
        if not 1 <= len(ngram) <= self.order:
            return default
        return self[ngram] or default

    def __contains__(self, ngram: object) -> bool:
        return isinstance(ngram, str) and 1 <= len(ngram) <= self.order and self[ngram] > 0

    def lookup(self, ngrams: Iterable[str]) -> np.ndarray:
        """Counts of many n-grams at once (0 for unseen ones)."""
        ngrams = list(ngrams)
        out = np.zeros(len(ngrams), dtype=np.int64)
        by_order: dict[int, list[int]] = {}
        for i, g in enumerate(ngrams):
            if 1 <= len(g) <= self.order:
                by_order.setdefault(len(g), []).append(i)
        for n, idx in by_order.items():
            table = self._tables[n]
            rows = np.array(_runs.find_rows(table, self._offsets[n], _width(n),
                                            [_runs.pack_string(ngrams[i]) for i in idx]), dtype=np.int64)
            found = rows >= 0
            out[np.array(idx)[found]] = table[rows[found], -1]
        return out

    def __len__(self) -> int:
        return sum(len(t) for t in self._tables.values())

    def distinct(self, n: int) -> int:
        return len(self._tables[n])

    def items(self, order: int | None = None) -> Iterator[tuple[str, int]]:
        """(n-gram, count) pairs, by order, then in canonical (bucket, key) order."""
        orders = [order] if order else range(1, self.order + 1)
        for n in orders:
            table = self._tables[n]
            for start in range(0, len(table), 65536):
                block = np.ascontiguousarray(table[start:start + 65536])
                yield from zip(_runs.unpack_strings(block, n), block[:, -1].tolist())

    def __iter__(self) -> Iterator[str]:
        for ngram, _ in self.items():
            yield ngram

    def most_common(self, k: int | None = None, order: int | None = None) -> list[tuple[str, int]]:
        """The k most frequent n-grams (of one order, or of all); ties in code point order."""
        if order is not None and not 1 <= order <= self.order:
            raise ValueError(f"order {order}: these counts hold n-grams of 1 to {self.order} characters")
        if k is not None and k < 0:
            raise ValueError(f"k must be 0 or more, not {k}")
        result = []
        for n in ([order] if order else range(1, self.order + 1)):
            table = self._tables[n]
            counts = table[:, -1]
            if k is not None and k < len(counts):
                threshold = np.partition(counts, len(counts) - k)[len(counts) - k]
                table = table[counts >= threshold]
            rows = np.ascontiguousarray(table)
            result.extend(zip(_runs.unpack_strings(rows, n), rows[:, -1].tolist()))
        result.sort(key=lambda item: (-item[1], item[0]))
        return result[:k] if k is not None else result

    def to_dict(self) -> dict[str, int]:
        return dict(self.items())

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, NgramCounts):
            return NotImplemented
        return (self.order == other.order and self.totals == other.totals
                and all(np.array_equal(self._tables[n], other._tables[n]) for n in self._tables))

    def __repr__(self) -> str:
        distinct = ", ".join(f"{n}: {len(t)}" for n, t in self._tables.items())
        return f"<NgramCounts order={self.order} distinct={{{distinct}}}>"

    # ------------------------------------------------------------ combining
    def __add__(self, other: "NgramCounts") -> "NgramCounts":
        return merge([self, other])

    def prune(self, min_count: int) -> "NgramCounts":
        """A copy without n-grams seen fewer than min_count times (totals kept)."""
        tables, offsets = {}, {}
        for n, table in self._tables.items():
            tables[n], offsets[n] = _prune_rows(table, self._offsets[n], min_count)
        return NgramCounts(self.order, tables, self.totals, self.rule, offsets)

    # ------------------------------------------------------------ files
    def save(self, path: str) -> None:
        """Write the versioned binary format (atomically)."""
        header = json.dumps({
            "order": self.order,
            "rows": [len(self._tables[n]) for n in range(1, self.order + 1)],
            "totals": [self.totals[n] for n in range(1, self.order + 1)],
            "word_chars": self.rule.word_chars,
            "word_chars_sha256": self.rule.fingerprint,
            "fold_numbers": self.rule.fold_numbers,
            "created_by": f"nlpzero {__version__}",
        }, ensure_ascii=False).encode("utf-8")
        header += b" " * (-len(header) % 8)
        with atomic_output(path, "wb") as out:
            crc = 0
            for piece in (MAGIC, struct.pack("<II", FORMAT_VERSION, len(header)), header):
                out.write(piece)
                crc = zlib.crc32(piece, crc)
            for n in range(1, self.order + 1):
                table = self._tables[n]
                data = np.ascontiguousarray(self._offsets[n], dtype="<i8").tobytes()
                out.write(data)
                crc = zlib.crc32(data, crc)
                for start in range(0, len(table), 1 << 20):
                    block = np.ascontiguousarray(table[start:start + (1 << 20)], dtype="<u8")
                    data = memoryview(block).cast("B")
                    out.write(data)
                    crc = zlib.crc32(data, crc)
            out.write(struct.pack("<I", crc))

    def save_parts(self, directory: str, parts: int = 8) -> None:
        """Write a partitioned counts directory (see the module docstring): the
        rows of each order split by bucket range into `parts` run files, and a
        manifest; it appears whole or not at all."""
        with parts_directory(directory) as tmp:
            names = {}
            for n in range(1, self.order + 1):
                for p, (lo, hi) in enumerate(bucket_ranges(parts)):
                    rows, offsets = partition(self._tables[n], self._offsets[n], lo, hi)
                    if len(rows):
                        write_run(os.path.join(tmp, f"o{n}-p{p}.run"), rows, offsets, _width(n), n)
                        names.setdefault(n, []).append((p, f"o{n}-p{p}.run"))
            write_parts_manifest(tmp, self.order, self.totals, self.rule, parts, names)

    @classmethod
    def load(cls, path: str) -> "NgramCounts":
        """Read a counts file, checking its magic, version, size and checksum,
        or a partitioned counts directory (its parts checked likewise)."""
        if os.path.isdir(path):
            return _load_parts(path)
        f = open_input(path)
        size = os.fstat(f.fileno()).st_size
        with f:
            if f.read(8) != MAGIC:
                raise FormatError(f"{path}: not an nlpzero n-gram counts file")
            fixed = f.read(8)
            if len(fixed) < 8:
                raise FormatError(f"{path}: truncated counts file")
            version, hlen = struct.unpack("<II", fixed)
            if version > FORMAT_VERSION:
                raise FormatError(f"{path}: counts format version {version} is newer than this nlpzero supports ({FORMAT_VERSION})")
            if hlen > size:
                raise FormatError(f"{path}: truncated or corrupted counts file")
            raw_header = f.read(hlen)
            try:
                header = json.loads(raw_header.decode("utf-8"))
                order = int(header["order"])
                rows = [int(r) for r in header["rows"]]
                totals = [int(t) for t in header["totals"]]
                if not 1 <= order <= MAX_ORDER or len(rows) != order or len(totals) != order or min(rows) < 0:
                    raise ValueError
            except (ValueError, KeyError, TypeError, UnicodeDecodeError):
                raise FormatError(f"{path}: corrupted counts file header") from None
            data_offset = 16 + hlen
            expected = data_offset + sum(OFFSETS_BYTES + r * (_ngrams.width_of(n) + 1) * 8
                                         for n, r in enumerate(rows, 1)) + 4
            if size != expected:
                raise FormatError(f"{path}: truncated or corrupted counts file ({size} bytes, expected {expected})")
            crc = zlib.crc32(fixed, zlib.crc32(MAGIC))
            crc = zlib.crc32(raw_header, crc)
            remaining = size - data_offset - 4
            while remaining > 0:
                block = f.read(min(remaining, 1 << 24))
                crc = zlib.crc32(block, crc)
                remaining -= len(block)
            (stored,) = struct.unpack("<I", f.read(4))
            if stored != crc:
                raise FormatError(f"{path}: checksum mismatch: the counts file is corrupted")
        tables, offsets = {}, {}
        position = data_offset
        for n, r in enumerate(rows, 1):
            stride = _ngrams.width_of(n) + 1
            bucket_offsets = np.fromfile(path, dtype="<i8", count=_runs.BUCKETS + 1, offset=position)
            offsets[n] = bucket_offsets.astype(np.int64)
            position += OFFSETS_BYTES
            if (offsets[n][0] != 0 or offsets[n][-1] != r or np.any(np.diff(offsets[n]) < 0)):
                raise FormatError(f"{path}: corrupted counts file (bad bucket offsets)")
            if r:
                mapped = np.memmap(path, dtype="<u8", mode="r", offset=position, shape=(r, stride))
                tables[n] = np.asarray(mapped, dtype=np.uint64)
            position += r * stride * 8
        if "word_chars_sha256" in header:
            rule = TextRule(str(header.get("word_chars")), str(header["word_chars_sha256"]),
                            bool(header.get("fold_numbers")))
        else:       # version 1: the default rule by name, numbers never folded
            description = str(header.get("word_chars", "default"))
            fingerprint = as_word_chars(None).fingerprint if description == "default" else "unknown"
            rule = TextRule(description, fingerprint, False)
        return cls(order, tables, dict(enumerate(totals, 1)), rule, offsets)

    def write_tsv(self, stream, order: int | None = None) -> None:
        """``ngram<TAB>count`` lines, most frequent first (ties in code point order)."""
        for ngram, c in self.most_common(order=order):
            stream.write(f"{ngram}\t{c}\n")

    # ------------------------------------------------------------ construction
    @classmethod
    def from_texts(cls, texts: Iterable[str] | str, **options) -> "NgramCounts":
        """Count in-memory strings (each string is independent of the others)."""
        return _count_chunks(iter_texts(texts), **options)


PARTS_FORMAT = "nlpzero-counts-parts"
PARTS_VERSION = 1
MANIFEST = "manifest.json"


@contextlib.contextmanager
def parts_directory(directory: str):
    """A temporary directory beside `directory`, renamed to it when the block
    succeeds; `directory` must not exist yet (or be empty)."""
    directory = os.path.abspath(directory.rstrip("/") or "/")
    if os.path.exists(directory) and (not os.path.isdir(directory) or os.listdir(directory)):
        raise InputError(f"{directory}: exists; a counts directory is written to a new (or empty) directory")
    parent = os.path.dirname(directory)
    if not os.path.isdir(parent):
        raise InputError(f"{directory}: directory {parent} does not exist")
    try:                           # mkdtemp makes 0700: keep an existing directory's mode, or the umask's
        mode = stat.S_IMODE(os.stat(directory).st_mode)
    except FileNotFoundError:
        mode = 0o777 & ~current_umask()
    tmp = tempfile.mkdtemp(prefix="." + os.path.basename(directory) + ".", dir=parent)
    try:
        os.chmod(tmp, mode)
        yield tmp
        if os.path.isdir(directory):
            os.rmdir(directory)
        os.rename(tmp, directory)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def write_parts_manifest(directory: str, order: int, totals: dict, rule: TextRule, parts: int,
                         names: dict[int, list[tuple[int, str]]]) -> None:
    manifest = {"format": PARTS_FORMAT, "version": PARTS_VERSION, "order": order,
                "totals": [int(totals[n]) for n in range(1, order + 1)], "word_chars": rule.word_chars,
                "word_chars_sha256": rule.fingerprint, "fold_numbers": rule.fold_numbers, "partitions": parts,
                "parts": [{"order": n, "partition": p, "file": name}
                          for n in sorted(names) for p, name in sorted(names[n])],
                "created_by": f"nlpzero {__version__}"}
    with open(os.path.join(directory, MANIFEST), "w", encoding="utf-8") as out:
        json.dump(manifest, out, ensure_ascii=False, indent=1)


def _load_parts(directory: str) -> NgramCounts:
    try:
        with open(os.path.join(directory, MANIFEST), encoding="utf-8") as f:
            manifest = json.load(f)
        if manifest.get("format") != PARTS_FORMAT:
            raise ValueError("not a counts directory")
        if manifest.get("version") != PARTS_VERSION:
            raise ValueError(f"version {manifest.get('version')} not supported")
        order = int(manifest["order"])
        totals = dict(enumerate((int(t) for t in manifest["totals"]), 1))
        rule = TextRule(str(manifest["word_chars"]), str(manifest["word_chars_sha256"]),
                        bool(manifest["fold_numbers"]))
        entries = [(int(e["order"]), int(e["partition"]), str(e["file"])) for e in manifest["parts"]]
        if not 1 <= order <= MAX_ORDER or len(totals) != order:
            raise ValueError("bad order")
    except FileNotFoundError:
        raise FormatError(f"{directory}: not a counts directory (no {MANIFEST})") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise FormatError(f"{directory}: corrupted counts directory manifest ({exc})") from None
    tables, offsets = {}, {}
    for n in range(1, order + 1):
        pieces = []
        for _, _, name in sorted(e for e in entries if e[0] == n):
            if os.path.basename(name) != name:
                raise FormatError(f"{directory}: corrupted counts directory manifest (part {name!r})")
            rows, part_offsets, header = read_run(os.path.join(directory, name), verify=True)
            if header.get("width") != _width(n):
                raise FormatError(f"{directory}/{name}: a part of the wrong order")
            pieces.append((rows, part_offsets))
        tables[n], offsets[n] = concatenate_partitions(pieces, _width(n))
    return NgramCounts(order, tables, totals, rule, offsets)


def merge(counts: list[NgramCounts], min_count: int = 1) -> NgramCounts:
    """A new NgramCounts summing several (same order and text rule)."""
    if not counts:
        raise ValueError("nothing to merge")
    order = counts[0].order
    for c in counts[1:]:
        if c.order != order:
            raise InputError(f"cannot merge counts of order {order} with counts of order {c.order}")
        if not c.rule.same_as(counts[0].rule):
            raise InputError(f"cannot merge counts made under different text rules: {counts[0].rule} "
                             f"and {c.rule}")
    tables, offsets, totals = {}, {}, {}
    for n in range(1, order + 1):
        tables[n], offsets[n] = merge_rows([(c.rows(n), c.offsets(n)) for c in counts], _width(n), min_count)
        totals[n] = sum(c.totals[n] for c in counts)
    return NgramCounts(order, tables, totals, counts[0].rule, offsets)


def _width(n: int) -> int:
    return _ngrams.width_of(n)


def _prune_rows(table: np.ndarray, offsets: np.ndarray, min_count: int):
    if min_count <= 1:
        return table, offsets
    keep = table[:, -1] >= min_count
    kept_before = np.concatenate([[0], np.cumsum(keep, dtype=np.int64)])
    return np.ascontiguousarray(table[keep]), kept_before[offsets]


def count(corpus, order: int = DEFAULT_ORDER, *, jobs: int = 1, max_memory: int | None = None,
          min_count: int = 1, fold_numbers: bool = False, encoding: str = "utf-8", word_chars=None,
          progress=None, temp_dir: str | None = None, scheduler: str | None = None, client=None,
          work_dir: str | None = None, parts_dir: str | None = None) -> NgramCounts | None:
    """Count all character n-grams of orders 1..order in a corpus.

    Parameters
    ----------
    corpus
        A :class:`~nlpzero.Corpus`, a path, or a list of paths/directories/globs.
    order
        Count n-grams of 1..order characters (at most 9).
    jobs
        Threads; the counts do not depend on their number.
    max_memory
        Bytes for the tables (default a third of RAM); beyond it sorted runs
        are spilled to `temp_dir` and merged, so counts stay exact.
    min_count
        Keep only n-grams seen at least this often (totals count them all).
    fold_numbers
        Count every number (digits, decimal points between digits) as one
        symbol, as discovery does: the counts then serve ``discover(counts=...)``.
    encoding, word_chars
        For a corpus given by path: its encoding and segmentation rule.
    progress
        Called with the bytes read (a :class:`nlpzero.progress.Progress` on a cluster).
    scheduler, client, work_dir
        Count on a Dask cluster (see :mod:`nlpzero.cluster`; UTF-8 text and the
        default segmentation rule): its scheduler's address (default
        ``$NLPZERO_SCHEDULER``) or a ``distributed.Client``, and a directory URL
        all workers share for the shards.  The counts are the same.
    parts_dir
        Write the counts as a partitioned counts directory there (a new or
        empty directory; on a cluster, one every worker can write) and return
        None: the cluster's merge tasks write the parts themselves, so the
        counts never have to fit in this machine's memory.
    """
    from .cluster import scheduler_from

    scheduler = scheduler_from(scheduler)
    if scheduler or client is not None:
        from .cluster import Engine, count as cluster_count
        paths = corpus.paths if isinstance(corpus, Corpus) else corpus
        if (isinstance(corpus, Corpus) and (corpus.word_chars is not None or corpus.encoding != "utf-8")) \
                or word_chars is not None or encoding != "utf-8":
            raise InputError("the cluster engine counts UTF-8 text with the default segmentation rule")
        with Engine(scheduler, client, work_dir, progress) as engine:
            if parts_dir is None:
                return cluster_count(paths, engine, order, fold_numbers, min_count, max_memory)
            with parts_directory(parts_dir) as tmp:
                cluster_count(paths, engine, order, fold_numbers, min_count, max_memory, parts_dir=tmp)
            return None
    if isinstance(corpus, Corpus):
        if progress is not None:
            corpus = corpus.with_options(progress=progress)
    else:
        corpus = as_corpus(corpus, encoding=encoding, word_chars=word_chars, progress=progress)
    counts = _count_chunks(corpus, order=order, jobs=jobs, max_memory=max_memory, min_count=min_count,
                           word_chars=corpus.word_chars, fold_numbers=fold_numbers, temp_dir=temp_dir,
                           size_hint=corpus.total_bytes)
    if parts_dir is not None:
        counts.save_parts(parts_dir)
        return None
    return counts


def _count_chunks(chunks: Iterable[tuple[str, bool]] | Corpus, order: int = DEFAULT_ORDER, jobs: int = 1,
                  max_memory: int | None = None, min_count: int = 1, word_chars=None, fold_numbers: bool = False,
                  temp_dir: str | None = None, size_hint: int | None = None) -> NgramCounts:
    """Count a Corpus, or in-memory (text, ends_unit) chunks."""
    if not 1 <= order <= MAX_ORDER:
        raise InputError(f"order must be between 1 and {MAX_ORDER}")
    jobs = resolve_jobs(jobs)
    word_chars = number_word_chars(word_chars) if fold_numbers else as_word_chars(word_chars)
    counter = _Counter(order, jobs, resolve_max_memory(max_memory), word_chars, fold_numbers, temp_dir)
    try:
        if isinstance(chunks, Corpus):
            blocks = _utf8_blocks(chunks) if codecs.lookup(chunks.encoding).name == "utf-8" else \
                _text_blocks(chunks)
        else:
            blocks = _chunk_blocks(chunks)
        counter.feed(blocks, size_hint, chunks.report_invalid if isinstance(chunks, Corpus) else None)
        return counter.finish(min_count)
    finally:
        counter.close()


def count_block(data: bytes, order: int = DEFAULT_ORDER, fold_numbers: bool = False, max_memory: int | None = None,
                temp_dir: str | None = None) -> tuple[NgramCounts, int]:
    """The counts of one block of UTF-8 text of whole lines (the default
    segmentation rule), and its number of invalid bytes: a cluster task."""
    word_chars = number_word_chars(None) if fold_numbers else as_word_chars(None)
    counter = _Counter(order, 1, resolve_max_memory(max_memory), word_chars, fold_numbers, temp_dir)
    invalid = []
    try:
        # a small first piece, as for files: the tables are sized from it (see _Counter._reserve)
        counter.feed(((piece, True, "block") for piece in _split_bytes(data, CHUNK_BYTES, CHUNK_BYTES // 8)),
                     len(data), lambda path, n: invalid.append(n))
        return counter.finish(1), sum(invalid)
    finally:
        counter.close()


def _split_bytes(data: bytes, size: int, first: int) -> Iterator[bytes]:
    """Pieces of about `size` bytes (the first `first`) of whole lines (a line
    feed ends each but maybe the last)."""
    start, wanted = 0, first
    while start < len(data):
        end = data.find(b"\n", min(start + wanted, len(data)) - 1) + 1 or len(data)
        yield data[start:end]
        start, wanted = end, size


CHUNK_BYTES = 6 << 20         # UTF-8 bytes counted at a time
CHUNK_CHARS = 2 << 20         # characters counted at a time, for decoded text


def _utf8_blocks(corpus: Corpus):
    """(bytes of whole lines, ends_file, path) of a UTF-8 corpus; the compiled
    code decodes them.  A file's end is an empty block (no lookahead: a pipe's
    text is counted as it arrives)."""
    for path, blocks in corpus.files_of(corpus.file_line_bytes):
        # a small first piece: the tables are sized from its statistics before they grow large
        for piece in _join_blocks(blocks, CHUNK_BYTES, first=CHUNK_BYTES // 8):
            yield piece, False, path
        yield b"", True, path


def _text_blocks(corpus: Corpus):
    """(text of whole lines, ends_file, path) of a corpus in another encoding."""
    for path, pieces in corpus.files_of(corpus.file_chunks):
        for block in _join_texts(line_blocks(_with_last(pieces), CHUNK_CHARS), CHUNK_CHARS):
            yield block, False, path
        yield "", True, path


def _with_last(items):
    """(item, whether it is the last) for each item."""
    items = iter(items)
    pending = next(items, None)
    if pending is None:
        return
    for item in items:
        yield pending, False
        pending = item
    yield pending, True


def _chunk_blocks(chunks):
    """In-memory (text, ends_unit) chunks re-cut into pieces of about CHUNK_CHARS."""
    for text, ends in _rechunk(chunks, CHUNK_CHARS):
        yield text, ends, None


class _Counter:
    """Drives a CountEngine over blocks of text with `jobs` threads, spilling
    sorted runs (runs.Spill) whenever the tables outgrow the budget."""

    def __init__(self, order, jobs, max_memory, word_chars, fold_numbers, temp_dir):
        self.order = order
        self.jobs = jobs
        self.word_chars = word_chars
        self.fold_numbers = fold_numbers
        self.engine = _ngrams.CountEngine(order, jobs, word_chars.table)
        # The tables get about half the budget: the scatter buffers, the sort
        # and the final merge need the rest.
        self.budget = max_memory // 2
        self.spill = Spill(temp_dir, prefix="nlpzero-count-")
        self.reserved: dict[int, int] = {}      # distinct n-grams the tables were last sized for
        self.observed = None                    # (tokens, distinct) per order when last sized
        self.workers = Workers(jobs)
        self.classes = None
        if fold_numbers:
            from .text import character_classes
            self.classes = character_classes()

    def close(self):
        self.workers.close()
        self.spill.close()

    def _count(self, buffer: np.ndarray, limit: int):
        step = -(-limit // self.jobs)
        self.workers.run(self.engine.scatter, [(j, buffer, min(j * step, limit), min((j + 1) * step, limit))
                                               for j in range(self.jobs)])
        self.engine.note_tokens()
        self.workers.run(self.engine.flush, [(j, self.jobs) for j in range(self.jobs)])
        if self.engine.memory_bytes() > self.budget:
            self._spill()

    def feed(self, blocks, size_hint: int | None = None, report=None):
        """Count (piece, ends_unit, path) blocks: UTF-8 bytes (decoded here by
        compiled code) or str, each ending at a line end; n-grams run on across
        blocks of one unit, never from one unit to the next.  `size_hint`
        (UTF-8 bytes of all input, if known) lets the tables be sized early
        (see _reserve); `report(path, n)` is told of invalid UTF-8 bytes."""
        table = self.word_chars.table
        carry = _NO_CODES
        bytes_read = 0
        invalid = 0
        for piece, ends_unit, path in blocks:
            if isinstance(piece, bytes):
                buffer, bad = _text.decode_utf8(piece, carry)
                invalid += bad
                size = len(piece)
            else:
                codes = np.frombuffer(piece.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
                buffer = np.concatenate([carry, codes]) if len(carry) else codes.copy()
                size = len(piece)
            if self.fold_numbers:       # blocks end at line ends: no number runs on into the next
                buffer = buffer[:_text.fold_numbers_in_place(buffer, self.classes, len(carry))]
            limit = len(buffer) if ends_unit else _ngrams.tail_start(buffer, table, self.order)
            carry = _NO_CODES if ends_unit else buffer[limit:].copy()
            self._count(buffer, limit)
            bytes_read += size
            if size_hint and bytes_read < size_hint / 3:
                self._reserve(bytes_read / size_hint)
            if ends_unit and report is not None and invalid:
                report(path, invalid)
                invalid = 0
        if len(carry):
            self._count(carry, len(carry))

    def _reserve(self, fraction_read: float):
        """Size the tables for the distinct n-grams expected in the whole input,
        within the budget: growing a table late, when it is full, rehashes
        everything in it (seconds on a 100 MB corpus), and over-sizing costs
        page faults.  Called after every chunk with the fraction of the input
        read.  Each order's growth is fitted from the last two observations as
        a power law (Heaps' law, distinct ~ tokens**beta; beta falls as the
        corpus grows, so this over- rather than under-estimates), plus a tenth.
        Stops once a third is read; a table is only regrown for a clearly
        larger estimate."""
        tokens = self.engine.token_counts()
        seen = {n: self.engine.distinct(n) for n in range(2, self.order + 1)}
        previous = self.observed
        if previous is None:
            self.observed = (tokens, seen)
        if previous is None or not 0 < fraction_read < 1 / 3:
            return
        expected = {}
        for n, distinct in seen.items():
            before, grown = previous[1][n], tokens[n] / max(previous[0][n], 1)
            if grown < 1.2 or distinct == 0:
                return                   # too little new text to fit a growth rate
            beta = min(1.0, max(0.5, math.log(distinct / before) / math.log(grown))) if before else 1.0
            expected[n] = min(1.1 * distinct * (1 / fraction_read) ** beta, tokens[n] / fraction_read)
        needed = sum(e * 4 / 3 * (_ngrams.width_of(n) + 1) * 8 for n, e in expected.items())
        scale = min(1.0, 0.8 * self.budget / max(needed, 1))
        grow = {n: int(e * scale) for n, e in expected.items() if e * scale > 1.2 * self.reserved.get(n, 0)}
        grow = {n: e for n, e in grow.items() if self.engine.prepare_reserve(n, e)}
        self.workers.run(self.engine.reserve, [(n, j, self.jobs) for n in grow for j in range(self.jobs)])
        for n in grow:
            self.engine.commit_reserve(n)
        self.reserved.update(grow)
        self.observed = (tokens, seen)

    def _sorted_order(self, n):
        """Rows and bucket offsets of order n in canonical order; the tables are reset."""
        self.workers.run(self.engine.sort_order, [(n, j, self.jobs) for j in range(self.jobs)])
        return self.engine.take_order(n)

    def _spill(self):
        """Write the largest order's tables as a sorted run."""
        n = max(range(1, self.order + 1), key=self.engine.memory_bytes)
        rows, offsets = self._sorted_order(n)
        self.spill.add(n, rows, offsets, _width(n))

    def finish(self, min_count: int) -> NgramCounts:
        tables, offsets = {}, {}
        for n in range(1, self.order + 1):
            rows, bucket_offsets = self._sorted_order(n)
            tables[n], offsets[n] = self.spill.merge(n, _width(n), [(rows, bucket_offsets)], min_count)
            del rows
        totals = dict(enumerate(self.engine.token_counts()))
        del totals[0]
        return NgramCounts(self.order, tables, totals, TextRule.of(self.word_chars, self.fold_numbers), offsets)


_NO_CODES = np.zeros(0, dtype=np.uint32)


def _join_blocks(blocks: Iterable[bytes], size: int, first: int | None = None) -> Iterator[bytes]:
    """Join small byte blocks into pieces of at least `size` bytes (the first
    piece at least `first`, the last may be shorter)."""
    pending, pending_len, wanted = [], 0, first or size
    for block in blocks:
        pending.append(block)
        pending_len += len(block)
        if pending_len >= wanted:
            yield b"".join(pending)
            pending, pending_len, wanted = [], 0, size
    if pending:
        yield b"".join(pending)


def _join_texts(blocks: Iterable[str], size: int) -> Iterator[str]:
    """Join small text blocks into pieces of at least `size` characters."""
    pending, pending_len = [], 0
    for block in blocks:
        pending.append(block)
        pending_len += len(block)
        if pending_len >= size:
            yield "".join(pending)
            pending, pending_len = [], 0
    if pending:
        yield "".join(pending)


def _rechunk(chunks, size):
    """Re-cut (text, ends_unit) chunks into pieces of about `size` characters:
    small pieces of a unit are joined (fewer, larger batches keep the threads
    busy), large texts split (bounded buffers); unit ends are kept."""
    pending, pending_len = [], 0
    for text, ends_file in chunks:
        while pending_len + len(text) > size:
            take = size - pending_len
            pending.append(text[:take])
            text = text[take:]
            yield "".join(pending), False
            pending, pending_len = [], 0
        pending.append(text)
        pending_len += len(text)
        if ends_file or pending_len >= size:
            yield "".join(pending), ends_file
            pending, pending_len = [], 0
    if pending:
        yield "".join(pending), False
