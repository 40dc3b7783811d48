"""One thread pool for batches: the compiled kernels release the GIL, so images run in parallel.

Every batch function of toposeg (persistence, warping, Morse masks, the losses built on them)
takes ``workers`` and hands its per-image work to :func:`map_batch`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

__all__ = ["check_workers", "map_batch"]

Item = TypeVar("Item")
Result = TypeVar("Result")


def check_workers(workers: object) -> int:
    """The number of threads: ``workers``, or the number of CPUs for ``None``.

    Raises
    ------
    ValueError
        If ``workers`` is not a positive integer or ``None``.
    """
    if workers is None:
        return os.cpu_count() or 1
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers must be a positive integer, got {workers!r}")
    return workers


def map_batch(
    function: Callable[[Item], Result], items: Sequence[Item], workers: int | None
) -> list[Result]:
    """``[function(item) for item in items]``, on up to ``workers`` threads, in order.

    ``workers`` is checked by :func:`check_workers`; one worker, or one item, runs in turn on
    the calling thread.

    Examples
    --------
    >>> map_batch(lambda x: x * x, [1, 2, 3], workers=2)
    [1, 4, 9]
    """
    workers = check_workers(workers)
    if workers == 1 or len(items) <= 1:
        return [function(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(workers, len(items))) as pool:
        return list(pool.map(function, items))
