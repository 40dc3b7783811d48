"""Binary masks from label images: a chosen foreground value, or the usual 0/1, 0/255, bool; inverted.

One function decides what the structure is for every loader (the user's folders and the named
data sets), so that a label convention is stated once: ISBI 2012's membranes are label 0, DRIVE's
vessels and TopoMortar's mortar are 255.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

__all__ = ["binary_mask"]


def binary_mask(
    labels: np.ndarray,
    *,
    foreground: int | None = None,
    invert: bool = False,
    source: str | Path = "mask",
) -> np.ndarray:
    """The structure of a label image as a bool mask.

    Parameters
    ----------
    labels : (M, N[, P]) ndarray
        A single-channel label image (a colour mask is refused: save one channel).
    foreground : int, optional
        The label value of the structure; every other value is background. ``None``: the mask
        must be binary (bool, or numbers all 0/1 or all 0/255) and its larger value is the
        structure.
    invert : bool
        Swap structure and background afterwards (e.g. cells drawn white between membranes).
    source : str or Path
        Named in error messages (the file).

    Returns
    -------
    ndarray of bool
        A new array; ``labels`` is not modified.

    Raises
    ------
    ValueError
        For a colour mask, a non-numeric one, a ``foreground`` value that does not occur in the
        mask, or (without ``foreground``) a mask that is not binary; the message names ``source``.

    Examples
    --------
    >>> import numpy as np
    >>> from toposeg.data.masks import binary_mask
    >>> labels = np.array([[0, 255], [255, 0]], dtype=np.uint8)
    >>> binary_mask(labels).astype(int).tolist()
    [[0, 1], [1, 0]]
    >>> binary_mask(labels, foreground=0).astype(int).tolist()     # ISBI 2012: membranes are 0
    [[1, 0], [0, 1]]
    """
    labels = np.asarray(labels)
    if labels.dtype != np.bool_ and (not np.issubdtype(labels.dtype, np.number) or np.iscomplexobj(labels)):
        raise ValueError(f"{source}: mask values must be numbers, got {labels.dtype}")
    if foreground is not None:
        if isinstance(foreground, bool) or not isinstance(foreground, (int, np.integer)):
            raise TypeError(f"foreground must be an integer label value, got {foreground!r}")
        if labels.dtype == np.bool_:
            labels = labels.astype(np.uint8)
        mask = labels == foreground
        if not mask.any():
            values = np.unique(labels)
            shown = ", ".join(f"{v:g}" for v in values[:6]) + (", ..." if len(values) > 6 else "")
            raise ValueError(f"{source}: foreground value {foreground} does not occur in the mask "
                             f"(its values: {shown})")
    elif labels.dtype == np.bool_:
        mask = labels.copy()
    else:
        values = set(np.unique(labels).tolist())
        high = next((h for h in (1, 255) if values <= {0, h}), None)
        if high is None:
            shown = ", ".join(f"{v:g}" for v in sorted(values)[:6]) + (", ..." if len(values) > 6 else "")
            raise ValueError(f"{source}: mask must be binary (0/1, 0/255 or bool), found values {shown}; "
                             "choose the structure's value with foreground=")
        mask = labels == high
    return ~mask if invert else mask
