"""Synthetic membranes: 2D cell boundaries (as in electron micrographs) and 3D cell sheets.

The geometry is a Laguerre (power) diagram of random sites with random weights, warped by a
smooth elastic deformation. The mask is the membrane class: the voxels next to a voxel of a
cell with a larger label (one voxel thick, see ``toposeg.data._cells``), widened by up to
``max_extra_width`` voxels along smoothly varying stretches (1 to 3 voxels in all). By
construction the membranes separate the cells: two voxels of different cells outside the mask
are never adjacent, even 8-/26-adjacent.

The image shows dark membranes on textured cytoplasm, with the membrane contrast fading in
and out, short breaks where it vanishes (the mask still closes them), dark intracellular
blobs (distractors: mitochondria, vesicles), blur and Poisson shot noise.
"""

from __future__ import annotations

import numpy as np

from toposeg.data._cells import cell_labels, membrane_mask, render_cells, widen
from toposeg.data._render import check_shape, smooth_field
from toposeg.data._sample import Sample

__all__ = ["cell_sheets_3d", "membranes_2d", "membranes_from_labels"]


def membranes_from_labels(
    labels: np.ndarray,
    *,
    seed: int = 0,
    cell_size: float = 20.0,
    max_extra_width: float = 1.0,
    breaks: float = 0.5,
    blobs: float = 0.7,
    photons: float = 60.0,
    blur: float | tuple[float, ...] = 0.8,
) -> Sample:
    """Membrane mask and an EM-like image for a given cell label image (2D or 3D).

    Parameters
    ----------
    labels : (M, N[, P]) ndarray of int
        Cell labels (every voxel belongs to a cell; 0 is a label like any other).
    seed : int
        Random seed for the widths, fading, breaks, blobs and noise.
    cell_size : float
        Typical cell diameter in voxels (sets how fast the contrast varies).
    max_extra_width : float
        The 1-voxel membranes are widened by a smooth field in ``[0, max_extra_width]``.
    breaks, blobs : float
        Membrane breaks and distractor blobs per cell.
    photons : float
        Photon count at intensity 1 (Poisson noise).
    blur : float or tuple of float
        Gaussian point-spread function sigma (per axis if a tuple).

    Returns
    -------
    Sample
        ``image`` float32 in [0, 1], ``mask`` bool (the membranes).

    Examples
    --------
    >>> import numpy as np
    >>> from toposeg.data import membranes_from_labels
    >>> labels = np.repeat([[1] * 4 + [2] * 4], 8, axis=0)  # two cells side by side
    >>> membranes_from_labels(labels, max_extra_width=0).mask.sum(axis=0)
    array([0, 0, 0, 8, 0, 0, 0, 0])
    """
    labels = np.asarray(labels)
    if labels.ndim not in (2, 3) or labels.size == 0:
        raise ValueError(f"labels must be a non-empty 2D or 3D array, got shape {labels.shape}")
    if not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"labels must be integers, got {labels.dtype}")
    rng = np.random.default_rng(seed)
    dense = np.unique(labels, return_inverse=True)[1].reshape(labels.shape).astype(np.int32)
    extra = smooth_field(rng, labels.shape, cell_size / 2, -0.3 * max_extra_width, max_extra_width)
    mask = widen(membrane_mask(dense), extra)
    image = render_cells(
        rng, dense, mask, cell_size=cell_size, blur=blur, photons=photons, breaks=breaks, blobs=blobs
    )
    return Sample(image, mask, name=f"membranes(seed={seed})")


def membranes_2d(
    shape: tuple[int, int] = (128, 128),
    *,
    seed: int = 0,
    cell_size: float = 20.0,
    deformation: float = 0.2,
    breaks: float = 0.5,
    blobs: float = 0.7,
    photons: float = 60.0,
) -> Sample:
    """2D membranes: Laguerre cells with faded and broken boundaries and distractor blobs.

    Parameters
    ----------
    shape : (int, int)
        Image shape.
    seed : int
        Random seed: the same seed gives the same sample.
    cell_size : float
        Typical cell diameter in pixels.
    deformation : float
        Elastic deformation amplitude, as a fraction of ``cell_size``.
    breaks, blobs : float
        Membrane breaks and distractor blobs per cell.
    photons : float
        Photon count at intensity 1 (Poisson noise).

    Returns
    -------
    Sample
        ``image`` float32 in [0, 1], ``mask`` bool (the membranes).

    Examples
    --------
    >>> from scipy import ndimage
    >>> from toposeg.data import membranes_2d
    >>> image, mask = membranes_2d((64, 64), seed=0)
    >>> image.shape, mask.dtype
    ((64, 64), dtype('bool'))
    >>> cells = ndimage.label(~mask, structure=np.ones((3, 3)))[1]  # 8-connected background
    >>> cells > 4
    True
    """
    shape = check_shape(shape, 2, "membranes_2d")
    rng = np.random.default_rng(seed)
    labels = cell_labels(rng, shape, cell_size, deformation)
    sample = membranes_from_labels(
        labels,
        seed=int(rng.integers(2**63)),
        cell_size=cell_size,
        breaks=breaks,
        blobs=blobs,
        photons=photons,
    )
    return Sample(sample.image, sample.mask, name=f"membranes_2d(seed={seed})")


def cell_sheets_3d(
    shape: tuple[int, int, int] = (48, 48, 48),
    *,
    seed: int = 0,
    cell_size: float = 16.0,
    deformation: float = 0.2,
    breaks: float = 1.0,
    blobs: float = 1.0,
    photons: float = 60.0,
    blur: tuple[float, float, float] = (1.2, 0.6, 0.6),
) -> Sample:
    """3D membrane sheets: the boundaries of deformed 3D Laguerre cells.

    Parameters
    ----------
    shape : (int, int, int)
        Volume shape, axis 0 the section (low-resolution) axis.
    seed : int
        Random seed.
    cell_size : float
        Typical cell diameter in voxels.
    deformation : float
        Elastic deformation amplitude, as a fraction of ``cell_size``.
    breaks, blobs : float
        Membrane holes and distractor blobs per cell.
    photons : float
        Photon count at intensity 1 (Poisson noise).
    blur : (float, float, float)
        Anisotropic Gaussian point-spread function sigma per axis.

    Returns
    -------
    Sample
        ``image`` float32 in [0, 1], ``mask`` bool (the sheets).

    Examples
    --------
    >>> from toposeg.data import cell_sheets_3d
    >>> image, mask = cell_sheets_3d((24, 24, 24), seed=0)
    >>> image.shape, bool(0 < mask.mean() < 0.5)
    ((24, 24, 24), True)
    """
    shape = check_shape(shape, 3, "cell_sheets_3d")
    rng = np.random.default_rng(seed)
    labels = cell_labels(rng, shape, cell_size, deformation)
    sample = membranes_from_labels(
        labels,
        seed=int(rng.integers(2**63)),
        cell_size=cell_size,
        max_extra_width=0.6,
        breaks=breaks,
        blobs=blobs,
        photons=photons,
        blur=blur,
    )
    return Sample(sample.image, sample.mask, name=f"cell_sheets_3d(seed={seed})")
