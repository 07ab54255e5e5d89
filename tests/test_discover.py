import collections
import importlib
import random

import pytest
from hypothesis import given, settings, strategies as st

import reference
from nlpzero import Corpus, Lexicon, Tokenizer, count, discover
from nlpzero.text import NUMBER, fold_numbers

dz = importlib.import_module("nlpzero.discovery")

ALPHABET = list("甲乙丙丁戊己庚辛壬癸子丑") + list("ab7８.．，。 \n") + ["😀", "\U00020001", "\u0301"]
texts = st.lists(st.text(alphabet=st.sampled_from(ALPHABET), max_size=80), max_size=6)


def _source(tmp_path, texts):
    path = tmp_path / "corpus.txt"
    path.write_text("\n".join(texts), encoding="utf-8")
    return dz._Source(Corpus(str(path)))


@settings(max_examples=60, deadline=None)
@given(texts, st.lists(st.text(alphabet=st.sampled_from(ALPHABET[:13] + [NUMBER]), min_size=2, max_size=4),
                       max_size=8))
def test_fragment_kernel_matches_reference(tmp_path_factory, texts, joined):
    source = _source(tmp_path_factory.mktemp("c"), texts)
    words, counts = dz.count_fragments(source, joined, jobs=2).items()
    assert dict(zip(words, counts.tolist())) == reference.fragments(["\n".join(texts)], set(joined))


@settings(max_examples=40, deadline=None)
@given(texts)
def test_cohesion_kernel_matches_reference(texts):
    folded = [reference.fold_numbers(t) for t in texts]
    grams = collections.Counter()
    for text in folded:
        for seg in "".join(c if reference.is_word_char(c) or c == NUMBER else " " for c in text).split():
            for n in (1, 2, 3):
                grams.update(seg[i:i + n] for i in range(len(seg) - n + 1))
    counts = _counts_from(folded)
    total = counts.totals[1]
    solid = dz.solid_ngrams(counts, 1, (0.0, -100.0, -100.0), 3)
    expected = {w: reference.cohesion(w, grams, total) for w in grams if len(w) > 1}
    assert solid.keys() == {w for w, v in expected.items() if v >= -100.0}
    for word, value in solid.items():
        assert value == pytest.approx(expected[word])


def _counts_from(texts):
    from nlpzero import NgramCounts
    return NgramCounts.from_texts(texts, order=3, word_chars=_word_chars())


def _word_chars():
    from nlpzero import WordChars
    table = WordChars.default().table.copy()
    table[ord(NUMBER)] = 1
    return WordChars(table, "test")


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("12٣４.．a年 \n") + ["\U0001d7ce", "\ud800", "😀"]), max_size=40))
def test_fold_numbers_kernel_matches_reference(text):
    assert fold_numbers(text) == reference.fold_numbers(text)


def test_fold_numbers_examples():
    text = "2001年１９９８年3.14和3.x与٣٤，12.5.6"
    assert fold_numbers(text) == reference.fold_numbers(text)
    assert fold_numbers("2001年3.5亿") == NUMBER + "年" + NUMBER + "亿"


def _planted_corpus(seed=0, n_sentences=3000, rate=0.3):
    """Random syllables with planted words: they should be found, noise should not."""
    rng = random.Random(seed)
    noise = [chr(c) for c in range(0x4E00, 0x4E00 + 400)]
    planted = ["龙凤呈祥", "麒麟", "鸳鸯", "琵琶", "葡萄酒", "A股", "K线图"]
    lines = []
    for _ in range(n_sentences):
        parts = []
        for _ in range(rng.randint(3, 8)):
            parts.append(rng.choice(planted) if rng.random() < rate else rng.choice(noise))
        lines.append("".join(parts) + "。")
    return lines, planted


# The ngram method's fixed cohesion thresholds (ln 4 for 3-grams, ln 6 for
# 4-grams) cannot pass a word that fills a large share of the text, since a
# split's PMI is at most ln(T / N(w)): it gets a larger, more natural corpus.
@pytest.mark.parametrize("method, sentences, rate", [("pairs", 3000, 0.3), ("ngram", 30000, 0.01)])
def test_planted_words_are_found(tmp_path, method, sentences, rate):
    lines, planted = _planted_corpus(n_sentences=sentences, rate=rate)
    path = tmp_path / "planted.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    lexicon = discover(str(path), method=method, jobs=2)
    multi = [(w, c) for w, c in lexicon.most_common() if len(w) > 1]
    assert {w for w, _ in multi[:len(planted)]} == set(planted)      # mixed-script words included
    # chance pairs of noise characters may pass on so small a corpus, but rarely
    assert all(c < 0.02 * multi[len(planted) - 1][1] for _, c in multi[len(planted):]), multi[len(planted):][:10]
    tok = Tokenizer(lexicon)
    assert tok.tokenize("甲龙凤呈祥麒麟乙") == ["甲", "龙凤呈祥", "麒麟", "乙"]


def test_novel_names(tmp_path, novel_text):
    path = tmp_path / "novel.txt"
    path.write_text(novel_text, encoding="utf-8")
    lexicon = discover(str(path))
    top = [w for w, _ in lexicon.most_common(300) if len(w) > 1]
    for name in ("宝玉", "黛玉", "贾母", "笑道"):
        assert name in top
    assert lexicon.columns == ("gain",) and lexicon.scores["宝玉"][0] > 0
    for w in lexicon:          # every discovered word is made of word characters
        assert all(reference.is_word_char(c) or c == NUMBER for c in w)


def test_numbers_are_one_class(tmp_path):
    rng = random.Random(1)
    noise = [chr(c) for c in range(0x4E00, 0x4E00 + 300)] + ["年"] * 5
    lines = ["".join(rng.choice(noise) for _ in range(rng.randint(2, 6))) + f"{rng.randint(1, 3000)}年"
             + "".join(rng.choice(noise) for _ in range(rng.randint(2, 6))) for _ in range(3000)]
    path = tmp_path / "years.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    lexicon = discover(str(path))
    assert NUMBER + "年" in lexicon
    assert Tokenizer(lexicon).tokenize("１９９８年丁") == ["１９９８年", "丁"]


def test_counts_merged_from_parts_give_the_same_lexicon(tmp_path, novel_text):
    half = len(novel_text) // 2
    whole, a, b = tmp_path / "whole.txt", tmp_path / "a.txt", tmp_path / "b.txt"
    whole.write_text(novel_text, encoding="utf-8")
    a.write_text(novel_text[:half], encoding="utf-8")
    b.write_text(novel_text[half:], encoding="utf-8")
    counts = count(str(a), order=2, fold_numbers=True) + count(str(b), order=2, fold_numbers=True)
    incremental = discover([str(a), str(b)], counts=counts)
    assert incremental == discover([str(a), str(b)])
    assert len(incremental) > 1000


def test_deredundancy_drops_a_compositional_word():
    lexicon = Lexicon({"的": 1000, "研究": 300, "的研究": 30, "中国人": 100, "中国": 60, "人": 100, "国人": 1})
    dz.deredundancy(lexicon)
    assert "的研究" not in lexicon and lexicon["研究"] == 330 and lexicon["的"] == 1030
    assert "中国人" in lexicon


@settings(max_examples=30, deadline=None)
@given(st.randoms(use_true_random=False))
def test_deredundancy_does_not_depend_on_the_lexicons_order(rng):
    # the local and cluster engines assemble the candidates in different orders
    chars = "的研究中国人民大学生"
    words = {}
    for _ in range(60):
        word = "".join(rng.choice(chars) for _ in range(rng.randint(1, 4)))
        words[word] = rng.randint(1, 500)
    items = list(words.items())
    shuffled = items[:]
    rng.shuffle(shuffled)
    first = dz.deredundancy(Lexicon(items), 3.0)
    second = dz.deredundancy(Lexicon(shuffled), 3.0)
    assert dict(first.items()) == dict(second.items())


def test_min_count_rule():
    assert dz.default_min_count(700_000) == 2
    assert dz.default_min_count(2_000_000) == 3
    assert dz.default_min_count(33_000_000) == 11
    assert dz.default_min_count(0) == 2


def test_bad_arguments(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("甲乙丙", encoding="utf-8")
    with pytest.raises(ValueError, match="method"):
        discover(str(path), method="magic")
    assert all(len(w) == 1 for w in discover(str(path)))   # nothing repeats: no words


def test_empty_corpus(tmp_path):
    path = tmp_path / "empty.txt"
    path.write_text("", encoding="utf-8")
    assert len(discover(str(path))) == 0


@settings(max_examples=60, deadline=None)
@given(texts, st.dictionaries(st.text(alphabet=st.sampled_from(ALPHABET[:13] + [NUMBER, "a", "b"]), min_size=1,
                                      max_size=3), st.integers(1, 20), max_size=10))
def test_token_count_kernel_matches_reference(tmp_path_factory, texts, counts):
    """The refinement's recount: segment the number-folded corpus, count the
    tokens that start with a word character."""
    source = _source(tmp_path_factory.mktemp("c"), texts)
    got = dz._segment_counts(Tokenizer(counts), source, jobs=2)
    folded = reference.fold_numbers("\n".join(texts) + "\n")
    expected = collections.Counter(t for t in reference.unigram_tokenize(folded, counts)
                                   if reference.is_word_char(t[0]) or t[0] == NUMBER)
    assert dict(got.items()) == dict(expected)


def test_a_base_dictionary_is_adapted_to_the_corpus(tmp_path):
    lines, planted = _planted_corpus(n_sentences=3000, rate=0.3)
    noise = [chr(c) for c in range(0x4E00, 0x4E00 + 400)]
    # two frequent noise characters that meet often, but only by chance
    rng = random.Random(1)
    lines = ["".join(rng.choice((noise[3], noise[7])) if ch in noise and rng.random() < 0.3 else ch for ch in line)
             for line in lines]
    path = tmp_path / "planted.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    # the base knows some planted words, glues the two chance neighbours, and
    # holds a word the corpus never uses; it lacks 葡萄酒 and A股
    base = Lexicon({"麒麟": 50, "鸳鸯": 40, "琵琶": 30, "龙凤呈祥": 20, "K线图": 10,
                    noise[3] + noise[7]: 500, "电脑": 80, **{ch: 5 for ch in noise}})
    adapted = discover(str(path), base=base, jobs=2)
    assert noise[3] + noise[7] not in adapted                  # the corpus splits it: dropped
    assert "电脑" in adapted and adapted["电脑"] >= 80         # unseen here: kept at its base count
    assert {"葡萄酒", "A股"} <= set(adapted)                   # the corpus's new words
    assert adapted["麒麟"] > 50                                # re-estimated on the corpus
    new = dz.new_words(adapted, base)
    assert {w for w, _ in new.most_common(2)} == {"葡萄酒", "A股"}      # and chance pairs far behind
    assert all(c < 0.05 * new["A股"] for w, c in new.most_common()[2:])
    assert Tokenizer(adapted).tokenize("甲葡萄酒麒麟") == ["甲", "葡萄酒", "麒麟"]


def test_base_dictionary_errors(tmp_path):
    path = tmp_path / "c.txt"
    path.write_text("中文文本\n" * 10, encoding="utf-8")
    with pytest.raises(Exception, match="no such file"):
        discover(str(path), base=str(tmp_path / "missing.txt"))
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(Exception, match="no words"):
        discover(str(path), base=str(empty))
    english = tmp_path / "en.txt"
    english.write_text("the cat sat on the mat\n" * 200, encoding="utf-8")
    with pytest.raises(Exception, match="space-separated"):
        discover(str(english), base=Lexicon({"cat": 3}))


def test_self_training_keeps_the_words_and_can_be_turned_off(tmp_path):
    lines, planted = _planted_corpus(n_sentences=3000, rate=0.3)
    path = tmp_path / "planted.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    trained = discover(str(path), jobs=2)
    refined = discover(str(path), jobs=2, self_train=False)
    assert trained != refined                         # the tagger's recount, not the refined counts
    for lexicon in (trained, refined):
        top = [w for w, _ in lexicon.most_common() if len(w) > 1][:len(planted)]
        assert set(top) == set(planted)
    assert discover(str(path), jobs=1) == trained     # threads do not change it


def test_self_training_without_a_sample_keeps_the_refined_lexicon(tmp_path):
    """A sample can miss every line (a corpus of few huge lines): then there
    is nothing to learn from, and an untrained tagger must not segment."""
    path = tmp_path / "corpus.txt"
    path.write_text("甲乙丙丁" * 50 + "\n", encoding="utf-8")
    source = dz._Source(Corpus(str(path)))
    refined = Lexicon({"甲乙": 50, "丙丁": 50, "甲": 1, "乙": 1, "丙": 1, "丁": 1})
    assert source.sample_lines(0) == [] and source.sample_lines(10_000) != []
    assert dz.self_train_lexicon(Lexicon(refined.most_common()), source, 2, sample_bytes=0) == refined


def test_the_training_sample_of_a_text_does_not_depend_on_its_compression(tmp_path):
    """The sample's stride comes from the sample, not from sizes on disk: a
    .gz file (smaller on disk than its text) and the plain text give the same
    lines, and never more than the budget."""
    import gzip
    import random
    rng = random.Random(3)
    text = "".join("".join(rng.choice("甲乙丙丁戊己庚辛壬癸") for _ in range(rng.randrange(5, 40))) + "\n"
                   for _ in range(6000))
    plain = tmp_path / "corpus.txt"
    plain.write_text(text, encoding="utf-8")
    packed = tmp_path / "corpus.txt.gz"
    packed.write_bytes(gzip.compress(text.encode("utf-8")))
    assert packed.stat().st_size < plain.stat().st_size // 2
    budget = 20_000
    assert dz.sample_stride(plain.stat().st_size, budget) > dz.sample_stride(packed.stat().st_size, budget)
    a = dz._Source(Corpus(str(plain))).sample_lines(budget)
    b = dz._Source(Corpus(str(packed))).sample_lines(budget)
    assert a == b and budget // 2 < sum(map(len, a)) <= budget      # halving the stride would exceed it
    all_lines = [line.encode() for line in text.split("\n") if line]
    lines, stride = dz.thin_sample(all_lines, 1, budget)              # thinning the whole corpus at once agrees
    assert lines == a and stride & (stride - 1) == 0
