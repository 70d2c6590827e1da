"""TensorFlow Datasets builder for MNIST-1D. Importing this module registers ``mnist1d``::

    import tensorflow_datasets as tfds
    import mnist1d_builders.tfds

    ds = tfds.load("mnist1d", split="train")                             # canonical, the paper's data
    ds = tfds.load("mnist1d/shuffled", split="test", as_supervised=True)
    config = mnist1d_builders.tfds.MNIST1DBuilderConfig(num_samples=50_000, seed=7)
    ds = tfds.load("mnist1d", builder_kwargs={"config": config}, split="train")

    # ArrayRecord: random access (len, ds[i]) without TensorFlow, for JAX and PyTorch
    source = tfds.data_source("mnist1d", builder_kwargs={"file_format": "array_record"})

The dataset folder, in TFDS's layout (builder, README.md, CITATIONS.bib, TAGS.txt and
the DatasetBuilderTestCase), is ``mnist1d/``.
"""

from __future__ import annotations

from pathlib import Path

from tensorflow_datasets.core.utils import file_utils

from mnist1d_core import DATA_VERSION, MNIST1DConfig, files

from .mnist1d.mnist1d_dataset_builder import (
    Builder,
    MNIST1DBuilderConfig,
    check_file_format,
    check_no_datasets_build,
    lock_file,
)
from .verify import verify_directory

__all__ = ["Builder", "MNIST1DBuilderConfig", "prepare", "verify_directory"]


def prepare(
    config: MNIST1DConfig, data_dir: str | Path | None = None, *, file_format: str = "tfrecord", force: bool = False
) -> Path:
    """Prepare ``config`` as TFDS ``mnist1d`` under ``data_dir`` (default: TFDS's,
    ``$TFDS_DATA_DIR`` or ``~/tensorflow_datasets``); an existing build is reused as it is
    (``mnist1d build`` verifies it afterwards); with ``force`` it is removed, then built again.

    ``file_format`` is ``"tfrecord"`` (read by ``tfds.load``) or ``"array_record"``
    (read by ``tfds.data_source`` with random access, and by ``tfds.load``). Returns the
    folder that holds the shards: ``<data_dir>/mnist1d/<config name>/<version>``.

    Raises, before any work, ``ValueError`` for another format, or when the folder already
    holds this config in the other format (TFDS keeps one format per folder), and
    :class:`~mnist1d_core.InsufficientResources` when the build does not fit on the disk or
    in memory; :class:`~mnist1d_builders.integrity.IntegrityError` naming the damaged file
    when an existing build is too damaged for TFDS to open (``force`` rebuilds it).
    """
    chosen = check_file_format(file_format)
    folder = Path(file_utils.get_data_dir_and_dataset_dir(data_dir, "mnist1d", config.name, DATA_VERSION)[1])
    check_no_datasets_build(folder, config.name)  # before --force could remove it
    if force and folder.exists():
        with files.locked(lock_file(folder)):  # as a build of the folder does: not while one writes it
            files.remove(folder)
    try:
        builder = Builder(config=MNIST1DBuilderConfig(config), data_dir=data_dir)
    except Exception:  # TFDS reads an existing build's dataset_info.json here
        if folder.is_dir():
            verify_directory(folder)  # names the damaged file
        raise
    builder.download_and_prepare(file_format=chosen)
    return Path(builder.data_dir)
