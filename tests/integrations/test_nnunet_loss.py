"""The topological term of the nnU-Net trainers (torch only: runs without nnU-Net)."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from toposeg.integrations.nnunet import TOPOLOGICAL_TERMS, WithTopologicalTerm, topological_term
from toposeg.integrations.nnunet.options import read_options
from toposeg.losses import cldice_loss, dmt_loss, warping_loss

IGNORE = 3


def _labels(seed: int = 0) -> torch.Tensor:
    """(2, 1, 24, 24) labels: a ring of class 1, a line of class 2, the ignore label on top."""
    labels = torch.zeros(2, 1, 24, 24)
    labels[:, 0, 6:18, 6:18] = 1
    labels[:, 0, 9:15, 9:15] = 0
    labels[:, 0, 20, 2:22] = 2
    labels[1, 0, 4:8] = 0
    labels[:, 0, :3] = IGNORE
    return labels


def _logits(seed: int = 0) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(2, 3, 24, 24, generator=generator, dtype=torch.float64).requires_grad_()


# each class alone, by the library loss on one channel (deterministic losses)
ALONE = {
    "cldice": lambda p, t: cldice_loss(p, t),
    "warping": lambda p, t: warping_loss(p, t),
    "dmt": lambda p, t: dmt_loss(p, t, eps=0.2, beta=1.0) - F.binary_cross_entropy(p, t),
}


@pytest.mark.parametrize("name", sorted(ALONE))
def test_multi_class_is_the_mean_of_each_class_alone(name):
    logits = _logits()
    labels = torch.where(_labels() == IGNORE, 0, _labels())
    value = topological_term(name, logits, labels)
    prob = torch.softmax(logits.detach().float(), dim=1)
    alone = [ALONE[name](prob[:, [k]], (labels == k).float()) for k in (1, 2)]
    torch.testing.assert_close(value.detach(), torch.stack(alone).mean(), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("name", sorted(TOPOLOGICAL_TERMS))
def test_ignored_pixels_get_no_gradient_and_take_the_networks_decision(name):
    logits, labels = _logits(1), _labels()
    torch.manual_seed(0)
    value = topological_term(name, logits, labels, ignore_label=IGNORE)
    value.backward()
    ignored = (labels == IGNORE).expand_as(logits)
    assert torch.isfinite(value)
    assert logits.grad[ignored].abs().max() == 0
    assert logits.grad[~ignored].abs().max() > 0
    # the same value when the ignored labels are replaced by the network's argmax
    decided = torch.where(labels[:, 0] == IGNORE, logits.detach().argmax(1), labels[:, 0])
    torch.manual_seed(0)
    again = topological_term(name, logits.detach(), decided.unsqueeze(1).float())
    torch.testing.assert_close(value.detach(), again, rtol=1e-5, atol=1e-7)


def test_the_ignore_label_unannounced_is_a_clear_error():
    with pytest.raises(ValueError, match=r"labels must lie in 0..2 \(or be the ignore label None\)"):
        topological_term("cldice", _logits(), _labels())


@pytest.mark.parametrize(
    ("logits", "labels", "message"),
    [
        (torch.zeros(2, 1, 8, 8), torch.zeros(2, 1, 8, 8), "at least 2 classes"),
        (torch.zeros(2, 3, 8, 8), torch.zeros(2, 2, 8, 8), r"label map \(B, 1, \*spatial\)"),
        (torch.zeros(2, 3, 8, 8), torch.zeros(2, 1, 8, 9), "do not match logits"),
        (torch.zeros(2, 3, 8), torch.zeros(2, 1, 8), "logits must be a tensor"),
    ],
)
def test_bad_input_is_named(logits, labels, message):
    with pytest.raises(ValueError, match=message):
        topological_term("cldice", logits, labels)
    with pytest.raises(ValueError, match="unknown topological loss 'betti'"):
        topological_term("betti", logits, labels)


def test_module_adds_the_weighted_term_only_when_active():
    logits, labels = _logits(2), torch.where(_labels() == IGNORE, 0, _labels())
    base = lambda x, y: torch.tensor(0.5, dtype=torch.float64)  # noqa: E731
    loss = WithTopologicalTerm(base, "cldice", weight=2.0)
    expected = 0.5 + 2.0 * topological_term("cldice", logits, labels)
    torch.testing.assert_close(loss(logits, labels), expected, check_dtype=False)
    loss.active = False
    assert loss(logits, labels).item() == 0.5
    assert "name='cldice', weight=2.0" in repr(loss)


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"TOPOSEG_NNUNET_WEIGHT": "-1"}, "TOPOSEG_NNUNET_WEIGHT must be a finite number >= 0"),
        ({"TOPOSEG_NNUNET_WEIGHT": "nan"}, "TOPOSEG_NNUNET_WEIGHT must be a finite number >= 0"),
        ({"TOPOSEG_NNUNET_EPOCHS": "0"}, "TOPOSEG_NNUNET_EPOCHS must be an integer >= 1"),
        ({"TOPOSEG_NNUNET_ITERATIONS": "2.5"}, "TOPOSEG_NNUNET_ITERATIONS must be an integer >= 1"),
    ],
)
def test_bad_options_are_named(environ, message):
    with pytest.raises(ValueError, match=message):
        read_options(environ)


def test_options_default_to_none():
    assert read_options({}) == read_options({"TOPOSEG_NNUNET_WEIGHT": " "})
    assert read_options({"TOPOSEG_NNUNET_START_EPOCH": "0"}).start_epoch == 0


def test_register_without_nnunet_is_a_clear_error(monkeypatch, capsys):
    import importlib.util

    from toposeg.cli import main

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "nnunetv2" else real(name, *a)
    )
    assert main(["nnunet", "register"]) == 2
    assert "nnU-Net v2 is not installed: pip install 'toposeg[nnunet]'" in capsys.readouterr().err
