#!/usr/bin/env python3
"""Benchmark the tokenizer against jieba's cut(HMM=False), side by side in one
run, both with jieba's bundled dictionary, each in its own process.

    python bin/bench_tokenize.py [CORPUS] [--slice-mb 10]

jieba segments a slice (it is slow); its speed excludes its own start-up
(dictionary cache loading), which flatters it.  nlpzero is timed as the CLI,
start-up and dictionary loading included, on the slice and the whole corpus,
and with jieba's dict.txt itself parsed at start-up on a --load-mb slice.
Agreement is word-level (span) F1 between the two on the slice, whitespace
tokens left out; the differing spans are classified.
"""

import argparse
import collections
import os
import sys
import tempfile

from benchutil import run_nlpzero, run_script

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_CORPUS = os.path.join(HERE, "..", "..", "shared", "corpora", "zh", "modern.txt")

JIEBA = r"""
import json, logging, resource, sys, time
import jieba
jieba.setLogLevel(logging.WARNING)
src, dst = sys.argv[1], sys.argv[2]
jieba.initialize()
with open(src, encoding="utf-8") as f:
    lines = f.read().split("\n")
t = time.perf_counter()
with open(dst, "w", encoding="utf-8") as out:
    for line in lines:
        out.write("\t".join(jieba.cut(line, HMM=False)) + "\n")
seconds = time.perf_counter() - t
print(json.dumps({"seconds": seconds, "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}))
"""


def run_cli(args):
    """Wall time and peak RSS of one `nlpzero` command."""
    seconds, rss, _ = run_nlpzero(args)
    return seconds, rss


def write_slice(src, dst, nbytes):
    with open(src, "rb") as f:
        data = f.read(nbytes)
    data = data[:data.rfind(b"\n") + 1]
    with open(dst, "wb") as f:
        f.write(data)
    return len(data)


def spans(tokens):
    out, pos = set(), 0
    for token in tokens:
        if token and not token.isspace():
            out.add((pos, pos + len(token)))
        pos += len(token)
    return out


def agreement(text_path, jieba_path, ours_path):
    """Span F1 of our tokens against jieba's, and the differing spans by kind."""
    kinds = collections.Counter()
    examples = collections.defaultdict(list)
    same = n_ours = n_theirs = 0
    with open(text_path, encoding="utf-8") as t, open(jieba_path, encoding="utf-8") as j, \
            open(ours_path, encoding="utf-8") as o:
        for line, theirs, ours in zip(t, j, o):
            line = line.rstrip("\n")
            a = spans(theirs.rstrip("\n").split("\t"))
            b = _align(line, ours.rstrip("\n").split(" "))
            same += len(a & b)
            n_theirs += len(a)
            n_ours += len(b)
            for x, y in sorted(b - a):
                word = line[x:y]
                kind = ("repeated mark" if len(set(word)) == 1 and not word.isalnum()
                        else "non-Chinese letters/digits" if any(ord(c) < 0x2E80 and c.isalnum() for c in word)
                        else "other")
                kinds[kind] += 1
                if len(examples[kind]) < 5:
                    examples[kind].append(word)
    precision, recall = same / max(n_ours, 1), same / max(n_theirs, 1)
    return 2 * precision * recall / max(precision + recall, 1e-12), kinds, examples


def _align(line, tokens):
    """Spans of CLI output tokens (whitespace dropped) in the original line."""
    out, pos = set(), 0
    for token in tokens:
        if not token:
            continue
        pos = line.index(token, pos)
        out.add((pos, pos + len(token)))
        pos += len(token)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", default=DEFAULT_CORPUS)
    parser.add_argument("--slice-mb", type=float, default=10, help="size of the slice jieba segments")
    parser.add_argument("--load-mb", type=float, default=40,
                        help="size of the slice for `tokenize -l dict.txt` (dictionary parsing counted)")
    args = parser.parse_args()
    if not os.path.exists(args.corpus):
        sys.exit(f"bench_tokenize: {args.corpus}: no such file")
    import jieba
    dictionary = os.path.join(os.path.dirname(jieba.__file__), "dict.txt")
    full_mb = os.path.getsize(args.corpus) / 1e6
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        slice_path = os.path.join(tmp, "slice.txt")
        slice_mb = write_slice(args.corpus, slice_path, int(args.slice_mb * 1e6)) / 1e6
        jieba_out = os.path.join(tmp, "jieba.txt")
        ref = run_script(JIEBA, slice_path, jieba_out)
        ref_speed = slice_mb / ref["seconds"]
        rows.append(("jieba cut(HMM=False)", f"{slice_mb:.0f} MB slice", ref["seconds"], ref_speed, ref["rss"]))

        model = os.path.join(tmp, "jieba.nlpztok")
        seconds, rss = run_cli(["compile", dictionary, "-o", model])
        compile_row = ("nlpzero compile dict.txt", "349k words", seconds, None, rss)
        ours_out = os.path.join(tmp, "ours.txt")
        seconds, rss = run_cli(["tokenize", "-q", "-l", model, slice_path, "-o", ours_out])
        rows.append(("nlpzero tokenize -j 1", f"{slice_mb:.0f} MB slice", seconds, slice_mb / seconds, rss))
        speeds = {}
        for jobs in (1, 2):
            seconds, rss = run_cli(["tokenize", "-q", "-l", model, args.corpus, "-j", str(jobs),
                                    "-o", os.path.join(tmp, "full.txt")])
            speeds[jobs] = full_mb / seconds
            rows.append((f"nlpzero tokenize -j {jobs}", f"{full_mb:.0f} MB full", seconds, speeds[jobs], rss))
        seconds, rss = run_cli(["tokenize", "-q", "-l", dictionary, args.corpus, "-o", os.path.join(tmp, "full.txt")])
        rows.append(("  same, -l dict.txt", f"{full_mb:.0f} MB full", seconds, full_mb / seconds, rss))
        load_path = os.path.join(tmp, "load.txt")
        load_mb = write_slice(args.corpus, load_path, int(args.load_mb * 1e6)) / 1e6
        for jobs in (1, 2):
            seconds, rss = run_cli(["tokenize", "-q", "-l", dictionary, load_path, "-j", str(jobs),
                                    "-o", os.path.join(tmp, "load.tok")])
            rows.append((f"nlpzero tokenize -l dict.txt -j {jobs}", f"{load_mb:.0f} MB slice", seconds,
                         load_mb / seconds, rss))
        rows.append(compile_row)
        f1, kinds, examples = agreement(slice_path, jieba_out, ours_out)

    print(f"unigram tokenization with jieba's dictionary, {os.path.basename(args.corpus)}\n")
    print(f"| {'tokenizer':<33} | {'input':<14} | {'seconds':>8} | {'MB/s':>7} | {'× jieba':>8} | {'peak RSS':>9} |")
    print(f"|{'-' * 35}|{'-' * 16}|{'-' * 10}|{'-' * 9}|{'-' * 10}|{'-' * 11}|")
    for name, what, seconds, speed, rss in rows:
        speed_s = f"{speed:7.2f}" if speed else f"{'':7}"
        ratio = f"{speed / ref_speed:7.1f}×" if speed else f"{'':8}"
        print(f"| {name:<33} | {what:<14} | {seconds:8.2f} | {speed_s} | {ratio} | {rss / 2**30:7.2f} GB |")
    print(f"\n--jobs 2 / --jobs 1 on the full corpus: {speeds[2] / speeds[1]:.2f}×")
    print(f"word-level agreement with jieba (span F1, {slice_mb:.0f} MB slice): {f1:.5f}")
    for kind, n in kinds.most_common():
        print(f"  {n:6d} spans differ: {kind:<28} e.g. {' '.join(examples[kind])}")


if __name__ == "__main__":
    main()
