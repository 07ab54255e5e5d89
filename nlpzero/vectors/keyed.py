"""Trained word vectors and the queries nlpzero answers with them.

Files are word2vec's text or binary format (what gensim's
``KeyedVectors.load_word2vec_format`` and most tools read); the format is
detected on loading.  ``.keyed_vectors`` exposes gensim's ``KeyedVectors``.
"""

from __future__ import annotations

import numpy as np

from ..errors import FormatError, NlpzeroError
from ..fileio import atomic_path, open_input


class UnknownWord(NlpzeroError, KeyError):
    """A query word that is not in the vocabulary."""

    def __str__(self):
        return f"not in the vocabulary: {self.args[0]}"


class WordVectors:
    """Word vectors with similarity, relatedness, analogy and keyword queries.

    Relatedness is the inner product -- the PMI itself for simpler GloVe;
    similarity is the cosine; a vector's norm grows with the word's importance
    (about -ln p(w))."""

    def __init__(self, words: list[str], vectors: np.ndarray, counts: np.ndarray | None = None):
        from gensim.models import KeyedVectors

        vectors = np.asarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[0] != len(words):
            raise ValueError("one vector per word")
        self.keyed_vectors = KeyedVectors(vectors.shape[1])
        self.keyed_vectors.add_vectors(list(words), vectors)
        if counts is not None:
            for word, c in zip(words, np.asarray(counts).tolist()):
                self.keyed_vectors.set_vecattr(word, "count", int(c))

    # ------------------------------------------------------------ basics
    @property
    def words(self) -> list[str]:
        return self.keyed_vectors.index_to_key

    @property
    def vectors(self) -> np.ndarray:
        return self.keyed_vectors.vectors

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: str) -> bool:
        return word in self.keyed_vectors.key_to_index

    def __getitem__(self, word: str) -> np.ndarray:
        return self.vectors[self._index(word)]

    def _index(self, word: str) -> int:
        try:
            return self.keyed_vectors.key_to_index[word]
        except KeyError:
            raise UnknownWord(word) from None

    # ------------------------------------------------------------ queries
    def similar(self, word: str, k: int = 10) -> list[tuple[str, float]]:
        """The k words of highest cosine similarity."""
        self._index(word)
        return self.keyed_vectors.most_similar(word, topn=k)

    def related(self, word: str, k: int = 10) -> list[tuple[str, float]]:
        """The k words of highest inner product (PMI, for simpler GloVe)."""
        i = self._index(word)
        return self._top(self.vectors @ self.vectors[i], k, exclude={i})

    def analogy(self, a: str, b: str, c: str, k: int = 10, method: str = "add") -> list[tuple[str, float]]:
        """Words d with d ≈ a - b + c (3CosAdd, or 3CosMul with method="mul"):
        analogy("国王", "男人", "女人") asks 国王 - 男人 + 女人."""
        for word in (a, b, c):
            self._index(word)
        if method == "mul":
            return self.keyed_vectors.most_similar_cosmul(positive=[a, c], negative=[b], topn=k)
        return self.keyed_vectors.most_similar(positive=[a, c], negative=[b], topn=k)

    def sentence_vector(self, tokens: list[str], mode: str = "sum") -> np.ndarray:
        """The sum (or mean) of the known tokens' vectors."""
        known = [self._index_or_none(t) for t in tokens]
        known = [i for i in known if i is not None]
        if not known:
            return np.zeros(self.vectors.shape[1], dtype=np.float32)
        total = self.vectors[known].sum(axis=0)
        return total / len(known) if mode == "mean" else total

    def sentence_similarity(self, tokens_a: list[str], tokens_b: list[str]) -> float:
        a, b = self.sentence_vector(tokens_a), self.sentence_vector(tokens_b)
        denominator = float(np.linalg.norm(a) * np.linalg.norm(b))
        return float(a @ b) / denominator if denominator else 0.0

    def keywords(self, tokens: list[str], k: int = 5) -> list[tuple[str, float]]:
        """The sentence's own words ranked by <Σ v_i, v_w>: under the naive
        assumption, ln P(sentence | w) up to a constant (for simpler GloVe)."""
        total = self.sentence_vector(tokens)
        scores = {}
        for token in tokens:
            i = self._index_or_none(token)
            if i is not None:
                scores[token] = float(self.vectors[i] @ total)
        return sorted(scores.items(), key=lambda kv: -kv[1])[:k]

    def by_importance(self, k: int | None = None, least: bool = False) -> list[tuple[str, float]]:
        """Words ranked by vector norm, largest first (or smallest with `least`)."""
        norms = np.linalg.norm(self.vectors, axis=1)
        order = np.argsort(norms if least else -norms, kind="stable")[:k]
        return [(self.words[i], float(norms[i])) for i in order]

    def _index_or_none(self, word: str):
        return self.keyed_vectors.key_to_index.get(word)

    def _top(self, scores: np.ndarray, k: int, exclude=()) -> list[tuple[str, float]]:
        scores = scores.astype(np.float64)
        for i in exclude:
            scores[i] = -np.inf
        k = min(k, max(len(scores) - len(exclude), 0))
        best = np.argpartition(-scores, k - 1)[:k] if k else np.array([], dtype=np.int64)
        best = best[np.argsort(-scores[best], kind="stable")]
        return [(self.words[i], float(scores[i])) for i in best]

    # ------------------------------------------------------------ files
    def save(self, path: str, binary: bool = False) -> None:
        """word2vec text (default) or binary format, written atomically."""
        with atomic_path(path) as tmp:
            self.keyed_vectors.save_word2vec_format(tmp, binary=binary)

    @classmethod
    def load(cls, path: str) -> "WordVectors":
        """Read word2vec text or binary format (detected); a damaged file is a FormatError."""
        from gensim.models import KeyedVectors

        with open_input(path) as f:
            head = f.readline(200)
            body = f.read(4096)
        try:
            header = head.decode("utf-8").split()
            n, dim = int(header[0]), int(header[1])
            if n < 0 or dim <= 0:
                raise ValueError
        except (UnicodeDecodeError, ValueError, IndexError):
            raise FormatError(f"{path}: not a word2vec vectors file (bad header)") from None
        binary = _looks_binary(body)
        try:
            kv = KeyedVectors.load_word2vec_format(path, binary=binary, unicode_errors="strict")
        except (ValueError, EOFError, UnicodeDecodeError, IndexError, OSError) as exc:
            raise FormatError(f"{path}: damaged or truncated vectors file ({exc.__class__.__name__})") from None
        vectors = cls.__new__(cls)
        vectors.keyed_vectors = kv
        if not np.all(np.isfinite(kv.vectors)):
            raise FormatError(f"{path}: vectors file holds non-finite numbers")
        return vectors


def _looks_binary(body: bytes) -> bool:
    """word2vec binary stores raw float32s after each word; text is all printable."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return any(ch in text for ch in "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0e\x0f")
