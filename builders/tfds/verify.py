"""Check a prepared TFDS ``mnist1d`` folder against the checksums in its metadata."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import numpy as np
import tensorflow_datasets as tfds
from tensorflow_datasets.core.file_adapters import FileFormat

from mnist1d_core import Fingerprinter, MNIST1DConfig

from ..integrity import IntegrityError, checked_against_registry
from .mnist1d.mnist1d_dataset_builder import CONFIG_KEY, FINGERPRINTS_KEY, SHARDS_KEY, read_batches, sha256

_METADATA_FILE = "metadata.json"  # where tfds.core.MetadataDict saves itself
_BATCH_SIZE = 65536


def _tfrecord_batches(builder: tfds.core.DatasetBuilder, split: str) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    for batch in tfds.as_numpy(builder.as_dataset(split=split, batch_size=_BATCH_SIZE)):
        yield batch["x"], batch["y"]


def _array_record_batches(builder: tfds.core.DatasetBuilder, split: str) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    # Through TFDS's data source: no TensorFlow needed.
    for batch in read_batches(builder.as_data_source(split), _BATCH_SIZE):
        yield batch["x"], batch["y"]


#: How each format's shards are read back: (x, y) batches of a split, in stored order.
_READERS = {FileFormat.TFRECORD: _tfrecord_batches, FileFormat.ARRAY_RECORD: _array_record_batches}


def verify_directory(path: str | Path) -> list[str]:
    """Check a prepared ``mnist1d`` TFDS folder (the one that holds the shards).

    Re-hashes every shard (TFRecord or ArrayRecord) against the SHA-256 recorded in the
    metadata, re-reads each split and recomputes its content fingerprint, and, for a
    named preset, compares it with the core's registry. Returns one line per thing
    checked; raises :class:`~mnist1d_builders.integrity.IntegrityError` naming the
    damaged file.
    """
    directory = Path(path)
    metadata_file = directory / _METADATA_FILE
    if not metadata_file.is_file():
        raise IntegrityError(f"{metadata_file}: missing; is {directory} a prepared TFDS mnist1d folder?")
    builder = tfds.builder_from_directory(directory)
    metadata = builder.info.metadata
    if metadata is None or not all(key in metadata for key in (CONFIG_KEY, FINGERPRINTS_KEY, SHARDS_KEY)):
        raise IntegrityError(f"{metadata_file}: no MNIST-1D checksums recorded ({CONFIG_KEY}, {FINGERPRINTS_KEY}, {SHARDS_KEY})")

    recorded_shards = metadata[SHARDS_KEY]
    for split in builder.info.splits.values():
        for name in split.filenames:
            if name not in recorded_shards:
                raise IntegrityError(f"{directory / name}: shard of split {split.name} has no SHA-256 in {_METADATA_FILE}")
    for name, expected in sorted(recorded_shards.items()):
        shard = directory / name
        if not shard.is_file():
            raise IntegrityError(f"{shard}: listed in {_METADATA_FILE} but missing")
        if sha256(shard) != expected:
            raise IntegrityError(f"{shard}: SHA-256 differs from {_METADATA_FILE}; the file is damaged")
    lines = [f"{_METADATA_FILE}: all {len(recorded_shards)} shards re-hashed and intact"]
    lines += [f"  {digest}  {name}" for name, digest in sorted(recorded_shards.items())]

    if set(metadata[FINGERPRINTS_KEY]) != set(builder.info.splits):
        raise IntegrityError(f"{metadata_file}: fingerprints recorded for splits {sorted(metadata[FINGERPRINTS_KEY])}, "
                             f"but the dataset has {sorted(builder.info.splits)}")
    read = _READERS[builder.info.file_format]  # the shards' names, checked above, are in this format
    config_name = MNIST1DConfig.from_dict(metadata[CONFIG_KEY]).name
    for split, expected in metadata[FINGERPRINTS_KEY].items():
        shards = builder.info.splits[split].filenames
        named = ", ".join(str(directory / name) for name in shards)
        content = Fingerprinter()
        for x, y in read(builder, split):
            content.update(x, y)
        digest = content.hexdigest()
        if digest != expected:
            raise IntegrityError(f"{named}: content fingerprint {digest} of split {split} differs from "
                                 f"{expected} in {_METADATA_FILE}")
        lines.append(checked_against_registry(config_name, split, content, shards, _METADATA_FILE, damaged=named))
    return lines
