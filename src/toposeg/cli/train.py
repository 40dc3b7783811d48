"""``toposeg train``: train a UNet with a pixel and/or topological loss; ``--resume`` a stopped run.

Every option of :class:`toposeg.train.TrainConfig` is a flag (``--loss dice+0.1*topo``,
``--pretrain-epochs 5``, ...); ``--config FILE`` (JSON or TOML) gives a base that flags
override. Under ``torchrun --nproc-per-node N -m toposeg.cli train ...`` the run is
data-parallel.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import typing
from pathlib import Path
from typing import Any

NAME = "train"
HELP = "train a segmentation network (loss by name, pretrain then fine-tune, checkpoints, --resume)"

_HELP = {
    "dataset": "dataset: {datasets} (isbi12, drive, topomortar: your copy, see --root)",
    "root": "data folder: images/ and masks/ (dataset 'folder'), or your copy of isbi12, drive, topomortar "
            "(default: $TOPOSEG_DATA)",
    "foreground": "label value of the structure in a folder's masks (default: masks are 0/1 or 0/255)",
    "invert_masks": "swap structure and background of a folder's masks",
    "val_fraction": "share of a folder's training images held out for validation when it has no val/",
    "labels": "TopoMortar training labels: accurate (default), noisy or pseudo",
    "channels": "network input channels (default: the images', e.g. 3 for RGB)",
    "classes": "network output classes, the background counted: 1 = sigmoid (binary masks), C >= 2 = softmax "
               "over C classes on label images, scored per class (default: the dataset's, 3 for vessels_av)",
    "train_count": "samples of the built-in train split",
    "val_count": "samples of the built-in val split",
    "sample_shape": "shape of built-in samples, e.g. 128,128",
    "data_seed": "base seed of the built-in samples",
    "patch_size": "training crop, e.g. 64 or 64,64 (3D: 32,32,32)",
    "foreground_bias": "probability that a crop is centred on the structure",
    "augment": "random symmetries",
    "normalise": "per-sample intensity normalisation",
    "depth": "UNet down-sampling steps",
    "width": "UNet channels at the top level",
    "norm": "UNet normalisation",
    "dropout": "UNet dropout probability",
    "model": "unet; structural: the UNet with a prior and a posterior net over the persistence threshold of "
             "its Morse branches (structure-level uncertainty: toposeg predict --samples K; one class); "
             "probabilistic: the probabilistic UNet (a Gaussian latent code, Kohl et al. 2018; one class)",
    "structural_objective": "structural model: sound (expected structural error, default) or seed (the seed's "
                            "Eq. 7.1 and Gaussian threshold, for comparison)",
    "structure": "structural model: skeleton (S1 ridges: vessels, roads) or watershed (S2 walls: membranes)",
    "structural_alpha": "structural model: weight of the structural term",
    "structural_beta": "structural model: weight of KL(posterior || prior)",
    "latent_dim": "probabilistic model: dimension of the latent code",
    "kl_weight": "probabilistic model: weight of KL(posterior || prior)",
    "loss": "weighted sum of terms: {losses}; e.g. 'ce+0.1*topo'",
    "loss_options": "option of a loss term, TERM.KEY=VALUE (repeat), e.g. dmt.eps=0.2",
    "loss_balance": "how topological weights are read: as factors (none), or as the ratio of the term's "
                    "gradient norm to the pixel terms' (gradient; the same weight suits every data set)",
    "epochs": "total epochs",
    "pretrain_epochs": "first epochs with the pixel terms only",
    "steps_per_epoch": "optimiser steps per epoch",
    "batch_size": "global batch size (split over torchrun processes)",
    "optimizer": "optimiser",
    "lr": "learning rate",
    "weight_decay": "weight decay",
    "scheduler": "learning-rate schedule",
    "val_metrics": "comma-separated validation metrics: default, all, {metrics}",
    "metric_options": "metric option KEY=VALUE (repeat), e.g. patch_size=32",
    "best_metric": "validation column choosing best.pt, e.g. dice or betti_error_1",
    "best_mode": "whether smaller or larger best_metric is better (auto: by name)",
    "threshold": "likelihood threshold for the validation masks (one class; several: the most likely class)",
    "seed": "seed of the weights, patches and random loss choices",
    "threads": "torch threads per process",
    "checkpoint_every": "also write last.pt every N steps (0: each epoch)",
    "init_from": "checkpoint whose weights start the run (fine-tuning); for cv also a cv output folder "
                 "with the same folds: each seed and fold starts from its own network",
    "preprocess": "topological preprocessing of every input (seed 004), e.g. 'objects=bright,smoothing=3' or 'default'",
}


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def _help(name: str) -> str:
    """The help of an option; the names of losses, metrics and datasets come from their registries."""
    from toposeg.data import DATASETS
    from toposeg.losses import LOSSES
    from toposeg.metrics import METRICS

    return _HELP[name].format(
        datasets=", ".join(DATASETS), losses=", ".join(LOSSES), metrics=", ".join(m.name for m in METRICS)
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from toposeg.train import TrainConfig

    parser.add_argument("--config", type=Path, default=None, help="JSON or TOML file of options (flags override it)")
    parser.add_argument("--out", type=Path, default=None, help="output folder of the run (required unless --resume)")
    parser.add_argument("--resume", type=Path, default=None, metavar="OUT",
                        help="continue the run in OUT from its last checkpoint, with its saved config")
    parser.add_argument("--device", default=None, help="cpu or cuda (default: cuda if available)")
    parser.add_argument("--no-progress", action="store_true",
                        help="no progress bars (they are shown only on a terminal; epoch lines are always printed)")
    parser.add_argument("--quiet", action="store_true", help="no epoch lines either")
    options = parser.add_argument_group("training options (see docs/training.md)")
    hints = typing.get_type_hints(TrainConfig)
    for field in dataclasses.fields(TrainConfig):
        choices = typing.get_args(hints[field.name]) if typing.get_origin(hints[field.name]) is typing.Literal else None
        if hints[field.name] is bool:
            options.add_argument(_flag(field.name), dest=field.name, action="store_const", const=True,
                                 default=None, help=_help(field.name))
        elif field.name in ("loss_options", "metric_options"):
            options.add_argument(_flag(field.name).removesuffix("s"), dest=field.name, action="append",
                                 default=None, metavar="KEY=VALUE", help=_help(field.name))
        else:
            options.add_argument(_flag(field.name), dest=field.name, default=None, choices=choices,
                                 type=_converter(field.name, hints[field.name]), help=_help(field.name))


def _converter(name: str, hint: Any):
    if name in ("patch_size", "sample_shape"):
        def sizes(text: str) -> int | tuple[int, ...]:
            values = tuple(int(v) for v in text.split(","))
            return values[0] if len(values) == 1 else values
        return sizes
    if name == "val_metrics":
        return lambda text: tuple(v.strip() for v in text.split(",") if v.strip())
    kinds = {t for t in typing.get_args(hint) if t is not type(None)} or {hint}
    if kinds <= {int}:
        return int
    if kinds <= {float}:
        return float
    return str


def _value(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def _options(entries: list[str], *, nested: bool) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for entry in entries:
        key, separator, text = entry.partition("=")
        if not separator or not key:
            raise ValueError(f"expected KEY=VALUE, got {entry!r}")
        if nested:
            term, dot, option = key.partition(".")
            if not dot or not term or not option:
                raise ValueError(f"expected TERM.KEY=VALUE (e.g. dmt.eps=0.2), got {entry!r}")
            result.setdefault(term, {})[option] = _value(text)
        else:
            result[key] = _value(text)
    return result


def config_from_arguments(args: argparse.Namespace):
    """The :class:`TrainConfig` of the parsed arguments: ``--config`` file, then flags."""
    from toposeg.train import TrainConfig, load_config

    config = load_config(args.config) if args.config is not None else TrainConfig()
    changes = {}
    for field in dataclasses.fields(TrainConfig):
        value = getattr(args, field.name)
        if value is None:
            continue
        if field.name == "metric_options":
            value = {**config.metric_options, **_options(value, nested=False)}
        elif field.name == "loss_options":
            value = {term: dict(options) for term, options in config.loss_options.items()}
            for term, options in _options(getattr(args, field.name), nested=True).items():
                value.setdefault(term, {}).update(options)
        changes[field.name] = value
    if "dataset" in changes and "patch_size" not in changes and changes["dataset"] != config.dataset:
        changes["patch_size"] = None  # the new dataset's default
    if "dataset" in changes and "classes" not in changes and changes["dataset"] != config.dataset:
        changes["classes"] = None  # the new dataset's
    return dataclasses.replace(config, **changes) if changes else config


def run(args: argparse.Namespace) -> int:
    from toposeg.data import MissingPackageError
    from toposeg.train import TrainConfig, load_config, train

    given = [_flag(f.name) for f in dataclasses.fields(TrainConfig)
             if getattr(args, f.name) is not None and f.name != "epochs"]
    if args.resume is not None:
        if given or args.config is not None or (args.out is not None and args.out != args.resume):
            raise ValueError("--resume OUT continues the run with the config saved in OUT/config.json (only "
                             "--epochs may extend it); do not give other options "
                             f"({', '.join(given + ['--config'] * (args.config is not None))})")
        out = args.resume
        if not (out / "config.json").is_file():
            raise ValueError(f"cannot resume: {out / 'config.json'} does not exist")
        config = load_config(out / "config.json")
        if args.epochs is not None:
            config = config.replace(epochs=args.epochs)
    else:
        if args.out is None:
            raise ValueError("--out is required (the folder for checkpoints, metrics and figures)")
        out, config = args.out, config_from_arguments(args)
    try:
        result = train(config, out, resume=args.resume is not None, progress=not args.no_progress,
                       device=args.device, epoch_lines=not args.quiet)
    except MissingPackageError as error:
        raise ValueError(str(error)) from error
    if result.history:
        wall, cpu = result.mean_epoch_seconds()
        print(f"{result.global_step} steps; best {config.best_metric} {result.best_value:.4f} at epoch "
              f"{result.best_epoch}; {wall:.2f} s per epoch ({cpu:.2f} s CPU)")
        print(f"wrote {out / 'best.pt'}, {out / 'last.pt'}, {out / 'metrics.csv'}, {out / 'curves.png'}")
    return 0
