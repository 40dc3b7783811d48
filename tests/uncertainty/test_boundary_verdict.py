"""The verdict on membrane boundaries: equal to its definition transcribed branch by branch
(one labelling of the structure per branch), right on hand cases, a better structure than the
median one on real-looking membranes, and bad input refused."""

import numpy as np
import pytest
from scipy import ndimage

from toposeg.data import membranes_2d
from toposeg.metrics import voi
from toposeg.morse import morse_branches
from toposeg.uncertainty import boundary_confirmation


def _by_definition(branches, target):
    """For each branch, label the complement of it and every more persistent branch (face
    connectivity); the majority cells of the regions its pixels touch (membrane pixels do not
    vote; ties: the smaller cell); confirmed when two of them differ."""
    cells = ndimage.label(~target, structure=np.ones((3, 3)))[0]
    rows, cols = target.shape
    out = []
    structure = np.zeros(target.size, bool)
    for b in range(len(branches)):
        structure[branches.branch(b)] = True
        regions = ndimage.label(~structure.reshape(target.shape))[0]
        touched = set()
        for p in branches.branch(b):
            r, c = divmod(int(p), cols)
            for dr, dc in ((-1, 0), (1, 0), (0, -1), (0, 1)):
                if 0 <= r + dr < rows and 0 <= c + dc < cols and regions[r + dr, c + dc]:
                    touched.add(regions[r + dr, c + dc])
        majorities = set()
        for region in touched:
            inside = cells[(regions == region) & (cells > 0)]
            if inside.size:
                values, counts = np.unique(inside, return_counts=True)
                majorities.add(values[np.argmax(counts)])
        out.append(float(len(majorities) >= 2))
    return np.array(out)


def _membranes(seed, size=48):
    sample = membranes_2d((size, size), seed=seed, cell_size=14)
    f = ndimage.gaussian_filter(sample.mask.astype(float), 1.0) + 0.1 * np.random.default_rng(seed).random((size, size))
    return morse_branches(f / f.max(), structure="watershed"), np.asarray(sample.mask, bool)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_equals_the_definition_transcribed_branch_by_branch(seed):
    branches, target = _membranes(seed)
    y = boundary_confirmation(branches, target)
    np.testing.assert_array_equal(y, _by_definition(branches, target))
    assert 0 < y.sum() < len(branches)


def test_the_confirmed_boundaries_segment_the_cells_better_than_the_median_structure():
    branches, target = _membranes(5, size=96)
    y = boundary_confirmation(branches, target)

    def score(keep):
        mask = np.zeros(target.size, bool)
        mask[np.concatenate([branches.branch(int(b)) for b in np.flatnonzero(keep)])] = True
        return voi(mask.reshape(target.shape), target, regions="background").total

    assert score(y >= 0.5) < 0.5 * score(branches.persistence >= 0.02)  # over-segmented
    assert score(y >= 0.5) <= score(branches.persistence >= 0.1) + 1e-12


def test_a_wall_between_two_cells_is_confirmed_a_wall_inside_one_is_not():
    i, j = np.mgrid[:9, :13]
    f = np.minimum(np.hypot(i - 4, j - 2), np.hypot(i - 4, j - 10.2))
    branches = morse_branches(f / f.max(), structure="watershed")
    assert len(branches) == 1
    thick = np.zeros((9, 13), bool)
    thick[:, 4:9] = True  # a thick membrane around the wall: still two cells
    assert boundary_confirmation(branches, thick).tolist() == [1.0]
    leaky = thick.copy()
    leaky[4, 4:9] = False  # a gap joins the two sides: one cell, nothing to separate
    assert boundary_confirmation(branches, leaky).tolist() == [0.0]
    off = np.zeros((9, 13), bool)
    off[:, 1] = True  # the membrane is elsewhere: the wall cuts one cell
    assert boundary_confirmation(branches, off).tolist() == [0.0]


def test_bad_input_gets_clear_errors():
    f = ndimage.gaussian_filter(np.random.default_rng(0).random((16, 16)), 1)
    with pytest.raises(ValueError, match="watershed"):
        boundary_confirmation(morse_branches(f), f > 0.5)
    with pytest.raises(ValueError, match="target has shape"):
        boundary_confirmation(morse_branches(f, structure="watershed"), (f > 0.5)[1:])
