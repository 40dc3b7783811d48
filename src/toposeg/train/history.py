"""The per-epoch record of a run: rows of numbers, written as CSV atomically."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping, Sequence
from pathlib import Path

from toposeg._atomic import write_text_atomically

__all__ = ["format_epoch", "write_history_csv"]


def write_history_csv(history: Sequence[Mapping[str, object]], path: str | Path) -> None:
    """One row per epoch, one column per key (in order of first appearance), atomically."""
    columns: dict[str, None] = {}
    for row in history:
        columns.update(dict.fromkeys(row))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in history:
        writer.writerow([_cell(row.get(c, math.nan)) for c in columns])
    write_text_atomically(path, buffer.getvalue())


def _cell(value: object) -> str:
    return repr(value) if isinstance(value, float) else str(value)


def format_epoch(row: Mapping[str, object], best_metric: str) -> str:
    """A one-line summary of an epoch's row."""
    shown = [f"epoch {row['epoch']} ({row['phase']})", f"loss {row['train_loss']:.4f}",
             f"{row['epoch_seconds']:.1f} s"]
    columns = ("val_dice", "val_betti_error_0", "val_betti_error_1", "val_betti_error_2", f"val_{best_metric}")
    for column in dict.fromkeys(columns):
        if column in row:
            shown.append(f"{column.removeprefix('val_')} {row[column]:.4f}")
    return ", ".join(shown)
