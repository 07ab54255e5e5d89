import os

from click.testing import CliRunner

from nlpzero import NgramCounts
from nlpzero.cli import main

from reference import count_ngrams


def run(*args, input=None):
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


def test_count_tsv_to_stdout_matches_reference(write):
    path = write("a.txt", "中国人民站起来了。\n中国人民")
    result = run("count", path, "--order", "3", "--format", "tsv", "-o", "-")
    assert result.exit_code == 0, result.output
    lines = dict(line.split("\t") for line in result.stdout.splitlines())
    assert {k: int(v) for k, v in lines.items()} == dict(count_ngrams(["中国人民站起来了。\n中国人民"], 3))


def test_count_binary_merge_and_stdin(write, tmp_path):
    a = write("a.txt", "甲乙丙")
    out_a, out_b, merged = (str(tmp_path / n) for n in ("a.ngc", "b.ngc", "m.ngc"))
    assert run("count", a, "-o", out_a, "-j", "2").exit_code == 0
    assert run("count", "-", "-o", out_b, input="乙丙丁").exit_code == 0
    assert run("merge", out_a, out_b, "-o", merged).exit_code == 0
    assert NgramCounts.load(merged)["乙丙"] == 2


def test_bad_inputs_give_one_line_errors_and_no_output(write, tmp_path):
    out = str(tmp_path / "out.ngc")
    cases = [
        ["count", str(tmp_path / "missing.txt"), "-o", out],
        ["count", write("bin.dat", b"\x00\x01\x02binary"), "-o", out],
        ["count", write("ok.txt", "文本"), "-o", "-"],
        ["count", write("ok2.txt", "文本"), "-o", out, "--max-memory", "lots"],
        ["merge", write("junk.ngc", b"garbage"), "-o", out],
        ["count", write("ok3.txt", "文本"), "-o", str(tmp_path / "no" / "dir" / "x.ngc")],
    ]
    for args in cases:
        result = CliRunner().invoke(main, args)
        assert result.exit_code != 0, args
        assert result.exception is None or isinstance(result.exception, SystemExit), (args, result.exception)
        message = result.output.strip().splitlines()
        assert len([m for m in message if m.startswith("Error")]) == 1, (args, result.output)
        assert not os.path.exists(out)
    assert [p for p in os.listdir(tmp_path) if p.endswith(".tmp")] == []


def test_help_explains_commands():
    result = run("count", "--help")
    assert "--max-memory" in result.output and "Examples" in result.output
