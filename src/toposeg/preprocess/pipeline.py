"""Topological preprocessing of an input image (seed 004, Sec. III-C): smooth, modify the
border, cut the lifetimes at their largest gap, mark the significant objects, interpolate the
background."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from numbers import Real
from typing import Any

import numpy as np

from toposeg._validation import check_array, check_connectivity, check_finite
from toposeg.persistence import PersistenceResult, cubical_persistence
from toposeg.preprocess.filters import modify_border, smooth
from toposeg.preprocess.gap import lifetime_gap_threshold
from toposeg.preprocess.interpolation import interpolate_background
from toposeg.preprocess.marking import ObjectPolarity, check_objects, mark_objects

__all__ = ["PreprocessOptions", "TopologicalPreprocessing", "topological_preprocess"]


@dataclass(frozen=True)
class PreprocessOptions:
    """The options of :func:`topological_preprocess`, validated, with a text form for configs.

    Attributes
    ----------
    objects : {"bright", "dark"}
        Polarity of the objects kept (bright: maxima, the default; dark: minima of sublevel
        sets, as printed in the seed's Algorithm 1). On ISBI 2012 bright (the cells) harmed
        the network less than dark (docs/preprocess.md, "Experiment").
    smoothing : int
        Side of the uniform filter (1: none).
    border : int
        Width of the border band given the extreme value (0: none).
    threshold : float, optional
        Lifetime threshold; ``None`` cuts at the largest lifetime gap.
    connectivity : int
        1 or ``ndim`` (SciPy's convention); ``ndim`` is only checked against the image.
    power : float
        Inverse-distance weighting exponent.

    Examples
    --------
    >>> options = PreprocessOptions.from_text("objects=bright,smoothing=5")
    >>> options.objects, options.smoothing, PreprocessOptions.from_text(options.to_text()) == options
    ('bright', 5, True)
    """

    objects: ObjectPolarity = "bright"
    smoothing: int = 3
    border: int = 2
    threshold: float | None = None
    connectivity: int = 1
    power: float = 3.0

    def __post_init__(self) -> None:
        check_objects(self.objects)
        for name, minimum in (("smoothing", 1), ("border", 0), ("connectivity", 1)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
                raise ValueError(f"preprocess option {name} must be an integer >= {minimum}, got {value!r}")
            object.__setattr__(self, name, int(value))
        if self.connectivity > 3:
            raise ValueError(f"preprocess option connectivity must be 1, 2 or 3, got {self.connectivity}")
        if self.threshold is not None:
            if isinstance(self.threshold, bool) or not isinstance(self.threshold, Real):
                raise ValueError(f"preprocess option threshold must be a number or None, got {self.threshold!r}")
            if not 0 <= self.threshold < np.inf:
                raise ValueError(f"preprocess option threshold must be finite and >= 0, got {self.threshold}")
            object.__setattr__(self, "threshold", float(self.threshold))
        if isinstance(self.power, bool) or not isinstance(self.power, Real) or not 0 < self.power < np.inf:
            raise ValueError(f"preprocess option power must be a positive number, got {self.power!r}")
        object.__setattr__(self, "power", float(self.power))

    @classmethod
    def from_text(cls, text: str) -> PreprocessOptions:
        """Options from ``"key=value,key=value"`` (``"default"`` or ``""`` for the defaults).

        Raises
        ------
        ValueError
            On an unknown key (the message lists the keys) or a bad value.
        """
        if not isinstance(text, str):
            raise TypeError(f"preprocess options must be a string such as 'objects=bright', got {text!r}")
        values: dict[str, Any] = {}
        known = [f.name for f in dataclasses.fields(cls)]
        for entry in (e.strip() for e in text.split(",")):
            if entry in ("", "default"):
                continue
            key, separator, value = entry.partition("=")
            key = key.strip()
            if not separator or key not in known:
                raise ValueError(f"preprocess option {entry!r}: expected KEY=VALUE with KEY one of {', '.join(known)}")
            try:
                values[key] = json.loads(value)
            except ValueError:
                values[key] = value.strip()
        return cls(**values)

    def to_text(self) -> str:
        """The text form read by :meth:`from_text`."""
        return ",".join(f"{k}={'null' if v is None else v}" for k, v in dataclasses.asdict(self).items())


@dataclass(frozen=True, eq=False)
class TopologicalPreprocessing:
    """The result of :func:`topological_preprocess`; the arrays are read-only.

    Attributes
    ----------
    image : ndarray of float64
        The processed image: the marked objects keep their values, the background between them
        is interpolated.
    modified : ndarray of float64
        The image after smoothing and border modification (what the diagram is of).
    labels : ndarray of int32
        The marked objects (0: background).
    threshold : float
        The lifetime threshold used.
    count : int
        Number of marked objects.
    persistence : PersistenceResult
        The persistence of ``modified`` (superlevel for bright objects).
    options : PreprocessOptions
    """

    image: np.ndarray
    modified: np.ndarray
    labels: np.ndarray
    threshold: float
    count: int
    persistence: PersistenceResult
    options: PreprocessOptions

    def __post_init__(self) -> None:
        for array in (self.image, self.modified, self.labels):
            array.setflags(write=False)


def topological_preprocess(
    image: np.ndarray,
    options: PreprocessOptions | None = None,
    **changes: Any,
) -> TopologicalPreprocessing:
    """Process an image topologically before segmentation (seed 004, Sec. III-C).

    Parameters
    ----------
    image : (M, N) or (M, N, P) ndarray
        Never modified.
    options : PreprocessOptions, optional
        Default: ``PreprocessOptions()``.
    **changes
        Options to change, e.g. ``objects="bright"``, ``threshold=0.2``.

    Returns
    -------
    TopologicalPreprocessing

    Raises
    ------
    TypeError, ValueError
        Before any work: if ``image`` is not a 2D or 3D array of finite numbers, is constant
        (it has no objects), or an option is bad. After the diagram: if the threshold leaves
        no object (the message gives the largest lifetime).

    Notes
    -----
    1. :func:`smooth` with a ``smoothing`` window; 2. :func:`modify_border` with the ``border``
    width; 3. the persistence of dimension 0 of the result (sublevel sets for dark objects,
    superlevel for bright ones) and :func:`lifetime_gap_threshold` unless ``threshold`` is
    given; 4. :func:`mark_objects`; 5. :func:`interpolate_background`.

    Examples
    --------
    Two bright spots on a noisy floor: only they survive the gap threshold.

    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> image = rng.random((32, 32)) * 0.1
    >>> image[8:12, 8:12] += 1.0
    >>> image[20:24, 18:22] += 0.8
    >>> result = topological_preprocess(image, objects="bright", smoothing=1)
    >>> result.count, sorted(np.unique(result.labels).tolist())
    (2, [0, 1, 2])
    """
    options = PreprocessOptions() if options is None else options
    if not isinstance(options, PreprocessOptions):
        raise TypeError(f"options must be a PreprocessOptions, got {type(options).__name__}")
    if changes:
        options = dataclasses.replace(options, **changes)
    image = check_array(image, "image")
    check_finite(image, "image")
    connectivity = check_connectivity(options.connectivity, image.ndim)
    if image.min() == image.max():
        raise ValueError(f"image is constant ({image.flat[0]}): it has no objects to mark")
    bright = options.objects == "bright"
    modified = modify_border(smooth(image, options.smoothing), options.border, objects=options.objects)
    persistence = cubical_persistence(modified, superlevel=bright, connectivity=connectivity)
    lifetimes = persistence.persistence(0)
    threshold = lifetime_gap_threshold(lifetimes).threshold if options.threshold is None else options.threshold
    count = int((lifetimes > threshold).sum())
    if count == 0:
        longest = lifetimes.max() if lifetimes.size else 0.0
        raise ValueError(
            f"threshold {threshold} leaves no object: the longest finite lifetime of the "
            f"{options.objects} objects is {longest} ({lifetimes.size} finite pairs)"
        )
    labels = mark_objects(modified, persistence, threshold=threshold, objects=options.objects,
                          connectivity=connectivity)
    processed = interpolate_background(modified, labels, power=options.power)
    return TopologicalPreprocessing(processed, modified, labels, float(threshold), count, persistence, options)
