"""Engine-neutral units of work over blocks of a corpus.

Each task is a plain function of plain arguments -- a :class:`~nlpzero.blocks.Block`
(or its bytes), parameters, a *work directory* URL that every worker and the
client can reach, and a job name -- that writes its output there and returns
small metadata.  An engine (``nlpzero.cluster`` for Dask; a Spark adapter
would call the same functions from ``mapPartitions``) plans the blocks, runs
the tasks anywhere, in any order and as often as it likes (a rerun writes the
same bytes to the same name), and merges:

* counting tasks write their table as sorted runs (:mod:`nlpzero.runs`)
  partitioned by hash bucket: partition p of P holds buckets
  [p·256/P, (p+1)·256/P), so merging partition p of every block
  (:func:`merge_runs`) gives the final rows of those buckets, and the parts,
  in partition order, are the whole table in canonical order;
* tokenizing tasks write their block's output, which the client concatenates
  in block order.

Large inputs a task needs (a compiled lexicon, a vocabulary) travel as files in
the work directory, loaded once per worker process (:func:`load_shared`).
"""

from __future__ import annotations

import functools
import os
import resource
import tempfile
import uuid

import numpy as np

from .blocks import Block, fsspec_module, is_url, read_block
from .runs import bucket_ranges, merge_rows, partition, read_run, write_run

DEFAULT_PARTS = 8


# ---------------------------------------------------------------- the work directory

def join(root: str, *names: str) -> str:
    return "/".join([root.rstrip("/"), *names])


def put_bytes(url: str, data: bytes) -> int:
    """Write `data` at `url` so that it appears whole or not at all."""
    if not is_url(url):
        os.makedirs(os.path.dirname(url), exist_ok=True)
        tmp = f"{url}.tmp-{uuid.uuid4().hex}"
        with open(tmp, "wb") as out:
            out.write(data)
        os.replace(tmp, url)
        return len(data)
    fs, path = fsspec_module().core.url_to_fs(url)
    fs.makedirs(os.path.dirname(path), exist_ok=True)
    fs.pipe_file(path, data)          # object stores publish an object whole, on completion
    return len(data)


def get_bytes(url: str) -> bytes:
    if not is_url(url):
        with open(url, "rb") as f:
            return f.read()
    with fsspec_module().open(url, "rb") as f:
        return f.read()


def put_run(url: str, rows: np.ndarray, offsets: np.ndarray, width: int, cls: int = 0) -> int:
    """Write a run file at `url` (atomically); returns its size."""
    if not is_url(url):
        os.makedirs(os.path.dirname(url), exist_ok=True)
        write_run(url, rows, offsets, width, cls)
        return os.path.getsize(url)
    with tempfile.TemporaryDirectory(prefix="nlpzero-task-") as tmp:
        local = os.path.join(tmp, "run.bin")
        write_run(local, rows, offsets, width, cls)
        with open(local, "rb") as f:
            return put_bytes(url, f.read())


def get_run(url: str, verify: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """(rows, offsets) of a run file, checked (a damaged shard is a FormatError;
    without `verify` only its size and offsets are, not its checksum)."""
    if not is_url(url):
        rows, offsets, _ = read_run(url, verify=verify)
        return rows, offsets
    with tempfile.TemporaryDirectory(prefix="nlpzero-task-") as tmp:
        local = os.path.join(tmp, "run.bin")
        with open(local, "wb") as out:
            out.write(get_bytes(url))
        rows, offsets, _ = read_run(local, verify=verify)
        return np.array(rows), offsets


@functools.lru_cache(maxsize=8)
def load_shared(url: str, kind: str):
    """A file of the work directory, loaded once per process: a tokenizer model
    ("tokenizer"), discovery's tagger ("tagger") or a word list ("words", one per line)."""
    data = get_bytes(url)
    if kind == "tagger":
        from .discovery import tagger_from_bytes
        return tagger_from_bytes(data, url)
    if kind == "tokenizer":
        from .tokenizer import Tokenizer
        with tempfile.TemporaryDirectory(prefix="nlpzero-task-") as tmp:
            local = os.path.join(tmp, "model.nlpztok")
            with open(local, "wb") as out:
                out.write(data)
            return Tokenizer.load(local)
    if kind == "words":
        return data.decode("utf-8").split("\n")[:-1]
    raise ValueError(f"unknown shared kind {kind!r}")


def _write_partitions(root: str, stem: str, cls: int, rows, offsets, width: int, parts: int) -> tuple[dict, int]:
    files, written = {}, 0
    for p, (lo, hi) in enumerate(bucket_ranges(parts)):
        part_rows, part_offsets = partition(rows, offsets, lo, hi)
        if len(part_rows):
            url = join(root, f"{stem}-c{cls}-p{p}.run")
            written += put_run(url, part_rows, part_offsets, width, cls)
            files[p] = url
    return files, written


def _peak_rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _data(block: Block, data: bytes | None) -> bytes:
    return data if data is not None else read_block(block)


# ---------------------------------------------------------------- n-gram counts

def count_ngrams_block(block: Block, order: int, fold_numbers: bool, parts: int, work_dir: str, job: str,
                       max_memory: int | None = None, data: bytes | None = None) -> dict:
    """Count the n-grams of one block (the default segmentation rule); write
    each order's rows as `parts` partition runs.  Returns {"index", "totals"
    (per order), "files" {(order, part): url}, "invalid", "bytes", "rss"}."""
    from .counts import count_block

    counts, invalid = count_block(_data(block, data), order, fold_numbers, max_memory)
    files, written = {}, 0
    root = join(work_dir, job, "ngrams")
    for n in range(1, order + 1):
        part_files, size = _write_partitions(root, f"b{block.index}", n, counts.rows(n), counts.offsets(n),
                                             counts.rows(n).shape[1] - 1, parts)
        written += size
        files.update({(n, p): url for p, url in part_files.items()})
    return {"index": block.index, "totals": [counts.totals[n] for n in range(1, order + 1)], "files": files,
            "invalid": invalid, "bytes": written, "rss": _peak_rss(), "rule": counts.rule}


def merge_runs(groups: list[tuple[int, list[str], int, int, str]]) -> dict:
    """For each (class, run urls, key width, min count, output url) of one
    partition: sum the runs into one run at the output url.  Returns
    {"outputs": {class: url}, "bytes", "rss"}."""
    outputs, size = {}, 0
    for cls, urls, width, min_count, out_url in groups:
        rows, offsets = merge_rows([get_run(u, verify=False) for u in urls], width, min_count)
        size += put_run(out_url, rows, offsets, width, cls)
        outputs[cls] = out_url
    return {"outputs": outputs, "bytes": size, "rss": _peak_rss()}


# ---------------------------------------------------------------- strings (discovery)

def sample_lines_block(block: Block, stride: int, data: bytes | None = None) -> list[bytes]:
    """Self-training's sample of one block's lines (discovery.sample_lines)."""
    from .discovery import sample_lines
    return sample_lines(_data(block, data), stride)


def count_strings_block(block: Block, kind: str, model_url: str | None, fold_numbers: bool, parts: int,
                        work_dir: str, job: str, data: bytes | None = None, tagger_url: str | None = None) -> dict:
    """Discovery's counting pass over one block: "fragments" (cut where no word
    of the model covers a gap), "tokens" (segment with the model) or "tagged"
    (segment with the tagger at `tagger_url`; no model); strings of each
    length written as partition runs.  Returns {"index", "totals" per
    length, "skipped", "files" {(length, part): url}, "invalid", "bytes", "rss"}."""
    from ._ext import discovery
    from .corpus import number_word_chars
    from .discovery import counting_kernel
    from .text import character_classes

    kernel = counting_kernel(kind, load_shared(tagger_url, "tagger") if kind == "tagged" else None)
    compiled = load_shared(model_url, "tokenizer").compiled if model_url is not None else None
    word_table = number_word_chars(None).table
    counter = discovery.string_counter()
    invalid = kernel(compiled, _data(block, data), character_classes(), word_table, counter, fold_numbers)
    root = join(work_dir, job, kind)
    files, written, totals = {}, 0, {}
    for cls in range(counter.n_classes):
        if counter.size(cls):
            totals[cls + 1] = int(counter.total(cls))
            rows, offsets = counter.take(cls)
            part_files, size = _write_partitions(root, f"b{block.index}", cls, rows, offsets, counter.width(cls),
                                                 parts)
            written += size
            files.update({(cls + 1, p): url for p, url in part_files.items()})
    return {"index": block.index, "totals": totals, "skipped": int(counter.skipped), "files": files,
            "invalid": invalid, "bytes": written, "rss": _peak_rss()}


# ---------------------------------------------------------------- tokenizing

def tokenize_block(block: Block, model_url: str, separator: str, split_runs: bool, work_dir: str, job: str,
                   data: bytes | None = None) -> dict:
    """Tokenize one block as ``nlpzero tokenize`` does; write its output."""
    import io

    tokenizer = load_shared(model_url, "tokenizer").with_split_runs(split_runs)
    out = io.BytesIO()
    invalid = tokenizer.write_stream([_data(block, data)], out, separator)
    url = join(work_dir, job, "tokenized", f"b{block.index:06d}.out")
    size = put_bytes(url, out.getvalue())
    return {"index": block.index, "url": url, "invalid": invalid, "bytes": size, "rss": _peak_rss()}


# ---------------------------------------------------------------- vectors

def vocabulary_block(block: Block, model_url: str | None, data: bytes | None = None) -> dict:
    """Token counts of one block (whitespace-split without a model)."""
    import collections

    from .vectors.cooccur import block_token_lines

    counter = collections.Counter()
    tokenizer = load_shared(model_url, "tokenizer") if model_url else None
    for tokens in block_token_lines(_data(block, data), tokenizer):
        counter.update(tokens)
    return {"index": block.index, "counts": dict(counter), "rss": _peak_rss()}


def cooccur_block(block: Block, model_url: str | None, words_url: str, window: int, weighting: str,
                  sample: float, seed: int, parts: int, work_dir: str, job: str, max_memory: int | None = None,
                  data: bytes | None = None) -> dict:
    """Window co-occurrences of one block with the vocabulary of `words_url`
    (counts after the words, tab-separated), written as partition runs, and
    the kept word counts."""
    from .vectors.cooccur import Vocabulary, block_token_lines, pair_runs

    lines = load_shared(words_url, "words")
    words = [line.split("\t")[0] for line in lines]
    vocabulary = Vocabulary(words, np.array([int(line.split("\t")[1]) for line in lines], dtype=np.int64))
    tokenizer = load_shared(model_url, "tokenizer") if model_url else None
    rows, offsets, kept = pair_runs(block_token_lines(_data(block, data), tokenizer), vocabulary, window,
                                    weighting, sample, seed, max_memory)
    files, written = _write_partitions(join(work_dir, job, "pairs"), f"b{block.index}", 0, rows, offsets, 1, parts)
    return {"index": block.index, "files": {(0, p): u for p, u in files.items()}, "kept": kept,
            "bytes": written, "rss": _peak_rss()}
