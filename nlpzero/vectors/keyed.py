"""Trained word vectors and the queries nlpzero answers with them.

Files are word2vec's binary (default) or text format (what gensim's
``KeyedVectors.load_word2vec_format`` and most tools read); the format is
detected on loading.  ``.keyed_vectors`` exposes gensim's ``KeyedVectors``.
"""

from __future__ import annotations

import numpy as np

from .._ext import vecfile as _vecfile
from ..corpus import WordChars
from ..text import CLASS_RUN, character_classes
from ..errors import FormatError, NlpzeroError
from ..fileio import atomic_output, open_input


class UnknownWord(NlpzeroError, KeyError):
    """A query word that is not in the vocabulary."""

    def __str__(self):
        return f"not in the vocabulary: {self.args[0]}"


def unit_rows(vectors: np.ndarray) -> np.ndarray:
    """Each row scaled to length 1 (an all-zero row stays zero)."""
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


class WordVectors:
    """Word vectors with similarity, relatedness, analogy and keyword queries.

    Relatedness is the inner product -- for simpler GloVe the positive-PMI fit (exactly
    so when trained with ``spectrum=1``; the default flattens it for cosines);
    similarity is the cosine; a vector's norm grows with the word's importance
    (about -ln p(w)).  A word outside the vocabulary is composed of the
    vocabulary words it splits into (longest first: "人工智能" from "人工" +
    "智能", or from its characters), summed as simpler GloVe's additive PMI
    suggests; see :meth:`vector`.

    gensim's query API (``most_similar``, ``similarity``,
    ``most_similar_cosmul``, ``doesnt_match``, ``n_similarity``,
    ``evaluate_word_analogies``, ...) is gensim's own: any attribute of
    gensim's ``KeyedVectors`` is answered by ``.keyed_vectors``, built on first
    use over the same arrays.  nlpzero's own queries (``similar``,
    ``analogy``, ``related``, ``keywords``) are computed here with numpy,
    because importing gensim alone takes about 0.9 s, most of a command-line
    query; the tests check they agree with gensim's.

    Parameters
    ----------
    words
        The vocabulary, one word per row of `vectors`, most frequent first.
    vectors
        float32 [words, dimension].
    counts
        The words' corpus counts (gensim's "count" attribute), or None.
    """

    def __init__(self, words: list[str], vectors: np.ndarray, counts: np.ndarray | None = None):
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[0] != len(words):
            raise ValueError("one vector per word")
        self._words = list(words)
        self._vectors = vectors
        self._index = {w: i for i, w in enumerate(self._words)}
        if len(self._index) != len(self._words):
            raise ValueError("a word appears twice")
        self.counts = None if counts is None else np.asarray(counts, dtype=np.int64)
        self._unit = None
        self._keyed = None

    # ------------------------------------------------------------ basics
    @property
    def words(self) -> list[str]:
        return self._words

    @property
    def vectors(self) -> np.ndarray:
        return self._vectors

    def __len__(self) -> int:
        return len(self._words)

    def __contains__(self, word: str) -> bool:
        return word in self._index or word2vec_word(word) in self._index

    def __getitem__(self, word: str) -> np.ndarray:
        return self._vectors[self._position(word)]

    @property
    def keyed_vectors(self):
        """These vectors as gensim's ``KeyedVectors`` (sharing the arrays)."""
        if self._keyed is None:
            from gensim.models import KeyedVectors

            keyed = KeyedVectors(self._vectors.shape[1], count=0, dtype=np.float32)
            keyed.vectors = self._vectors
            keyed.index_to_key = self._words
            keyed.key_to_index = self._index
            if self.counts is not None:
                keyed.allocate_vecattrs(attrs=["count"], types=[np.int64])
                keyed.expandos["count"][:] = self.counts
            self._keyed = keyed
        return self._keyed

    def __getattr__(self, name: str):
        # only reached for names this class lacks: gensim's API
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.keyed_vectors, name)

    def _position(self, word: str) -> int:
        found = self._index.get(word)
        if found is None:
            found = self._index.get(word2vec_word(word))     # a multi-word unit read from a file
        if found is None:
            raise UnknownWord(word)
        return found

    def parts(self, word: str) -> list[str] | None:
        """The vocabulary words `word` splits into, longest match first (the
        word itself if known), or None if some character is in no vocabulary
        word or the word has letters of an alphabetic script, which are not
        units of meaning ("zzq" is not z + z + q)."""
        if word in self:
            return [word]
        classes = character_classes()
        if any(ord(ch) < len(classes) and classes[ord(ch)] & CLASS_RUN for ch in word):
            return None
        parts, i = [], 0
        longest = min(len(word), 16)
        while i < len(word):
            for j in range(min(len(word), i + longest), i, -1):
                if word[i:j] in self._index:
                    parts.append(word[i:j])
                    i = j
                    break
            else:
                return None
        return parts

    def vector(self, word: str) -> np.ndarray:
        """The vector of `word`: its own, or the sum of its :meth:`parts`
        (UnknownWord if it has none)."""
        parts = self.parts(word)
        if not parts:                                  # None, or [] for the empty word
            raise UnknownWord(word)
        if len(parts) == 1:
            return self._vectors[self._position(parts[0])]
        return self._vectors[[self._index[p] for p in parts]].sum(axis=0)

    # ------------------------------------------------------------ queries
    def _unit_vectors(self) -> np.ndarray:
        if self._unit is None:
            self._unit = unit_rows(self._vectors)
        return self._unit

    def _excluded(self, words) -> set[int]:
        return {self._index[w] for w in words if w in self._index}

    def similar(self, word: str, k: int = 10) -> list[tuple[str, float]]:
        """The k words of highest cosine similarity (as gensim's most_similar)."""
        v = self.vector(word)
        return self._top(self._unit_vectors() @ (v / max(float(np.linalg.norm(v)), 1e-12)), k,
                         self._excluded([word]))

    def related(self, word: str, k: int = 10) -> list[tuple[str, float]]:
        """The k words of highest inner product (simpler GloVe: the PMI fit)."""
        return self._top(self._vectors @ self.vector(word), k, self._excluded([word]))

    def analogy(self, a: str, b: str, c: str, k: int = 10, method: str = "add") -> list[tuple[str, float]]:
        """Words d with d ≈ a - b + c: 3CosAdd, as gensim's
        most_similar(positive=[a, c], negative=[b]), or 3CosMul (method="mul"),
        as its most_similar_cosmul.  analogy("国王", "男人", "女人") asks
        国王 - 男人 + 女人."""
        unit = self._unit_vectors()
        va, vb, vc = (v / max(float(np.linalg.norm(v)), 1e-12) for v in map(self.vector, (a, b, c)))
        exclude = self._excluded([a, b, c])
        if method == "mul":                      # cosines shifted to [0, 1], as gensim does
            pa, pb, pc = ((unit @ v + 1) / 2 for v in (va, vb, vc))
            return self._top(pa * pc / (pb + 1e-6), k, exclude)
        if method != "add":
            raise ValueError(f"unknown analogy method {method!r} (add or mul)")
        target = va - vb + vc
        return self._top(unit @ (target / max(float(np.linalg.norm(target)), 1e-12)), k, exclude)

    def sentence_vector(self, tokens: list[str], mode: str = "sum") -> np.ndarray:
        """The sum (or mean) of the known tokens' vectors."""
        known = [self._index[t] for t in tokens if t in self._index]
        if not known:
            return np.zeros(self._vectors.shape[1], dtype=np.float32)
        total = self._vectors[known].sum(axis=0)
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
            i = self._index.get(token)
            if i is not None:
                scores[token] = float(self._vectors[i] @ total)
        return sorted(scores.items(), key=lambda kv: -kv[1])[:k]

    def by_importance(self, k: int | None = None, least: bool = False) -> list[tuple[str, float]]:
        """Words ranked by vector norm, largest first (or smallest with `least`)."""
        norms = np.linalg.norm(self._vectors, axis=1)
        order = np.argsort(norms if least else -norms, kind="stable")[:k]
        return [(self._words[i], float(norms[i])) for i in order]

    def _top(self, scores: np.ndarray, k: int, exclude=()) -> list[tuple[str, float]]:
        if k < 0:
            raise ValueError(f"k must be 0 or more, not {k}")
        scores = scores.astype(np.float64)
        for i in exclude:
            scores[i] = -np.inf
        k = min(k, max(len(scores) - len(exclude), 0))
        best = np.argpartition(-scores, k - 1)[:k] if k else np.array([], dtype=np.int64)
        best = best[np.argsort(-scores[best], kind="stable")]
        return [(self._words[i], float(scores[i])) for i in best]

    # ------------------------------------------------------------ files
    def save(self, path: str, binary: bool = True) -> None:
        """word2vec's binary format (default: about 4× faster to load) or its
        text format, written atomically."""
        with atomic_output(path, "wb") as out:
            write_word2vec(out, [word2vec_word(w) for w in self._words], self._vectors, binary)

    @classmethod
    def load(cls, path: str) -> "WordVectors":
        """Read word2vec text or binary format (detected); a damaged file or a
        header that does not match the file is a FormatError."""
        words, vectors = read_word2vec(path)
        try:
            return cls(words, vectors)
        except ValueError:
            raise FormatError(f"{path}: damaged vectors file (a word appears twice)") from None


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
    values = np.fromstring(" ".join(numbers), dtype=np.float32, sep=" ") if numbers else np.empty(0, np.float32)
    if values.size != n * dim:
        raise ValueError(f"expected {n * dim:,} numbers ({n:,} words of dimension {dim}), found {values.size:,}"
                         " or a number that is not one")
    return words, values.reshape(n, dim)


def _read_binary(body: bytes, n: int, dim: int):
    blob, vectors = _vecfile.parse_binary(np.frombuffer(body, dtype=np.uint8), n, dim)
    return (blob.decode("utf-8").split("\n") if n else []), vectors


def _looks_binary(body: bytes) -> bool:
    """word2vec binary stores raw float32s after each word; text is all printable."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return any(ch in text for ch in "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0e\x0f")
