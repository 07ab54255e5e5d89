#!/usr/bin/env python3
"""Benchmark template finding and parsing.

    python bin/bench_templates.py [CORPUS] [-l LEXICON] [--parse-sentences 5000]

Times `nlpzero templates CORPUS -l LEXICON -o FILE` end to end (a lexicon is
first discovered when none is given; that time is reported separately), then
parses sentences from the corpus with the templates found and reports
sentences per second; prints the top non-trivial templates and two parse trees.
"""

import argparse
import itertools
import os
import sys
import tempfile
import time

from benchutil import run_nlpzero

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
DEFAULT_CORPUS = os.path.join(HERE, "..", "..", "shared", "corpora", "zh", "modern.txt")


def _timed(args):
    seconds, rss, _ = run_nlpzero(args)
    return seconds, rss


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", default=DEFAULT_CORPUS)
    parser.add_argument("-l", "--lexicon")
    parser.add_argument("--parse-sentences", type=int, default=5000)
    args = parser.parse_args()
    if not os.path.exists(args.corpus):
        sys.exit(f"bench_templates: {args.corpus}: no such file")
    from nlpzero import Tokenizer
    from nlpzero.templates import Parser, Templates, sentences

    mb = os.path.getsize(args.corpus) / 1e6
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        lexicon = args.lexicon
        if lexicon is None:
            lexicon = os.path.join(tmp, "lexicon.tsv")
            seconds, rss = _timed(["discover", args.corpus, "-q", "-o", lexicon])
            rows.append(("nlpzero discover (the lexicon)", seconds, rss))
        out = os.path.join(tmp, "templates.tsv")
        seconds, rss = _timed(["templates", args.corpus, "-l", lexicon, "-q", "-o", out])
        rows.append(("nlpzero templates", seconds, rss))
        templates = Templates.load(out)
        tokenizer = Tokenizer.load(lexicon)
        with open(args.corpus, encoding="utf-8") as f:
            lines = [line for line in itertools.islice(f, 200000) if line.strip()]
        sample = list(itertools.islice(sentences(
            [t for t in tokenizer.tokenize(line) if not t.isspace()] for line in lines[::7]), args.parse_sentences))
        parser = Parser(templates)
        start = time.perf_counter()
        trees = [parser.parse(ws) for ws in sample]
        parse_seconds = time.perf_counter() - start

    print(f"templates, {os.path.basename(args.corpus)} ({mb:.0f} MB)\n")
    print(f"| {'step':<32} | {'seconds':>8} | {'peak RSS':>9} |")
    print(f"|{'-' * 34}|{'-' * 10}|{'-' * 11}|")
    for name, seconds, rss in rows:
        print(f"| {name:<32} | {seconds:8.1f} | {rss / 2**30:7.2f} GB |")
    words = sum(len(ws) for ws in sample)
    print(f"\nparsing: {len(sample)} sentences ({words / max(len(sample), 1):.1f} words on average) in "
          f"{parse_seconds:.2f} s = {len(sample) / parse_seconds:,.0f} sentences/s")
    print(f"\n{len(templates):,} templates; top 20 non-trivial:")
    for template, count in templates.most_common(20, trivial=False):
        print(f"  {count:8d}  {' '.join('[X]' if w is None else w for w in template)}")
    shown = [t for t in trees if t.children and len(t.words) >= 5][:2]
    for tree in shown:
        print("\n" + tree.render())


if __name__ == "__main__":
    main()
