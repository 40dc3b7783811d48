"""Segmentation networks."""

from toposeg.models.unet import UNet

__all__ = ["UNet"]
