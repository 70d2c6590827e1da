"""TFDS's DatasetBuilderTestCase, shipped in the dataset folder (TFDS's layout), run by pytest here."""

import pytest

pytest.importorskip("tensorflow_datasets")

from mnist1d_builders.tfds.mnist1d.mnist1d_dataset_builder_test import Mnist1dTest  # noqa: E402,F401
