#!/usr/bin/env python3
"""Benchmark word vectors: nlpzero's simpler GloVe against gensim's skip-gram,
side by side in one run, on the English text8-like corpus.

    python bin/bench_vectors.py [CORPUS] [--questions FILE] [--wordsim FILE] [--epochs E]

gensim: skip-gram, dim 100, window 5, 5 epochs, negative 5, min count 5, 2
workers.  nlpzero: `nlpzero vectors --tokenized` (co-occurrence counting
included), dim 100, window 10, otherwise its defaults.  Both are scored with bin/eval_vectors.py's
functions: questions-words analogy over the 30k most frequent words, WordSim-353.
"""

import argparse
import os
import sys
import tempfile

from benchutil import run_nlpzero, run_script

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.join(HERE, "..", "..", "shared")
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

GENSIM = r"""
import json, resource, sys, time
from gensim.models import Word2Vec
src, dst = sys.argv[1], sys.argv[2]
t = time.perf_counter()
model = Word2Vec(corpus_file=src, vector_size=100, window=5, epochs=5, negative=5, min_count=5, sg=1, workers=2)
seconds = time.perf_counter() - t
model.wv.save_word2vec_format(dst)
print(json.dumps({"seconds": seconds, "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}))
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", default=os.path.join(SHARED, "corpora", "en", "enwiki-text8like.txt"))
    parser.add_argument("--questions", default=os.path.join(SHARED, "data", "eval", "questions-words.txt"))
    parser.add_argument("--wordsim", default=os.path.join(SHARED, "data", "eval", "wordsim353.tsv"))
    parser.add_argument("--epochs", type=int, help="GloVe epochs (default: nlpzero's default)")
    args = parser.parse_args()
    for path in (args.corpus, args.questions, args.wordsim):
        if not os.path.exists(path):
            sys.exit(f"bench_vectors: {path}: no such file")
    from eval_vectors import analogy, similarity
    from nlpzero.vectors import WordVectors

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        ref_path = os.path.join(tmp, "gensim.vec")
        ref = run_script(GENSIM, args.corpus, ref_path)
        rows.append(("gensim skip-gram", ref["seconds"], ref["rss"], ref_path))
        ours_path = os.path.join(tmp, "glove.vec")
        epochs = ["--epochs", str(args.epochs)] if args.epochs else []
        seconds, rss, _ = run_nlpzero(["vectors", args.corpus, "--tokenized", "-q", "--dim", "100", "--window", "10",
                                       *epochs, "--threads", "2", "-o", ours_path])
        rows.append(("nlpzero simpler GloVe" + (f" ({args.epochs} ep.)" if args.epochs else ""), seconds, rss,
                     ours_path))
        print(f"word vectors, {os.path.basename(args.corpus)}\n")
        print(f"| {'method':<32} | {'seconds':>8} | {'time ratio':>10} | {'peak RSS':>9} | {'analogy (30k)':>13} "
              f"| {'coverage':>11} | {'WS-353 ρ':>8} |")
        print(f"|{'-' * 34}|{'-' * 10}|{'-' * 12}|{'-' * 11}|{'-' * 15}|{'-' * 13}|{'-' * 10}|")
        for name, seconds, rss, path in rows:
            wv = WordVectors.load(path)
            acc, covered, total = analogy(wv, args.questions, 30000)
            rho, _, _ = similarity(wv, args.wordsim)
            print(f"| {name:<32} | {seconds:8.1f} | {seconds / rows[0][1]:9.2f}x | {rss / 2**30:7.2f} GB "
                  f"| {acc:13.4f} | {covered:5}/{total:5} | {rho:8.3f} |")


if __name__ == "__main__":
    main()
