"""The splits of a verified dataset folder, as its framework's own loader returns them.

For ``mnist1d benchmark --from DIR``: the data a user would train on, stored as float32,
read back with ``datasets``, TFDS or pyarrow after :func:`mnist1d_builders.verify.verify_directory`
has found the folder intact (so the loader returns exactly the recorded content).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from mnist1d_core import SPLITS, MNIST1DConfig

from .integrity import IntegrityError

Splits = dict[str, tuple[np.ndarray, np.ndarray]]


def read_splits(directory: Path, config: str | None = None) -> tuple[MNIST1DConfig, Splits]:
    """The parameters recorded in ``directory`` and its splits: ``x`` (n, L) float32 as
    stored, ``y`` (n,) int64. ``config`` picks one config of an export (default: the only
    one, or ``canonical``); it is refused for a build, which holds one."""
    directory = Path(directory)
    if (directory / "README.md").is_file() and any(directory.glob("*/*.parquet")):
        return _export(directory, config)
    if config is not None:
        raise ValueError(f"config={config!r}: a build holds one config; name one only for an export")
    if any(directory.glob("mnist1d-*.tfrecord*")) or any(directory.glob("mnist1d-*.array_record*")):
        return _tfds(directory)
    return _datasets(directory)


def _datasets(directory: Path) -> tuple[MNIST1DConfig, Splits]:
    import datasets

    from .hf.record import read_fingerprints, read_parameters

    splits = {}
    for row in read_fingerprints(directory):
        parts = [datasets.Dataset.from_file(str(directory / shard)) for shard in row.shards]
        table = datasets.concatenate_datasets(parts).with_format("numpy")[:]
        splits[row.split] = table["x"], table["y"]
    return read_parameters(directory), splits


def _tfds(directory: Path) -> tuple[MNIST1DConfig, Splits]:
    import tensorflow_datasets as tfds

    from .tfds.verify import read_metadata

    builder = tfds.builder_from_directory(directory)
    if builder.info.file_format == tfds.core.FileFormat.ARRAY_RECORD:

        def load(split: str) -> tuple[np.ndarray, np.ndarray]:
            source = builder.as_data_source(split)
            examples = source.__getitems__(range(len(source)))
            return np.stack([e["x"] for e in examples]), np.array([e["y"] for e in examples])
    else:

        def load(split: str) -> tuple[np.ndarray, np.ndarray]:
            whole = tfds.as_numpy(builder.as_dataset(split=split, batch_size=-1))
            return whole["x"], whole["y"]

    params, _ = read_metadata(directory / "metadata.json")
    return params, {split: load(split) for split in SPLITS}


def _export(directory: Path, config: str | None) -> tuple[MNIST1DConfig, Splits]:
    import pyarrow.parquet as pq

    from .hub.parquet import read_identity

    names = sorted(p.name for p in directory.iterdir() if p.is_dir() and any(p.glob("*.parquet")))
    if config is None:  # the only config, else canonical, else the caller must choose
        if len(names) != 1 and "canonical" not in names:
            raise ValueError(f"{directory} exports {len(names)} configs, {', '.join(names)}: choose one with --config")
        config = names[0] if len(names) == 1 else "canonical"
    if config not in names:
        raise ValueError(f"config={config!r}: {directory} exports {', '.join(names)}; choose one with --config")
    splits, params = {}, None
    for split in SPLITS:
        shards = sorted((directory / config).glob(f"{split}-*.parquet"))
        if not shards:
            raise IntegrityError(f"{directory / config}: no {split} shards")
        params = read_identity(shards[0])[0]
        table = pq.read_table(shards)
        x = table.column("x").combine_chunks()
        splits[split] = (
            x.flatten().to_numpy().reshape(len(x), x.type.list_size),
            table.column("y").to_numpy().astype(np.int64),
        )
    return params, splits
