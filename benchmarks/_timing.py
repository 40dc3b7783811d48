"""Timing helpers shared by the benchmark scripts: medians of repeated runs, peak memory, ratio tables."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable


def median_time(function: Callable[[], object], *, repeats: int = 5, warmup: int = 1) -> float:
    """Median wall time of ``function()`` in seconds over ``repeats`` runs, after ``warmup``."""
    for _ in range(warmup):
        function()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def interleaved_medians(
    functions: dict[str, Callable[[], object]],
    *,
    repeats: int = 5,
    warmup: int = 1,
    clock: Callable[[], float] = time.perf_counter,
) -> dict[str, float]:
    """Median time (s) of each function by ``clock`` (wall time by default), running them in
    turn: repetition 1 of every function, then repetition 2, ... so that a change of machine
    load affects all alike."""
    for function in functions.values():
        for _ in range(warmup):
            function()
    times: dict[str, list[float]] = {name: [] for name in functions}
    for _ in range(repeats):
        for name, function in functions.items():
            start = clock()
            function()
            times[name].append(clock() - start)
    return {name: statistics.median(values) for name, values in times.items()}


_PEAK = """
import json, os, threading, time
page = os.sysconf("SC_PAGE_SIZE")
def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * page
{setup}
before = rss()
peak = [before]
done = threading.Event()
def sample():
    while not done.is_set():
        peak[0] = max(peak[0], rss())
        time.sleep(0.001)
thread = threading.Thread(target=sample)
thread.start()
start, cpu = time.perf_counter(), time.process_time()
{call}
seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
done.set()
thread.join()
print(json.dumps([(max(peak[0], rss()) - before + {input_bytes}) / 2**20, seconds, cpu]))
"""


def peak_memory(setup: str, call: str, input_bytes: str = "0") -> tuple[float, float, float]:
    """Peak resident memory (MB), wall seconds and CPU seconds of one call, in a fresh process.

    ``setup`` (code: imports, inputs, a warm-up call to compile the kernels) runs first; then a
    thread samples the resident set size every millisecond while ``call`` (one statement) runs.
    The peak counts what the call added above the memory in use before it, plus
    ``input_bytes`` (an expression, e.g. the input's ``nbytes``, so that the input counts).
    The CPU seconds (the process's, the sampling thread's few per cent included) are the figure
    to read on a loaded machine, where wall time mostly measures waiting.
    """
    code = _PEAK.format(setup=setup, call=call, input_bytes=input_bytes)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    megabytes, seconds, cpu = json.loads(out.stdout.strip().splitlines()[-1])
    return float(megabytes), float(seconds), float(cpu)

def print_table(rows: list[dict[str, object]]) -> None:
    """Print a list of dicts as an aligned text table (columns in order of appearance; a row
    without a column leaves it blank)."""
    if not rows:
        return
    columns = list(dict.fromkeys(key for row in rows for key in row))
    cells = [[_format(row.get(c, "")) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    print("  ".join(c.ljust(w) for c, w in zip(columns, widths)))
    for r in cells:
        print("  ".join(v.ljust(w) for v, w in zip(r, widths)))


def _format(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 1000 else f"{value:.0f}"
    return str(value)
