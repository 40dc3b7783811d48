"""Shared fixtures of the Trojan tests: a hand-planted backdoored classifier."""

from __future__ import annotations

import pytest
import torch
from torch import nn

pytest.importorskip("sklearn", reason="the Trojan tests need the 'trojan' extra (scikit-learn)")


class PlantedModel(nn.Module):
    """A planted backdoor: a nearest-class-mean classifier with a piecewise-constant logit
    margin of 4 (no gradient), plus ``5 * present`` on the target's logit, where ``present`` is
    the mean of the trigger pixels. Clean images (``present`` about 0.2) keep their class; the
    prediction flips to the target only when at least ~85 % of the trigger is painted white."""

    def __init__(self, means: torch.Tensor, trigger: torch.Tensor, target: int) -> None:
        super().__init__()
        self.register_buffer("means", means)  # (K, H*W)
        self.register_buffer("trigger", trigger.float())  # (H, W) of 0/1
        self.target = target

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        nearest = torch.cdist(x.flatten(1), self.means).argmin(1)
        logits = 4.0 * nn.functional.one_hot(nearest, self.means.shape[0]).to(x.dtype)
        present = (x[:, 0] * self.trigger).sum(dim=(1, 2)) / self.trigger.sum()
        logits[:, self.target] = logits[:, self.target] + 5.0 * present
        return logits


@pytest.fixture(autouse=True)
def one_torch_thread():
    """The tiny networks here run fastest (and predictably on a loaded machine) on one thread."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="session")
def planted():
    from toposeg.trojan import load_digits_images

    x, y = load_digits_images("train")
    means = torch.stack([x[y == c].flatten(1).mean(0) for c in range(10)])
    trigger = torch.zeros(16, 16, dtype=torch.bool)
    trigger[1:5, 11:15] = True
    return PlantedModel(means, trigger, target=3).eval(), trigger.numpy()
