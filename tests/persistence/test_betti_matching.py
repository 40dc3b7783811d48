"""betti_matching against a brute-force induced matching and the reference implementation."""

from __future__ import annotations

import importlib
import os
from pathlib import Path

import numpy as np
import pytest

from tests.reference.betti_matching import brute_force_betti_matching
from tests.reference.betti_matching_oracle import load_reference, reference_matching
from toposeg import cubical_persistence
from toposeg.persistence import BettiMatchingResult, betti_matching, betti_matching_batch


def _as_sets(result: BettiMatchingResult) -> list[dict[str, set]]:
    out = []
    for d in range(len(result.shape)):
        matched = np.concatenate([result.matched_pred[d], result.matched_target[d]], axis=1)
        out.append(
            {
                "matched": {tuple(int(v) for v in row) for row in matched},
                "unmatched_f": {tuple(int(v) for v in row) for row in result.unmatched_pred[d]},
                "unmatched_g": {tuple(int(v) for v in row) for row in result.unmatched_target[d]},
            }
        )
    return out


def _random_pair(rng, ndim, tied):
    shape = tuple(rng.integers(2, 7 if ndim == 2 else 5, size=ndim))
    if tied:
        return rng.integers(0, 3, size=shape).astype(np.float64), rng.integers(0, 2, size=shape).astype(float)
    return rng.random(shape), rng.random(shape)


@pytest.mark.parametrize("ndim", [2, 3])
@pytest.mark.parametrize("tied", [False, True])
def test_equals_brute_force(ndim, tied):
    rng = np.random.default_rng(100 * ndim + tied)
    for _ in range(40 if ndim == 2 else 8):
        f, g = _random_pair(rng, ndim, tied)
        result = betti_matching(f, g, filtration="sublevel")
        assert _as_sets(result) == brute_force_betti_matching(f, g)


def test_components_entered_through_one_input_only_equal_brute_force():
    """Inputs on which the fast passes must flood a component to find its eldest pixel or
    square (checked by instrumenting the floods): dimension 0 when a component of ``c`` holds
    a minimum of ``f`` that entered through ``g`` (binary targets), dimension 1 (2D) on these
    random seeds."""
    rng = np.random.default_rng(3)
    for i in range(20):
        ndim = 2 if i % 4 else 3
        shape = tuple(rng.integers(3, 7 if ndim == 2 else 5, size=ndim))
        f = rng.random(shape)
        g = -(rng.random(shape) > 0.6).astype(np.float64) + 0.0
        assert _as_sets(betti_matching(f, g, filtration="sublevel")) == brute_force_betti_matching(f, g)
    for seed in (12, 28, 56, 84, 104, 148):
        rng = np.random.default_rng(seed)
        shape = tuple(rng.integers(5, 9, size=2))
        f, g = rng.random(shape), rng.random(shape)
        assert _as_sets(betti_matching(f, g, filtration="sublevel")) == brute_force_betti_matching(f, g)


def test_superlevel_is_sublevel_of_the_negation():
    rng = np.random.default_rng(1)
    for ndim in (2, 3):
        f, g = _random_pair(rng, ndim, False)
        up = betti_matching(f, g)
        down = betti_matching(-f, -g, filtration="sublevel")
        assert _as_sets(up) == _as_sets(down)


@pytest.mark.parametrize("ndim", [2, 3])
@pytest.mark.parametrize("construction", ["V", "T"])
def test_pairs_are_those_of_the_engine(ndim, construction):
    rng = np.random.default_rng(2 + ndim)
    shape = (40, 40) if ndim == 2 else (9, 10, 11)
    connectivity = 1 if construction == "V" else ndim
    f, g = rng.random(shape), rng.random(shape)
    result = betti_matching(f, g, connectivity=connectivity)
    for pred, matched, unmatched in ((f, result.matched_pred, result.unmatched_pred),
                                     (g, result.matched_target, result.unmatched_target)):
        engine = cubical_persistence(pred, connectivity=connectivity)
        for d in range(ndim):
            ours = np.concatenate([matched[d], unmatched[d]])
            assert sorted(map(tuple, ours.tolist())) == sorted(map(tuple, engine.critical_pixels(d).tolist()))


def _without_engine(monkeypatch):
    """Make every volume look too large for the persistence engine's keys: dimension 1 then
    reduces every square of each matrix in :func:`reduce_squares`."""
    module = importlib.import_module("toposeg.persistence.betti_matching")

    def too_large(n):
        raise ValueError("too large")

    monkeypatch.setattr(module, "key_layout", too_large)
    return module


@pytest.mark.parametrize("construction", [1, 3])
def test_volumes_beyond_the_engine_give_the_same_matching(monkeypatch, construction):
    """Above the engine's 2**28 voxels the five reductions of dimension 1 visit every square:
    the same pairs as the engine's (own pairs and image pairs)."""
    rng = np.random.default_rng(9)
    cases = [_random_pair(rng, 3, tied) for tied in (False, True, False, True)]
    cases.append((rng.random((9, 10, 11)), (rng.random((9, 10, 11)) > 0.5).astype(float)))
    expected = [_as_sets(betti_matching(f, g, connectivity=construction)) for f, g in cases]
    _without_engine(monkeypatch)
    for (f, g), result in zip(cases, expected):
        assert _as_sets(betti_matching(f, g, connectivity=construction)) == result


def test_narrow_pivot_table_widens_when_columns_outgrow_it(monkeypatch):
    """The reduction of every square looks pivots up in an int32 table and widens it on
    overflow: with an int8 table the overflow happens at once, and the matching is
    unchanged."""
    rng = np.random.default_rng(5)
    f, g = rng.random((9, 10, 11)), rng.random((9, 10, 11))
    expected = _as_sets(betti_matching(f, g))
    module = _without_engine(monkeypatch)
    monkeypatch.setattr(module, "_PIVOT_SCRATCH", np.int8)
    assert _as_sets(betti_matching(f, g)) == expected


reference = load_reference()
needs_reference = pytest.mark.skipif(reference is None, reason="the reference Betti matching (.so) is not on this machine")


@needs_reference
@pytest.mark.parametrize("ndim", [2, 3])
def test_equals_reference_on_random_inputs(ndim):
    rng = np.random.default_rng(7 + ndim)
    for _ in range(30 if ndim == 2 else 10):
        shape = tuple(rng.integers(2, 40 if ndim == 2 else 12, size=ndim))
        f, g = rng.random(shape), rng.random(shape)
        ours = _as_sets(betti_matching(f, g, filtration="sublevel"))
        assert ours == reference_matching(reference, f, g)


@needs_reference
def test_equals_reference_on_larger_smooth_inputs():
    """Realistic sizes and shapes: a smooth map against a noisy copy of it (untied), where the
    basin passes merge thousands of saddles."""
    from scipy.ndimage import gaussian_filter

    rng = np.random.default_rng(5)
    for shape in ((256, 192), (24, 28, 20)):
        f = gaussian_filter(rng.random(shape), 2.0)
        g = f + 0.02 * rng.standard_normal(shape)
        ours = _as_sets(betti_matching(f, g, filtration="sublevel"))
        assert ours == reference_matching(reference, f, g)
        assert sum(len(d["matched"]) for d in ours) > 20


@needs_reference
def test_counts_equal_reference_on_binary_targets():
    """Tied targets (masks): the cells are ordered differently, the counts are the same."""
    rng = np.random.default_rng(11)
    for shape in ((60, 70), (12, 13, 14)):
        f = rng.random(shape)
        g = (rng.random(shape) > 0.6).astype(float)
        ours = betti_matching(f, g, filtration="sublevel")
        theirs = reference.compute_matching(f, g)
        assert ours.num_matched == tuple(int(v) for v in theirs.num_matched)
        assert ours.num_unmatched_pred == tuple(int(v) for v in theirs.num_unmatched_input1)
        assert ours.num_unmatched_target == tuple(int(v) for v in theirs.num_unmatched_input2)


def test_a_ring_with_a_gap():
    """A hole of the target that the prediction lacks stays unmatched."""
    target = np.zeros((5, 5))
    target[1:4, 1:4] = 1.0
    target[2, 2] = 0.0
    pred = target * 0.9
    pred[1, 2] = 0.0  # the ring is broken: no hole in the prediction
    result = betti_matching(pred, target)
    assert result.num_matched == (0, 0)
    assert result.num_unmatched_pred == (0, 0)
    assert result.num_unmatched_target == (0, 1)  # born when the ring closes, dies at the centre
    birth, death = result.unmatched_target[1][0]
    assert target.flat[birth] == 1.0 and death == np.ravel_multi_index((2, 2), (5, 5))

    weak = target * 0.9
    weak[1, 2] = 0.2  # a weak ring: its hole is matched with the target's
    assert betti_matching(weak, target).num_matched == (0, 1)


@pytest.mark.parametrize("construction", ["V", "T"])
def test_identical_inputs_match_everything(construction):
    rng = np.random.default_rng(3)
    for shape in ((20, 30), (6, 7, 8)):
        f = rng.random(shape)
        result = betti_matching(f, f, connectivity=1 if construction == "V" else len(shape))
        assert result.num_unmatched_pred == result.num_unmatched_target == (0,) * len(shape)
        for d in range(len(shape)):
            np.testing.assert_array_equal(result.matched_pred[d], result.matched_target[d])


def test_t_construction_connects_diagonal_pixels():
    """Two blobs touching at a corner: two components in the V-construction, one in the T."""
    target = np.zeros((6, 6))
    target[1:3, 1:3] = 1.0
    target[3:5, 3:5] = 1.0
    pred = 0.9 * target
    assert betti_matching(pred, target, connectivity=1).num_matched == (1, 0)
    assert betti_matching(pred, target, connectivity=2).num_matched == (0, 0)
    ring = np.zeros((5, 5))
    ring[1, 2] = ring[2, 1] = ring[2, 3] = ring[3, 2] = 1.0  # a diamond: a hole only in T
    assert betti_matching(ring, ring, connectivity=1).num_matched == (3, 0)
    assert betti_matching(ring, ring, connectivity=2).num_matched == (0, 1)


def test_a_hole_in_the_wrong_place_is_not_matched():
    """Two rings of the same strength at different places: diagrams equal, no match."""
    target = np.zeros((12, 12))
    target[1:6, 1:6] = 1.0
    target[3, 3] = 0.0
    pred = np.zeros((12, 12))
    pred[6:11, 6:11] = 1.0
    pred[8, 8] = 0.0
    result = betti_matching(pred, target)
    assert result.num_matched[1] == 0
    assert result.num_unmatched_pred[1] == result.num_unmatched_target[1] == 1


@pytest.mark.parametrize("construction", ["V", "T"])
def test_frame_equals_padding_by_hand(construction):
    rng = np.random.default_rng(4)
    for shape in ((9, 11), (5, 6, 7)):
        f, g = rng.random(shape), rng.random(shape)
        conn = 1 if construction == "V" else len(shape)
        framed = betti_matching(f, g, frame=1.0, connectivity=conn)
        padded = betti_matching(
            np.pad(f, 1, constant_values=1.0), np.pad(g, 1, constant_values=1.0), connectivity=conn
        )
        inner = np.pad(np.arange(f.size).reshape(shape), 1, constant_values=-1).ravel()
        for d in range(len(shape)):
            for ours, theirs in ((framed.matched_pred, padded.matched_pred),
                                 (framed.unmatched_pred, padded.unmatched_pred),
                                 (framed.unmatched_target, padded.unmatched_target)):
                np.testing.assert_array_equal(ours[d], inner[theirs[d]])


def test_dims_select_dimensions():
    rng = np.random.default_rng(5)
    f, g = rng.random((6, 7, 8)), rng.random((6, 7, 8))
    full = betti_matching(f, g)
    for dims in ((0,), (1,), (2,), (0, 2)):
        part = betti_matching(f, g, dims=dims)
        assert part.dims == dims
        for d in range(3):
            expected = full.matched_pred[d] if d in dims else np.empty((0, 2))
            np.testing.assert_array_equal(part.matched_pred[d], expected)


def test_batch_equals_one_by_one():
    rng = np.random.default_rng(6)
    preds, targets = rng.random((3, 10, 12)), rng.random((3, 10, 12))
    batch = betti_matching_batch(preds, targets, workers=2)
    for i, result in enumerate(batch):
        assert _as_sets(result) == _as_sets(betti_matching(preds[i], targets[i]))
    volume, target = rng.random((1, 7, 8, 9)), rng.random((1, 7, 8, 9))  # threads inside it
    (result,) = betti_matching_batch(volume, target, workers=4)
    assert _as_sets(result) == _as_sets(betti_matching(volume[0], target[0]))


@pytest.mark.parametrize("construction", [1, 3])
def test_threads_of_a_volume_give_the_same_matching(construction):
    """The five reductions and two union-finds of a volume on several threads: the same pairs,
    on untied and tied inputs."""
    rng = np.random.default_rng(8)
    for tied in (False, True):
        f, g = _random_pair(rng, 3, tied)
        f, g = np.pad(f, 3, mode="wrap") + rng.random((1,)), np.pad(g, 3, mode="reflect")
        alone = betti_matching(f, g, connectivity=construction)
        for workers in (2, 5):
            threaded = betti_matching(f, g, connectivity=construction, workers=workers)
            assert _as_sets(threaded) == _as_sets(alone)


def test_result_is_immutable_and_inputs_untouched():
    rng = np.random.default_rng(7)
    f, g = rng.random((8, 8)), rng.random((8, 8))
    copies = f.copy(), g.copy()
    result = betti_matching(f, g)
    np.testing.assert_array_equal(f, copies[0])
    np.testing.assert_array_equal(g, copies[1])
    with pytest.raises(ValueError):
        result.matched_pred[0][...] = 0
    with pytest.raises(AttributeError):
        result.dims = (0,)
    assert "num_matched" in repr(result)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"pred": np.zeros((4, 4)), "target": np.zeros((4, 5))}, "same shape"),
        ({"pred": np.zeros(4), "target": np.zeros(4)}, "pred"),
        ({"pred": np.full((4, 4), np.nan), "target": np.zeros((4, 4))}, "NaN"),
        ({"pred": np.zeros((4, 4)), "target": np.zeros((4, 4)), "dims": (2,)}, "dims"),
        ({"pred": np.zeros((4, 4)), "target": np.zeros((4, 4)), "filtration": "up"}, "filtration"),
        ({"pred": np.zeros((4, 4)), "target": np.zeros((4, 4)), "connectivity": 3}, "connectivity"),
        ({"pred": np.zeros((4, 4)), "target": np.zeros((4, 4)), "frame": -1.0}, "frame"),
        ({"pred": [[0.0]], "target": np.zeros((1, 1))}, "pred"),
        ({"pred": np.zeros((4, 4)), "target": np.zeros((4, 4)), "workers": 0}, "workers"),
        ({"pred": np.zeros((4, 4)), "target": np.zeros((4, 4)), "workers": 1.5}, "workers"),
    ],
)
def test_bad_input(kwargs, message):
    pred = kwargs.pop("pred")
    target = kwargs.pop("target")
    with pytest.raises((TypeError, ValueError), match=message):
        betti_matching(pred, target, **kwargs)


def _data_folder() -> Path:
    if os.environ.get("TOPOSEG_DATA"):
        return Path(os.environ["TOPOSEG_DATA"])
    return Path(__file__).resolve().parents[2] / ".." / "shared" / "data"


def test_published_example():
    """The reference's published example: a road label against its signed distance transform
    (sublevel sets): 11 and 22 matched, 68 and 278 unmatched in the first input, none in the
    second."""
    path = _data_folder() / "betti_matching_roads" / "label_0111.png"
    if not path.is_file():
        pytest.skip(f"the published example's label is not at {path}")
    from PIL import Image
    from scipy.ndimage import distance_transform_edt

    label = (255 - np.asarray(Image.open(path), dtype=np.float64)) / 255
    assert label.shape == (375, 375)
    signed = distance_transform_edt(label) - distance_transform_edt(1 - label)
    result = betti_matching(signed, label, filtration="sublevel")
    assert result.num_matched == (11, 22)
    assert result.num_unmatched_pred == (68, 278)
    assert result.num_unmatched_target == (0, 0)
