"""APLS, TLTS and JCT on small hand-built networks whose values are worked out by hand, and
the skeleton graph's path lengths against SciPy's Dijkstra on skan's pixel graph."""

import math

import numpy as np
import pytest
from scipy import ndimage
from scipy.sparse import csgraph
from skimage.morphology import skeletonize

from toposeg.metrics import apls, junction_f1, tlts
from toposeg.metrics._skeleton_graph import skeleton_graph

SQRT2 = math.sqrt(2)
EXTRA = 6 * SQRT2 - 6  # the detour below is 24 + 6 sqrt2 long where the straight road is 30


def straight(width=40, end=30):
    """Row 10, columns 0..end."""
    mask = np.zeros((14, width), dtype=bool)
    mask[10, 0 : end + 1] = True
    return mask


def detour(width=40, end=30):
    """Row 10, columns 0..10, then up 3 diagonal steps, 4 steps along row 7, 3 diagonal steps
    down to (10, 20), then row 10 to column ``end``: 10 + 3 sqrt2 + 4 + 3 sqrt2 from column 0
    to column 20, i.e. 20 + EXTRA."""
    mask = np.zeros((14, width), dtype=bool)
    mask[10, 0:11] = True
    for r, c in ((9, 11), (8, 12), (7, 13), (7, 14), (7, 15), (7, 16), (7, 17), (8, 18), (9, 19)):
        mask[r, c] = True
    mask[10, 20 : end + 1] = True
    return mask


def assert_is_own_skeleton(*masks):
    for mask in masks:
        assert np.array_equal(skeletonize(mask), mask), "test premise: the mask is already thin"


def test_path_lengths_match_scipy_dijkstra_on_skan_pixel_graph():
    from skan import Skeleton

    rng = np.random.default_rng(0)
    seen = []
    for shape in ((60, 70), (18, 20, 22)):
        for trial in range(3):
            blobs = ndimage.gaussian_filter(rng.random(shape), 2.0)
            skeleton = skeletonize((blobs > 0.5) ^ (blobs > 0.53))
            graph = skeleton_graph(skeleton)
            pixels = Skeleton(skeleton).graph
            first = rng.integers(0, graph.size, 300)
            second = rng.integers(0, graph.size, 300)
            expected = csgraph.dijkstra(pixels, directed=False, indices=first)[np.arange(300), second]
            assert np.allclose(graph.pair_lengths(first, second), expected)
            seen.append(expected)
    seen = np.concatenate(seen)
    assert np.isinf(seen).any() and np.isfinite(seen).sum() > 500  # both kinds were tested


def test_apls_of_a_detour_without_intermediate_points():
    gt, pred = straight(), detour()
    assert_is_own_skeleton(gt, pred)
    result = apls(pred, gt, tolerance=0.5, node_spacing=np.inf, min_path_length=0)
    # One pair of end points each way: 30 vs 30 + EXTRA.
    c1 = 1 - EXTRA / 30
    c2 = 1 - EXTRA / (30 + EXTRA)
    assert result.gt_to_pred == pytest.approx(c1)
    assert result.pred_to_gt == pytest.approx(c2)
    assert result.score == pytest.approx(2 * c1 * c2 / (c1 + c2))


def test_apls_of_a_detour_with_control_points_every_10_pixels():
    gt, pred = straight(), detour()
    result = apls(pred, gt, tolerance=0.5, node_spacing=10, min_path_length=0)
    e = EXTRA
    # Ground truth: control points at columns 0, 10, 20, 30, all on the prediction. Pairs
    # (0,10) and (20,30) agree; the others cross the detour.
    c1 = 1 - (0 + e / 20 + e / 30 + e / 10 + e / 20 + 0) / 6
    assert result.gt_to_pred == pytest.approx(c1)
    # Prediction: arc lengths from (10,0) reach 10 at (10,10), 20 first at (9,19) (arc 21.07),
    # 30 first at (10,28) (arc 28 + e). (9,19) is 1 pixel from the truth: beyond 0.5, so its
    # 4 pairs count 1 each; the other pairs: (0,10) 0, (0,28) e/(28+e), (0,30) e/(30+e),
    # (10,28) e/(18+e), (10,30) e/(20+e), (28,30) 0.
    c2 = 1 - (4 + e / (28 + e) + e / (30 + e) + e / (18 + e) + e / (20 + e)) / 10
    assert result.pred_to_gt == pytest.approx(c2)
    # Paths shorter than 15 are skipped: ground-truth pairs (0,20), (0,30), (10,30) remain.
    shorter = apls(pred, gt, tolerance=0.5, node_spacing=10, min_path_length=15)
    assert shorter.gt_to_pred == pytest.approx(1 - (e / 20 + e / 30 + e / 20) / 3)


def test_apls_identical_empty_and_3d():
    rng = np.random.default_rng(1)
    network = skeletonize(ndimage.gaussian_filter(rng.random((80, 80)), 3) > 0.5)
    assert apls(network, network).as_dict() == {"score": 1.0, "gt_to_pred": 1.0, "pred_to_gt": 1.0}
    gt = straight()
    empty = np.zeros_like(gt)
    assert apls(empty, empty).score == 1.0
    missing = apls(empty, gt)
    assert missing.gt_to_pred == 0.0 and math.isnan(missing.pred_to_gt) and missing.score == 0.0
    volume = np.zeros((5, 5, 40), dtype=bool)
    volume[2, 2, 0:31] = True
    cut = volume.copy()
    cut[2, 2, 14:17] = False
    assert apls(volume, volume).score == 1.0
    assert apls(cut, volume, node_spacing=np.inf).as_dict() == {
        "score": 0.0, "gt_to_pred": 0.0, "pred_to_gt": 1.0
    }


def test_tlts_of_a_detour_is_too_long_and_its_reverse_too_short():
    gt, pred = straight(), detour()
    # 31 pixels, 465 pairs, all used. Columns 0..10 (A, 11 pixels) and 20..30 (B, 11) lie on
    # both roads; columns 11..19 (9 pixels) have no match within 0.5. Pairs inside A or B:
    # 55 + 55 correct. A x B: 121 pairs, L' = L + EXTRA with L <= 30 so r >= 2.485/30 > 5%:
    # too long. The 9 x 22 + 36 = 234 pairs touching the detour section are infeasible.
    result = tlts(pred, gt, tolerance=0.5)
    assert result.paths == 465
    assert np.allclose([result.correct, result.too_long, result.too_short, result.infeasible],
                       np.array([110, 121, 0, 234]) / 465)
    # The detour as ground truth: 20 + 9 pixels, the 9 of the bump unmatched; A x B paths in
    # the prediction are shorter by EXTRA, r <= -EXTRA/(30 + EXTRA) < -5%: too short.
    reverse = tlts(gt, pred, tolerance=0.5)
    assert reverse.paths == 465
    assert np.allclose([reverse.correct, reverse.too_long, reverse.too_short, reverse.infeasible],
                       np.array([110, 0, 121, 234]) / 465)


def test_tlts_slack_boundary_on_a_long_road():
    gt, pred = straight(120, 100), detour(120, 100)
    # A = columns 0..10, B = 20..100 (81), bump section 11..19 (9 pixels). A x B pairs are
    # correct when EXTRA / (b - a) <= 5%, i.e. b - a >= 49.7: count them one by one.
    correct_across = sum(1 for a in range(11) for b in range(20, 101) if b - a >= 50)
    too_long = 11 * 81 - correct_across
    infeasible = 9 * (101 - 9) + 9 * 8 // 2
    correct = 11 * 10 // 2 + 81 * 80 // 2 + correct_across
    result = tlts(pred, gt, tolerance=0.5, pairs=10_000)
    assert result.paths == 101 * 100 // 2 == correct + too_long + infeasible
    assert result.correct == correct / result.paths
    assert result.too_long == too_long / result.paths
    assert result.infeasible == infeasible / result.paths
    # Sampled instead of enumerated: reproducible by seed, close to the exact fractions.
    sampled = tlts(pred, gt, tolerance=0.5, pairs=2000, seed=4)
    assert sampled == tlts(pred, gt, tolerance=0.5, pairs=2000, seed=4)
    assert sampled != tlts(pred, gt, tolerance=0.5, pairs=2000, seed=5)
    assert sampled.paths == 2000
    assert sampled.correct == pytest.approx(correct / result.paths, abs=0.05)


def test_tlts_policies():
    gt = straight()
    assert tlts(gt, gt).correct == 1.0
    empty = np.zeros_like(gt)
    assert tlts(empty, gt).infeasible == 1.0
    assert all(math.isnan(v) for v in tlts(gt, empty).as_dict().values())
    with pytest.raises(ValueError, match="pairs must be >= 1"):
        tlts(gt, gt, pairs=0)


def cross(mask, centre, arms="nsew", length=6):
    r, c = centre
    mask[r, c] = True
    for arm in arms:
        dr, dc = {"n": (-1, 0), "s": (1, 0), "e": (0, 1), "w": (0, -1)}[arm]
        for k in range(1, length + 1):
            mask[r + dr * k, c + dc * k] = True
    return mask


def test_junction_score_by_hand():
    gt = np.zeros((40, 40), dtype=bool)
    cross(gt, (10, 10))  # a 4-way junction
    cross(gt, (10, 30), "ews")  # a 3-way junction
    pred = np.zeros_like(gt)
    cross(pred, (10, 10), "new")  # the 4-way junction lost its south arm: 3 of 4 branches
    cross(pred, (10, 30), "ew")  # the 3-way junction is missed
    cross(pred, (30, 10), "ews")  # a spurious junction
    assert_is_own_skeleton(gt, pred)
    score = junction_f1(pred, gt)
    recall = (3 / 4 + 0) / 2
    precision = (3 / 3 + 0) / 2
    assert (score.precision, score.recall) == (precision, recall)
    assert score.f1 == pytest.approx(2 * precision * recall / (precision + recall))


def test_junction_matching_tolerance_and_clusters():
    gt = cross(np.zeros((30, 30), dtype=bool), (10, 10))
    moved = cross(np.zeros((30, 30), dtype=bool), (13, 10))  # 3 pixels away
    assert junction_f1(moved, gt, tolerance=3).f1 == 1.0
    assert junction_f1(moved, gt, tolerance=2.9).f1 == 0.0
    # Two T junctions one pixel apart form one cluster of junction pixels: a 4-way junction.
    double = np.zeros((30, 30), dtype=bool)
    double[10, 3:18] = True
    double[3:10, 10] = True
    double[11:18, 11] = True
    graph = skeleton_graph(double)
    assert len(graph.junctions) == 1 and len(graph.junctions[0]) > 1
    assert graph.junction_degree.tolist() == [4]
    assert junction_f1(double, gt).as_dict() == {"precision": 1.0, "recall": 1.0, "f1": 1.0}


def test_junction_policies():
    line = straight()
    assert junction_f1(line, line).f1 == 1.0  # no junctions on either side
    gt = cross(np.zeros((14, 30), dtype=bool), (6, 10))
    score = junction_f1(straight(30, 20), gt)
    assert math.isnan(score.precision) and score.recall == 0.0 and score.f1 == 0.0
    reverse = junction_f1(gt, straight(30, 20))
    assert reverse.precision == 0.0 and math.isnan(reverse.recall) and reverse.f1 == 0.0


def test_isolated_pixels_and_tiny_skeletons():
    dots = np.zeros((10, 10), dtype=bool)
    dots[1, 1] = dots[5, 7] = True
    graph = skeleton_graph(dots)
    assert graph.size == 2 and graph.degree.tolist() == [0, 0] and not graph.branches
    undefined = apls(dots, dots)  # no path to compare on either side, masks not empty
    assert all(math.isnan(v) for v in undefined.as_dict().values())
    line = np.zeros_like(dots)
    line[8, 0:10] = True  # end points (8, 0) and (8, 9); only (8, 9) is within 5 of a dot
    result = apls(line, dots, min_path_length=0)
    assert math.isnan(result.gt_to_pred)  # the two dots are not connected: no pair
    assert result.pred_to_gt == 0.0 and result.score == 0.0
    assert tlts(dots, dots).paths == 0


def test_3d_junctions_and_paths():
    star = np.zeros((11, 11, 11), dtype=bool)
    star[5, 5, 1:10] = star[5, 1:10, 5] = star[1:10, 5, 5] = True  # centre and six arms of 4
    five = star.copy()
    five[6:10, 5, 5] = False
    assert_is_own_skeleton(star)
    assert skeleton_graph(star).junction_degree.tolist() == [6]
    # Lee's 3D thinning removes the centre of the five-armed star (a simple point in 26-
    # connectivity); skan's spanning tree of the 5 voxels around it leaves one junction voxel,
    # (4, 5, 5), with the 5 branches.
    thinned = skeleton_graph(skeletonize(five))
    assert thinned.junction_degree.tolist() == [5]
    assert thinned.coordinates[thinned.junctions[0]].tolist() == [[4, 5, 5]]
    score = junction_f1(five, star)
    assert (score.precision, score.recall) == (1.0, 5 / 6)
    # TLTS on the voxels themselves: 25 voxels, 300 pairs; the 4 removed voxels have no match
    # within 0.5, so their 4 * 21 + 6 pairs are infeasible and every other pair is correct.
    result = tlts(five, star, tolerance=0.5, pred_skeleton=five, gt_skeleton=star)
    assert result.paths == 300
    assert (result.correct, result.infeasible) == (210 / 300, 90 / 300)
