"""``toposeg predict CHECKPOINT INPUT...``: likelihoods and masks of images or volumes of any size.

A binary network writes ``NAME_likelihood`` (float32) and ``NAME_mask`` (0/255); a network of
``C >= 2`` classes writes ``NAME_likelihood`` with one channel per class, ``(C, *spatial)``,
and ``NAME_mask`` as the label image of the most likely class (uint8, 0 = background).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from toposeg.data.io import IMAGE_SUFFIXES

NAME = "predict"
HELP = "segment images or volumes of any size with a trained network (overlapping sliding windows)"


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


def run(args: argparse.Namespace) -> int:
    import torch
    from tqdm import tqdm

    from toposeg.data import normalise_image, read_image
    from toposeg.train import default_window, load_checkpoint, model_from_checkpoint, predict_likelihood
    from toposeg.train.evaluation import segment
    from toposeg.train.preprocessing import preprocess_channels

    if args.threads is not None:
        torch.set_num_threads(args.threads)
    model, config = model_from_checkpoint(load_checkpoint(args.checkpoint))
    ndim = len(config.patch_size)
    if args.window is None:
        window = None  # per image: default_window
    else:
        window = tuple(int(v) for v in args.window.split(","))
        window = window[0] if len(window) == 1 else window
    threshold = config.threshold if args.threshold is None else args.threshold
    if not 0.0 <= threshold <= 1.0:
        raise ValueError(f"--threshold must lie in [0, 1], got {threshold}")
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
        likelihood = predict_likelihood(model, normalise_image(image, config.normalise),
                                        window=image_window, overlap=args.overlap, blend=args.blend)
        mask = segment(likelihood, threshold, config.classes)
        mask = (mask * 255).astype(np.uint8) if config.classes == 1 else mask
        _write(args.out / f"{path.stem}_likelihood.{args.format}", likelihood)
        _write(args.out / f"{path.stem}_mask.{'png' if ndim == 2 else args.format}", mask)
    rule = f"threshold {threshold}" if config.classes == 1 else f"label images of {config.classes} classes"
    print(f"{len(files)} input(s) segmented; likelihoods and masks ({rule}) written to {args.out}")
    return 0
