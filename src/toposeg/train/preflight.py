"""Checks made before training: the output folder, a run already there, the data, the network.

Every check runs before the output folder is created or anything is written to it, so a bad
input leaves nothing behind.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import IO, Any

try:
    import fcntl
except ImportError:  # not POSIX: runs are not locked
    fcntl = None

from toposeg.train.config import TrainConfig
from toposeg.train.conventions import apply_conventions

__all__ = ["check_output_folder", "check_resume", "lock_output_folder", "release_output_folder",
           "resolve_patch_size"]

# files of a run, relative to its output folder
CONFIG_FILE = "config.json"
LAST = "last.pt"
BEST = "best.pt"
LOCK = ".lock"


def check_output_folder(out: Path, *, resume: bool) -> None:
    """Raise if ``out`` cannot hold a run: not a folder, not writable, or (for a new run)
    already holding one.

    Raises
    ------
    ValueError
        The message names the folder and the problem.
    """
    if out.exists():
        if not out.is_dir():
            raise ValueError(f"output folder {out} is a file")
        try:
            with tempfile.TemporaryFile(dir=out):
                pass
        except OSError as error:
            raise ValueError(f"output folder {out} is not writable ({error.strerror})") from error
        if not resume and (out / LAST).exists():
            raise ValueError(f"output folder {out} already holds a run: resume it with --resume {out}, "
                             "or choose another folder")
    else:
        if resume:
            raise ValueError(f"cannot resume: output folder {out} does not exist")
        parent = out.parent
        while not parent.exists():
            parent = parent.parent
        if not parent.is_dir():
            raise ValueError(f"cannot create output folder {out}: {parent} is a file")
        try:  # a real attempt: permission bits do not tell for root or read-only file systems
            Path(tempfile.mkdtemp(prefix=".toposeg-check-", dir=parent)).rmdir()
        except OSError as error:
            raise ValueError(f"cannot create output folder {out}: {parent} is not writable ({error.strerror})") from error


def lock_output_folder(out: Path) -> IO[bytes] | None:
    """Hold an exclusive lock on ``out/.lock`` until :func:`release_output_folder`.

    A second run in the same folder (by mistake, or ``--resume`` of a run still going) would
    overwrite its checkpoints; it fails instead. The operating system drops the lock of a
    killed process, so a killed run can be resumed at once.

    Raises
    ------
    ValueError
        If another process holds the lock.
    """
    if fcntl is None:
        return None
    file = open(out / LOCK, "ab")  # noqa: SIM115 (held open for the whole run)
    try:
        fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        file.close()
        raise ValueError(f"output folder {out} is in use by another training run (it holds {out / LOCK})") from None
    return file


def release_output_folder(out: Path, lock: IO[bytes] | None) -> None:
    """Remove the lock file and release the lock taken by :func:`lock_output_folder`."""
    if lock is not None:
        (out / LOCK).unlink(missing_ok=True)
        lock.close()


def check_resume(out: Path, state: dict[str, Any], config: TrainConfig) -> None:
    """Raise if the checkpoint in ``out`` was not made with ``config``; a run may be extended
    (more ``epochs`` than it was made with, never fewer than it has done)."""
    saved = TrainConfig.from_dict(state["config"])
    # what the run filled in from its data (channels, a folder's patch size, a data set's
    # conventions) is not a difference: compare the given config filled in the same way
    if config.channels is None:
        config = config.replace(channels=saved.channels)
    if config.patch_size is None or (len(config.patch_size) == 1 and set(config.patch_size) == set(saved.patch_size)):
        config = config.replace(patch_size=saved.patch_size)
    config = apply_conventions(config)
    if config.epochs != saved.epochs:
        if config.epochs < state["epoch"]:
            raise ValueError(f"cannot resume {out} with epochs={config.epochs}: it has already done "
                             f"{state['epoch']} epochs")
        saved = saved.replace(epochs=config.epochs)
    if saved != config:
        changed = sorted(k for k, v in config.to_dict().items() if saved.to_dict().get(k) != v)
        raise ValueError(f"cannot resume {out}: its checkpoint was made with another configuration "
                         f"(differs in {', '.join(changed)})")


def resolve_patch_size(config: TrainConfig, shapes: list[tuple[int, ...]]) -> TrainConfig:
    """For a folder without ``patch_size``: 64 per axis in 2D (32 in 3D), at most the smallest
    sample, rounded down to the network's multiple; one size given for a folder is used for
    every axis."""
    ndim = len(shapes[0])
    if config.patch_size is not None and len(config.patch_size) == 1:
        return config.replace(patch_size=config.patch_size * ndim)
    if config.patch_size is not None:
        return config
    multiple = 2**config.depth
    smallest = [min(s[axis] for s in shapes) for axis in range(ndim)]
    size = tuple(max(multiple, min(64 if ndim == 2 else 32, side) // multiple * multiple) for side in smallest)
    return config.replace(patch_size=size)
