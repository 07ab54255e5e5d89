#!/usr/bin/env python
"""How closely the models `nlpzero export` writes segment like nlpzero.

    python bin/eval_export.py LEXICON TEXT [--examples N]

Exports LEXICON in both formats, segments every line of TEXT with nlpzero's
tokenizer, Hugging Face tokenizers (tokenizer.json) and sentencepiece
(.model), and prints a table of word-level agreement: the share of
nlpzero's tokens (as character spans) that the other produced too, and the
share of the other's tokens that nlpzero produced (precision); whitespace
tokens left out.  Then the first differing examples of each.
"""

import argparse
import os
import sys
import tempfile
import time

import sentencepiece
import tokenizers

from nlpzero import export
from nlpzero.tokenizer import Tokenizer


def spans(words, text):
    out, start = set(), 0
    for word in words:
        if not word.isspace():
            out.add((start, start + len(word)))
        start += len(word)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("lexicon")
    parser.add_argument("text")
    parser.add_argument("--examples", type=int, default=5, help="differing lines shown per format")
    args = parser.parse_args()
    ours = Tokenizer.load(args.lexicon)
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        export.export(ours, os.path.join(tmp, "tokenizer.json"), "hf")
        hf_seconds = time.perf_counter() - started
        started = time.perf_counter()
        export.export(ours, os.path.join(tmp, "words.model"), "sentencepiece")
        sp_seconds = time.perf_counter() - started
        hf = tokenizers.Tokenizer.from_file(os.path.join(tmp, "tokenizer.json"))
        sp = sentencepiece.SentencePieceProcessor(model_file=os.path.join(tmp, "words.model"))
        sizes = {name: os.path.getsize(os.path.join(tmp, name)) for name in ("tokenizer.json", "words.model")}
    with open(args.text, encoding="utf-8") as f:
        lines = [line.rstrip("\n") for line in f if line.strip()]

    def hf_words(line):
        return [line[s:e] for s, e in hf.encode(line).offsets]

    def sp_words(line):
        pieces = sp.encode(line, out_type=str)
        if "".join(pieces) != line:
            sys.exit("sentencepiece changed the text: identity normalization broken")
        return pieces

    print(f"{len(lines):,} lines of {args.text}; lexicon {args.lexicon} ({len(ours):,} words)\n")
    print(f"{'format':<15}{'pieces':>9}{'file MB':>9}{'export s':>10}{'agreement':>11}{'precision':>11}{'lines same':>12}")
    examples = {}
    for name, segment, seconds, size, vocab in (
            ("hf", hf_words, hf_seconds, sizes["tokenizer.json"], hf.get_vocab_size()),
            ("sentencepiece", sp_words, sp_seconds, sizes["words.model"], sp.get_piece_size())):
        matched = reference = produced = same = 0
        examples[name] = []
        for line in lines:
            a, b = spans(ours.tokenize(line), line), spans(segment(line), line)
            matched += len(a & b)
            reference += len(a)
            produced += len(b)
            same += a == b
            if a != b and len(examples[name]) < args.examples:
                examples[name].append((line, sorted(a - b), sorted(b - a)))
        print(f"{name:<15}{vocab:>9,}{size / 1e6:>9.1f}{seconds:>10.2f}{matched / reference:>11.5f}"
              f"{matched / produced:>11.5f}{same / len(lines):>12.4f}")
    for name, cases in examples.items():
        print(f"\n{name}: first differences (nlpzero's tokens / theirs)")
        for line, a, b in cases:
            print("  ", " ".join(line[s:e] for s, e in a), "/", " ".join(line[s:e] for s, e in b))


if __name__ == "__main__":
    main()
