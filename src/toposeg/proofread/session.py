"""A proofreading session: branches queued by uncertainty, decisions, brush strokes, undo.

The state is a pure function of the inputs and the list of actions, so replaying the action
log (:class:`toposeg.proofread.ActionLog`) reproduces it exactly. A 3D volume is proofread
slice by slice: each slice has its own branches (of the 2D likelihood slice).

The corrected mask of a slice is the structural segmentation of the included branches (the
components of ``likelihood >= threshold`` they touch; thesis Fig. 7.5) plus the pixels of the
accepted branches (a confirmed connection through a gap), overwritten by the brush where it
painted (1) or erased (0). A branch is included when accepted, excluded when rejected, and
otherwise included iff its probability is >= 0.5 (the median structure).
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal

import numpy as np
from scipy import ndimage

from toposeg.morse import morse_branches

__all__ = ["ActionError", "ProofreadingInputs", "ProofreadingSession"]

ACTIONS = ("accept", "reject", "brush", "undo")
UNDECIDED, REJECTED, ACCEPTED = -1, 0, 1


class ActionError(ValueError):
    """A malformed or out-of-range action; the session is left unchanged."""


@dataclass(frozen=True, eq=False)
class ProofreadingInputs:
    """What a session proofreads.

    Attributes
    ----------
    image : (M, N) or (S, M, N) ndarray
        The image (a 3D volume is proofread slice by slice along the first axis).
    likelihood : ndarray
        Shaped like ``image``, values in [0, 1].
    structure : {"skeleton", "watershed"}
        S1 (vessels, roads): the corrected mask is the components of the binarised likelihood
        that included branches touch, with accepted branches drawn in. S2 (membranes): the
        corrected mask is the union of the included boundaries, so the cells are the regions
        they enclose (rejecting a boundary merges two cells, accepting one can split a cell).
        The brush paints over either.
    threshold : float
        The likelihood is binarised at this value (S1).
    eps_median, eps_scale : float
        The threshold distribution: ``eps = sigmoid(logit(eps_median) + eps_scale * z)``, the
        logit-normal :class:`toposeg.uncertainty.ThresholdDistribution` (e.g. a prior net's).
    """

    image: np.ndarray
    likelihood: np.ndarray
    structure: Literal["skeleton", "watershed"] = "skeleton"
    threshold: float = 0.5
    eps_median: float = 0.1
    eps_scale: float = 1.0

    def __post_init__(self) -> None:
        image, likelihood = np.asarray(self.image), np.asarray(self.likelihood)
        if image.ndim not in (2, 3):
            raise ValueError(f"image must be 2D or 3D, got shape {image.shape}")
        if likelihood.shape != image.shape:
            raise ValueError(f"likelihood has shape {likelihood.shape}, the image {image.shape}: they must match")
        if not np.issubdtype(likelihood.dtype, np.floating) or not np.isfinite(likelihood).all():
            raise ValueError("likelihood must be a finite floating-point array")
        if likelihood.min() < 0 or likelihood.max() > 1:
            raise ValueError(f"likelihood values must lie in [0, 1], got {likelihood.min()}..{likelihood.max()}")
        if self.structure not in ("skeleton", "watershed"):
            raise ValueError(f"structure must be 'skeleton' or 'watershed', got {self.structure!r}")
        if not 0 < self.threshold < 1:
            raise ValueError(f"threshold must be in (0, 1), got {self.threshold}")
        if not 0 < self.eps_median < 1 or not self.eps_scale > 0:
            raise ValueError(
                f"eps_median must be in (0, 1) and eps_scale > 0, got {self.eps_median}, {self.eps_scale}"
            )
        object.__setattr__(self, "image", image)
        object.__setattr__(self, "likelihood", likelihood)

    @property
    def slices(self) -> int:
        return 1 if self.image.ndim == 2 else self.image.shape[0]

    @property
    def slice_shape(self) -> tuple[int, int]:
        return tuple(self.image.shape[-2:])

    def slice(self, array: np.ndarray, index: int) -> np.ndarray:
        return array if array.ndim == 2 else array[index]

    def fingerprint(self) -> dict[str, Any]:
        """What identifies the inputs in an action log (hashes and parameters)."""
        def digest(a: np.ndarray) -> str:
            return hashlib.sha256(np.ascontiguousarray(a).tobytes() + str((a.dtype, a.shape)).encode()).hexdigest()

        return {"image": digest(self.image), "likelihood": digest(self.likelihood),
                "shape": list(self.image.shape), "structure": self.structure, "threshold": self.threshold,
                "eps_median": self.eps_median, "eps_scale": self.eps_scale}


def _probability(persistence: np.ndarray, median: float, scale: float) -> np.ndarray:
    """P(eps <= persistence) for the logit-normal threshold of ``median`` and ``scale`` (the CDF
    of :class:`toposeg.uncertainty.ThresholdDistribution`, here without torch)."""
    from scipy.special import logit, ndtr

    p = np.clip(persistence, 1e-12, 1 - 1e-12)
    return ndtr((logit(p) - logit(median)) / scale)


class _Slice:
    """The fixed part of one slice: branches, probabilities, components."""

    def __init__(self, inputs: ProofreadingInputs, index: int) -> None:
        likelihood = inputs.slice(inputs.likelihood, index)
        self.branches = morse_branches(likelihood, structure=inputs.structure)
        n = len(self.branches)
        self.probability = _probability(self.branches.persistence, inputs.eps_median, inputs.eps_scale)
        self.uncertainty = 1.0 - np.abs(2.0 * self.probability - 1.0)
        # descending uncertainty; ties by branch index
        self.order = np.lexsort((np.arange(n), -self.uncertainty))
        ids = np.full(likelihood.size, -1, dtype=np.int64)
        ids[self.branches.pixels] = np.repeat(np.arange(n), np.diff(self.branches.offsets))
        self.ids = ids
        if inputs.structure == "watershed":
            # membranes: the kept boundaries are the mask, each branch its own component, so
            # that rejecting a boundary merges the cells on its two sides
            self.labels, self.components = ids + 1, n
        else:
            labels, self.components = ndimage.label(likelihood >= inputs.threshold)
            self.labels = labels.ravel()
        touching = (ids >= 0) & (self.labels > 0)
        pairs = np.unique(np.stack([self.labels[touching], ids[touching]]), axis=1)
        self.pair_component, self.pair_branch = pairs
        self.branch_pixels = np.flatnonzero(ids >= 0)

    def structural_mask(self, included: np.ndarray, accepted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The flat structural mask and which components it keeps (component 0 is background)."""
        kept = np.zeros(self.components + 1, dtype=bool)
        kept[self.pair_component[included[self.pair_branch]]] = True
        mask = kept[self.labels]
        mask[self.branch_pixels] |= accepted[self.ids[self.branch_pixels]]
        return mask, kept

    @cached_property
    def lookup(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """For updates of the mask (computed when first needed): the pixels of each component
        and their offsets, the offsets of each component's pairs (the pairs are sorted by
        component), and the components each branch touches with their offsets."""
        pixels = np.argsort(self.labels, kind="stable")
        offsets = np.concatenate([[0], np.cumsum(np.bincount(self.labels, minlength=self.components + 1))])
        pair_offsets = np.searchsorted(self.pair_component, np.arange(self.components + 2))
        by_branch = np.argsort(self.pair_branch, kind="stable")
        branch_offsets = np.searchsorted(self.pair_branch[by_branch], np.arange(len(self.branches) + 1))
        return pixels, offsets, pair_offsets, self.pair_component[by_branch], branch_offsets


@dataclass(frozen=True, eq=False)
class _Mask:
    """A slice's corrected mask (read-only, ``(M, N)``) and what it was computed from."""

    mask: np.ndarray
    included: np.ndarray
    accepted: np.ndarray
    brush: np.ndarray
    kept: np.ndarray


def _update_mask(data: _Slice, old: _Mask, included: np.ndarray, accepted: np.ndarray, brush: np.ndarray,
                 *, limit: int = 64) -> _Mask | None:
    """The mask after a few branches changed, recomputed only on the components they touch and
    their own pixels; ``None`` when the brush changed or more than ``limit`` branches did."""
    changed = np.flatnonzero((included != old.included) | (accepted != old.accepted))
    if changed.size > limit or not np.array_equal(brush, old.brush):
        return None
    pixels, offsets, pair_offsets, branch_components, branch_offsets = data.lookup
    components = np.unique(np.concatenate(
        [branch_components[branch_offsets[b]:branch_offsets[b + 1]] for b in changed] or [np.zeros(0, np.int64)]))
    kept = old.kept.copy()
    for c in components:
        kept[c] = included[data.pair_branch[pair_offsets[c]:pair_offsets[c + 1]]].any()
    flipped = components[kept[components] != old.kept[components]]
    branch_pixels = data.branches.pixels
    touched = np.concatenate([pixels[offsets[c]:offsets[c + 1]] for c in flipped]
                             + [branch_pixels[data.branches.offsets[b]:data.branches.offsets[b + 1]] for b in changed]
                             + [np.zeros(0, np.int64)])
    ids = data.ids[touched]
    values = kept[data.labels[touched]] | ((ids >= 0) & accepted[np.maximum(ids, 0)])
    painted = brush[touched]
    mask = old.mask.ravel().copy()
    mask[touched] = np.where(painted >= 0, painted == 1, values)
    mask = mask.reshape(old.mask.shape)
    mask.flags.writeable = False
    return _Mask(mask, included, accepted, brush.copy(), kept)


class ProofreadingSession:
    """The state of a proofreading session over :class:`ProofreadingInputs`.

    Actions are dictionaries (as sent by the web page and stored in the log):

    * ``{"type": "accept" | "reject", "slice": s, "branch": b}``
    * ``{"type": "brush", "slice": s, "points": [[row, col], ...], "radius": r, "value": 0 | 1}``
    * ``{"type": "undo"}``: withdraws the latest action not yet withdrawn.

    Examples
    --------
    >>> import numpy as np
    >>> from toposeg.data import curvilinear_likelihood
    >>> from toposeg.proofread import ProofreadingInputs, ProofreadingSession
    >>> f = curvilinear_likelihood((48, 48), seed=0)
    >>> session = ProofreadingSession(ProofreadingInputs(f, f))
    >>> first = session.queue(0)[0]
    >>> session.apply({"type": "reject", "slice": 0, "branch": int(first)})
    0
    >>> int(session.decision(0)[first])
    0
    >>> session.apply({"type": "undo"})
    0
    >>> int(session.decision(0)[first])
    -1
    """

    def __init__(self, inputs: ProofreadingInputs, actions: list[dict] | None = None) -> None:
        self.inputs = inputs
        self._slices: dict[int, _Slice] = {}
        self._decision: dict[int, np.ndarray] = {}
        self._brush: dict[int, np.ndarray] = {}
        self._masks: dict[int, _Mask] = {}  # the corrected mask of each slice ...
        self._stale: set[int] = set()  # ... and the slices changed since it was computed
        self.actions: list[dict] = []
        self._effective: list[int] = []  # indices into self.actions of actions not undone
        for action in actions or []:
            self.apply(action)

    # -- the fixed part of each slice, computed when first needed
    def slice_data(self, index: int) -> _Slice:
        self._check_slice(index)
        if index not in self._slices:
            self._slices[index] = _Slice(self.inputs, index)
            n = len(self._slices[index].branches)
            self._decision[index] = np.full(n, UNDECIDED, dtype=np.int8)
            self._brush[index] = np.full(int(np.prod(self.inputs.slice_shape)), -1, dtype=np.int8)
        return self._slices[index]

    def _check_slice(self, index: object) -> int:
        if isinstance(index, bool) or not isinstance(index, (int, np.integer)):
            raise ActionError(f"slice must be an integer, got {index!r}")
        if not 0 <= index < self.inputs.slices:
            raise ActionError(f"slice {index} out of range: the input has {self.inputs.slices} slice(s)")
        return int(index)

    # -- queries
    def decision(self, index: int) -> np.ndarray:
        """Per branch of slice ``index``: -1 undecided, 0 rejected, 1 accepted."""
        self.slice_data(index)
        return self._decision[index].copy()

    def included(self, index: int) -> np.ndarray:
        data = self.slice_data(index)
        decision = self._decision[index]
        return np.where(decision == UNDECIDED, data.probability >= 0.5, decision == ACCEPTED)

    def queue(self, index: int) -> np.ndarray:
        """Undecided branches of slice ``index`` in descending uncertainty."""
        data = self.slice_data(index)
        return data.order[self._decision[index][data.order] == UNDECIDED]

    def mask(self, index: int) -> np.ndarray:
        """The corrected mask of slice ``index``, ``(M, N)`` bool (read-only: it is kept until an
        action changes the slice)."""
        data = self.slice_data(index)
        if index in self._masks and index not in self._stale:
            return self._masks[index].mask
        included, accepted, brush = self.included(index), self._decision[index] == ACCEPTED, self._brush[index]
        state = _update_mask(data, self._masks[index], included, accepted, brush) if index in self._masks else None
        if state is None:
            structural, kept = data.structural_mask(included, accepted)
            mask = np.where(brush >= 0, brush == 1, structural).reshape(self.inputs.slice_shape)
            mask.flags.writeable = False
            state = _Mask(mask, included, accepted, brush.copy(), kept)
        self._masks[index] = state
        self._stale.discard(index)
        return state.mask

    def corrected_mask(self) -> np.ndarray:
        """The corrected mask of the whole input (every slice), shaped like the image."""
        masks = [self.mask(i) for i in range(self.inputs.slices)]
        return masks[0] if self.inputs.image.ndim == 2 else np.stack(masks)

    # -- actions
    def validate(self, action: object) -> dict:
        """Check an action; return it normalised, or raise :class:`ActionError`."""
        if not isinstance(action, dict):
            raise ActionError(f"an action must be a JSON object, got {type(action).__name__}")
        kind = action.get("type")
        if kind not in ACTIONS:
            raise ActionError(f"action type must be one of {', '.join(ACTIONS)}, got {kind!r}")
        if kind == "undo":
            if set(action) != {"type"}:
                raise ActionError(f"undo takes no fields, got {sorted(set(action) - {'type'})}")
            return {"type": "undo"}
        index = self._check_slice(action.get("slice"))
        data = self.slice_data(index)
        if kind in ("accept", "reject"):
            if set(action) != {"type", "slice", "branch"}:
                raise ActionError(f"{kind} needs exactly the fields type, slice, branch; got {sorted(action)}")
            branch = action["branch"]
            if isinstance(branch, bool) or not isinstance(branch, int) or not 0 <= branch < len(data.branches):
                raise ActionError(f"branch {branch!r} out of range: slice {index} has {len(data.branches)} branches")
            return {"type": kind, "slice": index, "branch": branch}
        if set(action) != {"type", "slice", "points", "radius", "value"}:
            raise ActionError(f"brush needs exactly the fields type, slice, points, radius, value; got {sorted(action)}")
        points, radius, value = action["points"], action["radius"], action["value"]
        if value not in (0, 1) or isinstance(value, bool):
            raise ActionError(f"brush value must be 0 (erase) or 1 (paint), got {value!r}")
        if isinstance(radius, bool) or not isinstance(radius, int) or not 0 <= radius <= 64:
            raise ActionError(f"brush radius must be an integer in [0, 64], got {radius!r}")
        if not isinstance(points, list) or not 1 <= len(points) <= 10_000:
            raise ActionError("brush points must be a list of 1 to 10000 [row, col] pairs")
        rows, cols = self.inputs.slice_shape
        for point in points:
            if (not isinstance(point, list) or len(point) != 2
                    or not all(isinstance(v, int) and not isinstance(v, bool) for v in point)):
                raise ActionError(f"a brush point must be [row, col] integers, got {point!r}")
            if not (0 <= point[0] < rows and 0 <= point[1] < cols):
                raise ActionError(f"brush point {point} out of range for a {rows}x{cols} slice")
        return {"type": "brush", "slice": index, "points": [list(p) for p in points], "radius": radius,
                "value": value}

    def affected_slice(self, action: object) -> int | None:
        """The slice that ``action`` would change, or ``None`` if it names none that exists (then
        :meth:`apply` refuses it)."""
        if not isinstance(action, dict):
            return None
        if action.get("type") == "undo":
            return self.actions[self._effective[-1]]["slice"] if self._effective else None
        index = action.get("slice")
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < self.inputs.slices:
            return None
        return index

    def apply(self, action: object) -> int:
        """Validate and apply one action; return the slice it changed.

        Nothing changes if the action is rejected (:class:`ActionError`).
        """
        action = self.validate(action)
        if action["type"] == "undo":
            if not self._effective:
                raise ActionError("nothing to undo")
            self.actions.append(action)
            withdrawn = self.actions[self._effective.pop()]
            self._rebuild(withdrawn["slice"])
            return withdrawn["slice"]
        self.actions.append(action)
        self._effective.append(len(self.actions) - 1)
        self._do(action)
        return action["slice"]

    def _do(self, action: dict) -> None:
        index = action["slice"]
        self._stale.add(index)
        if action["type"] == "brush":
            self._paint(index, action)
        else:
            self._decision[index][action["branch"]] = ACCEPTED if action["type"] == "accept" else REJECTED

    def _paint(self, index: int, action: dict) -> None:
        rows, cols = self.inputs.slice_shape
        radius = action["radius"]
        layer = self._brush[index].reshape(rows, cols)
        dy, dx = np.mgrid[-radius : radius + 1, -radius : radius + 1]
        disk = dy**2 + dx**2 <= radius**2
        dy, dx = dy[disk], dx[disk]
        for r, c in action["points"]:
            y, x = r + dy, c + dx
            inside = (y >= 0) & (y < rows) & (x >= 0) & (x < cols)
            layer[y[inside], x[inside]] = action["value"]

    def _rebuild(self, index: int) -> None:
        self._stale.add(index)
        self._decision[index][:] = UNDECIDED
        self._brush[index][:] = -1
        for i in self._effective:
            if self.actions[i]["slice"] == index:
                self._do(self.actions[i])

    def summary(self, index: int) -> dict[str, Any]:
        """Everything the web page needs about slice ``index`` (JSON-ready)."""
        data = self.slice_data(index)
        return {
            "slice": index,
            "slices": self.inputs.slices,
            "shape": list(self.inputs.slice_shape),
            "probability": np.round(data.probability, 6).tolist(),
            "uncertainty": np.round(data.uncertainty, 6).tolist(),
            "persistence": np.round(data.branches.persistence, 6).tolist(),
            "decision": self._decision[index].tolist(),
            "queue": self.queue(index).tolist(),
            "actions": len(self.actions),
            "can_undo": bool(self._effective),
        }

    def change(self, index: int, before: np.ndarray, before_mask: np.ndarray | None = None, *,
               head: int = 200, flip_limit: int = 4096) -> dict[str, Any]:
        """What an action changed in slice ``index`` (JSON-ready): the branches whose decision
        differs from ``before``, the head of the queue, and the corrected mask: ``"flip"``, the
        flat indices of the pixels that differ from ``before_mask`` (when given and at most
        ``flip_limit`` of them), else ``"mask"``, the whole mask packed (``numpy.packbits`` of
        the flat mask, base64)."""
        decision = self._decision[index]
        changed = np.flatnonzero(decision != before)
        mask = self.mask(index).ravel()
        answer: dict[str, Any] = {
            "slice": index,
            "changed": [[int(b), int(decision[b])] for b in changed],
            "queue": self.queue(index)[:head].tolist(),
            "actions": len(self.actions),
            "can_undo": bool(self._effective),
        }
        if before_mask is not None:
            flipped = np.flatnonzero(mask != before_mask.ravel())
            if flipped.size <= flip_limit:
                answer["flip"] = flipped.tolist()
                return answer
        answer["mask"] = base64.b64encode(np.packbits(mask).tobytes()).decode()
        return answer

    def decisions(self) -> dict[int, np.ndarray]:
        """A copy of the decisions of every slice opened so far."""
        return {index: decision.copy() for index, decision in self._decision.items()}

    def branch_pixels(self, index: int) -> dict[str, list[int]]:
        """Flat pixel indices of each branch of slice ``index`` and the offsets between them."""
        branches = self.slice_data(index).branches
        return {"pixels": branches.pixels.tolist(), "offsets": branches.offsets.tolist()}
