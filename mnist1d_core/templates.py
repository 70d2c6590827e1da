"""The ten 12-point digit templates of MNIST-1D, as the paper defines them."""

from __future__ import annotations

import dataclasses

import numpy as np

# Hand-drawn outlines of the digits 0-9 (the paper's Figure 1), one row per class.
_OUTLINES = np.array(
    [
        [5, 6, 6.5, 6.75, 7, 7, 7, 7, 6.75, 6.5, 6, 5],
        [5, 3, 3, 3.4, 3.8, 4.2, 4.6, 5, 5.4, 5.8, 5, 5],
        [5, 6, 6.5, 6.5, 6, 5.25, 4.75, 4, 3.5, 3.5, 4, 5],
        [5, 6, 6.5, 6.5, 6, 5, 5, 6, 6.5, 6.5, 6, 5],
        [5, 4.4, 3.8, 3.2, 2.6, 2.6, 5, 5, 5, 5, 5, 5],
        [5, 3, 3, 3, 3, 5, 6, 6.5, 6.5, 6, 4.5, 5],
        [5, 4, 3.5, 3.25, 3, 3, 3, 3, 3.25, 3.5, 4, 5],
        [5, 7, 7, 6.6, 6.2, 5.8, 5.4, 5, 4.6, 4.2, 5, 5],
        [5, 4, 3.5, 3.5, 4, 5, 5, 4, 3.5, 3.5, 4, 5],
        [5, 4, 3.5, 3.5, 4, 5, 5, 5, 5, 4.7, 4.3, 5],
    ],
    dtype=np.float64,
)


@dataclasses.dataclass(frozen=True, eq=False)
class Templates:
    """``x``: (10, 12) float64 signals; ``t``: (12,) float64 time axis; ``y``: (10,) int64 labels."""

    x: np.ndarray
    t: np.ndarray
    y: np.ndarray


def templates() -> Templates:
    """Standardise each outline, shift it to start (and so end) at 0, scale by 1/6.

    The operations and their order follow the authors' code, so the values match
    theirs bit for bit.
    """
    x = _OUTLINES.copy()
    x -= x.mean(axis=1, keepdims=True)
    x /= x.std(axis=1, keepdims=True)
    x -= x[:, :1]
    t = np.linspace(-5, 5, x.shape[1]) / 6.0
    return Templates(x=x / 6.0, t=t, y=np.arange(10, dtype=np.int64))
