"""``toposeg preprocess INPUT... --out DIR``: topological preprocessing of images (seed 004)."""

from __future__ import annotations

import argparse
from pathlib import Path

NAME = "preprocess"
HELP = "process images topologically (smooth, border, lifetime gap, object marking, interpolation)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("inputs", type=Path, nargs="+", help="image files or folders of them (PNG, TIFF, NPY)")
    parser.add_argument("--out", type=Path, required=True, help="output folder (created)")
    parser.add_argument("--options", default="default",
                        help="preprocessing options KEY=VALUE,... e.g. 'objects=bright,smoothing=5,border=2' "
                             "(keys: objects, smoothing, border, threshold, connectivity, power)")
    parser.add_argument("--figure", action="store_true",
                        help="also write <name>_preprocess.png: diagram with gap and threshold, objects, before/after")


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from toposeg.cli.predict import _input_files, _write
    from toposeg.data import read_image
    from toposeg.preprocess import PreprocessOptions, topological_preprocess

    options = PreprocessOptions.from_text(args.options)
    files = _input_files(args.inputs)
    images = {path: read_image(path) for path in files}  # read and check everything first
    results = {}
    for path, image in images.items():
        try:
            results[path] = topological_preprocess(image, options)
        except (TypeError, ValueError) as error:
            raise ValueError(f"{path}: {error}") from error
    args.out.mkdir(parents=True, exist_ok=True)
    for path, result in results.items():
        _write(args.out / f"{path.stem}_processed.tif", result.image.astype(np.float32))
        _write(args.out / f"{path.stem}_objects.tif", result.labels)
        if args.figure:
            import matplotlib

            matplotlib.use("Agg")
            import matplotlib.pyplot as plt

            from toposeg.viz.preprocess import plot_preprocessing

            figure = plot_preprocessing(images[path], result)
            figure.savefig(args.out / f"{path.stem}_preprocess.png", dpi=100)
            plt.close(figure)
        print(f"{path.name}: {result.count} objects above lifetime {result.threshold:.4g}")
    print(f"{len(files)} image(s) processed into {args.out} ({options.to_text()})")
    return 0
