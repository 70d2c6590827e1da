"""The generator reproduces the authors' frozen paper data (golden values in golden.py)."""

import hashlib

import golden
import numpy as np
import pytest

from mnist1d_core import PRESETS, check_fingerprint, fingerprint, generate
from mnist1d_core.fingerprint import registry


@pytest.fixture(scope="module")
def canonical():
    return generate(PRESETS["canonical"])


def sha256(array, dtype):
    return hashlib.sha256(np.ascontiguousarray(array, dtype=dtype).tobytes()).hexdigest()


def test_x_as_float32_is_byte_identical_to_the_frozen_data(canonical):
    assert sha256(canonical.train.x, "<f4") == golden.TRAIN_X_FLOAT32_SHA256
    assert sha256(canonical.test.x, "<f4") == golden.TEST_X_FLOAT32_SHA256


def test_content_fingerprints_equal_the_frozen_data(canonical):
    assert fingerprint(canonical.train.x, canonical.train.y) == golden.TRAIN_FINGERPRINT
    assert fingerprint(canonical.test.x, canonical.test.y) == golden.TEST_FINGERPRINT


def test_float64_rows_within_1e12(canonical):
    np.testing.assert_allclose(canonical.train.x[0], golden.TRAIN_X_FIRST_ROW, rtol=0, atol=1e-12)
    np.testing.assert_allclose(canonical.test.x[-1], golden.TEST_X_LAST_ROW, rtol=0, atol=1e-12)


def test_labels_sizes_and_dtypes(canonical):
    assert canonical.train.x.shape == (golden.TRAIN_SIZE, golden.SEQ_LENGTH)
    assert canonical.test.x.shape == (golden.TEST_SIZE, golden.SEQ_LENGTH)
    assert canonical.train.x.dtype == np.float64 and canonical.train.y.dtype == np.int64
    assert np.bincount(canonical.train.y).tolist() == golden.TRAIN_CLASS_COUNTS
    assert np.bincount(canonical.test.y).tolist() == golden.TEST_CLASS_COUNTS
    assert canonical.train.y[:20].tolist() == golden.TRAIN_LABELS_HEAD
    assert canonical.test.y[:20].tolist() == golden.TEST_LABELS_HEAD


def test_time_axis_and_templates(canonical):
    np.testing.assert_allclose(canonical.t, golden.T, rtol=0, atol=1e-12)
    assert sha256(canonical.templates.x, "<f8") == golden.TEMPLATES_X_SHA256
    assert sha256(canonical.templates.t, "<f8") == golden.TEMPLATES_T_SHA256
    assert canonical.templates.y.tolist() == list(range(10))


def test_registry_holds_the_frozen_fingerprints_and_the_generator_reproduces_every_preset():
    assert registry()["canonical", "train"].sha256 == golden.TRAIN_FINGERPRINT
    assert registry()["canonical", "test"].sha256 == golden.TEST_FINGERPRINT
    for name, config in PRESETS.items():
        data = generate(config)
        for split in ("train", "test"):
            part = data.split(split)
            entry = registry()[name, split]
            assert (entry.num_examples, entry.seq_length) == part.x.shape
            assert check_fingerprint(name, split, fingerprint(part.x, part.y)) is True
