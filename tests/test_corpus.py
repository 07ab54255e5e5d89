import bz2
import gzip
import logging
import lzma

import pytest
from hypothesis import given, settings, strategies as st

import nlpzero.corpus as corpus_mod
from nlpzero import Corpus, InputError, WordChars

from reference import segments as reference_segments


def read_all(*inputs, **options):
    return "".join(text for text, _ in Corpus(list(inputs), **options).chunks())


def test_default_rule_segments_cjk_latin_digits_and_fullwidth():
    wc = WordChars.default()
    assert wc.segments("中国人民，Hello世界123！１９９８年ｉＰｈｏｎｅ二〇〇八○") == [
        "中国人民", "Hello世界123", "１９９８年ｉＰｈｏｎｅ二〇〇八○"]
    assert wc.segments("𠀀𪚥 かな한글 émoji😀x\u200dy\tz") == ["𠀀𪚥", "かな한글", "émoji", "x", "y", "z"]
    assert wc.segments("") == []


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_segments_agree_with_reference_rule(text):
    assert WordChars.default().segments(text) == reference_segments(text)


def test_rule_is_overridable():
    cjk_only = WordChars.from_regex(r"[\u4e00-\u9fff]")
    assert cjk_only.segments("K线图A股3D打印") == ["线图", "股", "打印"]
    digits = WordChars.from_predicate(str.isdigit)
    assert digits.segments("a12b3") == ["12", "3"]


def test_reads_files_directories_globs_and_compressed(write, tmp_path):
    write("d/a.txt", "甲乙\n")
    write("d/sub/b.txt", "丙丁\n")
    write("d/.hidden", "不读\n")
    (tmp_path / "c.txt.gz").write_bytes(gzip.compress("戊己".encode()))
    (tmp_path / "e.bz2").write_bytes(bz2.compress("庚辛".encode()))
    (tmp_path / "f.xz").write_bytes(lzma.compress("壬癸".encode()))
    assert read_all(str(tmp_path / "d")) == "甲乙\n丙丁\n"
    assert read_all(str(tmp_path / "d" / "**" / "*.txt")) == "甲乙\n丙丁\n"
    assert read_all(str(tmp_path / "c.txt.gz"), str(tmp_path / "e.bz2"), str(tmp_path / "f.xz")) == "戊己庚辛壬癸"


def test_invalid_bytes_replaced_counted_and_reported_once(write, caplog):
    path = write("bad.txt", b"\xe4\xb8\xad\xff\xfe\xe6\x96\x87\n\xe4\xb8")  # 中 FF FE 文 + cut character
    with caplog.at_level(logging.WARNING, logger="nlpzero"):
        text = read_all(path)
    assert text == "中\ufffd\ufffd文\n\ufffd"
    messages = [r.getMessage() for r in caplog.records]
    assert messages == [f"4 invalid bytes replaced in {path}"]


def test_bom_crlf_empty_and_no_final_newline(write):
    assert read_all(write("bom.txt", b"\xef\xbb\xbf\xe4\xb8\xad")) == "中"
    crlf = write("crlf.txt", "一\r\n二\r\n三")
    assert list(Corpus([crlf]).lines()) == ["一", "二", "三"]
    assert read_all(write("empty.txt", b"")) == ""
    assert list(Corpus([write("empty2.txt", b"")]).lines()) == []


def test_other_encodings(write):
    path = write("gb.txt", "中文编码".encode("gb18030"))
    assert read_all(path, encoding="gb18030") == "中文编码"
    with pytest.raises(InputError, match="unknown encoding"):
        Corpus([path], encoding="no-such-codec")


def test_multibyte_characters_split_across_read_blocks(write, monkeypatch):
    monkeypatch.setattr(corpus_mod, "READ_BLOCK", 5)
    text = "中文😀混合ASCII和𠀀扩展" * 7
    assert read_all(write("t.txt", text)) == text


def test_long_line_is_streamed_in_bounded_pieces(write, monkeypatch):
    monkeypatch.setattr(corpus_mod, "READ_BLOCK", 1000)
    monkeypatch.setattr(corpus_mod, "MAX_LINE_CHARS", 2000)
    text = "一二三四五，" * 2000  # 12000 characters, no newline
    path = write("long.txt", text)
    pieces = list(Corpus([path]).chunks())
    assert max(len(t) for t, _ in pieces) <= 1000
    lines = list(Corpus([path]).lines())
    assert "".join(lines) == text
    assert max(map(len, lines)) <= 2000
    # pieces are cut after a boundary character where one is near
    assert all(line.endswith("，") for line in lines)


def test_missing_binary_and_undecompressable_inputs_are_clear_errors(write, tmp_path):
    with pytest.raises(InputError, match="no such file"):
        Corpus([str(tmp_path / "nope.txt")])
    with pytest.raises(InputError, match="no files match"):
        Corpus([str(tmp_path / "*.nothing")])
    binary = write("img.bin", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    with pytest.raises(InputError, match="binary"):
        read_all(binary)
    broken = write("broken.gz", gzip.compress("中文".encode() * 100)[:30])
    with pytest.raises(InputError, match="cannot decompress"):
        read_all(broken)


def test_binary_files_inside_directories_are_skipped(write, tmp_path, caplog):
    write("d/a.txt", "文本")
    write("d/b.bin", b"\x00\x01\x02")
    with caplog.at_level(logging.WARNING, logger="nlpzero"):
        assert read_all(str(tmp_path / "d")) == "文本"
    assert any("skipped" in r.getMessage() for r in caplog.records)


def test_progress_reports_bytes(write):
    path = write("p.txt", "字" * 1000)
    seen = []
    list(Corpus([path], progress=seen.append).chunks())
    assert sum(seen) == 3000


def test_lines_skip_binary_files_in_directories_too(write, tmp_path):
    write("d/a.txt", "第一行\n第二行")
    write("d/b.bin", b"\x00\x01\x02")
    assert list(Corpus([str(tmp_path / "d")]).lines()) == ["第一行", "第二行"]


def test_file_line_bytes(write, monkeypatch):

    monkeypatch.setattr(corpus_mod, "READ_BLOCK", 7)
    text = "第一行\r\n中文和English\n最后一行没有换行"
    path = write("a.txt", b"\xef\xbb\xbf" + text.encode())
    blocks = list(Corpus(path).file_line_bytes(path))
    assert b"".join(blocks).decode() == text + "\n"
    assert all(b.endswith(b"\n") for b in blocks)
    gz = write("a.txt.gz", gzip.compress(text.encode()))
    assert b"".join(Corpus(gz).file_line_bytes(gz)).decode() == text + "\n"
    long_line = "汉字" * 200
    path = write("long.txt", long_line)
    blocks = list(Corpus(path).file_line_bytes(path, max_line_bytes=50))
    assert len(blocks) > 5 and b"".join(blocks).decode() == long_line + "\n"
    for b in blocks:
        b.decode("utf-8")          # every block holds whole characters
