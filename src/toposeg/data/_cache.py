"""The user cache folder for real-geometry data, written atomically."""

from __future__ import annotations

import os
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np


def cache_dir() -> Path:
    """``$TOPOSEG_CACHE_DIR``, else ``$XDG_CACHE_HOME/toposeg``, else ``~/.cache/toposeg``."""
    if os.environ.get("TOPOSEG_CACHE_DIR"):
        return Path(os.environ["TOPOSEG_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "toposeg"


def write_atomically(path: Path, write: Callable[[Path], None]) -> None:
    """Call ``write(temporary_path)`` in the target folder, then rename onto ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    os.close(handle)
    umask = os.umask(0)
    os.umask(umask)
    try:
        write(Path(temporary))
        os.chmod(temporary, 0o666 & ~umask)  # mkstemp makes it private; give it the usual mode
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def cached_arrays(key: str, build: Callable[[], dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Arrays stored under ``key`` in the cache folder; built (and stored) if absent or unreadable."""
    path = cache_dir() / f"{key}.npz"
    if path.is_file():
        try:
            with np.load(path, allow_pickle=False) as stored:
                return {name: stored[name] for name in stored.files}
        except (OSError, ValueError, zipfile.BadZipFile, EOFError):
            pass  # a damaged cache entry is rebuilt
    arrays = build()

    def save(temporary: Path) -> None:
        with open(temporary, "wb") as stream:
            np.savez_compressed(stream, **arrays)

    write_atomically(path, save)
    return arrays
