"""The component-prior terms (thesis ch.4, Eq. 4.5): every component but the most persistent."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from toposeg.persistence import cubical_persistence_batch

__all__ = ["PairTerms", "component_terms"]


@dataclass(frozen=True)
class PairTerms:
    """Squared differences ``(value[first] - value[second])**2`` of a loss.

    ``first`` and ``second`` are flat indices into a stack of images; ``second`` is ``-1``
    where the value is the end of the filtration (0); ``group`` is the image of each term.
    """

    first: np.ndarray
    second: np.ndarray
    group: np.ndarray


def component_terms(
    masks: np.ndarray, *, keep: int = 1, connectivity: int = 1, workers: int | None = None
) -> PairTerms:
    """The 0-dimensional superlevel dots of every soft mask ``(n_images, *spatial)`` but the
    ``keep`` most persistent, as pairs (birth pixel, death pixel).

    The component that never dies counts as the most persistent dot, dying at 0; with
    ``keep=0`` it is a term too (its death index ``-1``).

    Examples
    --------
    >>> import numpy as np
    >>> m = np.full((1, 5, 5), 0.1)
    >>> m[0, 1, 1], m[0, 3, 3] = 0.9, 0.6
    >>> terms = component_terms(m)
    >>> terms.first.tolist(), m.ravel()[terms.second].tolist()  # the weaker peak, a floor pixel
    ([18], [0.1])
    """
    results = cubical_persistence_batch(masks, connectivity=connectivity, workers=workers)
    size = int(np.prod(masks.shape[1:]))
    births, deaths, groups = [], [], []
    for k, result in enumerate(results):
        pixels = result.critical_pixels(0)
        order = np.argsort(-result.persistence(0), kind="stable")
        dropped = pixels[order[max(keep - 1, 0) :]]
        births.append(dropped[:, 0] + k * size)
        deaths.append(dropped[:, 1] + k * size)
        groups.append(np.full(len(dropped), k, dtype=np.int64))
        if keep == 0:
            essential = result.essential(0)
            births.append(essential.pixels + k * size)
            deaths.append(np.full(len(essential.pixels), -1, dtype=np.int64))
            groups.append(np.full(len(essential.pixels), k, dtype=np.int64))
    return PairTerms(np.concatenate(births), np.concatenate(deaths), np.concatenate(groups))
