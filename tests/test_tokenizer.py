import io
import json
import pickle
import struct
import zlib

import numpy as np

import pytest
from hypothesis import given, settings, strategies as st

import reference
from nlpzero import FormatError, Lexicon, Tokenizer
import nlpzero.tokenizer as tokenizer_module
from nlpzero._ext import unigram as unigram_kernel
from nlpzero.corpus import line_blocks
from nlpzero.tokenizer import character_classes

# an alphabet that exercises every character class and the astral planes
ALPHABET = list("中国人民共和国的一是了北京大学生") + list("aBz09.．Ａ９") + [
    " ", "\t", "\u3000", "\n", "\r", "\x00", "\x1f", "，", "。", "—", "…", "!", "+",
    "\u0301", "\u200d", "\ufe0f", "😀", "👩", "🏽", "\U00020000", "\U0002a6d6", "\U000e0041",
    "ア", "한", "é", "\ud800", "\ue000", "年", "7", "٣"]
texts = st.text(alphabet=st.sampled_from(ALPHABET), max_size=60)
WORD_ALPHABET = [c for c in ALPHABET if c not in "\t\n\r"]
lexicons = st.dictionaries(st.text(alphabet=st.sampled_from(WORD_ALPHABET), min_size=1, max_size=4),
                           st.integers(0, 50), max_size=25)


def test_character_table_matches_reference():
    table = character_classes()
    for cp in range(0, table.shape[0], 7):
        assert table[cp] == reference.char_class(chr(cp)), hex(cp)


@settings(max_examples=400, deadline=None)
@given(texts, lexicons)
def test_kernel_matches_reference(text, counts):
    for split_runs in (False, True):
        tok = Tokenizer(counts, split_runs=split_runs)
        tokens = tok.tokenize(text)
        assert "".join(tokens) == text
        assert tokens == reference.unigram_tokenize(text, counts, whole_runs=not split_runs)
        spans = tok.spans(text)
        assert [text[a:b] for a, b in spans] == tokens


def test_runs_stay_whole_unless_split_runs():
    counts = {"iPhone": 50, "an": 40, "other": 40, "A股": 5, "3": 9}
    assert Tokenizer(counts).tokenize("iPhone12 another A股3.5") == ["iPhone12", " ", "another", " ", "A股", "3.5"]
    assert Tokenizer(counts, split_runs=True).tokenize("iPhone12 another") == ["iPhone12", " ", "an", "other"]


@settings(max_examples=200, deadline=None)
@given(texts)
def test_lossless_with_empty_lexicon(text):
    assert "".join(Tokenizer({}).tokenize(text)) == text


def test_units_and_known_words():
    tok = Tokenizer({"中国": 10, "人民": 8, "中": 2, "国人": 1, "A股": 3})
    text = "中国人民iPhone12！！  3.14和１９９８年A股👩\u200d👩\u200d👧 a\u0301b——……"
    assert tok.tokenize(text) == ["中国", "人民", "iPhone12", "！！", "  ", "3.14", "和", "１９９８", "年",
                                  "A股", "👩\u200d👩\u200d👧", " ", "a\u0301b", "——", "……"]
    assert tok.tokenize("") == []
    assert tok.lcut("中国人") == list(tok.cut("中国人")) == ["中国", "人"]


def test_number_placeholder_matches_any_number(tmp_path):
    lexicon = Lexicon.load(_write(tmp_path, "lex.tsv", "<NUM>年\t30\n第<NUM>次\t5\n年\t10\n"))
    tok = Tokenizer(lexicon)
    assert tok.tokenize("2001年第3次１９９８年3.5年x12年") == ["2001年", "第3次", "１９９８年", "3.5年", "x12", "年"]
    lexicon.save(str(tmp_path / "out.tsv"))
    assert "<NUM>年\t30" in (tmp_path / "out.tsv").read_text(encoding="utf-8")


def _write(tmp_path, name, text):
    (tmp_path / name).write_text(text, encoding="utf-8")
    return str(tmp_path / name)


def test_probabilities_decide():
    # 研究生命 -> 研究/生命 when the two-word path is more probable than 研究生/命
    tok = Tokenizer({"研究": 50, "研究生": 10, "生命": 40, "命": 5, "起源": 20})
    assert tok.tokenize("研究生命起源") == ["研究", "生命", "起源"]
    tok = Tokenizer({"研究": 5, "研究生": 100, "生命": 1, "命": 50, "起源": 20})
    assert tok.tokenize("研究生命起源") == ["研究生", "命", "起源"]


def test_agrees_with_jieba_no_hmm(novel_text, tmp_path):
    jieba = pytest.importorskip("jieba")
    # a lexicon from the novel's frequent 2- and 3-grams, so both see the same words
    counts = {}
    for n in (1, 2, 3):
        for i in range(0, 60000 - n):
            gram = novel_text[i:i + n]
            if all(reference.is_word_char(c) for c in gram):
                counts[gram] = counts.get(gram, 0) + 1
    counts = {w: c for w, c in counts.items() if c >= 3}
    path = tmp_path / "dict.txt"
    path.write_text("".join(f"{w} {c}\n" for w, c in counts.items()), encoding="utf-8")
    theirs = jieba.Tokenizer(dictionary=str(path))
    theirs.tmp_dir = str(tmp_path)
    ours = Tokenizer(Lexicon.load(str(path)))
    lines = [line for line in novel_text[:100000].split("\n") if line.strip()]
    same = total = 0
    for line in lines:
        a, b = _spans(theirs.lcut(line, HMM=False)), _spans(ours.tokenize(line))
        total += len(a)
        same += len(a & b)
    # the rest: jieba splits runs of one mark ("……") and never joins scripts its
    # regex leaves out (this text writes a Cyrillic "э" after an ideograph)
    assert same / total > 0.999


def _spans(tokens):
    """Spans of the non-whitespace tokens (jieba splits whitespace runs, we keep them whole)."""
    out, pos = set(), 0
    for t in tokens:
        if not t.isspace():
            out.add((pos, pos + len(t)))
        pos += len(t)
    return out


def test_save_load_roundtrip(tmp_path, novel_text):
    lexicon = Lexicon({"中国": 3, "New York": 2, "宝玉": 40, "黛玉": 30, "𠀀": 1})
    tok = Tokenizer(lexicon)
    path = str(tmp_path / "m.nlpztok")
    tok.save(path)
    loaded = Tokenizer.load(path)
    assert loaded.lexicon == lexicon
    sample = novel_text[:5000] + "New York 𠀀"
    assert loaded.tokenize(sample) == tok.tokenize(sample)
    assert pickle.loads(pickle.dumps(tok)).tokenize(sample) == tok.tokenize(sample)


def _model_v1(path, tok):
    """The same model in format version 1 (no class table), as nlpzero 0.1 wrote it."""
    chars, offsets, counts = tok._arrays
    header = json.dumps({"format": "nlpzero-tokenizer", "words": len(counts), "chars": len(chars)}).encode()
    header += b" " * (-(8 + 8 + len(header)) % 8)
    body = b"".join([b"NLPZTOK\0", struct.pack("<II", 1, len(header)), header, offsets.astype("<i8").tobytes(),
                     counts.astype("<i8").tobytes(), chars.astype("<u4").tobytes()])
    path.write_bytes(body + struct.pack("<I", zlib.crc32(body)))


def test_model_carries_its_class_table(tmp_path, monkeypatch, novel_text):
    tok = Tokenizer({"宝玉": 40, "黛玉": 30, "3.14": 2})
    tok.save(str(tmp_path / "v2"))
    _model_v1(tmp_path / "v1", tok)
    sample = novel_text[:3000] + " iPhone12 ——！！ 3.14"
    old = Tokenizer.load(str(tmp_path / "v1"))              # version 1: the table is computed
    assert old.tokenize(sample) == tok.tokenize(sample)

    def no_computing():
        raise AssertionError("the class table should come from the model file")
    monkeypatch.setattr(tokenizer_module, "character_classes", no_computing)
    loaded = Tokenizer.load(str(tmp_path / "v2"))
    assert np.array_equal(loaded._classes, tok._classes)
    assert loaded.tokenize(sample) == tok.tokenize(sample)


@pytest.mark.parametrize("damage", ["flip", "truncate", "version", "classes", "empty"])
def test_corrupt_model_is_a_clear_error(tmp_path, damage):
    path = tmp_path / "m.nlpztok"
    Tokenizer({"中国": 3, "人民": 2}).save(str(path))
    data = bytearray(path.read_bytes())
    if damage == "flip":
        data[-10] ^= 0xFF
    elif damage == "truncate":
        data = data[:len(data) // 2]
    elif damage == "version":
        data[8] = 99
    elif damage == "classes":          # a damaged class table, checksum recomputed
        data[-6] ^= 0xFF
        data[-4:] = struct.pack("<I", zlib.crc32(bytes(data[:-4])))
    else:
        data = data[:8]
    path.write_bytes(bytes(data))
    with pytest.raises(FormatError, match="m.nlpztok"):
        Tokenizer.load(str(path))


def test_tokenize_many_parallel_matches_serial(novel_text):
    tok = Tokenizer({"宝玉": 40, "黛玉": 30, "凤姐": 20, "笑道": 25})
    lines = novel_text.split("\n")[:400]
    serial = [tok.tokenize(line) for line in lines]
    assert list(tok.tokenize_many(lines, jobs=2, batch=7)) == serial
    assert list(tok.tokenize_many(iter(lines))) == serial


def test_write_stream_lines_and_pieces(novel_text):
    tok = Tokenizer({"宝玉": 40, "黛玉": 30, "笑道": 25})
    text = novel_text[:30000] + "\n\n  末行 没有换行"
    expected = "".join(
        " ".join(t for t in tok.tokenize(line) if not t.isspace()) + "\n" for line in text.split("\n"))
    for jobs, max_chars, piece in ((1, 1 << 20, 1 << 20), (2, 500, 777)):
        chunks = [(text[i:i + piece], i + piece >= len(text)) for i in range(0, len(text), piece)]
        out = io.BytesIO()
        tok.write_stream(line_blocks(chunks, max_chars=max_chars), out, jobs=jobs)
        assert out.getvalue().decode("utf-8") == expected


def test_long_line_is_cut_softly():
    tok = Tokenizer({"宝玉": 40})
    line = "宝玉笑道，" * 5000
    chunks = [(line[i:i + 1500], i + 1500 >= len(line)) for i in range(0, len(line), 1500)]
    blocks = list(line_blocks(chunks, max_chars=1000))
    assert len(blocks) > 5 and "".join(blocks) == line + "\n"
    assert all(b.endswith("，") for b in blocks[:-1])
    out = io.BytesIO()
    tok.write_stream(blocks, out)
    assert out.getvalue().decode() == " ".join(tok.tokenize(line)) + "\n"


def test_model_counts_are_int64(tmp_path):
    tok = Tokenizer({"中国": 2 ** 40})
    tok.save(str(tmp_path / "m"))
    assert Tokenizer.load(str(tmp_path / "m")).lexicon["中国"] == 2 ** 40


def _replaced_bytes(data: bytes) -> int:
    count = 0
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        pos = 0
        while True:
            try:
                data[pos:].decode("utf-8")
                break
            except UnicodeDecodeError as exc:
                count += exc.end - exc.start
                pos += exc.end
    return count


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=40) | st.lists(st.sampled_from(
    [b"\xe4\xb8\xad", b"\xf0\x9f\x98\x80", b"\xed\xa0\x80", b"\xc0\xaf", b"\xe0\x80", b"\xf4\x90\x80\x80",
     b"\x80", b"\xff", b"a", b"\n", b" ", b"\xe5\xae"]), max_size=12).map(b"".join))
def test_utf8_decoding_in_the_kernel_matches_python(data):
    tok = Tokenizer({"中国": 3, "中": 1})
    ours, at_start, invalid = unigram_kernel.render(tok.compiled, data, tok._classes, "|", True)
    theirs, at_start2, _ = unigram_kernel.render(tok.compiled, data.decode("utf-8", "replace"), tok._classes, "|",
                                                 True)
    assert ours == theirs and at_start == at_start2
    assert invalid == _replaced_bytes(data)


@settings(max_examples=100, deadline=None)
@given(texts, lexicons)
def test_unsorted_build_matches_sorted_build(text, counts):
    """Model files from other writers may list words in any order: the general
    builder and the breadth-first one for sorted words must agree."""
    sorted_tok = Tokenizer(counts)
    chars, offsets, n = sorted_tok._arrays
    order = list(range(len(n)))[::-1]
    words = [chars[offsets[i]:offsets[i + 1]] for i in order]
    reversed_chars = np.concatenate(words) if words else chars[:0]
    reversed_offsets = np.zeros(len(order) + 1, dtype=np.int64)
    np.cumsum([len(w) for w in words], out=reversed_offsets[1:])
    other = Tokenizer._from_arrays(reversed_chars, reversed_offsets, n[order])
    assert other.tokenize(text) == sorted_tok.tokenize(text)


def test_a_line_segments_alike_whatever_follows_it():
    """ln p(甲) + ln p(乙) and ln p(甲乙) nearly tie: with the score of the
    following lines added to both, rounding used to pick either, so blocks of
    different sizes (the cluster's, the local engine's) segmented one line
    differently."""
    counts = {"甲": 43, "乙": 54, "甲乙": 18, "丙": 14}
    tokenizer = Tokenizer(counts)
    alone = list(tokenizer.tokenize("甲乙"))
    for k in range(40):
        for indent in ("", "\u3000\u3000", " ", "\u0301", "\n"):      # indented lines, a mark, a blank line
            text = "甲乙\n" + indent + "丙" * k
            assert list(tokenizer.tokenize(text))[:2] == alone
            assert reference.unigram_tokenize(text, counts)[:2] == alone
