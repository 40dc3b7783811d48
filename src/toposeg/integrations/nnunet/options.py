"""Options of toposeg's nnU-Net trainers, read from environment variables.

``nnUNetv2_train`` passes nothing but its own arguments to a trainer, so the options travel in
the environment (a subclass may set them as class attributes instead):

==============================  =====================================================  =======
variable                        meaning                                                default
==============================  =====================================================  =======
``TOPOSEG_NNUNET_WEIGHT``       weight of the topological term (>= 0)                  per loss
``TOPOSEG_NNUNET_START_EPOCH``  first epoch with the term (before it: nnU-Net's loss)  0
``TOPOSEG_NNUNET_EPOCHS``       number of epochs                                       1000
``TOPOSEG_NNUNET_ITERATIONS``   training iterations per epoch (validation: a fifth)    250
==============================  =====================================================  =======
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["ENVIRONMENT", "TrainerOptions", "read_options"]

#: The environment variable of each option.
ENVIRONMENT = {
    "weight": "TOPOSEG_NNUNET_WEIGHT",
    "start_epoch": "TOPOSEG_NNUNET_START_EPOCH",
    "epochs": "TOPOSEG_NNUNET_EPOCHS",
    "iterations": "TOPOSEG_NNUNET_ITERATIONS",
}


@dataclass(frozen=True)
class TrainerOptions:
    """The options of one training run; ``None`` keeps the trainer's default."""

    weight: float | None = None
    start_epoch: int | None = None
    epochs: int | None = None
    iterations: int | None = None


def read_options(environ: Mapping[str, str] | None = None) -> TrainerOptions:
    """Read and check the options from ``environ`` (default ``os.environ``).

    Raises
    ------
    ValueError
        Naming the variable, for a value that is not a number of the right kind.

    Examples
    --------
    >>> read_options({"TOPOSEG_NNUNET_WEIGHT": "0.5", "TOPOSEG_NNUNET_EPOCHS": "20"})
    TrainerOptions(weight=0.5, start_epoch=None, epochs=20, iterations=None)
    >>> read_options({"TOPOSEG_NNUNET_START_EPOCH": "-1"})
    Traceback (most recent call last):
        ...
    ValueError: TOPOSEG_NNUNET_START_EPOCH must be an integer >= 0, got '-1'
    """
    environ = os.environ if environ is None else environ
    values = {}
    for field, variable in ENVIRONMENT.items():
        text = environ.get(variable, "").strip()
        if not text:
            continue
        if field == "weight":
            try:
                value = float(text)
            except ValueError:
                value = math.nan
            if not (math.isfinite(value) and value >= 0):
                raise ValueError(f"{variable} must be a finite number >= 0, got {text!r}")
        else:
            low = 0 if field == "start_epoch" else 1
            try:
                value = int(text)
            except ValueError:
                value = low - 1
            if value < low:
                raise ValueError(f"{variable} must be an integer >= {low}, got {text!r}")
        values[field] = value
    return TrainerOptions(**values)
