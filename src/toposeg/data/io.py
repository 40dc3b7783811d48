"""Reading 2D images and 3D volumes from PNG, TIFF or NPY files."""

from __future__ import annotations

from pathlib import Path

import numpy as np

__all__ = ["IMAGE_SUFFIXES", "read_image"]

IMAGE_SUFFIXES = (".png", ".tif", ".tiff", ".npy")


def read_image(path: str | Path) -> np.ndarray:
    """Read a 2D image or 3D volume from a PNG, TIFF or NPY file.

    Colour PNGs are converted to grey by averaging the channels (an alpha channel is dropped).

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the suffix is not supported or the file cannot be decoded; the message names the file.

    Examples
    --------
    >>> import numpy as np, tempfile, pathlib
    >>> from toposeg.data import read_image
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "mask.npy"
    >>> np.save(path, np.eye(3))
    >>> read_image(path).shape
    (3, 3)
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")
    suffix = path.suffix.lower()
    if suffix not in IMAGE_SUFFIXES:
        raise ValueError(f"{path}: unsupported file type {suffix!r} (use PNG, TIFF or NPY)")
    try:
        if suffix == ".npy":
            array = np.load(path, allow_pickle=False)
        elif suffix in (".tif", ".tiff"):
            import tifffile

            array = tifffile.imread(path)
        else:
            import imageio.v3 as iio

            array = iio.imread(path)
            if array.ndim == 3 and array.shape[-1] in (3, 4):
                array = array[..., :3].mean(axis=-1)
    except Exception as error:  # any decoder failure becomes one clear message
        raise ValueError(f"{path}: cannot read the file ({error})") from error
    return np.asarray(array)
