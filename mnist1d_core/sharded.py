"""The sharded algorithm (``algorithm="sharded"``): MNIST-1D for any number of processes.

The paper's algorithm is sequential: one random stream, a whole-set shuffle and a
whole-set standardisation. This one keeps its transformations and parameters (and the
sizes: ``num_samples`` floored to a multiple of 10, ``int(n * train_split)`` train
examples) and changes only where randomness and statistics come from:

1. **Blocks.** Each split is cut into blocks of ``BLOCK_SIZE`` = 1000 examples (the last
   may be shorter). Block ``b`` of a split draws all its random values, in bulk, from its
   own PCG64 stream, ``SeedSequence(seed, spawn_key=(DOMAIN, stream, b))``, with stream
   0 = train, 1 = test, 2 = fresh batches, 3 = calibration, 4 = the time-axis permutation.
   Splits use disjoint streams, so they cannot overlap.
2. **Balanced labels.** A block of ``n`` examples holds the labels ``arange(n) % 10``,
   shuffled by its stream.
3. **Standardisation by constants.** The mean and standard deviation are not the
   data's: they are those of a calibration sample (``CALIBRATION_BLOCKS`` blocks of
   stream 3, before standardisation), fixed for a config whatever is generated.

So every example is a pure function of (config, split, index): any block can be made
alone, and the output is identical for any number of processes, shards or workers.
The streams are numpy's ``Generator`` methods: numpy does not promise them bit-stable
across its versions, so record the numpy version with data you publish.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator

import numpy as np

from . import transforms
from .config import NUM_CLASSES, MNIST1DConfig
from .templates import templates

BLOCK_SIZE = 1000
CALIBRATION_BLOCKS = 10
DOMAIN = 0x4D4E3144  # "MN1D": keeps these streams apart from any other use of the seed
STREAMS = {"train": 0, "test": 1, "fresh": 2, "calibration": 3, "time_permutation": 4}


def num_blocks(config: MNIST1DConfig, split: str) -> int:
    return -(-config.split_size(split) // BLOCK_SIZE)


def generate_block(config: MNIST1DConfig, split: str, block: int) -> tuple[np.ndarray, np.ndarray]:
    """Block ``block`` of ``split``: standardised (n, L) float64 signals and (n,) int64 labels."""
    blocks = num_blocks(config, split)
    if not 0 <= block < blocks:
        raise ValueError(f"block must be in 0..{blocks - 1} for {split}, got {block!r}")
    size = min(BLOCK_SIZE, config.split_size(split) - block * BLOCK_SIZE)
    x, y = _raw_block(config, STREAMS[split], block, size)
    mean, std = standardisation(config)
    x -= mean
    x /= std
    return x, y


def iter_blocks(
    config: MNIST1DConfig, split: str, blocks: range | None = None
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Blocks of ``split`` in order (all of them, or the ``blocks`` range of indices)."""
    for block in blocks if blocks is not None else range(num_blocks(config, split)):
        yield generate_block(config, split, block)


def fresh_batches(
    config: MNIST1DConfig, batch_size: int, *, dtype: type = np.float32
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """An endless iterator of new examples for online training, never in train or test.

    Yields ``(x, y)`` with ``x`` of shape (batch_size, L); the same config gives the same
    sequence of batches.
    """
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    mean, std = standardisation(config)
    pending_x, pending_y, block = [], [], 0
    while True:
        while sum(map(len, pending_y)) < batch_size:
            x, y = _raw_block(config, STREAMS["fresh"], block, BLOCK_SIZE)
            pending_x.append(((x - mean) / std).astype(dtype))
            pending_y.append(y)
            block += 1
        x, y = np.concatenate(pending_x), np.concatenate(pending_y)
        yield x[:batch_size], y[:batch_size]
        pending_x, pending_y = [x[batch_size:]], [y[batch_size:]]


@functools.lru_cache(maxsize=32)
def standardisation(config: MNIST1DConfig) -> tuple[float, float]:
    """The (mean, std) every example of ``config`` is standardised with."""
    calibration = np.concatenate(
        [_raw_block(config, STREAMS["calibration"], block, BLOCK_SIZE)[0] for block in range(CALIBRATION_BLOCKS)]
    )
    return float(calibration.mean()), float(calibration.std())


def time_axis(config: MNIST1DConfig) -> np.ndarray:
    """The ``t`` returned with the data: the paper's, divided by the standardisation's std."""
    return transforms.time_axis(templates().t, config) / standardisation(config)[1]


def _stream(config: MNIST1DConfig, stream: int, block: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(config.seed, spawn_key=(DOMAIN, stream, block)))


@functools.lru_cache(maxsize=32)
def _time_permutation(config: MNIST1DConfig) -> np.ndarray:
    return _stream(config, STREAMS["time_permutation"], 0).permutation(config.final_seq_length)


def _raw_block(config: MNIST1DConfig, stream: int, block: int, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Transformed, not yet standardised signals of one block, and their labels."""
    rng = _stream(config, stream, block)
    labels = rng.permutation(np.arange(size) % NUM_CLASSES)
    low, high = config.padding
    draws = transforms.Draws(
        pads=rng.integers(low, high + 1, size),
        scale_u=rng.random(size),
        shifts=rng.integers(0, config.max_translation, size),
        normals=rng.standard_normal((size, 2 * config.dilated_len)),
        shear_u=rng.random(size),
    )
    x = transforms.transform_batch(labels, draws, config)
    if config.shuffle_seq:
        x = x[:, _time_permutation(config)]
    return x, labels
