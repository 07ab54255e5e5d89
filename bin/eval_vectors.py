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

import numpy as np
from scipy.stats import spearmanr

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from nlpzero.vectors import WordVectors  # noqa: E402


def analogy(wv: WordVectors, path: str, restrict: int):
    """(accuracy over covered questions, covered, total)."""
    words = wv.words[:restrict]
    index = {}
    for i, w in enumerate(words):       # case-insensitive, the most frequent spelling wins (as gensim does)
        index.setdefault(w.lower(), i)
    unit = wv.vectors[:restrict] / np.maximum(np.linalg.norm(wv.vectors[:restrict], axis=1, keepdims=True), 1e-12)
    questions = []
    total = 0
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if not parts or parts[0].startswith(":") or len(parts) != 4:
                continue
            total += 1
            parts = [p.lower() for p in parts]
            if all(p in index for p in parts):
                questions.append([index[p] for p in parts])
    if not questions:
        return 0.0, 0, total
    q = np.array(questions)
    correct = 0
    for start in range(0, len(q), 2048):
        batch = q[start:start + 2048]
        target = unit[batch[:, 1]] - unit[batch[:, 0]] + unit[batch[:, 2]]
        scores = target @ unit.T
        for k in range(3):
            scores[np.arange(len(batch)), batch[:, k]] = -np.inf
        correct += int((scores.argmax(axis=1) == batch[:, 3]).sum())
    return correct / len(q), len(q), total


def similarity(wv: WordVectors, path: str):
    """(Spearman rho, covered pairs, total pairs)."""
    ours, gold, total = [], [], 0
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            parts = line.replace("\t", " ").split()
            if len(parts) < 3:
                continue
            try:
                score = float(parts[2])
            except ValueError:
                continue            # a header line
            total += 1
            a, b = parts[0], parts[1]
            a = a if a in wv else a.lower()
            b = b if b in wv else b.lower()
            if a in wv and b in wv:
                va, vb = wv[a], wv[b]
                ours.append(float(va @ vb) / max(float(np.linalg.norm(va) * np.linalg.norm(vb)), 1e-12))
                gold.append(score)
    rho = spearmanr(ours, gold).correlation if len(ours) > 1 else float("nan")
    return rho, len(ours), total


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("vectors")
    parser.add_argument("--analogy", nargs="*", default=[])
    parser.add_argument("--similarity", nargs="*", default=[])
    parser.add_argument("--restrict", type=int, default=30000, help="answer among the N most frequent words")
    args = parser.parse_args()
    wv = WordVectors.load(args.vectors)
    print(f"{args.vectors}: {len(wv):,} words, dimension {wv.vectors.shape[1]}")
    for path in args.analogy:
        acc, covered, total = analogy(wv, path, args.restrict)
        print(f"analogy    {os.path.basename(path):28s} accuracy {acc:.4f}  coverage {covered}/{total}")
    for path in args.similarity:
        rho, covered, total = similarity(wv, path)
        print(f"similarity {os.path.basename(path):28s} spearman {rho:.4f}  coverage {covered}/{total}")


if __name__ == "__main__":
    main()
