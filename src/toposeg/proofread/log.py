"""The action log of a proofreading session, autosaved atomically after every action.

The log is one JSON file: the inputs' fingerprint and the list of actions. Each write goes to
a temporary file in the same folder, is flushed to disk, and replaces the log in one
``os.replace``: a crash or a killed server leaves either the previous log or the new one,
never a torn file, so at most the action in flight is lost.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from toposeg.proofread.session import ProofreadingInputs, ProofreadingSession

__all__ = ["ActionLog", "replay", "write_atomically"]

VERSION = 1


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a flushed temporary file and one rename."""
    path = Path(path)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


class ActionLog:
    """A session bound to its log file: every accepted action is saved before it is answered.

    Parameters
    ----------
    inputs : ProofreadingInputs
        What is proofread.
    path : path-like
        The log file. If it exists it is replayed (the session resumes); it must have been
        written for the same inputs.
    """

    def __init__(self, inputs: ProofreadingInputs, path: str | os.PathLike) -> None:
        self.path = Path(path)
        if not self.path.parent.is_dir():
            raise FileNotFoundError(f"the folder of the log {self.path} does not exist")
        self.fingerprint = inputs.fingerprint()
        actions: list[dict] = []
        if self.path.exists():
            stored = read_log(self.path)
            if stored["inputs"] != self.fingerprint:
                raise ValueError(
                    f"the log {self.path} was written for other inputs or options; "
                    "use another --session folder or the original inputs"
                )
            actions = stored["actions"]
        self.session = ProofreadingSession(inputs, actions)
        if not self.path.exists():
            self._write()

    def apply(self, action: object) -> int:
        """Apply an action and save the log; return the slice it changed.

        An invalid action changes neither the session nor the log.
        """
        before = len(self.session.actions)
        index = self.session.apply(action)
        try:
            self._write()
        except BaseException:
            # keep memory and disk in step: rebuild the session without the unsaved action
            actions = self.session.actions[:before]
            self.session = ProofreadingSession(self.session.inputs, actions)
            raise
        return index

    def _write(self) -> None:
        document = {"version": VERSION, "inputs": self.fingerprint, "actions": self.session.actions}
        write_atomically(self.path, json.dumps(document, separators=(",", ":")).encode())

    def save_mask(self, path: str | os.PathLike) -> Path:
        """Write the corrected mask (``.npy``; ``.png`` for 2D; ``.tif`` for 2D/3D) atomically."""
        path = Path(path)
        mask = self.session.corrected_mask()
        write_atomically(path, encode_mask(mask, path.suffix.lower()))
        return path


def encode_mask(mask: np.ndarray, suffix: str) -> bytes:
    """The bytes of a mask file of the given suffix (0/255 for images, bool for ``.npy``)."""
    import io

    buffer = io.BytesIO()
    if suffix == ".npy":
        np.save(buffer, mask)
    elif suffix == ".png" and mask.ndim == 2:
        from PIL import Image

        Image.fromarray(mask.astype(np.uint8) * 255).save(buffer, format="PNG")
    elif suffix in (".tif", ".tiff"):
        import tifffile

        tifffile.imwrite(buffer, mask.astype(np.uint8) * 255)
    else:
        raise ValueError(f"mask files must end in .npy, .tif or (2D) .png, got {suffix!r}")
    return buffer.getvalue()


def read_log(path: str | os.PathLike) -> dict[str, Any]:
    """Read and check an action log."""
    path = Path(path)
    try:
        stored = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"cannot read the action log {path}: {error}") from None
    if not isinstance(stored, dict) or stored.get("version") != VERSION or not isinstance(stored.get("actions"), list):
        raise ValueError(f"{path} is not a toposeg proofreading log (version {VERSION})")
    return stored


def replay(inputs: ProofreadingInputs, path: str | os.PathLike) -> np.ndarray:
    """The corrected mask that replaying the log at ``path`` over ``inputs`` gives."""
    stored = read_log(path)
    if stored["inputs"] != inputs.fingerprint():
        raise ValueError(f"the log {path} was written for other inputs or options")
    return ProofreadingSession(inputs, stored["actions"]).corrected_mask()
