"""nlpzero: unsupervised Chinese NLP from raw text.

Count character n-grams, discover words, tokenize, train word vectors and find
sentence templates -- with nothing but a corpus.
"""

__version__ = "0.1.0"

from .corpus import Corpus, WordChars  # noqa: E402
from .counts import NgramCounts, count, merge  # noqa: E402
from .errors import FormatError, InputError, NlpzeroError  # noqa: E402
from .lexicon import Lexicon  # noqa: E402
from .discover import discover  # noqa: E402
from .tokenizer import Tokenizer  # noqa: E402

__all__ = ["Corpus", "WordChars", "NgramCounts", "count", "merge", "Lexicon", "Tokenizer", "discover",
           "NlpzeroError", "InputError", "FormatError", "__version__"]
