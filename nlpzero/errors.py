"""Exceptions nlpzero raises for problems with the user's input, as opposed to bugs.

The CLI prints their message as one line and exits non-zero."""


class NlpzeroError(Exception):
    """Base class: an error the user can fix."""


class InputError(NlpzeroError):
    """A corpus or argument that cannot be used (missing file, binary data, bad option)."""


class FormatError(NlpzeroError):
    """A model, counts or lexicon file that is corrupt, truncated or of the wrong kind."""
