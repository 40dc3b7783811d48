"""host_array / to_device on the CPU (the CUDA paths are in test_cuda.py)."""

import numpy as np
import torch

from toposeg.losses.transfer import host_array, to_device


def test_host_array_detaches_and_copies_when_a_dtype_is_asked():
    tensor = torch.tensor([[0.5, 1.0]], dtype=torch.float64, requires_grad=True)
    array = host_array(tensor, np.float64)
    array[0, 0] = 7.0
    assert tensor[0, 0].item() == 0.5  # the input is never written through the copy
    assert host_array(tensor).dtype == np.float64


def test_to_device_on_the_cpu():
    tensor = to_device(np.array([1.5, 2.5]), torch.device("cpu"), torch.float32)
    assert tensor.dtype == torch.float32 and tensor.tolist() == [1.5, 2.5]
    assert to_device(np.arange(3)[::2], torch.device("cpu")).tolist() == [0, 2]
