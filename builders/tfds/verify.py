"""Check a prepared TFDS ``mnist1d`` folder, TFRecord or ArrayRecord, against what its build recorded.

In order; the first damage found is reported, naming the file:

1. Files. ``SHA256SUMS`` lists exactly the files in the folder (TFDS's ``dataset_info.json``,
   ``features.json``, ``metadata.json`` and ``LICENSE``, which its loaders read, and the
   shards), each with its SHA-256. TFDS writes nothing else into a prepared folder in normal
   use, so any other file (a stray shard a loader could read) is damage. A shard that
   differs from ``SHA256SUMS`` but not from the digest ``metadata.json`` records for it
   means ``SHA256SUMS`` is the damaged file.
2. Identity. ``metadata.json``'s parameters give the config name that ``dataset_info.json``
   records and the folder's place ``<data_dir>/mnist1d/<config>/<version>`` gives; its
   features and split sizes are the parameters'. So a preset (named by its parameters) is
   always checked against the registry: no edit to one file changes what is checked.
3. Content. Each split, read back through TFDS, has the content fingerprint
   ``metadata.json`` records and, for a preset, the registry's; a preset's registered
   content under another name is damage too.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import tensorflow_datasets as tfds
from tensorflow_datasets.core import constants
from tensorflow_datasets.core.file_adapters import FileFormat

from mnist1d_core import SPLITS, Fingerprinter, MNIST1DConfig
from mnist1d_core.config import NUM_CLASSES
from mnist1d_core.fingerprint import registry

from ..integrity import (
    SUMS_FILE,
    DigestMismatch,
    IntegrityError,
    _reason,
    check_files,
    checked_against_registry,
    read_sha256sums,
    sha256_file,
)
from .mnist1d.mnist1d_dataset_builder import CONFIG_KEY, FINGERPRINTS_KEY, INFO_FILES, SHARDS_KEY, read_batches

_INFO, _FEATURES, _METADATA = constants.DATASET_INFO_FILENAME, constants.FEATURES_FILENAME, constants.METADATA_FILENAME
_SHA256 = re.compile(r"[0-9a-f]{64}")
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
    """Check a prepared ``mnist1d`` TFDS folder (the one that holds the shards): its files,
    its identity and its content, as the module says.

    Returns one line per thing checked (and per file ignored); raises
    :class:`~mnist1d_builders.integrity.IntegrityError` naming the damaged file.
    """
    directory = Path(path)
    try:
        checked = check_files(directory, read_sha256sums(directory), record=directory / SUMS_FILE)
    except DigestMismatch as mismatch:
        raise _blame(mismatch) from None
    for name in (_INFO, _FEATURES, _METADATA):
        if name not in checked.digests:
            raise IntegrityError(f"{directory / name}: missing, and not listed in {SUMS_FILE}")
    params, metadata = read_metadata(directory / _METADATA)
    builder = _open(directory)
    _check_identity(directory, builder, params)

    read_shards = {name for split in builder.info.splits.values() for name in split.filenames}
    recorded_shards = set(checked.digests) - set(INFO_FILES)
    if read_shards != recorded_shards:
        raise IntegrityError(
            f"{directory / _INFO}: TFDS reads the splits from {sorted(read_shards)}, but "
            f"{SUMS_FILE} records the shards {sorted(recorded_shards)}"
        )
    if set(metadata[SHARDS_KEY]) != read_shards or set(metadata[FINGERPRINTS_KEY]) != set(SPLITS):
        raise IntegrityError(
            f"{directory / _METADATA}: records the shards {sorted(metadata[SHARDS_KEY])} and splits "
            f"{sorted(metadata[FINGERPRINTS_KEY])}, not the build's"
        )

    lines = checked.lines()
    read = _READERS[builder.info.file_format]
    for split in SPLITS:
        shards = builder.info.splits[split].filenames
        with _reading(", ".join(str(directory / name) for name in shards), "a shard TFDS cannot read as recorded"):
            content = Fingerprinter()
            for x, y in read(builder, split):
                content.update(x, y)
        _check_content(directory, params, split, content, metadata[FINGERPRINTS_KEY][split])
        lines.append(
            checked_against_registry(
                params.name,
                split,
                content,
                shards,
                _METADATA,
                damaged=", ".join(str(directory / name) for name in shards),
            )
        )
    return lines


def _check_content(directory: Path, params: MNIST1DConfig, split: str, content: Fingerprinter, recorded: str) -> None:
    """The content read back must be the recorded one. The shards are intact by two records
    of their SHA-256, so a difference is in metadata.json's fingerprint or in how
    dataset_info.json says to read them; the registry, when it knows the config, tells which.
    And a preset's registered content under another name is damage."""
    digest = content.hexdigest()
    registered = registry().get((params.name, split))
    if digest != recorded:
        if registered is not None and digest == registered.sha256:
            raise IntegrityError(
                f"{directory / _METADATA}: records the content fingerprint {recorded} for {split}, "
                f"but its shards hold the registered content of {params.name}/{split}: "
                f"{_METADATA} is damaged"
            )
        at_fault = _INFO if registered is not None and recorded == registered.sha256 else f"{_METADATA} or {_INFO}"
        raise IntegrityError(
            f"{directory / _METADATA}: records the content fingerprint {recorded} for {split}, but "
            f"its shards, intact by their SHA-256, read back through {_INFO} as {digest} "
            f"({content.num_examples} examples): {at_fault} is damaged"
        )
    registered_as = {entry.sha256: key for key, entry in registry().items()}.get(digest, (params.name, split))
    if registered_as != (params.name, split):
        raise IntegrityError(
            f"{directory / _METADATA}: the content of {split} is the registered "
            f"{'/'.join(registered_as)}, but the build says {params.name}/{split}"
        )


def _blame(mismatch: DigestMismatch) -> IntegrityError:
    """A file whose SHA-256 is not the one SHA256SUMS records: for a shard, metadata.json
    (already found intact) holds a second record, which tells which of the two is damaged."""
    path = mismatch.path
    with contextlib.suppress(OSError, ValueError, TypeError, KeyError):
        recorded = json.loads((path.parent / _METADATA).read_text(encoding="utf-8"))[SHARDS_KEY]
        if path.name in recorded:
            if recorded[path.name] == sha256_file(path):
                return IntegrityError(
                    f"{path.parent / SUMS_FILE}: the SHA-256 it records for {path.name} is neither "
                    f"that file's nor the one {_METADATA} records; {SUMS_FILE} is damaged"
                )
            return IntegrityError(
                f"{path}: its SHA-256 differs from the one {SUMS_FILE} and {_METADATA} record; the file is damaged"
            )
    return mismatch


def read_metadata(path: Path) -> tuple[MNIST1DConfig, dict]:
    """The parameters and the record of ``metadata.json``, checked strictly."""
    with _reading(str(path), "not the metadata of an MNIST-1D build"):
        metadata = json.loads(path.read_text(encoding="utf-8"))
        params = MNIST1DConfig.from_dict(metadata[CONFIG_KEY])
        for key in (FINGERPRINTS_KEY, SHARDS_KEY):
            if not all(isinstance(k, str) and _SHA256.fullmatch(str(v)) for k, v in metadata[key].items()):
                raise ValueError(f"{key} must map names to SHA-256 digests")
    return params, metadata


def _open(directory: Path) -> tfds.core.DatasetBuilder:
    """The folder as TFDS's loaders see it (``tfds.builder_from_directory``)."""
    with _reading(str(directory / _INFO), "not a dataset_info.json TFDS can read"):
        tfds.core.dataset_info.read_from_json(directory / _INFO)
    with _reading(str(directory / _FEATURES), "not a features.json TFDS can read"):
        tfds.features.FeatureConnector.from_config(str(directory))
    with _reading(str(directory / _INFO), "TFDS cannot open the build it describes"):
        builder = tfds.builder_from_directory(directory)
        builder.info.file_format  # noqa: B018 (raises for a format TFDS does not know)
    return builder


def _check_identity(directory: Path, builder: tfds.core.DatasetBuilder, params: MNIST1DConfig) -> None:
    info = builder.info
    # Three records of the config's name: the one that disagrees with the other two is at fault.
    claims = {
        directory / _METADATA: ("its parameters are those of", params.name),
        directory / _INFO: ("names the config", info.config_name),
        directory: ("is the folder of config", directory.parent.name),
    }
    names = [name for _, name in claims.values()]
    if len(set(names)) > 1:
        odd = [path for path, (_, name) in claims.items() if names.count(name) == 1]
        raise IntegrityError(
            "; ".join(f"{path}: {says} {name!r}" for path, (says, name) in claims.items() if path in odd)
            + (
                ", unlike the other two of metadata.json, dataset_info.json and the folder's place"
                if len(odd) == 1
                else ": they must agree"
            )
        )
    place = f"{directory.parent.parent.name}/{directory.parent.name}/{directory.name}"
    if place != f"mnist1d/{info.config_name}/{info.version}" or info.name != "mnist1d":
        raise IntegrityError(
            f"{directory / _INFO}: records {info.name}/{info.config_name}/{info.version}, but TFDS "
            f"finds this folder as {place} (<data_dir>/<dataset>/<config>/<version>)"
        )
    if info.file_format not in _READERS:
        raise IntegrityError(
            f"{directory / _INFO}: records the file format {info.file_format.value!r}, which mnist1d is not written in"
        )
    x, y = info.features["x"], info.features["y"]
    if (
        x.shape != (params.final_seq_length,)
        or x.np_dtype != np.float32
        or getattr(y, "num_classes", None) != NUM_CLASSES
    ):
        raise IntegrityError(f"{directory / _FEATURES}: its features are not those of {params.name!r}")
    for split in SPLITS:
        if split not in info.splits or info.splits[split].num_examples != params.split_size(split):
            raise IntegrityError(
                f"{directory / _INFO}: split {split} does not have the {params.split_size(split)} "
                f"examples of {params.name!r}"
            )


@contextlib.contextmanager
def _reading(named: str, what: str) -> Iterator[None]:
    """Any failure to read what the block reads is damage of ``named``: one line naming it."""
    try:
        yield
    except MemoryError:
        raise
    except Exception as error:  # TFDS, protobuf, TensorFlow and JSON each raise their own
        raise IntegrityError(f"{named}: {what} ({type(error).__name__}: {_reason(error)})") from None
