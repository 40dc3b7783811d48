"""``toposeg nnunet``: make toposeg's nnU-Net trainers visible to nnU-Net v2, or undo it."""

from __future__ import annotations

import argparse

NAME = "nnunet"
HELP = "register toposeg's trainers with nnU-Net v2 (or unregister them)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "action",
        choices=("register", "unregister", "status"),
        help="register: write the module that lets nnUNetv2_train -tr find the trainers; "
        "unregister: remove it; status: say whether it is there",
    )


def run(args: argparse.Namespace) -> int:
    from toposeg.integrations.nnunet import TOPOLOGICAL_TERMS, discovery

    try:
        if args.action == "register":
            path = discovery.register()
            trainers = ", ".join(term.trainer for term in TOPOLOGICAL_TERMS.values())
            print(f"wrote {path}\nnnUNetv2_train DATASET CONFIG FOLD -tr TRAINER, with TRAINER "
                  f"one of: {trainers}\nundo with: toposeg nnunet unregister")
        elif args.action == "unregister":
            path = discovery.unregister()
            print(f"removed {path}" if path else "toposeg's trainers were not registered")
        else:
            registered = discovery.is_registered()
            print(f"{'registered' if registered else 'not registered'}: {discovery.shim_path()}")
    except (ModuleNotFoundError, FileExistsError) as error:
        raise ValueError(str(error)) from None
    return 0
