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
    """``x``: (10, 12) float64 signals; ``t``: (12,) float64 time axis; ``y``: (10,) int64 labels.

    Custom templates (:meth:`custom`) may have any number of classes and points.
    """

    x: np.ndarray
    t: np.ndarray
    y: np.ndarray

    @classmethod
    def custom(cls, *, x, t, y) -> Templates:
        """Validated templates of your own, as the authors' ``make_dataset(args, template)`` takes.

        Parameters
        ----------
        x : array_like, (classes, points)
            One finite real signal per class. Its dtype is kept: the authors add ``1e-8`` in it.
        t : array_like, (length,)
            Finite real time axis, ``length >= 2``, resampled like the signals.
        y : array_like, (classes,)
            The label of each class, returned as the examples' labels.
        """
        x, t, y = np.asarray(x), np.asarray(t), np.asarray(y)
        if x.ndim != 2 or min(x.shape) < 1 or x.dtype.kind not in "iuf":
            raise ValueError(
                f"template x must be a 2-D array of real numbers (classes, points), "
                f"got shape {x.shape} of dtype {x.dtype}"
            )
        if t.ndim != 1 or len(t) < 2 or t.dtype.kind not in "iuf":
            raise ValueError(
                f"template t must be a 1-D array of at least 2 real numbers, got shape {t.shape} of dtype {t.dtype}"
            )
        for name, values in (("x", x), ("t", t)):
            if not np.isfinite(values).all():
                raise ValueError(f"template {name} must be finite, got {values!r}")
        if y.shape != (len(x),):
            raise ValueError(f"template y must hold one label per row of x ({len(x)}), got shape {y.shape}")
        return cls(x=x, t=t, y=y)


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
