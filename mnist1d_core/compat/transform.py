"""``mnist1d.transform``: the paper's transformations of one signal, drawing from numpy's
global stream exactly what the authors' functions draw.

That global stream is these functions' contract (seed it with ``set_seed``); it is used
nowhere else in this package. The arithmetic is the core's (``mnist1d_core.transforms``),
applied to a batch of one signal, so a signal made here and an example made by
``make_dataset`` go through the same code; ``interpolate`` is scipy's ``interp1d``, as theirs.
"""

from __future__ import annotations

import numbers

import numpy as np
from scipy.interpolate import interp1d

from .. import transforms
from .args import config_from_args


def pad(x, padding: tuple):
    """Append ``p`` zeros to signal ``x`` (1-D, or 2-D: along the last axis), ``p`` drawn
    uniformly from the inclusive range ``padding = (low, high)``. Draws one ``rand()``."""
    x = np.asarray(x)
    if x.ndim not in (1, 2):
        raise ValueError(f"x must be a 1-D signal or a 2-D array of signals, got shape {x.shape}")
    low, high = _pair_of_sizes(padding)
    p = low + int(np.random.rand() * (high - low + 1))
    return np.concatenate([x, np.zeros(x.shape[:-1] + (p,))], axis=-1)


def shear(x, scale=10):
    """Subtract a linear trend of slope ``scale * (u - 0.5)`` across signal ``x`` (1-D).
    Draws one ``rand()``."""
    x = _signal(x)
    scale = _real("scale", scale)
    return transforms.shear(x[None], np.array([np.random.rand()]), scale)[0]


def translate(x, max_translation):
    """Shift signal ``x`` (1-D) right by ``k``, wrapping around, ``k`` drawn by
    ``choice(max_translation)``; ``k >= len(x)`` leaves it unchanged, as the authors' slicing."""
    x = _signal(x)
    shift = np.random.choice(_positive_integer("max_translation", max_translation))
    return transforms.translate(x[None], np.array([shift]))[0]


def corr_noise_like(x, scale):
    """Gaussian noise of standard deviation ``scale``, shaped like signal ``x`` (1-D) and
    smoothed by a Gaussian filter of width 2. Draws ``randn(len(x))``."""
    x = _signal(x)
    scale = _real("scale", scale)
    return transforms.correlated_noise(np.random.randn(1, len(x)), scale)[0]


def iid_noise_like(x, scale):
    """White Gaussian noise of standard deviation ``scale``, shaped like ``x`` (any shape).
    Draws ``randn(*x.shape)``."""
    scale = _real("scale", scale)
    return scale * np.random.randn(*np.shape(x))


def interpolate(x, N):
    """Resample ``x`` linearly onto ``N`` evenly spaced points of [0, 1], along its first axis.

    This is scipy's ``interp1d``, as the authors use it: for 1-D float64 or integer signals
    it is ``np.interp``, which the core's batched ``resample`` reproduces; for float32 or
    n-D input scipy uses its own formula (float32 differences rounded in float32), kept here
    so that the results stay the authors'. Draws nothing.
    """
    x = np.asarray(x)
    if x.ndim < 1 or len(x) < 2:
        raise ValueError(f"x must have at least 2 points along its first axis, got shape {x.shape}")
    N = _positive_integer("N", N)
    return interp1d(np.linspace(0, 1, len(x)), x, axis=0, kind="linear")(np.linspace(0, 1, N))


def transform(x, y, args, eps=1e-8):
    """The paper's pipeline for one template ``x`` (1-D) and its time axis ``y``: pad, dilate,
    scale, translate, correlated noise in the padding, white noise, shear, resample.

    Draws from numpy's global stream, in the authors' order: pad ``rand()``, scale
    ``rand()``, shift ``choice(max_translation)``, ``randn(L)`` twice, shear ``rand()``
    (``L = template_len + padding[1]``).

    Returns
    -------
    (ndarray, ndarray)
        The signal and the time axis, both ``(final_seq_length,)`` float64.
    """
    config = config_from_args(args)
    x, y, eps = _signal(x), np.asarray(y), _real("eps", eps)
    if len(x) + config.padding[0] < 2:
        raise ValueError(f"a template of {len(x)} point(s) needs padding[0] >= {2 - len(x)}, got {config.padding!r}")
    if y.ndim != 1 or len(y) < 2:
        raise ValueError(f"y (the time axis) must be 1-D with at least 2 points, got shape {y.shape}")
    length = config.dilated_len
    new_x = interpolate(pad(x + eps, config.padding), length)
    new_y = interpolate(y, length)
    new_x = transforms.scale(new_x[None], np.array([np.random.rand()]), config.scale_coeff)[0]
    new_x = translate(new_x, config.max_translation)
    new_x = transforms.add_background_noise(new_x[None], np.random.randn(1, length), config.corr_noise_scale)[0]
    new_x = new_x + iid_noise_like(new_x, config.iid_noise_scale)
    new_x = shear(new_x, config.shear_scale)
    return interpolate(new_x, config.final_seq_length), interpolate(new_y, config.final_seq_length)


def _signal(x) -> np.ndarray:
    x = np.asarray(x)
    if x.ndim != 1 or len(x) < 1:
        raise ValueError(f"x must be a 1-D signal, got shape {x.shape}")
    return x


def _real(name: str, value) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    return float(value)


def _positive_integer(name: str, value) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
    return int(value)


def _pair_of_sizes(padding) -> tuple[int, int]:
    try:
        low, high = padding
    except (TypeError, ValueError):
        raise ValueError(f"padding must be a pair (low, high) of integers, got {padding!r}") from None
    for value in (low, high):
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) or value < 0:
            raise ValueError(f"padding must be a pair (low, high) of integers >= 0, got {padding!r}")
    if low > high:
        raise ValueError(f"padding must have low <= high, got {padding!r}")
    return int(low), int(high)
