#!/usr/bin/env python3
"""Evaluate unsupervised word segmentation, SIGHAN style.

    python bin/eval_cws.py TRAIN_RAW... --test RAW --gold GOLD [--training-words WORDS]
                           [--method ngram|pairs] [--order N] [--min-count K] [--no-refine] [--no-self-train]
                           [--top K] [--save-lexicon FILE] [--base DICT]

Discovers a lexicon from the raw training text plus the raw test text (no
gold is used), segments the test text with nlpzero's tokenizer and prints word
precision, recall, F1 and OOV recall: exact (start, end) spans per line, the
bakeoff convention; OOV words are gold words missing from --training-words.

Development protocol (../shared/data/README.md):
    python bin/eval_cws.py ../shared/data/pd199801/pd199801.raw.txt \\
        --test ../shared/data/icwb2/pku_test.utf8 --gold ../shared/data/icwb2/pku_test_gold.utf8 \\
        --training-words ../shared/data/icwb2/pku_training_words.utf8

Small-corpus protocol: the same without the PD 1998 file (the raw test text
alone, 176k characters).  --base jieba adapts jieba's dictionary to the
corpus instead (`nlpzero discover --base`); the dictionary alone through
nlpzero's tokenizer is `nlpzero tokenize` + `nlpzero eval segmentation`.
"""

import argparse
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import nlpzero  # noqa: E402
from nlpzero.evaluation import read_word_list, score_segmentation  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("train", nargs="*", help="raw training text files")
    parser.add_argument("--test", required=True, help="raw test text, one sentence per line")
    parser.add_argument("--gold", required=True, help="gold segmentation of the test text (space separated)")
    parser.add_argument("--training-words", help="in-vocabulary word list, for OOV recall")
    parser.add_argument("--method", choices=["ngram", "pairs"], default=None)
    parser.add_argument("--order", type=int, default=None)
    parser.add_argument("--min-count", type=int, default=None)
    parser.add_argument("--no-refine", action="store_true")
    parser.add_argument("--no-self-train", action="store_true")
    parser.add_argument("--top", type=int, default=None, help="keep only the K most frequent words")
    parser.add_argument("--save-lexicon", help="also write the discovered lexicon here (TSV)")
    parser.add_argument("--base", help="adapt this dictionary to the corpus ('jieba': jieba's bundled one)")
    args = parser.parse_args()

    with open(args.test, encoding="utf-8") as f:
        test_lines = [line.rstrip("\r\n") for line in f]
    with open(args.gold, encoding="utf-8") as f:
        gold_lines = [line.rstrip("\r\n") for line in f]
    keep = [i for i, g in enumerate(gold_lines) if g.strip()]
    test_lines, gold_lines = [test_lines[i] for i in keep], [gold_lines[i] for i in keep]
    known = read_word_list(args.training_words) if args.training_words else None

    options = {k: v for k, v in (("method", args.method), ("order", args.order),
                                 ("min_count", args.min_count)) if v is not None}
    if args.no_refine:
        options["refine"] = False
    if args.no_self_train:
        options["self_train"] = False
    if args.base:
        options["base"] = args.base
    start = time.perf_counter()
    lexicon = nlpzero.discover(list(args.train) + [args.test], **options)
    seconds = time.perf_counter() - start
    if args.top:
        lexicon = nlpzero.Lexicon(lexicon.most_common(args.top))
    if args.save_lexicon:
        lexicon.save(args.save_lexicon)
    tokenizer = nlpzero.Tokenizer(lexicon)
    predicted = [" ".join(t for t in tokenizer.tokenize(line) if not t.isspace()) for line in test_lines]
    result = score_segmentation(gold_lines, predicted, known)
    print(f"lexicon: {len(lexicon):,} words (discovered in {seconds:.1f} s; options {options or 'defaults'})")
    print(result.summary())


if __name__ == "__main__":
    main()
