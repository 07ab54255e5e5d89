"""Sorted runs: the one spill and merge mechanism behind every table.

Every counting table in nlpzero (n-gram counts, discovery's fragment and token
counts, co-occurrences, template pairs) is a set of *key classes* (an n-gram
order, a string length, or the one class of id pairs), each holding rows of
(packed key words, count) that leave the table in canonical order (by hash
bucket, then key; see ``nlpzero/_ext/keys.pxd``).  When a table outgrows its
memory budget its rows are written out as a *run* and the table emptied; at
the end the runs of a class and what is still in memory are merged bucket by
bucket (``_ext/runs.pyx``: ``merge_sorted``) into exact totals, as KenLM's
builder does.  The cluster engine writes its shards in the same format.

Run file format (version 1), all integers little-endian:

    magic    8 bytes  b"NLPZRUN\\0"
    version  uint32   1
    hlen     uint32   length of the header
    header   hlen bytes of UTF-8 JSON, space-padded to a multiple of 8:
             {"width": W, "rows": R, "class": C, ...}
    offsets  257 int64: bucket b's rows are rows[offsets[b]:offsets[b+1]]
    rows     R rows of W + 1 uint64: key words, count
    checksum uint32   CRC-32 of everything before it
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import tempfile
import zlib

import numpy as np

from ._ext import runs as _kernel
from .errors import FormatError

MAGIC = b"NLPZRUN\0"
VERSION = 1
BUCKETS = _kernel.BUCKETS
_BLOCK_ROWS = 1 << 20


def empty_rows(width: int) -> tuple[np.ndarray, np.ndarray]:
    return np.zeros((0, width + 1), dtype=np.uint64), np.zeros(BUCKETS + 1, dtype=np.int64)


def write_run(path: str, rows: np.ndarray, offsets: np.ndarray, width: int, cls: int = 0, **meta) -> None:
    """Write rows (canonical order) and their bucket offsets as a run file; the
    file appears under `path` only when complete (written beside it, then renamed)."""
    header = json.dumps({"width": int(width), "rows": int(len(rows)), "class": int(cls), **meta}).encode()
    header += b" " * (-len(header) % 8)
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        with open(tmp, "wb") as out:
            crc = 0
            for piece in (MAGIC, struct.pack("<II", VERSION, len(header)), header,
                          np.ascontiguousarray(offsets, dtype="<i8").tobytes()):
                out.write(piece)
                crc = zlib.crc32(piece, crc)
            for start in range(0, len(rows), _BLOCK_ROWS):
                data = memoryview(np.ascontiguousarray(rows[start:start + _BLOCK_ROWS], dtype="<u8")).cast("B")
                out.write(data)
                crc = zlib.crc32(data, crc)
            out.write(struct.pack("<I", crc))
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def read_run(path: str, verify: bool = True) -> tuple[np.ndarray, np.ndarray, dict]:
    """(rows, bucket offsets, header) of a run file, the rows memory-mapped;
    with `verify` the size, offsets and checksum are checked (FormatError)."""
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        head = f.read(16)
        if len(head) < 16 or head[:8] != MAGIC:
            raise FormatError(f"{path}: not an nlpzero run file")
        version, hlen = struct.unpack_from("<II", head, 8)
        if version != VERSION:
            raise FormatError(f"{path}: run format version {version} not supported")
        try:
            header = json.loads(f.read(hlen))
            width, n_rows = int(header["width"]), int(header["rows"])
        except (ValueError, KeyError, TypeError):
            raise FormatError(f"{path}: corrupted run header") from None
        position = 16 + hlen
        expected = position + 8 * (BUCKETS + 1) + n_rows * (width + 1) * 8 + 4
        if size != expected:
            raise FormatError(f"{path}: truncated or corrupted run file ({size} bytes, expected {expected})")
        if verify:
            f.seek(0)
            crc = 0
            remaining = size - 4
            while remaining:
                block = f.read(min(remaining, 1 << 24))
                crc = zlib.crc32(block, crc)
                remaining -= len(block)
            if struct.unpack("<I", f.read(4))[0] != crc:
                raise FormatError(f"{path}: checksum mismatch: the run file is corrupted")
    offsets = np.fromfile(path, dtype="<i8", count=BUCKETS + 1, offset=position).astype(np.int64)
    if offsets[0] != 0 or offsets[-1] != n_rows or np.any(np.diff(offsets) < 0):
        raise FormatError(f"{path}: corrupted run file (bad bucket offsets)")
    position += 8 * (BUCKETS + 1)
    if n_rows:
        rows = np.memmap(path, dtype="<u8", mode="r", offset=position, shape=(n_rows, width + 1))
    else:
        rows = np.zeros((0, width + 1), dtype=np.uint64)
    return rows, offsets, header


def merge_rows(sources: list[tuple[np.ndarray, np.ndarray]], width: int, min_count: int = 1,
               out: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Sum row tables in canonical order into one (rows, offsets), keeping keys
    whose total is at least `min_count`; `out` (rows enough for every source
    row) receives the result, else a new array does."""
    sources = [(np.ascontiguousarray(r), o) for r, o in sources if len(r)]
    if not sources:
        return empty_rows(width)
    if len(sources) == 1 and min_count <= 1 and out is None:
        return sources[0]
    upper = sum(len(r) for r, _ in sources)
    if out is None:
        out = np.empty((upper, width + 1), dtype=np.uint64)
    written, offsets = _kernel.merge_sorted([r for r, _ in sources], [o for _, o in sources], width,
                                            min_count, out)
    rows = out[:written]
    if written < 0.8 * len(out) and not isinstance(out, np.memmap):
        rows = rows.copy()                       # free the unused part
    return rows, offsets


class Spill:
    """Runs spilled by one table to a private temporary directory, merged back
    class by class.  Use as a context manager (or call close) to remove them."""

    def __init__(self, temp_dir: str | None = None, prefix: str = "nlpzero-runs-"):
        self.temp_dir = temp_dir
        self.prefix = prefix
        self.directory: str | None = None
        self.runs: dict[int, list[tuple[np.ndarray, np.ndarray]]] = {}
        self.count = 0

    def __bool__(self) -> bool:
        return self.count > 0

    def add(self, cls: int, rows: np.ndarray, offsets: np.ndarray, width: int) -> None:
        """Write one class's rows (canonical order) as a run; keep them mapped."""
        if not len(rows):
            return
        if self.directory is None:
            self.directory = tempfile.mkdtemp(prefix=self.prefix, dir=self.temp_dir)
        path = os.path.join(self.directory, f"run-{cls}-{self.count}.bin")
        write_run(path, rows, offsets, width, cls)
        self.count += 1
        mapped, mapped_offsets, _ = read_run(path, verify=False)
        self.runs.setdefault(cls, []).append((mapped, mapped_offsets))

    def merge(self, cls: int, width: int, in_memory: list[tuple[np.ndarray, np.ndarray]],
              min_count: int = 1) -> tuple[np.ndarray, np.ndarray]:
        """The class's runs and the given in-memory rows summed (min_count kept).
        With runs, the result is written to a file in the spill directory and
        memory-mapped (it may not fit in memory either)."""
        runs = self.runs.pop(cls, [])
        sources = [s for s in in_memory if len(s[0])] + runs
        if not runs:
            return merge_rows(sources, width, min_count)
        upper = sum(len(r) for r, _ in sources)
        path = os.path.join(self.directory, f"merged-{cls}.bin")
        out = np.memmap(path, dtype=np.uint64, mode="w+", shape=(max(upper, 1), width + 1))
        rows, offsets = merge_rows(sources, width, min_count, out)
        written = len(rows)
        del sources, runs, rows
        out.flush()
        del out
        return _map_unlinked(path, written, width), offsets

    def close(self) -> None:
        self.runs = {}
        if self.directory is not None:
            shutil.rmtree(self.directory, ignore_errors=True)
            self.directory = None

    def __enter__(self) -> "Spill":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _map_unlinked(path: str, rows: int, width: int) -> np.ndarray:
    """Map the first `rows` rows of a file and unlink it (POSIX keeps the mapping);
    copy into memory where unlinking a mapped file is not possible."""
    if rows == 0:
        os.unlink(path)
        return np.zeros((0, width + 1), dtype=np.uint64)
    kept = np.memmap(path, dtype=np.uint64, mode="r", shape=(rows, width + 1))
    try:
        os.unlink(path)
    except OSError:
        kept = np.array(kept)
    return kept


def concatenate_partitions(parts: list[tuple[np.ndarray, np.ndarray]], width: int) -> tuple[np.ndarray, np.ndarray]:
    """Tables of disjoint bucket ranges, in bucket order, as one table (rows, offsets)."""
    parts = [p for p in parts if len(p[0])]
    if not parts:
        return empty_rows(width)
    rows = np.concatenate([np.asarray(r) for r, _ in parts]) if len(parts) > 1 else np.array(parts[0][0])
    # a part's offsets count its rows before each bucket (0 below its range): they add up
    return rows, np.sum([o for _, o in parts], axis=0).astype(np.int64)


def bucket_ranges(parts: int) -> list[tuple[int, int]]:
    """Partition p of `parts` holds buckets [lo, hi)."""
    return [(p * BUCKETS // parts, (p + 1) * BUCKETS // parts) for p in range(parts)]


def partition(rows: np.ndarray, offsets: np.ndarray, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
    """The rows of buckets [lo, hi), with offsets over all buckets."""
    start, end = int(offsets[lo]), int(offsets[hi])
    return np.ascontiguousarray(rows[start:end]), np.clip(offsets - start, 0, end - start).astype(np.int64)
