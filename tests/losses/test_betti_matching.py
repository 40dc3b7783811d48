"""Betti matching loss: hand-worked cases, gradcheck, the reference's loss, patches, bad input."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from tests.reference.betti_matching_oracle import load_reference
from toposeg.losses import BettiMatchingLoss, betti_matching_loss, topo_loss


def _image(rows):
    return torch.tensor(rows, dtype=torch.float64)[None, None]


BROKEN_RING = [
    [0, 0, 0, 0, 0],
    [0, 0.9, 0.3, 0.9, 0],
    [0, 0.9, 0, 0.9, 0],
    [0, 0.9, 0.9, 0.9, 0],
    [0, 0, 0, 0, 0],
]
RING = [[1.0 if v > 0 else 0.0 for v in row] for row in BROKEN_RING]
RING[1][2] = 1.0


def test_broken_ring_is_matched_and_its_gap_raised():
    # The hole is born when the ring closes at the gap (0.3) and dies at the centre (0); it is
    # matched with the target's hole (1, 0): loss 2 (0.3 - 1)**2, gradient 4 (0.3 - 1).
    prob = _image(BROKEN_RING).requires_grad_()
    loss = betti_matching_loss(prob, _image(RING))
    loss.backward()
    assert loss.item() == pytest.approx(0.98)
    expected = torch.zeros_like(prob)
    expected[0, 0, 1, 2] = -2.8
    torch.testing.assert_close(prob.grad, expected)


def test_spurious_blob_is_pushed_to_the_diagonal():
    prob = torch.zeros(1, 1, 6, 6, dtype=torch.float64)
    prob[0, 0, 1:3, 1:3] = 0.9
    prob[0, 0, 4, 4] = 0.6
    target = (prob > 0.8).double()
    prob.requires_grad_()
    loss = betti_matching_loss(prob, target)
    loss.backward()
    assert loss.item() == pytest.approx(0.36)  # (0.6 - 0)**2, unmatched
    assert prob.grad[0, 0, 4, 4].item() == pytest.approx(1.2)  # 2 (b - d): the peak goes down
    assert prob.grad.sum().item() == pytest.approx(0.0)  # its death pixel goes up as much
    assert int((prob.grad != 0).sum()) == 2


def test_a_hole_in_the_wrong_place():
    """TopoLoss matches the two holes (equal diagrams up to 0.1); Betti matching does not."""
    target = torch.zeros(1, 1, 12, 12, dtype=torch.float64)
    target[0, 0, 1:6, 1:6] = 1.0
    target[0, 0, 3, 3] = 0.0
    prob = torch.roll(0.9 * target, shifts=(5, 5), dims=(2, 3))
    topo = topo_loss(prob, target, patch="whole", frame=False, dims=(1,))
    assert topo.item() == pytest.approx(0.01)
    betti = betti_matching_loss(prob, target, dims=(1,))
    assert betti.item() == pytest.approx(0.9**2 + 1.0)  # both holes unmatched


@pytest.mark.parametrize("shape", [(1, 1, 12, 12), (2, 1, 5, 6, 7)])
def test_zero_for_a_correct_prediction(shape):
    rng = np.random.default_rng(0)
    target = torch.from_numpy((rng.random(shape) > 0.5).astype(np.float64))
    prob = target.clone().requires_grad_()
    for relative in (False, True):
        loss = betti_matching_loss(prob, target, relative=relative)
        loss.backward()
        assert loss.item() == 0.0
        assert torch.count_nonzero(prob.grad) == 0


@pytest.mark.parametrize("shape", [(1, 1, 7, 8), (1, 1, 4, 4, 5)])
@pytest.mark.parametrize("relative", [False, True])
def test_gradcheck(shape, relative):
    rng = np.random.default_rng(1)
    prob = torch.from_numpy(rng.uniform(0.05, 0.95, size=shape)).requires_grad_()
    target = torch.from_numpy(rng.random(shape))
    assert torch.autograd.gradcheck(lambda p: betti_matching_loss(p, target, relative=relative), (prob,))


reference = load_reference()


@pytest.mark.skipif(reference is None, reason="the reference Betti matching (.so) is not on this machine")
@pytest.mark.parametrize("shape", [(24, 31), (7, 8, 9)])
def test_equals_the_published_loss_with_the_reference_matching(shape):
    """The loss of the reference's Python wrapper (superlevel: its input is 1 - p), written
    out with the reference's matching, equals ours."""
    rng = np.random.default_rng(2)
    for _ in range(3):
        p = rng.random(shape)
        t = (rng.random(shape) > 0.5).astype(np.float64)
        result = reference.compute_matching(1 - p, 1 - t)
        expected = 0.0
        for d in range(len(shape)):

            def at(image, name, d=d):
                return image[tuple(np.asarray(getattr(result, name)[d]).reshape(-1, len(shape)).T)]

            pb, pd = at(p, "input1_matched_birth_coordinates"), at(p, "input1_matched_death_coordinates")
            tb, td = at(t, "input2_matched_birth_coordinates"), at(t, "input2_matched_death_coordinates")
            expected += 2 * (((pb - tb) ** 2).sum() + ((pd - td) ** 2).sum())
            ub, ud = at(p, "input1_unmatched_birth_coordinates"), at(p, "input1_unmatched_death_coordinates")
            vb, vd = at(t, "input2_unmatched_birth_coordinates"), at(t, "input2_unmatched_death_coordinates")
            expected += ((ub - ud) ** 2).sum() + ((vb - vd) ** 2).sum()
        ours = betti_matching_loss(torch.from_numpy(p)[None, None], torch.from_numpy(t)[None, None])
        assert ours.item() == pytest.approx(expected, rel=1e-12)


def test_multi_class_is_one_vs_rest():
    rng = np.random.default_rng(3)
    labels = torch.from_numpy(rng.integers(0, 3, size=(2, 10, 11)))
    prob = torch.softmax(torch.from_numpy(rng.standard_normal((2, 3, 10, 11))), dim=1)
    per_channel = betti_matching_loss(prob, labels, reduction="none")
    assert per_channel.shape == (2, 3)
    for c in range(3):
        alone = betti_matching_loss(prob[:, c : c + 1], (labels == c).double()[:, None], reduction="none")
        torch.testing.assert_close(per_channel[:, c : c + 1], alone)


def test_patches_tiles_and_module():
    rng = np.random.default_rng(4)
    prob = torch.from_numpy(rng.random((2, 1, 20, 20))).requires_grad_()
    target = torch.from_numpy((rng.random((2, 1, 20, 20)) > 0.5).astype(np.float64))
    tiles = betti_matching_loss(prob, target, patch="tiles", patch_size=10, reduction="sum")
    # the tiles cover the image: the loss is the sum of the losses of the tiles
    by_hand = sum(
        betti_matching_loss(prob[:, :, i : i + 10, j : j + 10], target[:, :, i : i + 10, j : j + 10], reduction="sum")
        for i in (0, 10)
        for j in (0, 10)
    )
    torch.testing.assert_close(tiles, by_hand)
    module = BettiMatchingLoss(patch="random", patch_size=8, num_patches=3, seed=5)
    function = betti_matching_loss(
        prob, target, patch="random", patch_size=8, num_patches=3, generator=torch.Generator().manual_seed(5)
    )
    torch.testing.assert_close(module(prob, target), function)
    function.backward()
    assert prob.grad is not None


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"relative": 1}, TypeError, "relative"),
        ({"filtration": "up"}, ValueError, "filtration"),
        ({"dims": (2,)}, ValueError, "dims"),
        ({"patch": "everywhere"}, ValueError, "patch"),
        ({"reduction": "max"}, ValueError, "reduction"),
    ],
)
def test_bad_options(kwargs, error, message):
    prob = torch.rand(1, 1, 6, 6)
    with pytest.raises(error, match=message):
        betti_matching_loss(prob, torch.zeros(1, 6, 6, dtype=torch.long), **kwargs)


def test_bad_input():
    with pytest.raises(ValueError, match="prob"):
        betti_matching_loss(torch.full((1, 1, 4, 4), 2.0), torch.zeros(1, 1, 4, 4))
    with pytest.raises((TypeError, ValueError), match="target"):
        betti_matching_loss(torch.rand(1, 1, 4, 4), torch.zeros(1, 1, 4, 5))


def test_registered_as_a_training_term():
    from toposeg.train import Objective, parse_loss

    torch.manual_seed(0)
    logits = torch.randn(2, 1, 12, 12, dtype=torch.float64)
    target = (torch.rand(2, 1, 12, 12) > 0.6).double()
    _, parts = Objective(parse_loss("ce+0.1*betti_matching"), {"betti_matching": {"relative": True}})(
        logits, target
    )
    expected = betti_matching_loss(torch.sigmoid(logits), target, relative=True)
    assert parts["betti_matching"] == pytest.approx(float(expected), rel=1e-9)
