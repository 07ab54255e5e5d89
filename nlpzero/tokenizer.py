"""The unigram (maximum-probability) tokenizer.

``Tokenizer(lexicon)`` compiles a :class:`~nlpzero.lexicon.Lexicon` and splits
text along the path that maximises the sum of ln p(word) over the word DAG --
jieba's ``cut(..., HMM=False)`` criterion, computed by the compiled kernel in
``nlpzero/_ext/unigram.pyx``.  Tokenization is lossless: the tokens always join
back to the input.

Text that no lexicon word covers is grouped by character class:

* a run of letters and digits (any alphabetic script, half- or full-width,
  with a decimal point between digits: "iPhone12", "3.14", "１９９８") is one
  token unless the lexicon has a better path through it;
* a run of whitespace, up to and including a line feed, is one token (so no
  token crosses into a line); a run of one repeated punctuation mark or
  symbol ("——", "……", "！！") is one token; other marks are tokens of their own;
* any other character (an ideograph, kana, an emoji) is a token by itself;
* combining marks, variation selectors and zero-width-joiner sequences stay
  attached to the character before them (a joiner attaches no whitespace).

Model files (``Tokenizer.save``) are self-contained and versioned:

    magic ``NLPZTOK\\0`` | uint32 version | uint32 header length | JSON header
    | int64 offsets[words + 1] | int64 counts[words] | uint32 code points[chars]
    | class table (version 2: zlib-compressed uint8[0x20000], header "classes" bytes)
    | uint32 CRC-32 of everything before it

all little-endian, arrays 8-byte aligned.  The character-class table travels
with the model, so a model splits text the same way under any Python (and its
Unicode database), and loading it skips computing the table.  Version 1 files
(no table) are still read.  No pickle: loading a model someone sent you cannot
run code.
"""

from __future__ import annotations

import unicodedata
import zlib
from typing import Iterable, Iterator

import numpy as np

from ._ext import trie as _trie
from ._ext import unigram as _kernel
from .errors import FormatError, InputError
from .fileio import atomic_output, frame, open_input, unframe
from .lexicon import Lexicon
from .parallel import parallel_map
from .text import TABLE_SIZE as _TABLE_SIZE, character_classes

MAX_TOTAL = (1 << 63) - 1     # counts are int64
MODEL_MAGIC = b"NLPZTOK\0"
MODEL_VERSION = 2

def _code_points(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


class Tokenizer:
    """Maximum-probability segmentation with a compiled lexicon.

    >>> tok = Tokenizer(Lexicon({"中国": 10, "人民": 8, "中": 2, "国人": 1}))
    >>> tok.tokenize("中国人民iPhone12！！")
    ['中国', '人民', 'iPhone12', '！！']

    Parameters
    ----------
    lexicon
        A :class:`~nlpzero.Lexicon` or a word -> count dict; p(w) = count / total.
    split_runs
        Let lexicon words cut runs of letters/digits, as jieba does; by
        default a run ("iPhone12", "3.14") is never cut.
    """

    def __init__(self, lexicon: Lexicon | dict, split_runs: bool = False):
        if isinstance(lexicon, dict):
            lexicon = Lexicon(lexicon)
        self._split_runs = split_runs
        self._classes = character_classes()
        self._compile(lexicon)

    def _compile(self, lexicon: Lexicon) -> None:
        if lexicon.total > MAX_TOTAL:
            raise InputError(f"the lexicon's counts add up to {lexicon.total}, more than a tokenizer "
                             f"can hold ({MAX_TOTAL})")
        chars, offsets, counts = lexicon.sorted_arrays()
        self._init(chars, offsets, counts, self._classes, self._split_runs)
        self._lexicon = lexicon
        self._version = lexicon.version

    def _current(self):
        """The compiled lexicon, recompiled first if the Lexicon was edited since."""
        lexicon = self._lexicon
        if lexicon is not None and lexicon.version != self._version:
            self._compile(lexicon)
        return self._compiled

    def _init(self, chars: np.ndarray, offsets: np.ndarray, counts: np.ndarray,
              classes: np.ndarray | None = None, split_runs: bool = False) -> None:
        if not _trie.is_sorted(chars, offsets):
            chars, offsets, counts = _sorted_arrays(chars, offsets, counts)
        self._arrays = (chars, offsets, counts)
        self._split_runs = split_runs
        self._compiled = _trie.CompiledLexicon(chars, offsets, counts, not split_runs)
        self._classes = character_classes() if classes is None else classes
        self._lexicon = None
        self._version = None

    @classmethod
    def _from_lexicon_file(cls, path: str, split_runs: bool) -> "Tokenizer":
        arrays = _lexicon_arrays(path)
        if arrays is None:
            return cls(Lexicon.load(path), split_runs)
        return cls._from_arrays(*arrays, None, split_runs)

    @classmethod
    def _from_arrays(cls, chars, offsets, counts, classes=None, split_runs: bool = False) -> "Tokenizer":
        self = cls.__new__(cls)
        self._init(np.ascontiguousarray(chars, dtype=np.uint32), np.ascontiguousarray(offsets, dtype=np.int64),
                   np.ascontiguousarray(counts, dtype=np.int64), classes, split_runs)
        return self

    @property
    def compiled(self):
        """The compiled lexicon, for other kernels (discovery's counting passes)."""
        return self._current()

    def with_split_runs(self, split_runs: bool) -> "Tokenizer":
        """The same lexicon with `split_runs` set (see the constructor)."""
        if split_runs == self.split_runs:
            return self
        self._current()
        return Tokenizer._from_arrays(*self._arrays, self._classes, split_runs)

    @property
    def split_runs(self) -> bool:
        """Whether lexicon words may cut a run of letters/digits (jieba does; by default they may not)."""
        return self._split_runs

    def __reduce__(self):  # for multiprocessing; model *files* never use pickle
        self._current()
        return (Tokenizer._from_arrays, self._arrays + (self._classes, self.split_runs))

    @property
    def lexicon(self) -> Lexicon:
        """The lexicon of this tokenizer, live: edits to it (add, remove,
        suggest(tune=True)) take effect on the next call."""
        if self._lexicon is None:
            lexicon = Lexicon()
            lexicon._table, lexicon._sorted = None, self._arrays
            lexicon.total = int(self._arrays[2].sum())
            self._lexicon = lexicon
            self._version = lexicon.version
        return self._lexicon

    def __len__(self) -> int:
        return self._current().n_words

    def __repr__(self) -> str:
        return f"<Tokenizer {len(self)} words>"

    # ------------------------------------------------------------- segmenting
    def tokenize(self, text: str) -> list[str]:
        """The tokens of `text`; ``''.join(tokens) == text``."""
        if not isinstance(text, str):
            raise TypeError(f"tokenize() takes a str, not {type(text).__name__}")
        return _kernel.tokens(self._current(), text, self._classes)

    def spans(self, text: str) -> list[tuple[int, int]]:
        """(start, end) character offsets of the tokens."""
        ends = _kernel.cuts(self._current(), text, self._classes).tolist()
        return list(zip([0] + ends[:-1], ends))

    def cut(self, text: str) -> Iterator[str]:
        """jieba-style generator of tokens."""
        return iter(self.tokenize(text))

    def lcut(self, text: str) -> list[str]:
        """jieba-style list of tokens."""
        return self.tokenize(text)

    def tokenize_many(self, texts: Iterable[str], jobs: int = 1, batch: int = 256) -> Iterator[list[str]]:
        """Token lists for many texts, in order, streamed; `jobs` threads segment
        in parallel (the kernel runs without the GIL)."""
        if jobs <= 1:
            for text in texts:
                yield self.tokenize(text)
            return
        for tokens in parallel_map(lambda group: [self.tokenize(t) for t in group], _batches(texts, batch), jobs):
            yield from tokens

    def render(self, text: str | bytes, separator: str = " ", at_line_start: bool = True) -> tuple[bytes, bool]:
        """`text` (str or UTF-8 bytes) segmented and written as UTF-8 with tokens
        joined by `separator`, whitespace dropped and line feeds kept (the CLI's
        output); also returns whether the text ended a line."""
        data, at_line_start, _ = _kernel.render(self._current(), text, self._classes, separator, at_line_start)
        return data, at_line_start

    def tokenize_corpus(self, corpus, out, separator: str = " ", jobs: int = 1, progress=None,
                        interactive: bool = False, scheduler: str | None = None, client=None,
                        work_dir: str | None = None) -> None:
        """Tokenize a corpus to the binary stream `out`: one line per input line,
        tokens joined by `separator`, whitespace dropped (``nlpzero tokenize``).

        Parameters
        ----------
        corpus
            Paths, directories, globs, ``-`` or a :class:`~nlpzero.Corpus`.
        out
            A binary stream.
        separator
            Written between tokens; it may not contain a line break.
        jobs
            Threads (the output order is the input's whatever their number).
        progress
            A :class:`nlpzero.progress.Progress`.
        interactive
            Write and flush each line as it arrives (for a terminal or a pipe
            that waits for answers), on one thread.
        scheduler, client, work_dir
            Tokenize on a Dask cluster (UTF-8 files; see :mod:`nlpzero.cluster`);
            the output is byte for byte the local engine's.
        """
        from .corpus import as_corpus
        from .progress import as_progress
        import codecs

        if "\n" in separator or "\r" in separator:
            raise InputError("the separator cannot contain a line break")
        from .cluster import scheduler_from

        corpus = as_corpus(corpus)
        scheduler = scheduler_from(scheduler)
        if scheduler or client is not None:
            from .cluster import Engine, tokenize as cluster_tokenize
            if codecs.lookup(corpus.encoding).name != "utf-8":
                raise InputError("the cluster engine tokenizes UTF-8 text")
            with Engine(scheduler, client, work_dir, progress) as engine:
                cluster_tokenize(corpus.paths, engine, self, out, separator)
            return
        if interactive:
            jobs = 1
        with as_progress(progress).task("tokenizing", total=corpus.total_bytes, unit="B") as advance:
            corpus = corpus.with_options(progress=advance)
            if codecs.lookup(corpus.encoding).name != "utf-8":
                self.write_stream(corpus.text_blocks(), out, separator, jobs, flush=interactive)
                return
            # UTF-8: the threads decode raw bytes themselves, so reading is all the main thread does
            for path, blocks in corpus.files_of(corpus.file_line_bytes):
                corpus.report_invalid(path, self.write_stream(blocks, out, separator, jobs, flush=interactive))

    def write_stream(self, pieces: Iterable[str | bytes], out, separator: str = " ", jobs: int = 1,
                     flush: bool = False) -> int:
        """Segment a stream of text pieces -- str, or UTF-8 bytes that are decoded
        by the threads -- and write the rendered bytes to the binary stream
        `out` (flushed after every piece with `flush`).  A piece continues the
        previous one's line unless that ended with a line feed (as
        Corpus.text_blocks and Corpus.file_line_bytes cut them).  Returns the number of invalid
        UTF-8 bytes replaced."""
        compiled = self._current()

        def render(piece_and_start):
            piece, starts_line = piece_and_start
            return _kernel.render(compiled, piece, self._classes, separator, starts_line)

        def with_line_starts(pieces):
            # the readers cut pieces after a line feed, or inside an overlong line
            starts_line = True
            for piece in pieces:
                yield piece, starts_line
                starts_line = piece.endswith(b"\n" if isinstance(piece, bytes) else "\n")

        invalid = 0
        for data, _, bad in parallel_map(render, with_line_starts(pieces), jobs):
            invalid += bad
            out.write(data)
            if flush:
                out.flush()
        out.flush()
        return invalid

    # ------------------------------------------------------------- files
    def save(self, path: str) -> None:
        """Write a self-contained model file (atomically)."""
        self._current()
        chars, offsets, counts = self._arrays
        classes = zlib.compress(self._classes.tobytes(), 6)
        header = {"format": "nlpzero-tokenizer", "words": int(counts.shape[0]), "chars": int(chars.shape[0]),
                  "total": int(counts.sum()), "classes": len(classes), "unicode": unicodedata.unidata_version}
        data = frame(MODEL_MAGIC, MODEL_VERSION, header, [offsets.astype("<i8").tobytes(),
                                                          counts.astype("<i8").tobytes(),
                                                          chars.astype("<u4").tobytes(), classes])
        with atomic_output(path, "wb") as out:
            out.write(data)

    @classmethod
    def load(cls, path: str, split_runs: bool = False) -> "Tokenizer":
        """Load a model file written by :meth:`save`, or compile a lexicon file
        (nlpzero TSV, jieba dictionary or word list) on the fly; `split_runs`
        as for the constructor."""
        if not is_model_file(path):
            return cls._from_lexicon_file(path, split_runs)
        name = path
        with open_input(path) as stream:
            data = stream.read()
        version, header, body = unframe(data, MODEL_MAGIC, (1, MODEL_VERSION), f"{name}: tokenizer model")
        try:
            n_words, n_chars = int(header["words"]), int(header["chars"])
            n_class_bytes = int(header["classes"]) if version >= 2 else 0
        except (ValueError, KeyError, TypeError):
            raise FormatError(f"{name}: corrupted tokenizer model header") from None
        classes_at = 8 * (2 * n_words + 1) + 4 * n_chars
        if classes_at + n_class_bytes != len(body):
            raise FormatError(f"{name}: tokenizer model size does not match its header")
        classes = None
        if version >= 2:
            try:
                table = zlib.decompress(body[classes_at:classes_at + n_class_bytes])
            except zlib.error:
                table = b""
            if len(table) != _TABLE_SIZE:
                raise FormatError(f"{name}: corrupted tokenizer model (character-class table)")
            classes = np.frombuffer(table, dtype=np.uint8)
        offsets = np.frombuffer(body, "<i8", n_words + 1, 0)
        counts = np.frombuffer(body, "<i8", n_words, 8 * (n_words + 1))
        chars = np.frombuffer(body, "<u4", n_chars, 8 * (2 * n_words + 1))
        if offsets[0] != 0 or offsets[-1] != n_chars or np.any(np.diff(offsets) < 0) or np.any(counts < 0):
            raise FormatError(f"{name}: corrupted tokenizer model (inconsistent arrays)")
        return cls._from_arrays(chars, offsets, counts, classes, split_runs)


def _lexicon_arrays(path: str):
    """The sorted arrays of a lexicon file parsed by compiled code, without a
    Python string per word; None when it needs the Python parser."""
    from ._ext import lexfile
    from .lexicon import lexicon_head, read_entries, read_text, require_words

    name, data, text = read_text(path)
    if text.lstrip().startswith("{"):
        return None
    head = lexicon_head(name, text)
    entries = read_entries(data, name, None, 1)
    if entries is None:
        return None
    codes, offsets, counts, total, header = entries
    require_words(name, head, len(offsets) - 1)
    if total > MAX_TOTAL:
        raise InputError(f"the lexicon's counts add up to {total}, more than a tokenizer can hold ({MAX_TOTAL})")
    if "words" in header and header["words"].isdigit():
        return None              # the Python parser checks the header's word count
    return lexfile.sort_words(codes, offsets, counts, lexfile.SUM)


def _sorted_arrays(chars: np.ndarray, offsets: np.ndarray, counts: np.ndarray):
    """The words of (chars, offsets, counts) sorted by code point, equal words'
    counts summed and empty words dropped (for model files from other writers)."""
    text = chars.tobytes().decode("utf-32-le", "surrogatepass")
    bounds = offsets.tolist()
    merged: dict[str, int] = {}
    for i, count in enumerate(counts.tolist()):
        word = text[bounds[i]:bounds[i + 1]]
        if word:
            merged[word] = merged.get(word, 0) + count
    words = sorted(merged)
    new_counts = np.fromiter((merged[w] for w in words), dtype=np.int64, count=len(words))
    new_offsets = np.zeros(len(words) + 1, dtype=np.int64)
    np.cumsum([len(w) for w in words], out=new_offsets[1:])
    return _code_points("".join(words)), new_offsets, new_counts


def is_model_file(path: str) -> bool:
    if path == "-":
        return False
    try:
        with open(path, "rb") as f:
            return f.read(len(MODEL_MAGIC)) == MODEL_MAGIC
    except OSError as exc:
        raise InputError(f"{path}: {exc.strerror}") from None


def _batches(items: Iterable, size: int) -> Iterator[list]:
    group = []
    for item in items:
        group.append(item)
        if len(group) == size:
            yield group
            group = []
    if group:
        yield group
