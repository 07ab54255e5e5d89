import os
import struct

import numpy as np
import pytest
from hypothesis import assume, given, settings, strategies as st

import nlpzero.corpus as corpus_mod
import nlpzero.counts as counts_mod
from nlpzero import FormatError, NgramCounts, count, merge
from nlpzero._ext import ngrams as kernel
from nlpzero._ext import runs as runs_kernel
from nlpzero.corpus import as_word_chars
from nlpzero.counts import _Counter

from reference import count_ngrams, totals

texts = st.lists(st.text(alphabet=st.characters(codec="utf-8") | st.sampled_from("中国人民的和一是了K线图😀𠀀𪚥，。 \n"),
                         max_size=40), max_size=6)


def assert_matches_reference(counts, texts_, order):
    ref = count_ngrams(texts_, order)
    assert counts.to_dict() == dict(ref)
    assert counts.totals == totals(ref, order)


@settings(max_examples=150, deadline=None)
@given(texts, st.integers(1, 9), st.integers(1, 3))
def test_kernel_matches_reference_on_random_text(texts_, order, jobs):
    counts = NgramCounts.from_texts(texts_, order=order, jobs=jobs)
    assert_matches_reference(counts, texts_, order)
    for n in range(1, order + 1):
        assert runs_kernel.is_canonical(counts.rows(n), kernel.width_of(n))


@pytest.mark.parametrize("order", [1, 2, 4, 6, 8])
def test_kernel_matches_reference_on_real_text(novel_text, order):
    sample = novel_text[:60_000]
    counts = NgramCounts.from_texts([sample], order=order)
    assert_matches_reference(counts, [sample], order)


def test_lookup_iteration_and_most_common():
    counts = NgramCounts.from_texts(["中国人民站起来了，中国人民", "中国"], order=3)
    assert counts["中国"] == 3 and counts["中国人"] == 2 and counts["外国"] == 0
    assert "人民" in counts and "外国" not in counts
    assert list(counts.lookup(["中", "中国", "没有", "太长的词语"])) == [3, 3, 0, 0]
    with pytest.raises(KeyError):
        counts["四个字的"]
    assert counts.most_common(2, order=1) == [("中", 3), ("国", 3)]
    assert set(counts) == set(counts.to_dict())
    assert len(counts) == len(counts.to_dict())


def test_corpus_files_chunk_boundaries_and_jobs_give_identical_counts(novel_text, write, monkeypatch):
    # Small read blocks and chunks exercise the carry-over of unfinished segments.
    text = novel_text[:30_000] + "无标点的很长的一段文字" * 500
    path = write("novel.txt", text)
    expected = count_ngrams([text], 5)
    monkeypatch.setattr(corpus_mod, "READ_BLOCK", 997)
    monkeypatch.setattr(counts_mod, "CHUNK_CHARS", 1500)
    monkeypatch.setattr(counts_mod, "CHUNK_BYTES", 1500)
    for jobs in (1, 2):
        counts = count(path, order=5, jobs=jobs)
        assert counts.to_dict() == dict(expected)
        assert counts.totals == totals(expected, 5)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.binary(max_size=12) | st.text(alphabet=st.sampled_from("中国人民😀𠀀ab1，\n\r"), max_size=12)
                .map(str.encode), max_size=30), st.integers(1, 4))
def test_raw_utf8_reading_matches_reference_on_bad_bytes(tmp_path_factory, pieces, order):
    # the counter decodes files itself: the same counts as Python's decoding with "replace"
    data = b"".join(pieces).replace(b"\x00", b"")
    assume(not data.startswith((b"\x1f\x8b", b"BZh", b"\xfd7zXZ")))   # read as compressed, by design
    path = tmp_path_factory.mktemp("raw") / "t.txt"
    path.write_bytes(data)
    text = data.decode("utf-8", "replace")
    text = text[1:] if text.startswith("\ufeff") else text
    counts = count(str(path), order=order, jobs=2)
    assert_matches_reference(counts, [text], order)


@pytest.mark.parametrize("reserved, in_place", [(10 ** 6, True), (20_000, False)])
def test_tables_sized_into_one_region_give_exact_counts(novel_text, reserved, in_place):
    # Sized ample, the tables' slices of the region become the output array; sized
    # too small, tables grow out of their slices and the rows are copied instead.
    text = novel_text[:150_000]
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    order, jobs = 3, 2
    engine = kernel.CountEngine(order, jobs, as_word_chars(None).table)

    def feed(begin, stop):
        step = -(-(stop - begin) // jobs)
        for j in range(jobs):
            engine.scatter(j, codes, min(begin + j * step, stop), min(begin + (j + 1) * step, stop))
        engine.note_tokens()
        for j in range(jobs):
            engine.flush(j, jobs)

    cut = kernel.tail_start(codes[:20_000], as_word_chars(None).table, order)
    feed(0, cut)
    for n in (2, 3):
        assert engine.prepare_reserve(n, reserved)
        for j in range(jobs):
            engine.reserve(n, j, jobs)
        engine.commit_reserve(n)
    assert not engine.prepare_reserve(2, 100)          # already that large
    feed(cut, len(codes))
    tables, offsets = {}, {}
    for n in range(1, order + 1):
        for j in range(jobs):
            engine.sort_order(n, j, jobs)
        tables[n], offsets[n] = engine.take_order(n)
        assert runs_kernel.is_canonical(tables[n], kernel.width_of(n))
    assert tables[3].flags.owndata != in_place
    counts = NgramCounts(order, tables, dict(enumerate(engine.token_counts())), offsets=offsets)
    assert_matches_reference(counts, [text], order)
    assert engine.memory_bytes() < 1 << 20              # the tables are reset


def test_spilling_to_disk_gives_exact_counts(novel_text, tmp_path, monkeypatch):
    monkeypatch.setattr(counts_mod, "CHUNK_CHARS", 5000)
    in_memory = NgramCounts.from_texts([novel_text[:80_000]], order=4, jobs=2)
    spilled_runs = []
    original = _Counter._spill

    def spy(self):
        original(self)
        spilled_runs.append(1)
    monkeypatch.setattr(_Counter, "_spill", spy)
    spilled = NgramCounts.from_texts([novel_text[:80_000]], order=4, jobs=2, max_memory=1 << 16,
                                     temp_dir=str(tmp_path))
    assert len(spilled_runs) > 5
    assert spilled == in_memory
    assert os.listdir(tmp_path) == []   # runs cleaned up
    pruned = NgramCounts.from_texts([novel_text[:80_000]], order=4, max_memory=1 << 16, min_count=3)
    assert pruned == in_memory.prune(3)


def test_merge_add_and_prune():
    a = NgramCounts.from_texts(["甲乙丙丁", "甲乙"], order=3)
    b = NgramCounts.from_texts(["乙丙丁戊"], order=3)
    both = NgramCounts.from_texts(["甲乙丙丁", "甲乙", "乙丙丁戊"], order=3)
    assert a + b == both
    assert merge([a, b, b]).totals[1] == a.totals[1] + 2 * b.totals[1]
    pruned = both.prune(2)
    assert pruned.to_dict() == {k: v for k, v in both.to_dict().items() if v >= 2}
    assert pruned.totals == both.totals
    assert merge([a, b], min_count=2) == both.prune(2)
    with pytest.raises(Exception, match="order"):
        a + NgramCounts.from_texts(["甲乙"], order=2)


def test_save_load_roundtrip(tmp_path, novel_text):
    counts = NgramCounts.from_texts([novel_text[:20_000]], order=7).prune(2)
    path = str(tmp_path / "c.ngc")
    counts.save(path)
    loaded = NgramCounts.load(path)
    assert loaded == counts
    assert loaded["宝玉"] == counts["宝玉"]
    empty = NgramCounts.from_texts([""], order=2)
    empty.save(path)
    assert NgramCounts.load(path) == empty


def test_corrupted_truncated_and_foreign_files_are_rejected(tmp_path):
    counts = NgramCounts.from_texts(["中国人民站起来了"] * 3, order=4)
    path = tmp_path / "c.ngc"
    counts.save(str(path))
    data = path.read_bytes()

    def load(content):
        p = tmp_path / "x.ngc"
        p.write_bytes(content)
        return NgramCounts.load(str(p))
    with pytest.raises(FormatError, match="truncated"):
        load(data[:-10])
    with pytest.raises(FormatError, match="truncated"):
        load(data[:12])
    flipped = bytearray(data)
    flipped[-20] ^= 0xFF
    with pytest.raises(FormatError, match="checksum"):
        load(bytes(flipped))
    with pytest.raises(FormatError, match="not an nlpzero"):
        load(b"PK\x03\x04 a zip file, not counts")
    with pytest.raises(FormatError, match="newer"):
        load(data[:8] + struct.pack("<I", 99) + data[12:])
    with pytest.raises(FormatError, match="header"):
        load(data[:16] + b"{not json" + data[25:])
