"""cubical_persistence against gudhi, on thousands of random 2D and 3D inputs."""

from __future__ import annotations

import numpy as np
import pytest

from tests.reference.gudhi_oracle import gudhi_pairs
from toposeg import cubical_persistence, cubical_persistence_batch


def _multiset(values: np.ndarray) -> list[tuple[float, float]]:
    return sorted(map(tuple, np.asarray(values).reshape(-1, 2).tolist()))


def _check_against_gudhi(image, superlevel, connectivity):
    result = cubical_persistence(image, superlevel=superlevel, connectivity=connectivity)
    expected = gudhi_pairs(image, superlevel=superlevel, connectivity=connectivity)
    flat = np.asarray(image, dtype=np.float64).ravel()
    untied = len(np.unique(flat)) == flat.size
    for d in range(image.ndim):
        diagram = result.diagram(d)
        pixels = result.critical_pixels(d)
        assert diagram.shape == pixels.shape == (len(pixels), 2)
        # The diagram is read off the critical pixels.
        np.testing.assert_array_equal(diagram, flat[pixels].reshape(-1, 2))
        assert _multiset(diagram) == _multiset(flat[expected[d]]), f"dim {d}"
        if untied:
            assert _multiset(pixels) == _multiset(expected[d]), f"pixels, dim {d}"
        if superlevel:
            assert np.all(diagram[:, 0] > diagram[:, 1])
        else:
            assert np.all(diagram[:, 0] < diagram[:, 1])
    essential = result.essential(0)
    extreme = flat.max() if superlevel else flat.min()
    np.testing.assert_array_equal(essential.births, [extreme])
    assert flat[essential.pixels[0]] == extreme
    for d in range(1, image.ndim):
        assert len(result.essential(d).births) == 0


def _random_image(rng, ndim):
    if ndim == 2:
        shape = tuple(rng.integers(1, 25, size=2))
    else:
        shape = tuple(rng.integers(1, 9, size=3))
    kind = rng.integers(4)
    if kind == 0:  # heavy ties
        return rng.integers(0, 3, size=shape).astype(np.float64)
    if kind == 1:  # integers, few ties
        return rng.integers(0, 1000, size=shape).astype(np.int32)
    if kind == 2:  # float32 (the packed-key sort)
        return rng.random(shape, dtype=np.float32)
    return rng.standard_normal(shape)  # float64 (the stable argsort)


@pytest.mark.parametrize("ndim", [2, 3])
@pytest.mark.parametrize("connectivity", ["one", "full"])
@pytest.mark.parametrize("superlevel", [True, False])
def test_random_images_match_gudhi(ndim, connectivity, superlevel):
    rng = np.random.default_rng([ndim, len(connectivity), superlevel])
    conn = 1 if connectivity == "one" else ndim
    for _ in range(300):
        _check_against_gudhi(_random_image(rng, ndim), superlevel, conn)


@pytest.mark.parametrize(
    "shape", [(1, 1), (1, 7), (7, 1), (2, 2), (1, 1, 1), (2, 2, 2), (1, 5, 5), (4, 1, 4), (3, 3, 1)]
)
@pytest.mark.parametrize("connectivity", [1, "full"])
def test_tiny_shapes(shape, connectivity):
    rng = np.random.default_rng(len(shape))
    conn = len(shape) if connectivity == "full" else 1
    for _ in range(20):
        _check_against_gudhi(rng.random(shape), True, conn)
        _check_against_gudhi(rng.integers(0, 2, size=shape).astype(float), False, conn)


@pytest.mark.parametrize("shape", [(6, 9), (4, 5, 6)])
def test_constant_image_has_only_the_essential_class(shape):
    result = cubical_persistence(np.full(shape, 0.5))
    for d in range(len(shape)):
        assert result.diagram(d).shape == (0, 2)
        assert result.critical_pixels(d).shape == (0, 2)
    assert result.essential(0).births.tolist() == [0.5]
    assert result.essential(0).pixels.tolist() == [0]


def test_larger_inputs_match_gudhi():
    rng = np.random.default_rng(7)
    from scipy import ndimage

    smooth = ndimage.gaussian_filter(rng.random((96, 80)), 2)
    for image in (rng.random((70, 90)), smooth, rng.random((20, 24, 16))):
        for conn in (1, image.ndim):
            _check_against_gudhi(image, True, conn)


def test_non_contiguous_and_fortran_inputs_give_the_same_result():
    rng = np.random.default_rng(3)
    base = rng.random((30, 40))
    for view in (base[::2, 1::3], np.asfortranarray(base), base.T):
        copy = np.ascontiguousarray(view)
        a, b = cubical_persistence(view), cubical_persistence(copy)
        for d in range(2):
            np.testing.assert_array_equal(a.diagram(d), b.diagram(d))
            np.testing.assert_array_equal(a.critical_pixels(d), b.critical_pixels(d))
        _check_against_gudhi(view, True, 1)


def test_ring_has_one_hole_at_its_weakest_pixel():
    ring = np.zeros((7, 7))
    ring[1:6, 1:6] = 0.9
    ring[2:5, 2:5] = 0.2
    ring[1, 3] = 0.6
    result = cubical_persistence(ring)
    np.testing.assert_allclose(result.diagram(1), [[0.6, 0.2]])
    birth, death = result.critical_pixels(1)[0]
    assert birth == np.ravel_multi_index((1, 3), ring.shape)
    assert ring.ravel()[death] == 0.2


def test_ties_are_broken_by_pixel_index():
    # Two equal peaks: the one with the smaller index is the elder and never dies.
    image = np.array([[1.0, 0.0, 1.0]])
    result = cubical_persistence(image)
    assert result.essential(0).pixels.tolist() == [0]
    assert result.critical_pixels(0).tolist() == [[2, 1]]


class TestFrame:
    def test_frame_gives_relative_homology(self):
        rng = np.random.default_rng(11)
        image = rng.random((9, 11))
        framed = np.pad(image, 1, constant_values=1.0)
        result = cubical_persistence(image, frame=1.0)
        reference = cubical_persistence(framed)
        for d in range(2):
            np.testing.assert_array_equal(result.diagram(d), reference.diagram(d))
        # pixels in the frame are -1, the others are mapped back into the image
        inner = reference.critical_pixels(0)
        rows, cols = np.unravel_index(inner, framed.shape)
        in_frame = (rows == 0) | (rows == 10) | (cols == 0) | (cols == 12)
        mapped = np.where(in_frame, -1, (rows - 1) * 11 + (cols - 1))
        np.testing.assert_array_equal(result.critical_pixels(0), mapped)
        assert result.essential(0).pixels.tolist() == [-1]

    @pytest.mark.parametrize("connectivity", [1, 3])
    @pytest.mark.parametrize("superlevel", [True, False])
    def test_frame_in_3d_equals_padding_by_hand(self, connectivity, superlevel):
        rng = np.random.default_rng(12 + connectivity)
        for shape in [(4, 5, 6), (1, 6, 7), (6, 6, 6)]:
            volume = rng.random(shape)
            value = 1.0 if superlevel else 0.0
            framed = np.pad(volume, 1, constant_values=value)
            options = dict(superlevel=superlevel, connectivity=connectivity)
            result = cubical_persistence(volume, frame=value, **options)
            reference = cubical_persistence(framed, **options)
            for d in range(3):
                np.testing.assert_array_equal(result.diagram(d), reference.diagram(d))
                coords = np.unravel_index(reference.critical_pixels(d), framed.shape)
                in_frame = np.any([(c == 0) | (c == s + 1) for c, s in zip(coords, shape)], axis=0)
                clipped = tuple(np.clip(c - 1, 0, s - 1) for c, s in zip(coords, shape))
                inner = np.ravel_multi_index(clipped, shape)
                np.testing.assert_array_equal(result.critical_pixels(d), np.where(in_frame, -1, inner))

    def test_component_touching_nothing_becomes_a_finite_pair(self):
        blob = np.zeros((7, 7))
        blob[2:5, 2:5] = 0.8
        free = cubical_persistence(blob)
        assert free.diagram(0).shape == (0, 2)  # the blob is the essential class
        framed = cubical_persistence(blob, frame=1.0)
        np.testing.assert_allclose(framed.diagram(0), [[0.8, 0.0]])
        birth, death = framed.critical_pixels(0)[0]
        assert blob.ravel()[birth] == 0.8 and blob.ravel()[death] == 0.0  # joins the frame at 0
        assert framed.essential(0).pixels.tolist() == [-1]  # the frame is the eldest

    def test_frame_must_bound_the_image(self):
        image = np.linspace(0, 1, 12).reshape(3, 4)
        with pytest.raises(ValueError, match="frame=0.5 does not bound"):
            cubical_persistence(image, frame=0.5)
        with pytest.raises(ValueError, match="sublevel sets need frame <="):
            cubical_persistence(image, superlevel=False, frame=0.5)
        with pytest.raises(ValueError, match="frame must be a finite number"):
            cubical_persistence(image, frame=float("nan"))


class TestBadInput:
    @pytest.mark.parametrize(
        "image, error, message",
        [
            ([[0.0, 1.0]], TypeError, "image must be a NumPy array, got list"),
            (np.zeros(5), ValueError, "image must be 2D or 3D, got a 1D array"),
            (np.zeros((2, 2, 2, 2)), ValueError, "got a 4D array"),
            (np.zeros((0, 3)), ValueError, "image is empty"),
            (np.array([[0.0, np.nan]]), ValueError, "image contains NaN"),
            (np.array([[0.0, np.inf]]), ValueError, "image contains infinite"),
            (np.array([["a", "b"]]), TypeError, "booleans, integers or floats"),
            (np.zeros((2, 2), dtype=complex), TypeError, "booleans, integers or floats"),
        ],
    )
    def test_message_names_the_problem(self, image, error, message):
        with pytest.raises(error, match=message):
            cubical_persistence(image)

    def test_connectivity_is_checked(self):
        with pytest.raises(ValueError, match="connectivity must be 1 .* or 2"):
            cubical_persistence(np.zeros((3, 3)), connectivity=3)
        with pytest.raises(TypeError, match="connectivity must be an integer"):
            cubical_persistence(np.zeros((3, 3)), connectivity=1.0)

    def test_dimension_of_a_query_is_checked(self):
        result = cubical_persistence(np.zeros((3, 3)))
        with pytest.raises(ValueError, match="dim must be in 0..1"):
            result.diagram(2)


def test_input_is_never_mutated_and_results_are_read_only():
    rng = np.random.default_rng(5)
    image = rng.random((12, 13))
    before = image.copy()
    result = cubical_persistence(image, frame=1.0)
    np.testing.assert_array_equal(image, before)
    with pytest.raises(ValueError):
        result.diagram(0)[0, 0] = 5.0
    with pytest.raises(ValueError):
        result.critical_pixels(1)[...] = 0


def test_bool_and_integer_images():
    mask = np.zeros((6, 6), dtype=bool)
    mask[1:5, 1:5] = True
    mask[2:4, 2:4] = False
    result = cubical_persistence(mask)
    np.testing.assert_array_equal(result.diagram(1), [[1.0, 0.0]])
    assert result.betti_numbers(1.0) == (1, 1)


def test_betti_numbers_at_a_threshold_match_the_mask():
    from toposeg import betti_numbers

    rng = np.random.default_rng(9)
    for ndim in (2, 3):
        image = rng.random((14,) * ndim if ndim == 2 else (7, 8, 6))
        for conn in (1, ndim):
            result = cubical_persistence(image, connectivity=conn)
            for t in (0.2, 0.5, 0.8):
                assert result.betti_numbers(t) == betti_numbers(image >= t, connectivity=conn)


def test_batch_equals_one_by_one():
    rng = np.random.default_rng(2)
    batch = rng.random((5, 20, 18))
    results = cubical_persistence_batch(batch, connectivity=2, workers=2)
    for image, result in zip(batch, results):
        single = cubical_persistence(image, connectivity=2)
        for d in range(2):
            np.testing.assert_array_equal(result.diagram(d), single.diagram(d))
            np.testing.assert_array_equal(result.critical_pixels(d), single.critical_pixels(d))
    with pytest.raises(ValueError, match="images must be 3D or 4D"):
        cubical_persistence_batch(batch[0])
    with pytest.raises(ValueError, match="workers must be a positive integer"):
        cubical_persistence_batch(batch, workers=0)


@pytest.mark.parametrize("connectivity", [1, 3])
def test_wide_keys_match_gudhi(monkeypatch, connectivity):
    """Volumes above 2**26 voxels store the dimension-1 keys as int64 and pack ids in just the
    bits they need; the same layout, forced on small volumes, gives gudhi's pairs."""
    from toposeg.persistence import _reduction

    monkeypatch.setattr(_reduction, "_NARROW", 0)
    assert _reduction.key_layout(8 * 8 * 8) == (np.int64, 11)
    rng = np.random.default_rng(31 + connectivity)
    for _ in range(40):
        _check_against_gudhi(_random_image(rng, 3), bool(rng.integers(2)), connectivity)


def test_key_layout_above_the_old_ceiling():
    from toposeg.persistence._reduction import key_layout

    assert key_layout(2**26 - 1) == (np.int32, 32)  # the narrow layout, as before
    assert key_layout(2**26 + 1) == (np.int64, 28)  # 3n < 2**28
    assert key_layout(514**3) == (np.int64, 29)  # a 512^3 block with its frame
    for n in (2**26 + 1, 514**3, 2**28 - 1):  # the largest packed entry stays below 2**63
        _, shift = key_layout(n)
        assert ((32 * n - 1) << shift | (3 * n - 1)) < 2**63
    with pytest.raises(ValueError, match="too large for dimension 1"):
        key_layout(2**28)
