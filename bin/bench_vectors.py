#!/usr/bin/env python3
"""Benchmark word vectors: nlpzero's simpler GloVe (and gensim's fastText
through nlpzero) against gensim's skip-gram, side by side in one run, one
table per language, every evaluation set with its coverage.

    python bin/bench_vectors.py [--languages en zh] [--methods ...] [--seeds 1 2 3] [--slice-mb N]

English: the text8-like corpus (already tokenized); questions-words analogy,
WordSim-353, SimLex-999.  Chinese: modern.txt, tokenized once by nlpzero with
a lexicon discovered from it (the same token file for every method; the
discovery is not timed); CA8 morphological and Chen et al. 2015 analogies,
WordSim-240 and -297.

Peer: gensim's Word2Vec skip-gram (dim 100, window 5, 5 epochs, negative 5,
min count 5, sample 1e-3, workers = --jobs) in its corpus_file mode.  Ours:
`nlpzero vectors --tokenized` with its defaults (co-occurrence counting
included), at dimension 100 and at the dimension its own rule chooses; and
`--method fasttext`.  Each row is one process: seconds, peak RSS, the
dimension, then each set's score (analogy: 3CosAdd accuracy over the 30k most
frequent words; similarity: Spearman rho) with its coverage.  With several
--seeds, every method runs once per seed and the cells show mean ± half the
range.
"""

import argparse
import os
import statistics
import sys
import tempfile

from benchutil import run_nlpzero, run_script

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.join(HERE, "..", "..", "shared")
EVAL = os.path.join(SHARED, "data", "eval")
sys.path.insert(0, os.path.dirname(HERE))

LANGUAGES = {
    "en": dict(corpus=os.path.join(SHARED, "corpora", "en", "enwiki-text8like.txt"), tokenized=True,
               analogy=["questions-words.txt"], similarity=["wordsim353.tsv", "simlex999.txt"]),
    "zh": dict(corpus=os.path.join(SHARED, "corpora", "zh", "modern.txt"), tokenized=False,
               analogy=["ca8_morphological.txt", "zh_analogy_chen2015.txt"],
               similarity=["zh_wordsim240.txt", "zh_wordsim297.txt"]),
}
SHORT = {"questions-words.txt": "analogy", "wordsim353.tsv": "WS-353", "simlex999.txt": "SimLex",
         "ca8_morphological.txt": "CA8-morph", "zh_analogy_chen2015.txt": "Chen-2015",
         "zh_wordsim240.txt": "WS-240", "zh_wordsim297.txt": "WS-297"}
METHODS = ("gensim-sg", "glove-100", "glove", "fasttext")

GENSIM = r"""
import json, resource, sys, time
from gensim.models import Word2Vec
src, dst, workers, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
t = time.perf_counter()
model = Word2Vec(corpus_file=src, vector_size=100, window=5, epochs=5, negative=5, min_count=5, sg=1,
                 sample=1e-3, workers=workers, seed=seed)
seconds = time.perf_counter() - t
model.wv.save_word2vec_format(dst, binary=True)
print(json.dumps({"seconds": seconds, "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}))
"""


def prepare(language, spec, tmp, slice_mb, jobs):
    """The token file every method trains on."""
    source = spec["corpus"]
    if slice_mb:
        sliced = os.path.join(tmp, f"{language}-slice.txt")
        with open(source, "rb") as f:
            data = f.read(int(slice_mb * 1e6))
        with open(sliced, "wb") as f:
            f.write(data[:data.rfind(b"\n") + 1])
        source = sliced
    if spec["tokenized"]:
        return source
    lexicon = os.path.join(tmp, f"{language}.tsv")
    tokens = os.path.join(tmp, f"{language}.tok")
    run_nlpzero(["discover", source, "-q", "-j", str(jobs), "-o", lexicon])
    run_nlpzero(["tokenize", "-q", "-l", lexicon, source, "-j", str(jobs), "-o", tokens])
    return tokens


def train(method, tokens, out, jobs, seed):
    if method == "gensim-sg":
        result = run_script(GENSIM, tokens, out, str(jobs), str(seed))
        return result["seconds"], result["rss"]
    options = {"glove-100": ["--dim", "100"], "glove": [], "fasttext": ["--method", "fasttext"]}[method]
    seconds, rss, _ = run_nlpzero(["vectors", tokens, "--tokenized", "-q", "-j", str(jobs), "--seed", str(seed),
                                   *options, "-o", out])
    return seconds, rss


def cell(values, digits=3):
    if len(values) == 1:
        return f"{values[0]:.{digits}f}"
    return f"{statistics.mean(values):.{digits}f}±{(max(values) - min(values)) / 2:.{digits}f}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--languages", nargs="+", choices=sorted(LANGUAGES), default=["en", "zh"])
    parser.add_argument("--methods", nargs="+", choices=METHODS, default=list(METHODS))
    parser.add_argument("--seeds", nargs="+", type=int, default=[1])
    parser.add_argument("--slice-mb", type=float, default=0, help="train on the first N MB of each corpus only")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--restrict", type=int, default=30000)
    args = parser.parse_args()
    from nlpzero.evaluation import evaluate_analogy, evaluate_similarity
    from nlpzero.vectors import WordVectors

    for language in args.languages:
        spec = LANGUAGES[language]
        sets = [("analogy", os.path.join(EVAL, name)) for name in spec["analogy"]] + \
               [("similarity", os.path.join(EVAL, name)) for name in spec["similarity"]]
        for path in [spec["corpus"]] + [p for _, p in sets]:
            if not os.path.exists(path):
                sys.exit(f"bench_vectors: {path}: no such file")
        results = {}
        with tempfile.TemporaryDirectory() as tmp:
            tokens = prepare(language, spec, tmp, args.slice_mb, args.jobs)
            for method in args.methods:
                for seed in args.seeds:
                    out = os.path.join(tmp, f"{method}-{seed}.bin")
                    seconds, rss = train(method, tokens, out, args.jobs, seed)
                    wv = WordVectors.load(out)
                    scores = [evaluate_analogy(wv, p, args.restrict) if kind == "analogy"
                              else evaluate_similarity(wv, p) for kind, p in sets]
                    results.setdefault(method, []).append((seconds, rss, wv.vectors.shape[1], len(wv), scores))
                    print(f"  {language} {method} seed {seed}: {seconds:.1f} s", file=sys.stderr)
            size_mb = os.path.getsize(tokens) / 1e6
        names = [SHORT.get(os.path.basename(p), os.path.basename(p)) for _, p in sets]
        print(f"\nword vectors, {language}: {os.path.basename(spec['corpus'])}"
              + (f" (first {args.slice_mb:g} MB)" if args.slice_mb else "")
              + f", {size_mb:.0f} MB of tokens, {args.jobs} jobs, seeds {' '.join(map(str, args.seeds))}\n")
        header = f"| {'method':<11} | {'seconds':>11} | {'× gensim':>8} | {'peak RSS':>8} | {'dim':>4} |"
        header += "".join(f" {n:>15} |" for n in names)
        print(header)
        print("|" + "|".join("-" * (len(part)) for part in header.split("|")[1:-1]) + "|")
        reference = statistics.mean(r[0] for r in results["gensim-sg"]) if "gensim-sg" in results else None
        for method, runs in results.items():
            seconds = [r[0] for r in runs]
            ratio = f"{statistics.mean(seconds) / reference:7.2f}×" if reference else f"{'':8}"
            row = (f"| {method:<11} | {cell(seconds, 1):>11} | {ratio} | {max(r[1] for r in runs) / 2**30:6.2f}GB"
                   f" | {runs[0][2]:>4} |")
            for k in range(len(sets)):
                row += f" {cell([r[4][k].score for r in runs]):>15} |"
            print(row)
        first = next(iter(results.values()))[0]
        print("coverage: " + ", ".join(f"{n} {s.covered:,}/{s.total:,}" for n, s in zip(names, first[4]))
              + f" (vocabulary {first[3]:,} words)")


if __name__ == "__main__":
    main()
