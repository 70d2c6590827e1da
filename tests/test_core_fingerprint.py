"""The content fingerprint is the documented byte layout, however the split is fed."""

import hashlib

import numpy as np
import pytest

from mnist1d_core import Fingerprinter, FingerprintMismatch, check_fingerprint, fingerprint
from mnist1d_core.fingerprint import registry


def test_fingerprint_is_sha256_of_float32_rows_then_int64_labels():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(7, 5)), rng.integers(0, 10, size=7)
    expected = hashlib.sha256(x.astype("<f4").tobytes() + y.astype("<i8").tobytes()).hexdigest()
    assert fingerprint(x, y) == expected
    assert fingerprint(x.astype(np.float32), y.astype(np.int8)) == expected  # dtype-independent


def test_streamed_batches_give_the_same_fingerprint_and_order_matters():
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(100, 40)), rng.integers(0, 10, size=100)
    streamed = Fingerprinter()
    for start in range(0, 100, 33):
        streamed.update(x[start : start + 33], y[start : start + 33])
    assert streamed.hexdigest() == fingerprint(x, y) and streamed.num_examples == 100
    assert fingerprint(x[::-1], y[::-1]) != fingerprint(x, y)


def test_a_one_ulp_change_in_float32_changes_the_fingerprint():
    x = np.zeros((2, 3), np.float32)
    y = np.zeros(2, np.int64)
    bumped = x.copy()
    bumped[1, 2] = np.nextafter(np.float32(0), np.float32(1))
    assert fingerprint(x, y) != fingerprint(bumped, y)


def test_shape_errors():
    with pytest.raises(ValueError, match="expected x of shape"):
        fingerprint(np.zeros(3), np.zeros(3))
    f = Fingerprinter()
    f.update(np.zeros((2, 4)), np.zeros(2))
    with pytest.raises(ValueError, match="rows of length 5 after rows of length 4"):
        f.update(np.zeros((2, 5)), np.zeros(2))


def test_registry_checks():
    entry = registry()["canonical", "train"]
    assert check_fingerprint("canonical", "train", entry.sha256) is True
    assert check_fingerprint("custom-seed_7", "train", "0" * 64) is False
    with pytest.raises(FingerprintMismatch, match=r"canonical/train: content fingerprint 0{64} differs"):
        check_fingerprint("canonical", "train", "0" * 64)
