"""Compiled dictionaries kept in the user's cache directory.

Compiling jieba's 349k-word ``dict.txt`` takes about a second; the compiled
tokenizer model (nlpzero's own format, never pickle or marshal) loads in a
tenth of that.  :func:`compiled_dictionary` keeps one model per dictionary,
named by a hash of the dictionary's bytes, so an edited dictionary is
recompiled.  The directory is ``$NLPZERO_CACHE_DIR``, else
``$XDG_CACHE_HOME/nlpzero``, else ``~/.cache/nlpzero``; when it cannot be
written the dictionary is compiled in memory each time.
"""

from __future__ import annotations

import logging
import os

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


def compiled_dictionary(path: str):
    """The Tokenizer of the lexicon file at `path`, from the cache when it has
    been compiled before (and the file has not changed since)."""
    import hashlib

    from .lexicon import Lexicon
    from .tokenizer import Tokenizer

    with open_input(path) as f:
        data = f.read()
    digest = hashlib.sha256(data).hexdigest()[:24]
    cached = os.path.join(cache_dir(), f"{os.path.basename(path)}-{digest}.nlpztok")
    if os.path.exists(cached):
        try:
            return Tokenizer.load(cached)
        except NlpzeroError:
            log.warning("recompiling %s: its cached model %s is damaged", path, cached)
    tokenizer = Tokenizer(Lexicon.load(path))
    try:
        os.makedirs(os.path.dirname(cached), exist_ok=True)
        tokenizer.save(cached)
    except (OSError, NlpzeroError) as exc:
        log.debug("not caching %s: %s", cached, exc)
    return tokenizer
