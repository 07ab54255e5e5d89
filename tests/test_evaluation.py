"""nlpzero.evaluation and `nlpzero eval`: scores checked by hand and against
plain-Python references."""

import math
import subprocess
import sys
import tempfile

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from nlpzero.errors import InputError
from nlpzero.evaluation import evaluate_analogy, evaluate_similarity, score_segmentation
from nlpzero.vectors import WordVectors


def test_segmentation_scores_by_hand():
    gold = ["我们 喜欢 北京", "", "他 来 了"]
    predicted = ["我们 喜欢 北 京", "", "他来 了"]
    # line 1: 2 of 3 gold words found, 4 predicted; line 3: 1 of 3 found, 2 predicted
    result = score_segmentation(gold, predicted, known={"我们", "他", "来", "了", "北京"})
    assert result.precision == pytest.approx(3 / 6)
    assert result.recall == pytest.approx(3 / 6)
    assert result.f1 == pytest.approx(0.5)
    assert result.gold_words == 6 and result.predicted_words == 6 and result.lines == 2
    assert result.oov_words == 1 and result.oov_recall == 1.0          # 喜欢 is OOV, and found


def test_segmentation_reports_lines_whose_text_differs():
    result = score_segmentation(["a b", "c d", "e f"], ["a b", "c x", "e f"])
    assert result.differing == 1 and result.differing_lines == [2] and result.lines == 2
    assert result.f1 == 1.0 and "1 lines differ" in result.summary() and "lines 2" in result.summary()


def test_segmentation_line_counts_must_agree():
    with pytest.raises(InputError, match="ends after 1 lines"):
        score_segmentation(["a b", "c"], ["a b"])
    with pytest.raises(InputError, match="more lines"):
        score_segmentation(["a b"], ["a b", "c"])


def reference_f1(gold_lines, predicted_lines):
    tp = n_gold = n_pred = 0
    for g, p in zip(gold_lines, predicted_lines):
        def cuts(words):
            out, pos = [], 0
            for w in words:
                out.append((pos, pos + len(w)))
                pos += len(w)
            return out
        gs, ps = cuts(g.split()), cuts(p.split())
        tp += sum(1 for s in ps if s in gs)
        n_gold += len(gs)
        n_pred += len(ps)
    precision, recall = tp / max(n_pred, 1), tp / max(n_gold, 1)
    return 2 * precision * recall / max(precision + recall, 1e-12)


def segment_at(text, cuts):
    out, last = [], 0
    for i in sorted(cuts):
        out.append(text[last:i])
        last = i
    out.append(text[last:])
    return " ".join(w for w in out if w)


lines = st.text(alphabet="的一是了我😀𠀀ab", min_size=1, max_size=12).flatmap(
    lambda t: st.tuples(st.just(t), st.sets(st.integers(1, max(1, len(t) - 1))),
                        st.sets(st.integers(1, max(1, len(t) - 1)))))


@settings(max_examples=200, deadline=None)
@given(st.lists(lines, min_size=1, max_size=6))
def test_segmentation_f1_matches_a_reference(cases):
    gold = [segment_at(t, a) for t, a, _ in cases]
    predicted = [segment_at(t, b) for t, _, b in cases]
    assert score_segmentation(gold, predicted).f1 == pytest.approx(reference_f1(gold, predicted))


@pytest.fixture
def vectors():
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(40)] + ["King", "queen", "man", "woman"]
    matrix = rng.normal(size=(len(words), 8)).astype(np.float32)
    king, man, woman = matrix[40], matrix[42], matrix[43]
    matrix[41] = king - man + woman + 0.01           # queen = king - man + woman
    return WordVectors(words, matrix)


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_analogy_answers_and_coverage(vectors, tmp_path):
    path = write(tmp_path, "q.txt", ": royal\nman king woman queen\nman king woman w3\nman king woman unseen\n")
    for method in ("add", "mul"):
        score = evaluate_analogy(vectors, path, method=method)
        assert (score.covered, score.total) == (2, 3)
        assert score.score == pytest.approx(0.5)             # queen right, w3 wrong
    # "king" in the file matches "King" in the vocabulary (case-insensitively)
    assert evaluate_analogy(vectors, path, restrict=40).covered == 0


def reference_3cosadd(vectors, a, b, c):
    unit = {w: vectors[w] / np.linalg.norm(vectors[w]) for w in vectors.words}
    target = unit[b] - unit[a] + unit[c]
    return max((float(unit[w] @ target), w) for w in vectors.words if w not in (a, b, c))[1]


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_analogy_agrees_with_a_reference(seed):
    rng = np.random.default_rng(seed)
    words = [f"w{i}" for i in range(12)]
    vectors = WordVectors(words, rng.normal(size=(12, 3)).astype(np.float32))
    # answers drawn from the reference itself half of the time, so both outcomes occur
    questions = []
    for _ in range(30):
        q = list(rng.choice(words, 4, replace=False))
        if rng.random() < 0.5:
            q[3] = reference_3cosadd(vectors, q[0], q[1], q[2])
        questions.append(q)
    with tempfile.TemporaryDirectory() as tmp:
        path = f"{tmp}/q.txt"
        with open(path, "w", encoding="utf-8") as f:
            f.write("".join(" ".join(q) + "\n" for q in questions))
        expected = sum(reference_3cosadd(vectors, q[0], q[1], q[2]) == q[3] for q in questions) / 30
        assert evaluate_analogy(vectors, path).score == pytest.approx(expected)


def test_similarity_spearman(vectors, tmp_path):
    words = vectors.words
    cosines = [(a, b, float(vectors[a] @ vectors[b] / np.linalg.norm(vectors[a]) / np.linalg.norm(vectors[b])))
               for a, b in zip(words[:10], words[10:20])]
    text = "word1\tword2\tscore\n# a comment\n" + "".join(f"{a}\t{b}\t{c * 10:.6f}\n" for a, b, c in cosines)
    text += "w1 missing 3.0\n"
    score = evaluate_similarity(vectors, write(tmp_path, "sim.tsv", text))
    assert score.score == pytest.approx(1.0) and (score.covered, score.total) == (10, 11)
    reversed_text = "".join(f"{a} {b} {-c}\n" for a, b, c in cosines)
    assert evaluate_similarity(vectors, write(tmp_path, "r.txt", reversed_text)).score == pytest.approx(-1.0)
    assert math.isnan(evaluate_similarity(vectors, write(tmp_path, "none.txt", "x y 1\n")).score)


def run(*args):
    return subprocess.run([sys.executable, "-m", "nlpzero.cli", *args], capture_output=True, text=True,
                          cwd=tempfile.gettempdir())


def test_cli_eval_segmentation(tmp_path):
    gold = write(tmp_path, "gold.txt", "我们 喜欢 北京\n他 来 了\n")
    predicted = write(tmp_path, "pred.txt", "我们 喜欢 北 京\n他 来 了\n")
    words = write(tmp_path, "train.txt", "我们\n他\n来\n了\n北京\n")
    result = run("eval", "segmentation", gold, predicted, "--training-words", words)
    assert result.returncode == 0, result.stderr
    # 5 of 7 predicted words are right, 5 of 6 gold words found
    assert "P 0.7143  R 0.8333  F1 0.7692" in result.stdout and "OOV-R 1.0000" in result.stdout
    result = run("eval", "segmentation", gold, str(tmp_path / "missing.txt"))
    assert result.returncode == 1 and "no such file" in result.stderr and "Traceback" not in result.stderr
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\xff\xfe\x00garbage\n")
    result = run("eval", "segmentation", gold, str(bad))
    assert result.returncode == 1 and "not UTF-8" in result.stderr and "Traceback" not in result.stderr
    result = run("eval", "segmentation", gold, write(tmp_path, "other.txt", "完全 不同\n的 文本\n"))
    assert result.returncode == 1 and "no line could be scored" in result.stderr


def test_cli_eval_vectors(vectors, tmp_path):
    path = str(tmp_path / "v.vec")
    vectors.save(path)
    questions = write(tmp_path, "q.txt", "man King woman queen\n")
    similarity = write(tmp_path, "s.txt", "w1 w2 1\nw1 w3 2\nw2 w3 3\n")
    result = run("eval", "vectors", path, "--analogy", questions, "--similarity", similarity)
    assert result.returncode == 0, result.stderr
    assert "3CosAdd" in result.stdout and "3CosMul" in result.stdout and "coverage 1/1" in result.stdout
    assert "coverage 3/3" in result.stdout
    assert run("eval", "vectors", path).returncode == 2


def test_an_empty_or_wrong_kind_gold_file_is_an_error(tmp_path, caplog):
    from nlpzero.errors import FormatError
    from nlpzero.evaluation import read_analogies, read_similarities
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    analogies = tmp_path / "an.txt"
    analogies.write_text(": capitals\nathens greece oslo norway\n")
    with pytest.raises(FormatError, match="no analogy questions"):
        read_analogies(str(empty))
    for path in (empty, analogies):
        with pytest.raises(FormatError, match="no word pairs with a score"):
            read_similarities(str(path))
    similarities = tmp_path / "sim.txt"
    similarities.write_text("word1 word2 score\ncat dog 7.5\ncat car abc\ncar road 6\n")
    with caplog.at_level("WARNING", logger="nlpzero"):
        assert read_similarities(str(similarities)) == ([("cat", "dog", 7.5), ("car", "road", 6.0)], 2)
    assert "1 lines that are not a word pair with a score were skipped" in caplog.text
