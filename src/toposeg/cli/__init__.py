"""The ``toposeg`` command line: one thin subcommand per task, each a module of this package.

A subcommand module defines ``NAME``, ``HELP``, ``add_arguments(parser)`` and ``run(args)``
returning an exit code; add it to ``_SUBCOMMANDS`` below.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

_SUBCOMMANDS = ("toposeg.cli.persistence", "toposeg.cli.demo", "toposeg.cli.evaluate", "toposeg.cli.train",
                "toposeg.cli.predict", "toposeg.cli.cv", "toposeg.cli.compare", "toposeg.cli.proofread",
                "toposeg.cli.nnunet", "toposeg.cli.trojan",
                "toposeg.cli.preprocess")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``toposeg`` command."""
    parser = argparse.ArgumentParser(
        prog="toposeg", description="Topology-aware segmentation of fine structures."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    runners = {}
    for name in _SUBCOMMANDS:
        module = importlib.import_module(name)
        sub = commands.add_parser(module.NAME, help=module.HELP, description=module.HELP)
        module.add_arguments(sub)
        runners[module.NAME] = module.run
    args = parser.parse_args(argv)
    try:
        return int(runners[args.command](args) or 0)
    except (ValueError, TypeError, FileNotFoundError, PermissionError) as error:
        print(f"toposeg {args.command}: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
