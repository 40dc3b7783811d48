"""``toposeg persistence IMAGE``: persistence diagram and critical pixels of an image."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

NAME = "persistence"
HELP = "compute the persistence diagram and critical pixels of an image or volume"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("image", type=Path, help="PNG, TIFF or NPY file (2D or 3D)")
    parser.add_argument("--sublevel", action="store_true", help="filter by sublevel sets (distance maps)")
    parser.add_argument("--connectivity", type=int, default=1, help="1 (default) or the image dimension")
    parser.add_argument("--frame", type=float, default=None, help="pad a frame of this value first")
    parser.add_argument("--min-persistence", type=float, default=0.0, help="pairs to list and draw")
    parser.add_argument("--csv", type=Path, default=None, help="write the pairs to this CSV file")
    parser.add_argument("--figure", type=Path, default=None, help="write a figure (PNG) here")


def run(args: argparse.Namespace) -> int:
    from toposeg import cubical_persistence
    from toposeg.data import read_image

    for target in (args.csv, args.figure):
        if target is not None and not target.parent.exists():
            raise FileNotFoundError(f"output folder does not exist: {target.parent}")
    image = read_image(args.image)
    result = cubical_persistence(
        image, superlevel=not args.sublevel, connectivity=args.connectivity, frame=args.frame
    )
    print(f"{args.image}: {image.shape} {image.dtype}")
    for d in range(result.ndim):
        lifetimes = result.persistence(d)
        kept = int((lifetimes > args.min_persistence).sum())
        top = np.sort(lifetimes)[::-1][:3]
        print(f"  dim {d}: {len(lifetimes)} finite pairs, {kept} above {args.min_persistence}, "
              f"most persistent {', '.join(f'{v:.3g}' for v in top) or '-'}; "
              f"{len(result.essential(d).births)} essential")
    if args.csv is not None:
        write_pairs_csv(result, args.csv, args.min_persistence)
        print(f"  pairs written to {args.csv}")
    if args.figure is not None:
        write_figure(image, result, args.figure, args.min_persistence)
        print(f"  figure written to {args.figure}")
    return 0


def write_pairs_csv(result, path: Path, min_persistence: float = 0.0) -> None:
    """Write ``dim, birth, death, birth_pixel, death_pixel`` rows, atomically."""
    rows = ["dim,birth,death,birth_pixel,death_pixel"]
    for d in range(result.ndim):
        keep = result.persistence(d) > min_persistence
        for (b, e), (pb, pe) in zip(result.diagram(d)[keep], result.critical_pixels(d)[keep]):
            rows.append(f"{d},{b!r},{e!r},{pb},{pe}")
        for b, pb in zip(*result.essential(d)):
            rows.append(f"{d},{b!r},inf,{pb},")
    _write_atomically(path, "\n".join(rows) + "\n")


def write_figure(image, result, path: Path, min_persistence: float = 0.0) -> None:
    """Diagram and (for 2D images) critical pixels side by side, written atomically."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from toposeg.viz import plot_critical_pixels, plot_diagram

    panels = 2 if image.ndim == 2 else 1
    figure, axes = plt.subplots(1, panels, figsize=(5 * panels, 5))
    axes = np.atleast_1d(axes)
    plot_diagram(result, ax=axes[0])
    if panels == 2:
        plot_critical_pixels(image, result, min_persistence=min_persistence, ax=axes[1])
    figure.tight_layout()
    temporary = path.with_name(f".{path.name}.partial.png")
    figure.savefig(temporary, dpi=120)
    plt.close(figure)
    temporary.replace(path)


def _write_atomically(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.partial")
    temporary.write_text(text)
    temporary.replace(path)
