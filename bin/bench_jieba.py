#!/usr/bin/env python3
"""Benchmark nlpzero.jieba against jieba, mode by mode, side by side in one run.

    python bin/bench_jieba.py [CORPUS] [--slice-mb 4]

For every mode (cut with and without the HMM, cut_all, cut_for_search,
tokenize default and search, and cut after the same edits: 1,000 add_word,
del_word, suggest_freq(tune=True) and a user dictionary of 200 words), each library runs in
a fresh process that imports it, loads its dictionary (jieba from its own
cache, nlpzero.jieba from nlpzero's) and segments a slice of CORPUS line by
line into lists; the time counts all of that (writing the lists out for the
comparison comes after the clock stops).  Prints one table per mode: seconds, the
speed ratio, and word-level agreement (per line, 2·|A∩B| / (|A| + |B|) over
the token multisets), with examples of the lines that differ; and the totals.
The last row, "edits + 1 cut", times only the edits and one cut after them
(start-up excluded: are edits live without a rebuild?) and is not in the totals.
"""

import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_CORPUS = os.path.join(HERE, "..", "..", "shared", "corpora", "zh", "modern.txt")

RUN = r"""
import json, logging, sys, time
start = time.perf_counter()
library, mode, src, dst, edits = sys.argv[1:6]
if library == "jieba":
    import jieba
    jieba.setLogLevel(logging.WARNING)
else:
    import nlpzero.jieba as jieba
jieba.initialize()
edits_start = time.perf_counter()
if edits != "-":
    plan = json.load(open(edits, encoding="utf-8"))
    for word, freq in plan["add"]:
        jieba.add_word(word, freq)
    for word in plan["delete"]:
        jieba.del_word(word)
    for segment in plan["suggest"]:
        jieba.suggest_freq(tuple(segment) if isinstance(segment, list) else segment, True)
    jieba.load_userdict(plan["userdict"])
with open(src, encoding="utf-8") as f:
    lines = f.read().split("\n")
if mode == "edits":              # the edits and one cut: are edits live without a rebuild?
    results = [jieba.lcut(lines[0])]
    start = edits_start
elif mode == "cut":
    results = [jieba.lcut(line) for line in lines]
elif mode == "cut_no_hmm":
    results = [jieba.lcut(line, HMM=False) for line in lines]
elif mode == "cut_all":
    results = [jieba.lcut(line, cut_all=True) for line in lines]
elif mode == "search":
    results = [jieba.lcut_for_search(line) for line in lines]
elif mode == "tokenize":
    results = [list(jieba.tokenize(line)) for line in lines]
elif mode == "tokenize_search":
    results = [list(jieba.tokenize(line, mode="search")) for line in lines]
seconds = time.perf_counter() - start
with open(dst, "w", encoding="utf-8") as out:      # written after the clock stops: the same for both
    for words in results:
        out.write("\t".join(w if isinstance(w, str) else "%s/%d/%d" % w for w in words) + "\n")
print(json.dumps({"seconds": seconds}))
"""

MODES = ["cut", "cut_no_hmm", "cut_all", "search", "tokenize", "tokenize_search", "cut (edited)", "edits + 1 cut"]


def run(library, mode, src, dst, edits):
    env = dict(os.environ)
    out = subprocess.run([sys.executable, "-c", RUN, library, mode.split()[0], src, dst, edits], check=True,
                         capture_output=True, text=True, cwd=tempfile.gettempdir(), env=env).stdout
    return json.loads(out.strip().splitlines()[-1])["seconds"]


def agreement(a_path, b_path):
    same = total = 0
    differing = []
    with open(a_path, encoding="utf-8") as a, open(b_path, encoding="utf-8") as b:
        for line_a, line_b in zip(a, b):
            x, y = line_a.rstrip("\n").split("\t"), line_b.rstrip("\n").split("\t")
            common = sum((collections.Counter(x) & collections.Counter(y)).values())
            same += 2 * common
            total += len(x) + len(y)
            if x != y and len(differing) < 3:
                differing.append((x, y))
    return same / max(total, 1), differing


def edit_plan(tmp, corpus_text):
    """1,000 new words taken from the text, some deletions and tunings, and a user dictionary."""
    import random
    rng = random.Random(7)
    han = [ch for ch in corpus_text[:200_000] if "\u4e00" <= ch <= "\u9fd5"]
    add = []
    while len(add) < 1000:
        i = rng.randrange(len(han) - 4)
        add.append(("".join(han[i:i + rng.choice((2, 3, 4))]), rng.choice((None, 5, 50, 500))))
    userdict = os.path.join(tmp, "user.txt")
    with open(userdict, "w", encoding="utf-8") as f:
        f.write("".join(f"{w} {rng.randrange(1, 900)} nz\n" for w, _ in add[:200]))
    plan = {"add": add, "delete": ["我们", "皇帝", "于是", "一个"], "suggest": ["台中", ["中", "将"], "丞相府"],
            "userdict": userdict}
    path = os.path.join(tmp, "edits.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(plan, f, ensure_ascii=False)
    return path


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", default=DEFAULT_CORPUS)
    parser.add_argument("--slice-mb", type=float, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "slice.txt")
        with open(args.corpus, "rb") as f:
            data = f.read(int(args.slice_mb * 1e6))
        data = data[:data.rfind(b"\n") + 1]
        with open(src, "wb") as f:
            f.write(data)
        edits = edit_plan(tmp, data.decode("utf-8"))
        # warm both libraries' dictionary caches first: a cold start is a process start, not a cache build
        warm = os.path.join(tmp, "warm.txt")
        with open(warm, "w", encoding="utf-8") as f:
            f.write("中国人民\n")
        for library in ("jieba", "nlpzero"):
            run(library, "cut", warm, os.devnull, "-")
        totals = {"jieba": 0.0, "nlpzero": 0.0}
        print(f"nlpzero.jieba vs jieba {_jieba_version()}, {os.path.basename(args.corpus)} slice of "
              f"{len(data) / 1e6:.1f} MB, each mode in fresh processes (start-up and dictionary load counted)\n")
        print(f"| {'mode':<16} | {'jieba s':>8} | {'nlpzero s':>9} | {'× jieba':>8} | {'agreement':>9} |")
        print(f"|{'-' * 18}|{'-' * 10}|{'-' * 11}|{'-' * 10}|{'-' * 11}|")
        notes = []
        for mode in MODES:
            plan = edits if "edit" in mode else "-"
            outputs = {}
            seconds = {}
            for library in ("jieba", "nlpzero"):
                outputs[library] = os.path.join(tmp, f"{library}-{mode.split()[0]}.txt")
                seconds[library] = run(library, mode, src, outputs[library], plan)
                if mode.split()[0] != "edits":
                    totals[library] += seconds[library]
            value, differing = agreement(outputs["jieba"], outputs["nlpzero"])
            print(f"| {mode:<16} | {seconds['jieba']:8.2f} | {seconds['nlpzero']:9.2f} | "
                  f"{seconds['jieba'] / seconds['nlpzero']:7.1f}× | {value:9.6f} |")
            for x, y in differing:
                notes.append((mode, x, y))
        print(f"| {'all modes':<16} | {totals['jieba']:8.2f} | {totals['nlpzero']:9.2f} | "
              f"{totals['jieba'] / totals['nlpzero']:7.1f}× | {'':>9} |")
        for mode, x, y in notes:
            diff_x = [w for w in x if w not in y][:6]
            diff_y = [w for w in y if w not in x][:6]
            print(f"\n{mode}: jieba {diff_x} / nlpzero {diff_y}")


def _jieba_version():
    import jieba
    return jieba.__version__


if __name__ == "__main__":
    main()
