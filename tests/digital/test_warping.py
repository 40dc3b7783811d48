"""warp and critical_mask against the thesis' algorithm written plainly, and their invariants."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import ndimage

from tests.reference.digital import distance_to_other_class, warp_reference
from toposeg import betti_numbers
from toposeg.digital import critical_mask, critical_mask_batch, simple_point_map, warp
from toposeg.digital._distance import ordered_candidates


def _blobs(shape, seed, sigma=1.2, level=0.0):
    """Smooth random masks: regions with boundaries, holes and thin parts, like predictions."""
    rng = np.random.default_rng(seed)
    return ndimage.gaussian_filter(rng.standard_normal(shape), sigma) > level


def _pairs(ndim, count, seed):
    shape = (14, 15) if ndim == 2 else (5, 7, 6)
    rng = np.random.default_rng(seed)
    for k in range(count):
        if k % 3 == 0:
            yield rng.random(shape) < 0.5, rng.random(shape) < 0.5
        else:
            yield _blobs(shape, seed * 100 + k), _blobs(shape, seed * 100 + k + 50)


@pytest.mark.parametrize("max_passes", [1, 2, None])
@pytest.mark.parametrize(("ndim", "connectivity"), [(2, 1), (2, 2), (3, 1), (3, 3)])
def test_matches_reference_algorithm(ndim, connectivity, max_passes):
    for source, target in _pairs(ndim, 6 if ndim == 2 else 3, seed=ndim * 10 + connectivity):
        expected = warp_reference(source, target, connectivity, max_passes)
        actual = warp(source, target, connectivity=connectivity, max_passes=max_passes)
        np.testing.assert_array_equal(actual, expected)


@pytest.mark.parametrize(("ndim", "connectivity"), [(2, 1), (2, 2), (3, 1), (3, 3)])
def test_topology_kept_and_distance_never_grows(ndim, connectivity):
    shape = (40, 40) if ndim == 2 else (12, 14, 13)
    for seed in range(4):
        source = _blobs(shape, seed)
        target = _blobs(shape, seed + 20, level=0.3)
        for max_passes in (1, None):
            warped = warp(source, target, connectivity=connectivity, max_passes=max_passes)
            assert betti_numbers(warped, connectivity=connectivity) == betti_numbers(
                source, connectivity=connectivity
            )
            before = (source != target).sum()
            after = (warped != target).sum()
            assert after <= before
            # only disagreement pixels flip, each toward the target
            assert not ((warped != source) & (source == target)).any()
            assert after < before  # smooth masks always have something to flip


@settings(max_examples=60, deadline=None)
@given(
    arrays(bool, st.tuples(st.integers(1, 9), st.integers(1, 9))),
    arrays(bool, (9, 9)),
    st.sampled_from([1, 2]),
)
def test_property_2d(source, target_full, connectivity):
    target = target_full[: source.shape[0], : source.shape[1]]
    warped = warp(source, target, connectivity=connectivity, max_passes=None)
    assert betti_numbers(warped, connectivity=connectivity) == betti_numbers(
        source, connectivity=connectivity
    )
    assert (warped != target).sum() <= (source != target).sum()
    # until stable: no pixel where the result still disagrees with the target is simple
    assert not (simple_point_map(warped, connectivity=connectivity) & (warped != target)).any()


@settings(max_examples=30, deadline=None)
@given(
    arrays(bool, st.tuples(st.integers(1, 5), st.integers(1, 5), st.integers(1, 5))),
    arrays(bool, (5, 5, 5)),
    st.sampled_from([1, 3]),
)
def test_property_3d(source, target_full, connectivity):
    target = target_full[: source.shape[0], : source.shape[1], : source.shape[2]]
    warped = warp(source, target, connectivity=connectivity, max_passes=None)
    assert betti_numbers(warped, connectivity=connectivity) == betti_numbers(
        source, connectivity=connectivity
    )
    assert (warped != target).sum() <= (source != target).sum()
    assert not (simple_point_map(warped, connectivity=connectivity) & (warped != target)).any()


def test_broken_ring_keeps_its_gap():
    ring = np.zeros((7, 7), dtype=bool)
    ring[1:6, 1:6] = True
    ring[2:5, 2:5] = False
    broken = ring.copy()
    broken[1, 3] = False
    warped = warp(broken, ring)
    assert (warped != ring).sum() == 1
    assert betti_numbers(warped) == (1, 0)
    # the other way, the full ring warped toward the broken one must keep a one-pixel bridge
    warped_ring = warp(ring, broken)
    assert (warped_ring != broken).sum() == 1
    assert betti_numbers(warped_ring) == (1, 1)


def test_figure_5_4_two_blocks_and_a_big_irrelevant_error():
    """Two blocks joined by a thick bar in one mask and separated in the other, which also has
    a large extra area that does not change topology. Warped until stable, the critical pixels
    are a one-pixel-wide gap (a column of the bar) and a one-pixel-wide link (a row of it);
    the extra area is warped away completely."""
    joined = np.zeros((20, 30), dtype=bool)
    joined[4:14, 2:12] = True
    joined[4:14, 18:28] = True
    joined[7:11, 12:18] = True  # the bar
    separate = joined.copy()
    separate[7:11, 12:18] = False
    separate[14:19, 2:12] = True  # a large extra area below the left block
    warped_separate = warp(separate, joined, max_passes=None)
    gap = warped_separate != joined
    assert betti_numbers(warped_separate) == (2, 0)
    assert gap.sum() == 4 and len(set(np.nonzero(gap)[1])) == 1  # one column of the bar
    warped_joined = warp(joined, separate, max_passes=None)
    link = warped_joined != separate
    assert betti_numbers(warped_joined) == (1, 0)
    assert link.sum() == 6 and len(set(np.nonzero(link)[0])) == 1  # one row across the bar
    critical = critical_mask(separate, joined, max_passes=None)
    np.testing.assert_array_equal(critical, gap | link)
    assert not critical[14:].any()
    # one pass (the thesis' algorithm) is not always enough: a pixel skipped because it was not
    # yet simple is never visited again, and a thin staircase of the extra area can remain
    one_pass = critical_mask(separate, joined)
    assert one_pass[14:].any() and one_pass[7:11, 12:18].any()


def test_figure_5_7_hole_in_a_3d_membrane():
    """A thick plate with a hole (a tunnel) against the same plate without it: warping the
    solid plate toward the holed one leaves a membrane one voxel thick across the hole, in the
    middle of the plate; warping the holed plate toward the solid one leaves a one-voxel
    tunnel."""
    solid = np.zeros((7, 13, 13), dtype=bool)
    solid[2:5, 1:12, 1:12] = True
    holed = solid.copy()
    holed[2:5, 4:9, 4:9] = False
    membrane = warp(solid, holed) != holed
    assert membrane.sum() == 25 and membrane[3, 4:9, 4:9].all()
    tunnel = warp(holed, solid) != solid
    assert np.argwhere(tunnel).tolist() == [[2, 6, 6], [3, 6, 6], [4, 6, 6]]
    np.testing.assert_array_equal(critical_mask(holed, solid), membrane | tunnel)


def test_trivial_cases():
    mask = _blobs((12, 12), 1)
    np.testing.assert_array_equal(warp(mask, mask), mask)
    empty = np.zeros_like(mask)
    np.testing.assert_array_equal(warp(empty, mask), empty)  # nothing can appear from nothing
    assert not critical_mask(mask, mask).any()
    # a full array is a disc (the outside is background): it shrinks to one component
    full = np.ones((6, 6), dtype=bool)
    dot = np.zeros((6, 6), dtype=bool)
    dot[2, 2] = True
    np.testing.assert_array_equal(warp(full, dot, max_passes=None), dot)
    np.testing.assert_array_equal(
        warp(np.ones((3, 4, 5), bool), np.zeros((3, 4, 5), bool), max_passes=None).sum(), 1
    )


def test_inputs_not_modified_and_dtypes():
    source = _blobs((10, 11), 2).astype(np.uint8)
    target = _blobs((10, 11), 3).astype(np.float64)
    copies = source.copy(), target.copy()
    out = warp(source, target)
    np.testing.assert_array_equal(source, copies[0])
    np.testing.assert_array_equal(target, copies[1])
    assert out.dtype == bool and out.shape == source.shape
    np.testing.assert_array_equal(out, warp(source.astype(bool), target.astype(bool)))
    # views in any memory order give the result of their contiguous copies
    wide_source, wide_target = _blobs((12, 30), 4), _blobs((12, 30), 5)
    for view in (lambda a: a.T, lambda a: a[:, ::3], lambda a: np.asfortranarray(a)):
        a, b = view(wide_source), view(wide_target)
        np.testing.assert_array_equal(warp(a, b), warp(a.copy(order="C"), b.copy(order="C")))
        np.testing.assert_array_equal(simple_point_map(a), simple_point_map(a.copy(order="C")))


def test_critical_mask_formula_and_batch():
    for prediction, target in _pairs(2, 4, seed=5):
        expected = (prediction != warp_reference(target, prediction, 1)) | (
            target != warp_reference(prediction, target, 1)
        )
        np.testing.assert_array_equal(critical_mask(prediction, target), expected)
    predictions = [_blobs((16, 16), s) for s in range(5)]
    targets = [_blobs((16, 16), s + 9) for s in range(5)]
    batch = critical_mask_batch(predictions, targets, workers=2)
    for p, t, m in zip(predictions, targets, batch):
        np.testing.assert_array_equal(m, critical_mask(p, t))


@pytest.mark.parametrize(
    "shape", [(1, 7, 9), (4, 5, 6), (1, 30, 40), (6, 10, 12), (3, 1, 30), (1, 3, 300), (2, 3, 200)]
)
def test_candidate_order_matches_scipy_distance_transform(shape):
    rng = np.random.default_rng(sum(shape))
    volume = shape[0] > 1
    for source_density in (0.003, 0.05, 0.5, 0.97, 1.0):
        for target_density in (0.02, 0.5, 1.0):
            source = rng.random(shape) < source_density
            target = rng.random(shape) < target_density
            if not source.any():
                continue
            as_array = source if volume else source[0]
            distance = distance_to_other_class(as_array).ravel() ** 2
            candidates = np.flatnonzero(source != target)
            expected = candidates[np.lexsort((candidates, distance[candidates]))]
            order, squared = ordered_candidates(source.astype(np.uint8), target.astype(np.uint8), volume)
            np.testing.assert_array_equal(order, expected)
            np.testing.assert_allclose(squared, distance[expected])


def _volume_cases():
    """Volumes that take each way of finishing the distances: local plane searches (near
    candidates), Y envelope then row searches (far candidates, few), full envelopes (far
    candidates, many)."""
    near_source = _blobs((6, 30, 30), 1)
    near_target = ndimage.binary_dilation(near_source) & ~ndimage.binary_erosion(near_source, iterations=2)
    plane = np.zeros((8, 40, 40), dtype=bool)
    plane[:, 0, :] = True
    block = plane.copy()
    block[2:7, 25:36, 5:36] = True
    dot = np.zeros((4, 60, 60), dtype=bool)
    dot[1, 2, 3] = True
    return [(near_source, near_target), (plane, block), (dot, np.ones_like(dot))]


@pytest.mark.parametrize("case", range(3))
def test_candidate_order_in_volumes_each_path(case):
    source, target = _volume_cases()[case]
    distance = distance_to_other_class(source).ravel() ** 2
    candidates = np.flatnonzero(source != target)
    expected = candidates[np.lexsort((candidates, distance[candidates]))]
    order, squared = ordered_candidates(source.astype(np.uint8), target.astype(np.uint8), True)
    np.testing.assert_array_equal(order, expected)
    np.testing.assert_allclose(squared, distance[expected])


def test_single_slice_volume_sees_outside_along_depth():
    source = np.ones((1, 4, 4), dtype=bool)
    _, squared = ordered_candidates(source.astype(np.uint8), np.zeros((1, 4, 4), np.uint8), True)
    assert (squared == 1).all()
    np.testing.assert_array_equal(warp(source, ~source, max_passes=None).sum(), 1)


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "message"),
    [
        ((np.array([[0, 2], [1, 0]]), np.zeros((2, 2))), {}, ValueError, "source must be binary"),
        ((np.zeros((2, 2)), np.array([[0.0, 0.5], [1, 0]])), {}, ValueError, "target must be binary"),
        ((np.zeros((2, 2)), np.array([[np.nan, 0], [1, 0]])), {}, ValueError, "target contains NaN"),
        ((np.zeros((2, 2)), np.zeros((2, 3))), {}, ValueError, "must have the same shape"),
        ((np.zeros((2, 2)), np.zeros((2, 2))), {"connectivity": 3}, ValueError, "connectivity must be 1"),
        (
            (np.zeros((2, 2)), np.zeros((2, 2))),
            {"max_passes": 0},
            ValueError,
            "max_passes must be at least 1",
        ),
        (
            (np.zeros((2, 2)), np.zeros((2, 2))),
            {"max_passes": 1.5},
            TypeError,
            "max_passes must be an integer",
        ),
        ((np.zeros(4), np.zeros(4)), {}, ValueError, "source must be 2D or 3D"),
    ],
)
def test_bad_input(args, kwargs, error, message):
    with pytest.raises(error, match=message):
        warp(*args, **kwargs)


def test_bad_input_critical_mask():
    with pytest.raises(ValueError, match="prediction and target must have the same shape"):
        critical_mask(np.zeros((3, 3)), np.zeros((3, 4)))
    with pytest.raises(ValueError, match="prediction must be binary"):
        critical_mask(np.full((3, 3), 0.7), np.zeros((3, 3)))
    with pytest.raises(ValueError, match="same length"):
        critical_mask_batch([np.zeros((3, 3))], [])
    with pytest.raises(ValueError, match="workers must be a positive integer"):
        critical_mask_batch([np.zeros((3, 3))], [np.zeros((3, 3))], workers=0)
