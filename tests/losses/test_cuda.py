"""Every loss on a CUDA device: the same values and gradients as on the CPU, the loss on the
prediction's device, and gradients through bf16/fp16 autocast. Skipped without CUDA."""

from __future__ import annotations

import pytest
import torch

from toposeg.losses import (
    cldice_loss,
    component_prior,
    dmt_loss,
    localized_ph_loss,
    topo_loss,
    warping_loss,
)
from toposeg.losses.transfer import host_array, to_device

pytestmark = pytest.mark.cuda

if not torch.cuda.is_available():
    pytest.skip("no CUDA device", allow_module_level=True)

LOSSES = {
    "topo": lambda p, t: topo_loss(p, t, patch="whole"),
    "cldice": lambda p, t: cldice_loss(p, t),
    "dmt": lambda p, t: dmt_loss(p, t, eps=0.2),
    "warping": lambda p, t: warping_loss(p, t),
    "component_prior": lambda p, t: component_prior(p),
    "localized": lambda p, t: localized_ph_loss(1 - p, 1 - t, height="fixed_linear", window=16),
}


def _inputs():
    generator = torch.Generator().manual_seed(0)
    prob = torch.rand(2, 1, 32, 32, generator=generator, dtype=torch.float64)
    target = (torch.rand(2, 1, 32, 32, generator=generator) > 0.6).double()
    return prob, target


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_cuda_equals_cpu(name):
    prob, target = _inputs()
    cpu = prob.clone().requires_grad_()
    cpu_value = LOSSES[name](cpu, target)
    cpu_value.backward()
    gpu = prob.cuda().requires_grad_()
    gpu_value = LOSSES[name](gpu, target.cuda())
    gpu_value.backward()
    assert gpu_value.device.type == "cuda" and gpu.grad.device.type == "cuda"
    torch.testing.assert_close(gpu_value.cpu(), cpu_value.detach())
    torch.testing.assert_close(gpu.grad.cpu(), cpu.grad)


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
@pytest.mark.parametrize("name", sorted(LOSSES))
def test_autocast_keeps_gradients(name, dtype):
    prob, target = _inputs()
    logits = torch.logit(prob.float().clamp(0.05, 0.95)).cuda().requires_grad_()
    weight = torch.ones(1, 1, 1, 1, device="cuda", requires_grad=True)
    with torch.autocast("cuda", dtype=dtype):
        scaled = torch.nn.functional.conv2d(logits, weight)  # runs in the autocast dtype
        value = LOSSES[name](torch.sigmoid(scaled).float(), target.float().cuda())
    value.backward()
    assert value.device.type == "cuda" and torch.isfinite(value)
    assert logits.grad is not None and torch.isfinite(logits.grad).all()


def test_transfers_round_trip_through_pinned_memory():
    tensor = torch.arange(6.0, device="cuda").reshape(2, 3).requires_grad_()
    array = host_array(tensor)
    assert array.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    back = to_device(array, torch.device("cuda"), torch.float16)
    assert back.device.type == "cuda" and back.dtype == torch.float16
    torch.testing.assert_close(back.float(), tensor.detach())
