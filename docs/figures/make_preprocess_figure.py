"""Draw docs/figures/preprocess_membranes.png: topological preprocessing of a synthetic
membrane image (bright cells as objects).

    python docs/figures/make_preprocess_figure.py
"""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from toposeg.data import get_dataset  # noqa: E402
from toposeg.preprocess import topological_preprocess  # noqa: E402
from toposeg.viz.preprocess import plot_preprocessing  # noqa: E402

image = get_dataset("membranes", split="test", count=1, shape=(256, 256), seed=4)[0].image
figure = plot_preprocessing(image, topological_preprocess(image, objects="bright"))
figure.savefig(Path(__file__).with_name("preprocess_membranes.png"), dpi=80)
