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
    files = os.listdir(os.environ["NLPZERO_CACHE_DIR"])
    assert any(f.startswith("jieba-dict.txt-") and f.endswith(".npz") for f in files)
    assert any(f.startswith("jieba-hmm-") and f.endswith(".npz") for f in files)
    import numpy as np
    for name in files:
        if name.endswith(".npz"):
            np.load(os.path.join(os.environ["NLPZERO_CACHE_DIR"], name), allow_pickle=False).files
    assert nj.jieba_directory() == os.path.dirname(jieba.__file__)
