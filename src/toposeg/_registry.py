"""The one way an entry joins a registry (losses, metrics, datasets): checked, never twice."""

from __future__ import annotations

from typing import Any, TypeVar

__all__ = ["add_entry"]

Entry = TypeVar("Entry")


def add_entry(table: dict[str, Any] | list[Any], entry: Entry, entry_type: type, what: str) -> Entry:
    """Add ``entry`` (an ``entry_type`` with a ``name``) to ``table``, a dict by name or a list.

    Raises
    ------
    TypeError
        If ``entry`` is not an ``entry_type``.
    ValueError
        If an entry of that name is in ``table`` already.
    """
    if not isinstance(entry, entry_type):
        raise TypeError(f"{what} must be a {entry_type.__name__}, got {type(entry).__name__}")
    names = table if isinstance(table, dict) else [e.name for e in table]
    if entry.name in names:
        raise ValueError(f"a {what} named {entry.name!r} is registered already")
    if isinstance(table, dict):
        table[entry.name] = entry
    else:
        table.append(entry)
    return entry
