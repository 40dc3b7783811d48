"""``toposeg predict CHECKPOINT INPUT...``: likelihoods and masks of images or volumes of any size.

A binary network writes ``NAME_likelihood`` (float32) and ``NAME_mask`` (0/255); a network of
``C >= 2`` classes writes ``NAME_likelihood`` with one channel per class, ``(C, *spatial)``,
and ``NAME_mask`` as the label image of the most likely class (uint8, 0 = background).

With ``--samples K`` a structural model (``toposeg train --model structural``) also writes
``NAME_uncertainty`` (float32, the per-pixel variance of K sampled structural segmentations) and
``NAME_branches.csv`` (one row per Morse branch of the likelihood: id, pixels, persistence,
inclusion probability, uncertainty), from :func:`toposeg.uncertainty.predict_structures` with
the prior net's threshold distribution of the whole image.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from toposeg.data.io import IMAGE_SUFFIXES

NAME = "predict"
HELP = "segment images or volumes of any size with a trained network (overlapping sliding windows)"

#: Columns of ``NAME_branches.csv`` (:meth:`toposeg.uncertainty.StructuralPrediction.branch_table`).
BRANCH_COLUMNS = ("branch", "pixels", "persistence", "probability", "uncertainty")

#: The smallest side the prior net of a structural model takes (three 2x poolings).
PRIOR_MINIMUM = 8


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("checkpoint", type=Path, help="best.pt or last.pt of toposeg train")
    parser.add_argument("inputs", type=Path, nargs="+",
                        help="image files or folders of them (PNG, JPEG, GIF, TIFF, NPY)")
    parser.add_argument("--out", type=Path, required=True, help="output folder (created)")
    parser.add_argument("--window", default=None,
                        help="sliding-window size, e.g. 128 or 128,128 (default: the whole image up to 2048x2048, "
                             "else four training patches)")
    parser.add_argument("--overlap", type=float, default=0.5, help="fraction shared by neighbouring windows")
    parser.add_argument("--blend", choices=("gaussian", "constant"), default="gaussian",
                        help="weights of overlapping windows")
    parser.add_argument("--threshold", type=float, default=None,
                        help="mask threshold (default: the run's); a multi-class network takes the most likely class")
    parser.add_argument("--format", choices=("tif", "npy"), default="tif",
                        help="file type of the likelihoods (float32; per class, channels first, for a "
                             "multi-class network) and of 3D masks; 2D masks are PNG (labels 0..C-1 for C classes)")
    parser.add_argument("--samples", type=int, default=None, metavar="K",
                        help="structural model only: draw K structures and write NAME_uncertainty (pixel "
                             "variance of the K structural segmentations) and NAME_branches.csv")
    parser.add_argument("--sample-seed", type=int, default=0, help="seed of the drawn structures (--samples)")
    parser.add_argument("--threads", type=int, default=None, help="torch threads")
    parser.add_argument("--no-progress", action="store_true", help="do not show a progress bar")


def _input_files(inputs: list[Path]) -> list[Path]:
    files: list[Path] = []
    missing = [str(path) for path in inputs if not path.exists()]
    if missing:
        raise FileNotFoundError(f"no such file or folder: {', '.join(missing)}")
    for path in inputs:
        if path.is_dir():
            found = sorted(p for p in path.iterdir()
                           if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in IMAGE_SUFFIXES)
            if not found:
                raise ValueError(f"no image files ({', '.join(IMAGE_SUFFIXES)}) in {path}")
            files += found
        else:
            files.append(path)
    stems: dict[str, Path] = {}
    for path in files:
        if path.stem in stems:
            raise ValueError(f"two inputs would write the same outputs: {stems[path.stem]} and {path}")
        stems[path.stem] = path
    return files


def _write(path: Path, array: np.ndarray) -> None:
    from toposeg._atomic import atomic_file

    with atomic_file(path) as file:
        if path.suffix == ".npy":
            np.save(file, array)
        elif path.suffix == ".png":
            import imageio.v3 as iio

            file.write(iio.imwrite("<bytes>", array, extension=".png"))
        else:
            import tifffile

            tifffile.imwrite(file, array, photometric="minisblack")  # channels or sections, never RGB


def _write_branches(path: Path, rows: list[dict[str, float | int]]) -> None:
    import csv
    import io

    from toposeg._atomic import write_text_atomically

    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=BRANCH_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    write_text_atomically(path, text.getvalue())



def run(args: argparse.Namespace) -> int:
    import torch
    from tqdm import tqdm

    from toposeg.data import normalise_image, read_image
    from toposeg.train import default_window, load_checkpoint, model_from_checkpoint, predict_likelihood
    from toposeg.train.checkpoint import structural_model_from_checkpoint
    from toposeg.train.evaluation import segment
    from toposeg.train.preprocessing import preprocess_channels

    if args.threads is not None:
        torch.set_num_threads(args.threads)
    if args.samples is not None and args.samples < 1:
        raise ValueError(f"--samples must be at least 1, got {args.samples}")
    state = load_checkpoint(args.checkpoint)
    model, config = model_from_checkpoint(state)
    structural = None
    if args.samples is not None:
        if config.model != "structural":
            raise ValueError(f"--samples needs a structural model, but {args.checkpoint} holds a "
                             f"{config.model!r} network (train with --model structural)")
        structural, _ = structural_model_from_checkpoint(state)
    ndim = len(config.patch_size)
    if args.window is None:
        window = None  # per image: default_window
    else:
        window = tuple(int(v) for v in args.window.split(","))
        window = window[0] if len(window) == 1 else window
    threshold = config.threshold if args.threshold is None else args.threshold
    if not 0.0 <= threshold <= 1.0:
        raise ValueError(f"--threshold must lie in [0, 1], got {threshold}")
    if structural is not None and not 0.0 < threshold < 1.0:
        raise ValueError(f"--threshold must lie strictly between 0 and 1 with --samples, got {threshold}")
    files = _input_files(args.inputs)
    channels = config.channels or 1
    images, problems = {}, []
    for path in files:  # read and check every input before writing anything; report every problem
        try:
            image = read_image(path, channels=channels > 1)
        except ValueError as error:
            problems.append(str(error))
            continue
        expected = (ndim,) if channels == 1 else (ndim + 1,)
        if image.ndim not in expected or (channels > 1 and image.shape[0] != channels):
            kind = f"{ndim}D" + (f" with {channels} channels" if channels > 1 else "")
            problems.append(f"{path}: the network segments {kind} inputs, got shape {image.shape}")
        elif image.dtype.kind not in "biuf" or not np.isfinite(image).all():
            problems.append(f"{path}: the image must hold finite real numbers")
        elif structural is not None and min(image.shape[-ndim:]) < PRIOR_MINIMUM:
            problems.append(f"{path}: the structural model's prior net needs at least {PRIOR_MINIMUM} pixels "
                            f"per axis, got shape {image.shape}")
        else:
            images[path] = image
    if problems:
        raise ValueError(f"{len(problems)} bad input(s), nothing written:\n  " + "\n  ".join(problems))
    predict_likelihood(model, np.zeros((channels,) * (channels > 1) + (1,) * ndim, dtype=np.float32), window=window, overlap=args.overlap,
                       blend=args.blend)  # bad window, overlap: an error now
    args.out.mkdir(parents=True, exist_ok=True)
    for path in tqdm(files, desc="predict", unit="image", file=sys.stderr, disable=True if args.no_progress else None):
        image = images.pop(path)
        if config.preprocess is not None:  # as the network's training inputs were
            image = preprocess_channels(image, ndim, config.preprocess)
        image_window = window if window is not None else default_window(
            image.shape[-ndim:], config.patch_size, model.required_multiple())
        normalised = normalise_image(image, config.normalise)
        likelihood = predict_likelihood(model, normalised, window=image_window, overlap=args.overlap,
                                        blend=args.blend)
        mask = segment(likelihood, threshold, config.classes)
        mask = (mask * 255).astype(np.uint8) if config.classes == 1 else mask
        if structural is not None:  # computed before anything of this input is written
            prediction = structural_prediction(structural, normalised, likelihood, config, samples=args.samples,
                                               threshold=threshold, seed=args.sample_seed)
        _write(args.out / f"{path.stem}_likelihood.{args.format}", likelihood)
        _write(args.out / f"{path.stem}_mask.{'png' if ndim == 2 else args.format}", mask)
        if structural is not None:
            _write(args.out / f"{path.stem}_uncertainty.{args.format}", prediction.pixel_uncertainty)
            _write_branches(args.out / f"{path.stem}_branches.csv", prediction.branch_table())
    rule = f"threshold {threshold}" if config.classes == 1 else f"label images of {config.classes} classes"
    extra = f", uncertainty maps and branch tables ({args.samples} structures)" if structural is not None else ""
    print(f"{len(files)} input(s) segmented; likelihoods and masks ({rule}){extra} written to {args.out}")
    return 0



def structural_prediction(model, normalised: np.ndarray, likelihood: np.ndarray, config, *, samples: int,
                          threshold: float, seed: int):
    """:func:`toposeg.uncertainty.predict_structures` of one likelihood, under the prior net's
    distribution for the whole normalised image (``(*spatial)`` or ``(C, *spatial)``)."""
    import torch

    from toposeg.uncertainty import predict_structures

    ndim = len(config.patch_size)
    batch = torch.from_numpy(np.ascontiguousarray(normalised, dtype=np.float32)).reshape(
        1, -1, *normalised.shape[-ndim:])
    with torch.no_grad():
        prior = model.prior(batch)
    return predict_structures(likelihood, prior, samples=samples, structure=config.structure, threshold=threshold,
                              rule=config.structural_objective, generator=torch.Generator().manual_seed(seed))
