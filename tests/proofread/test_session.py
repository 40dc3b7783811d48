"""The proofreading session and its action log: queue order, actions, undo, brush, replay,
resume, atomic autosave, bad input."""

import json
import os

import numpy as np
import pytest
from scipy import ndimage

from toposeg.data import curvilinear_likelihood
from toposeg.morse import morse_branches
from toposeg.proofread import ActionError, ActionLog, ProofreadingInputs, ProofreadingSession, replay
from toposeg.uncertainty import StructureSamples, structural_segmentation


def _inputs(shape=(64, 64), seed=0):
    f = curvilinear_likelihood(shape, seed=seed)
    return ProofreadingInputs(image=1 - f, likelihood=f, eps_median=0.1, eps_scale=1.0)


def test_queue_is_undecided_branches_by_descending_uncertainty():
    session = ProofreadingSession(_inputs())
    data = session.slice_data(0)
    queue = session.queue(0)
    assert sorted(queue.tolist()) == list(range(len(data.branches)))
    u = data.uncertainty[queue]
    assert np.all(np.diff(u) <= 0)
    session.apply({"type": "accept", "slice": 0, "branch": int(queue[0])})
    assert session.queue(0).tolist() == queue[1:].tolist()


def test_probabilities_are_those_of_the_threshold_distribution():
    import torch

    from toposeg.uncertainty import ThresholdDistribution, inclusion_probability

    inputs = _inputs()
    data = ProofreadingSession(inputs).slice_data(0)
    d = ThresholdDistribution(torch.tensor([np.log(0.1 / 0.9)], dtype=torch.float64),
                              torch.tensor([1.0], dtype=torch.float64))
    np.testing.assert_allclose(data.probability, inclusion_probability(data.branches, d), rtol=1e-9, atol=1e-12)


def test_mask_is_the_structural_segmentation_of_the_included_branches_then_the_brush():
    inputs = _inputs()
    session = ProofreadingSession(inputs)
    branches = morse_branches(inputs.likelihood)
    data = session.slice_data(0)
    queue = session.queue(0)
    actions = [{"type": "reject", "slice": 0, "branch": int(b)} for b in queue[:5]]
    actions += [{"type": "accept", "slice": 0, "branch": int(b)} for b in queue[5:12]]
    for action in actions:
        session.apply(action)
    included = data.probability >= 0.5
    included[queue[:5]] = False
    included[queue[5:12]] = True
    samples = StructureSamples(eps=np.zeros(1), kept=included[None], branches=branches)
    expected = structural_segmentation(inputs.likelihood >= 0.5, samples)[0]
    for b in queue[5:12]:  # accepted branches are drawn in
        expected.ravel()[branches.branch(int(b))] = True
    np.testing.assert_array_equal(session.mask(0), expected)
    session.apply({"type": "brush", "slice": 0, "points": [[10, 10], [10, 11]], "radius": 2, "value": 1})
    session.apply({"type": "brush", "slice": 0, "points": [[30, 30]], "radius": 0, "value": 0})
    disk = np.zeros((64, 64), bool)
    disk[10, 10] = disk[10, 11] = True
    disk = ndimage.distance_transform_edt(~disk) <= 2
    expected = np.where(disk, True, expected)
    expected[30, 30] = False
    np.testing.assert_array_equal(session.mask(0), expected)


def test_undo_withdraws_the_latest_action_and_replay_gives_the_same_state():
    session = ProofreadingSession(_inputs())
    q = session.queue(0)
    before = session.mask(0)
    session.apply({"type": "reject", "slice": 0, "branch": int(q[0])})
    session.apply({"type": "brush", "slice": 0, "points": [[5, 5]], "radius": 3, "value": 1})
    session.apply({"type": "undo"})
    session.apply({"type": "undo"})
    np.testing.assert_array_equal(session.mask(0), before)
    assert session.decision(0).max() == -1
    with pytest.raises(ActionError, match="nothing to undo"):
        session.apply({"type": "undo"})
    session.apply({"type": "accept", "slice": 0, "branch": int(q[1])})
    again = ProofreadingSession(session.inputs, session.actions)
    np.testing.assert_array_equal(again.mask(0), session.mask(0))


def test_three_d_volume_is_proofread_slice_by_slice():
    f = curvilinear_likelihood((3, 40, 48), seed=2)
    session = ProofreadingSession(ProofreadingInputs(f, f))
    for s in range(3):
        np.testing.assert_array_equal(session.slice_data(s).branches.persistence,
                                      morse_branches(f[s]).persistence)
    b = int(session.queue(1)[0])
    other = session.mask(0).copy()
    session.apply({"type": "reject", "slice": 1, "branch": b})
    np.testing.assert_array_equal(session.mask(0), other)
    assert session.corrected_mask().shape == f.shape
    with pytest.raises(ActionError, match="slice 3 out of range"):
        session.apply({"type": "accept", "slice": 3, "branch": 0})


@pytest.mark.parametrize("action, message", [
    ([], "JSON object"),
    ({"type": "delete"}, "action type"),
    ({"type": "accept", "slice": 0}, "exactly the fields"),
    ({"type": "accept", "slice": 0, "branch": 10**6}, "out of range"),
    ({"type": "accept", "slice": 0, "branch": True}, "out of range"),
    ({"type": "accept", "slice": "0", "branch": 0}, "slice must be an integer"),
    ({"type": "brush", "slice": 0, "points": [[64, 0]], "radius": 1, "value": 1}, "out of range for a 64x64"),
    ({"type": "brush", "slice": 0, "points": [[1, 1]], "radius": 1, "value": 2}, "value must be 0"),
    ({"type": "brush", "slice": 0, "points": [[1, 1]], "radius": 99, "value": 1}, "radius"),
    ({"type": "brush", "slice": 0, "points": [], "radius": 1, "value": 1}, "points"),
    ({"type": "brush", "slice": 0, "points": [[1.5, 1]], "radius": 1, "value": 1}, "integers"),
    ({"type": "undo", "slice": 0}, "undo takes no fields"),
])
def test_bad_actions_get_clear_errors_and_change_nothing(tmp_path, action, message):
    log = ActionLog(_inputs(), tmp_path / "log.json")
    log.apply({"type": "accept", "slice": 0, "branch": 0})
    before_file = (tmp_path / "log.json").read_bytes()
    before = log.session.mask(0).copy()
    with pytest.raises(ActionError, match=message):
        log.apply(action)
    assert (tmp_path / "log.json").read_bytes() == before_file
    np.testing.assert_array_equal(log.session.mask(0), before)
    assert len(log.session.actions) == 1


def test_bad_inputs_get_clear_errors(tmp_path):
    f = curvilinear_likelihood((32, 32), seed=0)
    with pytest.raises(ValueError, match="must match"):
        ProofreadingInputs(f, f[1:])
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        ProofreadingInputs(f, f * 2)
    with pytest.raises(ValueError, match="2D or 3D"):
        ProofreadingInputs(f[0], f[0])
    with pytest.raises(ValueError, match="floating-point"):
        ProofreadingInputs(f, (f > 0.5).astype(np.uint8))
    with pytest.raises(FileNotFoundError, match="does not exist"):
        ActionLog(ProofreadingInputs(f, f), tmp_path / "missing" / "log.json")


def test_log_is_autosaved_replayed_and_resumed(tmp_path):
    inputs = _inputs()
    path = tmp_path / "log.json"
    log = ActionLog(inputs, path)
    q = log.session.queue(0)
    for b in q[:4]:
        log.apply({"type": "reject", "slice": 0, "branch": int(b)})
        # every action is on disk before apply returns
        assert len(json.loads(path.read_text())["actions"]) == len(log.session.actions)
    log.apply({"type": "brush", "slice": 0, "points": [[3, 3]], "radius": 2, "value": 1})
    saved = log.save_mask(tmp_path / "mask.npy")
    np.testing.assert_array_equal(np.load(saved), replay(inputs, path))
    resumed = ActionLog(inputs, path)
    np.testing.assert_array_equal(resumed.session.mask(0), log.session.mask(0))
    assert resumed.session.actions == log.session.actions
    other = _inputs(seed=1)
    with pytest.raises(ValueError, match="other inputs"):
        ActionLog(other, path)
    # no temporary files are left behind
    assert sorted(os.listdir(tmp_path)) == ["log.json", "mask.npy"]


def test_a_failed_write_keeps_memory_and_disk_in_step(tmp_path, monkeypatch):
    inputs = _inputs()
    path = tmp_path / "log.json"
    log = ActionLog(inputs, path)
    log.apply({"type": "accept", "slice": 0, "branch": 0})
    before = path.read_bytes()

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(OSError, match="disk full"):
        log.apply({"type": "accept", "slice": 0, "branch": 1})
    assert path.read_bytes() == before and len(log.session.actions) == 1
    assert sorted(os.listdir(tmp_path)) == ["log.json"]


def test_an_answer_lists_the_flipped_pixels_or_packs_the_whole_mask():
    """What the page receives after each action rebuilds exactly the mask of a session replayed
    afresh (so the kept mask of a slice is never stale), as flipped pixels or the packed mask."""
    import base64

    inputs = _inputs((48, 48), seed=1)
    session = ProofreadingSession(inputs)
    queue = session.queue(0)
    data = session.slice_data(0)
    drawn = [int(b) for b in queue if data.probability[b] < 0.5][:3]  # accepting them draws pixels in
    actions = [{"type": "accept", "slice": 0, "branch": b} for b in drawn]
    actions += [{"type": "reject", "slice": 0, "branch": int(queue[-1])}, {"type": "undo"},
                {"type": "brush", "slice": 0, "points": [[3, 3], [3, 6]], "radius": 1, "value": 1},
                {"type": "brush", "slice": 0, "points": [[24, 24]], "radius": 40, "value": 1},
                {"type": "undo"}, {"type": "undo"}, {"type": "undo"}]
    kinds = set()
    page = session.mask(0).ravel().copy()
    for action in actions:
        target = session.affected_slice(action)
        before, before_mask = session.decision(0), session.mask(target)
        session.apply(action)
        answer = session.change(0, before, before_mask, flip_limit=500)
        assert set(answer) - {"flip", "mask"} == {"slice", "changed", "queue", "actions", "can_undo"}
        if "flip" in answer:
            page[answer["flip"]] = ~page[answer["flip"]]
            kinds.add("flip" if answer["flip"] else "none")
        else:
            packed = np.frombuffer(base64.b64decode(answer["mask"]), dtype=np.uint8)
            page = np.unpackbits(packed)[:page.size].astype(bool)
            kinds.add("mask")
        fresh = ProofreadingSession(inputs, session.actions).mask(0)
        np.testing.assert_array_equal(page, fresh.ravel())
        np.testing.assert_array_equal(session.mask(0), fresh)
    assert kinds == {"flip", "none", "mask"}
    with pytest.raises(ValueError):
        session.mask(0)[0, 0] = True  # the kept mask is read-only
    assert session.affected_slice({"type": "accept", "slice": 5, "branch": 0}) is None
    assert session.affected_slice("undo") is None
    assert ProofreadingSession(inputs).affected_slice({"type": "undo"}) is None


def test_the_mask_updated_after_each_action_equals_the_mask_computed_afresh(monkeypatch):
    """The kept mask is updated on the components an action touches (several branches at once
    after an undo, the whole mask after a brush stroke): after every one of 60 random actions on
    a 3-slice volume it equals the mask of a session replayed from scratch."""
    from toposeg.proofread import session as module

    updates = []
    update = module._update_mask
    monkeypatch.setattr(module, "_update_mask", lambda *a, **k: updates.append(update(*a, **k)) or updates[-1])
    rng = np.random.default_rng(0)
    volume = np.stack([curvilinear_likelihood((40, 40), seed=s) for s in range(3)])
    inputs = ProofreadingInputs(image=1 - volume, likelihood=volume, eps_median=0.1, eps_scale=1.0)
    session = ProofreadingSession(inputs)
    sizes = [len(session.slice_data(i).branches) for i in range(3)]
    for step in range(60):
        index = int(rng.integers(3))
        kind = rng.choice(["accept", "reject", "undo", "brush"], p=[0.4, 0.3, 0.2, 0.1])
        if kind == "undo" and session.affected_slice({"type": "undo"}) is not None:
            action = {"type": "undo"}
        elif kind == "brush":
            action = {"type": "brush", "slice": index, "points": [[int(v) for v in rng.integers(40, size=2)]],
                      "radius": int(rng.integers(3)), "value": int(rng.integers(2))}
        else:
            action = {"type": "accept" if kind == "accept" else "reject", "slice": index,
                      "branch": int(rng.integers(sizes[index]))}
        changed = session.apply(action)
        fresh = ProofreadingSession(inputs, session.actions)
        np.testing.assert_array_equal(session.mask(changed), fresh.mask(changed), err_msg=f"step {step}")
    np.testing.assert_array_equal(session.corrected_mask(), ProofreadingSession(inputs, session.actions).corrected_mask())
    assert sum(u is not None for u in updates) >= 30  # most masks were updated, not recomputed


def test_membranes_the_mask_is_the_included_boundaries_and_updates_equal_a_fresh_session():
    """S2: the first mask is the watershed boundaries at the median threshold; rejecting a
    boundary removes its pixels (two cells merge); after random actions the updated mask equals
    a replayed session's."""
    from toposeg.morse import watershed_boundaries

    f = ndimage.gaussian_filter(np.random.default_rng(2).random((48, 48)), 2.0)
    f = (f - f.min()) / (f.max() - f.min())
    inputs = ProofreadingInputs(image=f, likelihood=f, structure="watershed", eps_median=0.05, eps_scale=1.0)
    session = ProofreadingSession(inputs)
    np.testing.assert_array_equal(session.mask(0), watershed_boundaries(f, eps=0.05))
    data = session.slice_data(0)
    kept = np.flatnonzero(data.probability >= 0.5)
    cells = ndimage.label(~session.mask(0))[1]
    wall = int(kept[-1])  # the least persistent kept boundary separates two cells
    session.apply({"type": "reject", "slice": 0, "branch": wall})
    assert not session.mask(0).ravel()[data.branches.branch(wall)].any()
    assert ndimage.label(~session.mask(0))[1] == cells - 1
    rng = np.random.default_rng(1)
    for step in range(30):
        kind = rng.choice(["accept", "reject", "undo"], p=[0.4, 0.4, 0.2])
        action = {"type": "undo"} if kind == "undo" else {
            "type": str(kind), "slice": 0, "branch": int(rng.integers(len(data.branches)))}
        session.apply(action)
        np.testing.assert_array_equal(session.mask(0), ProofreadingSession(inputs, session.actions).mask(0),
                                      err_msg=f"step {step}")
