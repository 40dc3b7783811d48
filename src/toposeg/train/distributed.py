"""Data-parallel training under ``torchrun``: process group, batch shards, global batch norm.

A run started by ``torchrun --nproc-per-node N`` finds ``RANK``/``WORLD_SIZE`` in its
environment and joins a process group (gloo on the CPU, NCCL on GPUs). Every process draws the
same global batch order and takes an equal, contiguous shard of each batch; DDP averages the
gradients, which, every loss term being a mean over samples, is the gradient of the global
batch. Batch norm layers use the statistics of the global batch (:class:`GlobalBatchNorm`), so
N processes compute what one process with the whole batch computes, up to rounding.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist
from torch import nn

__all__ = ["DistributedContext", "GlobalBatchNorm", "use_global_batch_norm"]


@dataclass(frozen=True)
class DistributedContext:
    """Where this process stands in a (possibly single-process) run."""

    rank: int = 0
    world_size: int = 1

    @property
    def is_main(self) -> bool:
        """Whether this process writes the outputs (rank 0)."""
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.world_size > 1

    @classmethod
    def from_environment(cls, device: torch.device) -> DistributedContext:
        """Join the process group described by ``torchrun``'s variables, if any.

        One process (no ``WORLD_SIZE`` or ``WORLD_SIZE=1``) needs no process group.
        """
        world_size = int(os.environ.get("WORLD_SIZE", "1"))
        if world_size <= 1:
            return cls()
        if not dist.is_initialized():
            dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
        return cls(dist.get_rank(), dist.get_world_size())

    def shard(self, indices: list[int]) -> list[int]:
        """This process's contiguous share of a global batch (its length divides evenly)."""
        size = len(indices) // self.world_size
        return indices[self.rank * size:(self.rank + 1) * size]

    def barrier(self) -> None:
        if self.distributed:
            dist.barrier()

    def broadcast_flag(self, flag: bool) -> bool:
        """Rank 0's ``flag`` on every process."""
        if not self.distributed:
            return flag
        value = torch.tensor([int(flag)])
        dist.broadcast(value, 0)
        return bool(value.item())

    def close(self) -> None:
        if self.distributed and dist.is_initialized():
            dist.destroy_process_group()


class _SumOverProcesses(torch.autograd.Function):
    """``y = sum over processes of x``; the gradient of every process's ``x`` is the sum over
    processes of the gradients of ``y`` (each process's loss depends on the shared ``y``)."""

    @staticmethod
    def forward(ctx, tensor: torch.Tensor) -> torch.Tensor:
        total = tensor.clone()
        dist.all_reduce(total)
        return total

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:
        total = grad.clone()
        dist.all_reduce(total)
        return total


class GlobalBatchNorm(nn.modules.batchnorm._BatchNorm):
    """Batch norm over the batch of all processes (2D or 3D), differentiable through the
    reductions; used in distributed runs on the CPU, where ``torch.nn.SyncBatchNorm`` is not
    available. Outside training (or alone) it is ordinary batch norm.
    """

    def _check_input_dim(self, input: torch.Tensor) -> None:
        if input.ndim not in (4, 5):
            raise ValueError(f"expected a (B, C, H, W) or (B, C, D, H, W) input, got {tuple(input.shape)}")

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        if not (self.training and dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1):
            return super().forward(input)
        all_reduce = _SumOverProcesses.apply
        self._check_input_dim(input)
        dims = [0, *range(2, input.ndim)]
        shape = (1, -1) + (1,) * (input.ndim - 2)
        local_count = input.numel() // input.shape[1]
        count = float(local_count * dist.get_world_size())  # equal shards
        mean = all_reduce(input.sum(dims)) / count
        centred = input - mean.reshape(shape)
        var = all_reduce((centred * centred).sum(dims)) / count
        if self.track_running_stats:
            with torch.no_grad():
                self.num_batches_tracked.add_(1)
                momentum = self.momentum if self.momentum is not None else 1.0 / float(self.num_batches_tracked)
                self.running_mean.mul_(1 - momentum).add_(mean.detach(), alpha=momentum)
                unbiased = var.detach() * count / max(count - 1.0, 1.0)
                self.running_var.mul_(1 - momentum).add_(unbiased, alpha=momentum)
        out = centred * torch.rsqrt(var + self.eps).reshape(shape)
        if self.affine:
            out = out * self.weight.reshape(shape) + self.bias.reshape(shape)
        return out


def use_global_batch_norm(model: nn.Module) -> nn.Module:
    """Replace every ``BatchNorm2d``/``BatchNorm3d`` of ``model`` in place by a
    :class:`GlobalBatchNorm` holding the very same parameter and buffer tensors (so an
    optimiser made before still updates them, and state dicts keep their keys); return ``model``."""
    for name, child in list(model.named_children()):
        if isinstance(child, (nn.BatchNorm2d, nn.BatchNorm3d)):
            replacement = GlobalBatchNorm(child.num_features, child.eps, child.momentum, child.affine,
                                          child.track_running_stats)
            for key, parameter in child.named_parameters(recurse=False):
                setattr(replacement, key, parameter)
            for key, buffer in child.named_buffers(recurse=False):
                setattr(replacement, key, buffer)
            replacement.train(child.training)
            setattr(model, name, replacement)
        else:
            use_global_batch_norm(child)
    return model
