"""Word vectors on nlpzero's tokens: co-occurrence counting, "simpler GloVe"
(<v_i, v_j> fits PMI), gensim's Word2Vec, and the queries (similar, related,
analogy, keywords) over :class:`WordVectors`."""

from .cooccur import Vocabulary, build_vocabulary, cooccurrence, token_lines
from .glove import default_dimension, train_glove
from .keyed import UnknownWord, WordVectors
from .word2vec import train_word2vec

__all__ = ["Vocabulary", "build_vocabulary", "cooccurrence", "token_lines", "default_dimension", "train_glove",
           "train_word2vec", "WordVectors", "UnknownWord"]
