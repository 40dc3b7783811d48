"""Persistence engine speed and memory: toposeg vs gudhi (with critical cells) and cripser.

All engines run in this one process, single-threaded, on the same inputs: uniform noise (the
worst case: a critical point at almost every pixel) and the built-in curvilinear likelihood
map. Each timing is the median of several runs, the engines taking turns so that changes of
machine load affect them alike; ratios are peer time / toposeg time, so higher is better for
toposeg.

    python benchmarks/bench_persistence.py            # 2D and 3D up to 128x128x16 and 64^3
    python benchmarks/bench_persistence.py --large    # also 128^3 (slow: peers take seconds)
    python benchmarks/bench_persistence.py --construction T   # pixels as top cells
    python benchmarks/bench_persistence.py --huge 416 --no-peers   # toposeg alone on 416^3 (> 2^26 voxels)

Peak memory is measured in fresh subprocesses: the resident set size, sampled every millisecond
during the call, above what the warmed-up interpreter used before it, input included.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import interleaved_medians, peak_memory, print_table

from toposeg import cubical_persistence
from toposeg.data import curvilinear_likelihood

SHAPES = [(256, 256), (512, 512), (1024, 1024), (32, 32, 32), (64, 64, 64), (128, 128, 16)]
LARGE = [(128, 128, 128)]


def make_input(kind: str, shape: tuple[int, ...]) -> np.ndarray:
    if kind == "noise":
        return np.random.default_rng(0).random(shape).astype(np.float32)
    return curvilinear_likelihood(shape, seed=0)


def engines(construction: str):
    """name -> function(image) computing all dimensions with critical cells."""
    vertices = construction == "V"
    runs = {
        "toposeg": lambda x: cubical_persistence(x, connectivity=1 if vertices else x.ndim),
    }
    try:
        import gudhi

        def run_gudhi(x):
            if vertices:
                complex_ = gudhi.CubicalComplex(vertices=-x)
                complex_.compute_persistence()
                complex_.vertices_of_persistence_pairs()
            else:
                complex_ = gudhi.CubicalComplex(top_dimensional_cells=-x)
                complex_.compute_persistence()
                complex_.cofaces_of_persistence_pairs()

        runs["gudhi"] = run_gudhi
    except ImportError:
        pass
    try:
        import cripser

        compute = cripser.computePH if vertices else cripser.computePH_T
        runs["cripser"] = lambda x: compute(-x.astype(np.float64), maxdim=x.ndim - 1)
    except ImportError:
        pass
    return runs


def repeats_for(shape: tuple[int, ...]) -> int:
    size = int(np.prod(shape))
    return 7 if size <= 512 * 512 else 5 if size <= 1024 * 1024 else 3


def measure_memory(kind: str, shape: tuple[int, ...], construction: str) -> tuple[float, float, float]:
    """Peak resident memory (MB, input included), wall and CPU seconds of one toposeg call, in a
    fresh process (``_timing.peak_memory``)."""
    conn = 1 if construction == "V" else len(shape)
    setup = (f"import sys; sys.path.insert(0, {str(Path(__file__).resolve().parent)!r})\n"
             "import numpy as np\nfrom bench_persistence import make_input\nfrom toposeg import cubical_persistence\n"
             f"cubical_persistence(make_input({kind!r}, (9,) * {len(shape)}), connectivity={conn})  # compile\n"
             f"image = make_input({kind!r}, {tuple(shape)!r})")
    return peak_memory(setup, f"cubical_persistence(image, connectivity={conn})", "image.nbytes")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large", action="store_true", help="include 128^3")
    parser.add_argument("--construction", choices=["V", "T"], default="V")
    parser.add_argument("--no-memory", action="store_true")
    parser.add_argument("--huge", type=int, default=0, metavar="N",
                        help="also one toposeg call on an N^3 volume of each input: seconds and peak memory")
    parser.add_argument("--no-peers", action="store_true", help="skip the timing table (with --huge)")
    args = parser.parse_args()

    runs = engines(args.construction)
    shapes = [] if args.no_peers else SHAPES + (LARGE if args.large else [])
    cubical_persistence(np.random.default_rng(0).random((9, 9)))  # compile / load the kernels
    cubical_persistence(np.random.default_rng(0).random((5, 5, 5)))
    rows = []
    for shape in shapes:
        for kind in ("noise", "curvilinear"):
            image = make_input(kind, shape)
            row: dict[str, object] = {"input": kind, "shape": "x".join(map(str, shape))}
            functions = {name: (lambda run=run: run(image)) for name, run in runs.items()}
            times = interleaved_medians(functions, repeats=repeats_for(shape))
            for name in runs:
                row[f"{name} ms"] = times[name] * 1e3
            for name in runs:
                if name != "toposeg":
                    row[f"{name}/toposeg"] = times[name] / times["toposeg"]
            rows.append(row)
            print(", ".join(f"{k} {v:.3g}" if isinstance(v, float) else str(v) for k, v in row.items()), flush=True)
    if rows:
        print()
        print(f"Construction {args.construction}, single thread, medians (ms); ratios = peer / toposeg")
        print_table(rows)

    memory_shapes = [] if args.no_memory else [(1024, 1024), (128, 128, 128)]
    memory_shapes += [(args.huge,) * 3] if args.huge else []
    if memory_shapes:
        print("\nOne toposeg call in a fresh process: seconds and peak memory (MB, input included)")
        memory_rows = []
        for shape in memory_shapes:
            for kind in ("noise", "curvilinear"):
                megabytes, seconds, cpu = measure_memory(kind, shape, args.construction)
                memory_rows.append({"input": kind, "shape": "x".join(map(str, shape)), "voxels": int(np.prod(shape)),
                                    "wall s": seconds, "CPU s": cpu, "peak MB": megabytes})
                print(f"{kind} {shape}: {seconds:.1f} s wall, {cpu:.1f} s CPU, {megabytes:.0f} MB", flush=True)
        print_table(memory_rows)


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    main()
