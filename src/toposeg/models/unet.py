"""A 2D or 3D UNet with configurable depth, width, normalisation and dropout."""

from __future__ import annotations

from typing import Literal

import torch
from torch import nn

__all__ = ["UNet"]

Norm = Literal["batch", "instance", "group", "none"]


class UNet(nn.Module):
    """UNet (Ronneberger et al. 2015) for 2D images or 3D volumes; outputs logits.

    Parameters
    ----------
    in_channels, out_channels : int
        Channels of the input image and of the output logits (one per class; 1 for binary).
    ndim : {2, 3}
        Spatial dimensions.
    depth : int
        Number of down-sampling steps (levels below the top). Inputs need sides divisible by
        ``2 ** depth``; :meth:`required_multiple` gives the number.
    width : int
        Channels at the top level; doubled at each level below.
    norm : {"batch", "instance", "group", "none"}
        Normalisation after each convolution.
    dropout : float
        Dropout probability before each decoder block (and at the bottom); keep it active at
        inference for Monte-Carlo sampling.

    Examples
    --------
    >>> import torch
    >>> from toposeg.models import UNet
    >>> net = UNet(1, 2, ndim=2, depth=2, width=8)
    >>> net(torch.zeros(3, 1, 32, 32)).shape
    torch.Size([3, 2, 32, 32])
    """

    def __init__(
        self,
        in_channels: int = 1,
        out_channels: int = 1,
        *,
        ndim: int = 2,
        depth: int = 4,
        width: int = 32,
        norm: Norm = "batch",
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        if ndim not in (2, 3):
            raise ValueError(f"ndim must be 2 or 3, got {ndim}")
        if depth < 0 or width < 1 or in_channels < 1 or out_channels < 1:
            raise ValueError(
                f"depth must be >= 0 and channels/width >= 1, got depth={depth}, width={width}, "
                f"in_channels={in_channels}, out_channels={out_channels}"
            )
        if norm not in ("batch", "instance", "group", "none"):
            raise ValueError(f"norm must be 'batch', 'instance', 'group' or 'none', got {norm!r}")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {dropout}")
        self.ndim = ndim
        self.depth = depth
        conv = nn.Conv2d if ndim == 2 else nn.Conv3d
        transpose = nn.ConvTranspose2d if ndim == 2 else nn.ConvTranspose3d
        pool = nn.MaxPool2d if ndim == 2 else nn.MaxPool3d
        drop = nn.Dropout2d if ndim == 2 else nn.Dropout3d

        def block(cin: int, cout: int) -> nn.Sequential:
            layers: list[nn.Module] = []
            for c in (cin, cout):
                layers += [conv(c, cout, 3, padding=1, bias=norm == "none"), _norm(norm, ndim, cout), nn.ReLU(inplace=True)]
            return nn.Sequential(*layers)

        widths = [width * 2**level for level in range(depth + 1)]
        self.down = nn.ModuleList([block(in_channels, widths[0])])
        self.down.extend(block(widths[i], widths[i + 1]) for i in range(depth))
        self.pool = pool(2)
        self.up = nn.ModuleList(transpose(widths[i + 1], widths[i], 2, stride=2) for i in reversed(range(depth)))
        self.merge = nn.ModuleList(block(2 * widths[i], widths[i]) for i in reversed(range(depth)))
        self.dropout = drop(dropout) if dropout > 0 else nn.Identity()
        self.head = conv(widths[0], out_channels, 1)

    def required_multiple(self) -> int:
        """Spatial sides of an input must be multiples of this number."""
        return 2**self.depth

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The top decoder level's features, ``(B, width, *spatial)``: what :attr:`head` maps to
        logits (a :class:`toposeg.uncertainty.ProbabilisticUNet` joins its latent code here)."""
        if x.ndim != self.ndim + 2:
            raise ValueError(f"input must have shape (B, C, *spatial) with {self.ndim} spatial axes, got {tuple(x.shape)}")
        multiple = self.required_multiple()
        if any(s % multiple for s in x.shape[2:]):
            raise ValueError(f"spatial sides must be multiples of {multiple}, got {tuple(x.shape[2:])}")
        skips = []
        for level, block in enumerate(self.down):
            x = block(x if level == 0 else self.pool(x))
            skips.append(x)
        x = self.dropout(skips.pop())
        for up, merge in zip(self.up, self.merge):
            x = merge(torch.cat([up(x), skips.pop()], dim=1))
            x = self.dropout(x)
        return x


def _norm(kind: str, ndim: int, channels: int) -> nn.Module:
    if kind == "batch":
        return (nn.BatchNorm2d if ndim == 2 else nn.BatchNorm3d)(channels)
    if kind == "instance":
        return (nn.InstanceNorm2d if ndim == 2 else nn.InstanceNorm3d)(channels, affine=True)
    if kind == "group":
        return nn.GroupNorm(min(8, channels), channels)
    return nn.Identity()
