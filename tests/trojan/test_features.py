import numpy as np
import pytest
from skimage.measure import label, regionprops

from toposeg.trojan import FEATURE_NAMES, RecoveredTrigger, mask_iou, trigger_features


def _trigger(mask, new_labels=(1, 1, 2, 0), source=0, steps_to_flip=5):
    return RecoveredTrigger(source, 0, mask, mask[None], 0.25, -0.5, 0.125, 0.75, np.array(new_labels), steps_to_flip)


def test_features_of_a_hand_made_mask_against_scikit_image():
    mask = np.zeros((8, 8))
    mask[1:3, 1:4] = 1.0  # 6 pixels
    mask[6, 6] = 1.0  # 1 pixel
    mask[5, 7] = 1.0  # diagonal neighbour: another 4-connected component
    features = dict(zip(FEATURE_NAMES, trigger_features([_trigger(mask)], steps=10)[0]))
    regions = regionprops(label(mask >= 0.5, connectivity=1))
    assert features["components"] == len(regions) == 3
    assert features["largest_component"] == pytest.approx(max(r.area for r in regions) / 64)
    assert features["mean_component"] == pytest.approx(np.mean([r.area for r in regions]) / 64)
    whole = regionprops((mask >= 0.5).astype(int))[0]
    assert features["mean_row"] == pytest.approx(whole.centroid[0] / 7)
    assert features["mean_col"] == pytest.approx(whole.centroid[1] / 7)
    rows, cols = np.nonzero(mask)
    assert features["spread_row"] == pytest.approx(np.std(rows / 7))
    assert features["spread_col"] == pytest.approx(np.std(cols / 7))
    assert features["mask_size"] == pytest.approx(8 / 64)
    # 3 of 4 images left class 0; two of them went to label 1
    assert features["label_agreement"] == pytest.approx(2 / 4)
    assert (features["flip_loss"], features["diversity_loss"], features["topo_loss"]) == (0.25, -0.5, 0.125)
    assert features["flip_rate"] == 0.75 and features["steps_to_flip"] == 0.5


def test_soft_mask_centroid_is_weighted_and_empty_mask_is_defined():
    mask = np.zeros((5, 5))
    mask[0, 0], mask[0, 4] = 1.0, 0.25
    f = dict(zip(FEATURE_NAMES, trigger_features([_trigger(mask)], steps=10)[0]))
    assert f["mean_col"] == pytest.approx((0 * 1.0 + 1 * 0.25) / 1.25)
    assert f["components"] == 1  # only the pixel >= 0.5
    empty = dict(zip(FEATURE_NAMES, trigger_features([_trigger(np.zeros((5, 5)), new_labels=(0, 0))], steps=10)[0]))
    assert empty["components"] == 0 and empty["mean_row"] == 0.5 and empty["label_agreement"] == 0.0


def test_features_do_not_depend_on_image_size():
    small = np.zeros((8, 8))
    small[2:4, 2:4] = 1
    large = np.kron(small, np.ones((2, 2)))
    f_small = trigger_features([_trigger(small)], steps=10)[0]
    f_large = trigger_features([_trigger(large)], steps=10)[0]
    for name in ("mask_size", "largest_component", "components"):
        k = FEATURE_NAMES.index(name)
        assert f_small[k] == pytest.approx(f_large[k])


def test_mask_iou_and_bad_input():
    truth = np.zeros((4, 4), bool)
    assert mask_iou(np.zeros((4, 4)), truth) == 1.0
    truth[0, :2] = True
    assert mask_iou(truth.astype(float), truth) == 1.0
    with pytest.raises(ValueError, match="one shape"):
        mask_iou(np.zeros((3, 3)), truth)
    with pytest.raises(ValueError, match="steps"):
        trigger_features([], steps=0)
    assert trigger_features([], steps=3).shape == (0, len(FEATURE_NAMES))
