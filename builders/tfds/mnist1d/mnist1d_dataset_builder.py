"""The ``mnist1d`` TFDS dataset: a thin shell around ``mnist1d_core``.

Examples are written in the core's order (``disable_shuffling``, integer keys), as
TFRecord (the default) or ArrayRecord (``file_format="array_record"``: random access
through ``tfds.data_source``). After the shards are written, the dataset's metadata
(``metadata.json``, kept by ``tfds.builder_from_directory``) records the generator's
parameters, each split's content fingerprint and each shard's SHA-256. Once TFDS has
written its own files (``dataset_info.json``, ``features.json``, ``metadata.json``,
``LICENSE``), ``SHA256SUMS`` records the SHA-256 of every file of the build, still inside
TFDS's ``incomplete.*`` folder, so a build is never in place without it; ``mnist1d verify
DIR`` checks them all.

Every entry point (``tfds.load``, ``tfds.data_source``, ``tfds build``, ``prepare``) goes
through :meth:`Builder.download_and_prepare`, which checks the disk and memory a build needs
before any work, and lets one process at a time prepare a folder: it holds a lock beside
it (``.<version>.lock``) while TFDS writes, so a second run waits, then reuses the build,
and the ``incomplete.*`` folders it finds were left by runs that were killed: it removes them.

Only absolute imports: ``tfds build`` can also load this folder by path.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import logging
import os
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np
import tensorflow_datasets as tfds
from etils import epath
from tensorflow_datasets.core import constants
from tensorflow_datasets.core.file_adapters import FileFormat
from tensorflow_datasets.core.utils.lazy_imports_utils import tensorflow as tf  # imported on first use

from mnist1d_builders.integrity import SUMS_FILE, sha256_file, sha256sums_text
from mnist1d_core import (DATA_VERSION, DEFAULT, PRESETS, RELEASES, SPLITS, Fingerprinter, MNIST1DConfig,
                          check_fingerprint, files, fingerprint, generate, resources, sharded)
from mnist1d_core.config import NUM_CLASSES

logger = logging.getLogger(__name__)

HOMEPAGE = "https://github.com/greydanus/mnist1d"

#: Keys of the dataset's ``info.metadata``.
CONFIG_KEY = "mnist1d_config"  # the generator's parameters (MNIST1DConfig.to_dict())
FINGERPRINTS_KEY = "content_fingerprints"  # split -> mnist1d_core.fingerprint of its content
SHARDS_KEY = "shard_sha256"  # shard file name -> SHA-256 of the file

#: The files TFDS writes beside the shards, which its loaders read: SHA256SUMS covers them.
INFO_FILES = (constants.DATASET_INFO_FILENAME, constants.FEATURES_FILENAME, constants.METADATA_FILENAME,
              constants.LICENSE_FILENAME)

#: The formats mnist1d is written in: TFRecord for tf.data, ArrayRecord for random access.
FILE_FORMATS = (FileFormat.TFRECORD, FileFormat.ARRAY_RECORD)
_BATCH_SIZE = 4096  # examples per read when a split is read in order from a data source

#: Bytes an example takes in a shard beyond its float32 signal, rounded up from measures
#: (TFDS 4.9.10, 1,000 to 50,000 examples, lengths 10 to 400): TFRecord 41-46 (the
#: tf.train.Example's keys and label, TFRecord's framing); ArrayRecord 51-100 (its chunks,
#: and each shard's last 64 KiB block). TFDS's writer spills a large split to a temporary
#: file before it writes the shards, and removes that file before: the shards are the peak.
_SHARD_BYTES = {FileFormat.TFRECORD: 64, FileFormat.ARRAY_RECORD: 128}
_FIXED_BYTES = 2**20  # the metadata files, and the last block of each shard
#: Memory TFDS's writer takes per example beyond its float32 signal: it keeps a whole split
#: (serialized, as Python objects) to sort it by key before writing any shard. Measured
#: about 410 bytes per example of length 40 (TFDS 4.9.10), i.e. 250 beyond the signal.
_WRITER_BYTES = 256

_DESCRIPTIONS = {
    "canonical": "The paper's dataset: 4,000 train and 1,000 test signals of length 40.",
    "shuffled": "The paper's dataset with one fixed permutation of the time axis (its 'shuffle' row).",
}


class MNIST1DBuilderConfig(tfds.core.BuilderConfig):
    """A TFDS config for one MNIST-1D variant, named after its parameters.

    ``MNIST1DBuilderConfig(seed=7, num_samples=50_000)`` changes the canonical
    parameters; ``MNIST1DBuilderConfig(config)`` wraps an ``MNIST1DConfig``. The core
    validates every value here, before a builder exists. The name is
    ``MNIST1DConfig.name`` (``custom-num_samples_50000-seed_7``): two different
    variants never share a name, so never share prepared data.
    """

    def __init__(self, params: MNIST1DConfig = DEFAULT, /, **changes) -> None:
        if not isinstance(params, MNIST1DConfig):
            raise TypeError(f"params must be an MNIST1DConfig, got {params!r}")
        params = params.replace(**changes)
        summary = f"{params.num_train} train / {params.num_test} test signals of length {params.final_seq_length}"
        description = _DESCRIPTIONS.get(params.name, f"A variant ({summary}): {params.non_default()}.")
        super().__init__(name=params.name, description=description)
        self.params = params


class Builder(tfds.core.GeneratorBasedBuilder):
    """MNIST-1D (Greydanus & Kobak, ICML 2024), generated by ``mnist1d_core``."""

    # The project's data releases (mnist1d_core.releases), shared with the datasets builder.
    VERSION = tfds.core.Version(DATA_VERSION)
    RELEASE_NOTES = {release.version: release.changes for release in RELEASES}
    BUILDER_CONFIGS = [MNIST1DBuilderConfig(PRESETS[name]) for name in PRESETS]
    DEFAULT_BUILDER_CONFIG_NAME = "canonical"

    def __init__(self, *, config: str | tfds.core.BuilderConfig | None = None, **kwargs) -> None:
        # A config equal to a preset is that preset: TFDS refuses a second config
        # object under a registered name.
        if isinstance(config, MNIST1DBuilderConfig) and config.name in PRESETS:
            config = config.name
        super().__init__(config=config, **kwargs)

    def _info(self) -> tfds.core.DatasetInfo:
        # As dataset_info_from_configs, which reads README.md and CITATIONS.bib beside this
        # module, but with the DatasetInfo that records SHA256SUMS.
        package = self.get_metadata()
        return _RecordedInfo(
            builder=self,
            description=package.description,
            citation=package.citation,
            features=tfds.features.FeaturesDict({
                "x": tfds.features.Tensor(shape=(self.builder_config.params.final_seq_length,), dtype=np.float32),
                "y": tfds.features.ClassLabel(num_classes=NUM_CLASSES),
            }),
            supervised_keys=("x", "y"),
            disable_shuffling=True,  # keep the core's order
            homepage=HOMEPAGE,
            license="Apache-2.0",
            metadata=tfds.core.MetadataDict(),
        )

    def _generate_splits(self, dl_manager, download_config):
        # The only place that tells whether Beam options were given (`tfds build
        # --beam_pipeline_options`, or DownloadConfig(beam_options=...)).
        self._on_beam = download_config.beam_options is not None or download_config.beam_runner is not None
        return super()._generate_splits(dl_manager, download_config)

    def _split_generators(self, dl_manager: tfds.download.DownloadManager):
        del dl_manager  # generated, nothing to download
        params = self.builder_config.params
        if params.algorithm == "sharded":
            return self._sharded_split_generators(params)
        # The paper's algorithm makes the whole set at once (one random stream, a global
        # shuffle and standardisation), in this process.
        data = _generate_with_progress_bar(params)
        fingerprints, generators = {}, {}
        for split in SPLITS:
            part = data.split(split)
            x = part.x.astype(np.float32)  # the stored dtype, cast once for the whole split
            fingerprints[split] = fingerprint(x, part.y)
            # A preset that differs from the registry fails here, before any shard is written.
            check_fingerprint(params.name, split, fingerprints[split])
            generators[split] = self._generate_examples(x, part.y)
        self.info.metadata[CONFIG_KEY] = params.to_dict()
        self.info.metadata[FINGERPRINTS_KEY] = fingerprints
        return generators

    def _generate_examples(self, x: np.ndarray, y: np.ndarray):
        for key, (row, label) in enumerate(zip(x, y.tolist())):
            yield key, {"x": row, "y": label}

    def _sharded_split_generators(self, params: MNIST1DConfig):
        # Every block is a pure function of (config, split, index), so blocks are made as
        # they are written: here, or by Beam workers when Beam options are given; the keys
        # (example indices) put them in the core's order either way. The fingerprints come
        # from one pass over the same blocks here; `mnist1d verify` re-reads the shards.
        fingerprints = {}
        for split in SPLITS:
            content = Fingerprinter()
            for x, y in sharded.iter_blocks(params, split):
                content.update(x, y)
            fingerprints[split] = content.hexdigest()
        self.info.metadata[CONFIG_KEY] = params.to_dict()
        self.info.metadata[FINGERPRINTS_KEY] = fingerprints
        if getattr(self, "_on_beam", False):
            beam = tfds.core.lazy_imports.apache_beam
            return {split: beam.Create(list(range(sharded.num_blocks(params, split))))
                    | f"blocks of {split}" >> beam.FlatMap(_block_examples, params, split) for split in SPLITS}
        return {split: _split_examples(params, split) for split in SPLITS}

    def download_and_prepare(self, *, file_format: str | FileFormat | None = None,
                             download_config: tfds.download.DownloadConfig | None = None, **kwargs) -> None:
        """Prepare the data, as TFDS does, one process at a time per folder (see the module).

        Before TFDS creates any folder: the format (from here, or from the builder's keyword:
        ``tfds.data_source``, ``tfds build --file_format``) must be one mnist1d is written
        in (``ValueError``); to build in a local data dir, it must have the disk, and the
        machine the memory, the build needs (:class:`~mnist1d_core.InsufficientResources`
        naming ``num_samples``, the estimate and what is available), and a data dir that is
        a file or read-only fails at once (``OSError`` naming it). A remote one (``gs://``,
        for Beam on a cluster) is neither checked nor locked: one run at a time there is the
        caller's to ensure.
        """
        chosen = check_file_format(file_format or self.info.file_format)
        config = download_config or tfds.download.DownloadConfig()
        overwrite = tfds.download.GenerateMode(config.download_mode).overwrite_dataset
        folder, local = Path(self.data_dir), "://" not in os.fspath(self.data_dir)
        if local:
            check_no_datasets_build(folder, self.builder_config.name)
        # TFDS's is_prepared() logs "Variant folder ... has no dataset_info.json" for a folder
        # that does not exist yet, which every first build would print: look first.
        prepared = (lambda: folder.exists() and self.is_prepared()) if local else self.is_prepared
        writing = local and (overwrite or not prepared())
        if writing:
            self._check_resources(chosen, beam=config.beam_options is not None or config.beam_runner is not None)
        # A prepared folder is only read (it may be read-only, and read by many at once), unless
        # a lock beside it says a run is rebuilding it, or was killed: wait for it, or clear it.
        alone = writing or (local and lock_file(folder).exists() and os.access(folder.parent, os.W_OK))
        with self._preparing_alone(folder) if alone else contextlib.nullcontext():
            if prepared() and not overwrite:
                self._read_prepared(file_format and chosen)
            else:  # TFDS's "Downloading and preparing" line and its disk check use the size
                self.info.set_splits(declared_splits(self.builder_config.params, chosen))
            try:
                super().download_and_prepare(file_format=file_format, download_config=download_config, **kwargs)
            except RuntimeError as error:  # TFDS's writers wrap a full disk in a RuntimeError
                raise _file_system_fault(error, folder) or error


    @contextlib.contextmanager
    def _preparing_alone(self, folder: Path) -> Iterator[None]:
        """Hold the folder's lock, waiting while another process holds it; then what an
        earlier run left in TFDS's incomplete folders, it left dying: remove it."""
        folder.parent.mkdir(parents=True, exist_ok=True)
        waiting = functools.partial(logger.warning, "Waiting for another process preparing %s to finish", folder)
        with files.locked(lock_file(folder), on_wait=waiting) as exclusive:
            if exclusive:
                for left in sorted(folder.parent.glob(f"{constants.INCOMPLETE_PREFIX}*_{files.glob_escape(folder.name)}")):
                    files.remove(left)
                    logger.warning("Removed %s, left by a run that was interrupted", left)
            yield

    def _read_prepared(self, asked: FileFormat | None) -> None:
        # Perhaps another process prepared it while this one waited: read it as TFDS does when
        # it finds a build on making a builder, format included (a builder keeps the one it has).
        self.info.read_from_directory(self.data_dir)
        found = FileFormat(tfds.core.dataset_info.read_from_json(self.data_path / constants.DATASET_INFO_FILENAME)
                           .file_format or FileFormat.TFRECORD.value)
        if asked is not None and found != asked:
            raise ValueError(f"file_format={asked.value!r}: {self.data_dir} already holds {self.builder_config.name} as "
                             f"{found.value}; TFDS keeps one file format per folder, use another data_dir")
        self.info.set_file_format(found, override=True, override_if_initialized=True)

    def _check_resources(self, file_format: FileFormat, *, beam: bool) -> None:
        params = self.builder_config.params
        resources.check_disk(self.data_dir, build_bytes(params, file_format), params, f"a TFDS {file_format.value} build")
        if beam:  # the runner's workers hold the examples
            return
        needed = writer_memory_bytes(params) + (resources.memory_bytes(params) if params.algorithm == "paper" else 0)
        available = resources.available_memory()
        if available is not None and needed > available:
            raise resources.InsufficientResources(
                f"num_samples={params.num_samples}: a TFDS build needs about {resources.size(needed)} of memory "
                f"(TFDS's writer holds a whole split to sort it), but {resources.size(available)} is available; "
                "use fewer samples")

    def _download_and_prepare(self, dl_manager, download_config) -> None:
        super()._download_and_prepare(dl_manager, download_config)
        # In TFDS's incomplete folder: shards hashed as written, recorded in metadata.json
        # and, once TFDS has written that, in SHA256SUMS (_RecordedInfo).
        self.info.metadata[SHARDS_KEY] = {
            name: sha256_file(self.data_path / name)
            for split in self.info.splits.values()
            for name in split.filenames
        }

    def _as_dataset(self, split, decoders=None, read_config=None, shuffle_files=False):
        # TFDS 4.9.10 reads ArrayRecord only through data sources (its tf.data reader
        # raises NotImplementedError): here tf.data reads a data source, in order, so
        # `tfds.load` works over an ArrayRecord build too.
        if self.info.file_format != FileFormat.ARRAY_RECORD:
            return super()._as_dataset(split=split, decoders=decoders, read_config=read_config,
                                       shuffle_files=shuffle_files)
        if shuffle_files:
            raise ValueError("shuffle_files=True: mnist1d is ordered (disable_shuffling=True) and its ArrayRecord "
                             "shards are read in order; shuffle the examples instead (ds.shuffle)")
        source = self.as_data_source(split, decoders=decoders)
        specs = self.info.features.get_tensor_spec()
        batched = {key: tf.TensorSpec((None, *spec.shape), spec.dtype) for key, spec in specs.items()}
        examples = tf.data.Dataset.from_generator(functools.partial(read_batches, source),
                                                  output_signature=batched).unbatch()
        examples = examples.apply(tf.data.experimental.assert_cardinality(len(source)))
        return examples.with_options(read_config.options)  # as_dataset always passes one


def check_file_format(file_format: str | FileFormat) -> FileFormat:
    """The TFDS file format named by ``file_format``, if mnist1d is written in it;
    ``ValueError`` naming the value otherwise (for Parquet, with the reason)."""
    value = file_format.value if isinstance(file_format, FileFormat) else file_format
    if value == FileFormat.PARQUET.value:
        raise ValueError("file_format='parquet' is refused: TFDS 4.9.10 silently drops rows when it writes Parquet; "
                         "use 'tfrecord' or 'array_record'")
    if value not in [f.value for f in FILE_FORMATS]:
        raise ValueError(f"file_format must be 'tfrecord' or 'array_record', got {value!r}")
    return FileFormat(value)


def read_batches(source: Sequence[dict], batch_size: int = _BATCH_SIZE) -> Iterator[dict[str, np.ndarray]]:
    """A TFDS data source's examples in stored order, as dicts of stacked arrays
    (``x``: (batch, L) float32, ``y``: (batch,) int64), ``batch_size`` examples at a time."""
    for start in range(0, len(source), batch_size):
        examples = source.__getitems__(range(start, min(start + batch_size, len(source))))
        yield {key: np.stack([example[key] for example in examples]) for key in examples[0]}


def _split_examples(params: MNIST1DConfig, split: str):
    for block in range(sharded.num_blocks(params, split)):
        yield from _block_examples(block, params, split)


def _block_examples(block: int, params: MNIST1DConfig, split: str):
    """The (key, example) pairs of one block of the sharded algorithm; keys are indices."""
    x, y = sharded.generate_block(params, split, block)
    first = block * sharded.BLOCK_SIZE
    for offset, (row, label) in enumerate(zip(x.astype(np.float32), y.tolist())):
        yield first + offset, {"x": row, "y": label}


def _generate_with_progress_bar(params: MNIST1DConfig):
    # TFDS's bar: silent after tfds.disable_progress_bar(), like its own.
    with tfds.core.utils.tqdm(total=params.num_examples, desc=f"Generating {params.name}", unit=" examples",
                              leave=False) as bar:
        reported = 0

        def progress(done: int, total: int) -> None:
            nonlocal reported
            bar.update(done - reported)
            reported = done

        return generate(params, progress=progress)


class _RecordedInfo(tfds.core.DatasetInfo):
    """TFDS's DatasetInfo, which also records ``SHA256SUMS`` once it has written its files.

    TFDS writes them last, into its incomplete folder, just before renaming that folder into
    place: so ``SHA256SUMS`` is in the folder whenever the build is. The shards' digests are
    the ones taken as they were written (``metadata.json``), never re-taken from files that
    may have changed since (``tfds build --update_metadata_only`` comes here too).
    """

    def write_to_directory(self, dataset_info_dir, all_metadata: bool = True) -> None:
        super().write_to_directory(dataset_info_dir, all_metadata=all_metadata)
        folder = epath.Path(dataset_info_dir)  # gs:// too
        digests = dict(self.metadata[SHARDS_KEY])
        digests.update({name: sha256_file(folder / name) for name in INFO_FILES if (folder / name).exists()})
        (folder / SUMS_FILE).write_text(sha256sums_text(digests))


def lock_file(folder: Path) -> Path:
    """The lock held while ``folder`` (``<data_dir>/mnist1d/<config>/<version>``) is prepared."""
    return folder.with_name(f".{folder.name}.lock")


def build_bytes(params: MNIST1DConfig, file_format: FileFormat) -> int:
    """Disk a build of ``params`` in ``file_format`` needs (an upper estimate)."""
    return params.num_examples * (4 * params.final_seq_length + _SHARD_BYTES[file_format]) + _FIXED_BYTES


def writer_memory_bytes(params: MNIST1DConfig) -> int:
    """Memory TFDS's writer needs for a build of ``params`` (an estimate): its largest split."""
    return max(params.sizes()) * (4 * params.final_seq_length + _WRITER_BYTES)


def declared_splits(params: MNIST1DConfig, file_format: FileFormat) -> tfds.core.SplitDict:
    """The splits a build of ``params`` will have, with their estimated size in bytes."""
    per_example = 4 * params.final_seq_length + _SHARD_BYTES[file_format]
    return tfds.core.SplitDict([tfds.core.SplitInfo(name=split, shard_lengths=[params.split_size(split)],
                                                    num_bytes=params.split_size(split) * per_example)
                                for split in SPLITS])


def _file_system_fault(error: RuntimeError, folder: Path) -> OSError | None:
    """The ``OSError`` that TFDS's writers reported inside ``error``'s text, naming the build's
    folder (TFDS's incomplete folder, named in the text, is gone by now); None if none."""
    for code in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT, errno.EROFS, errno.EACCES):
        if os.strerror(code) in str(error):
            return OSError(code, os.strerror(code), str(folder))
    return None


def check_no_datasets_build(folder: Path, name: str) -> None:
    """Refuse a TFDS build folder that holds a ``datasets`` build: datasets keeps one in
    ``<cache_dir>/mnist1d/<config>/<version>/<hash>``, inside TFDS's for the same data dir, and
    a TFDS build (or ``--force``) would take its place."""
    if any(Path(folder).glob("*/FINGERPRINTS.tsv")) or any(Path(folder).glob("*/MANIFEST.json")):
        raise ValueError(f"{folder} holds a datasets build of {name}; a TFDS build there would take its "
                         "place: give TFDS a data dir of its own")
