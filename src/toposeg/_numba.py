"""Numba settings shared by every compiled kernel of toposeg.

Kernels are private functions that take arrays and scalars only. They are compiled once per
machine and cached on disk (``cache=True``; set ``NUMBA_CACHE_DIR`` to choose the folder) and
release the GIL (``nogil=True``) so that a batch can run in a thread pool. Small helpers called
in inner loops are inlined into their callers (:func:`inline_kernel`): separately compiled
functions are otherwise called, not inlined. Helpers that take arrays, never allocate and are
called millions of times are compiled without Numba's reference counting (:func:`leaf_kernel`):
each call of an ordinary kernel, inlined or not, counts the references to its array arguments
with atomic instructions, which can cost more than the helper's own work.
"""

from __future__ import annotations

import numba

__all__ = ["inline_kernel", "kernel", "leaf_kernel"]


def kernel(function):
    """Compile ``function`` as a cached, GIL-free Numba kernel."""
    return numba.njit(cache=True, nogil=True)(function)


def inline_kernel(function):
    """Compile ``function`` like :func:`kernel`, inlined into every kernel that calls it."""
    return numba.njit(cache=True, nogil=True, inline="always")(function)


def leaf_kernel(function):
    """Compile ``function`` like :func:`kernel`, without reference counting: it must not
    create arrays (not even slices) and must call only other leaf kernels."""
    return numba.njit(cache=True, nogil=True, _nrt=False)(function)
