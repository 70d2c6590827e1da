"""TensorFlow Datasets builder for MNIST-1D. Importing this module registers ``mnist1d``::

    import tensorflow_datasets as tfds
    import mnist1d_builders.tfds

    ds = tfds.load("mnist1d", split="train")                             # canonical, the paper's data
    ds = tfds.load("mnist1d/shuffled", split="test", as_supervised=True)
    config = mnist1d_builders.tfds.MNIST1DBuilderConfig(num_samples=50_000, seed=7)
    ds = tfds.load("mnist1d", builder_kwargs={"config": config}, split="train")

The dataset folder, in TFDS's layout (builder, README.md, CITATIONS.bib, TAGS.txt and
the DatasetBuilderTestCase), is ``mnist1d/``.
"""

from __future__ import annotations

from pathlib import Path

from mnist1d_core import MNIST1DConfig

from .mnist1d.mnist1d_dataset_builder import Builder, MNIST1DBuilderConfig
from .verify import verify_directory

__all__ = ["Builder", "MNIST1DBuilderConfig", "prepare", "verify_directory"]


def prepare(config: MNIST1DConfig, data_dir: str | Path | None = None) -> Path:
    """Prepare ``config`` as TFDS ``mnist1d`` under ``data_dir`` (default: TFDS's,
    ``$TFDS_DATA_DIR`` or ``~/tensorflow_datasets``); an existing one is reused.

    Returns the folder that holds the shards: ``<data_dir>/mnist1d/<config name>/<version>``.
    """
    builder = Builder(config=MNIST1DBuilderConfig(config), data_dir=data_dir)
    builder.download_and_prepare()
    return Path(builder.data_dir)
