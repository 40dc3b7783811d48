"""The colours of the proofreading page (``static/app.js`` uses the same formulas)."""

from __future__ import annotations

__all__ = ["ACCEPTED", "CURRENT", "REJECTED", "uncertainty_colour"]

ACCEPTED = (0, 200, 0)
REJECTED = (110, 110, 110)
CURRENT = (255, 255, 0)


def uncertainty_colour(u: float) -> tuple[int, int, int]:
    """RGB of an undecided branch of uncertainty ``u`` in [0, 1]: blue (certain) to red.

    >>> uncertainty_colour(0.0), uncertainty_colour(1.0)
    ((0, 80, 255), (255, 0, 0))
    """
    # half up, as JavaScript's Math.round
    return (int(255 * u + 0.5), int(80 * (1 - u) + 0.5), int(255 * (1 - u) + 0.5))
