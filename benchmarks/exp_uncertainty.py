"""Experiment (reduced): structure-level uncertainty and proofreading on synthetic vessels.

For each seed and each objective (``sound``, ``seed``), trains a :class:`StructuralUNet`
(a small UNet with dropout 0.2, the prior and posterior nets) on synthetic vessel trees
(``toposeg.data.vessel_tree_2d``), then on held-out images:

* segmentation: Dice, ARI (adapted Rand F-score), VOI and global Betti error of the plain
  thresholded likelihood and of the structural segmentations (mean over 5 samples of the prior);
* wrong-branch detection: a branch of the median structure is wrong when it is kept but less
  than half of it lies in the (1-px dilated) ground truth, or dropped although at least half
  does. AUROC of the structure-level uncertainty against the distance of the persistence from
  one global threshold (the mean prior median over the training images) and against the
  MC-dropout variance (10 passes) averaged over the branch; ECE of the branch probabilities
  (10 bins) as probabilities that a branch is true;
* proofreading (thesis Fig. 7.10): VOI against inspections for the orders structure, random,
  pixel (MC-dropout), persistence and oracle; area under the curve; paired Wilcoxon and t tests
  over the test images (areas averaged over the seeds).

Results go to ``--out`` as one JSON per (seed, objective), written when finished and reused
on a rerun (an interrupted experiment continues), then the summary (``summary.json``, a
Markdown table) and figures. Usage::

    nohup nice -n 5 python benchmarks/exp_uncertainty.py --out results/uncertainty &    # the recorded run
    python benchmarks/exp_uncertainty.py --out /tmp/u --seeds 0 --steps 20 --train 4 --test 4   # a smoke run
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch
from scipy import special, stats

from toposeg.data import vessel_tree_2d
from toposeg.metrics import adapted_rand, betti_error, dice, voi
from toposeg.models import UNet
from toposeg.proofread import ORDERS, simulate_proofreading
from toposeg.uncertainty import (
    StructuralUNet,
    branch_confirmation,
    branch_uncertainty,
    inclusion_probability,
    predict_structures,
    structural_loss,
)

OBJECTIVES = ("sound", "seed")


def data(count: int, offset: int, size: int):
    samples = [vessel_tree_2d((size, size), seed=offset + i) for i in range(count)]
    return [(np.asarray(s.image, np.float32), np.asarray(s.mask)) for s in samples]


def train(objective: str, seed: int, samples, steps: int, batch: int) -> StructuralUNet:
    torch.manual_seed(seed)
    model = StructuralUNet(UNet(1, 1, depth=2, width=8, dropout=0.2), objective=objective)
    optimiser = torch.optim.Adam(model.parameters(), lr=2e-3)
    rng = np.random.default_rng(seed)
    generator = torch.Generator().manual_seed(seed)
    model.train()
    for _ in range(steps):
        chosen = rng.choice(len(samples), batch, replace=False)
        pairs = []
        for i in chosen:
            image, mask = samples[i]
            k = rng.integers(4)
            pairs.append((np.rot90(image, k).copy(), np.rot90(mask, k).copy()))
        images = torch.tensor(np.stack([p[0] for p in pairs]))[:, None]
        masks = torch.tensor(np.stack([p[1] for p in pairs]), dtype=torch.float32)[:, None]
        optimiser.zero_grad()
        loss = structural_loss(model(images, masks), masks, objective=objective, generator=generator)
        loss.total.backward()
        optimiser.step()
    return model


def auroc(score: np.ndarray, label: np.ndarray) -> float:
    """Area under the ROC curve (ties counted half), by ranks (Mann-Whitney U)."""
    label = label.astype(bool)
    positives, negatives = label.sum(), (~label).sum()
    if positives == 0 or negatives == 0:
        return float("nan")
    ranks = stats.rankdata(score)
    return float((ranks[label].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def ece(probability: np.ndarray, truth: np.ndarray, bins: int = 10) -> float:
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(probability, edges[1:-1]), 0, bins - 1)
    total = 0.0
    for b in range(bins):
        chosen = which == b
        if chosen.any():
            total += chosen.mean() * abs(truth[chosen].mean() - probability[chosen].mean())
    return float(total)


def scores(mask: np.ndarray, target: np.ndarray) -> dict[str, float]:
    return {"dice": float(dice(mask, target)), "ari": float(adapted_rand(mask, target).f_score),
            "voi": float(voi(mask, target).total),
            "betti": float(sum(betti_error(mask, target, protocol="global").per_dimension))}


def mc_dropout_variance(model: StructuralUNet, image: torch.Tensor, passes: int = 10) -> np.ndarray:
    model.eval()
    for module in model.unet.modules():
        if isinstance(module, torch.nn.Dropout2d):
            module.train()
    with torch.no_grad():
        probs = torch.stack([torch.sigmoid(model.unet(image)) for _ in range(passes)])
    model.eval()
    return probs.var(0, unbiased=False)[0, 0].numpy()


def evaluate(model: StructuralUNet, objective: str, train_samples, test_samples, seed: int) -> dict:
    model.eval()
    rule = "sound" if objective == "sound" else "seed"
    with torch.no_grad():
        medians = [float(model(torch.tensor(im)[None, None]).prior.median()[0]) for im, _ in train_samples]
    eps_global = float(np.mean(medians))
    images, branches_rows, curves = [], [], {o: [] for o in ORDERS}
    for index, (image, target) in enumerate(test_samples):
        x = torch.tensor(image)[None, None]
        with torch.no_grad():
            out = model(x)
        likelihood = torch.sigmoid(out.logits)[0, 0].numpy().astype(np.float64)
        prediction = predict_structures(likelihood, out.prior, samples=5, rule=rule,
                                        generator=torch.Generator().manual_seed(seed * 1000 + index))
        branches = prediction.branches
        # the probability a structure keeps the branch (the seed's stated CDF for its rule)
        q = inclusion_probability(branches, out.prior, rule="sound")
        y = branch_confirmation(branches, target)
        wrong = (q >= 0.5) != (y >= 0.5)
        variance = mc_dropout_variance(model, x)
        sizes = np.diff(branches.offsets)
        pixel_score = np.add.reduceat(variance.ravel()[branches.pixels], branches.offsets[:-1]) / sizes \
            if len(branches) else np.zeros(0)
        stated = prediction.probability
        # the same uncertainty on a log scale, log min(q, 1 - q) = log Phi(-|z|): no ties where q
        # rounds to 0 or 1 in floating point
        z = np.abs(out.prior.standardise(torch.tensor(branches.persistence.copy())[None])[0].double().numpy())
        branches_rows.append({
            "wrong": wrong, "structure": branch_uncertainty(stated, rule=rule), "structure_log": special.log_ndtr(-z),
            "sizes": sizes,
            "persistence": -np.abs(branches.persistence - eps_global), "mc_dropout": pixel_score,
            "stated": stated, "true": (y >= 0.5).astype(float)})
        structural = [scores(m, target) for m in prediction.segmentations]
        images.append({"plain": scores(likelihood >= 0.5, target),
                       "structural": {k: float(np.mean([s[k] for s in structural])) for k in structural[0]},
                       "eps_median": float(out.prior.median()[0]), "branches": len(branches),
                       "wrong": int(wrong.sum())})
        for order in ORDERS:
            curve = simulate_proofreading(likelihood, target, branches, q, order, confirmed=y,
                                          pixel_uncertainty=variance, eps=eps_global, steps=20, seed=index)
            fraction = curve.inspections / max(int(curve.inspections[-1]), 1)
            curves[order].append({"inspections": curve.inspections.tolist(), "voi": curve.voi.tolist(),
                                  "ari": curve.ari.tolist(), "betti": curve.betti.tolist(),
                                  "area": curve.voi_area(),
                                  "ari_area": float(np.trapezoid(curve.ari, fraction)) if len(fraction) > 1
                                  else float(curve.ari[0])})
    pooled = {k: np.concatenate([r[k] for r in branches_rows]) for k in branches_rows[0]}
    names = ("structure", "structure_log", "persistence", "mc_dropout")
    detection = {name: auroc(pooled[name], pooled["wrong"]) for name in names}
    detection_per_image = {name: float(np.nanmean([auroc(r[name], r["wrong"]) for r in branches_rows]))
                           for name in names}
    return {"eps_global": eps_global, "images": images, "curves": curves, "auroc": detection,
            "auroc_per_image": detection_per_image, "ece": ece(pooled["stated"], pooled["true"]),
            "wrong_fraction": float(pooled["wrong"].mean())}


def summarise(out: Path, seeds: list[int]) -> None:
    runs = {(s, o): json.loads((out / f"seed{s}_{o}.json").read_text()) for s in seeds for o in OBJECTIVES
            if (out / f"seed{s}_{o}.json").exists()}
    lines = ["| objective | output | Dice | ARI | VOI | Betti error |", "| --- | --- | --- | --- | --- | --- |"]
    summary: dict = {}
    for o in OBJECTIVES:
        done = [runs[(s, o)] for s in seeds if (s, o) in runs]
        if not done:
            continue
        for output in ("plain", "structural"):
            cells = []
            for metric in ("dice", "ari", "voi", "betti"):
                per_seed = [np.mean([im[output][metric] for im in r["images"]]) for r in done]
                cells.append(f"{np.mean(per_seed):.3f} ± {np.std(per_seed):.3f}")
                summary.setdefault(o, {}).setdefault(output, {})[metric] = [float(v) for v in per_seed]
            lines.append(f"| {o} | {output} | " + " | ".join(cells) + " |")
    lines += ["", "| objective | AUROC structure | AUROC structure (log scale) | AUROC persistence distance | "
              "AUROC MC-dropout | ECE | wrong branches |", "| --- | --- | --- | --- | --- | --- | --- |"]
    for o in OBJECTIVES:
        done = [runs[(s, o)] for s in seeds if (s, o) in runs]
        if not done:
            continue
        cells = [f"{np.mean([r['auroc'][k] for r in done]):.3f} ± {np.std([r['auroc'][k] for r in done]):.3f}"
                 for k in ("structure", "structure_log", "persistence", "mc_dropout")]
        cells.append(f"{np.mean([r['ece'] for r in done]):.3f} ± {np.std([r['ece'] for r in done]):.3f}")
        cells.append(f"{np.mean([r['wrong_fraction'] for r in done]):.3f}")
        lines.append(f"| {o} | " + " | ".join(cells) + " |")
        summary[o]["auroc"] = {k: [r["auroc"][k] for r in done]
                               for k in ("structure", "structure_log", "persistence", "mc_dropout")}
        summary[o]["ece"] = [r["ece"] for r in done]
    lines += ["", "| objective | order | VOI area (mean ± std over seeds) | vs structure: Wilcoxon p | paired t p "
              "| ARI area | ARI vs structure: Wilcoxon p |", "| --- | --- | --- | --- | --- | --- | --- |"]
    for o in OBJECTIVES:
        done = [runs[(s, o)] for s in seeds if (s, o) in runs]
        if not done:
            continue
        areas = {order: np.array([[c["area"] for c in r["curves"][order]] for r in done]) for order in ORDERS}
        ari = {order: np.array([[c["ari_area"] for c in r["curves"][order]] for r in done]) for order in ORDERS}
        for order in ORDERS:
            per_seed = areas[order].mean(1)
            cell = f"{per_seed.mean():.4f} ± {per_seed.std():.4f}"
            ari_cell = f"{ari[order].mean(1).mean():.4f} ± {ari[order].mean(1).std():.4f}"
            if order == "structure":
                lines.append(f"| {o} | {order} | {cell} | — | — | {ari_cell} | — |")
                continue
            a, b = areas["structure"].mean(0), areas[order].mean(0)  # per image, averaged over seeds
            w = stats.wilcoxon(a, b).pvalue if np.any(a != b) else 1.0
            t = stats.ttest_rel(a, b).pvalue if np.any(a != b) else 1.0
            a2, b2 = ari["structure"].mean(0), ari[order].mean(0)
            w2 = stats.wilcoxon(a2, b2).pvalue if np.any(a2 != b2) else 1.0
            lines.append(f"| {o} | {order} | {cell} | {w:.2g} | {t:.2g} | {ari_cell} | {w2:.2g} |")
            summary[o].setdefault("proofreading", {})[order] = {"area": [float(v) for v in per_seed],
                                                                 "wilcoxon_p": float(w), "t_p": float(t)}
        summary[o].setdefault("proofreading", {})["structure"] = {"area": [float(v) for v in areas["structure"].mean(1)]}
    (out / "summary.md").write_text("\n".join(lines) + "\n")
    (out / "summary.json").write_text(json.dumps(summary, indent=1))
    print("\n".join(lines))
    figure(out, runs, seeds)


def figure(out: Path, runs: dict, seeds: list[int]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(OBJECTIVES), figsize=(10, 3.6), sharey=True)
    for ax, o in zip(axes, OBJECTIVES):
        done = [runs[(s, o)] for s in seeds if (s, o) in runs]
        for order in ORDERS:
            grid = np.linspace(0, 1, 21)
            curves = [np.interp(grid, np.array(c["inspections"]) / max(c["inspections"][-1], 1), c["voi"])
                      for r in done for c in r["curves"][order]]
            if curves:
                ax.plot(grid, np.mean(curves, 0), label=order)
        ax.set_title(f"objective: {o}")
        ax.set_xlabel("fraction of branches inspected")
    axes[0].set_ylabel("VOI (bits)")
    axes[0].legend()
    fig.tight_layout()
    fig.savefig(out / "proofreading_curves.png", dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--steps", type=int, default=400)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--train", type=int, default=24)
    parser.add_argument("--test", type=int, default=16)
    parser.add_argument("--size", type=int, default=96)
    args = parser.parse_args()
    torch.set_num_threads(1)
    args.out.mkdir(parents=True, exist_ok=True)
    train_samples = data(args.train, 0, args.size)
    test_samples = data(args.test, 10_000, args.size)
    for seed in args.seeds:
        for objective in OBJECTIVES:
            path = args.out / f"seed{seed}_{objective}.json"
            if path.exists():
                continue
            start = time.perf_counter()
            weights = args.out / f"seed{seed}_{objective}.pt"
            if weights.exists():  # trained before an interruption
                model = StructuralUNet(UNet(1, 1, depth=2, width=8, dropout=0.2), objective=objective)
                model.load_state_dict(torch.load(weights))
            else:
                model = train(objective, seed, train_samples, args.steps, args.batch)
                torch.save(model.state_dict(), weights.with_suffix(".pt.tmp"))
                weights.with_suffix(".pt.tmp").replace(weights)
            trained = time.perf_counter() - start
            result = evaluate(model, objective, train_samples, test_samples, seed)
            result.update({"train_seconds": trained, "total_seconds": time.perf_counter() - start,
                           "config": vars(args) | {"out": str(args.out)}})
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps(result, default=lambda a: np.asarray(a).tolist()))
            tmp.replace(path)
            print(f"seed {seed} {objective}: trained in {trained:.0f} s, AUROC {result['auroc']}", flush=True)
    summarise(args.out, args.seeds)


if __name__ == "__main__":
    main()
