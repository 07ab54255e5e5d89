"""A drop-in for jieba's module API: ``import nlpzero.jieba as jieba``.

The same names, signatures and results as jieba 0.42.1 -- ``cut`` (with and
without the HMM, ``cut_all``), ``lcut``, ``cut_for_search``,
``lcut_for_search``, ``tokenize``, ``add_word``, ``del_word``,
``suggest_freq``, ``load_userdict``, ``set_dictionary``, ``initialize``,
``get_FREQ``, ``setLogLevel``, ``enable_parallel`` / ``disable_parallel`` and
a ``Tokenizer`` class for several dictionaries at once -- computed by
nlpzero's compiled code (``_ext/jiebacut.pyx``): jieba's blocks, its
max-probability route with its tie-breaks, its assembly of each mode and its
finalseg HMM (BMES Viterbi).

* The default dictionary is the ``dict.txt`` of the installed jieba package,
  compiled once -- its words and the built trie -- into a versioned,
  checksummed file in the user's cache directory (:mod:`nlpzero.cache`; the
  format is described above ``DICTIONARY_MAGIC``), rebuilt when the file
  changes, memory-mapped at start-up (no parsing, no trie build, no NumPy);
  jieba's own marshal cache is never read or written.
* The HMM's probability tables are read, as data, from the installed jieba's
  ``finalseg/prob_*.py`` (never its pickles) and cached the same way.
* Edits are live: ``add_word``, ``del_word``, ``suggest_freq(tune=True)`` and
  ``load_userdict`` change small overlay tables (words added, words deleted)
  that the next call uses, so a thousand edits cost no rebuild of the
  dictionary.  ``FREQ`` and ``total`` follow jieba's rules: ``total`` only
  grows, a deleted word keeps a count of 0 and is split by the HMM from then
  on (``Force_Split_Words``, shared by every Tokenizer, as in jieba).
* ``enable_parallel(n)`` runs ``cut`` and ``cut_for_search`` over the lines of
  a text on n threads, as jieba's process pool does over its lines.
"""

from __future__ import annotations

import array
import logging
import math
import mmap
import os
import re
import struct
import sys
import threading
import zlib
from collections.abc import Iterator

from ._ext import jiebacut as _kernel
from ._ext import trie as _trie
from .errors import InputError

__version__ = "0.42.1"          # the jieba this module follows
DEFAULT_DICT = None
DEFAULT_DICT_NAME = "dict.txt"

log = logging.getLogger("nlpzero.jieba")
default_logger = log

re_userdict = re.compile(r"^(.+?)( [0-9]+)?( [a-z]+)?$", re.U)
re_eng = re.compile("[a-zA-Z0-9]", re.U)
re_han_default = re.compile("([\u4E00-\u9FD5a-zA-Z0-9+#&._%\\-]+)", re.U)
re_skip_default = re.compile("(\r\n|\\s)", re.U)

Force_Split_Words: set[str] = set()
_force_lock = threading.Lock()
_force_compiled: list = [None, -1]        # (trie, size it was built for)
MIN_FLOAT = -3.14e100                     # finalseg's log(0)


def setLogLevel(log_level) -> None:
    log.setLevel(log_level)


def strdecode(sentence):
    """jieba's: bytes are UTF-8, else GBK (bad bytes dropped)."""
    if not isinstance(sentence, str):
        try:
            sentence = sentence.decode("utf-8")
        except UnicodeDecodeError:
            sentence = sentence.decode("gbk", "ignore")
    return sentence


def jieba_directory() -> str:
    """The installed jieba package's directory (its dictionary and HMM tables)."""
    import importlib.util
    spec = importlib.util.find_spec("jieba")
    if spec is None or not spec.submodule_search_locations:
        raise InputError("jieba is not installed (pip install jieba): its dictionary and HMM tables are read "
                         "from it")
    return list(spec.submodule_search_locations)[0]


def _compile(words: dict[str, int]):
    """A trie of words -> counts with a total of 1: each word's score is ln(count)."""
    items = sorted((w, c) for w, c in words.items() if c > 0 and w)
    if not items:
        return None
    chars = array.array("I")
    chars.frombytes("".join(w for w, _ in items).encode("utf-32-le", "surrogatepass"))
    if sys.byteorder != "little":
        chars.byteswap()
    offsets = array.array("q", [0])
    for w, _ in items:
        offsets.append(offsets[-1] + len(w))
    counts = array.array("q", [c for _, c in items])
    return _trie.CompiledLexicon(chars, offsets, counts, False, 1)


# ---------------------------------------------------------------- cache files
#
# nlpzero.jieba keeps two kinds of file in the cache directory, both framed as
# nlpzero's other binary files (fileio.frame: magic, version, JSON header, CRC-32),
# their arrays each padded to 8 bytes and in this machine's byte order (the
# header says which; another order is a miss): NLPZJBD\0, a compiled
# dictionary: int64 offsets[words + 1], int64 counts[words], uint32 code
# points[chars], then the built trie (CompiledLexicon.saved_slots); NLPZHMM\0,
# finalseg's tables: float64 start[4], trans[4 * 4], emit[4 * N_HAN].  They are
# named by the source files' path, size and modification time, so an edited
# file is recompiled without hashing its bytes at every start.  A file that
# fails any check is rebuilt; no pickle, nothing in them is run.

DICTIONARY_MAGIC = b"NLPZJBD\0"
HMM_MAGIC = b"NLPZHMM\0"
CACHE_VERSION = 1


def _stamp(paths) -> str:
    """A name for the state of some files: their paths, sizes and mtimes (as
    CRC-32 and Adler-32: hashlib's import would cost every start-up more)."""
    state = "".join(f"{os.path.abspath(path)}\0{info.st_size}\0{info.st_mtime_ns}\0"
                    for path, info in ((path, os.stat(path)) for path in paths)).encode("utf-8", "surrogatepass")
    return f"{zlib.crc32(state):08x}{zlib.adler32(state):08x}"


def _write_cache(path: str, magic: bytes, header: dict, arrays, legacy: str) -> None:
    """Write a cache file atomically, then remove its stale versions (see
    cache.remove_stale; `legacy`: earlier versions' names); a cache that
    cannot be written is skipped."""
    from .cache import remove_stale
    from .fileio import atomic_output, frame

    chunks = []
    for data in arrays:
        data = memoryview(data).cast("B")
        chunks += [data, b"\0" * (-len(data) % 8)]
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with atomic_output(path, "wb") as out:
            out.write(frame(magic, CACHE_VERSION, dict(header, byteorder=sys.byteorder), chunks))
        remove_stale(path, legacy)
    except OSError as exc:
        log.debug("cannot write the cache file %s: %s", path, exc)


def _read_cache(path: str, magic: bytes):
    """(header, the arrays' bytes as one memoryview) of a cache file, or None
    when it is absent, of another version or byte order, or damaged."""
    from .errors import FormatError
    from .fileio import unframe

    try:
        with open(path, "rb") as f:
            # mapped, not read: the trie is used where it lies, and pages are shared between processes
            data = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError):
        return None
    try:
        _, header, body = unframe(data, magic, (CACHE_VERSION,), path)
    except FormatError as exc:
        log.warning("rebuilding the cache file %s", exc)
        return None
    if header.get("byteorder") != sys.byteorder:
        return None
    return header, body


def _arrays(body: memoryview, layout):
    """Cut `body` into typed memoryviews: layout is [(typecode, count), ...]
    ('q' int64, 'I' uint32, 'd' float64, 'B' bytes), each padded to 8 bytes."""
    out, position = [], 0
    for code, count in layout:
        size = count * struct.calcsize(code)
        if count < 0 or position + size > len(body):
            raise ValueError("cache file shorter than its header says")
        out.append(body[position:position + size].cast(code))
        position += size + (-size % 8)
    if position != len(body):
        raise ValueError("cache file longer than its header says")
    return out


def _force_split_trie():
    with _force_lock:
        if _force_compiled[1] != len(Force_Split_Words):
            _force_compiled[0] = _compile({w: 1 for w in Force_Split_Words})
            _force_compiled[1] = len(Force_Split_Words)
        return _force_compiled[0]


def add_force_split(word: str) -> None:
    Force_Split_Words.add(word)


# ---------------------------------------------------------------- the HMM

_hmm_cache: list = []


def _hmm() -> "_kernel.HMM":
    """finalseg's tables from the installed jieba, parsed once (as data) and cached."""
    if _hmm_cache:
        return _hmm_cache[0]
    from .cache import cache_dir, family

    directory = os.path.join(jieba_directory(), "finalseg")
    sources = [os.path.join(directory, f"prob_{name}.py") for name in ("start", "trans", "emit")]
    cached = os.path.join(cache_dir(), f"{family('jieba-hmm-', directory)}-{_stamp(sources)}.bin")
    n_han = _kernel.HAN_RANGE[1] - _kernel.HAN_RANGE[0] + 1
    tables = None
    found = _read_cache(cached, HMM_MAGIC)
    if found is not None:
        try:
            start, trans, emit = _arrays(found[1], [("d", 4), ("d", 16), ("d", 4 * n_han)])
            tables = start, trans.cast("B").cast("d", (4, 4)), emit.cast("B").cast("d", (4, n_han))
        except (ValueError, TypeError):
            tables = None
    if tables is None:
        tables = _hmm_tables(sources, n_han)
        _write_cache(cached, HMM_MAGIC, {"format": "nlpzero-jieba-hmm", "han": n_han}, tables,
                     r"jieba-hmm-[0-9a-f]{16,24}\.(bin|npz)")
    _hmm_cache.append(_kernel.HMM(*tables))
    return _hmm_cache[0]


def _hmm_tables(sources, n_han: int):
    """start (4,), trans (4, 4) and emit (4, n_han) from finalseg's modules, as float64 memoryviews."""
    start, trans, emit = (_read_table(path) for path in sources)
    states = _kernel.STATES
    first = _kernel.HAN_RANGE[0]
    emit_array = array.array("d", [MIN_FLOAT]) * (4 * n_han)
    for i, state in enumerate(states):
        for ch, p in emit.get(state, {}).items():
            if len(ch) == 1 and 0 <= ord(ch) - first < n_han:
                emit_array[i * n_han + ord(ch) - first] = p
    start_array = array.array("d", [start.get(s, MIN_FLOAT) for s in states])
    trans_array = array.array("d", [trans.get(a, {}).get(b, MIN_FLOAT) for a in states for b in states])
    return (memoryview(start_array), memoryview(trans_array).cast("B").cast("d", (4, 4)),
            memoryview(emit_array).cast("B").cast("d", (4, n_han)))


def _read_table(path: str) -> dict:
    """A finalseg table: the dict literal after "P=" in jieba's module, read as data."""
    import ast
    with open(path, encoding="utf-8") as f:
        source = f.read()
    return ast.literal_eval(source[source.index("P=") + 2:].strip())


# ---------------------------------------------------------------- dictionaries

class _Dictionary:
    """A jieba dictionary file compiled: the trie (scores ln(count)), jieba's
    total (duplicate lines counted twice) and the words' counts on demand."""

    def __init__(self, path: str):
        from .cache import cache_dir, family

        cached = os.path.join(cache_dir(), f"{family('jieba-', path)}-{_stamp([path])}.bin")
        found = _read_cache(cached, DICTIONARY_MAGIC)
        self.trie = None
        if found is not None:
            header, body = found
            try:
                words, chars = int(header["words"]), int(header["chars"])
                self.offsets, self.counts, self.chars, slots = _arrays(
                    body, [("q", words + 1), ("q", words), ("I", chars), ("B", int(header["slot_bytes"]))])
                self.total = int(header["total"])
                self.trie = _trie.CompiledLexicon(self.chars, self.offsets, self.counts, False, 1, slots,
                                                  int(header["nodes"]))
            except (ValueError, KeyError, TypeError):
                log.warning("rebuilding the damaged cache file %s", cached)
                self.trie = None
        if self.trie is None:
            with open(path, "rb") as f:
                data = f.read()
            self.chars, self.offsets, self.counts, self.total = _parse_dictionary(data, path)
            self.trie = _trie.CompiledLexicon(self.chars, self.offsets, self.counts, False, 1)
            slots = self.trie.saved_slots()
            _write_cache(cached, DICTIONARY_MAGIC, {
                "format": "nlpzero-jieba-dictionary", "source": os.path.abspath(path),
                "words": len(self.counts), "chars": len(self.chars), "total": self.total,
                "nodes": self.trie.n_nodes, "slot_bytes": len(slots)},
                [self.offsets, self.counts, self.chars, slots],
                rf"jieba-{re.escape(os.path.basename(path))}-[0-9a-f]{{16,24}}\.(bin|npz)")
        self.words = _kernel.Words(self.trie.n_nodes)

    def count(self, word: str):
        """jieba's FREQ.get(word): the count, 0 for a prefix of a word, None if absent."""
        logc = self.trie.lookup(word)
        if logc is NotImplemented:
            return None
        if logc is None:
            return 0
        return int(round(math.exp(logc)))

    def items(self) -> Iterator[tuple[str, int]]:
        text = bytes(memoryview(self.chars).cast("B")).decode(
            "utf-32-le" if sys.byteorder == "little" else "utf-32-be", "surrogatepass")
        bounds = self.offsets.tolist()
        for i, c in enumerate(self.counts.tolist()):
            yield text[bounds[i]:bounds[i + 1]], c


def _parse_dictionary(data: bytes, path: str):
    """jieba's gen_pfdict rules: 'word freq [tag]' lines, a later duplicate's
    count wins, every line adds to the total; a bad line is an error."""
    import numpy as np
    from ._ext import lexfile as _lexfile

    try:
        chars, offsets, counts, total = _lexfile.parse(np.frombuffer(data, dtype=np.uint8), _lexfile.JIEBA, 1,
                                                       1, False)
    except _lexfile.LineError as exc:
        number, reason = exc.args
        line = data.split(b"\n")[number - 1].decode("utf-8", "replace").strip()
        raise ValueError(f"invalid dictionary entry in {path} at Line {number}: {line} ({reason})") from None
    chars, offsets, counts = _lexfile.sort_words(chars, offsets, counts, _lexfile.LAST)
    return chars, offsets, counts, total


_dictionaries: dict[str, _Dictionary] = {}
_dictionaries_lock = threading.Lock()


def _dictionary(path: str) -> _Dictionary:
    """One compiled copy of each dictionary file per process (its edits are per Tokenizer)."""
    with _dictionaries_lock:
        key = os.path.abspath(path)
        stamp = (key, os.path.getmtime(key), os.path.getsize(key))
        found = _dictionaries.get(stamp)
        if found is None:
            found = _dictionaries[stamp] = _Dictionary(key)
        return found


class _Freq:
    """jieba's FREQ mapping (word -> count, 0 for prefixes) over the compiled
    dictionary and this tokenizer's edits; ``dict(FREQ)`` lists every entry."""

    def __init__(self, tokenizer: "Tokenizer"):
        self._tokenizer = tokenizer

    def get(self, word, default=None):
        found = self._tokenizer._count(word)
        return default if found is None else found

    def __getitem__(self, word):
        found = self._tokenizer._count(word)
        if found is None:
            raise KeyError(word)
        return found

    def __contains__(self, word) -> bool:
        return self._tokenizer._count(word) is not None

    def __setitem__(self, word, freq) -> None:
        self._tokenizer._set(word, int(freq))

    def items(self):
        entries = {}
        base = self._tokenizer._base
        if base is not None:
            for word, count in base.items():
                entries[word] = count
                for k in range(1, len(word)):
                    entries.setdefault(word[:k], 0)
        entries.update(self._tokenizer._edits)
        return entries.items()

    def keys(self):
        return [w for w, _ in self.items()]

    def __iter__(self):
        return iter(self.keys())

    def __len__(self) -> int:
        return len(self.items())


class Tokenizer:
    """jieba's Tokenizer: a dictionary (jieba's bundled one by default) and the
    edits made to it."""

    def __init__(self, dictionary=DEFAULT_DICT):
        self.lock = threading.RLock()
        self.dictionary = dictionary if dictionary is None else os.path.abspath(dictionary)
        self.FREQ = _Freq(self)
        self.total = 0
        self.user_word_tag_tab: dict[str, str] = {}
        self.initialized = False
        self.tmp_dir = None
        self.cache_file = None
        self._base: _Dictionary | None = None
        self._edits: dict[str, int] = {}      # word -> count (0: deleted, or a new prefix)
        self._compiled_edits = None           # (added trie, deleted trie, edits version)
        self._version = 0
        self._segmenter = None                # the compiled Segmenter of the state below
        self._segmenter_version = self._segmenter_total = self._segmenter_force = -1

    def __repr__(self) -> str:
        return f"<Tokenizer dictionary={self.dictionary!r}>"

    # ------------------------------------------------------------ set-up
    def get_dict_file(self):
        return open(self._dict_path(), "rb")

    def _dict_path(self) -> str:
        return self.dictionary or os.path.join(jieba_directory(), DEFAULT_DICT_NAME)

    def initialize(self, dictionary=None) -> None:
        if dictionary:
            path = os.path.abspath(dictionary)
            if self.dictionary == path and self.initialized:
                return
            self.dictionary = path
            self.initialized = False
        with self.lock:
            if self.initialized:
                return
            log.debug("Building prefix dict from %s ...", self._dict_path())
            self._base = _dictionary(self._dict_path())
            self.total = self._base.total
            self._edits = {}
            self._compiled_edits = None
            self._version += 1
            self.initialized = True

    def check_initialized(self) -> None:
        if not self.initialized:
            self.initialize()

    def set_dictionary(self, dictionary_path) -> None:
        with self.lock:
            path = os.path.abspath(dictionary_path)
            if not os.path.isfile(path):
                raise Exception("jieba: file does not exist: " + path)
            self.dictionary = path
            self.initialized = False

    # ------------------------------------------------------------ FREQ
    def _count(self, word):
        if word in self._edits:
            return self._edits[word]
        if self._base is None:
            return None
        return self._base.count(word)

    def _set(self, word: str, freq: int) -> None:
        self._edits[word] = freq
        for k in range(1, len(word)):
            if self._count(word[:k]) is None:
                self._edits[word[:k]] = 0
        self._version += 1

    def _tries(self):
        """The kernel's view of the edits: (added, deleted), rebuilt when they changed."""
        compiled = self._compiled_edits
        if compiled is None or compiled[2] != self._version:
            added = {w: c for w, c in self._edits.items() if c > 0}
            deleted = {w: 1 for w, c in self._edits.items() if c <= 0 and (self._base.count(w) or 0) > 0}
            compiled = self._compiled_edits = (_compile(added), _compile(deleted), self._version)
        return compiled[0], compiled[1]

    # ------------------------------------------------------------ cutting
    def _words(self, sentence: str, mode: int, offsets: bool = False) -> list:
        if not sentence:
            return []
        segmenter = self._segmenter
        # rebuilt after any edit (version, total) or a change to the force-split words
        if (segmenter is None or self._segmenter_version != self._version or self._segmenter_total != self.total
                or self._segmenter_force != len(Force_Split_Words)):
            if not self.initialized:
                self.initialize()
            segmenter = self._segmenter = self._new_segmenter()
            self._segmenter_version, self._segmenter_total = self._version, self.total
            self._segmenter_force = len(Force_Split_Words)
        return segmenter.cut(sentence, mode, offsets)

    def _new_segmenter(self):
        """The compiled segmenter of the dictionary as edited now."""
        self.check_initialized()
        added, deleted = self._tries()
        return _kernel.Segmenter(self._base.trie, self._base.words, math.log(self.total), _hmm(), added, deleted,
                                 _force_split_trie())

    def cut(self, sentence, cut_all=False, HMM=True, use_paddle=False) -> Iterator[str]:
        """The words of `sentence` (a generator, as jieba's)."""
        sentence = strdecode(sentence)
        mode = _kernel.CUT_ALL if cut_all else (_kernel.CUT if HMM else _kernel.CUT_NO_HMM)
        yield from self._words(sentence, mode)

    def lcut(self, sentence, cut_all=False, HMM=True, use_paddle=False) -> list[str]:
        if sentence.__class__ is not str:
            sentence = strdecode(sentence)
        return self._words(sentence, _kernel.CUT_ALL if cut_all else (_kernel.CUT if HMM else _kernel.CUT_NO_HMM))

    def cut_for_search(self, sentence, HMM=True) -> Iterator[str]:
        """cut, with the 2- and 3-character words inside longer words before each."""
        sentence = strdecode(sentence)
        yield from self._words(sentence, _kernel.SEARCH if HMM else _kernel.SEARCH_NO_HMM)

    def lcut_for_search(self, sentence, HMM=True) -> list[str]:
        return self._words(strdecode(sentence), _kernel.SEARCH if HMM else _kernel.SEARCH_NO_HMM)

    _lcut = lcut
    _lcut_for_search = lcut_for_search

    def _lcut_no_hmm(self, sentence):
        return self.lcut(sentence, False, False)

    def _lcut_all(self, sentence):
        return self.lcut(sentence, True)

    def _lcut_for_search_no_hmm(self, sentence):
        return self.lcut_for_search(sentence, False)

    def tokenize(self, unicode_sentence, mode="default", HMM=True) -> Iterator[tuple[str, int, int]]:
        """(word, start, end) for each word ("search" mode: with the inner words too).
        An iterator over a list made at once, not a generator: yielding each
        tuple through a generator frame cost more than making it."""
        if not isinstance(unicode_sentence, str):
            raise ValueError("jieba: the input parameter should be unicode.")
        if mode == "default":
            return iter(self._words(unicode_sentence, _kernel.CUT if HMM else _kernel.CUT_NO_HMM, True))
        return iter(self._words(unicode_sentence, _kernel.SEARCH if HMM else _kernel.SEARCH_NO_HMM, True))

    def get_DAG(self, sentence) -> dict[int, list[int]]:
        """jieba's DAG: for each position, the (inclusive) ends of the words starting there."""
        self.check_initialized()
        dag = {}
        n = len(sentence)
        for k in range(n):
            ends = [i for i in range(k, n) if self.FREQ.get(sentence[k:i + 1])]
            dag[k] = ends or [k]
        return dag

    def calc(self, sentence, DAG, route) -> None:
        """jieba's route computation (plain Python, for callers of jieba's internals)."""
        n = len(sentence)
        route[n] = (0, 0)
        logtotal = math.log(self.total)
        for idx in range(n - 1, -1, -1):
            route[idx] = max((math.log(self.FREQ.get(sentence[idx:x + 1]) or 1) - logtotal + route[x + 1][0], x)
                             for x in DAG[idx])

    def _cut_uncompiled(self, sentence: str) -> Iterator[str]:
        """cut(sentence, HMM=False) by jieba's Python rules over FREQ, without
        compiling the edits: suggest_freq cuts one word after each edit, and
        recompiling the overlay for every such call made a user dictionary of
        suggested words quadratic."""
        for block in re_han_default.split(sentence):
            if not block:
                continue
            if re_han_default.match(block):
                dag = self.get_DAG(block)
                route: dict = {}
                self.calc(block, dag, route)
                x, buf = 0, ""
                while x < len(block):
                    y = route[x][1] + 1
                    piece = block[x:y]
                    if len(piece) == 1 and re_eng.match(piece):
                        buf += piece
                    else:
                        if buf:
                            yield buf
                            buf = ""
                        yield piece
                    x = y
                if buf:
                    yield buf
            else:
                for part in re_skip_default.split(block):
                    if re_skip_default.match(part):
                        yield part
                    else:
                        yield from part

    # ------------------------------------------------------------ editing
    def add_word(self, word, freq=None, tag=None) -> None:
        """Add `word` (freq default: suggest_freq(word)); 0 deletes it."""
        self.check_initialized()
        word = strdecode(word)
        freq = int(freq) if freq is not None else self.suggest_freq(word, False)
        with self.lock:
            self._set(word, freq)
            self.total += freq
        if tag:
            self.user_word_tag_tab[word] = tag
        if freq == 0:
            add_force_split(word)

    def del_word(self, word) -> None:
        self.add_word(word, 0)

    def suggest_freq(self, segment, tune=False) -> int:
        """The count that keeps `segment` whole (a str) or splits it as given (a tuple)."""
        self.check_initialized()
        ftotal = float(self.total)
        freq = 1
        if isinstance(segment, str):
            word = segment
            for seg in self._cut_uncompiled(word):
                freq *= self.FREQ.get(seg, 1) / ftotal
            freq = max(int(freq * self.total) + 1, self.FREQ.get(word, 1))
        else:
            segment = tuple(map(strdecode, segment))
            word = "".join(segment)
            for seg in segment:
                freq *= self.FREQ.get(seg, 1) / ftotal
            freq = min(int(freq * self.total), self.FREQ.get(word, 0))
        if tune:
            self.add_word(word, freq)
        return freq

    def load_userdict(self, f) -> None:
        """Add the words of a user dictionary: 'word [freq] [tag]' lines (UTF-8), a path or a file."""
        self.check_initialized()
        if isinstance(f, str):
            with open(f, "rb") as stream:
                self._load_lines(stream, f)
        else:
            self._load_lines(f, getattr(f, "name", repr(f)))

    def _load_lines(self, lines, name: str) -> None:
        for line in lines:
            line = line.strip()
            if not isinstance(line, str):
                try:
                    line = line.decode("utf-8").lstrip("\ufeff")
                except UnicodeDecodeError:
                    raise ValueError(f"dictionary file {name} must be utf-8") from None
            if not line:
                continue
            word, freq, tag = re_userdict.match(line).groups()
            if freq is not None:
                freq = freq.strip()
            if tag is not None:
                tag = tag.strip()
            self.add_word(word, freq, tag)


# ---------------------------------------------------------------- the module API

dt = Tokenizer()
get_FREQ = lambda k, d=None: dt.FREQ.get(k, d)  # noqa: E731 - jieba's own definition
add_word = dt.add_word
calc = dt.calc
cut = dt.cut
lcut = dt.lcut
cut_for_search = dt.cut_for_search
lcut_for_search = dt.lcut_for_search
del_word = dt.del_word
get_DAG = dt.get_DAG
get_dict_file = dt.get_dict_file
initialize = dt.initialize
load_userdict = dt.load_userdict
set_dictionary = dt.set_dictionary
suggest_freq = dt.suggest_freq
tokenize = dt.tokenize
user_word_tag_tab = dt.user_word_tag_tab
pool = None
_jobs = 1


def _lcut_all(s):
    return dt._lcut_all(s)


def _lcut(s):
    return dt._lcut(s)


def _lcut_no_hmm(s):
    return dt._lcut_no_hmm(s)


def _lcut_for_search(s):
    return dt._lcut_for_search(s)


def _lcut_for_search_no_hmm(s):
    return dt._lcut_for_search_no_hmm(s)


def _pcut(sentence, cut_all=False, HMM=True):
    """cut over the lines of `sentence` on the parallel jobs, as jieba's pool does."""
    from .parallel import parallel_map
    lines = strdecode(sentence).splitlines(True)
    fn = _lcut_all if cut_all else (_lcut if HMM else _lcut_no_hmm)
    for words in parallel_map(fn, lines, _jobs):
        yield from words


def _pcut_for_search(sentence, HMM=True):
    from .parallel import parallel_map
    lines = strdecode(sentence).splitlines(True)
    fn = _lcut_for_search if HMM else _lcut_for_search_no_hmm
    for words in parallel_map(fn, lines, _jobs):
        yield from words


def enable_parallel(processnum=None) -> None:
    """Cut the lines of a text on `processnum` threads (default: all cores)."""
    global cut, cut_for_search, _jobs
    dt.check_initialized()
    _jobs = processnum or os.cpu_count() or 1
    cut = _pcut
    cut_for_search = _pcut_for_search


def disable_parallel() -> None:
    global cut, cut_for_search, _jobs
    _jobs = 1
    cut = dt.cut
    cut_for_search = dt.cut_for_search
