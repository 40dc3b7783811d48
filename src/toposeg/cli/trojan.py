"""``toposeg trojan``: Trojan detection by trigger hunting with a topological prior.

``zoo`` trains a model zoo, ``hunt`` reverse-engineers triggers of its models, ``detect``
cross-validates the bag-of-features detector (and the MAD baseline) and can save it, ``scan``
scores a user's own model, ``demo`` runs everything on about 100 models.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

NAME = "trojan"
HELP = "Trojan detection by trigger hunting with a topological prior (zoo, hunt, detect, scan, demo)"


def _hunt_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--triggers", type=int, default=3, help="candidates per class N_T (default 3)")
    parser.add_argument("--steps", type=int, default=40, help="gradient steps per round (default 40)")
    parser.add_argument("--lambda-div", type=float, default=1.0, help="weight of the diversity loss (default 1)")
    parser.add_argument("--lambda-topo", type=float, default=1.0,
                        help="weight of the topological prior (default 1; 0: no prior)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the trigger initialisation")


def _hunt_config(args: argparse.Namespace):
    from toposeg.trojan import HuntConfig

    return HuntConfig(num_triggers=args.triggers, steps=args.steps, lambda_div=args.lambda_div,
                      lambda_topo=args.lambda_topo, seed=args.seed)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="trojan_command", required=True, metavar="STEP")
    zoo = sub.add_parser("zoo", help="train (or resume) a zoo of small CNNs, half Trojaned")
    zoo.add_argument("--out", type=Path, required=True, help="zoo folder")
    zoo.add_argument("--count", type=int, default=200, help="models to attempt (default 200)")
    zoo.add_argument("--seed", type=int, default=0, help="zoo seed")
    zoo.add_argument("--epochs", type=int, default=None, help="training epochs per model (default: ZooConfig's, 10)")
    zoo.add_argument("--min-asr", type=float, default=0.9,
                     help="drop Trojaned models under this attack success rate (default 0.9)")
    zoo.add_argument("--hard", type=float, default=0.0,
                     help="probability of each harder trigger variant: one source class, a random "
                          "position per image, a blended pattern (default 0)")
    hunt = sub.add_parser("hunt", help="reverse-engineer triggers of every model of a zoo")
    hunt.add_argument("--zoo", type=Path, required=True, help="zoo folder")
    hunt.add_argument("--out", type=Path, required=True, help="folder of the per-model features")
    hunt.add_argument("--limit", type=int, default=None, help="only models with a smaller index")
    hunt.add_argument("--per-class", type=int, default=3, help="clean images per class (default 3)")
    _hunt_options(hunt)
    detect = sub.add_parser("detect", help="cross-validate the detector on hunted features")
    detect.add_argument("--hunt", type=Path, required=True, help="folder written by 'toposeg trojan hunt'")
    detect.add_argument("--folds", type=int, default=8, help="cross-validation folds (default 8)")
    detect.add_argument("--seeds", default="0,1,2", help="comma-separated seeds (default 0,1,2)")
    detect.add_argument("--save", type=Path, default=None, help="also train on all models and save here")
    scan = sub.add_parser("scan", help="hunt triggers of your own model and print a Trojan probability")
    scan.add_argument("model", type=Path, help="TorchScript file, pickled nn.Module or zoo checkpoint")
    scan.add_argument("--images", type=Path, required=True, help="folder of clean images")
    scan.add_argument("--detector", type=Path, required=True, help="file saved by 'detect --save'")
    scan.add_argument("--figure", type=Path, default=None, help="figure of the triggers (default MODEL.triggers.png)")
    demo = sub.add_parser("demo", help="zoo, hunt with and without the prior, detection tables")
    demo.add_argument("--out", type=Path, default=Path("outputs/trojan-demo"), help="output folder")
    demo.add_argument("--count", type=int, default=100, help="zoo size (default 100)")
    demo.add_argument("--quick", action="store_true", help="a tiny run for CI (seconds)")
    demo.add_argument("--no-progress", action="store_true", help="no progress bars")
    for step in (zoo, hunt, detect, scan, demo):
        step.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")


def _seeds(text: str) -> tuple[int, ...]:
    try:
        seeds = tuple(int(s) for s in text.split(",") if s.strip())
    except ValueError:
        raise ValueError(f"--seeds must be comma-separated integers, got {text!r}") from None
    if not seeds:
        raise ValueError("--seeds must name at least one seed")
    return seeds


def run(args: argparse.Namespace) -> int:
    import torch

    torch.set_num_threads(args.threads)
    return {"zoo": _zoo, "hunt": _hunt, "detect": _detect, "scan": _scan, "demo": _demo}[args.trojan_command](args)


def _zoo(args: argparse.Namespace) -> int:
    from toposeg.trojan import ZooConfig, build_zoo
    from toposeg.trojan.zoo import iter_records

    epochs = ZooConfig.epochs if args.epochs is None else args.epochs
    config = ZooConfig(count=args.count, seed=args.seed, epochs=epochs, min_asr=args.min_asr, source_specific=args.hard,
                       random_position=args.hard, blended=args.hard)
    models = build_zoo(args.out, config)
    records = list(iter_records(args.out))
    dropped = sum(not r["kept"] for r in records)
    trojaned = [m for m in models if m.trojaned]
    print(f"{len(models)} models kept ({len(trojaned)} Trojaned), {dropped} Trojaned dropped under "
          f"{config.min_asr:.0%} attack success; mean clean accuracy "
          f"{np.mean([m.accuracy for m in models]):.3f}, mean attack success "
          f"{np.mean([m.asr for m in trojaned]) if trojaned else float('nan'):.3f}")
    return 0


def _hunt(args: argparse.Namespace) -> int:
    from toposeg.trojan import hunt_zoo

    records = hunt_zoo(args.zoo, args.out, _hunt_config(args), limit=args.limit, per_class=args.per_class)
    print(f"{len(records)} models hunted; {np.mean([r.seconds for r in records]):.2f} s per model")
    return 0


def _detect(args: argparse.Namespace) -> int:
    from toposeg.trojan import HuntConfig, fit_detector, load_hunt
    from toposeg.trojan.report import detection_rows
    from toposeg.trojan.scan import save_detector

    seeds = _seeds(args.seeds)
    records = load_hunt(args.hunt)
    if not records:
        raise FileNotFoundError(f"{args.hunt} holds no hunting results; run 'toposeg trojan hunt' first")
    print(f"{len(records)} models ({sum(r.trojaned for r in records)} Trojaned), "
          f"{args.folds}-fold cross-validation, seeds {seeds}")
    for name, summary in detection_rows(records, folds=args.folds, seeds=seeds):
        print(f"{name:38s} {summary if isinstance(summary, str) else summary.summary()}")
    if args.save is not None:
        import json

        config = json.loads((args.hunt / "config.json").read_text())
        config.pop("per_class", None)
        bags = np.stack([r.features for r in records])
        labels = np.array([int(r.trojaned) for r in records])
        save_detector(args.save, fit_detector(bags, labels), HuntConfig(**config))
        print(f"detector trained on all {len(records)} models saved to {args.save}")
    return 0


def _scan(args: argparse.Namespace) -> int:
    from toposeg.trojan import load_model_file
    from toposeg.trojan.scan import load_detector, plot_triggers, read_image_folder, scan_model

    detector, config = load_detector(args.detector)
    model, _ = load_model_file(args.model)
    images = read_image_folder(args.images)
    result = scan_model(model, images, detector, config)
    figure = args.figure or args.model.with_suffix(".triggers.png")
    plot_triggers(result.triggers, figure, title=f"{args.model.name}: P(Trojan) = {result.probability:.2f}")
    print(f"{args.model.name}: {len(result.triggers)} trigger candidates from {len(images)} images; "
          f"P(Trojan) = {result.probability:.3f}; figure {figure}")
    return 0


def _demo(args: argparse.Namespace) -> int:
    from toposeg.trojan import HuntConfig, ZooConfig, build_zoo, hunt_zoo
    from toposeg.trojan.report import detection_rows, recovery_summary

    start = time.perf_counter()
    count, steps, folds, seeds = (12, 10, 3, (0,)) if args.quick else (args.count, 25, 8, (0, 1, 2))
    out = args.out / "quick" if args.quick else args.out
    progress = not args.no_progress
    # --quick: 3 epochs rarely reach 90 % attack success, so no Trojaned model is dropped there
    zoo = ZooConfig(count=count, epochs=3, min_asr=0.0) if args.quick else ZooConfig(count=count)
    models = build_zoo(out / "zoo", zoo, progress=progress)
    print(f"zoo: {len(models)} models ({sum(m.trojaned for m in models)} Trojaned), clean accuracy "
          f"{np.mean([m.accuracy for m in models]):.3f}")
    variants = {"with the topological prior": HuntConfig(steps=steps),
                "without the prior (lambda2 = 0)": HuntConfig(steps=steps, lambda_topo=0.0)}
    table = []
    for name, config in variants.items():
        folder = out / ("hunt-prior" if config.lambda_topo else "hunt-noprior")
        records = hunt_zoo(out / "zoo", folder, config, per_class=2, progress=progress)
        recovery = recovery_summary(records)
        table.append((name, recovery["iou"], recovery["target_hit"], recovery["components"],
                      detection_rows(records, folds=folds, seeds=seeds)))
    print("\ntrigger recovery on the Trojaned models (like thesis Table 4.4)")
    print(f"{'hunt':34s} {'trigger IoU':>11s} {'target hit':>10s} {'components':>10s}")
    for name, iou, hit, components, _ in table:
        print(f"{name:34s} {iou:11.3f} {hit:10.3f} {components:10.2f}")
    print(f"\ndetection, {folds}-fold cross-validation, seeds {seeds} (like thesis Table 4.1)")
    for name, *_, rows in table:
        print(f"-- hunt {name}")
        for row, summary in rows:
            print(f"{row:38s} {summary if isinstance(summary, str) else summary.summary()}")
    print(f"\nfinished in {time.perf_counter() - start:.0f} s; zoo and features in {out}")
    return 0
