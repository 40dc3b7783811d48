"""``toposeg evaluate PRED GT``: score predicted masks or likelihoods against ground truth;
``toposeg evaluate --checkpoint CKPT``: score a trained network on a dataset split."""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

NAME = "evaluate"
HELP = ("score predicted masks or likelihoods against ground-truth masks (files or folders), "
        "or a trained network (--checkpoint) on a dataset split")


@dataclass(frozen=True)
class EvaluationConfig:
    """The options of one ``toposeg evaluate`` run, saved in its JSON output."""

    pred: str
    gt: str
    metrics: tuple[str, ...]
    threshold: float
    options: dict[str, object] = field(default_factory=dict)
    classes: int = 1


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from toposeg.metrics import METRICS

    names = ", ".join(f"{m.name}{'*' if m.default else ''}" for m in METRICS)
    parser.add_argument("pred", type=Path, nargs="?",
                        help="prediction file, or folder of them (PNG, TIFF, NPY; 2D or 3D); the output folder "
                             "of toposeg predict works as it is (NAME_mask files are scored against NAME)")
    parser.add_argument("gt", type=Path, nargs="?",
                        help="ground-truth file or folder; folder files are matched by name")
    network = parser.add_argument_group("a trained network instead of PRED GT")
    network.add_argument("--checkpoint", type=Path, default=None,
                         help="best.pt or last.pt of toposeg train: predict a dataset split and score it")
    network.add_argument("--dataset", default=None,
                         help="dataset name or 'folder' (default: the one the network was trained on)")
    network.add_argument("--root", type=Path, default=None, help="data folder, for --dataset folder")
    network.add_argument("--split", choices=("train", "val", "test"), default="test", help="split to score")
    network.add_argument("--count", type=int, default=None, help="samples of a built-in split (default 8)")
    network.add_argument("--window", default=None,
                         help="sliding-window size, e.g. 128 or 128,128 (default: whole samples)")
    parser.add_argument(
        "--metrics", default="default",
        help=f"comma-separated metric names, 'default' or 'all' (default: 'default'). Metrics: {names} "
             "(* = in the default set)",
    )
    parser.add_argument("--threshold", type=float, default=0.5,
                        help="likelihoods >= threshold are foreground (default 0.5); "
                             "binary masks are used as they are")
    parser.add_argument("--classes", type=int, default=None,
                        help="score label images of C classes (the background 0 counted), each class "
                             "one-vs-rest, with columns <metric>_c<k> and their mean: PRED holds labels "
                             "0..C-1 or per-class likelihoods (C, *spatial), e.g. toposeg predict's outputs; "
                             "GT holds labels (default 1: binary masks; with --checkpoint: the network's)")
    parser.add_argument("--connectivity", type=int, default=None,
                        help="foreground connectivity: 1 (4/6-connected, default) or the image dimension")
    parser.add_argument("--regions", choices=("foreground", "background"), default=None,
                        help="regions compared by adapted_rand, voi, ap75: foreground components (default) "
                             "or background components, e.g. cells between membranes")
    parser.add_argument("--patch-size", type=int, default=None,
                        help="Betti error window size (default 64)")
    parser.add_argument("--patches", type=int, default=None,
                        help="number of random Betti error windows (default 100)")
    parser.add_argument("--seed", type=int, default=None,
                        help="seed of random windows and TLTS pairs (default 0)")
    parser.add_argument("--tolerance", type=float, default=None,
                        help="distance tolerance in pixels of ccq, apls, tlts, jct (default 5)")
    parser.add_argument("--metric-option", dest="metric_options", action="append", default=None,
                        metavar="KEY=VALUE",
                        help="metric option (repeat), as in toposeg train, e.g. regions=background; "
                             "the flags above are shortcuts for the same options")
    parser.add_argument("--csv", type=Path, default=None,
                        help="write the summary (metric, mean, std, count) here")
    parser.add_argument("--samples-csv", type=Path, default=None,
                        help="write one row of scores per sample here")
    parser.add_argument("--json", type=Path, default=None,
                        help="write samples, summary, skipped files and the run's configuration here")
    parser.add_argument("--no-progress", action="store_true", help="do not show a progress bar")


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from toposeg.metrics import MetricAccumulator

    for target in (args.csv, args.samples_csv, args.json):
        if target is not None and not target.parent.is_dir():
            raise FileNotFoundError(f"output folder does not exist: {target.parent}")
    if not 0.0 <= args.threshold <= 1.0:
        raise ValueError(f"--threshold must lie in [0, 1], got {args.threshold}")
    paths = (args.pred is not None, args.gt is not None)
    if (args.checkpoint is None and not all(paths)) or (args.checkpoint is not None and any(paths)):
        raise ValueError("give PRED and GT, or --checkpoint (with --dataset/--split), not both")
    options = {
        key: value
        for key, value in (
            ("connectivity", args.connectivity), ("regions", args.regions),
            ("patch_size", args.patch_size), ("patches", args.patches),
            ("seed", args.seed), ("tolerance", args.tolerance),
        )
        if value is not None
    }
    if args.metric_options:
        from toposeg.cli.train import _options

        for key, value in _options(args.metric_options, nested=False).items():
            if key in options and options[key] != value:
                raise ValueError(f"metric option {key} given twice with different values ({options[key]!r}, {value!r})")
            options[key] = value
    names = tuple(name.strip() for name in args.metrics.split(",") if name.strip())
    if args.classes is not None and args.classes < 1:
        raise ValueError(f"--classes must be >= 1, got {args.classes}")
    if args.checkpoint is not None:
        if args.classes is not None:
            raise ValueError("--classes is for PRED GT: with --checkpoint, the network's classes are used")
        return _run_checkpoint(args, names, options)
    classes = args.classes or 1
    scores = MetricAccumulator(names, options=options, classes=classes)
    pairs, unmatched = match_files(args.pred, args.gt)
    for name, reason in unmatched:
        scores.add_failure(name, reason)
    for name, pred_path, gt_path in tqdm(
        pairs, desc="evaluate", unit="pair", file=sys.stderr, disable=True if args.no_progress else None
    ):
        try:
            if classes == 1:
                pred, gt = load_prediction(pred_path, args.threshold), load_truth(gt_path)
            else:
                pred, gt = load_labels(pred_path, classes, likelihoods=True), load_labels(gt_path, classes)
            if pred.shape != gt.shape:
                raise ValueError(f"{pred_path} has shape {pred.shape} but {gt_path} has shape {gt.shape}")
            scores.update(pred, gt, name=name)
        except (ValueError, TypeError, OSError) as error:
            message = str(error)
            if str(pred_path) not in message and str(gt_path) not in message:
                message = f"{pred_path} vs {gt_path}: {message}"
            scores.add_failure(name, message)
    print(f"{len(scores.rows)} of {len(pairs) + len(unmatched)} samples scored "
          f"({', '.join(m.name for m in scores.metrics)})")
    print(scores.format_table())
    if scores.failures:
        print(f"{len(scores.failures)} skipped:", file=sys.stderr)
        for name, reason in scores.failures:
            print(f"  {name}: {reason}", file=sys.stderr)
    config = EvaluationConfig(str(args.pred), str(args.gt), tuple(m.name for m in scores.metrics),
                              args.threshold, options, classes)
    _write_outputs(args, scores, asdict(config))
    return 1 if scores.failures else 0


def _run_checkpoint(args: argparse.Namespace, names: tuple[str, ...], options: dict[str, object]) -> int:
    from toposeg.train import evaluate_checkpoint

    if args.root is not None and args.dataset not in (None, "folder"):
        raise ValueError("--root is for --dataset folder")
    window = None if args.window is None else tuple(int(v) for v in args.window.split(","))
    if window is not None and len(window) == 1:
        window = window[0]  # every axis
    scores = evaluate_checkpoint(args.checkpoint, dataset=args.dataset, split=args.split, root=args.root,
                                 count=args.count, metrics=names, options=options or None, window=window,
                                 threshold=args.threshold)
    print(f"{len(scores.rows)} samples of the {args.split} split scored with {args.checkpoint} "
          f"({', '.join(m.name for m in scores.metrics)})")
    print(scores.format_table())
    config = {"checkpoint": str(args.checkpoint), "dataset": args.dataset, "root": None if args.root is None else
              str(args.root), "split": args.split, "count": args.count, "window": window,
              "metrics": [m.name for m in scores.metrics], "threshold": args.threshold, "options": options}
    _write_outputs(args, scores, config)
    return 0


def _write_outputs(args: argparse.Namespace, scores, config: dict[str, object]) -> None:
    if args.csv is not None:
        scores.write_csv(args.csv)
        print(f"summary written to {args.csv}")
    if args.samples_csv is not None:
        scores.write_csv(args.samples_csv, table="samples")
        print(f"per-sample scores written to {args.samples_csv}")
    if args.json is not None:
        scores.write_json(args.json, config=config)
        print(f"scores and configuration written to {args.json}")


def match_files(pred: Path, gt: Path) -> tuple[list[tuple[str, Path, Path]], list[tuple[str, str]]]:
    """Pairs ``(name, pred file, gt file)`` and the files left without a partner.

    Two files make one pair; two folders are matched by file name without suffix (``a.png``
    with ``a.tif``). A name that occurs twice in one folder, or in only one folder, is
    reported instead of scored. In the prediction folder, ``toposeg predict``'s outputs
    ``NAME_mask.*`` are matched with ``NAME`` (its ``NAME_likelihood.*`` files are then left
    aside, unless there is no mask).

    Raises
    ------
    FileNotFoundError
        If a path does not exist.
    ValueError
        If one path is a file and the other a folder, a folder has no image files, or the two
        folders have no name in common.
    """
    from toposeg.data.io import IMAGE_SUFFIXES

    for path in (pred, gt):
        if not path.exists():
            raise FileNotFoundError(f"no such file or folder: {path}")
    if pred.is_file() and gt.is_file():
        return [(pred.stem, pred, gt)], []
    if pred.is_file() or gt.is_file():
        raise ValueError(f"PRED and GT must both be files or both be folders, got {pred} and {gt}")
    problems: list[tuple[str, str]] = []
    found = []
    for folder in (pred, gt):
        by_name: dict[str, list[Path]] = {}
        for path in sorted(folder.iterdir()):
            if path.is_file() and path.suffix.lower() in IMAGE_SUFFIXES:
                by_name.setdefault(path.stem, []).append(path)
        if not by_name:
            raise ValueError(f"no image files ({', '.join(IMAGE_SUFFIXES)}) in {folder}")
        found.append(by_name)
    pred_files, gt_files = _predict_outputs(found[0], set(found[1])), found[1]
    pairs = []
    for name in sorted(set(pred_files) | set(gt_files)):
        candidates = pred_files.get(name, []) + gt_files.get(name, [])
        if len(pred_files.get(name, [])) > 1 or len(gt_files.get(name, [])) > 1:
            problems.append((name, "ambiguous name: " + ", ".join(str(p) for p in candidates)))
        elif name not in gt_files:
            problems.append((name, f"no ground truth for {pred_files[name][0]} in {gt}"))
        elif name not in pred_files:
            problems.append((name, f"no prediction for {gt_files[name][0]} in {pred}"))
        else:
            pairs.append((name, pred_files[name][0], gt_files[name][0]))
    if not pairs and not problems:
        raise ValueError(f"no file names in common between {pred} and {gt}")
    if not pairs:
        raise ValueError(
            f"no pair of files to score in {pred} and {gt}: "
            + "; ".join(f"{name}: {reason}" for name, reason in problems[:5])
        )
    return pairs, problems


def _predict_outputs(by_name: dict[str, list[Path]], truth: set[str]) -> dict[str, list[Path]]:
    """Prediction files by name, with ``toposeg predict``'s ``NAME_mask`` (else ``NAME_likelihood``)
    taken as ``NAME`` when ``NAME`` is a ground-truth name and not itself a prediction file."""
    renamed: dict[str, list[Path]] = {}
    for suffix in ("_mask", "_likelihood"):
        for name, paths in by_name.items():
            base = name.removesuffix(suffix)
            if name.endswith(suffix) and base in truth and base not in by_name and base not in renamed:
                renamed[base] = paths
    used = {p for paths in renamed.values() for p in paths}
    kept = {n: ps for n, ps in by_name.items() if not any(p in used for p in ps)}
    leftover = {f"{n}_likelihood" for n in renamed}
    return {**{n: ps for n, ps in kept.items() if n not in leftover}, **renamed}


def load_prediction(path: Path, threshold: float) -> np.ndarray:
    """Binary prediction: a 0/1 mask as is, likelihoods in [0, 1] (or 8-bit grey levels 0..255
    in a uint8 array or PNG file, divided by 255) thresholded at ``>= threshold``."""
    from toposeg.data import read_image

    array = read_image(path)
    if array.dtype == bool:
        return array
    if array.dtype.kind not in "iuf":
        raise TypeError(f"{path}: cannot use an image of dtype {array.dtype}")
    if array.dtype.kind == "f" and not np.isfinite(array).all():
        raise ValueError(f"{path}: the prediction contains NaN or infinite values")
    low, high = array.min(), array.max()
    if low >= 0 and high <= 1:
        return array >= threshold
    if low >= 0 and high <= 255 and (array.dtype == np.uint8 or path.suffix.lower() == ".png"):
        return array / 255.0 >= threshold
    raise ValueError(
        f"{path}: the prediction must be a binary mask, likelihoods in [0, 1] or 8-bit grey levels "
        f"0..255, got values in [{low}, {high}] of dtype {array.dtype}"
    )


def load_labels(path: Path, classes: int, *, likelihoods: bool = False) -> np.ndarray:
    """A label image of ``classes`` classes: integers ``0 .. classes - 1`` (or a 0/1 mask), or,
    with ``likelihoods``, float per-class likelihoods ``(classes, *spatial)`` reduced to the most
    likely class."""
    from toposeg.data import read_image

    array = read_image(path)
    if array.dtype == bool:
        return array.astype(np.uint8)
    if array.dtype.kind == "f":
        if likelihoods and array.ndim in (3, 4) and array.shape[0] == classes and np.isfinite(array).all():
            return np.argmax(array, axis=0).astype(np.uint8)
        kind = f"labels or ({classes}, *spatial) likelihoods" if likelihoods else "labels"
        raise ValueError(f"{path}: expected {kind} of {classes} classes, got float values of shape {array.shape}")
    if array.dtype.kind not in "iu":
        raise TypeError(f"{path}: cannot use an image of dtype {array.dtype}")
    if array.size and (array.min() < 0 or array.max() >= classes):
        raise ValueError(f"{path}: labels must lie in 0 .. {classes - 1} (--classes {classes}), got values in "
                         f"[{array.min()}, {array.max()}]")
    return array


def load_truth(path: Path) -> np.ndarray:
    """Binary ground truth: 0 and one other value (0/1, 0/255, ...), foreground = non-zero."""
    from toposeg.data import read_image

    array = read_image(path)
    if array.dtype == bool:
        return array
    if array.dtype.kind not in "iuf":
        raise TypeError(f"{path}: cannot use an image of dtype {array.dtype}")
    foreground = array != 0
    values = array[foreground]
    if values.size and not (values.min() > 0 and values.min() == values.max()):
        stray = np.unique(values)[:4]
        raise ValueError(
            f"{path}: the ground truth must be binary (0 and one other value, e.g. 0/1 or 0/255), "
            f"got non-zero values such as {', '.join(str(v) for v in stray)}"
        )
    return foreground
