import logging
import random

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings, strategies as st

from nlpzero import FormatError
from nlpzero.errors import InputError
from nlpzero._ext import cooccur as cooccur_kernel
from nlpzero._ext import glove as glove_kernel
from nlpzero._ext.cooccur import HARMONIC, LINEAR, UNIFORM
from nlpzero.cli import main
from nlpzero.vectors import (UnknownWord, WordVectors, build_vocabulary, cooccurrence, default_dimension,
                             train_glove)
from nlpzero.vectors.cooccur import keep_probabilities
from nlpzero.vectors.glove import pmi_targets


def reference_pairs(ids, window, weighting, ordered=False):
    out = {}
    for p, a in enumerate(ids):
        if a < 0:
            continue
        for q in range(p + 1, min(len(ids), p + window + 1)):
            b = ids[q]
            if b == -1:
                break
            if b < 0 or (b == a and not ordered):
                continue
            key = (a, b) if ordered else (min(a, b), max(a, b))
            distance = q - p
            weight = {UNIFORM: 1.0, HARMONIC: 1.0 / distance, LINEAR: (window + 1 - distance) / window}[weighting]
            out[key] = out.get(key, 0.0) + weight
    return out


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(-2, 6), max_size=60), st.integers(1, 5), st.sampled_from([UNIFORM, HARMONIC, LINEAR]),
       st.booleans())
def test_pair_kernel_matches_reference(ids, window, weighting, ordered):
    counter = cooccur_kernel.pair_counter()
    half = len(ids) // 2
    cooccur_kernel.count_pairs(np.array(ids[:half], dtype=np.int32), window, weighting, ordered, counter)
    other = cooccur_kernel.pair_counter()
    cooccur_kernel.count_pairs(np.array(ids[half:], dtype=np.int32), window, weighting, ordered, other)
    counter.add_rows(0, other.take(0)[0])
    rows, _ = counter.take(0)
    scale = cooccur_kernel.weight_scale(weighting, window)
    got = {(int(key) >> 32, int(key) & 0xFFFFFFFF): units / scale for key, units in rows.tolist()}
    expected = reference_pairs(ids[:half], window, weighting, ordered)
    for key, w in reference_pairs(ids[half:], window, weighting, ordered).items():
        expected[key] = expected.get(key, 0.0) + w
    assert got.keys() == expected.keys()
    for key in got:
        assert got[key] == pytest.approx(expected[key])


def numpy_glove_epoch(vectors, grads, rows, cols, targets, weights, order, eta):
    """Plain NumPy restatement of the kernel's update (shared vectors, float32)."""
    loss = 0.0
    for p in order:
        i, j = rows[p], cols[p]
        v, c = vectors[i].copy(), vectors[j].copy()
        d = np.float32(np.dot(v, c)) - targets[p]
        scale = weights[p] * d
        g1, g2 = scale * c, scale * v
        grads[i] += g1 * g1
        grads[j] += g2 * g2
        vectors[i] = v - eta * g1 / np.sqrt(grads[i])
        vectors[j] = c - eta * g2 / np.sqrt(grads[j])
        loss += float(weights[p] * d * d)
    return loss


def test_glove_kernel_matches_numpy_reference():
    rng = np.random.default_rng(0)
    n, dim, pairs = 30, 8, 200
    rows = rng.integers(0, n, pairs).astype(np.int32)
    cols = ((rows + rng.integers(1, n, pairs)) % n).astype(np.int32)
    targets = rng.normal(0, 2, pairs).astype(np.float32)
    weights = rng.random(pairs).astype(np.float32)
    order = rng.permutation(pairs).astype(np.int64)
    vectors = ((rng.random((n, dim)) - 0.5) / dim).astype(np.float32)
    grads = np.ones((n, dim), dtype=np.float32)
    ref_vectors, ref_grads = vectors.copy(), grads.copy()
    trainer = glove_kernel.Trainer(vectors, grads, vectors, grads, rows, cols, targets, weights,
                                   np.zeros(n + 1, dtype=np.int64), np.zeros(0, dtype=np.int32),
                                   np.zeros(n, dtype=np.float32), 0.0, 1.0, 0.1, False)
    loss = trainer.train_slice(order, 0, pairs)
    ref_loss = numpy_glove_epoch(ref_vectors, ref_grads, rows, cols, targets, weights, order, np.float32(0.1))
    assert np.allclose(vectors, ref_vectors, rtol=1e-4, atol=1e-6)
    assert np.allclose(grads, ref_grads, rtol=1e-4)
    assert loss == pytest.approx(ref_loss, rel=1e-4)


def _topic_lines(seed=0, n=3000):
    """Two topics whose words co-occur only within their topic."""
    rng = random.Random(seed)
    topics = [["cat", "dog", "pet", "fur", "paw"], ["car", "road", "wheel", "engine", "fuel"]]
    return [[rng.choice(topics[t]) for _ in range(8)] for t in (rng.randrange(2) for _ in range(n))]


def test_glove_learns_pmi_structure():
    lines = _topic_lines()
    vocab = build_vocabulary(lines, min_count=1)
    cooc, counts = cooccurrence(lines, vocab, window=3, weighting="uniform", sample=0.0)
    assert np.array_equal(counts, vocab.counts)      # nothing sampled away
    assert cooc.nnz == 20          # 5 x 4 / 2 pairs per topic, none across
    vectors = train_glove(cooc, counts, dim=8, epochs=60, jobs=1, smoothing=0.75)
    wv = WordVectors(vocab.words, vectors, vocab.counts)
    assert {w for w, _ in wv.related("cat", 4)} == {"dog", "pet", "fur", "paw"}
    assert {w for w, _ in wv.similar("road", 4)} == {"car", "wheel", "engine", "fuel"}
    # without the hinge terms on unobserved pairs, <v_i, v_j> converges to the PMI targets
    plain = train_glove(cooc, counts, dim=8, epochs=60, jobs=1, smoothing=0.75, unobserved=0.0)
    fitted = np.einsum("ij,ij->i", plain[cooc.row], plain[cooc.col])
    assert np.abs(fitted - pmi_targets(cooc, counts, 0.75)).max() < 0.01
    again = train_glove(cooc, counts, dim=8, epochs=60, jobs=1, smoothing=0.75)
    assert np.array_equal(vectors, again)          # deterministic with one thread


def test_unobserved_pairs_are_pulled_below_one_cooccurrence():
    lines = _topic_lines()
    vocab = build_vocabulary(lines, min_count=1)
    cooc, counts = cooccurrence(lines, vocab, window=3, weighting="uniform", sample=0.0)
    plain = train_glove(cooc, counts, dim=8, epochs=40, jobs=1, unobserved=0.0)
    hinged = train_glove(cooc, counts, dim=8, epochs=40, jobs=1, unobserved=2.0)
    pets = [vocab.index[w] for w in ("cat", "dog", "pet", "fur", "paw")]
    cars = [vocab.index[w] for w in ("car", "road", "wheel", "engine", "fuel")]
    smoothed = counts.astype(np.float64) ** 0.75
    bound = (2 * np.log(smoothed.sum()) - np.log(2 * cooc.data.sum())
             - np.log(smoothed[pets])[:, None] - np.log(smoothed[cars])[None, :])
    cross_plain = plain[pets] @ plain[cars].T
    cross_hinged = hinged[pets] @ hinged[cars].T
    # never co-occurring pairs are pushed towards (never below) the PMI of one co-occurrence
    assert cross_hinged.mean() < cross_plain.mean() - 0.2
    assert (cross_hinged > bound).all()
    fitted = np.einsum("ij,ij->i", hinged[cooc.row], hinged[cooc.col])
    assert np.abs(fitted - pmi_targets(cooc, counts, 0.75)).max() < 0.25   # observed pairs still roughly fitted


def test_positive_pmi_fits_pairs_rarer_than_chance_to_independence():
    # "cat" and "car" co-occur once across 200 lines of topics: a negative PMI
    lines = _topic_lines() + [["cat", "car"]]
    vocab = build_vocabulary(lines, min_count=1)
    cooc, counts = cooccurrence(lines, vocab, window=3, weighting="uniform", sample=0.0)
    pmi = pmi_targets(cooc, counts, 0.75)
    cross = np.flatnonzero(pmi < 0)
    assert len(cross) == 1 and pmi[cross[0]] < -1
    fitted = {}
    for positive in (True, False):
        # the one pair weighs (1 / x_max)^0.75: it converges slowly
        vectors = train_glove(cooc, counts, dim=8, epochs=400, jobs=1, unobserved=0.0, positive=positive)
        fitted[positive] = np.einsum("ij,ij->i", vectors[cooc.row], vectors[cooc.col])
    assert abs(fitted[True][cross[0]]) < 0.2
    assert abs(fitted[False][cross[0]] - pmi[cross[0]]) < 0.2
    rest = pmi >= 0
    assert np.abs(fitted[True][rest] - pmi[rest]).max() < 0.05        # positive pairs are fit as before


MASK64 = (1 << 64) - 1


def reference_unobserved(vectors, grads, stored, noise, log_counts, log_base, weight, samples, seed, eta):
    """Plain restatement of train_unobserved (shared vectors): the same xorshift64*
    draws, pairs in `stored` skipped, a squared hinge at the one-co-occurrence PMI."""
    state = (seed * 0x9E3779B97F4A7C15 + 1) & MASK64

    def draw():
        nonlocal state
        state ^= state >> 12
        state ^= (state << 25) & MASK64
        state ^= state >> 27
        return int(noise[((state * 0x2545F4914F6CDD1D) & MASK64) % len(noise)])

    updated = 0
    for _ in range(samples):
        i, j = draw(), draw()
        if i == j or (min(i, j), max(i, j)) in stored:
            continue
        bound = np.float32(log_base - float(log_counts[i]) - float(log_counts[j]))
        v, c = vectors[i].copy(), vectors[j].copy()
        d = np.float32(np.dot(v, c)) - bound
        if d <= 0:
            continue
        scale = np.float32(weight) * d
        g1, g2 = scale * c, scale * v
        grads[i] += g1 * g1
        grads[j] += g2 * g2
        vectors[i] = v - eta * g1 / np.sqrt(grads[i])
        vectors[j] = c - eta * g2 / np.sqrt(grads[j])
        updated += 1
    return updated


def _unobserved_trainer(vectors, grads, rows, cols, indptr, noise, log_counts, log_base, weight, eta):
    pairs = len(rows)
    return glove_kernel.Trainer(vectors, grads, vectors, grads, rows, cols, np.zeros(pairs, dtype=np.float32),
                                np.zeros(pairs, dtype=np.float32), indptr, noise, log_counts, log_base, weight, eta,
                                False)


def test_unobserved_kernel_matches_reference():
    rng = np.random.default_rng(2)
    n, dim = 40, 6
    stored = {(int(a), int(b)) for a, b in rng.integers(0, n, (150, 2)) if a < b}
    rows, cols = (np.array(x, dtype=np.int32) for x in zip(*sorted(stored)))
    indptr = np.searchsorted(rows, np.arange(n + 1)).astype(np.int64)
    noise = rng.integers(0, n, 97).astype(np.int32)
    log_counts = rng.normal(0, 1, n).astype(np.float32)
    vectors = rng.normal(0, 1, (n, dim)).astype(np.float32)
    grads = np.ones((n, dim), dtype=np.float32)
    ref_vectors, ref_grads = vectors.copy(), grads.copy()
    updated = _unobserved_trainer(vectors, grads, rows, cols, indptr, noise, log_counts, 0.5, 0.3, 0.1) \
        .train_unobserved(400, 11)
    expected = reference_unobserved(ref_vectors, ref_grads, stored, noise, log_counts, 0.5, 0.3, 400, 11,
                                    np.float32(0.1))
    assert updated == expected > 50
    assert np.allclose(vectors, ref_vectors, rtol=1e-4, atol=1e-6)
    assert np.allclose(grads, ref_grads, rtol=1e-4)


def test_unobserved_kernel_skips_stored_pairs():
    rng = np.random.default_rng(1)
    n, dim = 20, 4
    rows = np.arange(n - 1, dtype=np.int32)           # stored pairs: (k, k + 1)
    cols = rows + 1
    indptr = np.searchsorted(rows, np.arange(n + 1)).astype(np.int64)
    vectors = rng.normal(size=(n, dim)).astype(np.float32)
    grads = np.ones((n, dim), dtype=np.float32)
    before = vectors.copy()
    log_counts = np.zeros(n, dtype=np.float32)
    # noise words 4 and 5 only: every draw is a stored pair (either order) or a self-pair
    noise = np.array([4, 5, 5, 4], dtype=np.int32)
    assert _unobserved_trainer(vectors, grads, rows, cols, indptr, noise, log_counts, -100.0, 1.0, 0.1) \
        .train_unobserved(500, 7) == 0
    assert np.array_equal(vectors, before)
    # words 0 and 19 never co-occur: with a dot product above the bound they are updated
    vectors[0] = vectors[n - 1] = 1.0
    noise = np.array([0, n - 1], dtype=np.int32)
    assert _unobserved_trainer(vectors, grads, rows, cols, indptr, noise, log_counts, 0.0, 1.0, 0.1) \
        .train_unobserved(50, 7) > 0
    assert vectors[0] @ vectors[n - 1] < dim


def test_subsampling_drops_frequent_words_and_widens_windows():
    rng = random.Random(3)
    # "the" is half of all tokens; the other words are rare
    lines = [[w for k in range(10) for w in ("the", f"w{rng.randrange(50)}")] for _ in range(2000)]
    vocab = build_vocabulary(lines, min_count=1)
    keep = keep_probabilities(vocab.counts, 1e-2)
    the = vocab.index["the"]
    f = vocab.counts[the] / vocab.counts.sum()
    assert keep[the] == pytest.approx((np.sqrt(f / 1e-2) + 1) * 1e-2 / f)
    assert np.all(keep[np.arange(len(vocab)) != the] == 1.0)       # rare words always kept
    full, full_counts = cooccurrence(lines, vocab, window=1, sample=0.0)
    sampled, kept = cooccurrence(lines, vocab, window=1, sample=1e-2, seed=5)
    assert kept[the] == pytest.approx(keep[the] * vocab.counts[the], rel=0.1)
    assert np.array_equal(np.delete(kept, the), np.delete(full_counts, the))
    # with window 1, rare words only meet each other once "the" between them is dropped
    rare = [vocab.index[f"w{k}"] for k in range(50)]
    assert full.tocsr()[rare][:, rare].nnz == 0 and sampled.tocsr()[rare][:, rare].nnz > 0
    again, _ = cooccurrence(lines, vocab, window=1, sample=1e-2, seed=5)
    assert (again != sampled).nnz == 0                          # reproducible for a seed


def test_queries_and_formats(tmp_path):
    words = ["king", "man", "woman", "queen", "apple"]
    vectors = np.array([[1, 1, 0], [1, 0, 0], [0, 0, 1], [0, 1, 1], [-1, -1, -1]], dtype=np.float32)
    wv = WordVectors(words, vectors)
    assert wv.analogy("king", "man", "woman", 1)[0][0] == "queen"
    assert wv.analogy("king", "man", "woman", 1, method="mul")[0][0] == "queen"
    assert wv.keywords(["king", "queen", "apple", "nonsense"], 1)[0][0] in {"king", "queen"}
    assert wv.by_importance(1, least=True)[0][0] in {"man", "woman"}
    assert wv.sentence_similarity(["king"], ["king"]) == pytest.approx(1.0)
    with pytest.raises(UnknownWord, match="xyz"):
        wv.similar("xyz")
    for binary in (False, True):
        path = str(tmp_path / f"v{binary}.vec")
        wv.save(path, binary=binary)
        loaded = WordVectors.load(path)
        assert loaded.words == words and np.allclose(loaded.vectors, vectors)
    assert default_dimension(70000) == 93


@pytest.mark.parametrize("content", [b"", b"garbage\n", b"2 3\nking 1 2\n", b"\x00\x01\x02\x03"])
def test_damaged_vectors_file(tmp_path, content):
    path = tmp_path / "bad.vec"
    path.write_bytes(content)
    with pytest.raises(FormatError):
        WordVectors.load(str(path))


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_cli_vectors_and_queries(tmp_path):
    corpus = tmp_path / "text.txt"
    corpus.write_text("\n".join(" ".join(line) for line in _topic_lines()), encoding="utf-8")
    out = str(tmp_path / "v.vec")
    result = run("vectors", str(corpus), "--tokenized", "-o", out, "--dim", "8", "--epochs", "40", "-q",
                 "--min-count", "1", "--window", "3")
    assert result.exit_code == 0, result.output
    related = run("related", "-v", out, "cat", "-k", "4").stdout.split("\n")
    assert {line.split("\t")[0] for line in related if line} == {"dog", "pet", "fur", "paw"}
    assert run("similar", "-v", out, "car", "-k", "2").exit_code == 0
    assert run("analogy", "-v", out, "cat", "dog", "car").exit_code == 0
    assert run("keywords", "-v", out, "cat dog road").exit_code == 0
    unknown = run("similar", "-v", out, "zebra")
    assert unknown.exit_code != 0 and "not in the vocabulary: zebra" in unknown.output
    assert run("vectors", str(corpus), "-o", out).exit_code != 0          # neither -l nor --tokenized
    bad = tmp_path / "bad.vec"
    bad.write_bytes(b"\x00garbage")
    result = run("similar", "-v", str(bad), "cat")
    assert result.exit_code != 0 and "Traceback" not in result.output


def test_cli_glove_defaults_are_the_library_defaults():
    import inspect
    cli = {p.name: p for p in main.commands["vectors"].params}
    library = inspect.signature(train_glove).parameters
    for option, argument in [("x_max", "x_max"), ("context_smoothing", "smoothing"), ("positive_pmi", "positive"),
                             ("unobserved", "unobserved"),
                             ("learning_rate", "eta")]:
        assert cli[option].default == library[argument].default, option
    assert f"glove {library['epochs'].default}," in cli["epochs"].help


def test_pmi_targets_formula():
    import scipy.sparse
    cooc = scipy.sparse.coo_matrix(([4.0, 2.0], ([0, 1], [1, 2])), shape=(3, 3))
    counts = np.array([10, 20, 5])
    total_x = 2 * 6.0
    for smoothing in (1.0, 0.75):
        c = counts.astype(float) ** smoothing
        expected = [np.log(4.0 * c.sum() ** 2 / (total_x * c[0] * c[1])),
                    np.log(2.0 * c.sum() ** 2 / (total_x * c[1] * c[2]))]
        assert np.allclose(pmi_targets(cooc, counts, smoothing), expected)


def _sorted_coo(cooc):
    order = np.lexsort((cooc.col, cooc.row))
    return cooc.row[order], cooc.col[order], cooc.data[order]


@pytest.mark.parametrize("weighting, sample", [("uniform", 0.0), ("linear", 1e-3)])
def test_spilled_cooccurrences_equal_the_in_memory_ones(tmp_path, caplog, weighting, sample):
    rng = random.Random(5)
    words = [f"w{i}" for i in range(2000)]
    lines = [[rng.choice(words) for _ in range(rng.randrange(1, 30))] for _ in range(6000)]
    vocab = build_vocabulary(lines, min_count=1)
    whole, whole_counts = cooccurrence(lines, vocab, window=5, weighting=weighting, sample=sample, max_memory=1 << 34)
    spill_dir = tmp_path / "spill"
    spill_dir.mkdir()
    with caplog.at_level(logging.INFO, logger="nlpzero.vectors.cooccur"):
        spilled, spilled_counts = cooccurrence(lines, vocab, window=5, weighting=weighting, sample=sample,
                                               max_memory=5 << 19, temp_dir=str(spill_dir))
    assert sum("spilled" in r.getMessage() for r in caplog.records) >= 3
    assert list(spill_dir.iterdir()) == []                       # runs removed
    assert np.array_equal(spilled_counts, whole_counts)
    (r1, c1, w1), (r2, c2, w2) = _sorted_coo(whole), _sorted_coo(spilled)
    assert np.array_equal(r1, r2) and np.array_equal(c1, c2)
    assert np.allclose(w1, w2, rtol=1e-12, atol=0)
    for cooc, (rows, cols) in ((whole, (r1, c1)), (spilled, (r2, c2))):       # both in (row, col) order
        assert np.array_equal(cooc.row, rows) and np.array_equal(cooc.col, cols)


def test_cli_vectors_spilling_gives_the_same_vectors(tmp_path):
    rng = random.Random(6)
    words = [f"w{i}" for i in range(2000)]
    corpus = tmp_path / "text.txt"
    corpus.write_text("\n".join(" ".join(rng.choice(words) for _ in range(20)) for _ in range(5000)),
                      encoding="utf-8")
    spill_dir = tmp_path / "spill"
    spill_dir.mkdir()
    common = ["vectors", str(corpus), "--tokenized", "--dim", "8", "--epochs", "2", "--min-count", "1",
              "--weighting", "uniform", "--sample", "0", "--threads", "1"]      # not -q: the spill is an info line
    assert run(*common, "-o", str(tmp_path / "a.vec")).exit_code == 0
    result = run(*common, "-o", str(tmp_path / "b.vec"), "--max-memory", "16M", "--temp-dir", str(spill_dir))
    assert result.exit_code == 0, result.output
    assert "co-occurrence table spilled" in result.output
    assert (tmp_path / "a.vec").read_bytes() == (tmp_path / "b.vec").read_bytes()
    assert list(spill_dir.iterdir()) == []
    bad = run(*common, "-o", str(tmp_path / "c.vec"), "--max-memory", "lots")
    assert bad.exit_code != 0 and "max-memory" in bad.output and not (tmp_path / "c.vec").exists()


# ---------------------------------------------------------------- queries against gensim, the reference

@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_queries_agree_with_gensim(seed):
    rng = np.random.default_rng(seed)
    words = [f"w{i}" for i in range(60)]
    wv = WordVectors(words, rng.normal(size=(60, 7)).astype(np.float32))
    kv = wv.keyed_vectors                      # gensim's own KeyedVectors over the same arrays
    a, b, c = rng.choice(words, 3, replace=False)

    def same(ours, theirs):
        assert [w for w, _ in ours] == [w for w, _ in theirs]
        assert np.allclose([s for _, s in ours], [s for _, s in theirs], atol=1e-5)

    same(wv.similar(a, 5), kv.most_similar(a, topn=5))
    same(wv.analogy(a, b, c, 5), kv.most_similar(positive=[a, c], negative=[b], topn=5))
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        same(wv.analogy(a, b, c, 5, method="mul"), kv.most_similar_cosmul(positive=[a, c], negative=[b], topn=5))


def test_gensim_api_is_gensims(tmp_path):
    words = ["king", "man", "woman", "queen", "apple"]
    vectors = np.array([[1, 1, 0], [1, 0, 0], [0, 0, 1], [0, 1, 1], [-1, -1, -1]], dtype=np.float32)
    wv = WordVectors(words, vectors, counts=np.array([50, 40, 30, 20, 10]))
    assert wv.similarity("king", "king") == pytest.approx(1.0)
    assert wv.doesnt_match(["king", "queen", "apple"]) == "apple"
    assert wv.most_similar("king", topn=1)[0][0] == wv.similar("king", 1)[0][0]
    assert wv.get_vecattr("queen", "count") == 20
    assert wv.keyed_vectors.vectors is wv.vectors           # shared, not copied
    with pytest.raises(AttributeError):
        wv.no_such_thing


def test_words_outside_the_vocabulary_are_composed_of_known_words():
    words = ["人工", "智能", "人", "工", "智", "能", "机器", "学习", "cat"]
    rng = np.random.default_rng(3)
    wv = WordVectors(words, rng.normal(size=(len(words), 5)).astype(np.float32))
    assert wv.parts("人工智能") == ["人工", "智能"]
    assert np.allclose(wv.vector("人工智能"), wv["人工"] + wv["智能"])
    assert wv.parts("智人") == ["智", "人"]
    assert wv.similar("人工智能", 2) and wv.analogy("人工智能", "机器", "学习", 1)
    assert "人工" not in [w for w, _ in wv.similar("人工", 8)]          # the query word itself is left out
    assert wv.parts("天气") is None and wv.parts("cats") is None          # unknown character; alphabetic letters
    with pytest.raises(UnknownWord):
        wv.similar("天气")


# ---------------------------------------------------------------- word2vec binary files: kernel and reference

def reference_read_binary(body: bytes, n: int, dim: int):
    """The format read in plain Python, entry by entry."""
    words, vectors, at = [], np.empty((n, dim), dtype=np.float32), 0
    for i in range(n):
        while at < len(body) and body[at] in b"\n ":
            at += 1
        space = body.find(b" ", at, at + 4096)
        if space <= at or space + 1 + 4 * dim > len(body):
            raise ValueError("cut short or no word")
        words.append(body[at:space].decode("utf-8"))
        vectors[i] = np.frombuffer(body, dtype="<f4", count=dim, offset=space + 1)
        at = space + 1 + 4 * dim
    if body[at:].strip(b"\n "):
        raise ValueError("more follows")
    return words, vectors


word_text = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Zs", "Cc")), min_size=1, max_size=6)


@settings(max_examples=200, deadline=None)
@given(st.lists(word_text, max_size=8, unique=True), st.integers(1, 5), st.sampled_from([b"\n", b"", b" \n"]),
       st.integers(0, 2**32 - 1), st.integers(-3, 3))
def test_binary_reader_matches_the_reference(words, dim, separator, seed, damage):
    from nlpzero.vectors.keyed import _read_binary
    vectors = np.random.default_rng(seed).normal(size=(len(words), dim)).astype("<f4")
    body = b"".join(w.encode("utf-8") + b" " + v.tobytes() + separator for w, v in zip(words, vectors))
    if damage < 0:
        body = body[:damage]                           # truncated
    elif damage > 0 and words:
        body += b"x" * damage                          # more data than the header says
    try:
        expected = reference_read_binary(body, len(words), dim)
    except (ValueError, UnicodeDecodeError):
        with pytest.raises((ValueError, UnicodeDecodeError)):
            _read_binary(body, len(words), dim)
        return
    got = _read_binary(body, len(words), dim)
    assert got[0] == expected[0] and np.array_equal(got[1], expected[1])


def test_cli_queries_many_at_once(tmp_path):
    words = ["king", "man", "woman", "queen", "apple"]
    vectors = np.array([[1, 1, 0], [1, 0, 0], [0, 0, 1], [0, 1, 1], [-1, -1, -1]], dtype=np.float32)
    path = str(tmp_path / "v.bin")
    WordVectors(words, vectors).save(path)
    result = run("similar", "-v", path, "king", "queen", "-k", "1")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0].startswith("king\t") and result.stdout.splitlines()[1].startswith("queen\t")
    batch = tmp_path / "q.txt"
    batch.write_text("king man woman\n\nking man nosuch\n", encoding="utf-8")
    result = run("analogy", "-v", path, "--batch", str(batch), "-k", "1")
    assert result.exit_code == 0 and result.stdout == "king man woman\tqueen\t" + result.stdout.split("\t")[-1]
    assert "nosuch" in result.output
    result = run("analogy", "-v", path, "king", "man")
    assert result.exit_code == 2 and "A B C" in result.output
    result = run("similar", "-v", path, "nosuch")
    assert result.exit_code == 1 and "not in the vocabulary" in result.output and "Traceback" not in result.output


def test_reweight_spectrum_powers_the_singular_values():
    from nlpzero.vectors.glove import reweight_spectrum
    rng = np.random.default_rng(3)
    x = rng.normal(size=(50, 6)).astype(np.float32) * np.array([5, 3, 2, 1, 0.5, 0.1], dtype=np.float32)
    assert reweight_spectrum(x, 1.0) is x
    u, s, wt = np.linalg.svd(x.astype(np.float64), full_matrices=False)
    expected = (u * s ** 0.5) @ wt
    expected *= np.linalg.norm(x) / np.linalg.norm(expected)
    assert np.allclose(reweight_spectrum(x, 0.5), expected, atol=1e-4)


def test_characters_are_composed_only_where_they_share_meaning():
    from nlpzero.vectors.glove import character_relatedness, compose_characters
    rng = np.random.default_rng(4)
    chars = [chr(0x4e00 + i) for i in range(400)]
    words = chars + [a + b for a, b in zip(chars[::2], chars[1::2])]
    base = rng.normal(size=(len(chars), 16)).astype(np.float32)
    meaningful = np.vstack([base, base[::2] + base[1::2] + 0.3 * rng.normal(size=(200, 16))]).astype(np.float32)
    unrelated = np.vstack([base, rng.normal(size=(200, 16))]).astype(np.float32)
    assert character_relatedness(words, meaningful) > 0.3
    assert abs(character_relatedness(words, unrelated)) < 0.05
    composed = compose_characters(words, meaningful, 1.0)
    assert np.array_equal(composed[:400], meaningful[:400])           # single characters untouched
    assert np.allclose(np.linalg.norm(composed, axis=1), np.linalg.norm(meaningful, axis=1), rtol=1e-5)
    assert compose_characters(words, unrelated, 0.0) is unrelated
    from nlpzero.vectors.glove import CHARACTER_FULL_RELATEDNESS, CHARACTER_WEIGHT
    weight = CHARACTER_WEIGHT * min(1.0, character_relatedness(words, meaningful) / CHARACTER_FULL_RELATEDNESS)
    assert np.allclose(compose_characters(words, meaningful, None), compose_characters(words, meaningful, weight))


def test_a_dimension_beyond_memory_is_refused_before_training():
    import scipy.sparse
    cooc = scipy.sparse.coo_matrix(([2.0], ([0], [1])), shape=(2, 2))
    with pytest.raises(InputError, match="dimension .* GB of vectors, more than this machine's"):
        train_glove(cooc, np.array([3, 3]), dim=1 << 40)
