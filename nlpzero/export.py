"""Lexicons for the transformer world: a Hugging Face ``tokenizers`` model
(``tokenizer.json``) or a sentencepiece ``.model`` that segment like
nlpzero's tokenizer (with runs of letters/digits kept whole, the default).

Both are Unigram models, decoded by Viterbi as nlpzero's tokenizer is: every
lexicon word is a piece scored ln(count / total), and nlpzero's fallback
units (single characters, runs of one repeated mark, whitespace runs) are
pieces scored as nlpzero scores them, so unknown characters are not fused
into one token.  How each rule is carried over, and what cannot be, is in
docs/export.md.
"""

from __future__ import annotations

import json
import math
import struct
import unicodedata

from .fileio import atomic_output
from .text import CLASS_REPEAT, CLASS_SPACE, NUMBER
from .tokenizer import Tokenizer

FORMATS = ("hf", "sentencepiece")
UNK = "<unk>"
MAX_NUMBER_LENGTH = 12
# The normalizer writes a number's last digit as NUMBER and its other digits
# as DIGIT, so a piece holding a number ends where the number ends: nlpzero's
# NUMBER matches whole numbers only.
DIGIT = "\ue001"
MAX_REPEAT = 16
# the blocks whose characters nlpzero keeps as units of their own and
# sentencepiece would fuse when unknown: Latin-1 and general punctuation,
# symbols and arrows, CJK punctuation, kana, ideographs, full-width forms, emoji
FALLBACK_BLOCKS = ((0x09, 0xFF), (0x2000, 0x2BFF), (0x3000, 0x30FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF),
                   (0xF900, 0xFAFF), (0xFE30, 0xFE4F), (0xFF00, 0xFFEF), (0x1F000, 0x1FAFF))
DECIMAL_POINTS = (".", "．")


def _pieces(tokenizer: Tokenizer, numbers: bool) -> list[tuple[str, float]]:
    """(piece, ln p) of every lexicon word, best first, <NUM> words expanded
    to number shapes (or dropped without `numbers`), and nlpzero's fallback
    units of the common Unicode blocks: both libraries would fuse unknown
    characters into one token, where nlpzero keeps one per character."""
    chars, offsets, counts = tokenizer._arrays
    text = chars.tobytes().decode("utf-32-le", "surrogatepass")
    bounds = offsets.tolist()
    total = max(int(counts.sum()), 1)
    unknown = -math.log(total)              # nlpzero's score of a fallback unit
    scores: dict[str, float] = {}

    def add(piece: str, score: float) -> None:
        scores[piece] = max(score, scores.get(piece, -math.inf))

    shapes = _number_shapes() if numbers else []
    for i, count in enumerate(counts.tolist()):
        word = text[bounds[i]:bounds[i + 1]]
        score = math.log(count) + unknown
        if NUMBER not in word:
            add(word, score)
        elif numbers:
            for variant in _expand(word, shapes):
                add(variant, score)
    for shape in shapes:                    # a number alone: one unit
        add(shape, unknown)
    classes = tokenizer._classes
    # nlpzero's fallback unit for a run of one repeated mark (or of
    # whitespace) is the whole run, where the libraries would take known
    # pieces: the runs of marks become pieces too
    marks = {ch for word in scores for ch in word if _is_mark(ch, classes)}
    # as in jieba, a character has no fallback unit where a lexicon word
    # starting with it matches; a Unigram piece cannot depend on that, so a
    # character starting some word gets a fallback piece scored below every
    # path of words (but not an unknown character, which would fuse with
    # unknown neighbours)
    starts = {word[0] for word in scores}
    last_resort = min(scores.values(), default=unknown) * (MAX_NUMBER_LENGTH + 1) + unknown
    for lo, hi in FALLBACK_BLOCKS:
        for code in range(lo, hi + 1):
            ch = chr(code)
            if ch in DECIMAL_POINTS:
                continue        # unknown, it fuses with the digits around it: "3.14" stays one token
            if _is_mark(ch, classes):
                marks.add(ch)
            elif classes[code] == 0 and unicodedata.category(ch)[0] in "LNPS":
                add(ch, last_resort if ch in starts else unknown)
    for mark in marks:
        for length in range(1, MAX_REPEAT + 1):
            add(mark * length, unknown)
    return sorted(scores.items(), key=lambda ps: (-ps[1], ps[0]))


def _is_mark(ch: str, classes) -> bool:
    code = ord(ch)
    return code < len(classes) and bool(classes[code] & (CLASS_REPEAT | CLASS_SPACE))


def _number_shapes() -> list[str]:
    """Every number of up to MAX_NUMBER_LENGTH characters as the normalizer
    writes it: digits (each DIGIT but the last, NUMBER), with decimal points
    (of one kind) between digits ("3.14", "192.168.1.1")."""
    shapes = {NUMBER}
    for point in DECIMAL_POINTS:
        pending = [""]
        while pending:
            head = pending.pop()
            shapes.add(head + NUMBER)
            if len(head) + 2 <= MAX_NUMBER_LENGTH:
                pending.append(head + DIGIT)
                if head.endswith(DIGIT):
                    pending.append(head + point)
    return sorted(shapes, key=lambda shape: (len(shape), shape))


def _expand(word: str, shapes: list[str]) -> list[str]:
    variants = [""]
    for ch in word:
        variants = [v + s for v in variants for s in shapes] if ch == NUMBER else [v + ch for v in variants]
        if len(variants) > 10_000:          # several numbers in one word: keep the short shapes
            variants = variants[:10_000]
    return variants


def to_huggingface(tokenizer: Tokenizer) -> dict:
    """The tokenizer.json document of a Unigram model like `tokenizer`."""
    vocab = [[UNK, 0.0]] + [[piece, score] for piece, score in _pieces(tokenizer, numbers=True)]
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [{"id": 0, "content": UNK, "single_word": False, "lstrip": False, "rstrip": False,
                          "normalized": False, "special": True}],
        "normalizer": {"type": "Sequence", "normalizers": [
            {"type": "Replace", "pattern": {"Regex": r"\p{Nd}(?!\p{Nd}|[.．]\p{Nd})"}, "content": NUMBER},
            {"type": "Replace", "pattern": {"Regex": r"\p{Nd}"}, "content": DIGIT}]},
        "pre_tokenizer": None,
        "post_processor": None,
        "decoder": {"type": "Fuse"},
        "model": {"type": "Unigram", "unk_id": 0, "vocab": vocab, "byte_fallback": False},
    }


# ---------------------------------------------------------------- sentencepiece's ModelProto

def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _field(number: int, wire: int, payload: bytes) -> bytes:
    return _varint(number << 3 | wire) + payload


def _bytes_field(number: int, data: bytes) -> bytes:
    return _field(number, 2, _varint(len(data)) + data)


def _int_field(number: int, value: int) -> bytes:
    return _field(number, 0, _varint(value))


def to_sentencepiece(tokenizer: Tokenizer) -> bytes:
    """The serialized sentencepiece ModelProto of a Unigram model like `tokenizer`
    (fields of sentencepiece_model.proto: pieces 1 {piece 1, score 2, type 3},
    trainer_spec 2 {model_type 3, vocab_size 4, unk_id 40, bos_id 41, eos_id 42,
    pad_id 43}, normalizer_spec 3 {name 1, add_dummy_prefix 3,
    remove_extra_whitespaces 4, escape_whitespaces 5})."""
    normal, unknown = 1, 2
    pieces = [(UNK, 0.0, unknown)] + [(p, s, normal) for p, s in _pieces(tokenizer, numbers=False)]
    body = b"".join(_bytes_field(1, _bytes_field(1, piece.encode("utf-8")) + _field(2, 5, struct.pack("<f", score))
                                 + _int_field(3, kind)) for piece, score, kind in pieces)
    trainer = (_int_field(3, 1) + _int_field(4, len(pieces)) + _int_field(40, 0)
               + _int_field(41, (1 << 64) - 1) + _int_field(42, (1 << 64) - 1) + _int_field(43, (1 << 64) - 1))
    normalizer = (_bytes_field(1, b"identity") + _int_field(3, 0) + _int_field(4, 0) + _int_field(5, 0))
    return body + _bytes_field(2, trainer) + _bytes_field(3, normalizer)


def export(tokenizer: Tokenizer, path: str, format: str = "hf") -> int:
    """Write `tokenizer` as a Hugging Face tokenizer.json ("hf") or a
    sentencepiece model ("sentencepiece"), atomically; returns the pieces written."""
    if format == "hf":
        document = to_huggingface(tokenizer)
        with atomic_output(path, "w", encoding="utf-8") as out:
            json.dump(document, out, ensure_ascii=False)
        return len(document["model"]["vocab"])
    if format == "sentencepiece":
        data = to_sentencepiece(tokenizer)
        with atomic_output(path, "wb") as out:
            out.write(data)
        return len(_pieces(tokenizer, numbers=False)) + 1
    raise ValueError(f"unknown export format {format!r} (expected one of {', '.join(FORMATS)})")
