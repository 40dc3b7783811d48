"""Files written atomically: into a temporary file beside the target, then renamed over it."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

__all__ = ["atomic_file", "write_text_atomically"]


@contextmanager
def atomic_file(path: str | Path, *, binary: bool = True) -> Iterator[IO]:
    """Open a temporary file beside ``path`` for writing; on success flush it to disk and rename
    it to ``path``, on failure remove it. A process killed meanwhile leaves ``path`` as it was
    (and at most a hidden ``.<name>.*.partial`` file). The file gets the usual permissions
    (0666 less the umask)."""
    path = Path(path)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.partial")
    text = {} if binary else {"encoding": "utf-8", "newline": ""}
    try:
        with open(temporary, "xb" if binary else "x", **text) as file:
            yield file
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_text_atomically(path: str | Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    with atomic_file(path, binary=False) as file:
        file.write(text)
