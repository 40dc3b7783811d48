"""Trojan detection by trigger hunting with a topological prior (thesis ch. 4).

Build a zoo of small classifiers, half of them Trojaned (:func:`build_zoo`); reverse-engineer
diverse trigger candidates of each with the one-component prior (:func:`reverse_engineer`);
describe them (:func:`trigger_features`) and classify models with the bag-of-features detector
(:func:`cross_validate`, :func:`fit_detector`) or the unsupervised MAD baseline
(:func:`mad_anomaly_index`). Needs the ``trojan`` extra (scikit-learn) for the zoo and the
cross-validation.
"""

from toposeg.trojan.architectures import ARCHITECTURES, build_classifier
from toposeg.trojan.digits import load_digits_images
from toposeg.trojan.detector import BagDetector, CrossValidation, cross_validate, fit_detector, mad_anomaly_index
from toposeg.trojan.features import FEATURE_NAMES, mask_iou, trigger_features
from toposeg.trojan.hunt import HuntRecord, clean_images, hunt_zoo, load_hunt
from toposeg.trojan.reverse import HuntConfig, RecoveredTrigger, mask_regulariser, reverse_engineer
from toposeg.trojan.triggers import SHAPES, PatchTrigger, apply_trigger, random_trigger, trigger_shape
from toposeg.trojan.zoo import ZooConfig, ZooModel, build_zoo, load_model_file, load_zoo

__all__ = [
    "ARCHITECTURES", "FEATURE_NAMES", "SHAPES", "BagDetector", "CrossValidation", "HuntConfig", "HuntRecord",
    "PatchTrigger", "RecoveredTrigger", "ZooConfig", "ZooModel", "apply_trigger", "build_classifier",
    "build_zoo", "clean_images", "cross_validate", "fit_detector", "hunt_zoo", "load_hunt", "load_model_file",
    "load_digits_images", "load_zoo", "mad_anomaly_index", "mask_iou", "mask_regulariser", "random_trigger", "reverse_engineer", "trigger_features",
    "trigger_shape",
]
