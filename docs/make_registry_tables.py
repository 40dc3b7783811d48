"""Write the tables of registered losses, metrics and datasets into the docs pages.

Usage: python docs/make_registry_tables.py [--check]

Each table stands between ``<!-- registry:NAME -->`` and ``<!-- /registry -->`` in its page
(``losses`` in training.md, ``metrics`` in metrics.md, ``datasets`` in data.md) and is made
from :data:`toposeg.losses.LOSSES`, :data:`toposeg.metrics.METRICS` and
:data:`toposeg.data.DATASETS`. ``--check`` changes nothing and exits 1 if a page is stale
(``tests/test_registration.py`` runs the same comparison).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
PAGES = {"losses": "training.md", "metrics": "metrics.md", "datasets": "data.md"}


def _rows(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def registry_table(name: str) -> str:
    """The markdown table of one registry."""
    if name == "losses":
        from toposeg.losses import LOSSES

        def function(entry) -> str:
            return f"`{entry.function.__name__}`" if entry.function is not None else "—"

        def options(entry) -> str:
            defaults = entry.defaults
            shown = [f"`{o}`" + (f" (default {defaults[o]})" if o in defaults else "") for o in entry.options()]
            return ", ".join(shown) or "—"

        return _rows(
            ["term", "kind", "function", "input", "what it computes", "options (`--loss-option`)", "demo weight"],
            [
                [f"`{n}`", e.kind, function(e), e.inputs, e.description, options(e),
                 "—" if e.demo_weight is None else f"{e.demo_weight:g}"]
                for n, e in LOSSES.items()
            ],
        )
    if name == "metrics":
        from toposeg.metrics import METRICS

        return _rows(
            ["name", "function", "default set", "what"],
            [[f"`{m.name}`", f"`{m.function.__name__}`", "yes" if m.default else "no", m.description] for m in METRICS],
        )
    if name == "datasets":
        from toposeg.data import DATASETS

        return _rows(
            ["name", "kind", "default shape", "needs", "what"],
            [
                [f"`{n}`", info.kind, "x".join(map(str, info.shape)) or "any",
                 ", ".join(f"`{r}`" for r in info.requires) or "—", info.description]
                for n, info in DATASETS.items()
            ],
        )
    raise ValueError(f"unknown registry {name!r}; choose from {', '.join(PAGES)}")


def _pattern(name: str) -> re.Pattern:
    return re.compile(rf"(<!-- registry:{name} -->\n)(.*?)(\n<!-- /registry -->)", re.S)


def documented_table(name: str) -> str:
    """The table of one registry as its docs page has it now."""
    match = _pattern(name).search((DOCS / PAGES[name]).read_text())
    if match is None:
        raise ValueError(f"{PAGES[name]} has no <!-- registry:{name} --> block")
    return match.group(2)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a page is stale")
    args = parser.parse_args()
    stale = []
    for name, page in PAGES.items():
        table = registry_table(name)
        if documented_table(name) == table:
            continue
        stale.append(page)
        if not args.check:
            path = DOCS / page
            path.write_text(_pattern(name).sub(lambda m: m.group(1) + table + m.group(3), path.read_text()))
    if stale:
        print(("stale: " if args.check else "updated: ") + ", ".join(stale))
    return 1 if stale and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
