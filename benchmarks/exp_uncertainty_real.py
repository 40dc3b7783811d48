"""Experiment: structure-level uncertainty with the real-data protocol (ISBI 2012, DRIVE, vessels; issue 15).

``exp_uncertainty.py`` trains its own small loop on synthetic vessels; this script runs the
structural model as ``toposeg cv`` invocations on the protocol of ``exp_real.py`` (same folds,
network, patches and schedule), fine-tuned from the same pretrained per-fold networks as the
losses' comparison of docs/experiments.md:

* ``sound`` and ``seed``: ``toposeg cv --model structural --structural-objective ...
  --init-from <base>/pretrain`` with the plain run's fine-tuning schedule, the data set's Morse
  structure (ISBI 2012: watershed boundaries S2 of the membranes; DRIVE: ridges S1);
* segmentation scores of the UNet's likelihood: ``toposeg compare`` against ``<base>/plain``
  (and every other method folder of ``<base>``) over the same held-out images;
* wrong-branch detection on each held-out image (the fold's ``last.pt``): a branch of the
  median structure (``q >= 0.5``) is wrong when the ground truth's verdict disagrees (DRIVE:
  :func:`toposeg.uncertainty.branch_confirmation`, at least half of the ridge on a vessel;
  ISBI 2012: :func:`toposeg.uncertainty.boundary_confirmation`, the boundary separates two
  cells); AUROC of the structure-level uncertainty (and the same on a log scale) against the
  distance of the persistence from one global threshold (mean prior median over the fold's
  training images), on a linear and on a logit scale (the uncertainty's own); ECE of the
  branch probabilities; with ``--dropout P`` the structural runs' UNets have dropout
  (folders ``<objective>-dropout``) and the MC-dropout variance (10 passes,
  :func:`toposeg.uncertainty.mc_dropout`) averaged over each branch is one more score;
* the per-branch model (:class:`toposeg.uncertainty.BranchModel`, a logistic regression on
  :func:`toposeg.uncertainty.branch_features`) fitted on the branches of each fold's validation
  images (unseen by the network, like the held-out ones) against the ground truth's verdict;
  rows ``<objective> + branch model``: its own median structure, wrongness, AUROC, ECE and
  proofreading curves;
* simulated proofreading: area under the VOI-vs-inspections curve (ISBI 2012: VOI of the cells
  that the kept boundaries enclose; DRIVE: of the vessels) for the orders structure, expected
  (the probability of being wrong times the size), random, persistence (linear and logit
  scale) and oracle (and pixel, by MC-dropout variance, with ``--dropout``); Wilcoxon tests
  over the held-out images against structure;
* with ``--probabilistic``, a probabilistic UNet (:class:`toposeg.uncertainty.ProbabilisticUNet`,
  ``toposeg cv --model probabilistic``, fine-tuned alike; folder ``probabilistic``): its
  segmentation in the comparison, and as a pixel-level model its structure is its likelihood's
  branches above the one threshold that makes the fewest wrong branches on the fold's
  validation images; AUROC of the branches' mean variance over 10 prior draws, and
  proofreading areas for the orders pixel (that variance), random, persistence and oracle
  (``--objectives ""`` runs it alone).

    python benchmarks/exp_real.py --dataset isbi12 --root DATA/isbi12 --out runs/isbi12
    python benchmarks/exp_uncertainty_real.py --base runs/isbi12 --out runs/isbi12_uncertainty

The synthetic vessels (``exp_real.py --dataset vessels``) run the same way, judged like DRIVE.
Finished runs and per-image results are kept (running the command again continues). Run on
ISBI 2012, DRIVE and the synthetic vessels with 3 seeds (docs/uncertainty.md).
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
from pathlib import Path

import numpy as np
import torch
from exp_real import finished, network_flags, run
from exp_uncertainty import auroc, ece
from scipy import special, stats

from toposeg.data import normalise_image
from toposeg.metrics import voi
from toposeg.morse import morse_branches
from toposeg.proofread import simulate_proofreading
from toposeg.train import CVConfig, fold_plan, load_checkpoint, model_from_checkpoint, predict_likelihood
from toposeg.train.checkpoint import structural_model_from_checkpoint
from toposeg.uncertainty import (
    BranchModel,
    boundary_confirmation,
    branch_confirmation,
    branch_features,
    branch_uncertainty,
    inclusion_probability,
    mc_dropout,
)

STRUCTURE = {"isbi12": "watershed", "drive": "skeleton", "vessels": "skeleton"}
#: what VOI compares in the proofreading curves: the cells between membranes, the vessels
REGIONS = {"isbi12": "background", "drive": "foreground", "vessels": "foreground"}
ORDERS = ("structure", "expected", "random", "persistence", "oracle")
#: the ground truth's verdict on a branch: on the vessels (S1), separates two cells (S2)
CONFIRMATION = {"isbi12": boundary_confirmation, "drive": branch_confirmation, "vessels": branch_confirmation}


def branch_rows(folder: Path, config: CVConfig, seed: int, dataset: str) -> tuple[list[dict], list[dict]]:
    """Per held-out image of every fold: branch scores, wrongness and proofreading areas, for
    the run's threshold distribution and for the per-branch model fitted on the fold's
    validation images."""
    rows, model_rows = [], []
    for fold, (train, val, test) in enumerate(fold_plan(config)):
        state = load_checkpoint(folder / f"seed{seed}" / f"fold{fold}" / "last.pt")
        model, run_config = structural_model_from_checkpoint(state)

        def prior(sample):
            image = normalise_image(sample.image, run_config.normalise)
            batch = torch.from_numpy(np.ascontiguousarray(image, dtype=np.float32)).reshape(1, -1, *image.shape[-2:])
            with torch.no_grad():
                return image, model.prior(batch)

        def analyse(sample):
            image, distribution = prior(sample)
            likelihood = predict_likelihood(model.unet, image).astype(np.float64)
            target = np.asarray(sample.mask, bool).squeeze()
            region = None if sample.region is None else np.asarray(sample.region, bool).squeeze()
            if region is not None:  # outside the field of view neither structure nor error
                likelihood = np.where(region, likelihood, 0.0)
            branches = morse_branches(likelihood, structure=STRUCTURE[dataset])
            return image, region, distribution, likelihood, target, branches, CONFIRMATION[dataset](branches, target)

        eps_global = float(np.mean([float(prior(s)[1].median()[0]) for s in train]))
        fitted = [analyse(s) for s in val]
        branch_model = BranchModel.fit(np.concatenate([branch_features(a[5], a[3]) for a in fitted]),
                                       np.concatenate([a[6] >= 0.5 for a in fitted]).astype(np.float64))
        for sample in test:
            image, region, distribution, likelihood, target, branches, y = analyse(sample)
            q = inclusion_probability(branches, distribution, rule="sound")
            stated = inclusion_probability(branches, distribution, rule=run_config.structural_objective)
            z = np.abs(distribution.standardise(torch.tensor(branches.persistence.copy())[None])[0].double().numpy())
            orders, extra = ORDERS, {}
            variance = None
            if run_config.dropout > 0:
                variance = mc_dropout(model.unet, image, passes=10, seed=len(rows))[1].astype(np.float64)
                if region is not None:
                    variance = np.where(region, variance, 0.0)
                sums = np.add.reduceat(variance.ravel()[branches.pixels], branches.offsets[:-1])
                extra["mc_dropout"] = (sums / np.diff(branches.offsets)).tolist()
                orders = (*ORDERS, "pixel")

            logit_distance = np.abs(special.logit(np.clip(branches.persistence, 1e-12, 1 - 1e-12))
                                    - special.logit(eps_global))
            by_logit = np.lexsort((np.arange(len(branches)), logit_distance))

            def row(q, stated, uncertainty, log_scale):
                areas = {order: simulate_proofreading(likelihood, target, branches, q,
                                                      by_logit if order == "persistence_logit" else order,
                                                      confirmed=y, eps=eps_global, pixel_uncertainty=variance,
                                                      steps=10, seed=len(rows), regions=REGIONS[dataset]).voi_area()
                         for order in (*orders, "persistence_logit")}
                return {**extra, "fold": fold, "image": sample.name, "branches": len(branches),
                        "wrong": ((q >= 0.5) != (y >= 0.5)).tolist(), "structure": uncertainty.tolist(),
                        "structure_log": log_scale.tolist(),
                        "persistence": (-np.abs(branches.persistence - eps_global)).tolist(),
                        "persistence_logit": (-logit_distance).tolist(),
                        "stated": stated.tolist(), "true": (y >= 0.5).astype(float).tolist(),
                        "eps_median": float(distribution.median()[0]), "eps_global": eps_global,
                        "voi_start": float(voi(likelihood >= 0.5, target, regions=REGIONS[dataset]).total),
                        "areas": areas}

            rows.append(row(q, stated, branch_uncertainty(stated, rule=run_config.structural_objective),
                            special.log_ndtr(-z)))
            p = branch_model.probability(branch_features(branches, likelihood))
            model_rows.append(row(p, p, branch_uncertainty(p), np.log(np.minimum(p, 1 - p))))
    return rows, model_rows


def probabilistic_rows(folder: Path, config: CVConfig, seed: int, dataset: str, samples: int = 10) -> list[dict]:
    """Per held-out image of every fold, for a probabilistic UNet (a pixel-level model: its
    structure is its likelihood's branches above one threshold, the one that makes the fewest
    wrong branches on the fold's validation images): wrongness, the branches' mean sample
    variance, the persistence distance, and proofreading areas (orders pixel, random,
    persistence, oracle)."""
    rows = []
    for fold, (_, val, test) in enumerate(fold_plan(config)):
        model, run_config = model_from_checkpoint(load_checkpoint(folder / f"seed{seed}" / f"fold{fold}" / "last.pt"))

        def analyse(sample):
            image = normalise_image(sample.image, run_config.normalise)
            likelihood = predict_likelihood(model, image).astype(np.float64)
            target = np.asarray(sample.mask, bool).squeeze()
            region = None if sample.region is None else np.asarray(sample.region, bool).squeeze()
            if region is not None:
                likelihood = np.where(region, likelihood, 0.0)
            branches = morse_branches(likelihood, structure=STRUCTURE[dataset])
            return image, region, likelihood, target, branches, CONFIRMATION[dataset](branches, target)

        fitted = [analyse(s) for s in val]
        persistence = np.concatenate([a[4].persistence for a in fitted])
        truth = np.concatenate([a[5] >= 0.5 for a in fitted])
        candidates = np.unique(np.concatenate([persistence, [np.inf]]))
        eps = float(min(candidates, key=lambda t: int(np.sum((persistence >= t) != truth))))
        for sample in test:
            image, region, likelihood, target, branches, y = analyse(sample)
            # the network needs sides that are multiples of 2**depth: pad by reflection, crop back
            side = image.shape[-2:]
            padding = [(0, -(-n // model.required_multiple()) * model.required_multiple() - n) for n in side]
            padded = np.pad(image, [(0, 0)] * (image.ndim - 2) + padding, mode="symmetric")
            batch = torch.from_numpy(np.ascontiguousarray(padded, dtype=np.float32)).reshape(1, -1, *padded.shape[-2:])
            with torch.no_grad():
                draws = torch.sigmoid(model.sample(batch, samples, generator=torch.Generator().manual_seed(len(rows))))
            variance = draws[:, 0, 0, :side[0], :side[1]].double().var(dim=0, unbiased=False).numpy()
            if region is not None:
                variance = np.where(region, variance, 0.0)
            kept = (branches.persistence >= eps).astype(np.float64)
            sums = np.add.reduceat(variance.ravel()[branches.pixels], branches.offsets[:-1])
            areas = {order: simulate_proofreading(likelihood, target, branches, kept, order, confirmed=y, eps=eps,
                                                  pixel_uncertainty=variance, steps=10, seed=len(rows),
                                                  regions=REGIONS[dataset]).voi_area()
                     for order in ("pixel", "random", "persistence", "oracle")}
            rows.append({"fold": fold, "image": sample.name, "branches": len(branches), "eps": eps,
                         "wrong": ((kept >= 0.5) != (y >= 0.5)).tolist(),
                         "variance": (sums / np.diff(branches.offsets)).tolist(),
                         "persistence": (-np.abs(branches.persistence - eps)).tolist(), "areas": areas})
    return rows


def wilcoxon_text(area: np.ndarray, reference: np.ndarray) -> str:
    """The Wilcoxon signed-rank p of two orders' areas over the same images, as table text."""
    if np.array_equal(area, reference):
        return "the same order"
    return f"{stats.wilcoxon(area, reference).pvalue:.2g}"


def summarise_probabilistic(rows: list[dict]) -> list[str]:
    """AUROC of the sample variance and of the persistence distance, and proofreading areas."""
    pooled = {k: np.concatenate([np.asarray(r[k], float) for r in rows]) for k in ("wrong", "variance", "persistence")}
    lines = ["| model | images | wrong branches | AUROC sample variance | AUROC persistence distance | threshold (mean) |",
             "| --- | --- | --- | --- | --- | --- |",
             f"| probabilistic UNet | {len(rows)} | {pooled['wrong'].mean():.2%} | "
             f"{auroc(pooled['variance'], pooled['wrong']):.3f} | {auroc(pooled['persistence'], pooled['wrong']):.3f} | "
             f"{statistics.mean(r['eps'] for r in rows):.3f} |",
             "", "| order | VOI area (mean ± std over images) | Wilcoxon p against pixel |", "| --- | --- | --- |"]
    reference = np.array([r["areas"]["pixel"] for r in rows])
    for order in rows[0]["areas"]:
        area = np.array([r["areas"][order] for r in rows])
        p = "—" if order == "pixel" else wilcoxon_text(area, reference)
        lines.append(f"| {order} | {area.mean():.3f} ± {area.std():.3f} | {p} |")
    return lines


def summarise(results: dict[str, list[dict]]) -> list[str]:
    lines = ["| objective | images | wrong branches | AUROC uncertainty | AUROC same, log scale | "
             "AUROC persistence distance | same, logit scale | AUROC MC-dropout variance | ECE | prior median eps (mean) |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for objective, rows in results.items():
        scores = [k for k in ("structure", "structure_log", "persistence", "persistence_logit", "mc_dropout") if k in rows[0]]
        pooled = {k: np.concatenate([np.asarray(r[k], float) for r in rows]) for k in ["wrong", "stated", "true", *scores]}
        a = {k: f"{auroc(pooled[k], pooled['wrong']):.3f}" for k in scores}
        lines.append(f"| {objective} | {len(rows)} | {pooled['wrong'].mean():.2%} | {a['structure']} | "
                     f"{a['structure_log']} | {a['persistence']} | {a.get('persistence_logit', '—')} | {a.get('mc_dropout', '—')} | "
                     f"{ece(pooled['stated'], pooled['true']):.3f} | {statistics.mean(r['eps_median'] for r in rows):.3f} |")
    lines += ["", "| objective | order | VOI area (mean ± std over images) | Wilcoxon p against structure |",
              "| --- | --- | --- | --- |"]
    for objective, rows in results.items():
        reference = np.array([r["areas"]["structure"] for r in rows])
        for order in rows[0]["areas"]:
            area = np.array([r["areas"][order] for r in rows])
            p = "—" if order == "structure" else wilcoxon_text(area, reference)
            lines.append(f"| {objective} | {order} | {area.mean():.3f} ± {area.std():.3f} | {p} |")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", required=True, type=Path, help="the output folder of exp_real.py")
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--seeds", default="0", help="seeds run (each must be finished in --base)")
    parser.add_argument("--objectives", default="sound,seed")
    parser.add_argument("--probabilistic", action="store_true",
                        help="also fine-tune and score a probabilistic UNet (folder probabilistic; pixel-level baseline)")
    parser.add_argument("--dropout", type=float, default=0.0,
                        help="UNet dropout of the structural runs (> 0: folders <objective>-dropout, MC-dropout scores)")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    base = CVConfig.from_dict(json.loads((args.base / "pretrain" / "cv.json").read_text(encoding="utf-8"))["config"])
    dataset = base.base.dataset
    if dataset not in STRUCTURE:
        parser.error(f"--base: {args.base} holds a {dataset} run, not one of {', '.join(STRUCTURE)}")
    seeds = [int(s) for s in args.seeds.split(",")]
    runs = len(seeds) * base.folds
    if not finished(args.base / "plain", runs):
        parser.error(f"--base: {args.base / 'plain'} lacks seeds {args.seeds} (run exp_real.py first)")
    plain = CVConfig.from_dict(json.loads((args.base / "plain" / "cv.json").read_text())["config"]).base
    args.out.mkdir(parents=True, exist_ok=True)
    log = args.out / "commands.txt"
    network = network_flags(argparse.Namespace(
        dataset=dataset, root=base.base.root, train_count=base.base.train_count,
        sample_shape=base.base.sample_shape, folds=base.folds, seeds=args.seeds, depth=base.base.depth,
        width=base.base.width, patch_size=base.base.patch_size[0], batch_size=base.base.batch_size,
        steps_per_epoch=base.base.steps_per_epoch, threads=base.base.threads))
    objectives = [o for o in args.objectives.split(",") if o]
    results = {}
    names = [objective if args.dropout == 0 else f"{objective}-dropout" for objective in objectives]
    dropout = ["--dropout", str(args.dropout)] if args.dropout else []
    for objective, name in zip(objectives, names):
        folder = args.out / name
        if not finished(folder, runs):
            run(["cv", "--out", str(folder), *network, "--model", "structural", "--structure", STRUCTURE[dataset],
                 "--structural-objective", objective, "--loss", plain.loss, "--epochs", str(plain.epochs),
                 "--lr", str(plain.lr), "--init-from", str(args.base / "pretrain"), *dropout], log)
        results[name] = []
        results[f"{name} + branch model"] = []
        for seed in seeds:
            path = args.out / f"branches_{name}_seed{seed}.json"
            model_path = args.out / f"branches_{name}+branch-model_seed{seed}.json"
            if not (path.is_file() and model_path.is_file()):
                config = CVConfig.from_dict(json.loads((folder / "cv.json").read_text())["config"])
                for file, part in zip((path, model_path), branch_rows(folder, config, seed, dataset)):
                    file.with_suffix(".tmp").write_text(json.dumps(part))
                    file.with_suffix(".tmp").replace(file)
            results[name] += json.loads(path.read_text())
            results[f"{name} + branch model"] += json.loads(model_path.read_text())
    if args.probabilistic:
        folder = args.out / "probabilistic"
        if not finished(folder, runs):
            run(["cv", "--out", str(folder), *network, "--model", "probabilistic", "--loss", plain.loss,
                 "--epochs", str(plain.epochs), "--lr", str(plain.lr), "--init-from", str(args.base / "pretrain")], log)
        rows = []
        for seed in seeds:
            path = args.out / f"branches_probabilistic_seed{seed}.json"
            if not path.is_file():
                config = CVConfig.from_dict(json.loads((folder / "cv.json").read_text())["config"])
                path.with_suffix(".tmp").write_text(json.dumps(probabilistic_rows(folder, config, seed, dataset)))
                path.with_suffix(".tmp").replace(path)
            rows += json.loads(path.read_text())
        names.append("probabilistic")
    methods = [p.name for p in sorted(args.base.iterdir()) if p.name not in ("pretrain", "comparison")
               and (p / "per_image.csv").is_file()]
    suffix = "" if args.dropout == 0 else "_dropout"
    run(["compare", *(f"{m}={args.base / m}" for m in methods), *(f"{o}={args.out / o}" for o in names),
         "--baseline", "plain", "--out", str(args.out / f"comparison{suffix}"), "--figures", "0"], log)
    lines = summarise(results) if results else []
    if args.probabilistic:
        lines += ["", *summarise_probabilistic(rows)]
    (args.out / f"summary{suffix}.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
