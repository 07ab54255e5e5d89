"""The cluster engine on a local Dask cluster of two worker processes: the
same counts, lexicon, tokens and co-occurrences as the local engine, for plain,
gzip and memory:// inputs, with a worker killed mid-run."""

import gzip
import os
import signal
import sys
import threading
import time

import numpy as np
import pytest
from click.testing import CliRunner

import nlpzero
from nlpzero import cluster
from nlpzero.cli import main

distributed = pytest.importorskip("distributed")
fsspec = pytest.importorskip("fsspec")


@pytest.fixture(scope="module")
def client():
    import dask
    dask.config.set({"distributed.comm.timeouts.connect": "5s", "distributed.scheduler.allowed-failures": 6,
                     "distributed.worker.memory.pause": False, "distributed.worker.memory.terminate": False})
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  silence_logs=50) as local, distributed.Client(local) as c:
        yield c


@pytest.fixture
def small_blocks(monkeypatch):
    monkeypatch.setenv("NLPZERO_BLOCK_SIZE", "20000")


@pytest.fixture
def corpus(tmp_path, novel_text):
    path = tmp_path / "novel.txt"
    path.write_text(novel_text[:120_000] + "\n第2001回 共有3.5万人 １９９８年\n", encoding="utf-8")
    return str(path)


def test_counts_equal_the_local_engines(client, corpus, tmp_path, small_blocks):
    local = nlpzero.count(corpus, order=3)
    assert nlpzero.count(corpus, order=3, client=client, work_dir=str(tmp_path / "work")) == local
    assert not (tmp_path / "work").exists() or list((tmp_path / "work").iterdir()) == []
    folded = nlpzero.count(corpus, order=2, fold_numbers=True)
    on_cluster = nlpzero.count(corpus, order=2, fold_numbers=True, client=client)
    assert on_cluster == folded and on_cluster.rule == folded.rule
    directory = str(tmp_path / "parts") + "/"
    assert nlpzero.count(corpus, order=3, client=client, parts_dir=directory) is None     # written by the workers
    assert nlpzero.NgramCounts.load(directory) == local
    gz = tmp_path / "novel.txt.gz"
    gz.write_bytes(gzip.compress(open(corpus, "rb").read()))
    assert nlpzero.count(str(gz), order=3, client=client) == local


def test_memory_urls_are_shipped_to_the_workers(client, corpus, small_blocks):
    fs = fsspec.filesystem("memory")
    fs.pipe("/corpus/novel.txt", open(corpus, "rb").read())
    local = nlpzero.count(corpus, order=2)
    assert nlpzero.count("memory://corpus/novel.txt", order=2) == local        # the local engine reads URLs too
    assert nlpzero.count("memory://corpus/novel.txt", order=2, client=client) == local


def test_discovery_equals_the_local_engines(client, corpus, small_blocks):
    for method in ("pairs", "ngram"):
        local = nlpzero.discover(corpus, method=method)
        remote = nlpzero.discover(corpus, method=method, client=client)
        assert remote == local and remote.scores == local.scores, method
    base = nlpzero.Lexicon({"宝玉": 100, "笑道": 50, "什么": 30, "我们": 20})
    local = nlpzero.discover(corpus, base=base)
    remote = nlpzero.discover(corpus, base=base, client=client)
    assert remote == local and remote.scores == local.scores and "宝玉" in local



def test_discovery_of_indented_lines_equals_the_local_engines(client, corpus, tmp_path, small_blocks):
    """Indented lines (\u3000\u3000, as Chinese prose is set): each line's
    segmentation must not depend on the lines after it in its block, or the
    cluster's blocks and the local engine's give different lexicons."""
    indented = tmp_path / "indented.txt"
    with open(corpus, encoding="utf-8") as f:
        indented.write_text("".join("\u3000\u3000" + line for line in f), encoding="utf-8")
    assert nlpzero.discover(str(indented), client=client) == nlpzero.discover(str(indented))


def test_tokens_are_byte_identical(client, corpus, tmp_path, small_blocks):
    lexicon = tmp_path / "lex.tsv"
    nlpzero.discover(corpus).save(str(lexicon))
    address = client.scheduler.address
    for split in ([], ["--split-runs"]):
        local = CliRunner().invoke(main, ["tokenize", "-l", str(lexicon), corpus, *split], catch_exceptions=False)
        remote = CliRunner().invoke(main, ["tokenize", "-l", str(lexicon), corpus, "--scheduler", address, *split],
                                    catch_exceptions=False)
        assert remote.exit_code == 0, remote.output
        assert remote.stdout_bytes == local.stdout_bytes and len(local.stdout_bytes) > 100_000


def test_cooccurrences_equal_the_local_engines(client, corpus, small_blocks):
    from nlpzero.vectors import build_vocabulary, cooccurrence, token_lines
    tokenizer = nlpzero.Tokenizer(nlpzero.discover(corpus))
    vocabulary = build_vocabulary(token_lines(corpus, tokenizer), min_count=2)
    with cluster.Engine(client=client) as engine:
        assert cluster.vocabulary([corpus], engine, tokenizer, 2, None).words == vocabulary.words
        for weighting, sample in (("linear", 1e-3), ("harmonic", 0.0)):
            local, local_kept = cooccurrence(token_lines(corpus, tokenizer), vocabulary, window=5,
                                             weighting=weighting, sample=sample, seed=3)
            remote, remote_kept = cluster.cooccurrence([corpus], engine, tokenizer, vocabulary, 5, weighting,
                                                       sample, 3)
            assert np.array_equal(local.row, remote.row) and np.array_equal(local.col, remote.col)
            assert np.array_equal(local.data, remote.data) and np.array_equal(local_kept, remote_kept)


def test_a_killed_worker_is_survived(client, tmp_path, novel_text, monkeypatch):
    monkeypatch.setenv("NLPZERO_BLOCK_SIZE", "40000")
    path = tmp_path / "big.txt"
    path.write_text(novel_text * 6, encoding="utf-8")
    local = nlpzero.count(str(path), order=4)
    pids = client.run(os.getpid)
    killed = []

    def kill_a_busy_worker():
        deadline = time.time() + 30
        while time.time() < deadline and not killed:
            busy = [address for address, keys in client.processing().items() if keys]
            if busy:
                os.kill(pids[busy[0]], signal.SIGKILL)
                killed.append(busy[0])
            time.sleep(0.05)

    killer = threading.Thread(target=kill_a_busy_worker)
    killer.start()
    remote = nlpzero.count(str(path), order=4, client=client)
    killer.join()
    assert killed, "no worker was busy"
    assert remote == local
    client.wait_for_workers(2, timeout=30)


def test_without_the_extra_a_one_line_error(corpus, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)
    result = CliRunner().invoke(main, ["count", corpus, "-o", "-", "--format", "tsv", "--scheduler",
                                       "tcp://127.0.0.1:8786"])
    assert result.exit_code != 0 and "pip install 'nlpzero-kit[cluster]'" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_a_failing_task_leaves_nothing_behind(client, corpus, tmp_path, small_blocks):
    broken = tmp_path / "broken.txt.gz"
    data = gzip.compress(("第一回 甄士隐梦幻识通灵\n" * 2000).encode("utf-8"))
    broken.write_bytes(data[:len(data) // 2])                  # truncated: fails on the worker that reads it
    out, work = tmp_path / "out.ngc", tmp_path / "work"
    work.mkdir()
    result = CliRunner().invoke(main, ["count", corpus, str(broken), "-o", str(out), "--scheduler",
                                       client.scheduler.address, "--work-dir", str(work)])
    assert result.exit_code == 1, result.output
    assert "broken.txt.gz" in result.output and "Traceback" not in result.output
    assert not out.exists() and not any(tmp_path.glob("out.ngc*"))
    assert list(work.iterdir()) == []
