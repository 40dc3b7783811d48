"""One torch thread per test process: the loss tests use tiny tensors, and with pytest-xdist
workers on a 2-core machine more threads only wait on each other."""

import pytest
import torch


@pytest.fixture(autouse=True)
def _one_torch_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
