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

from mnist1d_core import MNIST1DConfig

from .mnist1d.mnist1d_dataset_builder import Builder, MNIST1DBuilderConfig, check_file_format
from .verify import verify_directory

__all__ = ["Builder", "MNIST1DBuilderConfig", "prepare", "verify_directory"]


def prepare(config: MNIST1DConfig, data_dir: str | Path | None = None, *, file_format: str = "tfrecord") -> Path:
    """Prepare ``config`` as TFDS ``mnist1d`` under ``data_dir`` (default: TFDS's,
    ``$TFDS_DATA_DIR`` or ``~/tensorflow_datasets``); an existing one is reused.

    ``file_format`` is ``"tfrecord"`` (read by ``tfds.load``) or ``"array_record"``
    (read by ``tfds.data_source`` with random access, and by ``tfds.load``). Returns the
    folder that holds the shards: ``<data_dir>/mnist1d/<config name>/<version>``.

    Raises ``ValueError`` before any work for another format, or when the folder already
    holds this config in the other format (TFDS keeps one format per folder).
    """
    chosen = check_file_format(file_format)
    builder = Builder(config=MNIST1DBuilderConfig(config), data_dir=data_dir)  # an existing build's format is read
    if builder.is_prepared() and builder.info.file_format != chosen:
        raise ValueError(f"file_format={file_format!r}: {builder.data_dir} already holds {config.name} as "
                         f"{builder.info.file_format.value}; TFDS keeps one file format per folder, use another data_dir")
    builder.download_and_prepare(file_format=chosen)
    return Path(builder.data_dir)
