"""The training loop: schedule, validation each epoch, checkpoints, exact resumption, DDP.

Outputs of a run in its folder: ``config.json``, ``last.pt`` and ``best.pt`` (see
:mod:`toposeg.train.checkpoint`), ``metrics.csv`` (one row per epoch) and ``curves.png``.
"""

from __future__ import annotations

import dataclasses
import math
import os
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from toposeg.data import PatchDataset, Sample
from toposeg.metrics import MetricAccumulator
from toposeg._atomic import write_text_atomically
from toposeg.train.checkpoint import (
    build_model,
    capture_random_state,
    load_checkpoint,
    restore_random_state,
    save_checkpoint,
    segmentation_network,
    wrapped_unet,
)
from toposeg.train.config import TrainConfig
from toposeg.train.conventions import apply_conventions
from toposeg.train.distributed import DistributedContext, use_global_batch_norm
from toposeg.train.evaluation import check_labels, load_split, predict_samples, score_samples
from toposeg.train.figures import plot_training_curves
from toposeg.train.history import format_epoch, write_history_csv
from toposeg.train.objective import Objective, parse_loss
from toposeg.uncertainty import latent_kl, structural_terms
from toposeg.train.preflight import (
    BEST,
    CONFIG_FILE,
    LAST,
    check_output_folder,
    check_resume,
    lock_output_folder,
    release_output_folder,
    resolve_patch_size,
)

__all__ = ["TrainResult", "train"]


@dataclass(frozen=True)
class TrainResult:
    """What a finished run produced.

    Attributes
    ----------
    out : Path
        The output folder (``best.pt``, ``last.pt``, ``config.json``, ``metrics.csv``, ``curves.png``).
    config : TrainConfig
        The config as run (a folder's patch size filled in).
    history : tuple of dict
        One row per epoch: ``epoch``, ``phase``, ``global_step``, ``lr``, ``train_loss`` and
        ``train_loss_<term>``, ``epoch_seconds`` and ``epoch_cpu_seconds`` (the training steps of
        the epoch, wall and CPU time of this process), ``validation_seconds``, and ``val_<column>`` for
        every validation metric column.
    best_epoch : int
        The epoch of ``best.pt`` (1-based).
    best_value : float
        Its ``best_metric``.
    global_step : int
        Optimiser steps taken.
    """

    out: Path
    config: TrainConfig
    history: tuple[dict[str, Any], ...]
    best_epoch: int
    best_value: float
    global_step: int

    def mean_epoch_seconds(self, phase: str | None = None) -> tuple[float, float]:
        """Mean wall and CPU seconds of the training steps per epoch (of one ``phase``, or all)."""
        rows = [r for r in self.history if phase is None or r["phase"] == phase]
        if not rows:
            return math.nan, math.nan
        return (float(np.mean([r["epoch_seconds"] for r in rows])),
                float(np.mean([r["epoch_cpu_seconds"] for r in rows])))


def train(
    config: TrainConfig,
    out: str | Path,
    *,
    resume: bool = False,
    progress: bool = True,
    device: str | None = None,
    epoch_lines: bool = True,
    samples: Mapping[str, Sequence[Sample]] | None = None,
) -> TrainResult:
    """Train a UNet as ``config`` says, writing checkpoints and records to ``out``.

    Parameters
    ----------
    config : TrainConfig
    out : path
        Output folder (created; it must not hold another run unless ``resume``).
    resume : bool
        Continue the run in ``out`` from its ``last.pt`` (``config`` must be the run's).
    progress : bool
        Show tqdm progress bars (on stderr, and only when it is a terminal: a log file gets
        the epoch lines alone).
    epoch_lines : bool
        Print one plain line per epoch (loss, validation scores) on stdout, flushed.
    samples : mapping, optional
        ``{"train": ..., "val": ...}``: samples to use instead of the config's dataset splits
        (a fold of :func:`toposeg.train.cross_validate`; the config still names the dataset,
        whose conventions apply).
    device : str, optional
        ``"cpu"``, ``"cuda"``; default CUDA if available. Under ``torchrun``, process ``r``
        uses GPU ``LOCAL_RANK``.

    Returns
    -------
    TrainResult

    Raises
    ------
    ValueError, FileNotFoundError
        Before anything is written: an unknown loss term or bad loss options, data folder
        problems (missing masks, mismatched sizes, unreadable files), a patch larger than a
        sample or not a multiple of the network's, a non-writable output folder, a folder
        already holding a run or in use by another run (a lock on ``out/.lock``), a checkpoint
        that does not match.

    Notes
    -----
    Under ``torchrun --nproc-per-node N`` each process takes ``batch_size / N`` samples of
    every global batch; the result matches a one-process run up to rounding
    (:mod:`toposeg.train.distributed`). Process 0 validates and writes.
    """
    out = Path(out)
    target = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
    if target.type == "cuda" and int(os.environ.get("WORLD_SIZE", "1")) > 1:
        target = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
    context = DistributedContext.from_environment(target)
    run = None
    try:
        run = _Run(config, out, context, target, resume=resume, progress=progress and sys.stderr.isatty(),
                   epoch_lines=epoch_lines, samples=samples)
        return run.run()
    finally:
        if run is not None:
            release_output_folder(out, run.lock)
        context.close()


def _sample_seed(seed: int, epoch: int, index: int) -> int:
    """Seed of the random choices of the loss for patch ``index`` of ``epoch``."""
    return int(np.random.SeedSequence([seed, epoch, index, 0x7055]).generate_state(1, np.uint64)[0] >> 1)


def _epoch_order(seed: int, epoch: int, size: int) -> np.ndarray:
    """The order in which an epoch's patches form batches (the same in every process)."""
    return np.random.default_rng(np.random.SeedSequence([seed, epoch, 0xBA7C])).permutation(size)


class _Run:
    """One run: everything is checked and built in ``__init__``, before anything is written."""

    def __init__(self, config: TrainConfig, out: Path, context: DistributedContext, device: torch.device,
                 *, resume: bool, progress: bool, epoch_lines: bool = True,
                 samples: Mapping[str, Sequence[Sample]] | None = None) -> None:
        self.out, self.context, self.device, self.progress = out, context, device, progress
        self.epoch_lines = epoch_lines
        if config.threads is not None:
            torch.set_num_threads(config.threads)
        spec = parse_loss(config.loss)
        pixel = spec.pixel_part()
        if config.pretrain_epochs and spec.topological and pixel is None:
            raise ValueError(f"loss {config.loss!r} has no pixel term (ce, dice) to pretrain with: "
                             "add one, e.g. 'ce+" + config.loss + "', or set pretrain_epochs to 0")
        if config.batch_size % context.world_size:
            raise ValueError(f"batch_size {config.batch_size} must be divisible by the number of "
                             f"processes ({context.world_size})")
        check_output_folder(out, resume=resume)
        state = None
        if resume:
            if not (out / LAST).is_file():
                raise ValueError(f"cannot resume: {out / LAST} does not exist (the run stopped before its "
                                 "first checkpoint: start it again without --resume)")
            state = load_checkpoint(out / LAST)
            check_resume(out, state, config)

        if samples is not None:
            train_samples, val_samples = samples["train"], samples["val"]
        else:
            train_samples, val_samples = load_split(config, "train"), load_split(config, "val")
        if config.dataset == "folder" and samples is None:
            load_split(config, "all")  # so that every file of the folder is checked before training
        config = resolve_patch_size(config, [s.shape for s in train_samples])
        check_labels([*train_samples, *val_samples], config.classes, f"dataset {config.dataset!r}")
        channels = train_samples[0].channels
        if config.channels is not None and config.channels != channels:
            raise ValueError(f"channels is {config.channels} but the images of {config.dataset} have {channels}")
        config = apply_conventions(config.replace(channels=channels))
        if len(config.patch_size) != train_samples[0].ndim:
            raise ValueError(f"patch_size {config.patch_size} does not fit {train_samples[0].ndim}D samples")
        multiple = 2**config.depth
        if any(p % multiple for p in config.patch_size):
            raise ValueError(f"patch_size {config.patch_size} must be a multiple of {multiple} "
                             f"(2 ** depth, depth {config.depth})")
        self.config = config
        self.patches = PatchDataset(
            train_samples, patch_size=config.patch_size, patches_per_epoch=config.steps_per_epoch * config.batch_size,
            foreground_bias=config.foreground_bias, augment=config.augment, normalise=config.normalise,
            seed=config.seed,
        )
        self.val_samples = val_samples

        torch.manual_seed(config.seed)
        self.model = build_model(config).to(device)
        if context.distributed:
            use_global_batch_norm(self.model)
        if config.init_from is not None and state is None:
            initial = load_checkpoint(config.init_from)
            whole = any(key.startswith("prior_net.") for key in initial.get("model", {}))
            receiver = self.model if whole else wrapped_unet(self.model)
            try:  # a plain checkpoint may start the UNet of a structural or probabilistic model
                receiver.load_state_dict(initial["model"])
            except (KeyError, RuntimeError) as error:
                raise ValueError(f"init_from {config.init_from}: its network does not match this config "
                                 f"(depth, width, norm): {str(error).splitlines()[0]}") from error
        self.full = Objective(spec, config.loss_options, balance=config.loss_balance, classes=config.classes)
        self.pretrain = (Objective(pixel, config.loss_options, classes=config.classes)
                         if pixel is not None and spec.topological else self.full)
        self.optimizer = (
            torch.optim.Adam(self.model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
            if config.optimizer == "adam" else
            torch.optim.SGD(self.model.parameters(), lr=config.lr, momentum=0.9, weight_decay=config.weight_decay)
        )
        total = config.epochs * config.steps_per_epoch
        factor = (lambda step: 1.0) if config.scheduler == "constant" else (
            lambda step: 0.5 * (1 + math.cos(math.pi * min(step, total) / total)))
        self.scheduler = torch.optim.lr_scheduler.LambdaLR(self.optimizer, factor)
        self._check_before_training(val_samples)

        self.epoch, self.step_in_epoch, self.global_step = 0, 0, 0
        self.progress_sums: dict[str, float] = {}
        self.history: list[dict[str, Any]] = []
        self.best_epoch, self.best_value = 0, math.nan
        if state is not None:
            self._restore(state)
        self.lock = None
        failure = None
        if context.is_main:
            try:
                out.mkdir(parents=True, exist_ok=True)
                self.lock = lock_output_folder(out)
                for stale in out.glob(".*.partial"):  # left by a process killed while writing
                    stale.unlink(missing_ok=True)
                write_text_atomically(out / CONFIG_FILE, config.to_json())
            except (OSError, ValueError) as error:
                failure = error
                release_output_folder(out, self.lock)
                self.lock = None
        # Every process learns whether process 0 took the folder, instead of waiting for it
        # forever at a barrier.
        if not context.broadcast_flag(failure is None):
            if failure is not None:
                raise failure
            raise ValueError(f"process 0 could not take the output folder {out}: see its error")

    def _check_before_training(self, val_samples) -> None:
        """Evaluate the loss on a first batch and the metrics on one sample, so that bad loss
        options, metric names or ``best_metric`` fail now."""
        config = self.config
        scores = MetricAccumulator(config.val_metrics, options=config.metric_options, classes=config.classes)
        row = scores.update(val_samples[0].mask, val_samples[0].mask)
        if config.best_metric not in row:
            raise ValueError(f"best_metric {config.best_metric!r} is not a column of the validation metrics "
                             f"({', '.join(row)})")
        random_state = capture_random_state()
        images, masks, generators, regions = self._batch(0, 0, self.patches.patches_per_epoch)
        self.model.eval()
        with torch.no_grad():
            self._loss(self.model, self.full, images, masks, generators, regions)
        self.model.train()
        restore_random_state(random_state)

    def _restore(self, state: dict[str, Any]) -> None:
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.scheduler.load_state_dict(state["scheduler"])
        restore_random_state(state["random"])
        self.epoch, self.step_in_epoch, self.global_step = state["epoch"], state["step_in_epoch"], state["global_step"]
        self.progress_sums = dict(state["progress_sums"])
        self.history = [dict(row) for row in state["history"]]
        self.best_epoch, self.best_value = state["best_epoch"], state["best_value"]

    def _state(self) -> dict[str, Any]:
        return {
            "config": self.config.to_dict(),
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict(),
            "random": capture_random_state(),
            "epoch": self.epoch,
            "step_in_epoch": self.step_in_epoch,
            "global_step": self.global_step,
            "progress_sums": dict(self.progress_sums),
            "history": [dict(row) for row in self.history],
            "best_epoch": self.best_epoch,
            "best_value": self.best_value,
        }

    def _batch(self, epoch: int, step: int, size: int):
        config = self.config
        self.patches.set_epoch(epoch)
        order = _epoch_order(config.seed, epoch, size)
        indices = self.context.shard(order[step * config.batch_size:(step + 1) * config.batch_size].tolist())
        items = [self.patches[i] for i in indices]
        images, masks, *regions = (torch.stack(parts).to(self.device) for parts in zip(*items, strict=True))
        generators = [torch.Generator().manual_seed(_sample_seed(config.seed, epoch, i)) for i in indices]
        return images, masks, generators, (regions[0] if regions else None)

    def _loss(self, network: nn.Module, objective: Objective, images, masks, generators, regions):
        """The objective on the network's logits; a structural model adds its structural and KL
        terms (on the likelihood inside the ignore region, as the objective sees it)."""
        config = self.config
        if config.model == "probabilistic":
            output = network(images, masks, generator=generators[0] if generators else None)
            loss, parts = objective(output.logits, masks, generators, regions)
            kl = latent_kl(output)
            return loss + config.kl_weight * kl, {**parts, "kl": float(kl.detach())}
        if config.model != "structural":
            return objective(network(images), masks, generators, regions)
        output = network(images, masks)
        loss, parts = objective(output.logits, masks, generators, regions)
        if regions is not None:
            output = dataclasses.replace(output, logits=torch.where(regions > 0.5, output.logits,
                                                                    torch.full_like(output.logits, -30.0)))
            masks = masks * regions
        structure, kl = structural_terms(output, masks, objective=config.structural_objective,
                                         structure=config.structure,
                                         generator=generators[0] if generators else None)
        parts = {**parts, "structure": float(structure.detach()), "kl": float(kl.detach())}
        return loss + config.structural_alpha * structure + config.structural_beta * kl, parts

    def run(self) -> TrainResult:
        config, context = self.config, self.context
        network: nn.Module = self.model
        if context.distributed:
            network = nn.parallel.DistributedDataParallel(self.model)
        from tqdm import tqdm

        while self.epoch < config.epochs:
            epoch = self.epoch
            phase = "pretrain" if epoch < config.pretrain_epochs else "train"
            objective = self.pretrain if phase == "pretrain" else self.full
            bar = tqdm(initial=self.step_in_epoch, total=config.steps_per_epoch, unit="step", file=sys.stderr,
                       desc=f"epoch {epoch + 1}/{config.epochs} ({phase})", leave=False,
                       disable=not (self.progress and context.is_main))
            for step in range(self.step_in_epoch, config.steps_per_epoch):
                wall, cpu = time.perf_counter(), time.process_time()
                images, masks, generators, regions = self._batch(epoch, step, self.patches.patches_per_epoch)
                self.optimizer.zero_grad(set_to_none=True)
                loss, parts = self._loss(network, objective, images, masks, generators, regions)
                loss.backward()
                self.optimizer.step()
                self.scheduler.step()
                values = self._mean_over_processes([float(loss.detach()), *parts.values()])
                sums = self.progress_sums
                for key, value in zip(["loss", *(f"loss_{k}" for k in parts)], values, strict=True):
                    sums[key] = sums.get(key, 0.0) + value
                sums["seconds"] = sums.get("seconds", 0.0) + time.perf_counter() - wall
                sums["cpu_seconds"] = sums.get("cpu_seconds", 0.0) + time.process_time() - cpu
                self.step_in_epoch, self.global_step = step + 1, self.global_step + 1
                bar.set_postfix(loss=f"{values[0]:.4f}", refresh=False)
                bar.update()
                if (config.checkpoint_every and self.global_step % config.checkpoint_every == 0
                        and self.step_in_epoch < config.steps_per_epoch and context.is_main):
                    save_checkpoint(self.out / LAST, self._state())
            bar.close()
            self._end_epoch(phase)
            context.barrier()
        if context.is_main:
            self._write_records()
        return TrainResult(self.out, config, tuple(dict(r) for r in self.history), self.best_epoch,
                           self.best_value, self.global_step)

    def _mean_over_processes(self, values: list[float]) -> list[float]:
        if not self.context.distributed:
            return values
        tensor = torch.tensor(values, dtype=torch.float64)
        torch.distributed.all_reduce(tensor)
        return (tensor / self.context.world_size).tolist()

    def _end_epoch(self, phase: str) -> None:
        config, sums = self.config, self.progress_sums
        steps = config.steps_per_epoch
        row: dict[str, Any] = {
            "epoch": self.epoch + 1, "phase": phase, "global_step": self.global_step,
            "lr": self.optimizer.param_groups[0]["lr"],
            **{f"train_{k}": v / steps for k, v in sums.items() if k.startswith("loss")},
            "epoch_seconds": sums.get("seconds", 0.0), "epoch_cpu_seconds": sums.get("cpu_seconds", 0.0),
        }
        self.epoch, self.step_in_epoch, self.progress_sums = self.epoch + 1, 0, {}
        if not self.context.is_main:
            return
        start = time.perf_counter()
        likelihoods = predict_samples(segmentation_network(self.model), self.val_samples,
                                      normalise=config.normalise)
        scores = score_samples(likelihoods, self.val_samples, threshold=config.threshold,
                               metrics=config.val_metrics, options=config.metric_options, classes=config.classes)
        row["validation_seconds"] = time.perf_counter() - start
        row.update({f"val_{k}": s.mean for k, s in scores.summary().items()})
        self.history.append(row)
        value = row[f"val_{config.best_metric}"]
        better = (value < self.best_value) if config.lower_is_better else (value > self.best_value)
        if math.isfinite(value) and (self.best_epoch == 0 or not math.isfinite(self.best_value) or better):
            self.best_epoch, self.best_value = row["epoch"], value
            save_checkpoint(self.out / BEST, self._state())
        elif self.best_epoch == 0 and self.epoch == config.epochs:
            save_checkpoint(self.out / BEST, self._state())  # never a finite score: keep the last weights
        save_checkpoint(self.out / LAST, self._state())
        self._write_records()
        if self.epoch_lines:
            print(format_epoch(row, config.best_metric), flush=True)

    def _write_records(self) -> None:
        if self.history:
            write_history_csv(self.history, self.out / "metrics.csv")
            plot_training_curves(self.history, self.out / "curves.png")
