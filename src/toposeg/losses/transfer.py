"""Moving data between the prediction's device and the CPU, where topology is computed.

Topology runs on detached CPU copies; the integer indices and goals it returns go back to the
prediction's device, where the loss is gathered. On a CUDA device both transfers go through
pinned (page-locked) memory, the copies to the device without blocking the host; on the CPU
they are plain views.
"""

from __future__ import annotations

import numpy as np
import torch

__all__ = ["host_array", "to_device"]


def host_array(tensor: torch.Tensor, dtype: np.dtype | type | None = None) -> np.ndarray:
    """``tensor`` detached, on the CPU, as a NumPy array (a new copy in ``dtype`` if given;
    otherwise it may share memory with a CPU tensor).

    Examples
    --------
    >>> import torch
    >>> x = torch.tensor([0.25, 0.5], requires_grad=True)
    >>> host_array(x, np.float64)
    array([0.25, 0.5 ])
    """
    tensor = tensor.detach()
    if tensor.device.type == "cuda":
        pinned = torch.empty(tensor.shape, dtype=tensor.dtype, pin_memory=True)
        pinned.copy_(tensor, non_blocking=True)
        torch.cuda.current_stream(tensor.device).synchronize()  # the copy has landed
        tensor = pinned
    if tensor.dtype == torch.bfloat16:  # NumPy has no bfloat16
        tensor = tensor.float()
    array = tensor.cpu().numpy()
    return array if dtype is None else array.astype(dtype)


def to_device(
    array: np.ndarray, device: torch.device, dtype: torch.dtype | None = None
) -> torch.Tensor:
    """``array`` as a tensor on ``device`` (as ``dtype`` if given); from pinned memory and
    without blocking the host when ``device`` is a CUDA device.

    Examples
    --------
    >>> import numpy as np, torch
    >>> to_device(np.array([1, 2]), torch.device("cpu"))
    tensor([1, 2])
    """
    tensor = torch.from_numpy(np.ascontiguousarray(array))
    if dtype is not None and device.type != "cuda":
        tensor = tensor.to(dtype)
    if device.type == "cuda":
        return tensor.pin_memory().to(device, dtype=dtype, non_blocking=True)
    return tensor.to(device)
