"""mnist1d_core.compat.make_dataset is a drop-in for the authors' make_dataset."""

import argparse

import numpy as np
import pytest

from mnist1d_core.compat import config_from_args, get_dataset_args, make_dataset

upstream = pytest.importorskip("mnist1d.data", reason="the authors' package is the test oracle")


def test_same_keys_dtypes_and_values_as_upstream_for_the_papers_args():
    ours, theirs = make_dataset(upstream.get_dataset_args()), upstream.make_dataset(upstream.get_dataset_args())
    assert ours.keys() == theirs.keys() and ours["templates"].keys() == theirs["templates"].keys()
    for key in ("x", "x_test", "y", "y_test", "t"):
        assert ours[key].dtype == theirs[key].dtype and ours[key].shape == theirs[key].shape
        np.testing.assert_allclose(ours[key], theirs[key], rtol=0, atol=1e-12)


def test_args_as_dict_objectview_namespace_or_none():
    params = upstream.get_dataset_args(as_dict=True) | {"num_samples": 60, "seed": 3}
    expected = make_dataset(params)["x"]
    assert np.array_equal(make_dataset(argparse.Namespace(**params))["x"], expected)
    assert np.array_equal(make_dataset(upstream.ObjectView(dict(params)))["x"], expected)
    assert config_from_args(None) == config_from_args(get_dataset_args())
    theirs = upstream.get_dataset_args(as_dict=True)
    ours = get_dataset_args(as_dict=True)
    assert ours.pop("algorithm") == "paper"  # ours has one parameter more, with the paper's value
    assert ours == {k: v for k, v in theirs.items() if k != "url"}


def test_missing_parameters_take_the_papers_defaults():
    assert config_from_args({"seed": 5}).num_samples == 5000


def test_bad_args_are_refused_before_any_work():
    with pytest.raises(TypeError, match=r"unknown MNIST-1D parameter\(s\) in args: sead"):
        make_dataset({"sead": 1})
    with pytest.raises(ValueError, match=r"padding must have low <= high, got \(60, 36\)"):
        make_dataset({"padding": [60, 36]})  # upstream: a negative-size array deep in numpy
    with pytest.raises(ValueError, match=r"max_translation must be in 1\.\.2147483647, got 0"):
        make_dataset(argparse.Namespace(max_translation=0))
    with pytest.raises(TypeError, match="args must be a dict or an object with attributes"):
        make_dataset(42)


def test_the_sharded_algorithm_through_compat():
    from mnist1d_core import MNIST1DConfig, generate

    ours = make_dataset({"algorithm": "sharded", "num_samples": 100, "seed": 2})
    core = generate(MNIST1DConfig(algorithm="sharded", num_samples=100, seed=2))
    assert np.array_equal(ours["x"], core.train.x) and np.array_equal(ours["y_test"], core.test.y)
    np.testing.assert_array_equal(ours["t"], core.t)
