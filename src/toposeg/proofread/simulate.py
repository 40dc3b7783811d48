"""Simulated proofreading (thesis section 7.3.5, Fig. 7.10): an annotator inspects branches in
a chosen order and fixes the wrong ones; the metrics are tracked after each inspection."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import ndimage

from toposeg.metrics import adapted_rand, betti_error, voi
from toposeg.morse import MorseBranches

__all__ = ["ORDERS", "ProofreadingCurve", "inspection_order", "simulate_proofreading"]

Order = Literal["structure", "expected", "random", "pixel", "persistence", "oracle"]
ORDERS: tuple[str, ...] = ("structure", "expected", "random", "pixel", "persistence", "oracle")


@dataclass(frozen=True, eq=False)
class ProofreadingCurve:
    """Metrics against the number of inspected branches.

    Attributes
    ----------
    order : str
        The inspection order.
    inspections : (T,) int ndarray
        Numbers of inspected branches at which the metrics were taken (0 first).
    voi, ari, betti : (T,) float ndarray
        VOI (total, bits; lower is better), adapted Rand F-score (higher is better) and the
        global Betti error (dimensions 0 and 1 summed; lower is better) of the corrected mask.
    fixes : (T,) int ndarray
        Wrong branches fixed so far.
    """

    order: str
    inspections: np.ndarray
    voi: np.ndarray
    ari: np.ndarray
    betti: np.ndarray
    fixes: np.ndarray

    def voi_area(self) -> float:
        """Area under the VOI-vs-inspections curve, divided by the last inspection count
        (the mean VOI over the budget; lower is better)."""
        if self.inspections[-1] == 0:
            return float(self.voi[0])
        return float(np.trapezoid(self.voi, self.inspections) / self.inspections[-1])


def inspection_order(
    order: Order,
    branches: MorseBranches,
    *,
    probability: np.ndarray | None = None,
    pixel_uncertainty: np.ndarray | None = None,
    eps: float | None = None,
    wrong: np.ndarray | None = None,
    seed: int = 0,
) -> np.ndarray:
    """The order in which branches are inspected (a permutation of ``range(n)``).

    ``"structure"``: descending structure-level uncertainty ``1 - |2 q - 1|`` (needs
    ``probability``); ``"expected"``: descending expected number of pixels that inspecting the
    branch corrects, ``min(q, 1 - q) * |b|`` (the probability that the median structure has the
    branch wrong times its size: the oracle's order with the wrongness replaced by its
    probability; needs ``probability``); ``"random"``: a permutation drawn with ``seed``;
    ``"pixel"``: descending mean of a pixel uncertainty map (e.g. MC-dropout variance) over the
    branch's pixels;
    ``"persistence"``: ascending distance of the persistence from one global threshold ``eps``;
    ``"oracle"``: the wrong branches first (largest first; needs ``wrong``). Ties by index,
    which is descending persistence: where ``q`` rounds to 0 or 1 the structure order goes on
    by persistence (see docs/uncertainty.md for what this does to the proofreading curves).
    """
    n = len(branches)
    index = np.arange(n)
    if order == "structure":
        if probability is None:
            raise ValueError("the 'structure' order needs probability")
        key = -(1.0 - np.abs(2.0 * np.asarray(probability, dtype=np.float64) - 1.0))
    elif order == "expected":
        if probability is None:
            raise ValueError("the 'expected' order needs probability")
        q = np.asarray(probability, dtype=np.float64)
        key = -np.minimum(q, 1.0 - q) * np.diff(branches.offsets)
    elif order == "random":
        return np.random.default_rng(seed).permutation(n)
    elif order == "pixel":
        if pixel_uncertainty is None or np.shape(pixel_uncertainty) != branches.shape:
            raise ValueError(f"the 'pixel' order needs pixel_uncertainty of shape {branches.shape}")
        values = np.asarray(pixel_uncertainty, dtype=np.float64).ravel()[branches.pixels]
        sums = np.add.reduceat(values, branches.offsets[:-1]) if n else np.zeros(0)
        key = -sums / np.maximum(np.diff(branches.offsets), 1)
    elif order == "persistence":
        if eps is None:
            raise ValueError("the 'persistence' order needs eps, the global threshold")
        key = np.abs(branches.persistence - float(eps))
    elif order == "oracle":
        if wrong is None:
            raise ValueError("the 'oracle' order needs wrong")
        key = np.where(np.asarray(wrong, bool), -np.diff(branches.offsets).astype(float), np.inf)
    else:
        raise ValueError(f"order must be one of {', '.join(ORDERS)}, got {order!r}")
    return np.lexsort((index, key))


def simulate_proofreading(
    likelihood: np.ndarray,
    target: np.ndarray,
    branches: MorseBranches,
    probability: np.ndarray,
    order: Order | np.ndarray,
    *,
    confirmed: np.ndarray,
    pixel_uncertainty: np.ndarray | None = None,
    eps: float | None = None,
    threshold: float = 0.5,
    steps: int = 20,
    budget: int | None = None,
    seed: int = 0,
    regions: Literal["foreground", "background"] = "foreground",
) -> ProofreadingCurve:
    """Proofread the median structure of ``probability`` in a given order.

    Each inspection looks at one branch; a branch is wrong when it is kept (``q >= 0.5``) but
    less than half of it is confirmed (``confirmed < 0.5``), or dropped although at least half
    is. The annotator rejects a branch that is not confirmed and accepts one that is. What a
    kept branch means depends on the structure:

    * S1 (``branches.structure == "skeleton"``: vessels, roads, neurites): the mask is the
      structural segmentation, the components of ``likelihood >= threshold`` that kept
      branches touch, and accepting a branch draws its pixels into the mask (as
      :class:`toposeg.proofread.ProofreadingSession` does);
    * S2 (``"watershed"``: membranes): the mask is the union of the kept boundaries, so the
      cells are the regions they enclose; accepting a boundary can split a cell, rejecting one
      merges the cells on its two sides. Score it with ``regions="background"``.

    After each of ``steps`` evenly spaced inspection counts up to ``budget`` (default: every
    branch) the mask is scored against ``target``.

    Parameters
    ----------
    likelihood, target : (M, N[, P]) ndarray
        The likelihood and the ground-truth mask.
    branches : MorseBranches
        Branches of ``likelihood``.
    probability : (n,) ndarray
        Inclusion probability of each branch.
    order : {"structure", "expected", "random", "pixel", "persistence", "oracle"} or (n,) int ndarray
        See :func:`inspection_order`; or the order itself, a permutation of ``range(n)`` (e.g.
        the persistence's distance from a threshold on another scale); its curve is named
        ``"given"``.
    confirmed : (n,) ndarray
        ``y_b``: of :func:`toposeg.uncertainty.branch_confirmation` for S1, of
        :func:`toposeg.uncertainty.boundary_confirmation` for S2.
    pixel_uncertainty, eps, seed
        As for :func:`inspection_order`.
    threshold : float
        Binarises the likelihood (S1 only).
    regions : {"foreground", "background"}
        The regions VOI and ARI compare: the structure's components (vessels, neurites) or the
        regions it separates (the cells between membranes), as for :func:`toposeg.metrics.voi`.
    """
    likelihood, target = np.asarray(likelihood), np.asarray(target) != 0
    if likelihood.shape != target.shape or likelihood.shape != branches.shape:
        raise ValueError(f"likelihood {likelihood.shape}, target {target.shape} and branches {branches.shape} must match")
    probability = np.asarray(probability, dtype=np.float64)
    confirmed = np.asarray(confirmed, dtype=np.float64)
    n = len(branches)
    if probability.shape != (n,) or confirmed.shape != (n,):
        raise ValueError(f"probability and confirmed must have shape ({n},)")
    included = probability >= 0.5
    truth = confirmed >= 0.5
    wrong = included != truth
    if isinstance(order, str):
        ranking = inspection_order(order, branches, probability=probability, pixel_uncertainty=pixel_uncertainty,
                                   eps=eps, wrong=wrong, seed=seed)
    else:
        ranking = np.asarray(order)
        if ranking.shape != (n,) or ranking.dtype.kind not in "iu" or not np.array_equal(np.sort(ranking), np.arange(n)):
            raise ValueError(f"order must be one of {', '.join(ORDERS)} or a permutation of range({n})")
        order = "given"
    budget = n if budget is None else min(int(budget), n)
    counts = np.unique(np.linspace(0, budget, steps + 1).round().astype(int))

    ids = np.full(likelihood.size, -1, dtype=np.int64)
    ids[branches.pixels] = np.repeat(np.arange(n), np.diff(branches.offsets))
    on = np.flatnonzero(ids >= 0)
    if branches.structure == "watershed":
        def mask_of(kept: np.ndarray, accepted: np.ndarray) -> np.ndarray:
            mask = np.zeros(likelihood.size, dtype=bool)
            mask[on] = kept[ids[on]]
            return mask.reshape(likelihood.shape)
    else:
        labels, count = ndimage.label(likelihood >= threshold)
        labels = labels.ravel()
        touching = (ids >= 0) & (labels > 0)
        pairs = np.unique(np.stack([labels[touching], ids[touching]]), axis=1)

        def mask_of(kept: np.ndarray, accepted: np.ndarray) -> np.ndarray:
            keep = np.zeros(count + 1, dtype=bool)
            keep[pairs[0][kept[pairs[1]]]] = True
            mask = keep[labels]
            mask[on] |= accepted[ids[on]]
            return mask.reshape(likelihood.shape)

    scores = []
    for k in counts:
        kept = included.copy()
        inspected = ranking[:k]
        kept[inspected] = truth[inspected]
        accepted = np.zeros(n, dtype=bool)
        accepted[inspected] = truth[inspected]
        mask = mask_of(kept, accepted)
        beta = betti_error(mask, target, protocol="global")
        scores.append((voi(mask, target, regions=regions).total, adapted_rand(mask, target, regions=regions).f_score,
                       float(sum(beta.per_dimension)),
                       int(wrong[inspected].sum())))
    scores = np.array(scores, dtype=np.float64)
    return ProofreadingCurve(order=order, inspections=counts, voi=scores[:, 0], ari=scores[:, 1],
                             betti=scores[:, 2], fixes=scores[:, 3].astype(int))
