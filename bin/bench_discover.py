#!/usr/bin/env python3
"""Benchmark word discovery end to end: `nlpzero discover` (both methods, all
cores) against a pure-Python minimum-entropy word finder written the way
nlp-zero's Word_Finder is (count characters and pairs, cut weak pairs, count
fragments, de-redundancy), side by side in one run, each in its own process.

    python bin/bench_discover.py [CORPUS] [--skip-peer] [--budget 256M]

Prints one table (wall time including start-up, MB/s, ratio, peak RSS) and a
sample of the top words each nlpzero method finds that jieba's dictionary lacks;
rows under the default method run it within --max-memory BUDGET (saying
whether its lexicon is identical to the unbounded one) and without
self-training.
"""

import argparse
import os
import sys
import tempfile

from benchutil import run_nlpzero, run_script

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_CORPUS = os.path.join(HERE, "..", "..", "shared", "corpora", "zh", "modern.txt")

# nlp-zero's Word_Finder, restated in plain Python (its defaults: min_proba 1e-7 -> min count, min_pmi 1)
PEER = r"""
import collections, json, math, re, resource, sys, time
path = sys.argv[1]
t = time.perf_counter()
split = re.compile(r"[^\u4e00-\u9fa50-9a-zA-Z]+")
chars, pairs = collections.Counter(), collections.Counter()
with open(path, encoding="utf-8") as f:
    for line in f:
        for s in split.split(line):
            chars.update(s)
            pairs.update(s[i:i + 2] for i in range(len(s) - 1))
n_chars, n_pairs = sum(chars.values()), sum(pairs.values())
min_count = max(2, round(math.sqrt(n_chars) / 500))
strong = {p for p, c in pairs.items() if c >= min_count and
          math.log(c / n_pairs) - math.log(chars[p[0]] / n_chars) - math.log(chars[p[1]] / n_chars) >= 1}
words = collections.Counter()
with open(path, encoding="utf-8") as f:
    for line in f:
        for s in split.split(line):
            if not s:
                continue
            start = 0
            for i in range(len(s) - 1):
                if s[i:i + 2] not in strong:
                    words[s[start:i + 1]] += 1
                    start = i + 1
            words[s[start:]] += 1
words = {w: c for w, c in words.items() if c >= min_count}
total = sum(words.values())
def segment(word):
    n = len(word); best = [0.0] * (n + 1); nxt = [n] * (n + 1)
    for i in range(n - 1, -1, -1):
        best[i], nxt[i] = -math.log(total) + best[i + 1], i + 1
        for j in range(i + 1, n + 1):
            w = word[i:j]
            if w != word and words.get(w):
                s = math.log(words[w] / total) + best[j]
                if s > best[i]:
                    best[i], nxt[i] = s, j
    out, i = [], 0
    while i < n:
        out.append(word[i:nxt[i]]); i = nxt[i]
    return out
for w in sorted((w for w in words if len(w) > 1), key=len, reverse=True):
    parts = segment(w)
    gain = math.log(words[w] / total) - sum(math.log(words.get(p, 1) / total) for p in parts)
    if gain < len(w) - 1:
        c = words.pop(w)
        for p in parts:
            words[p] = words.get(p, 0) + c
seconds = time.perf_counter() - t
print(json.dumps({"seconds": seconds, "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
                  "words": len(words)}))
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", default=DEFAULT_CORPUS)
    parser.add_argument("--skip-peer", action="store_true", help="do not run the pure-Python peer")
    parser.add_argument("--budget", default="256M", help="--max-memory of the bounded row")
    args = parser.parse_args()
    if not os.path.exists(args.corpus):
        sys.exit(f"bench_discover: {args.corpus}: no such file")
    mb = os.path.getsize(args.corpus) / 1e6
    rows, samples, same = [], {}, None
    if not args.skip_peer:
        peer = run_script(PEER, args.corpus)
        rows.append(("pure-Python Word_Finder (nlp-zero)", peer["seconds"], peer["rss"], peer["words"]))
    with tempfile.TemporaryDirectory() as tmp:
        def discover_row(name, options, out_name, same_as=None):
            """A row for one run; with `same_as` (an earlier output), words is -1
            and `same` says whether the two lexicons are byte-identical."""
            nonlocal same
            out_path = os.path.join(tmp, out_name)
            seconds, rss, _ = run_nlpzero(["discover", args.corpus, *options, "-q", "-o", out_path])
            with open(out_path, "rb") as f:
                data = f.read()
            if same_as is None:
                n_words = sum(1 for line in data.decode("utf-8").splitlines() if not line.startswith("#"))
            else:
                with open(os.path.join(tmp, same_as), "rb") as f:
                    same, n_words = f.read() == data, -1
            rows.append((name, seconds, rss, n_words))

        for method in ("pairs", "ngram"):
            discover_row(f"nlpzero discover --method {method}", ["--method", method], f"{method}.tsv")
            _, _, new = run_nlpzero(["discover", args.corpus, "--method", method, "-q", "--exclude-known", "--top", "40"])
            samples[method] = [line.split("\t")[0] for line in new.splitlines()]
            if method == "pairs":
                discover_row(f"  same, --max-memory {args.budget}", ["--max-memory", args.budget, "--temp-dir", tmp],
                             "bounded.tsv", same_as="pairs.tsv")
                discover_row("  same, --no-self-train", ["--no-self-train"], "refined.tsv")

    base = rows[0][1] if not args.skip_peer else None
    print(f"word discovery, {os.path.basename(args.corpus)} ({mb:.0f} MB), {os.cpu_count()} cores\n")
    print(f"| {'discoverer':<36} | {'seconds':>8} | {'MB/s':>6} | {'× peer':>7} | {'peak RSS':>9} | {'words':>7} |")
    print(f"|{'-' * 38}|{'-' * 10}|{'-' * 8}|{'-' * 9}|{'-' * 11}|{'-' * 9}|")
    for name, seconds, rss, n_words in rows:
        ratio = f"{base / seconds:6.1f}×" if base else f"{'':7}"
        words = f"{n_words:7,}" if n_words >= 0 else f"{'same' if same else 'DIFFER':>7}"
        print(f"| {name:<36} | {seconds:8.2f} | {mb / seconds:6.2f} | {ratio} | {rss / 2**30:7.2f} GB | {words} |")
    for method, words in samples.items():
        print(f"\ntop new words (not in jieba's dictionary), --method {method}:\n  " + " ".join(words))


if __name__ == "__main__":
    main()
