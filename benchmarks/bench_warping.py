"""Homotopic warping and the warping loss: toposeg against the thesis' figure and topolosses.

Run from the repository root (one thread; the machine may be shared, so medians):

    nice -n 5 python benchmarks/bench_warping.py

Cases: a 512x512 vessel-like ground truth with a simulated network prediction (breaks, spurs,
blobs, boundary errors), the same at 256x256 with random masks (the worst case: half of the
pixels disagree), and 3D volumes of tubes of 128x128x16 voxels in both axis orders (and a poor
prediction and random masks in one). Columns:
``warp`` = one warping (ground truth toward prediction), ``critical`` = both warpings and the
critical mask, ``loss step`` = forward and backward of the warping loss on a (1, 1, *shape)
probability map. Medians of 15 runs; ``(best)`` is the fastest run, a steadier figure when the
machine is shared. The thesis reports 0.317 s to warp a 512x512 image. topolosses' WarpingLoss
(2D only) is loaded by file path, since ``import topolosses`` needs torchvision.
"""

from __future__ import annotations

import importlib.util
import sys
import time
import types
from pathlib import Path

import numpy as np
import torch
from scipy import ndimage

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import median_time, print_table

from toposeg.data import curvilinear_likelihood
from toposeg.digital import critical_mask, warp
from toposeg.losses import warping_loss

THESIS_WARP_512 = 0.317  # seconds, thesis ch.5, Sec. 5.2.5


def load_topolosses_warping():
    """topolosses' WarpingLoss class, loaded by file path without ``topolosses/__init__``."""
    spec = importlib.util.find_spec("topolosses")
    if spec is None:
        return None
    root = Path(spec.submodule_search_locations[0])
    for name, folder in [
        ("topolosses", root),
        ("topolosses.losses", root / "losses"),
        ("topolosses.losses.warping", root / "losses" / "warping"),
        ("topolosses.losses.warping.src", root / "losses" / "warping" / "src"),
    ]:
        package = types.ModuleType(name)
        package.__path__ = [str(folder)]
        sys.modules.setdefault(name, package)
    for name, path in [
        ("topolosses.losses.utils", root / "losses" / "utils.py"),
        (
            "topolosses.losses.warping.src.warping_loss",
            root / "losses" / "warping" / "src" / "warping_loss.py",
        ),
    ]:
        module_spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(module_spec)
        sys.modules[name] = module
        module_spec.loader.exec_module(module)
    return sys.modules["topolosses.losses.warping.src.warping_loss"].WarpingLoss


def vessel_pair(
    shape: tuple[int, ...], seed: int, *, noise_level: float = 1.5
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ground truth (thin tubes), a prediction's probability map and its binary mask. With the
    default noise about 2% of the pixels disagree and the prediction has ten times as many
    components as the ground truth; ``noise_level=4`` gives a poor prediction (22%)."""
    curves = None if len(shape) == 2 else 60
    gt = curvilinear_likelihood(shape, seed=seed, curves=curves) > (0.3 if len(shape) == 2 else 0.2)
    rng = np.random.default_rng(seed + 1)
    noise = ndimage.gaussian_filter(rng.standard_normal(shape), 2.0)
    logit = (
        8 * (ndimage.gaussian_filter(gt.astype(np.float64), 1.0) - 0.5) + noise_level * noise / noise.std()
    )
    prob = 1 / (1 + np.exp(-logit))
    return gt, prob.astype(np.float32), prob > 0.5


def random_pair(shape: tuple[int, ...], seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    prob = rng.random(shape).astype(np.float32)
    return rng.random(shape) < 0.5, prob, prob > 0.5


def best_time(function, *, repeats: int) -> float:
    """Fastest of ``repeats`` runs: on a shared machine, the least disturbed one."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def ours(gt: np.ndarray, prob: np.ndarray, pred: np.ndarray, repeats: int) -> dict[str, float]:
    prob_t = torch.from_numpy(prob)[None, None].requires_grad_(True)
    gt_t = torch.from_numpy(gt.astype(np.float32))[None, None]

    def loss_step() -> None:
        prob_t.grad = None
        warping_loss(prob_t, gt_t).backward()

    return {
        "warp": median_time(lambda: warp(gt, pred), repeats=repeats),
        "warp best": best_time(lambda: warp(gt, pred), repeats=repeats),
        "critical": median_time(lambda: critical_mask(pred, gt), repeats=repeats),
        "loss step": median_time(loss_step, repeats=repeats),
        "loss step best": best_time(loss_step, repeats=repeats),
    }


def topolosses_step(peer_class, gt: np.ndarray, prob: np.ndarray, repeats: int) -> float:
    """Forward and backward of topolosses' WarpingLoss (warping term only) on two channels.
    It takes logits and reads the foreground from channel 0 of the target."""
    p = torch.from_numpy(prob.astype(np.float64)).clamp(1e-6, 1 - 1e-6)
    logits = torch.stack([torch.log(1 - p), torch.log(p)])[None].float().requires_grad_(True)
    g = torch.from_numpy(gt.astype(np.float32))
    target = torch.stack([g, 1 - g])[None]
    loss = peer_class(use_base_loss=False, alpha=1.0, eight_connectivity=False)

    def step() -> None:
        logits.grad = None
        loss(logits, target).backward()

    return median_time(step, repeats=repeats, warmup=0)


def main() -> None:
    torch.set_num_threads(1)
    peer_class = load_topolosses_warping()
    cases = [
        ("2D vessels 512x512", vessel_pair((512, 512), 0)),
        ("2D vessels 512x512 (seed 1)", vessel_pair((512, 512), 1)),
        ("2D poor vessels 512x512", vessel_pair((512, 512), 0, noise_level=4.0)),
        ("2D random 256x256", random_pair((256, 256), 2)),
        ("2D random 512x512", random_pair((512, 512), 3)),
        ("3D tubes 16x128x128", vessel_pair((16, 128, 128), 4)),
        ("3D tubes 128x128x16", vessel_pair((128, 128, 16), 5)),
        ("3D poor tubes 16x128x128", vessel_pair((16, 128, 128), 4, noise_level=4.0)),
        ("3D random 16x128x128", random_pair((16, 128, 128), 6)),
    ]
    warp(*cases[0][1][::2])  # compile (or load) the kernels before timing
    warp(*cases[-1][1][::2])
    rows = []
    for name, (gt, prob, pred) in cases:
        times = ours(gt, prob, pred, repeats=15)
        row: dict[str, object] = {
            "case": name,
            "disagree %": 100 * float((gt != pred).mean()),
            "warp ms": 1e3 * times["warp"],
            "(best)": 1e3 * times["warp best"],
            "critical ms": 1e3 * times["critical"],
            "loss step ms": 1e3 * times["loss step"],
            "(best) ": 1e3 * times["loss step best"],
            "thesis/warp": THESIS_WARP_512 / times["warp"] if name.startswith("2D") and "512" in name else "",
            "topolosses ms": "",
            "topolosses/ours": "",
        }
        if peer_class is not None and gt.ndim == 2:
            peer = topolosses_step(peer_class, gt, prob, repeats=3)
            row["topolosses ms"] = 1e3 * peer
            row["topolosses/ours"] = peer / times["loss step"]
        rows.append(row)
    print(
        f"torch threads: {torch.get_num_threads()}; topolosses: {'loaded' if peer_class else 'not installed'}"
    )
    print_table(rows)


if __name__ == "__main__":
    main()
