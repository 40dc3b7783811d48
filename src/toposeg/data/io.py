"""Reading 2D images and 3D volumes from PNG, JPEG, GIF, TIFF or NPY files."""

from __future__ import annotations

from pathlib import Path

import numpy as np

__all__ = ["IMAGE_SUFFIXES", "decode_image", "read_image"]

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".tif", ".tiff", ".npy")


def read_image(path: str | Path, *, channels: bool = False) -> np.ndarray:
    """Read a 2D image or 3D volume from a PNG, JPEG, GIF, TIFF or NPY file.

    Parameters
    ----------
    path : str or Path
    channels : bool
        ``False``: a colour image is converted to grey by averaging its colour channels (an
        alpha channel is dropped). ``True``: a colour image is returned channels first,
        ``(C, M, N)`` (alpha dropped); a colour image whose channels are all equal is returned
        as one grey ``(M, N)`` image. Colour means a PNG, JPEG or GIF with 3 or 4 channels, or
        a TIFF whose pages hold RGB samples (a multi-page TIFF stack is a volume).

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
    array, colour = decode_image(path)
    if colour:
        if not channels:
            return array.mean(axis=0)
        return array
    return array


def decode_image(path: str | Path) -> tuple[np.ndarray, bool]:
    """The array of an image file and whether it is colour; colour channels come first (alpha
    dropped), and a colour image whose channels are all equal is returned as grey.

    Raises
    ------
    FileNotFoundError, ValueError
        As :func:`read_image`.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")
    suffix = path.suffix.lower()
    if suffix not in IMAGE_SUFFIXES:
        raise ValueError(f"{path}: unsupported file type {suffix!r} (use {', '.join(IMAGE_SUFFIXES)})")
    colour = False
    try:
        if suffix == ".npy":
            array = np.load(path, allow_pickle=False)
        elif suffix in (".tif", ".tiff"):
            import tifffile

            with tifffile.TiffFile(path) as tiff:
                series = tiff.series[0]
                colour = series.axes.endswith("S") and series.shape[-1] in (3, 4)
                try:
                    array = series.asarray()
                except ValueError as error:  # a codec tifffile lacks without imagecodecs, e.g. DRIVE's LZW
                    if "imagecodecs" not in str(error) or len(tiff.pages) != 1:
                        raise
                    from PIL import Image

                    with Image.open(path) as picture:
                        array = np.asarray(picture)
        else:
            import imageio.v3 as iio

            array = iio.imread(path, index=0) if suffix == ".gif" else iio.imread(path)
            colour = array.ndim == 3 and array.shape[-1] in (3, 4)
    except Exception as error:  # any decoder failure becomes one clear message
        raise ValueError(f"{path}: cannot read the file ({error})") from error
    array = np.asarray(array)
    if colour:
        array = array[..., :3]
        if np.all(array == array[..., :1]):
            return np.ascontiguousarray(array[..., 0]), False
        return np.ascontiguousarray(np.moveaxis(array, -1, 0)), True
    return array, False
