"""Compiled dictionaries kept in the user's cache directory.

Compiling jieba's 349k-word ``dict.txt`` takes about a second; the compiled
tokenizer model (nlpzero's own format, never pickle or marshal) loads in a
tenth of that.  :func:`compiled_dictionary` keeps one model per dictionary
file, named by the file (:func:`family`) and a hash of its bytes, so an
edited dictionary is recompiled -- and its older model removed
(:func:`remove_stale`), as are the files of earlier nlpzero versions.  The
directory is ``$NLPZERO_CACHE_DIR``, else
``$XDG_CACHE_HOME/nlpzero``, else ``~/.cache/nlpzero``; when it cannot be
written the dictionary is compiled in memory each time.
"""

from __future__ import annotations

import logging
import os
import re
import zlib

from .errors import NlpzeroError
from .fileio import open_input

log = logging.getLogger("nlpzero")


def cache_dir() -> str:
    """Where compiled dictionaries are kept (see the module docstring)."""
    configured = os.environ.get("NLPZERO_CACHE_DIR")
    if configured:
        return configured
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "nlpzero")


def family(kind: str, path: str) -> str:
    """The name shared by every cache file made from the file at `path`:
    `kind`, its base name and a hash of its absolute path (two dict.txt in
    different directories are two families)."""
    absolute = os.path.abspath(path).encode("utf-8", "surrogatepass")
    return f"{kind}{os.path.basename(path)}-{zlib.crc32(absolute):08x}"


def remove_stale(current: str, legacy: str | None = None) -> None:
    """Remove the other files of `current`'s family (its name up to the last
    "-": the same source in another state) and those whose name fully matches
    the regular expression `legacy` (an earlier version's naming).  Never
    fails: a file that cannot be removed stays."""
    directory, name = os.path.split(current)
    stem = name.rsplit("-", 1)[0] + "-"
    suffix = os.path.splitext(name)[1]
    pattern = re.compile(legacy) if legacy else None
    try:
        entries = os.listdir(directory)
    except OSError:
        return
    for entry in entries:
        stale = entry != name and ((entry.startswith(stem) and entry.endswith(suffix))
                                   or (pattern is not None and pattern.fullmatch(entry)))
        if stale:
            try:
                os.remove(os.path.join(directory, entry))
                log.debug("removed the stale cache file %s", entry)
            except OSError:
                pass


def compiled_dictionary(path: str):
    """The Tokenizer of the lexicon file at `path`, from the cache when it has
    been compiled before (and the file has not changed since)."""
    import hashlib

    from .lexicon import Lexicon
    from .tokenizer import Tokenizer

    with open_input(path) as f:
        data = f.read()
    digest = hashlib.sha256(data).hexdigest()[:24]
    cached = os.path.join(cache_dir(), f"{family('', path)}-{digest}.nlpztok")
    if os.path.exists(cached):
        try:
            return Tokenizer.load(cached)
        except NlpzeroError:
            log.warning("recompiling %s: its cached model %s is damaged", path, cached)
    tokenizer = Tokenizer(Lexicon.load(path))
    try:
        os.makedirs(os.path.dirname(cached), exist_ok=True)
        tokenizer.save(cached)
        remove_stale(cached, re.escape(os.path.basename(path)) + r"-[0-9a-f]{24}\.nlpztok")
    except (OSError, NlpzeroError) as exc:
        log.debug("not caching %s: %s", cached, exc)
    return tokenizer
