"""The paper's algorithm: MNIST-1D as the authors' ``make_dataset`` generates it.

The authors draw from numpy's legacy global stream, one example at a time, in this
order: pad ``rand()``, scale ``rand()``, shift ``choice(max_translation)``, background
noise ``randn(L)``, white noise ``randn(L)``, shear ``rand()`` (``L`` is the dilated
length). A private ``RandomState(seed)`` yields the same stream without touching the
global one. Only those draws step per example; every transformation runs on batches.

Then, over the whole set: examples are made in class order (``num_samples // 10`` per
class), shuffled by one ``permutation``, optionally the time axis by another, and
standardised with the mean and standard deviation of train and test together.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np
from numpy.typing import DTypeLike

from . import sharded, transforms
from .config import DEFAULT, MNIST1DConfig
from .resources import BATCH_BYTES, check_memory
from .templates import Templates, templates

#: Examples transformed per batch: large enough to amortise numpy's call overhead,
#: small enough that the batch's noise (batch x 2 x dilated_len floats) stays a few MB.
#: Long signals get smaller batches (see batch_size); the results do not depend on it.
BATCH_SIZE = 4096

SPLITS = ("train", "test")

Progress = Callable[[int, int], None]
"""Called as ``progress(examples_done, examples_total)`` after each batch."""


@dataclasses.dataclass(frozen=True, eq=False)
class Split:
    """``x``: (n, final_seq_length) signals, float64 unless ``generate`` was given a dtype;
    ``y``: (n,) int64 labels (custom templates: their ``y`` values)."""

    x: np.ndarray
    y: np.ndarray

    def __len__(self) -> int:
        return len(self.y)


@dataclasses.dataclass(frozen=True, eq=False)
class MNIST1D:
    """A generated dataset: its config, both splits, the time axis and the templates."""

    config: MNIST1DConfig
    train: Split
    test: Split
    t: np.ndarray
    templates: Templates

    def split(self, name: str) -> Split:
        if name not in SPLITS:
            raise ValueError(f"unknown split {name!r}; choose one of: {', '.join(SPLITS)}")
        return getattr(self, name)


def generate(
    config: MNIST1DConfig = DEFAULT,
    *,
    template: Templates | None = None,
    progress: Progress | None = None,
    dtype: DTypeLike = np.float64,
) -> MNIST1D:
    """Generate MNIST-1D for ``config``.

    With ``config.algorithm == "paper"`` (the default), exactly as the authors' code does;
    with ``"sharded"``, block by block as ``mnist1d_core.sharded`` describes.

    Parameters
    ----------
    config : MNIST1DConfig
        The parameters; ``PRESETS["canonical"]`` (the default) is the paper's dataset.
    template : Templates, optional
        Templates of your own (:meth:`Templates.custom`) instead of the paper's ten digits,
        as the authors' ``make_dataset(args, template)``: ``num_samples // classes``
        examples per class. The paper's algorithm only.
    progress : callable, optional
        Called as ``progress(done, total)`` after each batch of examples.
    dtype : {np.float64, np.float32} or their names
        The dtype of ``x`` and ``t``. The data are always computed in float64, as the
        paper's; float32 gives those values rounded (equal to ``x.astype(np.float32)``),
        with a peak memory no higher than float64's.

    Raises
    ------
    InsufficientResources
        Before any work, if the whole set would not fit in the memory available.

    Returns
    -------
    MNIST1D
        ``train.x`` (num_train, final_seq_length) and ``test.x`` of ``dtype``, standardised;
        ``train.y``, ``test.y`` (int64, 0-9; with ``template``, its ``y`` values);
        ``t`` (final_seq_length,) of ``dtype``;
        ``templates``.
    """
    if not isinstance(config, MNIST1DConfig):
        raise TypeError(f"config must be an MNIST1DConfig, got {config!r}")
    dtype = _checked_dtype(dtype)
    tpl = templates() if template is None else _checked_template(template, config)
    check_memory(config)  # InsufficientResources, before anything is allocated
    if config.algorithm == "sharded":
        return _generate_sharded(config, tpl, progress, dtype)
    num_classes = len(tpl.y)
    num_train, num_test = config.sizes(num_classes)
    n = num_train + num_test
    classes = np.repeat(np.arange(num_classes), n // num_classes)  # class order, as the authors make them
    stream = np.random.RandomState(config.seed)
    template_x = None if template is None else tpl.x  # None: the paper's, cached

    x = np.empty((n, config.final_seq_length))
    batch = batch_size(config)
    for start in range(0, n, batch):
        stop = min(n, start + batch)
        x[start:stop] = _transform_batch(classes[start:stop], stream, config, template_x)
        if progress is not None:
            progress(stop, n)

    order = stream.permutation(n)
    if config.shuffle_seq:
        x = x[np.ix_(order, stream.permutation(config.final_seq_length))]
    else:
        x = x[order]
    y = tpl.y[classes[order]]

    # The statistics are taken over the shuffled array, as the authors take them:
    # the order of a floating-point sum decides its last bits.
    mean, std = x.mean(), x.std()
    x = _standardised(x, mean, std, dtype, batch)
    return MNIST1D(
        config=config,
        train=Split(x[:num_train], y[:num_train]),
        test=Split(x[num_train:], y[num_train:]),
        t=(transforms.time_axis(tpl.t, config) / std).astype(dtype, copy=False),
        templates=tpl,
    )


def batch_size(config: MNIST1DConfig) -> int:
    """Examples per batch: BATCH_SIZE, fewer for long signals so a batch's temporaries
    (about ten arrays of ``dilated_len`` floats per example) stay within BATCH_BYTES."""
    per_example = 10 * 8 * max(config.dilated_len, config.final_seq_length)
    return max(1, min(BATCH_SIZE, BATCH_BYTES // per_example))


def _checked_dtype(dtype: DTypeLike) -> np.dtype:
    # Names, not dtypes, are compared: a dtype equals anything np.dtype accepts ("bogus" too).
    try:
        name = None if dtype is None else np.dtype(dtype).name
    except (TypeError, ValueError):  # not a dtype at all
        name = None
    if name not in ("float64", "float32"):
        raise ValueError(f"dtype must be float64 or float32, got {dtype!r}")
    return np.dtype(name)


def _standardised(x: np.ndarray, mean: float, std: float, dtype: np.dtype, rows: int) -> np.ndarray:
    """``(x - mean) / std`` in float64, in place, or into a ``dtype`` array ``rows`` rows at
    a time (the same operations on the same values, so the same result rounded; the
    temporaries stay smaller than the generation's batches)."""
    if dtype == x.dtype:
        x -= mean
        x /= std
        return x
    out = np.empty(x.shape, dtype=dtype)
    for start in range(0, len(x), rows):
        out[start : start + rows] = (x[start : start + rows] - mean) / std
    return out


def _generate_sharded(config: MNIST1DConfig, tpl: Templates, progress: Progress | None, dtype: np.dtype) -> MNIST1D:
    splits, done = {}, 0
    for split in SPLITS:
        size = config.split_size(split)
        x, y = np.empty((size, config.final_seq_length), dtype=dtype), np.empty(size, dtype=np.int64)
        start = 0
        for block_x, block_y in sharded.iter_blocks(config, split):
            x[start : start + len(block_y)], y[start : start + len(block_y)] = block_x, block_y
            start += len(block_y)
            done += len(block_y)
            if progress is not None:
                progress(done, config.num_examples)
        splits[split] = Split(x, y)
    return MNIST1D(
        config=config,
        train=splits["train"],
        test=splits["test"],
        t=sharded.time_axis(config).astype(dtype, copy=False),
        templates=tpl,
    )


def _checked_template(template: Templates, config: MNIST1DConfig) -> Templates:
    if not isinstance(template, Templates):
        raise TypeError(f"template must be a Templates (Templates.custom(x=..., t=..., y=...)), got {template!r}")
    template = Templates.custom(x=template.x, t=template.t, y=template.y)
    if config.algorithm != "paper":
        raise ValueError(f"custom templates need algorithm='paper', got algorithm={config.algorithm!r}")
    points = template.x.shape[1]
    if points + config.padding[0] < 2:  # the padded template is resampled: it needs two points
        raise ValueError(
            f"templates of {points} point(s) need padding[0] >= {2 - points}, got padding={config.padding!r}"
        )
    config.sizes(len(template.y))  # both splits must hold examples
    return template


def _transform_batch(
    classes: np.ndarray, stream: np.random.RandomState, config: MNIST1DConfig, template_x: np.ndarray | None
) -> np.ndarray:
    size = len(classes)
    pad_u, scale_u, shear_u = np.empty(size), np.empty(size), np.empty(size)
    shifts = np.empty(size, dtype=np.int64)
    normals = np.empty((size, 2 * config.dilated_len))
    # The legacy stream interleaves the draws per example, so this loop cannot be
    # batched. The two randn(L) calls are consecutive, so one randn(2L) equals them;
    # randint(n) consumes the stream exactly as the authors' choice(n).
    rand, randint, randn = stream.random_sample, stream.randint, stream.standard_normal
    for i in range(size):
        pad_u[i], scale_u[i] = rand(2)
        shifts[i] = randint(config.max_translation)
        normals[i] = randn(2 * config.dilated_len)
        shear_u[i] = rand()
    low, high = config.padding
    pads = low + (pad_u * (high - low + 1)).astype(np.int64)
    draws = transforms.Draws(pads, scale_u, shifts, normals, shear_u)
    return transforms.transform_batch(classes, draws, config, template_x)
