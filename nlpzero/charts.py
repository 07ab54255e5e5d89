"""Charts for the HTML report: matplotlib figures drawn as inline SVG.

Matplotlib is the optional ``report`` extra (``pip install
'nlpzero-kit[report]'``); :func:`require_matplotlib` turns its absence into
one line the CLI can print.  Text in the charts is written as glyph outlines
(``svg.fonttype = 'path'``) in a CJK font found on this machine
(:func:`cjk_font`), so the charts' Chinese labels look the same in any
browser whatever fonts the reader has; when no CJK font is installed the
labels are left as SVG text for the browser to draw (a warning says so).
``$NLPZERO_CJK_FONT`` names a font file or family to use instead.

Several SVGs share one HTML page: matplotlib names each glyph outline by font
and code point, the same in every figure, so the outlines are moved into one
store per page (:func:`glyph_defs`) that every chart's ``<use>`` refers to;
every other id is prefixed with its chart's name.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import logging
import os
import re
import warnings

from .errors import InputError

log = logging.getLogger("nlpzero")

INSTALL_HINT = "pip install 'nlpzero-kit[report]'"

# Simplified Chinese first (the corpora are mostly simplified), then any CJK font.
CJK_FAMILIES = (
    "Noto Sans CJK SC", "Source Han Sans SC", "Source Han Sans CN", "Noto Sans SC", "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei", "Microsoft YaHei", "PingFang SC", "Hiragino Sans GB", "Heiti SC", "SimHei",
    "Sarasa Gothic SC", "Droid Sans Fallback", "Noto Sans CJK TC", "Noto Sans CJK JP", "Source Han Sans TC",
    "Microsoft JhengHei", "AR PL UMing CN", "AR PL UKai CN", "Noto Serif CJK SC", "SimSun",
)
_PROBE = "的国人"                 # a font that has these has the common ideographs
FALLBACK_FAMILY = "DejaVu Sans"    # matplotlib's own font: Latin, digits, the minus sign

PALETTE = {"known": "#4c78a8", "new": "#e45756", "single": "#9ecae9", "other": "#bab0ac", "line": "#54a24b",
           "accent": "#f58518"}

_font: tuple | None = None         # (family or None,) once looked up


def require_matplotlib():
    """The matplotlib module, or an InputError naming the extra to install."""
    try:
        import matplotlib
        importlib.import_module("matplotlib.backends.backend_svg")      # the backend the charts use
    except ImportError:
        raise InputError(f"the report needs matplotlib for its charts: {INSTALL_HINT}") from None
    return matplotlib


def _covers_cjk(path: str) -> bool:
    from matplotlib.ft2font import FT2Font
    try:
        charmap = FT2Font(path).get_charmap()
    except (OSError, RuntimeError, ValueError):
        return False
    glyphs = {charmap.get(ord(ch)) for ch in _PROBE}
    # every probe mapped, and to glyphs of its own: a last-resort font (matplotlib
    # ships one) maps whole blocks to one placeholder glyph
    return None not in glyphs and len(glyphs) == len(set(_PROBE))


def cjk_font() -> str | None:
    """The family name of a CJK font matplotlib can use, or None when this
    machine has none.  Looked up once: ``$NLPZERO_CJK_FONT`` (a font file,
    added to matplotlib's list, or a family name), then the families of
    CJK_FAMILIES, then any font covering common ideographs, then fonts
    installed after matplotlib cached its font list."""
    global _font
    if _font is not None:
        return _font[0]
    from matplotlib import font_manager

    manager = font_manager.fontManager
    family = None
    configured = os.environ.get("NLPZERO_CJK_FONT")
    if configured:
        if os.path.isfile(configured):
            manager.addfont(configured)
            family = font_manager.FontProperties(fname=configured).get_name()
        else:
            family = configured
    if family is None:
        names = {entry.name for entry in manager.ttflist}
        family = next((name for name in CJK_FAMILIES if name in names), None)
    if family is None:
        entries = sorted(manager.ttflist, key=lambda e: ("CJK" not in e.name, e.weight != 400, e.name))
        family = next((e.name for e in entries if _covers_cjk(e.fname)), None)
    if family is None:
        known = {entry.fname for entry in manager.ttflist}
        for path in sorted(font_manager.findSystemFonts()):
            if path not in known and _covers_cjk(path):
                manager.addfont(path)
                family = font_manager.FontProperties(fname=path).get_name()
                break
    if family is None:
        log.warning("no CJK font found for the report's charts: their labels are left as text for the browser "
                    "to draw (install one, e.g. Debian's fonts-noto-cjk, or set NLPZERO_CJK_FONT)")
    _font = (family,)
    return family


@contextlib.contextmanager
def style():
    """rcParams for every chart: the CJK font, text as paths (as text without one),
    stable ids, no dates in the files."""
    import matplotlib

    family = cjk_font()
    params = {
        "svg.fonttype": "path" if family else "none",
        "svg.hashsalt": "nlpzero-report",
        "font.family": [family, FALLBACK_FAMILY] if family else ["sans-serif"],
        "font.sans-serif": [FALLBACK_FAMILY, "Noto Sans CJK SC", "WenQuanYi Micro Hei", "Microsoft YaHei",
                            "PingFang SC", "sans-serif"],
        "axes.unicode_minus": False,
        "font.size": 9,
        "axes.titlesize": 10,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "grid.alpha": 0.3,
        "figure.dpi": 72,
    }
    with matplotlib.rc_context(params), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Glyph .* missing from")
        yield


def figure(width: float = 6.4, height: float = 3.6):
    """A new Figure and its axes, not registered with pyplot (no global state)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    return fig, fig.add_subplot()


_ID = re.compile(r'\sid="([^"]+)"')
_HREF = re.compile(r'((?:xlink:)?href)="#([^"]+)"')
_URL = re.compile(r"url\(#([^)]+)\)")
_SIZE = re.compile(r'<svg([^>]*?) width="[^"]*" height="[^"]*"')
_GLYPH = re.compile(r'<path id="([^"]*-[^"]*)" d="[^"]*"[^>]*/>')   # matplotlib names glyphs font-codepoint
_COORDINATES = re.compile(r'\b(d|x|y|points)="([^"]*)"|translate\(([^)]*)\)')
_FLOAT = re.compile(r"(-?\d+\.\d\d)\d+")


def _rounded(match) -> str:
    if match.group(3) is not None:
        return "translate(" + _FLOAT.sub(r"\1", match.group(3)) + ")"
    return match.group(1) + '="' + _FLOAT.sub(r"\1", match.group(2)) + '"'


def to_svg(fig, name: str, title: str = "", glyphs: dict | None = None) -> str:
    """The figure as an ``<svg>`` element for inline use: no XML prolog,
    metadata or comments, no ids nothing refers to, the others prefixed by
    `name`, coordinates to a hundredth of a point, scaled by CSS to its
    container.  With `glyphs` (a dict shared by the charts of one page) the
    glyph outlines are moved there, once per glyph, for :func:`glyph_defs`
    to write once for the page."""
    from matplotlib.backends.backend_svg import FigureCanvasSVG

    FigureCanvasSVG(fig)
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg"):]
    svg = re.sub(r"<metadata>.*?</metadata>|<!--.*?-->", "", svg, flags=re.S)
    if glyphs is not None:
        def move(match):
            glyphs.setdefault(match.group(1), re.sub(r"\s*\n\s*", " ", match.group(0)))
            return ""
        svg = _GLYPH.sub(move, svg)
        svg = re.sub(r"<defs>\s*</defs>", "", svg)
    referenced = set(m.group(2) for m in _HREF.finditer(svg)) | set(_URL.findall(svg))
    prefix = re.sub(r"[^A-Za-z0-9_-]", "-", name) + "-"
    shared = glyphs or {}

    def rename(found: str) -> str:
        return found if found in shared else prefix + found

    svg = _ID.sub(lambda m: f' id="{rename(m.group(1))}"' if m.group(1) in referenced else "", svg)
    svg = _HREF.sub(lambda m: f'{m.group(1)}="#{rename(m.group(2))}"', svg)
    svg = _URL.sub(lambda m: f"url(#{rename(m.group(1))})", svg)
    svg = _COORDINATES.sub(_rounded, svg)
    svg = re.sub(r"\s*\n\s*", "\n", svg)
    label = f' role="img" aria-label="{_attr(title)}"' if title else ""
    svg = _SIZE.sub(lambda m: f'<svg{m.group(1)}{label}', svg, count=1)
    return svg.strip()


def glyph_defs(glyphs: dict) -> str:
    """One hidden ``<svg>`` holding the glyph outlines the page's charts use
    (``<use>`` refers across the inline SVGs of one HTML document).  Not
    display:none, which some browsers also apply to what refers to it."""
    if not glyphs:
        return ""
    return ('<svg class="glyphs" width="0" height="0" style="position:absolute" aria-hidden="true" '
            'xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"><defs>\n'
            + "\n".join(glyphs.values()) + "\n</defs></svg>")


def _attr(text: str) -> str:
    import html
    return html.escape(text, quote=True)


# ---------------------------------------------------------------- the report's charts
# Each takes plain numbers and words and returns (title, svg).

def _log_spaced(n: int, points: int = 400):
    """About `points` distinct indices 0..n-1, evenly spaced on a log scale."""
    import numpy as np
    if n <= points:
        return np.arange(n)
    return np.unique(np.round(np.geomspace(1, n, points)).astype(np.int64) - 1)


def scripts_chart(shares: list[tuple[str, float]], glyphs: dict | None = None) -> tuple[str, str]:
    title = "Characters by script"
    with style():
        fig, ax = figure(6.4, 2.6)
        labels = [label for label, _ in shares][::-1]
        values = [100 * share for _, share in shares][::-1]
        bars = ax.barh(labels, values, color=PALETTE["known"])
        for bar, value in zip(bars, values):
            ax.text(bar.get_width(), bar.get_y() + bar.get_height() / 2, f" {value:.1f}%", va="center", fontsize=8)
        ax.set_xlabel("% of characters (line breaks excluded)")
        ax.set_xlim(0, max(values + [1]) * 1.15)
        ax.set_title(title)
        ax.grid(axis="y", visible=False)
        return title, to_svg(fig, "scripts", title, glyphs)


def length_chart(lengths, words, occurrences, glyphs: dict | None = None) -> tuple[str, str]:
    """Word lengths (the last bucket is "and longer"): share of lexicon entries and of occurrences."""
    import numpy as np
    title = "Word length"
    with style():
        fig, ax = figure()
        x = np.arange(len(lengths))
        ax.bar(x - 0.2, 100 * np.asarray(words), 0.4, label="lexicon entries", color=PALETTE["known"])
        ax.bar(x + 0.2, 100 * np.asarray(occurrences), 0.4, label="occurrences (count-weighted)",
               color=PALETTE["accent"])
        ax.set_xticks(x, [str(n) for n in lengths[:-1]] + [f"{lengths[-1]}+"])
        ax.set_xlabel("characters in the word")
        ax.set_ylabel("%")
        ax.legend(frameon=False)
        ax.set_title(title)
        return title, to_svg(fig, "lengths", title, glyphs)


def rank_frequency_chart(counts, new_ranks, new_counts, glyphs: dict | None = None) -> tuple[str, str]:
    """counts: all lexicon counts, descending; new_ranks/new_counts: the new words' (1-based)."""
    import numpy as np
    title = "Rank–frequency (log–log)"
    with style():
        fig, ax = figure()
        counts = np.asarray(counts, dtype=np.float64)
        ranks = np.arange(1, len(counts) + 1)
        keep = _log_spaced(len(counts))
        ax.loglog(ranks[keep], counts[keep], color=PALETTE["known"], lw=1.5, label="all words")
        if len(counts):
            ax.loglog(ranks[keep], counts[0] / ranks[keep], color=PALETTE["other"], lw=1, ls="--",
                      label="Zipf: count ∝ 1/rank")
        if len(new_ranks):
            pick = _log_spaced(len(new_ranks), 300)
            ax.scatter(np.asarray(new_ranks)[pick], np.asarray(new_counts)[pick], s=6, color=PALETTE["new"],
                       label="new words", zorder=3)
        ax.set_xlabel("rank")
        ax.set_ylabel("count")
        ax.legend(frameon=False)
        ax.set_title(title)
        return title, to_svg(fig, "rankfreq", title, glyphs)


def gain_chart(known, new, glyphs: dict | None = None) -> tuple[str, str]:
    """Histograms of the gain (nats saved per occurrence) of known and new words."""
    import numpy as np
    title = "Gain per occurrence (nats)"
    with style():
        fig, ax = figure()
        values = np.concatenate([np.asarray(known, dtype=float), np.asarray(new, dtype=float)])
        if values.size:
            low, high = np.percentile(values, [0.5, 99.5])
            bins = np.linspace(low, high if high > low else low + 1, 41)
            ax.hist(np.clip(known, bins[0], bins[-1]), bins, color=PALETTE["known"], alpha=0.75,
                    label=f"in the base dictionary ({len(known):,})")
            ax.hist(np.clip(new, bins[0], bins[-1]), bins, color=PALETTE["new"], alpha=0.75,
                    label=f"new ({len(new):,})")
            ax.legend(frameon=False)
        ax.set_xlabel("gain: ln p(word) − Σ ln p(parts)")
        ax.set_ylabel("words")
        ax.set_title(title)
        return title, to_svg(fig, "gain", title, glyphs)


def coverage_chart(cumulative, total_share: float, label: str, glyphs: dict | None = None) -> tuple[str, str]:
    """Share of running text covered by the k most frequent new words, k = 1..len(cumulative)."""
    import numpy as np
    title = "Running text covered by new words"
    with style():
        fig, ax = figure()
        y = 100 * np.asarray(cumulative, dtype=float)
        x = np.arange(1, len(y) + 1)
        if len(y):
            keep = _log_spaced(len(y))
            ax.plot(x[keep], y[keep], color=PALETTE["new"], lw=1.8)
            ax.set_xscale("log")
        else:
            ax.text(0.5, 0.5, "no new words in the sample", transform=ax.transAxes, ha="center", va="center")
        ax.axhline(100 * total_share, color=PALETTE["other"], ls="--", lw=1)
        ax.text(0.02, 100 * total_share, f"all new words: {100 * total_share:.2f}%", va="bottom", fontsize=8,
                transform=ax.get_yaxis_transform())
        ax.set_xlabel("most frequent new words (in the sample)")
        ax.set_ylabel(f"% of {label}")
        ax.set_ylim(0, max(100 * total_share * 1.2, 0.1))
        ax.set_title(title)
        return title, to_svg(fig, "coverage", title, glyphs)


def composition_chart(parts: list[tuple[str, float, str]], glyphs: dict | None = None) -> tuple[str, str]:
    """One stacked bar: (label, share, palette key) of the sample's characters."""
    title = "What the tokens are (share of characters)"
    with style():
        fig, ax = figure(6.4, 2.8)
        left = 0.0
        for label, share, colour in parts:
            ax.barh([0], [100 * share], left=[left], color=PALETTE[colour], label=f"{label}: {100 * share:.1f}%")
            left += 100 * share
        ax.set_xlim(0, 100)
        ax.set_yticks([])
        ax.set_xlabel("% of the sample's characters (whitespace excluded)")
        fig.legend(loc="outside lower center", frameon=False, ncol=2, fontsize=8)
        ax.grid(False)
        ax.set_title(title)
        return title, to_svg(fig, "composition", title, glyphs)


def top_words_chart(words, counts, new, glyphs: dict | None = None) -> tuple[str, str]:
    title = f"The {len(words)} most frequent words"
    with style():
        fig, ax = figure(6.4, max(2.5, 0.2 * len(words) + 0.8))
        y = list(range(len(words)))[::-1]
        ax.barh(y, counts, color=[PALETTE["new"] if n else PALETTE["known"] for n in new])
        ax.set_yticks(y, list(words))
        ax.set_xlabel("count")
        ax.grid(axis="y", visible=False)
        from matplotlib.patches import Patch
        ax.legend(handles=[Patch(color=PALETTE["known"], label="in the base dictionary"),
                           Patch(color=PALETTE["new"], label="new")], frameon=False, loc="lower right")
        ax.set_title(title)
        return title, to_svg(fig, "topwords", title, glyphs)


def gain_count_chart(counts, gains, new, labels=(), glyphs: dict | None = None) -> tuple[str, str]:
    """Words as points: count (log) against gain; `labels` (index, word) are written beside their point."""
    import numpy as np
    title = "Count and gain of the top words"
    with style():
        fig, ax = figure()
        counts, gains, new = np.asarray(counts, float), np.asarray(gains, float), np.asarray(new, bool)
        ax.scatter(counts[~new], gains[~new], s=8, color=PALETTE["known"], alpha=0.7, label="in the base dictionary")
        ax.scatter(counts[new], gains[new], s=10, color=PALETTE["new"], alpha=0.85, label="new")
        for i, word in labels:
            ax.annotate(word, (counts[i], gains[i]), fontsize=7, xytext=(2, 2), textcoords="offset points")
        if len(counts):
            ax.set_xscale("log")
        ax.set_xlabel("count")
        ax.set_ylabel("gain (nats per occurrence)")
        ax.legend(frameon=False)
        ax.set_title(title)
        return title, to_svg(fig, "gaincount", title, glyphs)


def vector_map_chart(words, xy, new, explained, glyphs: dict | None = None) -> tuple[str, str]:
    """A labelled 2-D projection of word vectors."""
    import numpy as np
    title = f"Word vectors of the top {len(words)} words (PCA)"
    with style():
        fig, ax = figure(9.6, 7.2)
        xy, new = np.asarray(xy, float), np.asarray(new, bool)
        ax.scatter(xy[~new, 0], xy[~new, 1], s=10, color=PALETTE["known"], label="in the base dictionary")
        ax.scatter(xy[new, 0], xy[new, 1], s=12, color=PALETTE["new"], label="new")
        for (x, y), word, is_new in zip(xy, words, new):
            ax.annotate(word, (x, y), fontsize=8, xytext=(2, 2), textcoords="offset points",
                        color="#9b1c1c" if is_new else "#1f2d3d")
        ax.set_xlabel(f"component 1 ({100 * explained[0]:.0f}% of the variance)")
        ax.set_ylabel(f"component 2 ({100 * explained[1]:.0f}%)")
        ax.legend(frameon=False)
        ax.set_title(title)
        return title, to_svg(fig, "vectormap", title, glyphs)
