"""The paper's transformations, each applied to a whole batch of signals at once.

Every function takes rows of signals (shape (batch, length)) plus per-row random
values, and does the same floating-point operations, in the same order, as the
authors' per-example code, so results agree with it bit for bit.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from scipy.ndimage import gaussian_filter1d

from .templates import templates

if TYPE_CHECKING:
    from .config import MNIST1DConfig

#: Added to the templates before padding, so the mask ``x != 0`` tells signal from padding.
EPS = 1e-8
#: Width (standard deviation, in samples) of the Gaussian that correlates the background noise.
CORR_NOISE_SIGMA = 2


def resample(rows: np.ndarray, length: int) -> np.ndarray:
    """Linearly resample each row onto ``length`` evenly spaced points of [0, 1].

    The authors' ``interp1d(kind="linear")`` on 1-D data delegates to ``np.interp``;
    this is ``np.interp`` for a whole batch, with its exact arithmetic: the slope
    ``(y[j+1] - y[j]) / (xp[j+1] - xp[j])``, then ``slope * (x - xp[j]) + y[j]``, and
    ``y[j]`` itself where ``x`` falls on a grid point.
    """
    n = rows.shape[-1]
    xp = np.linspace(0, 1, n)
    x = np.linspace(0, 1, length)
    lo = np.clip(np.searchsorted(xp, x, side="right") - 1, 0, n - 1)
    hi = np.minimum(lo + 1, n - 1)
    y_lo = rows[..., lo]
    on_grid = (lo == n - 1) | (xp[lo] == x)
    step = np.where(on_grid, 1.0, xp[hi] - xp[lo])  # 1.0 only avoids 0/0 where unused
    between = (rows[..., hi] - y_lo) / step * (x - xp[lo]) + y_lo
    return np.where(on_grid, y_lo, between)


def time_axis(templates_t: np.ndarray, config: MNIST1DConfig) -> np.ndarray:
    """The templates' time axis taken through both resamplings, as the signals are
    (before it is divided by the standardisation's std)."""
    return resample(resample(templates_t, config.dilated_len), config.final_seq_length)


def pad_and_dilate(template_x: np.ndarray, pad: int, length: int) -> np.ndarray:
    """The templates (classes, points) plus EPS, each with ``pad`` zeros appended, resampled
    to (classes, length). EPS is added in the templates' dtype, as the authors add it."""
    padded = np.concatenate([template_x + EPS, np.zeros((len(template_x), pad))], axis=1)
    return resample(padded, length)


@functools.lru_cache(maxsize=128)
def _paper_pad_and_dilate(pad: int, length: int) -> np.ndarray:
    """:func:`pad_and_dilate` of the paper's templates, cached: a dataset uses only
    ``padding[1] - padding[0] + 1`` distinct pads."""
    dilated = pad_and_dilate(templates().x, pad, length)
    dilated.flags.writeable = False  # shared by every caller
    return dilated


def scale(rows: np.ndarray, uniform: np.ndarray, scale_coeff: float) -> np.ndarray:
    """Multiply each row by ``1 + scale_coeff * (u - 0.5)``."""
    return rows * (1 + scale_coeff * (uniform - 0.5))[:, None]


def translate(rows: np.ndarray, shifts: np.ndarray) -> np.ndarray:
    """Shift each row right by ``k``, wrapping around, as the authors' slicing does.

    Their ``concatenate([x[-k:], x[:-k]])`` is a circular shift for ``0 < k < length``
    but leaves the row unchanged for ``k == 0`` and for ``k >= length``: kept as is.
    """
    length = rows.shape[1]
    k = np.where((shifts > 0) & (shifts < length), shifts, 0)
    # Row i shifted by k is the window starting at length - k of the row written twice.
    windows = sliding_window_view(np.concatenate([rows, rows], axis=1), length, axis=1)
    return windows[np.arange(len(rows)), length - k]


def correlated_noise(normals: np.ndarray, noise_scale: float) -> np.ndarray:
    """``noise_scale * normals``, each row smoothed by a Gaussian of width ``CORR_NOISE_SIGMA``."""
    return gaussian_filter1d(noise_scale * normals, CORR_NOISE_SIGMA, axis=1)


def add_background_noise(rows: np.ndarray, normals: np.ndarray, noise_scale: float) -> np.ndarray:
    """Fill the padding (exact zeros) with Gaussian-smoothed noise; the digit is untouched."""
    return np.where(rows != 0, rows, correlated_noise(normals, noise_scale))


def add_iid_noise(rows: np.ndarray, normals: np.ndarray, noise_scale: float) -> np.ndarray:
    return rows + noise_scale * normals


def shear(rows: np.ndarray, uniform: np.ndarray, shear_scale: float) -> np.ndarray:
    """Subtract a linear trend of slope ``shear_scale * (u - 0.5)`` across the row."""
    coeff = shear_scale * (uniform - 0.5)
    return rows - coeff[:, None] * np.linspace(-0.5, 0.5, rows.shape[1])


class Draws(NamedTuple):
    """The random values of a batch of examples, whichever stream they came from."""

    pads: np.ndarray  # (n,) int: zeros appended to each template
    scale_u: np.ndarray  # (n,) uniform [0, 1)
    shifts: np.ndarray  # (n,) int in 0 .. max_translation - 1
    normals: np.ndarray  # (n, 2 * dilated_len): background noise, then white noise
    shear_u: np.ndarray  # (n,) uniform [0, 1)


def transform_batch(
    classes: np.ndarray, draws: Draws, config: MNIST1DConfig, template_x: np.ndarray | None = None
) -> np.ndarray:
    """The paper's whole pipeline for a batch: (n,) class indices -> (n, final_seq_length)
    signals, made from the paper's templates or from the rows of ``template_x``."""
    length = config.dilated_len
    # Padding then dilating depends only on (class, pad): make each distinct pad once.
    pads, which = np.unique(draws.pads, return_inverse=True)
    if template_x is None:
        table = np.stack([_paper_pad_and_dilate(int(pad), length) for pad in pads])
    else:
        table = np.stack([pad_and_dilate(template_x, int(pad), length) for pad in pads])
    rows = table[which, classes]
    rows = scale(rows, draws.scale_u, config.scale_coeff)
    rows = translate(rows, draws.shifts)
    rows = add_background_noise(rows, draws.normals[:, :length], config.corr_noise_scale)
    rows = add_iid_noise(rows, draws.normals[:, length:], config.iid_noise_scale)
    rows = shear(rows, draws.shear_u, config.shear_scale)
    return resample(rows, config.final_seq_length)
