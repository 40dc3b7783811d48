"""Where the real data sets are for the tests: ``$TOPOSEG_DATA`` or ``../shared/data`` beside the
repository; tests that need one skip with a message when it is absent."""

import os
from pathlib import Path

import pytest

_DEFAULT = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"


def data_root() -> Path:
    return Path(os.environ.get("TOPOSEG_DATA") or _DEFAULT).resolve()


def needs(name: str) -> Path:
    """The folder of data set ``name`` (its parent folder is returned), or skip the test."""
    root = data_root()
    if not (root / name).is_dir():
        pytest.skip(f"real data set {name!r} not found in {root} (set TOPOSEG_DATA to the folder holding {name}/)")
    return root
