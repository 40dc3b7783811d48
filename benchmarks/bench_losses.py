"""Forward + backward time of each loss as a fraction of one UNet training step, with peers.

Run from the repository root (torch uses 2 threads on the 2-core machine)::

    nice -n 5 python benchmarks/bench_losses.py [--quick]

For each input (2D 8x1x256x256 and 1x1x512x512, 3D 1x1x128x128x16) it times, in one process:
one training step of ``toposeg.models.UNet`` (4 levels, 32 channels, BatchNorm, BCE, Adam) on
that batch, then the forward and backward pass of every loss on a likelihood map of curvilinear
structures (``toposeg.data.curvilinear_likelihood``) against a binary target, and the same
with uniform noise as the prediction (the worst case for persistence). Peers, where
installed: topolosses' HutopoLoss (TopoLoss, whole image, 2D, curvilinear inputs only; its
modules are loaded by file path because ``import topolosses`` needs torchvision) and MONAI's
SoftclDiceLoss. Prints medians, the fraction of the UNet step and ratios.

Before/after a change, in one process: ``--baseline SRC`` (the ``src`` folder of another
checkout, e.g. ``git archive main src | tar -x -C /tmp/before``) loads that toposeg's losses
beside this one's and times both, interleaved repetition by repetition, on the same inputs and
random choices; it prints ``after / before`` for every loss (DMT and warping included)::

    nice -n 5 python benchmarks/bench_losses.py --baseline /tmp/before/src --repeats 9 --clock cpu
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys
import time
import types
import warnings
from pathlib import Path

import numpy as np
import torch
from scipy import ndimage

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import interleaved_medians, median_time, print_table

from toposeg.data import curvilinear_likelihood
from toposeg.losses import cldice_loss, component_prior, localized_ph_loss, topo_loss
from toposeg.models import UNet

SHAPES = {
    "2D 8x1x256x256": (8, 1, 256, 256),
    "2D 1x1x512x512": (1, 1, 512, 512),
    "3D 1x1x128x128x16": (1, 1, 128, 128, 16),
}


def load_hutopo():
    """topolosses' HutopoLoss without running ``topolosses/__init__`` (which needs torchvision)."""
    spec = importlib.util.find_spec("topolosses")
    if spec is None:
        return None
    root = spec.submodule_search_locations[0]
    for name, path in [("topolosses", root), ("topolosses.losses", root + "/losses")]:
        module = types.ModuleType(name)
        module.__path__ = [path]
        sys.modules.setdefault(name, module)
    try:
        return importlib.import_module("topolosses.losses.hutopo.src.hutopo_loss").HutopoLoss
    except ImportError as error:  # a missing compiled extension or dependency
        print(f"topolosses HutopoLoss unavailable: {error}")
        return None


def load_monai_cldice():
    try:
        from monai.losses import SoftclDiceLoss
    except ImportError:
        return None
    return SoftclDiceLoss


def inputs(shape, kind):
    """Prediction probabilities, binary target, and their truncated distance maps.

    The target is always a clean mask of curvilinear structures; the prediction is the
    likelihood map it was drawn from ("curvilinear") or uniform noise ("noise").
    """
    batch, channels, *spatial = shape
    prob = np.stack([curvilinear_likelihood(tuple(spatial), seed=s) for s in range(batch)])
    target = np.stack([ndimage.gaussian_filter(p, 1.0) for p in prob]) > 0.5
    if kind == "noise":
        prob = np.random.default_rng(0).random(prob.shape).astype(np.float32)

    def distance(mask):
        return np.minimum(ndimage.distance_transform_edt(~mask), 16.0)

    noise = np.random.default_rng(1).random(prob.shape) * 0.5
    pred_dist = np.stack([distance(p > 0.5) for p in prob]) + noise
    target_dist = np.stack([distance(t) for t in target])

    def as_tensor(array):
        return torch.tensor(np.asarray(array, dtype=np.float32)).reshape(shape)

    return as_tensor(prob), as_tensor(target), as_tensor(pred_dist), as_tensor(target_dist)


def unet_step_time(shape, repeats):
    ndim = len(shape) - 2
    net = UNet(1, 1, ndim=ndim, depth=4, width=32, norm="batch")
    optimiser = torch.optim.Adam(net.parameters(), lr=1e-3)
    image = torch.rand(shape)
    target = (torch.rand(shape) > 0.8).float()

    def step():
        optimiser.zero_grad()
        loss = torch.nn.functional.binary_cross_entropy_with_logits(net(image), target)
        loss.backward()
        optimiser.step()

    return median_time(step, repeats=repeats, warmup=1)


def time_loss(function, prob, target, repeats):
    def run():
        leaf = prob.clone().requires_grad_()
        function(leaf, target).backward()

    return median_time(run, repeats=repeats, warmup=1)


LOSS_NAMES = (
    "topo_loss", "component_prior", "cldice_loss", "localized_ph_loss", "dmt_loss", "warping_loss"
)


def load_baseline(src: str) -> dict[str, object]:
    """The loss functions of the toposeg package under ``src``, imported beside this one.

    The modules of this toposeg are set aside while the other one imports (its own modules,
    Numba kernels and all), then put back; the functions keep references to their own modules.
    The other one's kernels compile into a throwaway Numba cache: they are compiled after its
    modules have left ``sys.modules``, which a cache shared with other processes must not keep.
    """
    import atexit
    import shutil
    import tempfile

    import numba

    ours = {name: module for name, module in sys.modules.items() if name.split(".")[0] == "toposeg"}
    for name in ours:
        del sys.modules[name]
    cache_dir, numba.config.CACHE_DIR = numba.config.CACHE_DIR, tempfile.mkdtemp(prefix="toposeg-baseline-")
    atexit.register(shutil.rmtree, numba.config.CACHE_DIR, ignore_errors=True)
    sys.path.insert(0, src)
    try:
        losses = importlib.import_module("toposeg.losses")
        if not Path(losses.__file__).resolve().is_relative_to(Path(src).resolve()):
            raise SystemExit(f"--baseline {src}: no toposeg package there")
        return {name: getattr(losses, name) for name in LOSS_NAMES}
    finally:
        numba.config.CACHE_DIR = cache_dir
        sys.path.remove(src)
        for name in [n for n in sys.modules if n.split(".")[0] == "toposeg"]:
            del sys.modules[name]
        sys.modules.update(ours)


def loss_calls(functions: dict[str, object], threads: int) -> dict[str, tuple[object, bool]]:
    """Every timed loss as ``name -> (call(prob, target), takes distance maps)``; random
    choices come from a generator seeded afresh on every call, so that two versions of a loss
    do the same work."""
    topo, prior, cldice = functions["topo_loss"], functions["component_prior"], functions["cldice_loss"]
    localized, dmt, warping = functions["localized_ph_loss"], functions["dmt_loss"], functions["warping_loss"]

    def seeded():
        return torch.Generator().manual_seed(0)

    return {
        "topo_loss (random 65/32 patches)": (
            lambda p, t: topo(p, t, generator=seeded(), workers=threads), False),
        "topo_loss (tiles)": (lambda p, t: topo(p, t, patch="tiles", workers=threads), False),
        "topo_loss (whole image)": (lambda p, t: topo(p, t, patch="whole", workers=threads), False),
        "component_prior": (lambda p, t: prior(p, workers=threads), False),
        "cldice_loss": (lambda p, t: cldice(p, t), False),
        "dmt_loss (eps 0.2)": (lambda p, t: dmt(p, t, eps=0.2), False),
        "warping_loss": (lambda p, t: warping(p, t), False),
        "localized_ph_loss (window 64)": (
            lambda p, t: localized(p, t, generator=seeded(), workers=threads), True),
    }


def kinds(args: argparse.Namespace) -> tuple[str, ...]:
    """The prediction inputs to time."""
    if args.quick or args.data == "curvilinear":
        return ("curvilinear",)
    return ("noise",) if args.data == "noise" else ("curvilinear", "noise")


def compare_with_baseline(args: argparse.Namespace, repeats: int) -> None:
    """Time this toposeg's losses against those of ``args.baseline``, interleaved."""
    import toposeg.losses as current

    after = loss_calls({name: getattr(current, name) for name in LOSS_NAMES}, args.threads)
    before = loss_calls(load_baseline(args.baseline), args.threads)
    rows = []
    for label, shape in SHAPES.items():
        for kind in kinds(args):
            prob, target, pred_dist, target_dist = inputs(shape, kind)
            for name in after:
                call_after, distance = after[name]
                call_before = before[name][0]
                first, second = (pred_dist, target_dist) if distance else (prob, target)

                def run(call):
                    def once():
                        call(first.clone().requires_grad_(), second).backward()
                    return once

                times = interleaved_medians(
                    {"before": run(call_before), "after": run(call_after)},
                    repeats=repeats,
                    warmup=1,
                    clock=time.process_time if args.clock == "cpu" else time.perf_counter,
                )
                rows.append({
                    "input": label, "data": kind, "loss": name,
                    "before s": times["before"], "after s": times["after"],
                    "after / before": times["after"] / times["before"],
                })
            print(f"done: {label} {kind}", flush=True)
    print_table(rows)
    worst = max(rows, key=lambda row: row["after / before"])
    print(f"largest after / before: {worst['after / before']:.3f} ({worst['loss']}, {worst['input']} {worst['data']})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="one repeat, skip the noise inputs"
    )
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--clock", choices=("wall", "cpu"), default="wall",
        help="with --baseline: time by wall clock or by this process's CPU time (steadier on a "
        "busy machine with one thread)",
    )
    parser.add_argument(
        "--data", choices=("curvilinear", "noise", "both"), default="both",
        help="prediction inputs timed (--quick: curvilinear)",
    )
    parser.add_argument(
        "--baseline", default=None, metavar="SRC",
        help="src folder of another toposeg checkout: time its losses against these (before/after)",
    )
    parser.add_argument(
        "--threads", type=int, default=1,
        help="torch threads for the step and the losses alike (default 1: stable on a shared machine)",
    )
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    repeats = 1 if args.quick else args.repeats
    warnings.filterwarnings("ignore", category=UserWarning)
    torch.manual_seed(0)
    if args.baseline is not None:
        compare_with_baseline(args, repeats)
        return
    hutopo_class, monai_class = load_hutopo(), load_monai_cldice()
    print(f"torch threads: {torch.get_num_threads()}", end="; ")
    print(f"topolosses: {hutopo_class is not None}; MONAI: {monai_class is not None}")

    rows = []
    for label, shape in SHAPES.items():
        step = unet_step_time(shape, repeats=max(repeats // 2, 1))
        rows.append(
            {
                "input": label,
                "data": "-",
                "loss": "UNet training step",
                "median s": step,
                "% of step": 100.0,
                "vs peer": "",
            }
        )
        for kind in kinds(args):
            prob, target, pred_dist, target_dist = inputs(shape, kind)
            generator = torch.Generator().manual_seed(0)
            ours = {
                "topo_loss (random 65/32 patches)": lambda p, t: topo_loss(
                    p, t, generator=generator, workers=args.threads
                ),
                "topo_loss (tiles)": lambda p, t: topo_loss(p, t, patch="tiles", workers=args.threads),
                "topo_loss (whole image)": lambda p, t: topo_loss(
                    p, t, patch="whole", workers=args.threads
                ),
                "component_prior": lambda p, t: component_prior(p, workers=args.threads),
                "cldice_loss": lambda p, t: cldice_loss(p, t),
            }
            timed = {}
            for name, function in ours.items():
                timed[name] = time_loss(function, prob, target, repeats)
            timed["localized_ph_loss (window 64)"] = time_loss(
                lambda p, t: localized_ph_loss(p, t, generator=generator, workers=args.threads),
                pred_dist,
                target_dist,
                repeats,
            )
            peers = {}
            # Hutopo is 2D only; on noise it needs ~30 s per 256x256 image: curvilinear only
            if hutopo_class is not None and len(shape) == 4 and kind == "curvilinear":
                hutopo = hutopo_class(use_base_loss=False, alpha=1.0)
                peers["topo_loss (whole image)"] = (
                    "topolosses Hutopo",
                    time_loss(hutopo, prob, target, max(repeats // 2, 1)),
                )
            if monai_class is not None:
                monai = monai_class(iter_=3, smooth=1e-4)
                peers["cldice_loss"] = ("MONAI SoftclDice", time_loss(monai, prob, target, repeats))
                ours_value = cldice_loss(prob, target, reduction="none")[:, 0]
                theirs = monai_class(iter_=3, smooth=1e-12, reduction="none")(prob, target)
                gap = (ours_value - theirs).abs().max().item()
                print(f"{label} {kind}: clDice, largest |toposeg - MONAI| = {gap:.2e}")
            for name, seconds in timed.items():
                row = {
                    "input": label,
                    "data": kind,
                    "loss": name,
                    "median s": seconds,
                    "% of step": 100 * seconds / step,
                    "vs peer": "",
                }
                if name in peers:
                    peer_name, peer_seconds = peers[name]
                    row["vs peer"] = (
                        f"{peer_name} {peer_seconds:.3g} s = {peer_seconds / seconds:.1f}x ours"
                    )
                rows.append(row)
            print(f"done: {label} {kind}", flush=True)
    print_table(rows)


if __name__ == "__main__":
    main()
