"""The self-trained tagger (nlpzero._ext.tagger) against its Python reference,
and self-training's place in discovery."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import reference
from nlpzero import Tokenizer, WordChars
from nlpzero._ext import tagger as kernel
from nlpzero.text import NUMBER, character_classes

ALPHABET = list("甲乙丙丁戊己庚辛壬癸子丑") + list("ab7８.．，。、 \n") + ["😀", "\U00020001", "\u0301", "\u200d"]
texts = st.text(alphabet=st.sampled_from(ALPHABET), max_size=60)
# words holding a space or a mark test the rule that a sequence and a non-word unit end a token
lexicons = st.dictionaries(st.text(alphabet=st.sampled_from(ALPHABET[:13] + ["a", "b", " ", "，"]), min_size=1,
                                   max_size=3),
                           st.integers(1, 20), max_size=10)
BITS = 10


def _word_table():
    table = WordChars.default().table.copy()
    table[ord(NUMBER)] = 1
    return table


def _is_word(ch):
    return reference.is_word_char(ch) or ch == NUMBER


def _train_both(texts, counts, epochs=2):
    compiled = Tokenizer(counts).compiled
    got = kernel.Tagger(BITS)
    expected = reference.ReferenceTagger(BITS)
    for _ in range(epochs):
        for text in texts:
            got.train(compiled, text, character_classes(), _word_table())
            expected.train(text, counts, _is_word)
    return got, expected


@settings(max_examples=60, deadline=None)
@given(st.lists(texts, max_size=4), lexicons)
def test_training_matches_reference(texts, counts):
    got, expected = _train_both(texts, counts)
    weights, transitions = got.model().arrays()
    want_weights, want_transitions = expected.model()
    assert (got.examples, got.units, got.mistakes) == (expected.examples, expected.units, expected.mistakes)
    assert np.array_equal(weights.reshape(-1, 4), want_weights)
    assert np.array_equal(transitions.reshape(4, 4), want_transitions)


@settings(max_examples=60, deadline=None)
@given(st.lists(texts, min_size=1, max_size=4), lexicons, texts)
def test_tagging_matches_reference(texts, counts, text):
    got, expected = _train_both(texts, counts)
    weights, transitions = expected.model()
    tokens = kernel.tag_tokens(got.model(), text, character_classes(), _word_table())
    assert tokens == reference.tagger_tokens(text, weights, transitions, BITS, _is_word)
    assert "".join(tokens) == text


def test_a_trained_tagger_learns_its_teacher():
    """Trained on a lexicon's segmentation, the tagger reproduces it on the
    training text and segments a new arrangement of the same words alike."""
    rng = np.random.default_rng(0)
    words = ["甲乙", "丙丁戊", "己", "庚辛", "壬癸子"]
    lines = ["".join(rng.choice(words, 8)) for _ in range(200)]
    counts = {w: 10 for w in words}
    compiled = Tokenizer(counts).compiled
    tagger = kernel.Tagger(14)
    for _ in range(3):
        tagger.train(compiled, "\n".join(lines), character_classes(), _word_table())
    model = tagger.model()
    new = "庚辛甲乙壬癸子，己丙丁戊😀 ab7"
    assert kernel.tag_tokens(model, new, character_classes(), _word_table()) == \
        ["庚辛", "甲乙", "壬癸子", "，", "己", "丙丁戊", "😀", " ", "ab7"]


def test_edges():
    compiled = Tokenizer({"甲乙": 3}).compiled
    tagger = kernel.Tagger(BITS)
    for text in ["", " ", "\n\n", "，。", "甲", "a\u0301b"]:
        assert tagger.train(compiled, text, character_classes(), _word_table()) == 0
        assert "".join(kernel.tag_tokens(tagger.model(), text, character_classes(), _word_table())) == text
    # invalid UTF-8 is replaced and counted, as everywhere
    assert tagger.train(compiled, b"\xff\xfe\xe7\x94\xb2", character_classes(), _word_table()) == 2
    with pytest.raises(ValueError):
        kernel.Tagger(4)
    with pytest.raises(ValueError):
        kernel.Tagger(30)                # (1 << 30) * 4 would overflow a C int
    with pytest.raises(ValueError):
        kernel.TagModel(np.zeros(3, dtype=np.float32), np.zeros(16, dtype=np.float32), BITS)
    with pytest.raises(TypeError):
        kernel.TagModel.__new__(kernel.TagModel)      # no model without its weights
    model = tagger.model()
    model.__init__(np.zeros(1024, dtype=np.float32), np.zeros(16, dtype=np.float32), 8)
    assert model.bits == BITS            # set once, before any use: pointers in use cannot dangle
    with pytest.raises(ValueError, match="too short"):
        kernel.tag_tokens(model, "中文", character_classes(), np.ones(1, dtype=np.uint8))
    with pytest.raises(ValueError, match="too short"):
        tagger.train(compiled, "中文", character_classes()[:10], _word_table())


def test_no_token_crosses_a_line_feed():
    """A joiner attaches no whitespace, and a whitespace run ends at a line
    feed: tokens holding a line feed would be refused by the Lexicon."""
    tokens = kernel.tag_tokens(kernel.Tagger(BITS).model(), "甲乙\u200d\n丙丁\n\u200d\t甲\n\u3000\u3000乙",
                               character_classes(), _word_table())
    assert all(t == "\n" or "\n" not in t for t in tokens)
    assert "\u3000\u3000" in tokens


def test_teacher_words_across_a_mark_or_a_space_end_at_them():
    """A lexicon word that runs into a mark or across a space cannot be a
    tagged word: the tagger's gold ends the word before the mark and at the
    space, as the reference does."""
    counts = {"甲，": 100, "乙 丙": 100, "丁": 1}
    got, expected = _train_both(["甲，乙 丙丁甲，", "丁乙 丙"], counts)
    weights, transitions = got.model().arrays()
    assert np.array_equal(weights.reshape(-1, 4), expected.model()[0])
    assert np.array_equal(transitions.reshape(4, 4), expected.model()[1])


def test_a_model_sent_to_the_cluster_comes_back_whole():
    from nlpzero.discovery import tagger_bytes, tagger_from_bytes
    from nlpzero.errors import FormatError
    tagger = kernel.Tagger(BITS)
    compiled = Tokenizer({"甲乙": 3, "丙": 1}).compiled
    tagger.train(compiled, "甲乙丙，甲乙", character_classes(), _word_table())
    model = tagger.model()
    data = tagger_bytes(model)
    again = tagger_from_bytes(data)
    assert again.bits == BITS
    assert all(np.array_equal(a, b) for a, b in zip(model.arrays(), again.arrays()))
    damaged = bytearray(data)
    damaged[len(data) // 2] ^= 1
    for bad in (bytes(damaged), data[:100], b"", b"NLPZTOK\0" + data[8:]):
        with pytest.raises(FormatError):
            tagger_from_bytes(bad)


@given(st.lists(st.text(alphabet=st.sampled_from(list("甲乙 \n")), max_size=12), max_size=12), st.integers(1, 5),
       st.integers(1, 4))
def test_the_training_sample_does_not_depend_on_the_blocks(lines, stride, cut):
    """The cluster cuts the corpus into other blocks than the local engine:
    the sample of whole lines must be the same."""
    from nlpzero.discovery import sample_lines
    data = "\n".join(lines).encode()
    whole = sample_lines(data, stride)
    parts = lines[:cut], lines[cut:]
    assert whole == [line for part in parts for line in sample_lines("\n".join(part).encode(), stride)]
    assert all(line.strip() for line in whole)


@settings(max_examples=60, deadline=None)
@given(st.lists(texts, min_size=1, max_size=4), lexicons, texts)
def test_tagged_token_counts_match_reference(texts, counts, text):
    """discovery.count_tagged, the path discovery takes (UTF-8 bytes, numbers
    folded): the tokens the reference tagger gives the folded text that start
    with a word character, counted."""
    import collections
    from nlpzero._ext import discovery as counting, runs
    got, expected = _train_both(texts, counts)
    counter = counting.string_counter()
    assert counting.count_tagged(got.model(), text.encode("utf-8", "surrogatepass"), character_classes(),
                                 _word_table(), counter, True) == 0
    found = {}
    for cls in range(counter.n_classes):
        if counter.size(cls):
            rows, _ = counter.take(cls)
            found.update(zip(runs.unpack_strings(np.ascontiguousarray(rows), cls + 1), rows[:, -1].tolist()))
    folded = reference.fold_numbers(text)
    weights, transitions = expected.model()
    tokens = [t for t in reference.tagger_tokens(folded, weights, transitions, BITS, _is_word) if _is_word(t[0])]
    # a string longer than a key holds is never a word: only tallied as skipped
    assert found == dict(collections.Counter(t for t in tokens if len(t) <= counting.MAX_STRING))
    assert counter.skipped == sum(len(t) for t in tokens if len(t) > counting.MAX_STRING)


def test_averaging_makes_no_float64_temporaries():
    """model() averages into float32 directly: training's peak stays at
    TRAINING_BYTES_PER_ROW per row, the same values as NumPy's float64 route."""
    import tracemalloc
    tagger = kernel.Tagger(16)
    compiled = Tokenizer({"甲乙": 3, "丙": 1}).compiled
    for _ in range(3):
        tagger.train(compiled, "甲乙丙，甲乙丙丙。乙甲", character_classes(), _word_table())
    tracemalloc.start()
    model = tagger.model()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    rows = 1 << 16
    assert peak < rows * 4 * 4 * 1.25            # the model's float32 weights, nothing of float64's size
    assert kernel.TRAINING_BYTES_PER_ROW == 64
    weights, _ = model.arrays()
    assert weights.dtype == np.float32 and weights.shape == (rows * 4,)
    assert np.count_nonzero(weights) > 0
