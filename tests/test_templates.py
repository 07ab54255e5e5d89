import random

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings, strategies as st

import reference
from nlpzero._ext import templates as templates_kernel

from nlpzero import FormatError
from nlpzero.cli import main
from nlpzero.templates import (X, Parser, TemplateFinder, Templates, is_trivial, parse_template, sentences,
                               template_text)

FILLERS = [f"词{i}" for i in range(300)]
PLANTED = [("为什么", X), (X, "怎么样"), (X, "的", X, "是", "什么")]


def _planted_sentences(seed=0, n=6000):
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        if rng.random() < 0.5:
            out.append([rng.choice(FILLERS) for _ in range(rng.randint(2, 6))])
            continue
        template = rng.choice(PLANTED)
        words = []
        for item in template:
            words.extend([rng.choice(FILLERS) for _ in range(rng.randint(1, 2))] if item is X else [item])
        out.append(words)
    return out


def test_finder_recovers_planted_templates_incrementally():
    data = _planted_sentences()
    finder = TemplateFinder(window=5)
    finder.train(data[:3000]).train(data[3000:])          # incremental training works
    found = finder.find(data)
    top = [t for t, _ in found.most_common(5, trivial=False)]
    assert set(PLANTED) <= set(top), [template_text(t) for t in top]
    assert all(not any(w.startswith("词") for w in t if w) for t in top[:3])


def test_parser_returns_planted_structure():
    found = TemplateFinder().train(_planted_sentences()).find(_planted_sentences())
    tree = Parser(found).parse(["词1", "的", "词2", "是", "什么"])
    assert tree.template == (X, "的", X, "是", "什么")
    assert [c.text for c in tree.children] == ["词1", "词2"]
    tree = Parser(found).parse(["为什么", "词3", "的", "词4", "是", "什么"])
    assert tree.template == ("为什么", X) and tree.children[0].template == (X, "的", X, "是", "什么")
    assert "为什么" in tree.render() and tree.to_dict()["children"][0]["text"] == "词3的词4是什么"


def test_matching_and_helpers():
    templates = Templates({(X, "的", X): 10, ("为什么", X): 5})
    spans = {(s, e, template_text(t)) for s, e, t, _ in templates.matches(["为什么", "a", "的", "b"])}
    assert (0, 4, "为什么 [X]") in spans and (1, 4, "[X] 的 [X]") in spans and (0, 4, "[X] 的 [X]") in spans
    assert is_trivial((X, "的", X)) and not is_trivial(("为什么", X))
    assert parse_template("[X] 的 [X]") == (X, "的", X)
    assert list(sentences([["我", "，", "你", "好", "。"]])) == [["我"], ["你", "好"]]
    long = Templates({tuple([X, "a"] * 10): 1})
    assert isinstance(long.matches(["a"] * 40), list)   # exponential corner stays bounded


def test_save_load_and_errors(tmp_path):
    templates = Templates({(X, "的", X): 10, ("为什么", X): 5})
    path = str(tmp_path / "t.tsv")
    templates.save(path)
    assert Templates.load(path).counts == templates.counts
    for content in (b"", b"\x00\x01", b"#nlpzero-templates 1 templates=3 total=5\n[X] a\t1\n",
                    b"#nlpzero-templates 1 templates=1 total=5\n[X] a\tmany\n"):
        (tmp_path / "bad.tsv").write_bytes(content)
        with pytest.raises(FormatError):
            Templates.load(str(tmp_path / "bad.tsv"))


def test_cli_templates_and_parse(tmp_path):
    data = _planted_sentences()
    corpus = tmp_path / "c.txt"
    corpus.write_text("\n".join("".join(s) + "。" for s in data), encoding="utf-8")
    lexicon = tmp_path / "lex.tsv"
    lexicon.write_text("".join(f"{w}\t10\n" for w in FILLERS + ["为什么", "怎么样", "的", "是", "什么"]),
                       encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(main, ["templates", str(corpus), "-l", str(lexicon)], catch_exceptions=False)
    assert result.exit_code == 0 and "为什么 [X]" in result.stdout
    out = str(tmp_path / "t.tsv")
    assert runner.invoke(main, ["templates", str(corpus), "-l", str(lexicon), "-o", out]).exit_code == 0
    result = runner.invoke(main, ["parse", "-t", out, "-l", str(lexicon), "词1的词2是什么", "--json"])
    assert result.exit_code == 0 and '"template": "[X] 的 [X] 是 什么"' in result.stdout
    bad = runner.invoke(main, ["parse", "-t", str(corpus), "-l", str(lexicon), "词1"])
    assert bad.exit_code != 0 and "not a templates file" in bad.output


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.integers(-1, 7), max_size=12), max_size=5),
       st.sets(st.tuples(st.integers(0, 7), st.integers(0, 7)), max_size=30),
       st.integers(1, 5), st.integers(1, 6))
def test_template_kernel_matches_reference(sentences, pairs, window, max_paths):
    # -1 inside a sentence stands for a word without an id (never in a strong pair)
    strong = {a << 32 | b for a, b in pairs}
    batch, expected = [], []
    for ids in sentences:
        ids = [i if i >= 0 else 100 + k for k, i in enumerate(ids)]      # unseen words: ids of their own
        batch += ids + [-1]
        if ids:
            expected += reference.sentence_templates(ids, ids, strong, window, max_paths)
    items, ends = templates_kernel.sentence_templates(np.array(batch, dtype=np.int32),
                                                      np.array(sorted(strong), dtype=np.int64), window, max_paths)
    got, start = [], 0
    for end in ends.tolist():
        got.append(tuple(None if i == templates_kernel.PLACEHOLDER else i for i in items[start:end].tolist()))
        start = end
    assert got == expected


def test_a_long_sentence_comes_in_pieces_with_no_token_dropped():
    from nlpzero.templates import MAX_SENTENCE_TOKENS, sentences
    words = [f"w{i}" for i in range(2 * MAX_SENTENCE_TOKENS + 5)]
    pieces = list(sentences([words + ["，"] + ["a", "b"]]))
    assert [len(p) for p in pieces] == [MAX_SENTENCE_TOKENS, MAX_SENTENCE_TOKENS, 5, 2]
    assert sum(pieces, []) == words + ["a", "b"]


def test_parse_says_when_it_cuts_a_long_sentence(caplog):
    from nlpzero.templates import MAX_SENTENCE_TOKENS
    parser = Parser(Templates({(X, "的", X): 5}, 5))
    with caplog.at_level("WARNING", logger="nlpzero"):
        parser.parse([f"w{i}" for i in range(MAX_SENTENCE_TOKENS)])
        assert not caplog.records
        parser.parse([f"w{i}" for i in range(MAX_SENTENCE_TOKENS + 10)])
    assert f"cut to its first {MAX_SENTENCE_TOKENS}" in caplog.text
