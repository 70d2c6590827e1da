"""Check a prepared TFDS ``mnist1d`` folder against its ``MANIFEST.json``.

The checks every format shares (exactly the recorded files, each with its SHA-256; no symlink
or special file; row counts, fingerprints, the registry; blame) are
:func:`mnist1d_builders.record.manifest.verify_build`'s. Here is what only TFDS knows:

- identity: ``dataset_info.json`` (read by TFDS, after the bounded checks of its size and
  depth) names ``mnist1d``, the manifest's config and release, the folder's place
  ``<data_dir>/mnist1d/<config>/<version>``, a format mnist1d is written in, the config's
  features and split sizes, and the shards the manifest records;
- content: each split re-read through TFDS's loader: tf.data over TFRecord, a data source
  over ArrayRecord.

A folder that ``tfds convert_format`` extended holds a second format's shards and a
``dataset_info.json`` that names it: that file must be the recorded one but for its
``alternativeFileFormats``, and both formats' shards must hold the recorded content.
A folder that TFDS built itself (``tfds.load``, ``tfds build``) has no record: it is named as
such (:class:`~mnist1d_builders.record.unrecorded.UnrecordedBuild`), never called damaged or intact.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import tensorflow_datasets as tfds

from mnist1d_core import SPLITS, Fingerprinter
from mnist1d_core.config import NUM_CLASSES

from ..record.manifest import (
    MANIFEST_FILE,
    IntegrityError,
    Manifest,
    check_content,
    check_files,
    check_t,
    read_json,
    read_manifest,
    reason,
    verify_build,
)
from ..record.unrecorded import UnrecordedBuild, check_recorded  # noqa: F401  (UnrecordedBuild: named here too)
from .mnist1d.mnist1d_dataset_builder import FILE_FORMATS, read_batches

_INFO, _FEATURES, _METADATA = "dataset_info.json", "features.json", "metadata.json"
_BATCH_SIZE = 65536


def verify_directory(path: str | Path) -> list[str]:
    """Check a prepared ``mnist1d`` TFDS folder (the one that holds the shards), as the
    module says. Returns one line per thing checked; raises
    :class:`~mnist1d_builders.record.manifest.IntegrityError` naming the damaged file, and
    ``OSError`` naming a file that cannot be read."""
    folder = Path(path)
    check_recorded(folder, "tfds")
    for attempt in (1, 2):
        identity = _identity(folder)
        try:
            alternatives = _alternative_formats(folder)
            if not alternatives:
                return verify_build(folder, TfdsReader())
            return _verify_converted(folder, TfdsReader(), alternatives)
        except IntegrityError:
            # `build --force` put a new build in the folder's place while it was read (its
            # shards' bytes differ from the old one's): read the new one, once.
            if attempt == 2 or _identity(folder) == identity:
                raise
    raise AssertionError("unreachable")


def _identity(folder: Path) -> tuple[int, int] | None:
    """Which folder is at ``folder`` now (device and inode): an exchange puts another there."""
    with contextlib.suppress(OSError):
        found = os.stat(folder)
        return found.st_dev, found.st_ino
    return None


@dataclasses.dataclass
class TfdsReader:
    """The TFDS part of verification (:class:`mnist1d_builders.record.manifest.Reader`)."""

    layout: str = "tfds"
    ignore: dict[str, str] = dataclasses.field(default_factory=dict)
    builder: tfds.core.DatasetBuilder | None = None

    def identity(self, folder: Path, manifest: Manifest) -> str:
        info = self._open(folder).info
        params = manifest.params
        # Three records of the config's name: the one that disagrees with the other two is at fault.
        claims = {
            folder / MANIFEST_FILE: ("its parameters are those of", manifest.config),
            folder / _INFO: ("names the config", info.config_name),
            folder: ("is the folder of config", folder.parent.name),
        }
        names = [name for _, name in claims.values()]
        if len(set(names)) > 1:
            odd = [path for path, (_, name) in claims.items() if names.count(name) == 1]
            raise IntegrityError(
                "; ".join(f"{path}: {says} {name!r}" for path, (says, name) in claims.items() if path in odd)
                + (
                    f", unlike the other two of {MANIFEST_FILE}, {_INFO} and the folder's place"
                    if len(odd) == 1
                    else ": they must agree"
                )
            )
        place = f"{folder.parent.parent.name}/{folder.parent.name}/{folder.name}"
        if (
            place != f"mnist1d/{info.config_name}/{info.version}"
            or info.name != "mnist1d"
            or (str(info.version) != manifest.release)
        ):
            raise IntegrityError(
                f"{folder / _INFO}: records {info.name}/{info.config_name}/{info.version}, but TFDS finds this "
                f"folder as {place} (<data_dir>/<dataset>/<config>/<version>), of release {manifest.release}"
            )
        if info.file_format not in FILE_FORMATS:
            raise IntegrityError(f"{folder / _INFO}: records the file format {info.file_format.value!r}")
        x, y = info.features["x"], info.features["y"]
        if x.shape != (params.final_seq_length,) or x.np_dtype != np.float32 or y.num_classes != NUM_CLASSES:
            raise IntegrityError(f"{folder / _FEATURES}: its features are not those of {params.name!r}")
        for split in SPLITS:
            recorded = manifest.splits[split]
            if split not in info.splits or info.splits[split].num_examples != params.split_size(split):
                raise IntegrityError(
                    f"{folder / _INFO}: split {split} does not have the {params.split_size(split)} "
                    f"examples of {params.name!r}"
                )
            if tuple(info.splits[split].filenames) != recorded.shards:
                raise IntegrityError(
                    f"{folder / _INFO}: TFDS reads {split} from {info.splits[split].filenames}, but "
                    f"{MANIFEST_FILE} records {list(recorded.shards)}"
                )
        return f"{_INFO}: mnist1d/{manifest.config}/{manifest.release} as {info.file_format.value}, as recorded"

    def content(self, folder: Path, manifest: Manifest, split: str, file_format=None) -> Fingerprinter:
        builder = self._open(folder)
        file_format = tfds.core.FileFormat(file_format or builder.info.file_format)
        content = Fingerprinter()
        shards = ", ".join(str(folder / name) for name in _shards(builder, split, file_format))
        with _reading(shards, "shards TFDS cannot read as dataset_info.json describes them"):
            for x, y in _batches(builder, split, file_format):
                content.update(x, y)
        return content

    def _open(self, folder: Path) -> tfds.core.DatasetBuilder:
        """The folder as TFDS's loaders see it, once its records passed bounded reads."""
        if self.builder is None:
            for name in (_INFO, _FEATURES, _METADATA):
                read_json(folder / name)  # size, depth, no FIFO: before TFDS parses them
            with _reading(str(folder / _INFO), "TFDS cannot open the build it describes"):
                self.builder = tfds.builder_from_directory(folder)
                self.builder.info.file_format  # noqa: B018 (raises for a format TFDS does not know)
        return self.builder


def _batches(builder, split: str, file_format: tfds.core.FileFormat) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    if file_format == tfds.core.FileFormat.ARRAY_RECORD:  # through a data source: no TensorFlow needed
        for batch in read_batches(builder.as_data_source(split, file_format=file_format), _BATCH_SIZE):
            yield batch["x"], batch["y"]
        return
    read_config = tfds.ReadConfig(file_format=file_format)
    for batch in tfds.as_numpy(builder.as_dataset(split=split, batch_size=_BATCH_SIZE, read_config=read_config)):
        yield batch["x"], batch["y"]


def _shards(builder, split: str, file_format: tfds.core.FileFormat) -> list[str]:
    primary = builder.info.file_format.value
    return [name.replace(f".{primary}-", f".{file_format.value}-") for name in builder.info.splits[split].filenames]


def _alternative_formats(folder: Path) -> list[str]:
    """The formats ``tfds convert_format`` added, as ``dataset_info.json`` names them; none if
    it names none, or cannot be read (the shared checks then name it)."""
    with contextlib.suppress(IntegrityError, OSError):
        alternatives = read_json(folder / _INFO).get("alternativeFileFormats", [])
        if isinstance(alternatives, list) and all(isinstance(a, str) for a in alternatives):
            return alternatives
    return []


def _verify_converted(folder: Path, reader: TfdsReader, alternatives: list[str]) -> list[str]:
    """Verify a folder that ``tfds convert_format`` extended (see the module)."""
    manifest = read_manifest(folder, reader.layout)
    info = read_json(folder / _INFO)
    original = {key: value for key, value in info.items() if key != "alternativeFileFormats"}
    # TFDS writes dataset_info.json as sorted JSON indented by 2: without the added key, the
    # recorded file again.
    if hashlib.sha256(json.dumps(original, indent=2, sort_keys=True).encode()).hexdigest() != manifest.files.get(
        _INFO
    ):
        raise IntegrityError(f"{folder / _INFO}: not the recorded file with other file formats added; damaged")
    if any(f not in {f.value for f in FILE_FORMATS} for f in alternatives):
        raise IntegrityError(f"{folder / _INFO}: names a file format mnist1d is not written in: {alternatives}")
    builder = reader._open(folder)
    added = {
        name: f"{file_format} shards added by tfds convert_format: checked by their content"
        for file_format in alternatives
        for split in SPLITS
        for name in _shards(builder, split, tfds.core.FileFormat(file_format))
    }
    added[_INFO] = f"rewritten by tfds convert_format: the recorded file plus {alternatives}"
    recorded = dataclasses.replace(manifest, files={k: v for k, v in manifest.files.items() if k != _INFO})
    differ, _ = check_files(folder, recorded, added)
    if differ:
        raise IntegrityError(
            f"{folder / differ[0]}: its SHA-256 differs from the one {MANIFEST_FILE} records; damaged"
        )
    lines = [f"{MANIFEST_FILE}: {len(recorded.files)} files re-hashed and intact; {_INFO}: {added[_INFO]}"]
    lines.append(reader.identity(folder, manifest))
    lines.append(check_t(folder, manifest))
    for file_format in [builder.info.file_format.value, *alternatives]:
        read_as = dataclasses.replace(
            manifest,
            splits={
                split: dataclasses.replace(
                    record, shards=tuple(_shards(builder, split, tfds.core.FileFormat(file_format)))
                )
                for split, record in manifest.splits.items()
            },
        )
        for split in SPLITS:
            content = reader.content(folder, manifest, split, file_format)
            lines.append(check_content(folder, read_as, split, content))
    return lines


@contextlib.contextmanager
def _reading(named: str, what: str) -> Iterator[None]:
    """Any failure to read what the block reads is damage of ``named``: one line naming it."""
    try:
        yield
    except (MemoryError, OSError, IntegrityError):
        raise
    except Exception as error:  # TFDS, protobuf, TensorFlow and JSON each raise their own
        raise IntegrityError(f"{named}: {what} ({type(error).__name__}: {reason(error)})") from None
