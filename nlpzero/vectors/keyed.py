"""Trained word vectors and the queries nlpzero answers with them.

Files are word2vec's text or binary format (what gensim's
``KeyedVectors.load_word2vec_format`` and most tools read); the format is
detected on loading.  ``.keyed_vectors`` exposes gensim's ``KeyedVectors``.
"""

from __future__ import annotations

import warnings

import numpy as np

from ..corpus import WordChars
from ..errors import FormatError, NlpzeroError
from ..fileio import atomic_output, open_input


class UnknownWord(NlpzeroError, KeyError):
    """A query word that is not in the vocabulary."""

    def __str__(self):
        return f"not in the vocabulary: {self.args[0]}"


class WordVectors:
    """Word vectors with similarity, relatedness, analogy and keyword queries.

    Relatedness is the inner product -- the PMI itself for simpler GloVe;
    similarity is the cosine; a vector's norm grows with the word's importance
    (about -ln p(w)).

    Parameters
    ----------
    words
        The vocabulary, one word per row of `vectors`.
    vectors
        float32 [words, dimension].
    counts
        The words' corpus counts (kept as gensim's "count" attribute).
    """

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
        index = self.keyed_vectors.key_to_index
        found = index.get(word)
        if found is None:
            found = index.get(word2vec_word(word))     # a multi-word unit read from a file
        if found is None:
            raise UnknownWord(word)
        return found

    # ------------------------------------------------------------ queries
    def similar(self, word: str, k: int = 10) -> list[tuple[str, float]]:
        """The k words of highest cosine similarity."""
        return self.keyed_vectors.most_similar(self._key(word), topn=k)

    def related(self, word: str, k: int = 10) -> list[tuple[str, float]]:
        """The k words of highest inner product (PMI, for simpler GloVe)."""
        i = self._index(word)
        return self._top(self.vectors @ self.vectors[i], k, exclude={i})

    def analogy(self, a: str, b: str, c: str, k: int = 10, method: str = "add") -> list[tuple[str, float]]:
        """Words d with d ≈ a - b + c (3CosAdd, or 3CosMul with method="mul"):
        analogy("国王", "男人", "女人") asks 国王 - 男人 + 女人."""
        a, b, c = (self._key(w) for w in (a, b, c))
        if method == "mul":
            with warnings.catch_warnings():      # gensim 4 calls its own deprecated init_sims() here
                warnings.simplefilter("ignore", DeprecationWarning)
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
        assumption, ln P(sentence | w) up to a constant (for simpler GloVe).
        Tokens without a word character (punctuation) are left out."""
        table = WordChars.default().table
        tokens = [t for t in tokens if any(table[ord(ch)] for ch in t)]
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

    def _key(self, word: str) -> str:
        """The vocabulary's spelling of `word` (UnknownWord if absent)."""
        return self.words[self._index(word)]

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
        with atomic_output(path, "wb") as out:
            write_word2vec(out, [word2vec_word(w) for w in self.words], self.vectors, binary)

    @classmethod
    def load(cls, path: str) -> "WordVectors":
        """Read word2vec text or binary format (detected); a damaged file or a
        header that does not match the file is a FormatError."""
        from gensim.models import KeyedVectors

        words, vectors = read_word2vec(path)
        self = cls.__new__(cls)
        self.keyed_vectors = KeyedVectors(vectors.shape[1], count=0, dtype=np.float32)
        if len(words):
            self.keyed_vectors.add_vectors(words, vectors)
        return self


def write_word2vec(out, words: list[str], vectors: np.ndarray, binary: bool) -> None:
    """word2vec's format: a "words dimension" line, then per word its text and
    its numbers (text), or its text, a space and dim little-endian float32s
    and a line feed (binary)."""
    vectors = np.ascontiguousarray(vectors, dtype="<f4")
    out.write(f"{len(words)} {vectors.shape[1]}\n".encode())
    for start in range(0, len(words), 4096):
        block = vectors[start:start + 4096]
        if binary:
            out.write(b"".join(w.encode("utf-8") + b" " + row.tobytes() + b"\n"
                               for w, row in zip(words[start:start + 4096], block)))
        else:
            out.write("".join(w + " " + " ".join(map(_float_text, row)) + "\n"
                              for w, row in zip(words[start:start + 4096], block.tolist())).encode("utf-8"))


def _float_text(value: float) -> str:
    return "%.9g" % value                    # nine digits: a float32 read back exactly


def word2vec_word(word: str) -> str:
    """A word as word2vec files can hold it: spaces (in multi-word units) become
    underscores, as gensim's Phrases writes them."""
    return word.replace(" ", "_")


def read_word2vec(path: str) -> tuple[list[str], np.ndarray]:
    """(words, float32 vectors) of a word2vec text or binary file, checked:
    the header must give the file's real number of words and dimension."""
    with open_input(path) as f:
        data = f.read()
    end = data.find(b"\n", 0, 200)
    try:
        if end < 0:
            raise ValueError
        header = data[:end].decode("ascii").split()
        n, dim = int(header[0]), int(header[1])
        if len(header) != 2 or n < 0 or dim <= 0:
            raise ValueError
    except (UnicodeDecodeError, ValueError, IndexError):
        raise FormatError(f"{path}: not a word2vec vectors file (bad header: "
                          f"{data[:min(max(end, 0), 60) or 60]!r})") from None
    body = data[end + 1:]
    if n > len(body) // (dim + 1):             # every entry holds at least dim + 1 bytes
        raise FormatError(f"{path}: bad header {data[:end].decode()!r}: the file is too small for {n:,} "
                          f"words of dimension {dim}")
    reader = _read_binary if _looks_binary(body[:4096]) else _read_text
    try:
        words, vectors = reader(body, n, dim)
    except (ValueError, UnicodeDecodeError, IndexError) as exc:
        raise FormatError(f"{path}: damaged or truncated vectors file ({exc})") from None
    if len(set(words)) != len(words):
        raise FormatError(f"{path}: damaged vectors file (a word appears twice)")
    if not np.all(np.isfinite(vectors)):
        raise FormatError(f"{path}: vectors file holds non-finite numbers")
    return words, vectors


def _read_text(body: bytes, n: int, dim: int):
    lines = body.decode("utf-8").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if len(lines) != n:
        raise ValueError(f"the header says {n:,} words, the file has {len(lines):,} lines")
    words, numbers = [], []
    for number, line in enumerate(lines, 2):
        word, _, rest = line.rstrip().partition(" ")
        if not word:
            raise ValueError(f"line {number} has no word")
        words.append(word)
        numbers.append(rest)
    values = np.array(" ".join(numbers).split(), dtype=np.float32)
    if values.size != n * dim:
        raise ValueError(f"expected {n * dim:,} numbers ({n:,} words of dimension {dim}), found {values.size:,}")
    return words, values.reshape(n, dim)


def _read_binary(body: bytes, n: int, dim: int):
    words = []
    vectors = np.empty((n, dim), dtype=np.float32)
    size = 4 * dim
    at = 0
    for i in range(n):
        while at < len(body) and body[at] in b"\n ":       # writers differ in what separates entries
            at += 1
        space = body.find(b" ", at, at + 4096)
        if space < 0 or space + 1 + size > len(body):
            raise ValueError(f"entry {i + 1} of {n:,} is cut short")
        words.append(body[at:space].decode("utf-8"))
        vectors[i] = np.frombuffer(body, dtype="<f4", count=dim, offset=space + 1)
        at = space + 1 + size
    if body[at:].strip(b"\n "):
        raise ValueError(f"the header says {n:,} words but more follow")
    return words, vectors


def _looks_binary(body: bytes) -> bool:
    """word2vec binary stores raw float32s after each word; text is all printable."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return any(ch in text for ch in "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0e\x0f")
