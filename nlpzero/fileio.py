"""Small file helpers shared by every writer and reader: safe output paths,
atomic replacement, opening inputs and parsing sizes."""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
import struct
import sys
import zlib
from collections.abc import Iterable

from .errors import InputError


def current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def check_output(path: str, inputs: Iterable[str] = ()) -> None:
    """Fail now, naming `path`, if an output could not be written there at the
    end: its directory is missing or not writable, it is a directory or names
    one (a trailing /), it is read-only, or it is one of `inputs` (writing it
    would destroy what is being read).  Commands call this before any work."""
    if path == "-":
        return
    fd = descriptor_of(path)
    if fd is not None:
        _check_descriptor(path, fd, inputs)
        return
    if path.endswith(("/", os.sep)):
        raise InputError(f"{path}: names a directory; give a file name")
    target = os.path.realpath(path)
    if os.path.isdir(target):
        raise InputError(f"{path}: is a directory")
    if os.path.exists(target) and not os.access(target, os.W_OK):
        raise InputError(f"{path}: read-only")
    if os.path.exists(target) and not _is_regular(target):
        return                       # a device or FIFO: written directly, never replaced
    directory = _directory_of(path, target)
    if not os.access(directory, os.W_OK | os.X_OK):
        raise InputError(f"{path}: cannot write in {directory} (permission denied)")
    if os.path.exists(target):
        _refuse_an_input(path, os.stat(target), inputs)


_DESCRIPTOR = re.compile(r"/(?:dev/(?:fd/(\d+)|(stdout)|(stderr))|proc/self/fd/(\d+))")


def descriptor_of(path: str) -> int | None:
    """The file descriptor a path such as /dev/stdout or /dev/fd/3 names, or
    None.  Such a path is written through its descriptor, so that a shell's
    `>>`, a pipe or a here-document behave as with any program; resolving it
    would replace (and truncate) the file behind the descriptor."""
    match = _DESCRIPTOR.fullmatch(path) if isinstance(path, str) else None
    if match is None:
        return None
    fd, out, err, proc = match.groups()
    return 1 if out else 2 if err else int(fd or proc)


def _check_descriptor(path: str, fd: int, inputs: Iterable[str]) -> None:
    """A descriptor output must be open, and not be one of the inputs (through
    `>>`, a command would read its own output without end)."""
    try:
        written = os.fstat(fd)
    except OSError as exc:
        raise InputError(f"{path}: cannot write ({exc.strerror})") from None
    if stat.S_ISREG(written.st_mode):
        _refuse_an_input(path, written, inputs)


def _refuse_an_input(path: str, written: os.stat_result, inputs: Iterable[str]) -> None:
    """InputError if the file `written` describes is one of `inputs`."""
    for item in inputs:
        if item == "-":
            continue
        try:
            read = os.stat(item)
        except OSError:
            continue
        if (read.st_dev, read.st_ino) == (written.st_dev, written.st_ino):
            raise InputError(f"{path}: is also an input; write the output elsewhere")


def _directory_of(path: str, target: str) -> str:
    """The directory an output will be created in, or an InputError naming the missing one."""
    directory = os.path.dirname(target)
    if not os.path.isdir(directory):
        shown = directory if os.path.islink(path) else os.path.dirname(os.path.abspath(path)) or "."
        raise InputError(f"{path}: directory {shown} does not exist")
    return directory


def _is_regular(path: str) -> bool:
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return True                  # does not exist yet: will be a regular file


@contextlib.contextmanager
def atomic_path(path: str):
    """A temporary path beside `path`, renamed to `path` when the block succeeds;
    on any exception (Ctrl-C and the signals the CLI turns into exceptions
    included) it is removed and `path` is untouched.  A symbolic link is
    written through (its target is replaced), and the file gets the mode an
    existing file had, or the umask's for a new one.  A destination that is
    not a regular file (a device such as /dev/null, a FIFO) is written
    directly: renaming over it would replace the device; one that names a
    descriptor (/dev/stdout, /dev/fd/N) gets the finished file's bytes
    through that descriptor.  For libraries that insist on writing by name."""
    fd = descriptor_of(path)
    if fd is not None:
        with _spooled_to_descriptor(path, fd) as tmp:
            yield tmp
        return
    check_output(path)
    target = os.path.realpath(path)
    if os.path.exists(target) and not _is_regular(target):
        with _naming(path):
            yield target
        return
    directory = os.path.dirname(target)
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        mode = 0o666 & ~current_umask()
    import tempfile              # here, not at the top: its import costs every start-up more than most runs write
    try:
        fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(target) + ".", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise InputError(f"{path}: cannot write ({exc.strerror})") from None
    try:
        os.close(fd)
        with _naming(path):
            yield tmp
            os.chmod(tmp, mode)      # after writing: a read-only mode would stop the writer
            os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


# errors that only writing raises: they are the output's, and name it
_WRITE_ERRORS = {errno.ENOSPC, errno.EFBIG, errno.EDQUOT}


@contextlib.contextmanager
def _naming(path: str):
    try:
        yield
    except OSError as exc:
        if exc.errno in _WRITE_ERRORS:
            raise InputError(f"{path}: cannot write ({exc.strerror})") from None
        raise


@contextlib.contextmanager
def _spooled_to_descriptor(path: str, fd: int):
    """A temporary file whose bytes go to descriptor `fd` (named `path`) when the block succeeds."""
    import shutil
    import tempfile
    spool, tmp = tempfile.mkstemp(prefix=".nlpzero-", suffix=".tmp")
    os.close(spool)
    try:
        with _naming(path):
            yield tmp
            with open(tmp, "rb") as src, _descriptor_stream(path, fd, "wb") as out:
                shutil.copyfileobj(src, out, 1 << 20)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def _descriptor_stream(path: str, fd: int, mode: str, encoding: str | None = None):
    """A stream on a duplicate of descriptor `fd` (named `path`): it keeps the
    shell's append mode and position, and closing it leaves `fd` open."""
    try:
        duplicate = os.dup(fd)
    except OSError as exc:
        raise InputError(f"{path}: cannot write ({exc.strerror})") from None
    return open(duplicate, mode, encoding=encoding)


@contextlib.contextmanager
def atomic_output(path: str, mode: str = "wb", encoding: str | None = None):
    """Open `path` for writing so that it appears only when the block succeeds
    (see :func:`atomic_path`).  ``-`` writes to stdout, and a path naming a
    descriptor (/dev/stdout, /dev/fd/N) to that descriptor."""
    if path == "-":
        stream = sys.stdout.buffer if "b" in mode else sys.stdout
        with _naming("<stdout>"):
            yield stream
            stream.flush()
        return
    fd = descriptor_of(path)
    if fd is not None:
        if fd in (1, 2):             # what Python buffered for that descriptor goes first
            (sys.stdout if fd == 1 else sys.stderr).flush()
        with _naming(path), _descriptor_stream(path, fd, mode, encoding) as stream:
            yield stream
        return
    with atomic_path(path) as tmp, open(tmp, mode, encoding=encoding) as stream:
        yield stream


def open_input(path: str):
    """Open a file for binary reading; a missing or unreadable file is an InputError."""
    try:
        return open(path, "rb")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot open ({exc.strerror})") from None


_UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
MIN_MEMORY = 16 << 20


def parse_size(text: str | int, minimum: int = 1) -> int:
    """'512M', '1.5G', '2GB', '100000' -> bytes; below `minimum` is an error."""
    if isinstance(text, int):
        size = text
    else:
        match = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*([KMGT]?)(i?B)?\s*", str(text), re.I)
        if not match:
            raise InputError(f"not a size: {text!r} (use e.g. 512M or 2G)")
        size = int(float(match.group(1)) * _UNITS[match.group(2).upper()])
    if size <= 0:
        raise InputError(f"size must be positive: {text!r}")
    if size < minimum:
        raise InputError(f"size {text!r} is too small: at least {format_size(minimum)}")
    return size


def format_size(size: int) -> str:
    for unit in ("T", "G", "M", "K"):
        if size >= _UNITS[unit] and size % _UNITS[unit] == 0:
            return f"{size // _UNITS[unit]}{unit}"
    return str(size)


def physical_memory() -> int:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 8 << 30


# ---------------------------------------------------------------- framed files
#
# nlpzero's binary files (tokenizer models, nlpzero.jieba's cache) share one frame:
#     magic (8 bytes) | uint32 version | uint32 header length | JSON header
#     (padded with spaces to 8 bytes) | body | uint32 CRC-32 of everything before it
# little-endian; what the body holds is each format's own.

def frame(magic: bytes, version: int, header: dict, body_chunks) -> bytes:
    """The bytes of a framed file (see above), the CRC included."""
    import json
    head = json.dumps(header).encode()
    head += b" " * (-(len(magic) + 8 + len(head)) % 8)
    data = b"".join([magic, struct.pack("<II", version, len(head)), head, *body_chunks])
    return data + struct.pack("<I", zlib.crc32(data))


def unframe(data, magic: bytes, versions, what: str):
    """(version, header, body memoryview) of a framed file's bytes; a wrong
    magic, version or checksum, or a bad header, is a FormatError naming `what`."""
    import json
    from .errors import FormatError
    if len(data) < len(magic) + 12 or data[:len(magic)] != magic:
        raise FormatError(f"{what}: truncated, or not this kind of file")
    version, head_len = struct.unpack_from("<II", data, len(magic))
    if version not in versions:
        raise FormatError(f"{what}: version {version} not supported (this nlpzero reads versions "
                          f"{min(versions)} to {max(versions)})")
    start = len(magic) + 8 + head_len
    (crc,) = struct.unpack_from("<I", data, len(data) - 4)
    if start + 4 > len(data) or zlib.crc32(memoryview(data)[:-4]) != crc:
        raise FormatError(f"{what}: corrupted or truncated (checksum mismatch)")
    try:
        header = json.loads(bytes(data[len(magic) + 8:start]))
    except ValueError:
        header = None
    if not isinstance(header, dict):
        raise FormatError(f"{what}: corrupted header")
    return version, header, memoryview(data)[start:-4]
