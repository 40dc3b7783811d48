"""Algorithm 1 of seed 004 (object marking), transcribed line by line: one labelling of a
level set per significant pair. Slow (``O(k N)``) and obviously faithful; the test oracle of
:func:`toposeg.preprocess.mark_objects`.

The printed algorithm, with its two readings made explicit (see ``mark_objects``'s Notes):
the level set "I <= death" is the set of pixels that come before the death pixel in the
filtration (pixels ordered by value, ties by index), and the pairs are taken in the order in
which their death pixels come in the filtration.

    J, ds = zeros-like(I), list()
    Lifetimes = Dgm.death - Dgm.birth
    Obj-idxs = where(alpha < Lifetimes < inf)
    Obj-idxs = Obj-idxs sorted by death
    for idx in Obj-idxs do
        b = birth-pixel(idx)
        ds.append(death-pixel(idx))
        C = component of b in I[I <= Dgm.death[idx]]
        new-dval = min(I[Intersects(ds, C)], Dgm.death[idx])
        C = component of b in I[I <= new-dval]
        J[C] = 1            (here: the pair's rank, to compare labels)
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage


def mark_objects_reference(
    image: np.ndarray,
    pairs: np.ndarray,
    lifetimes: np.ndarray,
    alpha: float,
    *,
    bright: bool,
    connectivity: int,
) -> np.ndarray:
    """Labels ``1..k`` of the objects of the pairs (birth pixel, death pixel) with lifetime
    ``> alpha`` (``pairs`` and ``lifetimes`` of the finite dimension-0 pairs)."""
    values = image.ravel().astype(np.float64)
    order = np.argsort(-values if bright else values, kind="stable")
    rank = np.empty(values.size, dtype=np.int64)  # position in the filtration: "I" with ties by index
    rank[order] = np.arange(values.size)
    structure = ndimage.generate_binary_structure(image.ndim, connectivity)

    def component(b: int, before: int) -> np.ndarray:
        """The component of pixel ``b`` among the pixels of rank < ``before``."""
        level = (rank < before).reshape(image.shape)
        labelled, _ = ndimage.label(level, structure=structure)
        return (labelled == labelled.flat[b]).ravel()

    J = np.zeros(values.size, dtype=np.int32)
    ds: list[int] = []
    obj_idxs = np.flatnonzero((lifetimes > alpha) & np.isfinite(lifetimes))
    obj_idxs = sorted(obj_idxs, key=lambda i: (rank[pairs[i, 1]], rank[pairs[i, 0]]))
    for label, idx in enumerate(obj_idxs, start=1):
        b, d = int(pairs[idx, 0]), int(pairs[idx, 1])
        ds.append(d)
        C = component(b, rank[d])
        new_dval = min([rank[q] for q in ds if C[q]] + [rank[d]])
        C = component(b, new_dval)
        J[C] = label
    return J.reshape(image.shape)
