"""TFDS's own checks of the mnist1d builder, on both presets (4,000 / 1,000 examples)."""

import os

import tensorflow_datasets as tfds

from mnist1d_builders.tfds.mnist1d import mnist1d_dataset_builder


class Mnist1dTest(tfds.testing.DatasetBuilderTestCase):
    DATASET_CLASS = mnist1d_dataset_builder.Builder
    SPLITS = {"train": 4000, "test": 1000}
    # The data is generated, nothing is downloaded: no dummy_data/ to read. The test
    # case still wants a folder to hand its mocked download manager; this one will do.
    EXAMPLE_DIR = os.path.dirname(__file__)


if __name__ == "__main__":
    tfds.testing.test_main()
