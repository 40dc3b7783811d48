import json

import numpy as np
import pytest
import torch

from toposeg.trojan import (
    SHAPES,
    ZooConfig,
    build_zoo,
    load_model_file,
    load_zoo,
    random_trigger,
    trigger_shape,
)
from toposeg.trojan.zoo import iter_records


@pytest.mark.parametrize("shape", SHAPES)
def test_trigger_shapes_are_one_component(shape):
    from scipy import ndimage

    mask, pattern = trigger_shape(shape, 5, np.random.default_rng(3))
    assert ndimage.label(mask)[1] == 1
    assert not pattern[~mask].any() and 0 < pattern.max() <= 1
    if shape == "two-tone":
        assert set(np.unique(pattern[mask])) == {0.0, 1.0}


def test_random_position_moves_the_patch_but_keeps_it():
    trigger = random_trigger(np.random.default_rng(0), (16, 16), 10, random_position=1.0)
    assert trigger.position == "random"
    images = torch.zeros(20, 1, 16, 16)
    stamped = trigger.stamp(images, torch.Generator().manual_seed(0))
    assert torch.equal(images, torch.zeros(20, 1, 16, 16))  # not in place
    positions = {tuple(np.argwhere(s[0].numpy() > 0).min(0)) for s in stamped}
    assert len(positions) > 1
    assert all(np.isclose(s.sum().item(), trigger.pattern.sum()) for s in stamped)


def test_zoo_is_resumable_and_records_every_model(tmp_path):
    config = ZooConfig(count=2, epochs=1, min_asr=0.0)
    models = build_zoo(tmp_path, config, progress=False)
    assert [m.trojaned for m in models] == [False, True]
    assert models[0].architecture == models[1].architecture  # pairs share the draws
    first = (tmp_path / "models" / "0000.pt").stat().st_mtime_ns
    models = build_zoo(tmp_path, ZooConfig(count=3, epochs=1, min_asr=0.0), progress=False)
    assert len(models) == 3 and len(list(iter_records(tmp_path))) == 3
    assert (tmp_path / "models" / "0000.pt").stat().st_mtime_ns == first  # not retrained
    network, trigger = models[1].load()
    assert trigger is not None and trigger.target == models[1].target
    assert network(torch.zeros(1, 1, 16, 16)).shape == (1, 10)
    assert load_model_file(models[0].path)[1] is None
    assert json.loads((tmp_path / "config.json").read_text())["count"] == 3
    with pytest.raises(ValueError, match="other settings"):
        build_zoo(tmp_path, ZooConfig(count=3, epochs=2, min_asr=0.0), progress=False)


def test_weak_trojans_are_dropped(tmp_path):
    models = build_zoo(tmp_path, ZooConfig(count=2, epochs=1, min_asr=1.0, poison_fraction=0.0), progress=False)
    records = list(iter_records(tmp_path))
    assert not records[1]["kept"] and records[1]["asr"] < 1.0
    assert [m.index for m in models] == [0] and len(load_zoo(tmp_path)) == 1


def test_bad_input(tmp_path):
    with pytest.raises(ValueError, match="count"):
        ZooConfig(count=0)
    with pytest.raises(ValueError, match="min_asr"):
        ZooConfig(min_asr=2.0)
    with pytest.raises(ValueError, match="shape must be one of"):
        trigger_shape("star", 3)
    with pytest.raises(FileNotFoundError, match="no model zoo"):
        load_zoo(tmp_path)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_model_file(tmp_path / "missing.pt")
