"""`nlpzero export`: the Hugging Face and sentencepiece models it writes load
in those libraries and segment like nlpzero's tokenizer (the reference)."""

import json
import os
import re
import subprocess
import sys
import tempfile

import pytest
from hypothesis import given, settings, strategies as st

from nlpzero import export
from nlpzero.lexicon import Lexicon
from nlpzero.text import NUMBER, NUMBER_TEXT
from nlpzero.tokenizer import Tokenizer

tokenizers = pytest.importorskip("tokenizers")
spm = pytest.importorskip("sentencepiece")

N = NUMBER
WORDS = {"中国": 50, "人民": 40, "中国人": 8, "人": 30, "民": 3, "国": 9, "的": 100, "大学": 20, "北京": 25,
         "北京大学": 12, N + "年": 30, N + "月": 20, "第" + N: 5, "——": 6, "○": 4, "…": 2, "了": 60, "我们": 33,
         "学": 7, "生": 6, "学生": 15, "C++": 3}
# nlpzero's character classes on both sides of every rule: ideographs in and
# out of the lexicon, digits and decimals, full-width digits, letters, runs of
# repeated marks, whitespace, emoji
PIECES = ["中国", "人民", "中国人民", "北京大学", "学生", "的", "了", "我们", "年", "月", "第", "猫", "狗", "○○○", "○",
          "——", "———", "—", "…", "……", "，", "。", "！！", "“", "”", "2000", "12", "3.14", "１９９８", "55.6", "第3",
          " ", "  ", "\t", "😀", "C++", "++"]
LETTERS = ["abc", "XYZ", "iPhone"]          # letter runs holding no lexicon word


@pytest.fixture(scope="module")
def tokenizer():
    return Tokenizer(Lexicon(WORDS))


@pytest.fixture(scope="module")
def hf_model(tokenizer, tmp_path_factory):
    path = str(tmp_path_factory.mktemp("hf") / "tokenizer.json")
    export.export(tokenizer, path, "hf")
    return tokenizers.Tokenizer.from_file(path)


@pytest.fixture(scope="module")
def sp_model(tokenizer, tmp_path_factory):
    path = str(tmp_path_factory.mktemp("sp") / "words.model")
    export.export(tokenizer, path, "sentencepiece")
    return spm.SentencePieceProcessor(model_file=path)


def spans(words):
    out, start = [], 0
    for word in words:
        out.append((start, start + len(word)))
        start += len(word)
    return out


def ours(tokenizer, text):
    """nlpzero's tokens as spans, whitespace tokens left out (neither export keeps them as pieces)."""
    return [(s, e) for s, e in spans(tokenizer.tokenize(text)) if not text[s:e].isspace()]


def hf_spans(model, text):
    return [tuple(offsets) for offsets in model.encode(text).offsets if not text[offsets[0]:offsets[1]].isspace()]


def sp_spans(model, text):
    pieces = model.encode(text, out_type=str)
    assert "".join(pieces) == text          # identity normalization: the pieces are the text
    return [(s, e) for s, e in spans(pieces) if not text[s:e].isspace()]


texts = st.lists(st.sampled_from(PIECES + LETTERS), max_size=14).map("".join)
# the documented differences (docs/export.md) left out: a lexicon word or a
# number inside a longer run of letters/digits, numbers longer than
# export.MAX_NUMBER_LENGTH
INSIDE_RUN = re.compile(r"[A-Za-z][\d０-９]|[\d０-９][A-Za-z]|[A-Za-z\d０-９]C\+\+")
texts = texts.filter(lambda t: not INSIDE_RUN.search(t))
hf_texts = texts.filter(lambda t: not re.search(r"[\d.．]{%d}" % (export.MAX_NUMBER_LENGTH + 1), t))


@settings(max_examples=300, deadline=None)
@given(hf_texts)
def test_hf_segments_like_nlpzero(tokenizer, hf_model, text):
    assert hf_spans(hf_model, text) == ours(tokenizer, text)


# sentencepiece has no normalizer for numbers: <NUM> words are left out, so
# compare with nlpzero's tokenizer over the same lexicon without them
@pytest.fixture(scope="module")
def tokenizer_without_numbers():
    return Tokenizer(Lexicon({w: c for w, c in WORDS.items() if N not in w}))


@settings(max_examples=300, deadline=None)
@given(texts)
def test_sentencepiece_segments_like_nlpzero(tokenizer_without_numbers, sp_model, text):
    assert sp_spans(sp_model, text) == ours(tokenizer_without_numbers, text)


def test_documented_difference_words_inside_letter_runs(tmp_path):
    # nlpzero keeps a run of letters/digits whole; tokenizers' Unigram cannot
    # forbid pieces ending inside it (docs/export.md)
    tokenizer = Tokenizer(Lexicon({"AM": 5, "B": 3, "的": 9}))
    export.export(tokenizer, str(tmp_path / "t.json"), "hf")
    model = tokenizers.Tokenizer.from_file(str(tmp_path / "t.json"))
    assert ours(tokenizer, "AM21B的") == [(0, 5), (5, 6)]
    assert hf_spans(model, "AM21B的") == [(0, 2), (2, 4), (4, 5), (5, 6)]


def test_hf_vocabulary_and_scores(tokenizer, tmp_path):
    path = tmp_path / "t.json"
    pieces = export.export(tokenizer, str(path), "hf")
    document = json.loads(path.read_text(encoding="utf-8"))
    vocab = dict((p, s) for p, s in document["model"]["vocab"])
    assert len(vocab) == pieces and vocab["<unk>"] == 0.0
    total = sum(WORDS.values())
    import math
    assert vocab["中国"] == pytest.approx(math.log(50 / total))
    assert export.DIGIT * 3 + N + "年" in vocab and N + "年" in vocab and NUMBER_TEXT + "年" not in vocab


def test_transformers_loads_it(tokenizer, tmp_path):
    transformers = pytest.importorskip("transformers")
    path = tmp_path / "tokenizer.json"
    export.export(tokenizer, str(path), "hf")
    fast = transformers.PreTrainedTokenizerFast(tokenizer_file=str(path), unk_token="<unk>")
    encoded = fast("我们的北京大学", return_offsets_mapping=True)
    assert [tuple(o) for o in encoded["offset_mapping"]] == [(0, 2), (2, 3), (3, 7)]
    assert fast.convert_ids_to_tokens(encoded["input_ids"]) == ["我们", "的", "北京大学"]


def test_sentencepiece_ids_round_trip(sp_model):
    ids = sp_model.encode("我们的北京大学")
    assert [sp_model.id_to_piece(i) for i in ids] == ["我们", "的", "北京大学"]
    assert sp_model.decode(ids) == "我们的北京大学"


def test_unknown_format_is_refused(tokenizer, tmp_path):
    with pytest.raises(ValueError, match="unknown export format"):
        export.export(tokenizer, str(tmp_path / "x"), "onnx")
    assert not os.listdir(tmp_path)


def run(*args):
    return subprocess.run([sys.executable, "-m", "nlpzero.cli", *args], capture_output=True, text=True,
                          cwd=tempfile.gettempdir())


def test_cli_export(tmp_path):
    lexicon = tmp_path / "words.tsv"
    lexicon.write_text("".join(f"{w.replace(N, NUMBER_TEXT)}\t{c}\n" for w, c in WORDS.items()), encoding="utf-8")
    result = run("export", str(lexicon), "-o", str(tmp_path / "tokenizer.json"))
    assert result.returncode == 0, result.stderr
    assert "pieces" in result.stderr
    model = tokenizers.Tokenizer.from_file(str(tmp_path / "tokenizer.json"))
    assert model.encode("北京大学").tokens == ["北京大学"]
    result = run("export", str(lexicon), "--format", "sentencepiece", "-o", str(tmp_path / "w.model"))
    assert result.returncode == 0, result.stderr
    assert spm.SentencePieceProcessor(model_file=str(tmp_path / "w.model")).encode("北京大学", out_type=str) == ["北京大学"]


def test_cli_export_errors(tmp_path):
    result = run("export", str(tmp_path / "missing.tsv"), "-o", str(tmp_path / "t.json"))
    assert result.returncode != 0 and "Traceback" not in result.stderr and "no such file" in result.stderr
    bad = tmp_path / "bad.nlpztok"
    bad.write_bytes(b"NLPZTOK\x00garbage")
    result = run("export", str(bad), "-o", str(tmp_path / "t.json"))
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert not (tmp_path / "t.json").exists()
