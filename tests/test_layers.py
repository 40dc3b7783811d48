"""The layers of toposeg (docs/architecture.md): imports only run downward.

* Importing any core module (``persistence``, ``morse``, ``digital``, the shared private
  kernels) or any ``structures`` module loads no torch.
* No module imports another package's private ``_`` module (``toposeg._x`` modules at the top
  are shared by all).
* The scoring layer (``losses``, ``metrics``) imports neither ``train``, ``cli`` nor ``viz``;
  no layer imports one above it.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "toposeg"

# layer of each package; a module may import its own layer and those below
LAYERS = {
    "_cubical": 0,
    "persistence": 1,
    "morse": 1,
    "digital": 1,
    "structures": 2,
    "preprocess": 2,
    "losses": 3,
    "metrics": 3,
    "models": 4,
    "data": 4,
    "train": 5,
    "uncertainty": 5,
    "proofread": 5,
    "trojan": 5,
    "integrations": 5,
    "viz": 5,
    "cli": 5,
}
TORCH_FREE = ("_cubical", "persistence", "morse", "digital", "structures", "preprocess")


def _modules() -> list[tuple[str, Path]]:
    modules = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules.append((".".join(parts), path))
    return modules


def _imports(module: str, path: Path) -> list[str]:
    """Absolute names of every ``toposeg`` module or name imported by ``path``."""
    names = []
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            names += [f"{base}.{alias.name}" for alias in node.names] + [base]
    return [n for n in names if n == "toposeg" or n.startswith("toposeg.")]


def _package_of(name: str) -> str | None:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else None


def test_the_layer_table_names_every_package():
    packages = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}
    assert packages <= set(LAYERS), f"add {sorted(packages - set(LAYERS))} to LAYERS and docs/architecture.md"


def test_no_module_imports_another_packages_private_module():
    wrong = []
    for module, path in _modules():
        own = _package_of(module)
        for name in _imports(module, path):
            parts = name.split(".")
            for depth in range(2, len(parts)):
                if parts[depth].startswith("_") and not parts[depth].startswith("__") and parts[1] != own:
                    wrong.append(f"{module} imports {name}")
                    break
    assert not wrong, "\n".join(wrong)


def test_imports_run_downward_only():
    wrong = []
    for module, path in _modules():
        own = _package_of(module)
        if own not in LAYERS:
            continue
        for name in _imports(module, path):
            other = _package_of(name)
            if other in LAYERS and LAYERS[other] > LAYERS[own]:
                wrong.append(f"{module} (layer {LAYERS[own]}) imports {name} (layer {LAYERS[other]})")
    assert not wrong, "\n".join(wrong)


def test_scoring_does_not_import_applications():
    wrong = [
        f"{module} imports {name}"
        for module, path in _modules()
        if _package_of(module) in ("losses", "metrics")
        for name in _imports(module, path)
        if _package_of(name) in ("train", "cli", "viz")
    ]
    assert not wrong, "\n".join(wrong)


def test_the_shared_cubical_kernels_serve_persistence_and_morse_only():
    wrong = [
        f"{module} imports {name}"
        for module, path in _modules()
        if _package_of(module) not in ("_cubical", "persistence", "morse")
        for name in _imports(module, path)
        if _package_of(name) == "_cubical"
    ]
    assert not wrong, "\n".join(wrong)


def test_the_layer_test_sees_a_wrong_import(tmp_path):
    """The checks above can fail: a module importing upward and privately is caught."""
    bad = tmp_path / "bad.py"
    bad.write_text("from toposeg._atomic import atomic_file\nimport toposeg.losses\n")
    names = _imports("toposeg.morse.bad", bad)
    assert "toposeg._atomic.atomic_file" in names and "toposeg.losses" in names


@pytest.mark.parametrize("package", TORCH_FREE)
def test_core_and_structures_load_no_torch(package):
    modules = [m for m, _ in _modules() if _package_of(m) == package]
    assert modules, f"toposeg.{package} has no modules"
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "loaded = sorted(m for m in sys.modules if m == 'torch' or m.startswith('torch.'))\n"
        "print(len(loaded))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "0", f"importing toposeg.{package} loads torch"
