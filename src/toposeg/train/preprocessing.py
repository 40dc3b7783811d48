"""Topological preprocessing of every input of a run (seed 004), cached on disk.

The same :class:`toposeg.preprocess.PreprocessOptions` (the config's ``preprocess`` text)
process the train, validation and test images and, in ``toposeg predict``, the inputs: the
network never sees an image processed otherwise. Results are cached under
``<cache>/preprocess/`` (see :func:`toposeg.data.cache_dir`), keyed by the image's bytes and
the options, so a second run or a second fold reads them back.
"""

from __future__ import annotations

import dataclasses
import hashlib

import numpy as np

from toposeg.data import SampleSet, cache_dir
from toposeg.preprocess import PreprocessOptions, topological_preprocess
from toposeg._atomic import atomic_file

__all__ = ["preprocess_channels", "preprocess_image", "preprocess_samples"]

# bump when the preprocessing's results change, so that old cache entries are not read
_VERSION = "1"


def preprocess_image(image: np.ndarray, options: str | PreprocessOptions) -> np.ndarray:
    """The processed image (float32), read from the cache or computed and stored.

    Parameters
    ----------
    image : (M, N) or (M, N, P) ndarray
        Never modified.
    options : str or PreprocessOptions
        E.g. ``"objects=bright,smoothing=3"`` (see :meth:`PreprocessOptions.from_text`).

    Examples
    --------
    >>> import numpy as np
    >>> image = np.zeros((32, 32)); image[8:12, 8:12] = 1.0; image[20:24, 20:24] = 0.8
    >>> preprocess_image(image, "objects=bright,smoothing=1").dtype
    dtype('float32')
    """
    if not isinstance(options, PreprocessOptions):
        options = PreprocessOptions.from_text(options)
    image = np.ascontiguousarray(image)
    digest = hashlib.sha256()
    for part in (_VERSION, options.to_text(), str(image.dtype), str(image.shape)):
        digest.update(part.encode() + b"\0")
    digest.update(image.tobytes())
    path = cache_dir() / "preprocess" / f"{digest.hexdigest()}.npy"
    if path.is_file():
        try:
            stored = np.load(path, allow_pickle=False)
            if stored.shape == image.shape:
                return stored
        except (OSError, ValueError, EOFError):
            pass  # a damaged entry is computed again
    processed = topological_preprocess(image, options).image.astype(np.float32)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_file(path) as file:
        np.save(file, processed)
    return processed


def preprocess_channels(image: np.ndarray, ndim: int, options: str | PreprocessOptions) -> np.ndarray:
    """:func:`preprocess_image` of a grey image, or of each channel of a channels-first one
    (``image.ndim == ndim + 1``)."""
    if image.ndim == ndim:
        return preprocess_image(image, options)
    return np.stack([preprocess_image(channel, options) for channel in image])


def preprocess_samples(samples: SampleSet, options: str | None) -> SampleSet:
    """The samples with processed images (each channel alike; masks and regions unchanged);
    ``samples`` itself if ``options`` is ``None``."""
    if options is None:
        return samples
    processed = []
    for sample in samples:  # all now, so that a bad image fails before any training
        try:
            processed.append(dataclasses.replace(sample, image=preprocess_channels(sample.image, sample.ndim, options)))
        except (TypeError, ValueError) as error:
            raise ValueError(f"preprocessing sample {sample.name!r}: {error}") from error
    return SampleSet(name=samples.name, split=samples.split, ndim=samples.ndim, make=processed.__getitem__,
                     length=len(processed))
