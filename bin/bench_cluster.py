#!/usr/bin/env python3
"""Benchmark the cluster engine against the local one, side by side in one run.

    python bin/bench_cluster.py [CORPUS] [--port 8786] [--workers 2]

Starts `dask scheduler` and WORKERS `dask worker` processes (one thread each)
on loopback, then times `nlpzero count` (orders 1..4) and `nlpzero discover`
on CORPUS with the local engine on as many threads (-j WORKERS) and with
--scheduler.  Prints wall time (start-up included) and its ratio, the bytes
the tasks wrote to the work directory, the client's peak RSS and each worker's
(reset before each cluster job through /proc/self/clear_refs, so the peaks
are that job's; Linux),
and checks that both engines' outputs are identical.
"""

import argparse
import filecmp
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_CORPUS = os.path.join(HERE, "..", "..", "shared", "corpora", "zh", "modern.txt")


def run(args, env=None):
    """(seconds, peak RSS of the command, stderr) of one nlpzero command."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "nlpzero.cli", *args], stdout=subprocess.DEVNULL, stderr=err,
                                env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        err.seek(0)
        text = err.read().decode(errors="replace")
    if os.waitstatus_to_exitcode(status):
        sys.exit(f"bench_cluster: nlpzero {' '.join(args)} failed:\n{text}")
    return seconds, usage.ru_maxrss * 1024, text


def start_cluster(port, workers, directory):
    logs = open(os.path.join(directory, "dask.log"), "w")
    procs = [subprocess.Popen(["dask", "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                              stdout=logs, stderr=logs, start_new_session=True)]
    for w in range(workers):
        procs.append(subprocess.Popen(
            ["dask", "worker", f"tcp://127.0.0.1:{port}", "--nthreads", "1", "--nworkers", "1", "--host", "127.0.0.1",
             "--no-dashboard", "--memory-limit", "6GiB", "--local-directory", directory, "--name", f"w{w}"],
            stdout=logs, stderr=logs, start_new_session=True))
    from distributed import Client
    deadline = time.time() + 60
    while True:
        try:
            client = Client(f"tcp://127.0.0.1:{port}", timeout="5s")
            break
        except OSError:
            if time.time() > deadline:
                raise
            time.sleep(0.5)
    client.wait_for_workers(workers, timeout=60)
    client.run(lambda: __import__("nlpzero.tasks"))       # long-running workers have nlpzero loaded
    return procs, client


def worker_peaks(client):
    import resource
    return sorted(v * 1024 for v in client.run(lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss).values())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", default=DEFAULT_CORPUS)
    parser.add_argument("--port", type=int, default=8786)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    if not os.path.exists(args.corpus):
        sys.exit(f"bench_cluster: {args.corpus}: no such file")
    mb = os.path.getsize(args.corpus) / 1e6
    tmp = tempfile.mkdtemp(prefix="bench-cluster-")
    procs, client = start_cluster(args.port, args.workers, tmp)
    address = f"tcp://127.0.0.1:{args.port}"
    rows = []
    try:
        jobs = [("count 1..4", ["count", args.corpus, "--order", "4", "-q"], "ngc"),
                ("discover", ["discover", args.corpus, "-q"], "tsv")]
        for name, command, ext in jobs:
            outputs = {}
            for engine in ("local", "cluster"):
                out = os.path.join(tmp, f"{name.split()[0]}-{engine}.{ext}")
                extra = ["-j", str(args.workers)] if engine == "local" else [
                    "--scheduler", address, "--work-dir", os.path.join(tmp, "work")]
                if engine == "cluster":         # each worker's peak RSS from now on is this job's
                    client.run(lambda: open("/proc/self/clear_refs", "w").write("5"))
                seconds, rss, err = run([*command, *extra, "-o", out])
                shards = sum(int(b) for b in re.findall(r"cluster: \d+ tasks, (\d+) bytes", err))
                peaks = worker_peaks(client) if engine == "cluster" else []
                rows.append((name, engine, seconds, rss, shards, peaks))
                outputs[engine] = out
            # compared in chunks: a large parent process would pass its RSS on to the next child
            identical = filecmp.cmp(outputs["local"], outputs["cluster"], shallow=False)
            rows.append((name, "identical" if identical else "DIFFER", None, None, None, None))
    finally:
        client.shutdown()
        client.close()
        for p in procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(tmp, ignore_errors=True)

    print(f"cluster engine vs local, {os.path.basename(args.corpus)} ({mb:.0f} MB), {args.workers} workers "
          f"of 1 thread vs -j {args.workers}\n")
    print(f"| {'job':<11} | {'engine':<8} | {'seconds':>8} | {'ratio':>6} | {'shards':>9} | {'client RSS':>10} | "
          f"{'worker peak RSS':<20} |")
    print(f"|{'-' * 13}|{'-' * 10}|{'-' * 10}|{'-' * 8}|{'-' * 11}|{'-' * 12}|{'-' * 22}|")
    base = {}
    for name, engine, seconds, rss, shards, peaks in rows:
        if seconds is None:
            print(f"| {name:<11} | {'outputs':<8} | {engine:>8} | {'':>6} | {'':>9} | {'':>10} | {'':<20} |")
            continue
        base.setdefault(name, seconds)
        workers = ", ".join(f"{p / 2**30:.2f}" for p in peaks) + (" GB" if peaks else "")
        print(f"| {name:<11} | {engine:<8} | {seconds:8.2f} | {seconds / base[name]:5.2f}× | "
              f"{shards / 1e6:7.1f}MB | {rss / 2**30:7.2f} GB | {workers:<20} |")


if __name__ == "__main__":
    main()
