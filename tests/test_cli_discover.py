import json
import os

import pytest
from click.testing import CliRunner

from nlpzero import Lexicon, NgramCounts, Tokenizer
from nlpzero.cli import main


def run(*args, input=None):
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


@pytest.fixture
def novel(write, novel_text):
    return write("novel.txt", novel_text)


def test_discover_prints_top_words(novel):
    result = run("discover", novel, "-q")
    assert result.exit_code == 0, result.output
    words = [line.split("\t")[0] for line in result.stdout.splitlines()]
    assert len(words) == 50 and "宝玉" in words[:10] and all(len(w) > 1 for w in words)


def test_discover_formats(novel, tmp_path):
    tsv, jb, js = (str(tmp_path / n) for n in ("lex.tsv", "lex.jieba", "lex.json"))
    assert run("discover", novel, "-o", tsv).exit_code == 0
    assert run("discover", novel, "-o", jb, "--format", "jieba", "--top", "3000").exit_code == 0
    assert run("discover", novel, "-o", js, "--format", "json").exit_code == 0
    lexicon = Lexicon.load(tsv)
    assert lexicon.columns == ("gain",) and lexicon == Lexicon.load(js)
    with open(tsv, encoding="utf-8") as f:
        assert f.readline().startswith("#nlpzero-lexicon 1 words=")
    with open(js, encoding="utf-8") as f:
        assert json.load(f)["format"] == "nlpzero-lexicon"
    # jieba reads the jieba format, and segments like our tokenizer with it
    jieba = pytest.importorskip("jieba")
    theirs = jieba.Tokenizer(dictionary=jb)
    theirs.tmp_dir = str(tmp_path)
    ours = Tokenizer(Lexicon.load(jb))
    sentence = "宝玉笑道：“林妹妹，你且坐着。”"
    assert theirs.lcut(sentence, HMM=False) == ours.tokenize(sentence)


def test_exclude_known_lists_only_new_words(novel, write):
    base = write("base.txt", "宝玉\n笑道\n什么\n")
    result = run("discover", novel, "--exclude-known", base, "--top", "20", "-q")
    words = [line.split("\t")[0] for line in result.stdout.splitlines()]
    assert words and not {"宝玉", "笑道", "什么"} & set(words) and "黛玉" in words


def test_base_dictionary_and_its_new_words(novel, write, tmp_path):
    base = write("base.txt", "宝玉 50\n笑道 40\n什么 30\n")
    out = str(tmp_path / "adapted.tsv")
    result = run("discover", novel, "--base", base, "-o", out, "-q")
    assert result.exit_code == 0, result.output
    adapted = Lexicon.load(out)
    assert {"宝玉", "笑道", "什么", "黛玉"} <= set(adapted)
    new = run("discover", novel, "--base", base, "--exclude-known", "--top", "20", "-q")
    words = [line.split("\t")[0] for line in new.stdout.splitlines()]
    assert words and not {"宝玉", "笑道", "什么"} & set(words) and "黛玉" in words
    missing = run("discover", novel, "--base", str(tmp_path / "nope.txt"), "-o", out)
    assert missing.exit_code != 0 and "nope.txt" in missing.output and "Traceback" not in missing.output


def test_discover_from_saved_counts(novel, tmp_path):
    counts = str(tmp_path / "c.ngc")
    assert run("count", novel, "--order", "2", "--fold-numbers", "-o", counts).exit_code == 0
    a = run("discover", novel, "--counts", counts, "-q").stdout
    assert a and a == run("discover", novel, "-q").stdout
    assert NgramCounts.load(counts).order == 2


def test_discover_bad_inputs(write, tmp_path):
    out = str(tmp_path / "lex.tsv")
    ok = write("ok.txt", "宝玉笑道")
    cases = [
        ["discover", str(tmp_path / "missing.txt"), "-o", out],
        ["discover", write("bin.dat", b"\x00\x01\x02"), "-o", out],
        ["discover", "-", "-o", out],
        ["discover", ok, "--counts", write("junk.ngc", b"junk"), "-o", out],
        ["discover", ok, "--exclude-known", str(tmp_path / "nodict.txt"), "-o", out],
        ["discover", ok, "--method", "ngram", "--counts", _order1_counts(tmp_path), "-o", out],
    ]
    for args in cases:
        result = run(*args)
        assert result.exit_code != 0, args
        assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1, result.output
        assert not os.path.exists(out)
    assert run("discover", write("empty.txt", ""), "-o", out).exit_code == 0
    assert Lexicon.load(out).total == 0


def _order1_counts(tmp_path):
    path = str(tmp_path / "o1.ngc")
    run("count", str(tmp_path / "ok.txt"), "--order", "1", "-o", path)
    return path


def test_quiet_silences_info_lines_not_warnings(tmp_path, novel_text):
    import subprocess
    import sys
    path = tmp_path / "novel.txt"
    path.write_bytes(novel_text[:20000].encode("utf-8") + b"\xff\n")          # one invalid byte: a warning
    def stderr(*flags):
        proc = subprocess.run([sys.executable, "-m", "nlpzero.cli", *flags, "discover", str(path), "--top", "3",
                               *([] if "--verbose" in flags else ["-q"])],
                              cwd=tmp_path, capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
        return proc.stderr
    quiet = stderr()
    assert "info:" not in quiet and "invalid" in quiet
    assert "info: discover:" in stderr("--verbose")


def test_lines_ending_in_a_joiner_or_indented(tmp_path, novel_text):
    """Lines ending in U+200D (a joiner used to take the line feed into its
    unit, and self-training then counted a word holding it) and indented lines."""
    path = tmp_path / "zwj.txt"
    lines = novel_text[:30000].splitlines()
    path.write_text("\n".join(("\u3000\u3000" + line + "\u200d") if i % 2 else line
                              for i, line in enumerate(lines)) + "\n", encoding="utf-8")
    out = tmp_path / "lexicon.tsv"
    result = run("discover", str(path), "-q", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "宝玉" in Lexicon.load(str(out))
