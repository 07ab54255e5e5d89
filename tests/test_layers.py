"""The contracts between the layers: counts carry their text rule, every
table spills through one run format, and the CLI takes its defaults from the
library."""

import inspect
import random

import numpy as np
import pytest
from click.testing import CliRunner

import nlpzero.runs as runs
from nlpzero import NgramCounts, WordChars, count, discover, merge
from nlpzero._ext import runs as runs_kernel
from nlpzero.cli import main
from nlpzero.errors import FormatError, InputError


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def numbers_text(seed=0, lines=3000):
    """Text full of numbers: dates, amounts, decimals, full-width digits."""
    rng = random.Random(seed)
    words = ["今年", "增长", "百分之", "人民币", "亿元", "公司", "市场", "第", "次", "会议", "共有", "万人"]
    out = []
    for _ in range(lines):
        parts = []
        for _ in range(rng.randrange(3, 9)):
            parts.append(rng.choice(words))
            if rng.random() < 0.5:
                parts.append(rng.choice([str(rng.randrange(1990, 2030)) + "年", f"{rng.random() * 100:.1f}",
                                         str(rng.randrange(1, 10 ** rng.randrange(1, 6))), "１９９８年"]))
        out.append("".join(parts) + "。")
    return "\n".join(out) + "\n"


def test_shard_counts_under_discoverys_rule_give_the_plain_lexicon(tmp_path):
    text = numbers_text()
    half = text.index("\n", len(text) // 2) + 1
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text(text[:half], encoding="utf-8")
    b.write_text(text[half:], encoding="utf-8")
    for shard in ("a", "b"):
        assert run("count", str(tmp_path / f"{shard}.txt"), "--fold-numbers", "--order", "4",
                   "-o", str(tmp_path / f"{shard}.ngc")).exit_code == 0
    merged = str(tmp_path / "m.ngc")
    assert run("merge", str(tmp_path / "a.ngc"), str(tmp_path / "b.ngc"), "-o", merged).exit_code == 0
    for method in ("pairs", "ngram"):
        plain = discover([str(a), str(b)], method=method)
        from_counts = discover([str(a), str(b)], method=method, counts=NgramCounts.load(merged))
        assert from_counts == plain and len(plain) > 10
        assert any("\ue000" in w for w in plain)                  # "<NUM>年" and its kind were found


def test_counts_of_another_rule_are_refused(tmp_path):
    path = tmp_path / "c.txt"
    path.write_text(numbers_text(lines=200), encoding="utf-8")
    plain, folded = str(tmp_path / "plain.ngc"), str(tmp_path / "folded.ngc")
    assert run("count", str(path), "-o", plain).exit_code == 0
    assert run("count", str(path), "--fold-numbers", "-o", folded).exit_code == 0
    result = run("merge", plain, folded, "-o", str(tmp_path / "m.ngc"))
    assert result.exit_code != 0 and "different text rules" in result.output
    assert "numbers folded" in result.output and len(result.output.strip().splitlines()) == 1
    result = run("discover", str(path), "--counts", plain, "-q")
    assert result.exit_code != 0 and "--fold-numbers" in result.output and "discovery needs" in result.output
    assert run("discover", str(path), "--counts", folded, "-q").exit_code == 0
    # a custom character rule is recorded by its fingerprint, not the word "custom"
    cjk = count(str(path), order=2, word_chars=WordChars.from_predicate(lambda ch: "\u4e00" <= ch <= "\u9fff"))
    latin = count(str(path), order=2, word_chars=WordChars.from_predicate(str.isalpha))
    assert cjk.rule.word_chars == latin.rule.word_chars == "custom" and cjk.rule.fingerprint != latin.rule.fingerprint
    with pytest.raises(InputError, match="different text rules"):
        merge([cjk, latin])
    saved = str(tmp_path / "cjk.ngc")
    cjk.save(saved)
    assert NgramCounts.load(saved).rule == cjk.rule


def test_discovery_within_a_small_budget_is_exact(tmp_path, novel_text, monkeypatch):
    path = tmp_path / "novel.txt"
    path.write_text(novel_text, encoding="utf-8")
    unbounded = discover(str(path))
    spilled = []
    original = runs.Spill.add

    def spy(self, cls, rows, offsets, width):
        spilled.append(len(rows))
        original(self, cls, rows, offsets, width)
    monkeypatch.setattr(runs.Spill, "add", spy)
    spill_dir = tmp_path / "spill"
    spill_dir.mkdir()
    for method in ("pairs", "ngram"):
        expected = unbounded if method == "pairs" else discover(str(path), method="ngram")
        spilled.clear()
        bounded = discover(str(path), method=method, max_memory=1 << 16, temp_dir=str(spill_dir), jobs=2)
        assert len(spilled) >= 8, method
        assert bounded == expected
        assert list(spill_dir.iterdir()) == []


def test_templates_within_a_small_budget_are_exact(tmp_path, novel_text):
    from nlpzero.templates import find_templates
    path = tmp_path / "novel.txt"
    path.write_text(novel_text, encoding="utf-8")
    lexicon = discover(str(path))
    whole = find_templates(str(path), lexicon)
    small = find_templates(str(path), lexicon, max_memory=1 << 17, temp_dir=str(tmp_path))
    assert small.counts == whole.counts and len(whole) > 100
    assert [p.name for p in tmp_path.iterdir()] == ["novel.txt"]


def test_run_files_round_trip_and_refuse_damage(tmp_path):
    counter = runs_kernel.KeyCounter([1, 2])
    rng = np.random.default_rng(0)
    keys = rng.integers(0, 1 << 40, (500, 2)).astype(np.uint64)
    for key in keys:
        counter.add_rows(1, np.array([[key[0], key[1], 3]], dtype=np.uint64))
    rows, offsets = counter.take(1)
    assert runs_kernel.is_canonical(rows, 2) and rows[:, -1].sum() == 1500
    path = str(tmp_path / "r.bin")
    runs.write_run(path, rows, offsets, 2, cls=1)
    back, back_offsets, header = runs.read_run(path)
    assert np.array_equal(back, rows) and np.array_equal(back_offsets, offsets) and header["class"] == 1
    data = bytearray(open(path, "rb").read())
    data[-20] ^= 0xFF
    open(path, "wb").write(bytes(data))
    with pytest.raises(FormatError, match="checksum"):
        runs.read_run(path)
    open(path, "wb").write(bytes(data[:-9]))
    with pytest.raises(FormatError, match="truncated"):
        runs.read_run(path)


def test_cli_defaults_are_the_librarys():
    from nlpzero.counts import count as count_fn
    from nlpzero.discovery import discover as discover_fn
    from nlpzero.templates import find_templates
    from nlpzero.vectors.train import train_vectors
    pairs = {"count": count_fn, "discover": discover_fn, "templates": find_templates, "vectors": train_vectors}
    checked = 0
    for command, function in pairs.items():
        library = {name: p.default for name, p in inspect.signature(function).parameters.items()
                   if p.default is not inspect.Parameter.empty}
        for param in main.commands[command].params:
            if param.name in library:         # None: the library decides (corpus-dependent defaults)
                default = None if type(param.default).__name__ == "Sentinel" else param.default   # click's UNSET
                assert default is None or default == library[param.name], (command, param.name)
                checked += 1
    assert checked >= 25


def test_partitioned_counts_directories(tmp_path, novel_text):
    path = tmp_path / "novel.txt"
    path.write_text(novel_text[:50000], encoding="utf-8")
    whole = count(str(path), order=3, fold_numbers=True)
    directory = str(tmp_path / "counts") + "/"
    assert run("count", str(path), "--order", "3", "--fold-numbers", "-o", directory).exit_code == 0
    parts = sorted(p.name for p in (tmp_path / "counts").iterdir())
    assert "manifest.json" in parts and len(parts) > 8
    assert NgramCounts.load(directory) == whole and NgramCounts.load(directory).rule == whole.rule
    merged = str(tmp_path / "m.ngc")
    assert run("merge", directory, directory, "-o", merged).exit_code == 0
    assert NgramCounts.load(merged)["宝玉"] == 2 * whole["宝玉"]
    assert discover(str(path), counts=NgramCounts.load(directory)) == discover(str(path))
    again = run("count", str(path), "-o", directory)
    assert again.exit_code != 0 and "exists" in again.output             # never written over
    (tmp_path / "counts" / parts[0]).write_bytes(b"damaged")
    with pytest.raises(FormatError):
        NgramCounts.load(directory)
