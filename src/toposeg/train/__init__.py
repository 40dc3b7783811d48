"""Training, prediction and evaluation of segmentation networks with topological losses.

``train(config, out)`` runs one :class:`TrainConfig`; ``predict_likelihood`` segments images and
volumes of any size by sliding windows; ``evaluate_checkpoint`` scores a trained network on a
dataset split; ``compare_losses`` is the main job (``toposeg demo``). See ``docs/training.md``.
"""

from toposeg.train.checkpoint import (
    build_model,
    load_checkpoint,
    model_from_checkpoint,
    save_checkpoint,
)
from toposeg.train.config import TrainConfig, load_config
from toposeg.train.cross_validation import CVConfig, CVResult, cross_validate, fold_assignment, fold_plan
from toposeg.train.evaluation import (
    evaluate_checkpoint,
    load_split,
    predict_samples,
    score_samples,
)
from toposeg.train.objective import (
    LOSS_TERMS,
    LossSpec,
    LossTerm,
    Objective,
    parse_loss,
)
from toposeg.train.sliding_window import WHOLE_IMAGE_LIMIT, default_window, predict_likelihood, window_starts
from toposeg.train.trainer import TrainResult, train

__all__ = [
    "CVConfig",
    "CVResult",
    "LOSS_TERMS",
    "LossSpec",
    "LossTerm",
    "Objective",
    "TrainConfig",
    "TrainResult",
    "WHOLE_IMAGE_LIMIT",
    "build_model",
    "cross_validate",
    "default_window",
    "evaluate_checkpoint",
    "fold_assignment",
    "fold_plan",
    "load_checkpoint",
    "load_config",
    "load_split",
    "model_from_checkpoint",
    "parse_loss",
    "predict_likelihood",
    "predict_samples",
    "save_checkpoint",
    "score_samples",
    "train",
    "window_starts",
]
