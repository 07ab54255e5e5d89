"""nlpzero: unsupervised Chinese NLP from raw text.

Count character n-grams, discover words, tokenize, train word vectors and find
sentence templates -- with nothing but a corpus.
"""

import importlib

__version__ = "0.1.0"

# The top-level names load their module on first use (PEP 562): `import
# nlpzero.jieba` or a CLI command should not pay for every module's imports.
_EXPORTS = {
    "Corpus": "corpus", "WordChars": "corpus", "NgramCounts": "counts", "count": "counts", "merge": "counts",
    "FormatError": "errors", "InputError": "errors", "NlpzeroError": "errors", "Lexicon": "lexicon",
    "discover": "discovery", "Tokenizer": "tokenizer",
}
__all__ = [*_EXPORTS, "__version__"]


def __getattr__(name):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'nlpzero' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(__all__)
