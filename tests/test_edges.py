"""Every edge a new user (and an adversary) hit: output paths, signals,
encodings, overflowing numbers, nothing to learn from, space-separated text."""

import importlib
import os
import signal
import stat
import subprocess
import tempfile
import sys
import threading
import time

import numpy as np
import pytest
from click.testing import CliRunner

from nlpzero import Lexicon, Tokenizer, discover
from nlpzero.cli import main
from nlpzero.errors import FormatError, InputError
from nlpzero.fileio import atomic_output, check_output
from nlpzero.vectors import WordVectors

NOVEL_LINE = "宝玉笑道：“林妹妹，你且坐着。”黛玉听了，便回头看凤姐。\n"


def run(*args, input=None):
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


def one_line_error(result):
    assert result.exit_code != 0, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.output.strip().splitlines() if line.startswith("Error")]
    assert len(lines) == 1, result.output
    return lines[0]


@pytest.fixture
def lexicon(write):
    return write("lex.tsv", "宝玉\t40\n笑道\t30\n黛玉\t20\n")


# ---------------------------------------------------------------- output paths

def test_a_fifo_destination_is_written_not_replaced(tmp_path, lexicon, write):
    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(open(fifo, "rb").read()))
    reader.start()
    result = run("tokenize", "-l", lexicon, write("in.txt", "宝玉笑道\n"), "-o", str(fifo))
    reader.join(10)
    assert result.exit_code == 0, result.output
    assert received == ["宝玉 笑道\n".encode()]
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="making a device node needs root")
def test_a_character_device_is_written_not_replaced(tmp_path, lexicon, write):
    null = tmp_path / "null"          # a private copy of /dev/null
    os.mknod(null, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    for args in (["tokenize", "-l", lexicon, write("in.txt", "宝玉笑道\n")], ["compile", lexicon],
                 ["count", write("c.txt", "宝玉")]):
        result = run(*args, "-o", str(null))
        assert result.exit_code == 0, result.output
        assert stat.S_ISCHR(os.stat(null).st_mode), args
    assert [p for p in os.listdir(tmp_path) if p.endswith(".tmp")] == []


def test_a_symlink_is_written_through(tmp_path, lexicon, write):
    target = tmp_path / "real.txt"
    target.write_text("old\n")
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    assert run("tokenize", "-l", lexicon, write("in.txt", "宝玉笑道\n"), "-o", str(link)).exit_code == 0
    assert link.is_symlink() and target.read_text(encoding="utf-8") == "宝玉 笑道\n"


def test_modes_survive_and_new_files_follow_the_umask(tmp_path):
    existing = tmp_path / "existing.txt"
    existing.write_text("x")
    os.chmod(existing, 0o640)
    with atomic_output(str(existing), "w") as out:
        out.write("y")
    assert stat.S_IMODE(os.stat(existing).st_mode) == 0o640 and existing.read_text() == "y"
    old = os.umask(0o027)
    try:
        with atomic_output(str(tmp_path / "new.txt"), "w") as out:
            out.write("z")
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "new.txt").st_mode) == 0o640


def test_an_output_that_is_an_input_is_refused_before_any_work(tmp_path, lexicon, write):
    corpus = write("in.txt", NOVEL_LINE)
    for args in (["tokenize", "-l", lexicon, corpus, "-o", corpus], ["compile", lexicon, "-o", lexicon],
                 ["discover", corpus, "-o", corpus], ["count", corpus, "-o", corpus],
                 ["vectors", corpus, "-l", lexicon, "-o", lexicon],
                 ["tokenize", "-l", lexicon, str(tmp_path), "-o", corpus]):     # inside an input directory
        assert "is also an input" in one_line_error(run(*args)), args
    assert open(corpus, encoding="utf-8").read() == NOVEL_LINE
    assert open(lexicon, encoding="utf-8").read() == "宝玉\t40\n笑道\t30\n黛玉\t20\n"


def test_bad_output_directories_are_found_at_start_and_named(tmp_path, write, monkeypatch):
    discover_module = importlib.import_module("nlpzero.discovery")
    corpus = write("in.txt", NOVEL_LINE)
    monkeypatch.setattr(discover_module, "_discover", lambda *a, **k: pytest.fail("worked before checking"))
    missing = str(tmp_path / "no" / "such" / "out.tsv")
    message = one_line_error(run("discover", corpus, "-o", missing))
    assert missing in message and "does not exist" in message and ".tmp" not in message
    message = one_line_error(run("discover", corpus, "-o", str(tmp_path)))
    assert "is a directory" in message and ".tmp" not in message
    with pytest.raises(InputError, match="is a directory"):
        check_output(str(tmp_path))


def test_a_descriptor_path_is_written_through_its_descriptor(tmp_path, lexicon, write):
    # -o /dev/stdout under `>>` used to replace the file behind the descriptor, and failed in a pipe
    corpus = write("in.txt", "宝玉笑道\n")
    appended = tmp_path / "appended.txt"
    appended.write_text("KEEP\n")
    command = [sys.executable, "-m", "nlpzero.cli", "tokenize", "-q", "-l", lexicon, corpus, "-o", "/dev/stdout"]
    with open(appended, "ab") as out:
        assert subprocess.run(command, stdout=out, cwd=tmp_path).returncode == 0
    assert appended.read_text(encoding="utf-8") == "KEEP\n宝玉 笑道\n"
    piped = subprocess.run(command, capture_output=True, cwd=tmp_path)
    assert piped.returncode == 0 and piped.stdout.decode() == "宝玉 笑道\n", piped.stderr
    script = ("import sys; from nlpzero.fileio import atomic_path\n"
              "with atomic_path('/dev/fd/1') as p: open(p, 'w').write('by name')")
    by_name = subprocess.run([sys.executable, "-c", script], capture_output=True, cwd=tmp_path)
    assert by_name.stdout == b"by name"
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]


def test_a_read_only_output_and_a_trailing_slash_are_refused_before_any_work(tmp_path, write, monkeypatch):
    discover_module = importlib.import_module("nlpzero.discovery")
    corpus = write("in.txt", NOVEL_LINE)
    monkeypatch.setattr(discover_module, "_discover", lambda *a, **k: pytest.fail("worked before checking"))
    assert one_line_error(run("discover", corpus, "-o", str(tmp_path / "out") + "/")).endswith(
        "names a directory; give a file name")
    assert not (tmp_path / "out").exists()
    read_only = write("ro.tsv", "old\n")
    os.chmod(read_only, 0o444)
    fifo = str(tmp_path / "ro.fifo")          # a FIFO or device is written directly: checked all the same
    os.mkfifo(fifo, 0o444)
    real_access = os.access
    if real_access(read_only, os.W_OK):       # root: file modes do not stop it, so say what they would
        monkeypatch.setattr(os, "access", lambda path, mode: (not (mode & os.W_OK and os.fspath(path) in
                                                                   (read_only, fifo)) and real_access(path, mode)))
    assert one_line_error(run("discover", corpus, "-o", read_only)).endswith("ro.tsv: read-only")
    assert one_line_error(run("discover", corpus, "-o", fifo)).endswith("ro.fifo: read-only")
    with pytest.raises(InputError, match="read-only"), atomic_output(read_only, "w") as out:
        out.write("new")
    assert open(read_only).read() == "old\n"


def test_a_dangling_link_names_the_missing_directory(tmp_path, write):
    link = tmp_path / "out.tsv"
    link.symlink_to(tmp_path / "nowhere" / "x.tsv")
    message = one_line_error(run("discover", write("in.txt", NOVEL_LINE), "-o", str(link)))
    assert str(tmp_path / "nowhere") + " does not exist" in message


def test_a_full_device_names_the_output(write):
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    message = one_line_error(run("count", write("in.txt", NOVEL_LINE * 50), "-q", "-o", "/dev/full"))
    assert message == "Error: /dev/full: cannot write (No space left on device)"


def test_a_counts_directory_gets_the_umask_mode(tmp_path, write):
    corpus = write("in.txt", NOVEL_LINE)
    old = os.umask(0o002)
    try:
        assert run("count", corpus, "-q", "-o", str(tmp_path / "parts") + "/").exit_code == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "parts").st_mode) == 0o775
    empty = tmp_path / "empty"
    empty.mkdir()
    os.chmod(empty, 0o750)
    assert run("count", corpus, "-q", "-o", str(empty) + "/").exit_code == 0
    assert stat.S_IMODE(os.stat(empty).st_mode) == 0o750 and (empty / "manifest.json").exists()


def test_merge_refuses_binary_counts_on_stdout_as_count_does(tmp_path, write):
    counts = str(tmp_path / "x.ngc")
    assert run("count", write("in.txt", NOVEL_LINE), "-q", "-o", counts).exit_code == 0
    for command in (["count", write("in2.txt", NOVEL_LINE)], ["merge", counts]):
        result = run(*command, "-o", "-")
        assert result.exit_code == 2 and "binary counts cannot go to stdout" in result.output
    assert "玉\t2" in run("merge", counts, "-o", "-", "--format", "tsv").output.splitlines()


@pytest.mark.parametrize("encoding", ["rot13", "base64", "zlib", "idna", "undefined"])
def test_an_encoding_that_cannot_read_text_is_one_line(write, tmp_path, encoding):
    message = one_line_error(run("count", write("in.txt", NOVEL_LINE), "--encoding", encoding,
                                 "-o", str(tmp_path / "x.ngc")))
    assert message == f"Error: {encoding}: not an encoding nlpzero can read text in"


def test_other_files_and_empty_files_are_not_lexicons(tmp_path, write, lexicon):
    corpus = write("in.txt", NOVEL_LINE * 20)
    templates = str(tmp_path / "t.tpl")
    assert run("templates", corpus, "-l", lexicon, "-q", "-o", templates, "--min-count", "1").exit_code == 0
    empty = write("empty.tsv", "")
    blank = write("blank.tsv", "\n \n")
    for args in (["compile", templates, "-o", str(tmp_path / "m")], ["tokenize", "-l", templates, corpus],
                 ["discover", corpus, "--base", templates]):
        assert "an nlpzero templates file, not a lexicon" in one_line_error(run(*args)), args
    tab_header = write("tab.tsv", "#nlpzero-lexicon\t1\n我们\t3\n")
    assert len(Lexicon.load(tab_header)) == 1
    with pytest.raises(FormatError, match="an nlpzero unknown file"):
        Lexicon.load(write("bare.tsv", "#nlpzero-\n"))
    for path in (empty, blank):
        assert "holds no words: not a lexicon" in one_line_error(run("tokenize", "-l", path, corpus))
        with pytest.raises(FormatError, match="holds no words"):
            Lexicon.load(path)
    saved = str(tmp_path / "saved.tsv")
    Lexicon().save(saved)                      # a saved empty lexicon is one
    assert len(Lexicon.load(saved)) == 0 and run("tokenize", "-l", saved, corpus).exit_code == 0


def test_batch_queries_and_empty_words(tmp_path, write):
    corpus = write("in.txt", "cat dog pet\ncar road wheel\n" * 30)
    vectors = str(tmp_path / "v.vec")
    assert run("vectors", corpus, "--tokenized", "-q", "--min-count", "1", "--dim", "4", "--sample", "0",
               "-o", vectors).exit_code == 0
    assert "not UTF-8 text" in one_line_error(run("similar", "-v", vectors, "--batch", write("bad.txt", b"\xffcat\n")))
    assert "not UTF-8 text" in one_line_error(run("keywords", "-v", vectors, "--batch", write("bad.txt", b"\xff\n")))
    with_bom = run("similar", "-v", vectors, "-k", "1", "--batch", write("bom.txt", "\ufeffcat\ndog\n"))
    assert with_bom.exit_code == 0 and with_bom.output.startswith("cat\t"), with_bom.output
    result = run("similar", "-v", vectors, "")
    assert result.exit_code == 2 and "an empty word" in result.output
    wv = WordVectors.load(vectors)
    with pytest.raises(KeyError):
        wv.similar("")
    with pytest.raises(ValueError):
        wv.similar("cat", -1)


def test_compressed_stdin_is_decompressed(tmp_path):
    import bz2
    import gzip
    import lzma
    text = "宝玉笑道\n".encode()
    command = [sys.executable, "-m", "nlpzero.cli", "count", "-q", "-", "--order", "1", "--format", "tsv", "-o", "-"]
    for compress in (gzip.compress, bz2.compress, lzma.compress, lambda data: data):
        result = subprocess.run(command, input=compress(text), capture_output=True, cwd=tmp_path, timeout=60)
        assert result.returncode == 0, result.stderr
        assert sorted(result.stdout.decode().splitlines()) == ["宝\t1", "玉\t1", "笑\t1", "道\t1"]


def test_a_descriptor_output_is_checked_before_any_work(tmp_path, lexicon, write):
    corpus = write("in.txt", "宝玉笑道\n")
    script = ("import sys; from nlpzero.cli import main; "
              f"main(['tokenize', '-q', '-l', {lexicon!r}, {corpus!r}, '-o', sys.argv[1]])")
    with open(corpus, "ab") as out:        # `... -o /dev/stdout >> in.txt` read its own output without end
        result = subprocess.run([sys.executable, "-c", script, "/dev/stdout"], stdout=out, stderr=subprocess.PIPE,
                                cwd=tmp_path, timeout=60)
    assert result.returncode != 0 and b"is also an input" in result.stderr
    assert open(corpus, encoding="utf-8").read() == "宝玉笑道\n"
    closed = subprocess.run([sys.executable, "-c", script, "/dev/fd/9"], capture_output=True, cwd=tmp_path,
                            timeout=60)
    assert closed.returncode != 0 and b"/dev/fd/9: cannot write (Bad file descriptor)" in closed.stderr


def _spawn(*args, **kw):
    # run from elsewhere than the repository: `python -m` would import its unbuilt source tree
    return subprocess.Popen([sys.executable, "-m", "nlpzero.cli", *args], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tempfile.gettempdir(), **kw)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_termination_signals_remove_temporary_output(tmp_path, lexicon, signum):
    out = tmp_path / "out.txt"
    proc = _spawn("tokenize", "-l", lexicon, "-", "-o", str(out))
    proc.stdin.write("宝玉笑道\n".encode() * 1000)
    proc.stdin.flush()
    deadline = time.time() + 20
    while not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")] and time.time() < deadline:
        time.sleep(0.05)
    assert [p for p in os.listdir(tmp_path) if p.endswith(".tmp")], "no temporary output appeared"
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 128 + signum, err
    assert b"Traceback" not in err and b"terminated" in err
    assert os.listdir(tmp_path) == ["lex.tsv"]


def test_termination_removes_spilled_count_runs(tmp_path):
    spill = tmp_path / "spill"
    spill.mkdir()
    proc = _spawn("count", "-", "-o", str(tmp_path / "c.ngc"), "--max-memory", "16M", "--temp-dir", str(spill),
                  "-j", "1")
    rng = np.random.default_rng(1)
    text = "".join(chr(c) for c in rng.integers(0x4E00, 0x9FA5, 2_000_000)) + "\n"
    proc.stdin.write(text.encode())
    proc.stdin.flush()
    deadline = time.time() + 60
    while not any(files for _, _, files in os.walk(spill)) and time.time() < deadline:
        time.sleep(0.05)
    assert any(files for _, _, files in os.walk(spill)), "nothing was spilled"
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=30)
    assert proc.returncode == 128 + signal.SIGTERM
    assert os.listdir(spill) == [] and not (tmp_path / "c.ngc").exists()


def test_a_pipe_is_answered_line_by_line(lexicon):
    proc = _spawn("tokenize", "-l", lexicon)
    proc.stdin.write("宝玉笑道\n".encode())
    proc.stdin.flush()
    assert proc.stdout.readline() == "宝玉 笑道\n".encode()       # before the input ends
    proc.stdin.write("黛玉\n".encode())
    proc.stdin.close()
    assert proc.stdout.read() == "黛玉\n".encode()
    assert proc.wait(10) == 0


# ---------------------------------------------------------------- inputs

def test_utf16_without_a_byte_order_mark(write, lexicon, tmp_path):
    path = write("u16.txt", "宝玉笑道\n".encode("utf-16-le"))
    for args in (["tokenize", "-l", lexicon, path], ["count", path, "-o", str(tmp_path / "c.ngc")],
                 ["discover", path]):
        message = one_line_error(run(*args, "--encoding", "utf-16"))
        assert "byte-order mark" in message and "utf-16-le" in message
    assert run("tokenize", "-l", lexicon, path, "--encoding", "utf-16-le").stdout == "宝玉 笑道\n"
    path32 = write("u32.txt", "宝玉\n".encode("utf-32-be"))
    assert "utf-32-be" in one_line_error(run("tokenize", "-l", lexicon, path32, "--encoding", "utf-32"))
    with_bom = write("bom16.txt", "\ufeff宝玉笑道\n".encode("utf-16-le"))      # the order given and a mark too
    for encoding in ("utf-16-le", "utf-16"):
        assert run("tokenize", "-l", lexicon, with_bom, "--encoding", encoding).stdout == "宝玉 笑道\n", encoding


def test_counts_beyond_64_bits(write, tmp_path):
    huge = write("huge.tsv", "宝玉\t99999999999999999999999\n")
    for args in (["tokenize", "-l", huge, write("in.txt", "宝玉")], ["compile", huge, "-o", str(tmp_path / "m")]):
        message = one_line_error(run(*args))
        assert "huge.tsv:1" in message and "too large" in message
    many = write("many.tsv", "".join(f"w{i}\t{2 ** 62}\n" for i in range(3)))
    assert "more than a tokenizer can hold" in one_line_error(run("tokenize", "-l", many, write("b.txt", "w")))


def test_nothing_to_learn_from(write, tmp_path, lexicon):
    out = str(tmp_path / "v.vec")
    assert "not - (stdin)" in one_line_error(run("vectors", "-", "--tokenized", "-o", out, input="a b\n"))
    assert "not - (stdin)" in one_line_error(run("templates", "-", "-l", lexicon, input="宝玉\n"))
    tiny = write("tiny.txt", "a b\n")
    message = one_line_error(run("vectors", tiny, "--tokenized", "-o", out))
    assert "nothing to train on" in message
    apart = write("apart.txt", "a\nb\na\nb\na\nb\na\nb\na\nb\n")
    assert "nothing to train on" in one_line_error(run("vectors", apart, "--tokenized", "-o", out))
    assert "no words" in one_line_error(run("templates", write("marks.txt", "，。！\n"), "-l", lexicon))
    assert not os.path.exists(out)


def test_vectors_file_headers_are_checked(tmp_path):
    words = [f"w{i}" for i in range(50)]
    vectors = np.random.default_rng(0).random((50, 4), dtype=np.float32)
    path = str(tmp_path / "v.vec")
    for binary in (False, True):
        WordVectors(words, vectors).save(path, binary=binary)
        data = open(path, "rb").read()
        body = data[data.index(b"\n"):]
        for header in (b"99999999999 4", b"10 4", b"50 5"):
            bad = tmp_path / "bad.vec"
            bad.write_bytes(header + body)
            with pytest.raises(FormatError, match="header|damaged|truncated"):
                WordVectors.load(str(bad))
        loaded = WordVectors.load(path)
        assert loaded.words == words and np.array_equal(loaded.vectors, vectors)
    bad.write_bytes(b"99999999999 100\n" + body)
    message = one_line_error(run("similar", "-v", str(bad), "w1"))
    assert "bad header" in message and "out of memory" not in message


def test_memory_budget_has_a_floor(write, tmp_path):
    corpus = write("c.txt", "a b c\n")
    for args in (["vectors", corpus, "--tokenized"], ["count", corpus]):
        message = one_line_error(run(*args, "-o", str(tmp_path / "x"), "--max-memory", "1K"))
        assert "too small" in message and "16M" in message


def test_text_in_another_encoding_is_refused_once(write, lexicon):
    gbk = write("gbk.txt", ("宝玉笑道：“林妹妹，你且坐着。”" * 200).encode("gbk"))
    for args in (["discover", gbk], ["tokenize", "-l", lexicon, gbk]):
        message = one_line_error(run(*args))
        assert "not UTF-8" in message and "--encoding gb18030" in message
    assert run("tokenize", "-l", lexicon, gbk, "--encoding", "gb18030").stdout.startswith("宝玉 笑道")
    mostly_good = write("ok.txt", NOVEL_LINE.encode() * 50 + b"\xff\xfe" + NOVEL_LINE.encode() * 50)
    result = run("discover", mostly_good, "-q")
    assert result.exit_code == 0
    assert result.output.count("2 invalid bytes replaced") == 1            # four passes, one warning


def test_counts_of_another_corpus_are_flagged(write, tmp_path, novel_text):
    corpus = write("novel.txt", novel_text[:50000])
    other = write("other.txt", novel_text[100000:120000])
    counts = str(tmp_path / "other.ngc")
    assert run("count", other, "--order", "2", "--fold-numbers", "-o", counts).exit_code == 0
    result = run("discover", corpus, "--counts", counts, "-q")
    assert result.exit_code == 0 and "not counted from this corpus" in result.output


# ---------------------------------------------------------------- space-separated text

ENGLISH = ("the new york times reported that the united states and new zealand signed a treaty . "
           "in new york the mayor said the united states would sign . ")


def test_latin_words_stay_whole_and_multi_word_units_are_found(tmp_path):
    rng = np.random.default_rng(2)
    fillers = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa"]
    lines = []
    for _ in range(600):
        words = list(rng.choice(fillers, 6))
        words.insert(int(rng.integers(0, 6)), "new york")
        words.insert(int(rng.integers(0, 7)), "united states")
        lines.append(" ".join(words))
    path = tmp_path / "english.txt"
    path.write_text("\n".join(lines) + "\n" + ENGLISH + "\n", encoding="utf-8")
    lexicon = discover(str(path))
    assert "new york" in lexicon and "united states" in lexicon
    assert {"alpha", "theta", "the"} <= set(lexicon)
    assert not {"t", "h", "e", "k"} & set(lexicon)              # no letters cut out of words
    tokens = Tokenizer(lexicon).tokenize("the five nine one and new york")
    assert tokens == ["the", " ", "five", " ", "nine", " ", "one", " ", "and", " ", "new york"]
    chars = discover(str(path), unit="char")                    # the character method keeps runs whole too
    assert all(" " not in w for w in chars) and "theta" in chars and not {"t", "h", "e"} & set(chars)


# ---------------------------------------------------------------- smaller things

def test_formats_apply_to_printed_words(write, novel_text):
    corpus = write("novel.txt", novel_text)
    result = run("discover", corpus, "--format", "jieba", "--top", "5", "-q")
    lines = result.stdout.splitlines()
    assert len(lines) == 5 and all(len(line.split(" ")) == 2 and line.split(" ")[1].isdigit() for line in lines)
    import json
    data = json.loads(run("discover", corpus, "--format", "json", "--top", "3", "-q").stdout)
    assert data["format"] == "nlpzero-lexicon" and len(data["words"]) == 3
    assert "(stdin)" not in run("discover", "--help").output.replace("not '-'", "")


def test_jieba_files_say_what_was_left_out(write, tmp_path):
    corpus = write("c.txt", "".join(f"第{i}回 宝玉笑道 {i}年\n" for i in range(300)))
    out = str(tmp_path / "d.txt")
    result = run("discover", corpus, "--format", "jieba", "-o", out)
    assert result.exit_code == 0
    written = sum(1 for _ in open(out, encoding="utf-8"))
    assert f"({written} words; " in result.output and "left out" in result.output


def test_tsv_columns_are_regular_and_gain_readable(write, tmp_path, novel_text):
    corpus = write("novel.txt", novel_text)
    out = str(tmp_path / "lex.tsv")
    assert run("discover", corpus, "-o", out).exit_code == 0
    with open(out, encoding="utf-8") as f:
        rows = [line.rstrip("\n").split("\t") for line in f][1:]
    assert {len(r) for r in rows} == {3}
    lexicon = Lexicon.load(out)
    assert lexicon.gain("宝玉") > 0 and lexicon.gain("的") is None


def test_punctuation_stays_out_of_vectors_and_keywords(tmp_path):
    rng = np.random.default_rng(4)
    words = ["宝玉", "黛玉", "凤姐", "贾母", "笑道", "说"]
    text = "\n".join(" ".join(list(rng.choice(words, 5)) + ["：", "“", "？"]) for _ in range(400))
    corpus = tmp_path / "t.txt"
    corpus.write_text(text, encoding="utf-8")
    out = str(tmp_path / "v.vec")
    assert run("vectors", str(corpus), "--tokenized", "-o", out, "--dim", "4", "--epochs", "2", "-q").exit_code == 0
    vectors = WordVectors.load(out)
    assert set(vectors.words) == set(words)
    assert "？" not in dict(vectors.keywords(["宝玉", "？", "笑道"]))


def test_tokenize_without_a_lexicon_uses_jiebas_dictionary(write, tmp_path, monkeypatch):
    monkeypatch.setenv("NLPZERO_CACHE_DIR", str(tmp_path / "cache"))
    corpus = write("in.txt", "他来到了网易杭研大厦\n")
    result = run("tokenize", corpus)
    assert result.exit_code == 0 and result.stdout == "他 来到 了 网易 杭 研 大厦\n"
    cached = os.listdir(tmp_path / "cache")
    assert len(cached) == 1 and cached[0].endswith(".nlpztok")
    assert run("tokenize", corpus).stdout == result.stdout          # from the cache


def test_progress_bars_keep_log_lines_whole():
    import io
    import logging
    from nlpzero.cli import _LogHandler
    from nlpzero.progress import TerminalProgress
    stream = io.StringIO()
    handler = _LogHandler()
    record = logging.LogRecord("nlpzero", logging.INFO, __file__, 1, "hello", (), None)
    import nlpzero.progress as progress_module
    original = sys.stderr
    sys.stderr = stream
    try:
        with TerminalProgress(stream).task("counting", total=100, unit="B") as advance:
            advance(50)
            handler.emit(record)
            advance(50)
    finally:
        sys.stderr = original
    text = stream.getvalue()
    assert "\r\x1b[Knlpzero: info: hello\n" in text                 # the bar is erased first
    assert "counting [" in text.split("hello\n")[1]                 # and drawn again below
    assert progress_module._shown is None


def test_importing_the_unbuilt_source_tree_says_how_to_build(tmp_path):
    import shutil
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + "/nlpzero"
    shutil.copytree(package, tmp_path / "nlpzero", ignore=shutil.ignore_patterns("*.so", "*.pyd", "*.c"))
    proc = subprocess.run([sys.executable, "-c", "import nlpzero; nlpzero.Tokenizer"], cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode != 0 and "pip install -e ." in proc.stderr


def test_an_edited_dictionarys_old_compiled_model_is_removed(tmp_path, monkeypatch):
    from nlpzero.cache import compiled_dictionary
    monkeypatch.setenv("NLPZERO_CACHE_DIR", str(tmp_path / "cache"))
    words = tmp_path / "words.txt"
    words.write_text("中国 10\n人民 8\n", encoding="utf-8")
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / "words.txt-0123456789abcdef01234567.nlpztok").write_bytes(b"old naming")
    assert compiled_dictionary(str(words)).tokenize("中国人民") == ["中国", "人民"]
    [first] = os.listdir(tmp_path / "cache")
    words.write_text("中国人 10\n民 8\n", encoding="utf-8")
    assert compiled_dictionary(str(words)).tokenize("中国人民") == ["中国人", "民"]
    [second] = os.listdir(tmp_path / "cache")
    assert first != second


def _feed_fifo(path, *chunks):
    """Write chunks into a FIFO once a reader opens it (a thread that gives up
    after 10 s instead of hanging the test when the reader never comes)."""
    def feed():
        deadline = time.monotonic() + 10
        while True:
            try:
                fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
                break
            except OSError:            # ENXIO: no reader yet
                if time.monotonic() > deadline:
                    return
                time.sleep(0.01)
        os.set_blocking(fd, True)
        for chunk in chunks:
            os.write(fd, chunk)
            time.sleep(0.2)            # a pipe delivers what has arrived: the reader sees pieces
        os.close(fd)
    thread = threading.Thread(target=feed, daemon=True)
    thread.start()
    return thread


def test_a_pipe_or_fifo_path_is_read_once_like_stdin(tmp_path, lexicon, monkeypatch):
    import gzip
    from nlpzero.blocks import list_files
    fifo = str(tmp_path / "in.fifo")
    text = "宝玉笑道\n".encode()
    packed = gzip.compress(text)
    for command, chunks in ((["tokenize", "-q", "-l", lexicon], [text]),
                            (["count", "-q", "--format", "tsv", "--order", "1", "-o", "-"], [packed[:1], packed[1:]])):
        os.mkfifo(fifo)
        writer = _feed_fifo(fifo, *chunks)
        result = run(*command, fifo)
        writer.join(10)
        os.unlink(fifo)
        assert result.exit_code == 0, result.output
        if command[0] == "tokenize":
            assert result.output == "宝玉 笑道\n"
        else:                           # the gzip magic arrived in two reads and was still seen
            assert "玉\t1" in result.output.splitlines()
    os.mkfifo(fifo)
    message = one_line_error(run("vectors", fifo, "--tokenized", "-o", str(tmp_path / "v.vec")))
    assert "reads its corpus more than once" in message and "FIFO" in message
    with pytest.raises(InputError, match="a pipe or FIFO"):
        list_files([fifo])                         # the cluster engine reads files
    # a FIFO input is not stdin: the run keeps its threads and progress
    seen = {}
    monkeypatch.setattr(Tokenizer, "tokenize_corpus", lambda self, corpus, out, **kw: seen.update(kw))
    assert run("tokenize", "-l", lexicon, fifo, "-j", "2").exit_code == 0
    assert seen["interactive"] is False and seen["jobs"] == 2


def test_every_command_takes_quiet_and_quiet_silences_info(tmp_path, lexicon):
    import click
    commands = [(name, c) for name, c in main.commands.items() if not isinstance(c, click.Group)]
    commands += [(f"eval {name}", c) for name, c in main.commands["eval"].commands.items()]
    missing = [name for name, c in commands if not any("--quiet" in p.opts for p in c.params)]
    assert not missing
    loud = CliRunner().invoke(main, ["compile", lexicon, "-o", str(tmp_path / "m")])
    quiet = CliRunner().invoke(main, ["compile", lexicon, "-q", "-o", str(tmp_path / "m")])
    assert "wrote" in loud.output and quiet.exit_code == 0 and quiet.output == ""


def test_the_library_checks_its_arguments_as_the_cli_does(write):
    from nlpzero import count
    corpus = write("in.txt", NOVEL_LINE * 3)
    for bad in (dict(jobs=0), dict(jobs=-1), dict(jobs=10 ** 6), dict(max_memory=0), dict(min_count=-1),
                dict(min_count=0)):
        with pytest.raises(InputError):
            discover(corpus, **bad)
    for bad in (dict(jobs=0), dict(max_memory=-5)):
        with pytest.raises(InputError):
            count(corpus, **bad)
    assert len(discover(os.fsencode(corpus), self_train=False)) > 0          # a bytes path is a path
    with pytest.raises(TypeError, match="a corpus is paths"):
        discover(42)
    counts = count(corpus, order=2)
    with pytest.raises(ValueError, match="1 to 2 characters"):
        counts.most_common(3, order=9)
    assert count(corpus, order=2, jobs=np.int64(2), max_memory=2e9) == counts     # numpy and float sizes


def test_one_name_for_one_option_across_commands(tmp_path, lexicon):
    import click
    commands = [c for c in main.commands.values() if not isinstance(c, click.Group)]
    commands += list(main.commands["eval"].commands.values())
    for command in commands:
        for param in command.params:
            if "--top" in param.opts:
                assert "-k" in param.opts, command.name
            if "--vectors" in param.opts:
                assert "-v" in param.opts, command.name
    assert run("compile", lexicon, "--input-format", "tsv", "-o", str(tmp_path / "m")).exit_code == 0
    assert run("compile", lexicon, "--format", "tsv", "-o", str(tmp_path / "m")).exit_code == 0     # the old name
    result = run("eval", "vectors", "--analogy", lexicon)
    assert result.exit_code == 2 and "-v VECTORS" in result.output
