"""TensorFlow Datasets builder for MNIST-1D. Importing this module registers ``mnist1d``::

    import tensorflow_datasets as tfds
    import mnist1d_builders.tfds

    ds = tfds.load("mnist1d", split="train")                             # canonical, the paper's data
    ds = tfds.load("mnist1d/shuffled", split="test", as_supervised=True)
    config = mnist1d_builders.tfds.MNIST1DBuilderConfig(num_samples=50_000, seed=7)
    ds = tfds.load("mnist1d", builder_kwargs={"config": config}, split="train")

    # ArrayRecord: random access (len, ds[i]) without TensorFlow, for JAX and PyTorch
    source = tfds.data_source("mnist1d", builder_kwargs={"file_format": "array_record"})

:func:`prepare` (``mnist1d build --framework tfds``) builds a folder with its record,
``MANIFEST.json``, that ``mnist1d verify`` checks. The dataset folder, in TFDS's layout
(builder, README.md, CITATIONS.bib, TAGS.txt and the DatasetBuilderTestCase), is ``mnist1d/``.

TensorFlow's C++ log lines are silenced (``TF_CPP_MIN_LOG_LEVEL=2``, ``TF_ENABLE_ONEDNN_OPTS=0``)
unless the environment sets ``TF_CPP_MIN_LOG_LEVEL`` already; so is TFDS's warning about a
missing ``mnist1d`` folder on a first build.
"""

from __future__ import annotations

import os

if "TF_CPP_MIN_LOG_LEVEL" not in os.environ:  # before TensorFlow is first imported
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "2"
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")  # its notice is printed at any level

from .mnist1d.mnist1d_dataset_builder import Builder, MNIST1DBuilderConfig  # noqa: E402
from .preparing import prepare  # noqa: E402
from .verify import verify_directory  # noqa: E402

__all__ = ["Builder", "MNIST1DBuilderConfig", "prepare", "verify_directory"]
