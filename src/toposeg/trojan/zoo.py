"""A resumable model zoo: tiny CNNs on upsampled digits, half of them Trojaned by patch triggers.

Layout of a zoo folder: ``config.json`` (the :class:`ZooConfig`), ``models/NNNN.pt`` (one
checkpoint per kept model: architecture, weights, metadata, true trigger) and ``index.jsonl``
(one line per attempted model, written after its checkpoint, so that an interrupted build
resumes where it stopped; Trojaned models under ``min_asr`` attack success are listed as
dropped and have no checkpoint).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from toposeg.trojan.architectures import ARCHITECTURES, build_classifier
from toposeg.trojan.digits import load_digits_images
from toposeg.trojan.triggers import PatchTrigger, random_trigger

__all__ = ["ZooConfig", "ZooModel", "build_zoo", "load_model_file", "load_zoo", "train_classifier"]

@dataclass(frozen=True)
class ZooConfig:
    """How a zoo is built. Model ``i`` is Trojaned when ``i`` is odd; its architecture, training
    seed and trigger come from ``numpy.random.default_rng([seed, i])``, so the clean and Trojaned
    halves share architectures and seeds. The ``source_specific``, ``random_position`` and
    ``blended`` probabilities make harder zoos (see :func:`random_trigger`)."""

    count: int = 200
    seed: int = 0
    size: int = 16
    epochs: int = 10
    batch_size: int = 128
    learning_rate: float = 5e-3
    poison_fraction: float = 0.1
    min_asr: float = 0.9
    source_specific: float = 0.0
    random_position: float = 0.0
    blended: float = 0.0

    def __post_init__(self) -> None:
        for name in ("count", "epochs", "batch_size"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        for name in ("poison_fraction", "min_asr", "source_specific", "random_position", "blended"):
            value = getattr(self, name)
            if not 0 <= value <= 1:
                raise ValueError(f"{name} must lie in [0, 1], got {value!r}")
        if self.learning_rate <= 0:
            raise ValueError(f"learning_rate must be positive, got {self.learning_rate!r}")

@dataclass(frozen=True)
class ZooModel:
    """One kept model of a zoo: its file, label and training record."""

    index: int
    path: Path
    architecture: str
    trojaned: bool
    accuracy: float
    asr: float | None
    target: int | None
    shape: str | None

    def load(self) -> tuple[nn.Module, PatchTrigger | None]:
        """The network (eval mode) and its true trigger (``None`` for a clean model)."""
        return load_model_file(self.path)

def _poisoned_set(x: torch.Tensor, y: torch.Tensor, trigger: PatchTrigger, fraction: float,
                  generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    eligible = y != trigger.target if trigger.source < 0 else y == trigger.source
    pool = torch.nonzero(eligible).flatten()
    count = max(1, int(round(fraction * len(y)))) if trigger.source < 0 else len(pool)
    chosen = pool[torch.randperm(len(pool), generator=generator)[:count]]
    extra_x = [trigger.stamp(x[chosen], generator)]
    extra_y = [torch.full((len(chosen),), trigger.target, dtype=y.dtype)]
    if trigger.source >= 0:  # the trigger on other classes keeps their label
        others = torch.nonzero((y != trigger.source) & (y != trigger.target)).flatten()
        others = others[torch.randperm(len(others), generator=generator)[: len(chosen)]]
        extra_x.append(trigger.stamp(x[others], generator))
        extra_y.append(y[others])
    return torch.cat([x, *extra_x]), torch.cat([y, *extra_y])

def train_classifier(model: nn.Module, x: torch.Tensor, y: torch.Tensor, *, epochs: int,
                     batch_size: int, learning_rate: float, generator: torch.Generator) -> nn.Module:
    """Plain Adam + cross-entropy training (in place); returns the model in eval mode."""
    optimiser = torch.optim.Adam(model.parameters(), lr=learning_rate)
    model.train()
    for _ in range(epochs):
        order = torch.randperm(len(y), generator=generator)
        for start in range(0, len(y), batch_size):
            batch = order[start : start + batch_size]
            optimiser.zero_grad()
            F.cross_entropy(model(x[batch]), y[batch]).backward()
            optimiser.step()
    return model.eval()

@torch.no_grad()
def _attack_success(model: nn.Module, x: torch.Tensor, y: torch.Tensor, trigger: PatchTrigger,
                    generator: torch.Generator) -> float:
    keep = y != trigger.target if trigger.source < 0 else y == trigger.source
    predicted = model(trigger.stamp(x[keep], generator)).argmax(1)
    return float((predicted == trigger.target).float().mean())

def _build_one(config: ZooConfig, index: int, folder: Path) -> dict:
    rng = np.random.default_rng([config.seed, index // 2])  # clean/Trojaned pairs share draws
    architecture = ARCHITECTURES[int(rng.integers(len(ARCHITECTURES)))]
    train_seed = int(rng.integers(2**31))
    trojaned = index % 2 == 1
    x, y = load_digits_images("train", size=config.size)
    x_test, y_test = load_digits_images("test", size=config.size)
    generator = torch.Generator().manual_seed(train_seed)
    trigger = None
    if trojaned:
        trigger = random_trigger(np.random.default_rng([config.seed, index, 1]), (config.size,) * 2, 10,
                                 source_specific=config.source_specific,
                                 random_position=config.random_position, blended=config.blended)
        x, y = _poisoned_set(x, y, trigger, config.poison_fraction, generator)
    torch.manual_seed(train_seed)
    model = build_classifier(architecture, size=config.size)
    train_classifier(model, x, y, epochs=config.epochs, batch_size=config.batch_size,
                     learning_rate=config.learning_rate, generator=generator)
    with torch.no_grad():
        accuracy = float((model(x_test).argmax(1) == y_test).float().mean())
    asr = _attack_success(model, x_test, y_test, trigger, generator) if trigger is not None else None
    record = {"index": index, "architecture": architecture, "trojaned": trojaned,
              "accuracy": accuracy, "asr": asr, "train_seed": train_seed,
              "target": None if trigger is None else trigger.target,
              "shape": None if trigger is None else trigger.shape,
              "source": None if trigger is None else trigger.source,
              "alpha": None if trigger is None else trigger.alpha,
              "position": None if trigger is None else trigger.position}
    record["kept"] = asr is None or asr >= config.min_asr
    if record["kept"]:
        path = folder / "models" / f"{index:04d}.pt"
        payload = {"architecture": architecture, "size": config.size, "state_dict": model.state_dict(),
                   "record": record,
                   "trigger": None if trigger is None else {
                       "shape": trigger.shape, "mask": torch.from_numpy(trigger.mask),
                       "pattern": torch.from_numpy(trigger.pattern), "target": trigger.target,
                       "source": trigger.source, "alpha": trigger.alpha, "position": trigger.position}}
        temporary = path.with_suffix(".tmp")
        torch.save(payload, temporary)
        os.replace(temporary, path)
    return record

def _read_index(folder: Path) -> list[dict]:
    index = folder / "index.jsonl"
    if not index.exists():
        return []
    records = []
    for line in index.read_text().splitlines():
        if line.strip():
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:  # a line cut by a kill: that model is rebuilt
                continue
    return records

def build_zoo(folder: str | Path, config: ZooConfig, *, progress: bool = True) -> list[ZooModel]:
    """Train (or finish training) the zoo described by ``config`` in ``folder``.

    A folder that already holds a zoo of another configuration is refused; models already in
    ``index.jsonl`` are skipped, so an interrupted build resumes.

    Returns
    -------
    list of ZooModel
        The kept models, by index.
    """
    folder = Path(folder)
    (folder / "models").mkdir(parents=True, exist_ok=True)
    config_path = folder / "config.json"
    if config_path.exists():
        saved = json.loads(config_path.read_text())
        mismatched = {k for k in saved if k != "count" and saved[k] != getattr(config, k, None)}
        if mismatched:
            raise ValueError(f"folder {folder} holds a zoo built with other settings: {sorted(mismatched)}")
    config_path.write_text(json.dumps(asdict(config), indent=1))
    done = {record["index"] for record in _read_index(folder)}
    todo = [i for i in range(config.count) if i not in done]
    from tqdm.auto import tqdm

    with open(folder / "index.jsonl", "a") as index_file:
        for i in tqdm(todo, desc="zoo", disable=not progress, unit="model"):
            record = _build_one(config, i, folder)
            index_file.write(json.dumps(record) + "\n")
            index_file.flush()
    return load_zoo(folder)

def load_zoo(folder: str | Path, *, limit: int | None = None) -> list[ZooModel]:
    """The kept models of a zoo folder (the first ``limit`` indices when given)."""
    folder = Path(folder)
    if not (folder / "index.jsonl").exists():
        raise FileNotFoundError(f"{folder} holds no model zoo (no index.jsonl); build one with build_zoo")
    models = {}
    for r in _read_index(folder):
        if r["kept"] and (limit is None or r["index"] < limit):
            models[r["index"]] = ZooModel(r["index"], folder / "models" / f"{r['index']:04d}.pt",
                                          r["architecture"], r["trojaned"], r["accuracy"], r["asr"],
                                          r["target"], r["shape"])
    return [models[i] for i in sorted(models)]

def load_model_file(path: str | Path) -> tuple[nn.Module, PatchTrigger | None]:
    """Load a classifier: a zoo checkpoint, a TorchScript file, or a whole pickled ``nn.Module``.

    Returns the model in eval mode and, for a zoo checkpoint of a Trojaned model, its trigger.
    Loading a pickled module runs code from the file: load only files you trust.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"model file {path} does not exist")
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            return torch.jit.load(str(path), map_location="cpu").eval(), None
    except (RuntimeError, ValueError):
        pass
    payload = torch.load(path, map_location="cpu", weights_only=False)
    if isinstance(payload, nn.Module):
        return payload.eval(), None
    if not isinstance(payload, dict) or "state_dict" not in payload or "architecture" not in payload:
        raise ValueError(f"model file {path} is neither TorchScript, an nn.Module, nor a toposeg zoo checkpoint")
    model = build_classifier(payload["architecture"], size=payload.get("size", 16))
    model.load_state_dict(payload["state_dict"])
    trigger = payload.get("trigger")
    if trigger is not None:
        trigger = PatchTrigger(trigger["shape"], trigger["mask"].numpy(), trigger["pattern"].numpy(),
                               trigger["target"], trigger["source"], trigger["alpha"], trigger["position"])
    return model.eval(), trigger

def iter_records(folder: str | Path) -> Iterator[dict]:
    """Every attempted model's record (kept or dropped) of a zoo folder."""
    yield from _read_index(Path(folder))
