"""The reference Betti matching (Betti-Matching-3D, MIT-licensed C++) as a test oracle.

The ``topolosses`` 0.2.0 wheel bundles a compiled copy (``betti_matching.cpython-311-*.so``).
It is loaded by file path, without importing ``topolosses``, and is never a dependency of
toposeg: tests that need it skip when it is absent. To get it::

    pip download --no-deps topolosses==0.2.0 -d /tmp/topolosses
    unzip -o /tmp/topolosses/topolosses-0.2.0-*.whl -d /tmp/topolosses/wheel
    export TOPOSEG_BETTI_MATCHING_SO=$(find /tmp/topolosses/wheel -name 'betti_matching*.so')

It filters by sublevel sets only (superlevel sets are its input negated) and uses the
V-construction.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import os
from pathlib import Path
from types import ModuleType

import numpy as np

_DEFAULT = Path.home() / ".cache" / "toposeg" / "oracles"


def load_reference() -> ModuleType | None:
    """The compiled reference module, or ``None`` if it is not on this machine."""
    candidates = []
    if os.environ.get("TOPOSEG_BETTI_MATCHING_SO"):
        candidates.append(Path(os.environ["TOPOSEG_BETTI_MATCHING_SO"]))
    candidates += sorted(_DEFAULT.glob("betti_matching*.so"))
    for path in candidates:
        if path.is_file():
            loader = importlib.machinery.ExtensionFileLoader("betti_matching", str(path))
            spec = importlib.util.spec_from_file_location("betti_matching", str(path), loader=loader)
            if spec is None:
                continue
            try:
                module = importlib.util.module_from_spec(spec)
                loader.exec_module(module)
            except ImportError:
                continue
            return module
    return None


def reference_matching(module: ModuleType, f: np.ndarray, g: np.ndarray) -> list[dict[str, set]]:
    """The reference's matching of the sublevel filtrations of ``f`` and ``g``, in the format
    of :func:`tests.reference.betti_matching.brute_force_betti_matching`."""
    f = np.ascontiguousarray(f, dtype=np.float64)
    g = np.ascontiguousarray(g, dtype=np.float64)
    result = module.compute_matching(f, g)

    def flat(coordinates: np.ndarray) -> np.ndarray:
        coordinates = np.asarray(coordinates, dtype=np.int64).reshape(-1, f.ndim)
        return np.ravel_multi_index(tuple(coordinates.T), f.shape)

    out = []
    for d in range(f.ndim):
        matched = zip(
            flat(result.input1_matched_birth_coordinates[d]),
            flat(result.input1_matched_death_coordinates[d]),
            flat(result.input2_matched_birth_coordinates[d]),
            flat(result.input2_matched_death_coordinates[d]),
        )
        entry = {"matched": {tuple(int(v) for v in row) for row in matched}}
        for name, which in (("f", "input1"), ("g", "input2")):
            births = flat(getattr(result, f"{which}_unmatched_birth_coordinates")[d])
            deaths = flat(getattr(result, f"{which}_unmatched_death_coordinates")[d])
            entry["unmatched_" + name] = {(int(b), int(e)) for b, e in zip(births, deaths)}
        out.append(entry)
    return out
