"""``generate(config, dtype=...)``: float32 is the float64 data rounded; float64 stays the default.

The peak memory of a float32 run against a float64 one is measured by benchmarks/bench_dtype.py.
"""

import re

import numpy as np
import pytest

from mnist1d_core import PRESETS, MNIST1DConfig, Templates, generate

CONFIGS = {
    "canonical": PRESETS["canonical"],
    "shuffled": PRESETS["shuffled"],
    # several batches of the paper's algorithm, and several blocks of the sharded one
    "paper, 3 batches": MNIST1DConfig(num_samples=9000, seed=3),
    "sharded": MNIST1DConfig(num_samples=2500, algorithm="sharded"),
}


@pytest.mark.parametrize("config", CONFIGS.values(), ids=CONFIGS.keys())
@pytest.mark.parametrize("dtype", [np.float32, "float32"])
def test_float32_is_the_float64_data_rounded(config, dtype):
    wide, narrow = generate(config), generate(config, dtype=dtype)
    assert wide.train.x.dtype == wide.t.dtype == np.float64  # the default
    for split in ("train", "test"):
        assert narrow.split(split).x.dtype == np.float32
        assert narrow.split(split).x.shape == wide.split(split).x.shape
        np.testing.assert_array_equal(narrow.split(split).x, wide.split(split).x.astype(np.float32))
        np.testing.assert_array_equal(narrow.split(split).y, wide.split(split).y)
    assert narrow.t.dtype == np.float32
    np.testing.assert_array_equal(narrow.t, wide.t.astype(np.float32))


def test_float64_asked_for_is_the_default():
    config = MNIST1DConfig(num_samples=300)
    assert generate(config, dtype="float64").train.x.tobytes() == generate(config).train.x.tobytes()


def test_float32_with_custom_templates():
    rng = np.random.default_rng(0)
    template = Templates.custom(x=rng.normal(size=(3, 8)), t=np.linspace(0, 1, 8), y=np.array([4, 5, 6]))
    config = MNIST1DConfig(num_samples=90)
    wide, narrow = generate(config, template=template), generate(config, template=template, dtype=np.float32)
    np.testing.assert_array_equal(narrow.test.x, wide.test.x.astype(np.float32))
    assert set(narrow.train.y.tolist()) == {4, 5, 6}


@pytest.mark.parametrize("dtype", ["float16", np.int64, "bogus", None, 3])
def test_other_dtypes_are_refused_by_name(dtype):
    with pytest.raises(ValueError, match=re.escape(f"dtype must be float64 or float32, got {dtype!r}")):
        generate(MNIST1DConfig(num_samples=50), dtype=dtype)
