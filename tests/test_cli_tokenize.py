import os

from click.testing import CliRunner

from nlpzero import Lexicon, Tokenizer
from nlpzero.cli import main


def run(*args, input=None):
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


def test_tokenize_lines_sep_and_model(write, tmp_path):
    lexicon = write("lex.tsv", "宝玉\t40\n笑道\t30\n黛玉\t20\n")
    corpus = write("in.txt", "宝玉笑道：“好 妹妹”\r\n\n黛玉iPhone12！！")
    result = run("tokenize", "-l", lexicon, corpus)
    assert result.exit_code == 0, result.output
    assert result.stdout == "宝玉 笑道 ： “ 好 妹 妹 ”\n\n黛玉 iPhone12 ！！\n"
    model = str(tmp_path / "m.nlpztok")
    assert run("compile", lexicon, "-o", model).exit_code == 0
    out = str(tmp_path / "out.txt")
    assert run("tokenize", "-l", model, corpus, "--sep", "/", "-j", "2", "-o", out).exit_code == 0
    with open(out, encoding="utf-8") as f:
        assert f.read() == "宝玉/笑道/：/“/好/妹/妹/”\n\n黛玉/iPhone12/！！\n"
    assert run("tokenize", "-l", lexicon, input="宝玉笑道\n").stdout == "宝玉 笑道\n"


def test_tokenize_novel_matches_api(novel_text, write):
    lexicon = Lexicon({"宝玉": 40, "笑道": 30, "黛玉": 20, "凤姐": 10})
    path = write("lex.tsv", "".join(f"{w}\t{c}\n" for w, c in lexicon.items()))
    corpus = write("novel.txt", novel_text)
    result = run("tokenize", "-l", path, corpus, "-j", "2")
    tok = Tokenizer(lexicon)
    expected = [" ".join(t for t in tok.tokenize(line) if not t.isspace()) for line in novel_text.split("\n")]
    assert result.stdout.split("\n")[:-1] == expected


def test_tokenize_bad_inputs(write, tmp_path):
    lexicon = write("lex.tsv", "宝玉\t40\n")
    out = str(tmp_path / "out.txt")
    cases = [
        ["tokenize", "-l", str(tmp_path / "missing.tsv"), write("a.txt", "文本"), "-o", out],
        ["tokenize", "-l", write("bad.tsv", "宝玉\tmany\n"), write("b.txt", "文本"), "-o", out],
        ["tokenize", "-l", write("bin.tsv", b"\x00\xff\x00"), write("c.txt", "文本"), "-o", out],
        ["tokenize", "-l", lexicon, str(tmp_path / "missing.txt"), "-o", out],
        ["tokenize", "-l", lexicon, write("bin.dat", b"\x00\x01binary"), "-o", out],
        ["compile", write("bad2.tsv", "x\ty\n"), "-o", out],
    ]
    for args in cases:
        result = run(*args)
        assert result.exit_code != 0, args
        assert len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output, result.output
        assert not os.path.exists(out)
    damaged = str(tmp_path / "m.nlpztok")
    Tokenizer({"宝玉": 40}).save(damaged)
    with open(damaged, "r+b") as f:
        f.truncate(30)
    result = run("tokenize", "-l", damaged, write("d.txt", "文本"))
    assert result.exit_code != 0 and "truncated" in result.output


def test_tokenize_empty_and_invalid_utf8(write):
    lexicon = write("lex.tsv", "宝玉\t40\n")
    assert run("tokenize", "-l", lexicon, write("empty.txt", "")).stdout == ""
    result = run("tokenize", "-l", lexicon, write("bad.txt", b"\xe5\xae\x9d\xe7\x8e\x89\xff\xfe ok\n"))
    assert result.exit_code == 0
    assert result.stdout == "宝玉 \ufffd\ufffd ok\n"
    assert "2 invalid bytes replaced" in result.output
