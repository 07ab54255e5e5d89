"""nlpzero.jieba against the installed jieba itself (the reference): the same
words in every mode, on random mixed-script text and on real text, before and
after the same edits."""

import importlib
import io
import logging
import os

import pytest
from hypothesis import given, settings, strategies as st

jieba = pytest.importorskip("jieba")
jieba.setLogLevel(logging.WARNING)


@pytest.fixture(scope="module", autouse=True)
def cache(tmp_path_factory):
    os.environ["NLPZERO_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))
    jieba.dt.tmp_dir = str(tmp_path_factory.mktemp("jieba"))
    yield


def fresh():
    """A fresh nlpzero.jieba module and a fresh jieba tokenizer (edits do not leak between tests)."""
    import nlpzero.jieba as nj
    nj.Force_Split_Words.clear()
    jieba.finalseg.Force_Split_Words.clear()
    ours = importlib.reload(nj)
    theirs = jieba.Tokenizer()
    theirs.tmp_dir = jieba.dt.tmp_dir
    return ours.Tokenizer(), theirs


def modes(tokenizer, text):
    return {"cut": tokenizer.lcut(text), "cut_no_hmm": tokenizer.lcut(text, HMM=False),
            "cut_all": tokenizer.lcut(text, cut_all=True), "search": tokenizer.lcut_for_search(text),
            "search_no_hmm": tokenizer.lcut_for_search(text, HMM=False),
            "tokenize": list(tokenizer.tokenize(text)), "tokenize_search": list(tokenizer.tokenize(text, mode="search"))}


PIECES = ["中国", "人民", "共和国", "一一一", "丁税政", "王小明来了", "江南style", "T恤衫", "AT&T", "C++", "3.14%",
          "192.168.1.1", "5kg", "x-y_z", "ＡＢＣ１２３", "，", "。", "“", "！！", " ", "  ", "\t", "\r\n", "\n",
          "\u3000", "😀", "𠀀", "㐀", "〇", "γ射线", "丄丅丏", "石墨烯", "李小福", "创新办", "云计算", "iPhone12",
          "abc", "Python3.8", "u%", "我们", "今天天气", "B超", "xAB型血", "的", "了", "\u200b"]
texts = st.lists(st.sampled_from(PIECES) | st.text(alphabet="的一是了我不人在他有这个上们来到时大地为子中你说生国年",
                                                   max_size=6), max_size=12).map("".join)


@pytest.fixture(scope="module")
def pair():
    return fresh()


@settings(max_examples=300, deadline=None)
@given(texts)
def test_every_mode_agrees_on_mixed_text(pair, text):
    ours, theirs = pair
    assert modes(ours, text) == modes(theirs, text)


def test_real_text_agrees(pair, novel_text):
    ours, theirs = pair
    for line in novel_text[:60_000].split("\n"):
        assert modes(ours, line) == modes(theirs, line), line[:40]


def test_edits_are_live_and_agree(novel_text):
    ours, theirs = fresh()
    lines = novel_text[:20_000].split("\n")
    edits = [("add_word", ("宝玉笑道", 50)), ("add_word", ("怡红院",)), ("add_word", ("林妹妹", 3, "nr")),
             ("del_word", ("我们",)), ("del_word", ("宝玉",)), ("suggest_freq", ("凤姐儿", True)),
             ("suggest_freq", (("中", "将"), True)), ("add_word", ("贾母", 0)), ("add_word", ("的", 10))]
    for name, args in edits:
        results = [getattr(t, name)(*args) for t in (ours, theirs)]
        assert results[0] == results[1], name
        assert ours.total == theirs.total
        for line in lines[:200]:
            assert modes(ours, line) == modes(theirs, line), (name, line[:30])
    assert ours.lcut("宝玉笑道，我们") == theirs.lcut("宝玉笑道，我们")
    for word in ("宝玉笑道", "宝玉", "我们", "宝", "怡红", "nonexistent"):
        assert ours.FREQ.get(word) == theirs.FREQ.get(word), word
    assert ours.user_word_tag_tab == theirs.user_word_tag_tab


def test_user_dictionaries(tmp_path, novel_text):
    ours, theirs = fresh()
    path = tmp_path / "user.txt"
    path.write_text("\ufeff宝玉笑道 30 nr\n怡红院\nNew York 10 ns\n台  5\nabc 3 N\n凱特琳 nz\n\n", encoding="utf-8")
    ours.load_userdict(str(path))
    theirs.load_userdict(str(path))
    ours.load_userdict(io.BytesIO("潇湘馆 7\n".encode()))
    theirs.load_userdict(io.BytesIO("潇湘馆 7\n".encode()))
    assert ours.total == theirs.total and ours.user_word_tag_tab == theirs.user_word_tag_tab
    for word in ("宝玉笑道", "New York", "台 ", "abc 3 N", "凱特琳", "潇湘馆"):
        assert ours.FREQ.get(word) == theirs.FREQ.get(word), word
    for line in novel_text[:10_000].split("\n"):
        assert modes(ours, line) == modes(theirs, line)


def test_other_dictionaries_and_the_module_api(tmp_path):
    import nlpzero.jieba as nj
    small = tmp_path / "small.txt"
    small.write_text("中国 10 ns\n人民 8 n\n中国人民 3 nt\nB超 3 n\nB超 3 n\n", encoding="utf-8")
    ours, theirs = nj.Tokenizer(str(small)), jieba.Tokenizer(str(small))
    theirs.tmp_dir = str(tmp_path)
    for text in ("中国人民站起来了", "B超检查", ""):
        assert modes(ours, text) == modes(theirs, text)
    assert ours.total == theirs.total == 27
    assert nj.lcut("他来到了网易杭研大厦") == jieba.lcut("他来到了网易杭研大厦")
    assert list(nj.cut("我来到北京清华大学", cut_all=True)) == list(jieba.cut("我来到北京清华大学", cut_all=True))
    assert nj.get_FREQ("清华大学") == jieba.get_FREQ("清华大学")
    nj.enable_parallel(2)
    text = "我来到北京清华大学\n小明硕士毕业于中国科学院\n\n，。"
    assert list(nj.cut(text, cut_all=True)) == list(nj._pcut(text, cut_all=True))
    assert list(nj.cut(text)) == jieba.lcut(text) and list(nj.cut_for_search(text)) == jieba.lcut_for_search(text)
    nj.disable_parallel()
    assert list(nj.cut(text)) == jieba.lcut(text)
    with pytest.raises(Exception, match="does not exist"):
        nj.set_dictionary(str(tmp_path / "missing.txt"))
    bad = tmp_path / "bad.txt"
    bad.write_text("中国 10\n\n人民 8\n", encoding="utf-8")
    with pytest.raises(ValueError, match="invalid dictionary entry"):
        nj.Tokenizer(str(bad)).lcut("中国")
    with pytest.raises(ValueError, match="unicode"):
        next(nj.tokenize(b"bytes"))
    assert nj.lcut("中国".encode()) == ["中国"]


def test_the_cache_is_nlpzeros_own_format(tmp_path):
    import nlpzero.jieba as nj
    nj.lcut("中国")
    directory = os.environ["NLPZERO_CACHE_DIR"]
    files = os.listdir(directory)
    dictionaries = [f for f in files if f.startswith("jieba-dict.txt-")]
    tables = [f for f in files if f.startswith("jieba-hmm-")]
    assert dictionaries and tables
    for name, magic in [(dictionaries[0], nj.DICTIONARY_MAGIC), (tables[0], nj.HMM_MAGIC)]:
        with open(os.path.join(directory, name), "rb") as f:
            assert f.read(8) == magic
        assert nj._read_cache(os.path.join(directory, name), magic) is not None
    assert nj.jieba_directory() == os.path.dirname(jieba.__file__)


def test_a_damaged_or_stale_cache_is_rebuilt(tmp_path, monkeypatch):
    monkeypatch.setenv("NLPZERO_CACHE_DIR", str(tmp_path / "cache"))
    words = tmp_path / "words.txt"
    words.write_text("中国 10\n人民 8\n中国人 1\n", encoding="utf-8")
    import nlpzero.jieba as nj

    def entries():
        return [f for f in os.listdir(tmp_path / "cache") if f.startswith("jieba-words.txt-")]

    assert importlib.reload(nj).Tokenizer(str(words)).lcut("中国人民", HMM=False) == ["中国", "人民"]
    [name] = entries()
    path = tmp_path / "cache" / name
    # a flipped byte in the trie: the checksum catches it and the file is rebuilt
    data = bytearray(path.read_bytes())
    data[-40] ^= 0xFF
    path.write_bytes(bytes(data))
    assert nj._read_cache(str(path), nj.DICTIONARY_MAGIC) is None
    assert importlib.reload(nj).Tokenizer(str(words)).lcut("中国人民", HMM=False) == ["中国", "人民"]
    assert nj._read_cache(str(path), nj.DICTIONARY_MAGIC) is not None
    # an edited dictionary (new size and mtime) gets a new cache entry
    words.write_text("中国人 100\n民 1\n", encoding="utf-8")
    os.utime(words, ns=(1, 2))
    assert importlib.reload(nj).Tokenizer(str(words)).lcut("中国人民", HMM=False) == ["中国人", "民"]
    assert len(entries()) == 1 and entries() != [name]          # the stale one removed


def test_stale_and_old_cache_files_are_removed_others_kept(tmp_path, monkeypatch):
    """A cache file is 35 MB for jieba's dictionary: an edited dictionary, or
    an earlier nlpzero's naming, must not leave copies behind -- but the
    caches of another dictionary, even of the same name, stay."""
    cache = tmp_path / "cache"
    cache.mkdir()
    monkeypatch.setenv("NLPZERO_CACHE_DIR", str(cache))
    old = ["jieba-words.txt-f3b77775545668d60bb020be.bin", "jieba-words.txt-49a86421a47f1906.bin",
           "jieba-words.txt-0123456789abcdef01234567.npz"]
    kept = ["jieba-other.txt-f3b77775545668d60bb020be.bin", "notes.txt"]
    for name in old + kept:
        (cache / name).write_bytes(b"x")
    first, second = tmp_path / "a" / "words.txt", tmp_path / "b" / "words.txt"
    for path in (first, second):
        path.parent.mkdir()
        path.write_text("中国 10\n人民 8\n", encoding="utf-8")
    import nlpzero.jieba as nj
    for path in (first, second):
        assert importlib.reload(nj).Tokenizer(str(path)).lcut("中国人民", HMM=False) == ["中国", "人民"]
    names = sorted(os.listdir(cache))
    assert not set(old) & set(names) and set(kept) <= set(names)
    assert len([n for n in names if n.startswith("jieba-words.txt-")]) == 2      # one per file


def test_a_trie_with_bad_slots_is_refused():
    from nlpzero._ext import trie
    import array
    chars = array.array("I", map(ord, "中国人"))
    offsets, counts = array.array("q", [0, 2, 3]), array.array("q", [3, 1])
    built = trie.CompiledLexicon(chars, offsets, counts, False, 1)
    slots = built.saved_slots()
    again = trie.CompiledLexicon(chars, offsets, counts, False, 1, slots, built.n_nodes)
    assert again.lookup("中国") == built.lookup("中国") and again.lookup("人") == built.lookup("人")
    bad = bytearray(slots)
    bad[4:12] = b"\xff" * 8          # the root's table: mask and first out of range
    with pytest.raises(ValueError, match="saved trie"):
        trie.CompiledLexicon(chars, offsets, counts, False, 1, bytes(bad), built.n_nodes)
    with pytest.raises(ValueError, match="saved trie"):
        trie.CompiledLexicon(chars, offsets, counts, False, 1, slots[:-1], built.n_nodes)
    # a child edge pointing at the root's table (a cycle, and a way to make the checks quadratic)
    import struct
    records = [list(struct.unpack_from("=IIIid", slots, k)) for k in range(0, len(slots), trie.SLOT_SIZE)]
    root = records[0]
    child = next(r for r in records[1:] if r[0] != 0xFFFFFFFF)
    child[1], child[2] = root[1], root[2]
    shared = b"".join(struct.pack("=IIIid", *r) for r in records)
    with pytest.raises(ValueError, match="share"):
        trie.CompiledLexicon(chars, offsets, counts, False, 1, shared, built.n_nodes)
    # ... or at a table overlapping the root's from its second slot: distinct starts, yet n such
    # edges over one long table would make the empty-slot checks quadratic
    child[1], child[2] = root[1], root[2] + 1
    assert child[2] + child[1] + 1 <= len(records) - 1          # inside the array: only the overlap is wrong
    overlapping = b"".join(struct.pack("=IIIid", *r) for r in records)
    with pytest.raises(ValueError, match="overlap"):
        trie.CompiledLexicon(chars, offsets, counts, False, 1, overlapping, built.n_nodes)


def test_import_and_cut_need_no_numpy(tmp_path):
    import subprocess
    import sys
    code = ("import sys, nlpzero.jieba as j; j.lcut('中国人民'); j.lcut('中国', cut_all=True); "
            "print('numpy' in sys.modules)")
    # run outside the source tree (an installed, non-editable package is the one to
    # import); the first run may compile the cache (with NumPy), the second starts from it
    for run in ("compile the cache", "start from it"):
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=dict(os.environ),
                              cwd=tmp_path)
        assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"
