"""Corpora as byte ranges split on line boundaries: the units of work of the
cluster engine (and of any other engine that calls :mod:`nlpzero.tasks`).

:func:`plan_blocks` lists the files of some inputs -- local paths or fsspec
URLs (``s3://``, ``gs://``, ``hdfs://``, ``https://``, ``file://``,
``memory://``), globs and directories -- and cuts each into blocks of about
`block_size` bytes.  A compressed file (gzip, bzip2, xz, by content) cannot be
split and is one block.  :func:`read_block` returns a block's bytes: whole
lines only, as fsspec's ``read_block`` cuts them -- a block starts after the
first line feed at or after its offset (the first block at 0) and ends after
the first line feed at or after its end -- so the blocks of a file partition
it exactly.  A file's BOM is dropped and its last line gets a line feed, as
:meth:`nlpzero.Corpus.file_line_bytes` does, so every engine sees the same
lines.
"""

from __future__ import annotations

import bz2
import codecs
import gzip
import lzma
import os
from dataclasses import dataclass

from .errors import InputError

DEFAULT_BLOCK_SIZE = 64 << 20
_MAGIC = ((b"\x1f\x8b", "gzip"), (b"BZh", "bz2"), (b"\xfd7zXZ\x00", "xz"))


def fsspec_module():
    try:
        import fsspec
    except ImportError:
        raise InputError("reading URLs needs fsspec: pip install 'nlpzero-kit[cluster]'") from None
    return fsspec


def is_url(path: str) -> bool:
    return "://" in str(path)


@dataclass(frozen=True)
class Block:
    """Bytes [offset, offset + length) of a file, extended to whole lines;
    length None: the whole file, decompressed with `compression`."""
    url: str
    offset: int
    length: int | None
    compression: str | None = None
    first: bool = True          # the file's first block (a BOM may follow)
    last: bool = True           # the file's last block (its last line may lack a line feed)
    index: int = 0              # the block's place in the corpus, for ordered results


def list_files(inputs) -> list[str]:
    """The files of `inputs` as URLs or local paths, in order (directories
    walked, hidden entries skipped; globs expanded)."""
    from .corpus import expand_paths, is_stream

    out = []
    for item in ([inputs] if isinstance(inputs, str) else list(inputs)):
        item = os.fspath(item)
        if is_stream(item):
            what = "- (stdin)" if item == "-" else f"{item} (a pipe or FIFO)"
            raise InputError(f"the cluster engine reads files, not {what}")
        if not is_url(item):
            out.extend(expand_paths([item]))
            continue
        fs, path = fsspec_module().core.url_to_fs(item)
        protocol = item.split("://", 1)[0]
        if any(ch in path for ch in "*?["):
            matched = sorted(p for p in fs.glob(path) if fs.isfile(p))
            if not matched:
                raise InputError(f"{item}: no files match this pattern")
        elif fs.isdir(path):
            matched = sorted(p for p in fs.find(path) if not os.path.basename(p).startswith("."))
        elif fs.exists(path):
            matched = [path]
        else:
            raise InputError(f"{item}: no such file or directory")
        out.extend(m if is_url(m) else f"{protocol}://{m}" for m in matched)
    if not out:
        raise InputError("no input files")
    return out


def _open(url: str):
    if is_url(url):
        return fsspec_module().open(url, "rb").open()
    try:
        return open(url, "rb")
    except OSError as exc:
        raise InputError(f"{url}: cannot open ({exc.strerror})") from None


def _size_and_compression(url: str) -> tuple[int, str | None]:
    with _open(url) as f:
        head = f.read(6)
        size = f.seek(0, os.SEEK_END)
    for magic, name in _MAGIC:
        if head.startswith(magic):
            return size, name
    return size, None


def plan_blocks(inputs, block_size: int = DEFAULT_BLOCK_SIZE) -> list[Block]:
    """The blocks of all files of `inputs`, in order (see the module docstring)."""
    if block_size < 1:
        raise ValueError("block_size must be positive")
    blocks = []
    for url in list_files(inputs):
        size, compression = _size_and_compression(url)
        if size == 0:
            continue
        if compression is not None or size <= block_size:
            blocks.append(Block(url, 0, None, compression, True, True, len(blocks)))
            continue
        starts = list(range(0, size, block_size))
        if size - starts[-1] < block_size // 4 and len(starts) > 1:    # no tiny last block
            starts.pop()
        for k, start in enumerate(starts):
            end = starts[k + 1] if k + 1 < len(starts) else size
            blocks.append(Block(url, start, end - start, None, k == 0, k == len(starts) - 1, len(blocks)))
    return blocks


def read_block(block: Block) -> bytes:
    """The block's bytes: whole lines, a BOM dropped at the file's start and a
    line feed added to the file's last line when missing."""
    if block.length is None:
        with _open(block.url) as raw:
            opener = {"gzip": gzip.open, "bz2": bz2.open, "xz": lzma.open}.get(block.compression)
            try:
                data = opener(raw).read() if opener else raw.read()
            except (OSError, EOFError, lzma.LZMAError) as exc:
                raise InputError(f"{block.url}: cannot decompress ({exc})") from None
    else:
        with _open(block.url) as f:
            data = _line_range(f, block.offset, block.length)
    if block.first and data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    if block.last and data and not data.endswith(b"\n"):
        data += b"\n"
    return data


def _line_range(f, offset: int, length: int) -> bytes:
    """fsspec's read_block(f, offset, length, b"\\n"): from after the first line
    feed at or after `offset` (0 stays 0) to after the first one at or after
    offset + length (or the end)."""
    start = 0 if offset == 0 else _after_next_newline(f, offset)
    end = _after_next_newline(f, offset + length)
    if start is None:
        return b""
    f.seek(start)
    if end is None:
        return f.read()
    return f.read(end - start) if end > start else b""


def _after_next_newline(f, position: int) -> int | None:
    """The position just after the first line feed at or after `position`; None at the end."""
    f.seek(position)
    while True:
        piece = f.read(1 << 16)
        if not piece:
            return None
        found = piece.find(b"\n")
        if found >= 0:
            return position + found + 1
        position += len(piece)
