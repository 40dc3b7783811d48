"""Detection and trigger-recovery summaries over hunted zoo models (the tables of the docs,
the demo and the experiment script)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from toposeg.trojan.architectures import ARCHITECTURES
from toposeg.trojan.detector import CrossValidation, cross_validate, mad_anomaly_index
from toposeg.trojan.features import FEATURE_NAMES
from toposeg.trojan.hunt import HuntRecord

__all__ = ["detection_rows", "first_round", "recovery_summary"]


def first_round(records: Sequence[HuntRecord], num_triggers: int) -> np.ndarray:
    """Bags of the round-0 candidates only: exactly what a hunt with N_T = 1 finds (round 0
    uses the same initial draws and has no diversity term)."""
    bags = np.stack([r.features for r in records])
    return bags.reshape(len(records), -1, num_triggers, bags.shape[2])[:, :, 0]


def detection_rows(records: Sequence[HuntRecord], *, folds: int, seeds: tuple[int, ...],
                   control_seeds: tuple[int, ...] | None = None,
                   permutations: int | None = None) -> list[tuple[str, CrossValidation | str]]:
    """The detector (over ``seeds``), its two controls (shuffled labels, architecture-only
    features; over ``control_seeds``, default ``seeds``) and the MAD baseline on ``records``.

    With ``permutations`` the shuffled-labels control is run on that many permutations of the
    labels (one cross-validation each) and reported as the mean and spread of their AUCs, with
    the permutation p-value of the detector's mean AUC: ``(1 + #{permutations at least as
    good}) / (1 + permutations)``.
    """
    from sklearn.metrics import roc_auc_score

    control_seeds = seeds if control_seeds is None else control_seeds
    bags = np.stack([r.features for r in records])
    labels = np.array([int(r.trojaned) for r in records])
    detector = cross_validate(bags, labels, folds=folds, seeds=seeds)
    rows: list[tuple[str, CrossValidation | str]] = [("bag-of-features detector", detector)]
    if permutations is None:
        rows.append(("  control: shuffled labels", cross_validate(bags, labels, folds=folds, seeds=control_seeds,
                                                                shuffle_labels=True)))
    else:
        null = cross_validate(bags, labels, folds=folds, seeds=tuple(range(permutations)), shuffle_labels=True)
        auc = np.nanmean(null.auc.reshape(permutations, folds), axis=1)
        accuracy = null.accuracy.reshape(permutations, folds).mean(1)
        p = (1 + int((auc >= np.nanmean(detector.auc)).sum())) / (1 + permutations)
        rows.append((f"  control: shuffled labels, {permutations} permutations",
                     f"AUC {auc.mean():.3f} ± {auc.std():.3f} (range {auc.min():.3f}-{auc.max():.3f}), "
                     f"ACC {accuracy.mean():.3f} ± {accuracy.std():.3f}; detector's permutation p = {p:.3g}"))
    architecture = np.stack([np.tile(np.eye(len(ARCHITECTURES))[ARCHITECTURES.index(r.architecture)],
                                     (bags.shape[1], 1)) for r in records])
    rows.append(("  control: architecture only", cross_validate(architecture, labels, folds=folds, seeds=control_seeds)))
    size = FEATURE_NAMES.index("mask_size")
    scores = np.array([mad_anomaly_index(b[:, size].reshape(10, -1).min(1)) for b in bags])
    rows.append(("MAD of trigger sizes (unsupervised)",
                 f"AUC {roc_auc_score(labels, scores):.3f}, ACC {((scores > 2) == labels).mean():.3f} (index > 2)"))
    return rows


def recovery_summary(records: Sequence[HuntRecord]) -> dict[str, float]:
    """Mean trigger IoU and target-hit rate over the Trojaned models, steps to flip (fraction of
    the budget), components per candidate and mask size over all models, seconds per model."""
    trojaned = [r for r in records if r.trojaned]
    column = {name: k for k, name in enumerate(FEATURE_NAMES)}
    return {
        "iou": float(np.nanmean([r.iou for r in trojaned])) if trojaned else float("nan"),
        "target_hit": float(np.nanmean([r.target_hit for r in trojaned])) if trojaned else float("nan"),
        "steps_to_flip": float(np.mean([r.features[:, column["steps_to_flip"]].mean() for r in records])),
        "components": float(np.mean([r.features[:, column["components"]].mean() for r in records])),
        "mask_size": float(np.mean([r.features[:, column["mask_size"]].mean() for r in records])),
        "seconds": float(np.mean([r.seconds for r in records])),
    }
