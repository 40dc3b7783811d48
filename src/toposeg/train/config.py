"""One typed configuration per training run: a frozen dataclass, saved as JSON beside the outputs.

Every option that changes the result of a run lives here (data, model, loss and schedule,
optimiser, validation, seed, threads); how a run is watched (progress bars) does not. The
config is validated when it is made, so a bad value fails before any data is read.
"""

from __future__ import annotations

import dataclasses
import json
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from toposeg.data.registry import DATASETS
from toposeg.preprocess import PreprocessOptions

__all__ = ["TrainConfig", "load_config"]

DEFAULT_PATCH = {2: (64, 64), 3: (32, 32, 32)}

Optimizer = Literal["adam", "sgd"]
Scheduler = Literal["constant", "cosine"]
BestMode = Literal["auto", "min", "max"]
Norm = Literal["batch", "instance", "group", "none"]
Augmentation = Literal["none", "flip", "flip_rotate"]
Normalisation = Literal["none", "minmax", "percentile", "zscore"]
LossBalance = Literal["none", "gradient"]
ModelKind = Literal["unet", "structural", "probabilistic"]
StructuralObjective = Literal["sound", "seed"]
StructureKind = Literal["skeleton", "watershed"]

# metric columns where a smaller value is better (best_mode="auto")
_LOWER_IS_BETTER = ("betti_error", "voi", "warping_error", "loss")

_CHOICES = {
    "optimizer": ("adam", "sgd"),
    "scheduler": ("constant", "cosine"),
    "best_mode": ("auto", "min", "max"),
    "norm": ("batch", "instance", "group", "none"),
    "augment": ("none", "flip", "flip_rotate"),
    "normalise": ("none", "minmax", "percentile", "zscore"),
    "loss_balance": ("none", "gradient"),
    "model": ("unet", "structural", "probabilistic"),
    "structural_objective": ("sound", "seed"),
    "structure": ("skeleton", "watershed"),
}


@dataclass(frozen=True)
class TrainConfig:
    """The options of one ``toposeg train`` run.

    Attributes
    ----------
    dataset : str
        A name of :data:`toposeg.data.DATASETS` (``membranes``, ``vessels``, ...), a real data
        set (``isbi12``, ``drive``, ``topomortar``) or ``folder``.
    root : str, optional
        The data folder: for ``folder`` (``images/`` and ``masks/``) and the real data sets
        (default for those: ``$TOPOSEG_DATA``).
    foreground : int, optional
        Label value of the structure in a folder's masks (default: masks are 0/1 or 0/255).
    invert_masks : bool
        Swap structure and background of a folder's masks.
    val_fraction : float, optional
        Share of a folder's training images held out for validation when it has no ``val/``.
    labels : str, optional
        TopoMortar's training labels: ``accurate`` (default), ``noisy`` or ``pseudo``.
    channels : int, optional
        Input channels of the network; filled in from the data when training starts (3 for
        RGB) and saved in the run's config.
    classes : int, optional
        Output classes of the network, the background counted: 1 (default for binary data
        sets) is one channel with a sigmoid; ``C >= 2`` is ``C`` channels with a softmax,
        trained on label images (0 background, ``1 .. C - 1`` the classes), scored per class.
        Default: the dataset's (3 for ``vessels_av``, 1 for binary ones); a binary data set
        may also take 2 (a softmax over background and structure).
    train_count, val_count : int, optional
        Samples of the built-in train and val splits (default: the dataset's, 32 and 8).
    sample_shape : tuple of int, optional
        Shape of built-in samples (default: the dataset's).
    data_seed : int
        Base seed of the built-in samples.
    patch_size : tuple of int, optional
        Training crop size, one per axis; an int is used for every axis (for a folder, once its
        files say how many). Default: 64 per axis in 2D, 32 in 3D (for a folder: chosen when
        its files are read, at most the smallest sample, and saved in the run's config).
    foreground_bias, augment, normalise
        As for :class:`toposeg.data.PatchDataset`.
    depth, width, norm, dropout
        As for :class:`toposeg.models.UNet` (one input channel, one output channel).
    model : {"unet", "structural", "probabilistic"}
        ``"structural"``: the UNet inside :class:`toposeg.uncertainty.StructuralUNet` (a prior and
        a posterior net over the persistence threshold of its Morse branches), trained with
        ``loss + structural_alpha * L_structure + structural_beta * KL(posterior || prior)``;
        ``toposeg predict --samples K`` then writes structure-level uncertainty (one class only).
        ``"probabilistic"``: the UNet inside :class:`toposeg.uncertainty.ProbabilisticUNet` (a
        Gaussian latent code joined to its top features), trained with ``loss`` on the logits of
        a posterior draw ``+ kl_weight * KL(posterior || prior)``; it predicts at the prior's
        mean (one class only).
    structural_objective : {"sound", "seed"}
        ``L_structure`` of a structural model: the expected structural error (sound) or the
        seed's Eq. 7.1 with its Gaussian threshold (see ``docs/uncertainty.md``).
    structure : {"skeleton", "watershed"}
        The branches of a structural model: S1 ridges (vessels, roads) or S2 basin walls
        (membranes), as for :func:`toposeg.morse.morse_branches`.
    structural_alpha, structural_beta : float
        Weights of the structural term and of the KL term of a structural model.
    latent_dim, kl_weight : int, float
        Dimension of the latent code and weight of the KL term of a probabilistic model.
    loss : str
        The loss as a weighted sum of named terms, e.g. ``"ce"``, ``"dice+0.1*topo"``,
        ``"ce+3*dmt"`` (see :func:`toposeg.train.parse_loss`).
    loss_options : mapping of str to mapping
        Options of each term, by term name, e.g. ``{"dmt": {"eps": 0.2}}``.
    loss_balance : {"none", "gradient"}
        How topological weights are read (:class:`toposeg.train.Objective`): ``"none"``, as
        factors; ``"gradient"``, as the norm of the term's gradient on the logits relative to
        the pixel terms' at each step (the same weight then suits every data set).
    epochs : int
        Total number of epochs.
    pretrain_epochs : int
        The first epochs train with the pixel terms of ``loss`` only (the seeds' schedule);
        the topological terms join afterwards.
    steps_per_epoch : int
        Optimiser steps per epoch; an epoch draws ``steps_per_epoch * batch_size`` patches.
    batch_size : int
        The global batch (split evenly over the processes of a distributed run).
    optimizer : {"adam", "sgd"}
        Adam, or SGD with momentum 0.9.
    lr, weight_decay : float
    scheduler : {"constant", "cosine"}
        Learning rate per step: cosine decay to 0 over the whole run (default, so that the last
        weights are those of a small step), or constant.
    val_metrics : tuple of str
        Metric names for :class:`toposeg.metrics.MetricAccumulator` (``"default"`` allowed).
    metric_options : mapping
        Options of the metrics (``patch_size``, ``connectivity``, ...).
    best_metric : str
        Validation column that chooses ``best.pt`` (e.g. ``"dice"``, ``"betti_error_1"``).
    best_mode : {"auto", "min", "max"}
        ``"auto"``: smaller is better for Betti errors, VOI, warping error and losses.
    threshold : float
        Likelihoods ``>= threshold`` are foreground when scoring.
    seed : int
        Seed of the weights, the patches and the random choices of the losses.
    threads : int, optional
        ``torch.set_num_threads`` per process (default: torch's choice).
    checkpoint_every : int
        Also write ``last.pt`` every this many steps (0: at the end of each epoch only).
    init_from : str, optional
        A checkpoint whose weights start the run (fine-tuning from a pretrained network).
    preprocess : str, optional
        Topological preprocessing of every input (seed 004), as ``"key=value,..."`` options
        of :class:`toposeg.preprocess.PreprocessOptions` (``"default"`` for the defaults);
        ``None``: none. Stored in full, so that ``toposeg predict`` processes its inputs alike.
    """

    dataset: str = "membranes"
    root: str | None = None
    foreground: int | None = None
    invert_masks: bool = False
    val_fraction: float | None = None
    labels: str | None = None
    channels: int | None = None
    classes: int | None = None
    train_count: int | None = None
    val_count: int | None = None
    sample_shape: tuple[int, ...] | None = None
    data_seed: int = 0
    patch_size: tuple[int, ...] | None = None
    foreground_bias: float = 0.5
    augment: Augmentation = "flip_rotate"
    normalise: Normalisation = "minmax"
    depth: int = 3
    width: int = 16
    norm: Norm = "batch"
    dropout: float = 0.0
    model: ModelKind = "unet"
    structural_objective: StructuralObjective = "sound"
    structure: StructureKind = "skeleton"
    structural_alpha: float = 1.0
    structural_beta: float = 1.0
    latent_dim: int = 6
    kl_weight: float = 1.0
    loss: str = "ce"
    loss_options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    loss_balance: LossBalance = "none"
    epochs: int = 10
    pretrain_epochs: int = 0
    steps_per_epoch: int = 50
    batch_size: int = 8
    optimizer: Optimizer = "adam"
    lr: float = 1e-3
    weight_decay: float = 0.0
    scheduler: Scheduler = "cosine"
    val_metrics: tuple[str, ...] = ("default",)
    metric_options: Mapping[str, Any] = field(default_factory=dict)
    best_metric: str = "dice"
    best_mode: BestMode = "auto"
    threshold: float = 0.5
    seed: int = 0
    threads: int | None = None
    checkpoint_every: int = 0
    init_from: str | None = None
    preprocess: str | None = None

    def __post_init__(self) -> None:
        def put(name: str, value: object) -> None:
            object.__setattr__(self, name, value)

        for name in ("train_count", "val_count", "threads", "channels", "classes"):
            value = getattr(self, name)
            if value is not None:
                put(name, _integer(name, value, minimum=1))
        for name, minimum in (("data_seed", None), ("seed", None), ("depth", 0), ("width", 1),
                              ("epochs", 1), ("pretrain_epochs", 0), ("steps_per_epoch", 1),
                              ("batch_size", 1), ("checkpoint_every", 0), ("latent_dim", 1)):
            put(name, _integer(name, getattr(self, name), minimum=minimum))
        if self.pretrain_epochs > self.epochs:
            raise ValueError(f"pretrain_epochs ({self.pretrain_epochs}) exceeds epochs ({self.epochs})")
        for name, low, high in (("foreground_bias", 0.0, 1.0), ("dropout", 0.0, 0.999),
                                ("lr", 0.0, math.inf), ("weight_decay", 0.0, math.inf),
                                ("threshold", 0.0, 1.0), ("structural_alpha", 0.0, math.inf),
                                ("structural_beta", 0.0, math.inf), ("kl_weight", 0.0, math.inf)):
            put(name, _real(name, getattr(self, name), low, high))
        if self.lr == 0:
            raise ValueError("lr must be > 0")
        for name, choices in _CHOICES.items():
            if getattr(self, name) not in choices:
                raise ValueError(f"{name} must be one of {', '.join(choices)}, got {getattr(self, name)!r}")
        for name in ("dataset", "loss", "best_metric"):
            if not isinstance(getattr(self, name), str) or not getattr(self, name).strip():
                raise ValueError(f"{name} must be a non-empty string, got {getattr(self, name)!r}")
        for name in ("root", "init_from"):
            value = getattr(self, name)
            if value is not None:
                put(name, str(value))
        if self.preprocess is not None:
            put("preprocess", PreprocessOptions.from_text(self.preprocess).to_text())
        if self.dataset not in DATASETS:
            raise ValueError(f"unknown dataset {self.dataset!r}; choose from {', '.join(DATASETS)}")
        kind = DATASETS[self.dataset].kind
        labels = DATASETS[self.dataset].classes
        if self.classes is None:
            put("classes", labels)
        put("classes", _integer("classes", self.classes, minimum=1))
        if labels > 1 and self.classes != labels:
            raise ValueError(f"dataset {self.dataset!r} has label images of {labels} classes (the background "
                             f"counted): classes must be {labels}, got {self.classes}")
        if labels == 1 and self.classes > 2:
            raise ValueError(f"dataset {self.dataset!r} has binary masks: classes must be 1 (sigmoid) or 2 "
                             f"(softmax), got {self.classes}")
        if self.model in ("structural", "probabilistic") and self.classes != 1:
            raise ValueError(f"model {self.model!r} segments one class (a sigmoid output): classes must be 1, "
                             f"got {self.classes}")
        if self.model != "structural":
            changed = [n for n, d in (("structural_objective", "sound"), ("structure", "skeleton"),
                                      ("structural_alpha", 1.0), ("structural_beta", 1.0)) if getattr(self, n) != d]
            if changed:
                raise ValueError(f"{', '.join(changed)} are options of model 'structural', not {self.model!r}")
        if self.model != "probabilistic":
            changed = [n for n, d in (("latent_dim", 6), ("kl_weight", 1.0)) if getattr(self, n) != d]
            if changed:
                raise ValueError(f"{', '.join(changed)} are options of model 'probabilistic', not {self.model!r}")
        if self.dataset == "folder" and self.root is None:
            raise ValueError("dataset 'folder' needs root (the folder with images/ and masks/)")
        if self.root is not None and kind not in ("folder", "benchmark"):
            raise ValueError(f"root is for dataset 'folder' and the real data sets, not {self.dataset!r}")
        if self.foreground is not None:
            put("foreground", _integer("foreground", self.foreground, minimum=None))
        if not isinstance(self.invert_masks, bool):
            raise TypeError(f"invert_masks must be true or false, got {self.invert_masks!r}")
        if self.val_fraction is not None:
            put("val_fraction", _real("val_fraction", self.val_fraction, 0.0, 1.0))
            if not 0 < self.val_fraction < 1:
                raise ValueError(f"val_fraction must lie strictly between 0 and 1, got {self.val_fraction}")
        folder_only = [n for n in ("foreground", "val_fraction") if getattr(self, n) is not None]
        folder_only += ["invert_masks"] * self.invert_masks
        if folder_only and kind != "folder":
            raise ValueError(f"{', '.join(folder_only)} are options of dataset 'folder', not {self.dataset!r}")
        if self.labels is not None and self.dataset != "topomortar":
            raise ValueError(f"labels is an option of dataset 'topomortar', not {self.dataset!r}")
        if self.labels is not None and self.labels not in ("accurate", "noisy", "pseudo"):
            raise ValueError(f"labels must be accurate, noisy or pseudo, got {self.labels!r}")
        ndim = DATASETS[self.dataset].ndim or None  # None: a folder, known once read
        if self.dataset == "folder" and (self.train_count, self.val_count, self.sample_shape) != (None,) * 3:
            raise ValueError("train_count, val_count and sample_shape are for built-in datasets, not 'folder'")
        if self.patch_size is None and ndim is not None:
            put("patch_size", DEFAULT_PATCH[ndim])
        if self.patch_size is not None:
            put("patch_size", _sizes("patch_size", self.patch_size, ndim))
        if self.sample_shape is not None:
            put("sample_shape", _sizes("sample_shape", self.sample_shape, ndim))
        if isinstance(self.val_metrics, str):
            put("val_metrics", tuple(m.strip() for m in self.val_metrics.split(",") if m.strip()))
        put("val_metrics", tuple(str(m) for m in self.val_metrics))
        if not self.val_metrics:
            raise ValueError("val_metrics is empty")
        if not isinstance(self.loss_options, Mapping) or not all(
            isinstance(v, Mapping) for v in self.loss_options.values()
        ):
            raise TypeError(
                "loss_options must map term names to option tables, e.g. {'dmt': {'eps': 0.2}}, "
                f"got {self.loss_options!r}"
            )
        put("loss_options", {str(k): dict(v) for k, v in self.loss_options.items()})
        if not isinstance(self.metric_options, Mapping):
            raise TypeError(f"metric_options must be a mapping, got {self.metric_options!r}")
        put("metric_options", dict(self.metric_options))

    def data_options(self) -> dict[str, Any]:
        """Keyword options of the dataset's loader (folder options, TopoMortar's labels)."""
        if self.dataset == "folder":
            return {"foreground": self.foreground, "invert": self.invert_masks, "val_fraction": self.val_fraction}
        return {} if self.labels is None else {"labels": self.labels}

    @property
    def lower_is_better(self) -> bool:
        """Whether a smaller ``best_metric`` is better."""
        if self.best_mode != "auto":
            return self.best_mode == "min"
        return self.best_metric.startswith(_LOWER_IS_BETTER)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values (tuples as lists)."""
        return json.loads(json.dumps(dataclasses.asdict(self)))

    def to_json(self) -> str:
        """The config as JSON text (sorted as declared, indented)."""
        return json.dumps(self.to_dict(), indent=2) + "\n"

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> TrainConfig:
        """Make a config from plain values (e.g. read from JSON or TOML).

        Raises
        ------
        ValueError, TypeError
            If a key is not an option (the message lists the options) or a value is bad.

        Examples
        --------
        >>> from toposeg.train import TrainConfig
        >>> config = TrainConfig.from_dict({"loss": "dice+0.1*topo", "patch_size": 32})
        >>> config.patch_size, TrainConfig.from_dict(config.to_dict()) == config
        ((32, 32), True)
        """
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"unknown config option(s) {', '.join(unknown)}; options are {', '.join(sorted(known))}")
        values = dict(values)
        for name in ("patch_size", "sample_shape", "val_metrics"):
            if isinstance(values.get(name), list):
                values[name] = tuple(values[name])
        return cls(**values)

    def replace(self, **changes: Any) -> TrainConfig:
        """A copy with some options changed (validated again)."""
        return dataclasses.replace(self, **changes)


def load_config(path: str | Path) -> TrainConfig:
    """Read a config from a JSON (``.json``) or TOML (``.toml``) file.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        If it cannot be parsed or holds unknown options or bad values (the message names the file).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"config file not found: {path}")
    try:
        if path.suffix.lower() == ".toml":
            values = tomllib.loads(path.read_text(encoding="utf-8"))
        elif path.suffix.lower() == ".json":
            values = json.loads(path.read_text(encoding="utf-8"))
        else:
            raise ValueError("use a .json or .toml file")
        if not isinstance(values, dict):
            raise ValueError("the file must hold one table of options")
        return TrainConfig.from_dict(values)
    except (ValueError, TypeError, tomllib.TOMLDecodeError) as error:
        raise ValueError(f"{path}: {error}") from error


def _integer(name: str, value: object, *, minimum: int | None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def _real(name: str, value: object, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a finite number, got {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    if not low <= value <= high:
        raise ValueError(f"{name} must lie in [{low}, {high}], got {value}")
    return float(value)


def _sizes(name: str, value: object, ndim: int | None) -> tuple[int, ...]:
    if isinstance(value, int) and not isinstance(value, bool):
        if ndim is None:  # a folder: every axis, once its files tell how many
            return (_integer(name, value, minimum=1),)
        value = (value,) * ndim
    if not isinstance(value, (tuple, list)):
        raise TypeError(f"{name} must be 2 or 3 positive sizes, got {value!r}")
    if len(value) not in (1, 2, 3) or (len(value) == 1 and ndim is not None):
        raise ValueError(f"{name} must be 2 or 3 positive sizes, got {value!r}")
    if len(value) == 1 and ndim is None:
        return (_integer(name, value[0], minimum=1),)
    if ndim is not None and len(value) != ndim:
        raise ValueError(f"{name} must have {ndim} sizes for a {ndim}D dataset, got {tuple(value)}")
    return tuple(_integer(name, v, minimum=1) for v in value)
