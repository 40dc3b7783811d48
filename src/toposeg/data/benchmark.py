"""What the named real data sets share: where their files are, and the conventions each states once.

A :class:`Benchmark` says, for one distributed data set (``isbi12``, ``drive``, ``topomortar``),
which label value is the structure, which connectivity its annotation implies, which pixels
count and how the papers evaluate it. Its loader reads a user's own copy from ``root`` or from
the folder named by the ``TOPOSEG_DATA`` environment variable; toposeg never downloads them.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from toposeg.data._sample import SampleSet

__all__ = ["Benchmark", "find_root"]

ENVIRONMENT = "TOPOSEG_DATA"


@dataclass(frozen=True)
class Benchmark:
    """The conventions of one real data set.

    Attributes
    ----------
    name : str
    foreground : int
        Label value of the structure in the distributed masks (ISBI 2012: 0, the membranes).
    connectivity : int
        Foreground connectivity the annotation implies (1: 4-connected, 2: 8-connected, as in
        SciPy); the default of its metrics and of the training losses that take one.
    metric_options : mapping
        Options of its metrics (``connectivity``, ``regions`` for ARI/VOI, ...).
    headline : tuple of str
        The metric columns its papers report, in order.
    evaluation : str
        How it is evaluated, in words.
    layout : str
        The distributed layout, shown when files are missing.
    load : callable
        ``load(root, *, split, **options) -> SampleSet``.
    options : mapping
        Options the loader takes, with their meaning (shown by ``toposeg train --help``).
    """

    name: str
    foreground: int
    connectivity: int
    metric_options: Mapping[str, Any]
    headline: tuple[str, ...]
    evaluation: str
    layout: str
    load: Callable[..., SampleSet]
    options: Mapping[str, str] = field(default_factory=dict)


def find_root(name: str, root: str | Path | None, looks_right: Callable[[Path], bool], layout: str) -> Path:
    """The folder of data set ``name``: ``root`` or ``root/name``, else ``$TOPOSEG_DATA/name``.

    Raises
    ------
    FileNotFoundError
        If no candidate has the expected files; the message names the folders tried and the layout.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from toposeg.data.benchmark import find_root
    >>> top = pathlib.Path(tempfile.mkdtemp()); (top / "mine" / "images").mkdir(parents=True)
    >>> find_root("mine", top, lambda p: (p / "images").is_dir(), "images/") == top / "mine"
    True
    """
    if root is None:
        if not os.environ.get(ENVIRONMENT):
            raise FileNotFoundError(f"data set {name!r} is read from your copy: give root=PATH (--root PATH) or set "
                                    f"{ENVIRONMENT} to the folder holding {name}/; expected layout: {layout}")
        root = Path(os.environ[ENVIRONMENT])
    root = Path(root)
    candidates = [root, root / name]
    for candidate in candidates:
        if candidate.is_dir() and looks_right(candidate):
            return candidate
    tried = " or ".join(str(c) for c in candidates)
    raise FileNotFoundError(f"data set {name!r} not found in {tried}: expected layout {layout}")
