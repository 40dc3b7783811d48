"""Numba settings shared by every compiled kernel of toposeg.

Kernels are private functions that take arrays and scalars only. They are compiled once per
machine and cached on disk (``cache=True``; set ``NUMBA_CACHE_DIR`` to choose the folder) and
release the GIL (``nogil=True``) so that a batch can run in a thread pool. Small helpers called
in inner loops are inlined into their callers (:func:`inline_kernel`): separately compiled
functions are otherwise called, not inlined. Helpers that take arrays, never allocate and are
called millions of times are compiled without Numba's reference counting (:func:`leaf_kernel`):
each call of an ordinary kernel, inlined or not, counts the references to its array arguments
with atomic instructions, which can cost more than the helper's own work.

Kernels that visit memory in an order the hardware cannot predict (union-find over pixels
sorted by value) ask for the data of a later step in advance with :func:`prefetch`.
"""

from __future__ import annotations

import llvmlite.binding
import numba
from llvmlite import ir
from numba.core import cgutils, types
from numba.extending import intrinsic

__all__ = ["inline_kernel", "kernel", "leaf_kernel", "prefetch"]

# LLVM 15 and later name the intrinsic after an opaque pointer, earlier versions after i8*.
_OPAQUE_POINTERS = llvmlite.binding.llvm_version_info >= (15,)
_PREFETCH = "llvm.prefetch.p0" if _OPAQUE_POINTERS else "llvm.prefetch.p0i8"


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


@intrinsic
def prefetch(typingctx, array, index):
    """``prefetch(array, index)`` in a kernel: start loading the cache line of ``array[index]``
    (a 1D array, ``index`` inside it) without waiting for it. It changes no result."""

    def codegen(context, builder, signature, args):
        array_type = signature.args[0]
        view = context.make_array(array_type)(context, builder, args[0])
        pointer = cgutils.get_item_pointer(
            context, builder, array_type, view, [args[1]], wraparound=False, boundscheck=False
        )
        byte_pointer = ir.IntType(8).as_pointer()
        i32 = ir.IntType(32)
        function = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(ir.VoidType(), [byte_pointer, i32, i32, i32]), _PREFETCH
        )
        # read access, keep in all cache levels, data cache
        flags = [ir.Constant(i32, v) for v in (0, 3, 1)]
        builder.call(function, [builder.bitcast(pointer, byte_pointer), *flags])
        return context.get_dummy_value()

    return types.void(array, index), codegen
