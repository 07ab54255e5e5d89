"""nlpzero.report: the self-contained HTML report (and nlpzero.charts, its SVG charts)."""

import html
import os
import re
import subprocess
import sys
import tempfile

import numpy as np
import pytest

from nlpzero import Lexicon
from nlpzero.errors import InputError, NlpzeroError
from nlpzero.lexicon import jieba_dictionary_path
from nlpzero.progress import Progress

from nlpzero import charts, report
from nlpzero.report import build_report, run_report, scan_corpus

from conftest import CORPORA, ROOT

LINES = 300


@pytest.fixture(scope="module")
def novel_lines():
    with open(CORPORA / "hongloumeng.txt", encoding="utf-8") as f:
        return [next(f) for _ in range(LINES)]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory, novel_lines):
    """A directory with the corpus (the novel's first LINES lines), its
    discovered lexicon, word vectors and templates, and two reports on it."""
    from nlpzero import discover
    from nlpzero.templates import find_templates

    pytest.importorskip("matplotlib")          # every report built from here needs the extra
    root = tmp_path_factory.mktemp("report")
    corpus = root / "novel.txt"
    corpus.write_text("".join(novel_lines), encoding="utf-8")
    lexicon = discover(str(corpus))
    lexicon.save(str(root / "novel.tsv"))
    # vectors: random, but for the real top words (what matters here is the plumbing)
    words = [w for w, _ in lexicon.multi_character().most_common(400)] + ["的", "了"]
    rng = np.random.default_rng(0)
    with open(root / "novel.vec", "w", encoding="utf-8") as f:
        f.write(f"{len(words)} 16\n")
        for word in words:
            f.write(word + " " + " ".join(f"{x:.5f}" for x in rng.normal(size=16)) + "\n")
    find_templates(str(corpus), lexicon).save(str(root / "novel.tpl"))
    return root


@pytest.fixture(scope="module")
def discovered(workdir):
    """(Report, html) of the report that discovers its own lexicon."""
    out = workdir / "discovered.html"
    result = build_report(str(workdir / "novel.txt"), str(out))
    return result, out.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def complete(workdir):
    """(Report, html) of the report with a lexicon, vectors and templates."""
    out = workdir / "complete.html"
    result = build_report(str(workdir / "novel.txt"), str(out), lexicon=str(workdir / "novel.tsv"),
                          vectors=str(workdir / "novel.vec"), templates=str(workdir / "novel.tpl"))
    return result, out.read_text(encoding="utf-8")


def table_words(page: str, table_id: str) -> list[str]:
    start = page.index(f'id="{table_id}"')
    table = page[start:page.index("</table>", start)]
    return [html.unescape(w) for w in re.findall(r'<td class="word[^"]*" data-word="([^"]*)"', table)]


def new_flags(page: str, table_id: str) -> dict:
    start = page.index(f'id="{table_id}"')
    table = page[start:page.index("</table>", start)]
    return {html.unescape(w): bool(new) for new, w in re.findall(r'<td class="word( new)?" data-word="([^"]*)"', table)}


def no_partial_output(directory, name):
    assert not os.path.exists(os.path.join(directory, name))
    assert not [f for f in os.listdir(directory) if f.startswith("." + name)], "a temporary file was left"


# ---------------------------------------------------------------- the page

def test_discovering_report_has_its_sections_and_words(discovered, workdir):
    result, page = discovered
    assert result.sections == ("corpus", "words", "new-words", "charts", "samples")
    assert result.bytes == len(page.encode("utf-8"))
    for anchor in result.sections:
        assert f'<section id="{anchor}">' in page
    top = table_words(page, "table-top")
    assert "宝玉" in top[:20] and "雨村" in top[:20]
    assert len(top) == min(report.DEFAULT_TOP, result.words)
    assert "novel.txt" in page
    assert "<h3>Discovery</h3>" in page and "<dd>pairs</dd>" in page      # the settings it discovered with
    assert page.count("<svg") >= 8                                          # the charts, and the glyph store
    assert result.new_words > 0 and result.words > result.new_words


def test_the_page_is_self_contained(discovered, complete):
    for _, page in (discovered, complete):
        lowered = page.lower()
        for forbidden in ('src="http', "src='http", 'href="http', "href='http", "@import", "url(http", "url('http",
                          'url("http', "<link", "<iframe", "<img", "@font-face", "<script src"):
            assert forbidden not in lowered, forbidden
        # every reference is to the page itself
        assert set(re.findall(r'(?:xlink:)?href="(.)', page)) <= {"#"}
        assert all(not attrs.strip() for attrs in re.findall(r"<script([^>]*)>", page))
        # every <use> refers to an id the page defines
        ids = set(re.findall(r'\sid="([^"]+)"', page))
        assert set(re.findall(r'<use xlink:href="#([^"]+)"', page)) <= ids


def test_ids_are_unique_across_the_charts(complete):
    _, page = complete
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert len(ids) == len(set(ids))


def test_new_words_are_those_absent_from_the_base(discovered):
    _, page = discovered
    base = Lexicon.load(jieba_dictionary_path())
    new = table_words(page, "table-new")
    assert new and all(len(w) > 1 and w not in base for w in new)
    flags = new_flags(page, "table-top")
    assert any(flags.values()) and not all(flags.values())
    for word, is_new in flags.items():
        assert is_new == (word not in base and "<NUM>" not in word), word


def test_a_base_dictionary_decides_what_is_new(workdir, discovered, tmp_path):
    _, page = discovered
    first_new = table_words(page, "table-new")[:5]
    base = tmp_path / "base.txt"
    base.write_text("".join(f"{w} 10\n" for w in first_new), encoding="utf-8")
    out = tmp_path / "r.html"
    build_report(str(workdir / "novel.txt"), str(out), lexicon=str(workdir / "novel.tsv"), base=str(base))
    flags = new_flags(out.read_text(encoding="utf-8"), "table-top")
    for word in first_new:
        assert flags.get(word, False) is False
    assert sum(flags.values()) > len(flags) / 2       # nearly everything else is new against a 5-word base


def test_examples_in_context_are_from_the_corpus(discovered, novel_lines):
    _, page = discovered
    text = "".join(novel_lines)
    start = page.index('id="table-new"')
    examples = re.findall(r'<span class="kwic">(.*?)<b>(.*?)</b>(.*?)</span>', page[start:])
    assert len(examples) > 100
    for left, word, right in examples[:300]:
        left, word, right = (html.unescape(x) for x in (left, word, right))
        lefts = {left, left[1:]} if left.startswith("…") else {left}      # "…": the line goes on
        rights = {right, right[:-1]} if right.endswith("…") else {right}
        assert any(a + word + b in text for a in lefts for b in rights), (left, word, right)


def test_vectors_and_templates_sections(complete):
    result, page = complete
    assert result.sections[-2:] == ("vectors", "templates")
    vectors = page[page.index('<section id="vectors">'):page.index('<section id="templates">')]
    assert "Word vectors of the top" in vectors and "<svg" in vectors
    assert "Nearest neighbours" in vectors and 'class="nb"' in vectors
    templates = page[page.index('<section id="templates">'):]
    assert "[X]" in templates
    assert '<ul class="tree">' in templates


def test_segmentation_samples_are_seeded(workdir, tmp_path):
    corpus = str(workdir / "novel.txt")
    files_a, sample_a = scan_corpus(report.as_corpus(corpus), 50, seed=1)
    _, sample_b = scan_corpus(report.as_corpus(corpus), 50, seed=1)
    _, sample_c = scan_corpus(report.as_corpus(corpus), 50, seed=2)
    assert sample_a == sample_b != sample_c
    assert len(sample_a) == 50 and len(set(sample_a)) == 50
    lines = [line[:report.MAX_SAMPLE_LINE] for line in open(corpus, encoding="utf-8").read().split("\n")]
    assert set(sample_a) <= set(lines)
    _, everything = scan_corpus(report.as_corpus(corpus), 10_000, seed=1)
    assert sorted(everything) == sorted(line for line in lines if line.strip())


def test_corpus_statistics(write):
    a = write("a.txt", "中文abc１２3，。 \n第二行\n")
    b = write("b.txt", b"ok \xff\xfe fine\n" + "汉字\n".encode() * 2000)
    files, _ = scan_corpus(report.as_corpus([a, b]))
    first, second = files
    scripts = dict(zip(report.SCRIPTS, first.scripts.tolist()))
    assert scripts == {"Han": 5, "Latin": 3, "digits": 3, "punctuation & symbols": 2, "whitespace": 1, "other": 0}
    assert (first.bytes, first.characters, first.lines, first.invalid) == (os.path.getsize(a), 14, 2, 0)
    assert second.invalid == 2 and second.lines == 2001


def test_several_files_get_a_row_each(workdir, novel_lines, tmp_path):
    parts = []
    for i in range(2):
        path = tmp_path / f"part{i}.txt"
        path.write_text("".join(novel_lines[i * 150:(i + 1) * 150]), encoding="utf-8")
        parts.append(str(path))
    out = tmp_path / "r.html"
    build_report(parts, str(out), lexicon=str(workdir / "novel.tsv"))
    page = out.read_text(encoding="utf-8")
    corpus = page[page.index('<section id="corpus">'):page.index('<section id="words">')]
    assert corpus.count("part0.txt") == 1 and corpus.count("part1.txt") == 1 and "all files" in corpus


def test_progress_is_reported(workdir, tmp_path):
    labels = []

    class Recorder(Progress):
        def task(self, label, total=None, unit=""):
            labels.append(label)
            return super().task(label, total, unit)

    build_report(str(workdir / "novel.txt"), str(tmp_path / "r.html"), progress=Recorder(), top=20)
    assert labels[0] == "report: reading the corpus"
    assert any(label.startswith("discover") for label in labels)
    assert "report: tokenizing the sample" in labels and "report: drawing charts" in labels


def test_a_lexicon_without_gains(workdir, tmp_path):
    lexicon = Lexicon.load(str(workdir / "novel.tsv"))
    plain = tmp_path / "plain.txt"
    lexicon.save(str(plain), format="jieba")
    out = tmp_path / "r.html"
    result = build_report(str(workdir / "novel.txt"), str(out), lexicon=str(plain), top=30)
    page = out.read_text(encoding="utf-8")
    assert "the lexicon has no gain column" in page and result.words > 0


def test_without_a_cjk_font_labels_are_text(workdir, tmp_path, monkeypatch):
    monkeypatch.setattr(charts, "_font", (None,))
    out = tmp_path / "r.html"
    result = build_report(str(workdir / "novel.txt"), str(out), lexicon=str(workdir / "novel.tsv"), top=30)
    page = out.read_text(encoding="utf-8")
    assert result.font is None and "<text" in page and 'class="glyphs"' not in page


def test_a_last_resort_font_is_not_a_cjk_font():
    # matplotlib ships one: it maps every code point to a placeholder box, so
    # taking it for a CJK font turned every chart label into boxes
    import matplotlib
    path = os.path.join(matplotlib.get_data_path(), "fonts", "ttf", "LastResortHE-Regular.ttf")
    if not os.path.exists(path):
        pytest.skip("this matplotlib ships no last-resort font")
    assert not charts._covers_cjk(path)
    from matplotlib import font_manager
    dejavu = font_manager.findfont("DejaVu Sans", fallback_to_default=False)
    assert not charts._covers_cjk(dejavu)


def test_run_report_is_what_the_cli_does(workdir, tmp_path):
    out = tmp_path / "r.html"
    message = run_report([str(workdir / "novel.txt")], str(out), lexicon=str(workdir / "novel.tsv"), top=20)
    assert message.startswith(f"wrote {out} (") and " new, in " in message and out.exists()
    with pytest.raises(InputError, match="stdin"):
        run_report(["-"], str(tmp_path / "s.html"))
    no_partial_output(tmp_path, "s.html")


def test_stdin_with_a_lexicon(workdir, tmp_path, monkeypatch, novel_lines):
    import io
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO("".join(novel_lines).encode("utf-8"))))
    out = tmp_path / "r.html"
    run_report(["-"], str(out), lexicon=str(workdir / "novel.tsv"), top=20)
    page = out.read_text(encoding="utf-8")
    assert '<td class="path">&lt;stdin&gt;</td>' in page and "宝玉" in page


# ---------------------------------------------------------------- errors

def test_missing_extra_is_one_line(write, tmp_path, monkeypatch, novel_lines):
    corpus = write("novel.txt", "".join(novel_lines))
    lexicon = write("words.txt", "宝玉 10\n笑道 5\n")
    monkeypatch.setitem(sys.modules, "matplotlib", None)      # import matplotlib now raises ImportError
    with pytest.raises(NlpzeroError) as caught:
        build_report(corpus, str(tmp_path / "r.html"), lexicon=lexicon)
    message = str(caught.value)
    assert "\n" not in message and "pip install 'nlpzero-kit[report]'" in message
    no_partial_output(tmp_path, "r.html")


def test_the_package_imports_without_the_extra(monkeypatch):
    code = ("import sys; sys.modules['matplotlib'] = None; import nlpzero.report, nlpzero.charts; "
            "from nlpzero.errors import NlpzeroError\n"
            "try:\n    nlpzero.report.build_report('x', 'y')\n"
            "except NlpzeroError as e:\n    print(e)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tempfile.gettempdir())  # not the unbuilt source tree
    assert done.returncode == 0, done.stderr
    assert "nlpzero-kit[report]" in done.stdout


def test_missing_corpus(tmp_path):
    pytest.importorskip("matplotlib")
    with pytest.raises(InputError, match="no such file"):
        build_report(str(tmp_path / "absent.txt"), str(tmp_path / "r.html"))
    no_partial_output(tmp_path, "r.html")


@pytest.mark.parametrize("content", ["", "\n\n  \n\t\n"])
def test_empty_corpus(tmp_path, content, workdir):
    corpus = tmp_path / "empty.txt"
    corpus.write_text(content, encoding="utf-8")
    for lexicon in (None, str(workdir / "novel.tsv")):
        with pytest.raises(InputError, match="empty"):
            build_report(str(corpus), str(tmp_path / "r.html"), lexicon=lexicon)
        no_partial_output(tmp_path, "r.html")


def test_bad_arguments_leave_no_output(workdir, tmp_path):
    corpus = str(workdir / "novel.txt")
    out = str(tmp_path / "r.html")
    with pytest.raises(InputError):
        build_report(corpus, out, lexicon=str(tmp_path / "absent.tsv"))
    with pytest.raises(InputError):
        build_report(corpus, str(tmp_path / "no" / "r.html"), lexicon=str(workdir / "novel.tsv"))
    with pytest.raises(InputError, match="also an input"):
        build_report(corpus, corpus, lexicon=str(workdir / "novel.tsv"))
    with pytest.raises(NlpzeroError):
        build_report(corpus, out, lexicon=str(workdir / "novel.tsv"), vectors=str(workdir / "novel.tsv"))
    with pytest.raises(NlpzeroError):
        build_report(corpus, out, lexicon=str(workdir / "novel.tsv"), templates=str(workdir / "novel.tsv"))
    no_partial_output(tmp_path, "r.html")


def test_a_failure_while_drawing_leaves_no_output(workdir, tmp_path, monkeypatch):
    out = tmp_path / "r.html"
    out.write_text("previous", encoding="utf-8")

    def broken(*args, **kwargs):
        raise InputError("broken chart")

    monkeypatch.setattr(charts, "gain_chart", broken)
    with pytest.raises(InputError, match="broken chart"):
        build_report(str(workdir / "novel.txt"), str(out), lexicon=str(workdir / "novel.tsv"))
    assert out.read_text(encoding="utf-8") == "previous"
    assert not [f for f in os.listdir(tmp_path) if f.startswith(".r.html")]


# ---------------------------------------------------------------- in a browser

BROWSER = next((b for b in ("chromium", "chromium-browser", "google-chrome") if __import__("shutil").which(b)), None)


@pytest.mark.skipif(BROWSER is None, reason="no chromium on PATH")
def test_the_page_renders_in_a_browser(complete, workdir, tmp_path):
    pil = pytest.importorskip("PIL.Image")
    png = tmp_path / "shot.png"
    done = subprocess.run([sys.executable, str(ROOT / "bin" / "render_report.py"), str(workdir / "complete.html"),
                           "-o", str(png), "--width", "1280", "--height", "4000"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    with pil.open(png) as image:
        assert image.size == (1280, 4000)
        colours = image.convert("RGB").getcolors(maxcolors=1 << 24)
    assert len(colours) > 500                      # text, charts and highlights, not a blank page


HARNESS = """<script>
window.addEventListener("load", function () {
  var input = document.querySelector('[data-filter="table-top"]');
  var label = document.querySelector('[data-count="table-top"]');
  function search(text) { input.value = text; input.dispatchEvent(new Event("input")); return label.textContent; }
  var none = search("no such text"), some = search("宝玉"), all = search("");
  var newOnly = document.querySelector('[data-new-only="table-top"]');
  newOnly.checked = true; newOnly.dispatchEvent(new Event("change"));
  var onlyNew = label.textContent;
  newOnly.checked = false; newOnly.dispatchEvent(new Event("change"));
  document.querySelectorAll("#table-top th")[2].click();          // count, ascending
  var counts = Array.prototype.map.call(document.querySelectorAll("#table-top tbody tr"),
                                        function (r) { return r.cells[2].getAttribute("data-v"); });
  document.body.setAttribute("data-test", [none, some, all, onlyNew, counts.join(",")].join("|"));
});
</script>"""


@pytest.mark.skipif(BROWSER is None, reason="no chromium on PATH")
def test_the_tables_sort_and_search_in_a_browser(discovered, tmp_path):
    _, page = discovered
    harnessed = tmp_path / "harnessed.html"
    harnessed.write_text(page.replace("</body>", HARNESS + "</body>"), encoding="utf-8")
    done = subprocess.run([BROWSER, "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=5000",
                           f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", harnessed.as_uri()],
                          capture_output=True, timeout=300)
    dom = done.stdout.decode("utf-8")
    found = re.search(r'data-test="([^"]*)"', dom)
    assert found, done.stderr.decode("utf-8", "replace")[-2000:]
    none, some, everything, only_new, counts = html.unescape(found.group(1)).split("|")
    rows = len(table_words(page, "table-top"))
    new_rows = sum(new_flags(page, "table-top").values())
    assert none == f"0 of {rows} shown" and everything == f"{rows} of {rows} shown"
    assert 0 < int(some.split()[0]) < rows
    assert only_new == f"{new_rows} of {rows} shown"
    counts = [int(c) for c in counts.split(",")]
    assert counts == sorted(counts) and len(counts) == rows


def test_cli_report(tmp_path):
    from click.testing import CliRunner
    from nlpzero.cli import main
    corpus = tmp_path / "novel.txt"
    lines = open(os.path.join(os.path.dirname(__file__), "..", "corpora", "hongloumeng.txt"),
                 encoding="utf-8").read().splitlines()[:400]
    corpus.write_text("\n".join(lines), encoding="utf-8")
    out = tmp_path / "r.html"
    result = CliRunner().invoke(main, ["report", str(corpus), "-o", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "wrote" in result.output and out.exists() and "<html" in out.read_text(encoding="utf-8")[:2000].lower()
    result = CliRunner().invoke(main, ["report", "-", "-o", str(tmp_path / "s.html")], input="宝玉\n")
    assert result.exit_code != 0 and "stdin" in result.output and not (tmp_path / "s.html").exists()
