import pytest

from nlpzero import FormatError, InputError, Lexicon, Tokenizer


def test_formats_roundtrip_and_detection(tmp_path):
    lex = Lexicon({"中国": 10, "New York": 3, "C++": 2, "人": 5}, columns=("pmi",),
                  scores={"中国": (4.25,)})
    for fmt in ("tsv", "jieba", "words"):
        path = str(tmp_path / f"lex.{fmt}")
        lex.save(path, format=fmt)
        loaded = Lexicon.load(path)
        if fmt == "tsv":
            assert loaded == lex and loaded.scores["中国"] == (4.25,) and loaded.columns == ("pmi",)
        elif fmt == "jieba":   # a word with a space cannot be written in jieba's format
            assert dict(loaded.items()) == {"中国": 10, "C++": 2, "人": 5}
        else:
            assert set(loaded) == set(lex) and set(dict(loaded.items()).values()) == {1}
    with open(tmp_path / "lex.tsv", encoding="utf-8") as f:
        assert f.readline().startswith("#nlpzero-lexicon 1 words=4 columns=count,pmi")
        assert f.readline() == "中国\t10\t4.25\n"   # most frequent first


def test_reads_jieba_dictionary_lines(write):
    path = write("dict.txt", "AT&T 3 nz\n中国 100 ns\n人民 50\n")
    lex = Lexicon.load(path)
    assert dict(lex.items()) == {"AT&T": 3, "中国": 100, "人民": 50} and lex.total == 153


def test_editing_and_probabilities():
    lex = Lexicon({"中国": 6, "人": 2})
    lex.add("中国", 8)
    lex.add("人民", 2)
    assert lex.total == 12 and lex.most_common(1) == [("中国", 8)]
    assert lex.remove("人") == 2 and "人" not in lex and lex.total == 10
    assert lex.logprob("人民") == pytest.approx(-1.6094379) and lex.logprob("无") == float("-inf")
    lex.update(Lexicon({"人民": 3, "国家": 1}))
    assert lex["人民"] == 5 and lex["国家"] == 1 and lex.total == 14
    with pytest.raises(ValueError):
        lex.add("a\tb", 1)


def test_suggest_keeps_or_splits_a_word():
    lex = Lexicon({"台": 50, "中": 80, "台中": 1, "中国": 30, "国": 40})
    assert Tokenizer(lex).tokenize("台中") == ["台", "中"]
    lex.suggest("台中")
    assert Tokenizer(lex).tokenize("台中") == ["台中"]
    lex.suggest(("台", "中"))
    assert Tokenizer(lex).tokenize("台中") == ["台", "中"]


@pytest.mark.parametrize("content, message", [
    (b"\x00\x01binary\x00", "binary"),
    ("中国\t10\n人民\tmany\n".encode(), r"lex\.txt:2: count is not a number"),
    ("#nlpzero-lexicon 1 words=3 columns=count\n中国\t10\n人民\t5\n".encode(), "truncated"),
    ("中国\t10\n人民\t5\n".encode()[:-4], r"lex\.txt:2: not UTF-8"),
    ("#nlpzero-lexicon 7 words=1\n中国\t1\n".encode(), "version"),
    ("中国\t-3\n".encode(), "non-negative"),
])
def test_bad_lexicon_files(write, content, message):
    with pytest.raises(FormatError, match=message):
        Lexicon.load(write("lex.txt", content))


def test_missing_lexicon(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        Lexicon.load(str(tmp_path / "nope.tsv"))
