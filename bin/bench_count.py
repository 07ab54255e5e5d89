#!/usr/bin/env python3
"""Benchmark n-gram counting: nlpzero vs a pure-Python collections.Counter
reference, side by side in one run, each in its own process (for peak RSS).

    python bin/bench_count.py [CORPUS] [--order 4] [--slice-mb 20] [--line-mb 30]

Prints one table: throughput (MB/s of input), ratio to the reference, peak RSS.
"""

import argparse
import os
import sys
import tempfile

from benchutil import run_script

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_CORPUS = os.path.join(HERE, "..", "..", "shared", "corpora", "zh", "modern.txt")

# Each measurement runs in a fresh interpreter and prints JSON: seconds, peak RSS.
NLPZERO = r"""
import json, resource, sys, time
import nlpzero
nlpzero.WordChars.default()          # built once per process; not part of counting
path, order, jobs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
t = time.perf_counter()
counts = nlpzero.count(path, order=order, jobs=jobs)
seconds = time.perf_counter() - t
print(json.dumps({"seconds": seconds, "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
                  "distinct": len(counts)}))
"""

COUNTER = r"""
import collections, json, re, resource, sys, time
path, order = sys.argv[1], int(sys.argv[2])
t = time.perf_counter()
counts = collections.Counter()
word = re.compile(r"[^\W_]+")
with open(path, encoding="utf-8") as f:
    for line in f:
        for seg in word.findall(line):
            for n in range(1, order + 1):
                counts.update(seg[i:i + n] for i in range(len(seg) - n + 1))
seconds = time.perf_counter() - t
print(json.dumps({"seconds": seconds, "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
                  "distinct": len(counts)}))
"""


def write_slice(src, dst, nbytes, one_line=False):
    with open(src, "rb") as f:
        data = f.read(nbytes)
    data = data[:len(data.decode("utf-8", "ignore").encode("utf-8"))]
    if one_line:
        data = data.replace(b"\n", "，".encode("utf-8"))
    with open(dst, "wb") as f:
        f.write(data)
    return len(data)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", default=DEFAULT_CORPUS)
    parser.add_argument("--order", type=int, default=4)
    parser.add_argument("--slice-mb", type=float, default=20, help="size of the slice the Counter reference counts")
    parser.add_argument("--line-mb", type=float, default=30, help="size of the single-line test file")
    args = parser.parse_args()
    if not os.path.exists(args.corpus):
        sys.exit(f"bench_count: {args.corpus}: no such file")

    full_mb = os.path.getsize(args.corpus) / 1e6
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        slice_path = os.path.join(tmp, "slice.txt")
        slice_mb = write_slice(args.corpus, slice_path, int(args.slice_mb * 1e6)) / 1e6
        line_path = os.path.join(tmp, "line.txt")
        line_mb = write_slice(args.corpus, line_path, int(args.line_mb * 1e6), one_line=True) / 1e6

        ref = run_script(COUNTER, slice_path, args.order)
        ref_speed = slice_mb / ref["seconds"]
        rows.append(("Counter (pure Python)", f"{slice_mb:.0f} MB slice", 1, ref["seconds"], ref_speed, ref["rss"]))
        ours = run_script(NLPZERO, slice_path, args.order, 1)
        rows.append(("nlpzero --jobs 1", f"{slice_mb:.0f} MB slice", 1, ours["seconds"], slice_mb / ours["seconds"], ours["rss"]))
        for jobs in (1, 2):
            r = run_script(NLPZERO, args.corpus, args.order, jobs)
            rows.append((f"nlpzero --jobs {jobs}", f"{full_mb:.0f} MB full", jobs, r["seconds"], full_mb / r["seconds"], r["rss"]))
        r = run_script(NLPZERO, line_path, args.order, 2)
        rows.append(("nlpzero --jobs 2", f"{line_mb:.0f} MB one line", 2, r["seconds"], line_mb / r["seconds"], r["rss"]))

    print(f"n-gram counting, orders 1..{args.order}, {os.path.basename(args.corpus)}\n")
    print(f"| {'counter':<22} | {'input':<16} | {'seconds':>8} | {'MB/s':>7} | {'× Counter':>9} | {'peak RSS':>9} |")
    print(f"|{'-' * 24}|{'-' * 18}|{'-' * 10}|{'-' * 9}|{'-' * 11}|{'-' * 11}|")
    for name, what, _, seconds, speed, rss in rows:
        print(f"| {name:<22} | {what:<16} | {seconds:8.2f} | {speed:7.2f} | {speed / ref_speed:8.1f}× | {rss / 2**30:7.2f} GB |")


if __name__ == "__main__":
    main()
