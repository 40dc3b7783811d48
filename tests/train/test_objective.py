"""Loss names: parsing, bad names, term values against the losses they call, batch splitting."""

import pytest
import torch
import torch.nn.functional as F

from toposeg.losses import dmt_loss, warping_loss
from toposeg.train import LOSS_TERMS, LossSpec, LossTerm, Objective, parse_loss


@pytest.mark.parametrize(
    "text, terms, canonical",
    [
        ("ce", ((1.0, "ce"),), "ce"),
        ("dice+0.1*topo", ((1.0, "dice"), (0.1, "topo")), "dice+0.1*topo"),
        (" 0.5 * CE + 0.5*dice +1e-3*topo ", ((0.5, "ce"), (0.5, "dice"), (0.001, "topo")), "0.5*ce+0.5*dice+0.001*topo"),
        ("ce+2.5e+1*warping", ((1.0, "ce"), (25.0, "warping")), "ce+25*warping"),
        ("ce+.5*dmt+localized+cldice", ((1.0, "ce"), (0.5, "dmt"), (1.0, "localized"), (1.0, "cldice")),
         "ce+0.5*dmt+localized+cldice"),
    ],
)
def test_parse(text, terms, canonical):
    spec = parse_loss(text)
    assert spec.terms == terms
    assert str(spec) == canonical
    assert parse_loss(str(spec)) == spec


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "loss must be a non-empty text"),
        ("ce+topoo", "unknown loss term 'topoo' in 'ce+topoo'; choose from ce, dice, cldice, topo, dmt, warping, localized, betti_matching"),
        ("bce", "unknown loss term 'bce'"),
        ("ce+ce", "loss term 'ce' appears twice"),
        ("ce+0*topo", "loss term 'topo' has weight 0.0; weights must be > 0"),
        ("ce+", "cannot parse loss 'ce+' at ''"),
        ("ce++dice", "cannot parse loss"),
        ("0.1topo", "cannot parse loss '0.1topo' at '0.1topo'"),
        ("ce*0.1", "terms are joined by '+'"),
        ("-1*ce", "cannot parse loss"),
    ],
)
def test_bad_losses_are_named(text, message):
    with pytest.raises(ValueError, match=message.replace("+", r"\+").replace("*", r"\*").replace("(", r"\(")):
        parse_loss(text)


def test_pixel_part_is_the_pretraining_loss():
    assert str(parse_loss("dice+0.1*topo+ce").pixel_part()) == "dice+ce"
    assert parse_loss("topo+dmt").pixel_part() is None
    assert not parse_loss("ce+dice").topological and parse_loss("ce+cldice").topological
    assert {name for name, term in LOSS_TERMS.items() if term.kind == "pixel"} == {"ce", "dice"}


def batch(seed=0, size=4, side=24):
    generator = torch.Generator().manual_seed(seed)
    logits = torch.randn(size, 1, side, side, generator=generator, dtype=torch.float64) * 2
    target = torch.zeros(size, 1, side, side, dtype=torch.float64)
    target[:, :, side // 2 - 1:side // 2 + 1, :] = 1.0  # a horizontal bar
    target[:, :, :, 5:7] = 1.0  # and a vertical one
    return logits, target


def test_pixel_terms_against_their_definitions():
    logits, target = batch()
    prob = torch.sigmoid(logits)
    total, parts = Objective(parse_loss("ce+0.25*dice"))(logits, target)
    ce = F.binary_cross_entropy(prob, target)
    overlap, sizes = (prob * target).sum((2, 3)), prob.sum((2, 3)) + target.sum((2, 3))
    dice = (1 - (2 * overlap + 1) / (sizes + 1)).mean()
    assert parts["ce"] == pytest.approx(float(ce), rel=1e-9)
    assert parts["dice"] == pytest.approx(float(dice), rel=1e-9)
    assert float(total) == pytest.approx(float(ce + 0.25 * dice), rel=1e-9)


def test_topological_terms_call_the_losses():
    logits, target = batch()
    prob = torch.sigmoid(logits)
    _, parts = Objective(parse_loss("ce+dmt+warping"), {"dmt": {"eps": 0.1}})(logits, target)
    # the DMT term alone: half of (the paper's loss with beta = 2) - (its loss with beta = 0)
    expected = (dmt_loss(prob, target, eps=0.1, beta=2.0) - dmt_loss(prob, target, eps=0.1, beta=0.0)) / 2
    assert parts["dmt"] == pytest.approx(float(expected), rel=1e-9)
    assert parts["warping"] == pytest.approx(float(warping_loss(prob, target)), rel=1e-9)


def test_dmt_gradient_is_that_of_the_term():
    logits, target = batch()
    logits.requires_grad_()
    total, _ = Objective(parse_loss("dmt"))(logits, target)
    (grad,) = torch.autograd.grad(total, logits)
    prob = torch.sigmoid(logits)
    expected = (dmt_loss(prob, target, eps=0.2, beta=3.0) - dmt_loss(prob, target, eps=0.2, beta=0.0)) / 3
    (reference,) = torch.autograd.grad(expected, logits)
    assert torch.allclose(grad, reference, atol=1e-12)
    assert (grad != 0).sum() < grad.numel()  # only the Morse structures get a gradient


def test_unknown_term_options_are_named():
    with pytest.raises(ValueError, match="loss term 'dmt' does not take option.s. epsilon; it takes .*eps"):
        Objective(parse_loss("ce+dmt"), {"dmt": {"epsilon": 0.2}})
    with pytest.raises(ValueError, match="loss term 'ce' does not take option.s. smooth; it takes no options"):
        Objective(parse_loss("ce"), {"ce": {"smooth": 1}})
    with pytest.raises(ValueError, match="'warping' does not take option.s. reduction"):
        Objective(parse_loss("warping"), {"warping": {"reduction": "sum"}})  # the pipeline reduces


def test_the_mean_of_equal_shards_is_the_loss_of_the_batch():
    """What data-parallel training relies on: every term is a mean over samples."""
    logits, target = batch(size=6)
    objective = Objective(parse_loss("ce+dice+dmt+warping"))
    whole, _ = objective(logits, target)
    halves = [objective(logits[i:i + 3], target[i:i + 3])[0] for i in (0, 3)]
    thirds = [objective(logits[i:i + 2], target[i:i + 2])[0] for i in (0, 2, 4)]
    assert float(whole) == pytest.approx(float(sum(halves) / 2), rel=1e-12)
    assert float(whole) == pytest.approx(float(sum(thirds) / 3), rel=1e-12)


def test_random_terms_draw_per_sample_from_their_generators(monkeypatch):
    """A term with random choices gets one generator per sample, so its value for a sample does
    not depend on the other samples of the batch (nor on the process it runs in)."""

    def make(options):
        def noisy(logits, prob, target, generator):
            weights = torch.rand(prob.shape, generator=generator, dtype=prob.dtype)
            return (weights * prob).mean()
        return noisy

    monkeypatch.setitem(LOSS_TERMS, "noisy", LossTerm("noisy", "topological", "test", make, draws_random=True))
    logits, target = batch(size=4)
    objective = Objective(LossSpec(((1.0, "noisy"),)))

    def generators(indices):
        return [torch.Generator().manual_seed(100 + i) for i in indices]

    whole = objective(logits, target, generators(range(4)))[0]
    halves = [objective(logits[i:i + 2], target[i:i + 2], generators(range(i, i + 2)))[0] for i in (0, 2)]
    assert float(whole) == pytest.approx(float(sum(halves) / 2), rel=1e-12)
    again = objective(logits, target, generators(range(4)))[0]
    assert float(again) == float(whole)
    other = objective(logits, target, generators(range(10, 14)))[0]
    assert float(other) != float(whole)
