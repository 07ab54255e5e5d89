"""Past one machine: the engine that runs :mod:`nlpzero.tasks` on a Dask cluster.

``count``, ``discover``, ``tokenize`` and ``vectors`` take ``scheduler=`` (an
address such as ``tcp://host:8786``; also ``$NLPZERO_SCHEDULER`` and the CLI's
``--scheduler``) or ``client=`` (a ``distributed.Client``); the work then runs
on that cluster and gives exactly what the local engine gives.  It needs the
``cluster`` extra: ``pip install 'nlpzero-kit[cluster]'`` (Dask distributed,
fsspec), and nlpzero installed on every worker.

How the work is split:

* the inputs (paths or fsspec URLs, compressed or not) are planned into
  blocks of whole lines (:mod:`nlpzero.blocks`); workers read their blocks
  themselves, or, when they cannot see the input (``memory://`` with worker
  processes), the client reads each block and sends its bytes;
* counting tasks write sorted runs partitioned by hash bucket into the work
  directory (``work_dir``: a URL every worker and the client can reach;
  default a temporary directory, right when the workers run on this host);
  one merge task per partition and key class sums them (a two-level tree,
  more levels when there are many blocks); the client reads the parts;
* discovery counts n-grams, fragments and tokens that way and keeps its small
  steps (strong pairs, de-redundancy) on the client, broadcasting what the
  workers need (the compiled lexicon) as files in the work directory;
* tokenizing tasks write their blocks' output, which the client writes in
  order; vectors count co-occurrences on the workers (vocabulary broadcast)
  and train GloVe on the client (word2vec stays gensim's, on one machine).

A worker lost mid-run is survived: Dask runs its tasks again elsewhere, and a
task writes the same bytes under the same name however often it runs.  The
work directory is removed at the end, whatever happens.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
import time
import uuid

import numpy as np

from . import tasks
from .blocks import DEFAULT_BLOCK_SIZE, Block, fsspec_module, is_url, plan_blocks, read_block
from .errors import InputError
from .progress import as_progress
from .runs import concatenate_partitions

log = logging.getLogger("nlpzero")

SCHEDULER_ENV = "NLPZERO_SCHEDULER"
MERGE_FAN_IN = 64             # runs one merge task reads at most
PARTITION_TEXT = 4 * 10 ** 9  # bytes of text per partition, beyond the 8 partitions of small inputs
CANCEL_TIMEOUT = 120.0        # seconds to wait for cancelled tasks to stop writing after a failure


def scheduler_from(scheduler: str | None) -> str | None:
    """The scheduler to use: the argument, else $NLPZERO_SCHEDULER, else None (local)."""
    return scheduler or os.environ.get(SCHEDULER_ENV) or None


def _distributed():
    try:
        import distributed
    except ImportError:
        raise InputError("the cluster engine needs Dask: pip install 'nlpzero-kit[cluster]'") from None
    return distributed


class Engine:
    """A connection to a Dask cluster and a work directory, for one run."""

    def __init__(self, scheduler: str | None = None, client=None, work_dir: str | None = None, progress=None,
                 block_size: int | None = None, parts: int | None = None):
        distributed = _distributed()
        self.distributed = distributed
        self.own_client = client is None
        if client is None:
            try:
                client = distributed.Client(scheduler, timeout="30s", set_as_default=False)
            except (OSError, TimeoutError) as exc:
                raise InputError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
        self.client = client
        self.progress = as_progress(progress)
        # $NLPZERO_BLOCK_SIZE (bytes) fixes the block size (see blocks())
        self.block_size = block_size or (int(os.environ["NLPZERO_BLOCK_SIZE"]) if os.environ.get("NLPZERO_BLOCK_SIZE")
                                         else None)
        self.parts = parts
        self.job = uuid.uuid4().hex[:12]
        self.own_dir = work_dir is None
        self.work_dir = work_dir or tempfile.mkdtemp(prefix="nlpzero-cluster-")
        self._shipping: dict[str, bool] = {}
        self.tasks_run = 0
        self.bytes_written = 0
        self.peak_task_rss = 0

    def close(self) -> None:
        if self.tasks_run:
            log.info("cluster: %d tasks, %d bytes written to the work directory, peak task process RSS %.2f GB",
                     self.tasks_run, self.bytes_written, self.peak_task_rss / 2 ** 30)
        with contextlib.suppress(Exception):
            self.remove(tasks.join(self.work_dir, self.job))
        if self.own_dir:
            shutil.rmtree(self.work_dir, ignore_errors=True)
        if self.own_client:
            with contextlib.suppress(Exception):
                self.client.close()

    def __enter__(self) -> "Engine":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def remove(self, url: str) -> None:
        if is_url(url):
            fs, path = fsspec_module().core.url_to_fs(url)
            if fs.exists(path):
                fs.rm(path, recursive=True)
        else:
            shutil.rmtree(url, ignore_errors=True)

    # ------------------------------------------------------------ running tasks
    def run(self, label: str, fn, calls: list[tuple], kwargs: dict | None = None) -> list:
        """fn(*call, **kwargs) for every call on the cluster, results in call
        order; a progress task of `label` counts them as they finish."""
        kwargs = kwargs or {}
        futures = {}
        stage = f"{label.split(':')[-1].strip().replace(' ', '_')}-{self.job}"
        for i, args in enumerate(calls):
            futures[self.client.submit(fn, *args, key=f"{stage}-{i:06d}", pure=False, **kwargs)] = i
        results: list = [None] * len(calls)
        with self.progress.task(label, total=len(calls), unit="tasks") as advance:
            try:
                for future in self.distributed.as_completed(futures, loop=self.client.loop):
                    result = results[futures[future]] = future.result()
                    future.release()
                    advance(1)
                    if isinstance(result, dict):
                        self.tasks_run += 1
                        self.bytes_written += result.get("bytes", 0)
                        self.peak_task_rss = max(self.peak_task_rss, result.get("rss", 0))
            except Exception:
                self.client.cancel(list(futures))
                self._wait_for_cancelled(stage)
                raise
            except BaseException:             # interrupted: leave at once
                self.client.cancel(list(futures))
                raise
        return results

    def _wait_for_cancelled(self, stage: str, timeout: float = CANCEL_TIMEOUT) -> None:
        """Wait until no task of `stage` is still running: a worker cannot stop a
        cancelled task, which would go on writing its shards into the job's
        directory after close() removed it."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                running = self.client.run(_running_tasks, stage)
            except Exception:            # a worker gone or unreachable: nothing more to learn
                return
            if not any(running.values()):
                return
            if time.monotonic() > deadline:
                log.warning("cluster: tasks still running %.0f s after the job failed; their shards may "
                            "remain in %s", timeout, self.work_dir)
                return
            time.sleep(0.05)

    def blocks(self, inputs) -> list[tuple[Block, None]]:
        """The blocks of `inputs`, each with None (read by the worker) or its bytes
        (read here, when the workers cannot see the input).  Unless a block
        size was given, blocks are small enough for every worker thread to get
        two (a balanced load with few duplicates among the shards), and at
        most 64 MB."""
        from .blocks import list_files

        total = sum(_file_size(url) for url in list_files(inputs))
        if self.parts is None:       # merge outputs of about a gigabyte at most, in 8 to 256 partitions
            self.parts = int(min(256, max(tasks.DEFAULT_PARTS, -(-total // PARTITION_TEXT))))
        block_size = self.block_size
        if block_size is None:
            threads = sum(w.get("nthreads", 1) for w in self.client.scheduler_info()["workers"].values()) or 1
            block_size = int(min(DEFAULT_BLOCK_SIZE, max(1 << 20, total / (2 * threads) + 1)))
        planned = plan_blocks(inputs, block_size)
        out = []
        for block in planned:
            root = block.url.split("://", 1)[0] if is_url(block.url) else "file"
            if root not in self._shipping:
                self._shipping[root] = not self.client.submit(_visible, block.url, pure=False).result()
                if self._shipping[root]:
                    log.info("the workers cannot read %s inputs: the client sends them the blocks", root)
            out.append((block, read_block(block) if self._shipping[root] else None))
        return out

    def share(self, name: str, data: bytes) -> str:
        """Put a small file every task can load (see tasks.load_shared)."""
        url = tasks.join(self.work_dir, self.job, "shared", f"{name}-{uuid.uuid4().hex[:8]}")
        tasks.put_bytes(url, data)
        return url

    def merge(self, label: str, results: list[dict], widths: dict[int, int], min_counts: dict[int, int],
              stage: str, into: str | None = None):
        """Merge the partition runs of counting results ({(class, part): url})
        into one table per class: (rows, offsets) in canonical order, rows seen
        min_counts[class] times.  With `into` (a directory), the final parts
        are written there as o{class}-p{part}.run instead, and
        {class: [(part, file name)]} is returned: nothing passes through here."""
        by_key: dict[tuple[int, int], list[str]] = {}
        for result in results:
            for key, url in result["files"].items():
                by_key.setdefault(key, []).append(url)
        level = 0
        while any(len(urls) > MERGE_FAN_IN for urls in by_key.values()):      # a tree, when many blocks
            calls, targets = [], []
            for (cls, part), urls in by_key.items():
                for g in range(0, len(urls), MERGE_FAN_IN):
                    out = tasks.join(self.work_dir, self.job, stage, f"L{level}-c{cls}-p{part}-g{g}.run")
                    calls.append(([(cls, urls[g:g + MERGE_FAN_IN], widths[cls], 1, out)],))
                    targets.append((cls, part))
            merged = self.run(f"{label} (level {level + 1})", tasks.merge_runs, calls)
            by_key = {}
            for (cls, part), result in zip(targets, merged):
                by_key.setdefault((cls, part), []).extend(result["outputs"].values())
            level += 1

        def final(cls, part):
            if into:
                return os.path.join(into, f"o{cls}-p{part}.run")
            return tasks.join(self.work_dir, self.job, stage, f"part-c{cls}-p{part}.run")

        partitions = sorted({part for _, part in by_key})
        calls = [([(cls, by_key[cls, part], widths[cls], min_counts.get(cls, 1), final(cls, part))
                   for cls in sorted(c for c, p in by_key if p == part)],) for part in partitions]
        merged = self.run(label, tasks.merge_runs, calls)
        pieces: dict[int, list] = {}
        for part, result in zip(partitions, merged):
            for cls, url in result["outputs"].items():
                pieces.setdefault(cls, []).append((part, url))
        if into:
            return {cls: [(part, os.path.basename(url)) for part, url in items] for cls, items in pieces.items()}
        return {cls: concatenate_partitions([tasks.get_run(url, verify=False) for _, url in sorted(items)],
                                            widths[cls]) for cls, items in pieces.items()}


def _running_tasks(prefix: str, dask_worker=None) -> int:
    """(On a worker) how many tasks whose key starts with `prefix` are running,
    cancelled ones included."""
    return sum(1 for ts in dask_worker.state.executing | dask_worker.state.long_running
               if str(ts.key).startswith(prefix))


def _file_size(url: str) -> int:
    if is_url(url):
        fs, path = fsspec_module().core.url_to_fs(url)
        return fs.size(path) or 0
    return os.path.getsize(url)


def _visible(url: str) -> bool:
    """(On a worker) whether it can read the input."""
    try:
        if is_url(url):
            fs, path = fsspec_module().core.url_to_fs(url)
            return fs.exists(path)
        return os.path.exists(url)
    except Exception:          # noqa: BLE001 - any failure means "cannot"
        return False


# ---------------------------------------------------------------- pipelines

def count(inputs, engine: Engine, order: int, fold_numbers: bool = False, min_count: int = 1,
          max_memory: int | None = None, parts_dir: str | None = None):
    """n-gram counts of `inputs` on the cluster (see nlpzero.count); with
    `parts_dir`, written there as a partitioned counts directory by the merge
    tasks themselves (for counts larger than the client's memory), and None
    returned."""
    from .corpus import TextRule, as_word_chars, number_word_chars
    from .counts import NgramCounts, _width, write_parts_manifest

    blocks = engine.blocks(inputs)
    results = engine.run("counting n-grams", tasks.count_ngrams_block,
                         [(block, order, fold_numbers, engine.parts, engine.work_dir, engine.job, max_memory, data)
                          for block, data in blocks])
    _report_invalid(results, blocks)
    totals = {n: sum(r["totals"][n - 1] for r in results) for n in range(1, order + 1)}
    word_chars = number_word_chars(None) if fold_numbers else as_word_chars(None)
    rule = TextRule.of(word_chars, fold_numbers)
    widths = {n: _width(n) for n in range(1, order + 1)}
    merged = engine.merge("merging n-grams", results, widths, {n: min_count for n in widths}, "ngrams-merged",
                          into=parts_dir)
    if parts_dir is not None:
        write_parts_manifest(parts_dir, order, totals, rule, engine.parts, merged)
        return None
    return NgramCounts(order, {n: t[0] for n, t in merged.items()}, totals, rule,
                       {n: t[1] for n, t in merged.items()})


def _report_invalid(results, blocks) -> None:
    by_file: dict[str, int] = {}
    for result, (block, _) in zip(results, blocks):
        if result.get("invalid"):
            by_file[block.url] = by_file.get(block.url, 0) + result["invalid"]
    for url, n in by_file.items():
        log.warning("%d invalid bytes replaced in %s", n, url)


class ClusterSource:
    """Discovery's corpus access (see discover._Source) with every pass on the cluster."""

    def __init__(self, inputs, engine: Engine):
        from .corpus import TextRule, number_word_chars

        self.engine = engine
        self.inputs = inputs
        self.rule = TextRule.of(number_word_chars(None), fold_numbers=True)     # the default rule's
        self._blocks = None

    @property
    def blocks(self):
        if self._blocks is None:
            self._blocks = self.engine.blocks(self.inputs)
        return self._blocks

    @property
    def progress(self):
        return self.engine.progress

    @property
    def word_table(self):
        from .corpus import number_word_chars
        return number_word_chars(None).table

    def count_ngrams(self, order: int, jobs: int):
        return count(self.inputs, self.engine, order, fold_numbers=True)

    def sample_lines(self, budget: int) -> list[bytes]:
        """The lines discover._Source.sample_lines draws: drawn by the workers
        at the starting stride, thinned here."""
        from .blocks import list_files
        from .discovery import sample_stride, thin_sample

        stride = sample_stride(sum(_file_size(url) for url in list_files(self.inputs)), budget)
        results = self.engine.run("discover: sampling", tasks.sample_lines_block,
                                  [(block, stride, data) for block, data in self.blocks])
        return thin_sample([line for lines in results for line in lines], stride, budget)[0]

    def count_pass(self, kind: str, tokenizer, jobs: int, label: str, min_count: int = 1, min_single: int = 1,
                   tagger=None):
        from ._ext.discovery import MAX_STRING
        from .discovery import StringCounts, tagger_bytes

        model = self.engine.share("lexicon", _model_bytes(tokenizer)) if tokenizer is not None else None
        tagger_url = self.engine.share("tagger", tagger_bytes(tagger)) if tagger is not None else None
        results = self.engine.run(label, tasks.count_strings_block,
                                  [(block, kind, model, True, self.engine.parts, self.engine.work_dir,
                                    self.engine.job, data, tagger_url) for block, data in self.blocks])
        widths = {length: (length + 2) // 3 for length in range(1, MAX_STRING + 1)}
        min_counts = {length: (min_single if length == 1 else min_count) for length in widths}
        tables = self.engine.merge(f"{label} (merging)", results, widths, min_counts, f"{kind}-merged")
        total_length = sum(r["skipped"] for r in results)
        total_length += sum(length * count for r in results for length, count in r["totals"].items())
        return StringCounts({length: t for length, t in tables.items() if len(t[0])}, total_length)


def _model_bytes(tokenizer) -> bytes:
    with tempfile.TemporaryDirectory(prefix="nlpzero-model-") as tmp:
        path = os.path.join(tmp, "model.nlpztok")
        tokenizer.save(path)
        with open(path, "rb") as f:
            return f.read()


def tokenize(inputs, engine: Engine, tokenizer, out, separator: str = " ") -> None:
    """Tokenize `inputs` on the cluster and write the output, in input order, to `out`."""
    model = engine.share("model", _model_bytes(tokenizer))
    blocks = engine.blocks(inputs)
    results = engine.run("tokenizing", tasks.tokenize_block,
                         [(block, model, separator, tokenizer.split_runs, engine.work_dir, engine.job, data)
                          for block, data in blocks])
    _report_invalid(results, blocks)
    for result in results:
        out.write(tasks.get_bytes(result["url"]))
    out.flush()


def vocabulary(inputs, engine: Engine, tokenizer, min_count: int, max_vocab: int | None):
    """The vectors' vocabulary, token counts summed from every block."""
    import collections

    from .vectors.cooccur import vocabulary_from_counts

    model = engine.share("model", _model_bytes(tokenizer)) if tokenizer is not None else None
    blocks = engine.blocks(inputs)
    counter = collections.Counter()
    for result in engine.run("vectors: counting words", tasks.vocabulary_block,
                             [(block, model, data) for block, data in blocks]):
        counter.update(result["counts"])
    return vocabulary_from_counts(counter, min_count, max_vocab)


def cooccurrence(inputs, engine: Engine, tokenizer, vocabulary, window: int, weighting: str, sample: float,
                 seed: int, max_memory: int | None = None):
    """cooccurrence() on the cluster: exactly the local engine's counts."""
    from ._ext import cooccur as _cooccur
    from .vectors.cooccur import WEIGHTINGS, pairs_to_coo

    model = engine.share("model", _model_bytes(tokenizer)) if tokenizer is not None else None
    words = engine.share("words", "".join(f"{w}\t{c}\n" for w, c in zip(vocabulary.words,
                                                                       vocabulary.counts.tolist())).encode())
    blocks = engine.blocks(inputs)
    results = engine.run("vectors: counting co-occurrences", tasks.cooccur_block,
                         [(block, model, words, window, weighting, sample, seed, engine.parts, engine.work_dir,
                           engine.job, max_memory, data) for block, data in blocks])
    kept = np.sum([r["kept"] for r in results], axis=0) if results else np.zeros(len(vocabulary), dtype=np.int64)
    tables = engine.merge("vectors: merging co-occurrences", results, {0: 1}, {0: 1}, "pairs-merged")
    rows = tables.get(0, (np.zeros((0, 2), dtype=np.uint64), None))[0]
    scale = _cooccur.weight_scale(WEIGHTINGS[weighting], window)
    return pairs_to_coo(rows, scale, len(vocabulary)), kept.astype(np.int64)
