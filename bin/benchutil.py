"""What the benchmarks share: running a measured child process, so every
figure (wall time including start-up, peak RSS) is taken the same way."""

import json
import os
import subprocess
import sys
import tempfile
import time


def run_script(script: str, *args) -> dict:
    """Run a Python snippet in a fresh interpreter; it prints a JSON object last."""
    out = subprocess.run([sys.executable, "-c", script, *map(str, args)], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def run_nlpzero(args: list) -> tuple:
    """(wall seconds, peak RSS in bytes, stdout) of one `nlpzero` command in its
    own process; a failure ends the benchmark with nlpzero's message."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "nlpzero.cli", *map(str, args)], stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode:
            err.seek(0)
            sys.exit(f"{os.path.basename(sys.argv[0])}: nlpzero {' '.join(map(str, args))} failed: "
                     f"{err.read().decode(errors='replace')}")
        out.seek(0)
        return seconds, usage.ru_maxrss * 1024, out.read().decode()
