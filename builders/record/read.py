"""The splits of a build, read back only once the one verifier has found it intact.

For ``mnist1d benchmark --from DIR`` and any other reader of a build: the folder is verified
first (:func:`mnist1d_builders.record.verify.verify_directory`: no symlink, exactly the recorded files,
the recorded content), then its framework's own loader reads the data a user would train on,
stored as float32.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from mnist1d_core import SPLITS, MNIST1DConfig

from .manifest import MANIFEST_FILE, IntegrityError, read_manifest
from .verify import build_kind, verify_directory

Splits = dict[str, tuple[np.ndarray, np.ndarray]]


def read_splits(directory: Path, config: str | None = None) -> tuple[MNIST1DConfig, Splits]:
    """The parameters recorded in ``directory`` and its splits: ``x`` (n, L) float32 as stored,
    ``y`` (n,) int64. ``config`` picks one config of an export (default: the one
    ``load_dataset(folder)`` loads); it is refused for a build, which holds one. Raises
    :class:`IntegrityError` naming the damaged file, before anything is read for training."""
    directory = Path(directory)
    kind = build_kind(directory) if directory.is_dir() else None
    if kind is None or kind == "legacy":
        verify_directory(directory)  # says what is wrong, or what verify accepts
        raise ValueError(f"{directory}: not a build or an export folder")
    if kind != "hub" and config is not None:
        raise ValueError(f"config={config!r}: a build holds one config; name one only for an export")
    verify_directory(directory)
    if kind == "hub":
        return _export(directory, config)
    if kind == "hub-config":  # one config folder of an export, as load_dataset(folder) reads it
        return _parquet(directory)
    if kind == "tfds":
        return _tfds(directory)
    return _datasets(directory)


def _datasets(directory: Path) -> tuple[MNIST1DConfig, Splits]:
    import datasets

    manifest = read_manifest(directory, "datasets")
    splits = {}
    for split, record in manifest.splits.items():
        parts = [datasets.Dataset.from_file(str(directory / shard)) for shard in record.shards]
        table = datasets.concatenate_datasets(parts).with_format("numpy")[:]
        splits[split] = table["x"], table["y"]
    return manifest.params, splits


def _tfds(directory: Path) -> tuple[MNIST1DConfig, Splits]:
    import tensorflow_datasets as tfds

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

    return read_manifest(directory, "tfds").params, {split: load(split) for split in SPLITS}


def _export(directory: Path, config: str | None) -> tuple[MNIST1DConfig, Splits]:
    from ..hub.card import default_config

    names = sorted(p.parent.name for p in directory.glob(f"*/{MANIFEST_FILE}"))
    if config is None:
        config = default_config(names)
        if config is None:
            raise ValueError(f"{directory} exports {len(names)} configs, {', '.join(names)}: choose one with --config")
    if config not in names:
        raise ValueError(f"config={config!r}: {directory} exports {', '.join(names)}; choose one with --config")
    return _parquet(directory / config)


def _parquet(folder: Path) -> tuple[MNIST1DConfig, Splits]:
    """The splits of one config folder of an export, read from its Parquet shards."""
    import pyarrow.parquet as pq

    manifest = read_manifest(folder, "hub")
    splits = {}
    for split, record in manifest.splits.items():
        table = pq.read_table([str(folder / shard) for shard in record.shards])
        x = table.column("x").combine_chunks()
        if len(x) != record.num_rows:
            raise IntegrityError(f"{folder}: changed while it was read")
        splits[split] = (
            x.flatten().to_numpy().reshape(len(x), x.type.list_size),
            table.column("y").to_numpy().astype(np.int64),
        )
    return manifest.params, splits
