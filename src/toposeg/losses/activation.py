"""The activation options every loss takes, in the convention of MONAI's losses.

A loss is called on probabilities in [0, 1] by default. ``sigmoid=True`` or ``softmax=True``
makes it apply that activation to raw network outputs (logits) first, inside the autograd
graph; ``include_background=False`` drops channel 0 (of the prediction and of the target)
after the activation, as MONAI does. Without an activation, values outside [0, 1] are refused
with an error that names the options, so that logits are never silently read as
probabilities.
"""

from __future__ import annotations

import torch

from toposeg.losses._checks import check_probabilities, one_hot_target

__all__ = ["activate", "check_activation"]


def check_activation(sigmoid: object, softmax: object, include_background: object) -> None:
    """Raise ``TypeError`` or ``ValueError`` unless the three options are booleans and at most
    one activation is asked.

    Examples
    --------
    >>> check_activation(True, False, True)
    >>> check_activation(True, True, True)
    Traceback (most recent call last):
        ...
    ValueError: sigmoid=True and softmax=True are exclusive: choose one activation
    """
    for name, value in (
        ("sigmoid", sigmoid),
        ("softmax", softmax),
        ("include_background", include_background),
    ):
        if not isinstance(value, bool):
            raise TypeError(f"{name} must be True or False, got {value!r}")
    if sigmoid and softmax:
        raise ValueError("sigmoid=True and softmax=True are exclusive: choose one activation")


def activate(
    prediction: torch.Tensor,
    target: torch.Tensor | None = None,
    *,
    sigmoid: bool = False,
    softmax: bool = False,
    include_background: bool = True,
    name: str = "prob",
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Checked probabilities (and target) for a loss: the activation, the [0, 1] check, the
    one-hot target, and the background channel dropped if asked.

    Parameters
    ----------
    prediction : (B, C, H, W) or (B, C, D, H, W) tensor of float
        Probabilities in [0, 1], or logits with ``sigmoid`` or ``softmax``.
    target : tensor, optional
        Shaped like ``prediction`` (values in [0, 1]) or integer labels ``(B, *spatial)`` in
        ``0 .. C - 1`` (with ``C == 1``: 0 or 1); ``None`` for a loss without a target.
    sigmoid : bool
        Apply a sigmoid to each channel (binary or multi-label outputs).
    softmax : bool
        Apply a softmax over the channels (mutually exclusive classes; needs ``C >= 2``).
    include_background : bool
        ``False`` drops channel 0, the background class, from the loss (needs ``C >= 2``).
    name : str
        The argument's name in error messages.

    Returns
    -------
    prob : torch.Tensor
        Probabilities, differentiable with respect to ``prediction``, with ``C`` or ``C - 1``
        channels; float32 when ``prediction`` is float16 or bfloat16 (mixed precision).
    target : torch.Tensor or None
        The target as a float tensor shaped like ``prob``, or ``None``.

    Raises
    ------
    TypeError, ValueError
        For a non-tensor or non-float prediction, a wrong shape, NaN, values outside [0, 1]
        when no activation is asked (logits), both activations, a softmax or
        ``include_background=False`` on one channel, or a bad target.

    Examples
    --------
    >>> import torch
    >>> logits = torch.tensor([[[[-2.0, 3.0]]]])
    >>> prob, _ = activate(logits, sigmoid=True)
    >>> prob.round(decimals=3)
    tensor([[[[0.1190, 0.9530]]]])
    >>> activate(logits)
    Traceback (most recent call last):
        ...
    ValueError: prob must hold probabilities in [0, 1], got values in [-2, 3]; pass sigmoid=True or softmax=True to give logits

    Two classes by softmax, the background dropped: the target's labels become the
    foreground channel.

    >>> logits = torch.zeros(1, 2, 1, 2)
    >>> prob, target = activate(logits, torch.tensor([[[0, 1]]]), softmax=True,
    ...                         include_background=False)
    >>> prob.shape, target.tolist()
    (torch.Size([1, 1, 1, 2]), [[[[0.0, 1.0]]]])
    """
    check_activation(sigmoid, softmax, include_background)
    if sigmoid or softmax:
        _check_tensor(prediction, name)
        if softmax and prediction.shape[1] < 2:
            raise ValueError(
                f"softmax=True needs at least 2 channels in {name}, got shape "
                f"{tuple(prediction.shape)}; use sigmoid=True for one channel"
            )
        with torch.no_grad():
            if torch.isnan(prediction).any():
                raise ValueError(f"{name} contains NaN values")
        prob = torch.sigmoid(prediction) if sigmoid else torch.softmax(prediction, dim=1)
    else:
        prob = prediction
    prob = check_probabilities(prob, name)
    if prob.dtype in (torch.float16, torch.bfloat16):  # from autocast: the loss in float32
        prob = prob.float()
    target = None if target is None else one_hot_target(target, prob, "target")
    if not include_background:
        if prob.shape[1] < 2:
            raise ValueError(
                f"include_background=False needs at least 2 channels in {name}, got shape "
                f"{tuple(prob.shape)}"
            )
        prob = prob[:, 1:]
        target = None if target is None else target[:, 1:]
    return prob, target


def _check_tensor(prediction: object, name: str) -> None:
    if not isinstance(prediction, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(prediction).__name__}")
    if not prediction.is_floating_point():
        raise TypeError(f"{name} must be a floating-point tensor, got dtype {prediction.dtype}")
    if prediction.ndim not in (4, 5):
        raise ValueError(
            f"{name} must have shape (B, C, H, W) or (B, C, D, H, W), got {tuple(prediction.shape)}"
        )
