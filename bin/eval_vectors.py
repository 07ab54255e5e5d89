#!/usr/bin/env python3
"""Evaluate word vectors: analogy accuracy and similarity correlation, with coverage.

    python bin/eval_vectors.py VECTORS --analogy FILE... --similarity FILE... [--restrict 30000]

Analogy files are in questions-words format (": section" lines, then "a b c d":
a is to b as c is to d), answered by 3CosAdd, d = argmax cos(w, b - a + c) over
the --restrict most frequent words; similarity files hold "w1 w2 score" lines
(tabs or spaces, "#" comments), scored by cosine.  Coverage: how many questions had all their words in the vocabulary.
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from nlpzero.evaluation import evaluate_analogy, evaluate_similarity  # noqa: E402
from nlpzero.vectors import WordVectors  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("vectors")
    parser.add_argument("--analogy", nargs="*", default=[])
    parser.add_argument("--similarity", nargs="*", default=[])
    parser.add_argument("--restrict", type=int, default=30000, help="answer among the N most frequent words")
    parser.add_argument("--mul", action="store_true", help="also 3CosMul")
    args = parser.parse_args()
    wv = WordVectors.load(args.vectors)
    print(f"{args.vectors}: {len(wv):,} words, dimension {wv.vectors.shape[1]}")
    for path in args.analogy:
        for method in ("add", "mul") if args.mul else ("add",):
            print(evaluate_analogy(wv, path, args.restrict, method).summary())
    for path in args.similarity:
        print(evaluate_similarity(wv, path).summary())


if __name__ == "__main__":
    main()
