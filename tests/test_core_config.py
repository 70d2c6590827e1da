"""The config refuses bad parameters up front, naming the parameter and the value."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mnist1d_core import DEFAULT, PARAMETER_NAMES, PRESETS, MNIST1DConfig, get_preset

INT_PARAMS = ["num_samples", "template_len", "max_translation", "final_seq_length", "seed"]
SCALE_PARAMS = ["scale_coeff", "corr_noise_scale", "iid_noise_scale", "shear_scale"]


def test_defaults_are_the_papers():
    assert DEFAULT.to_dict() == {
        "num_samples": 5000,
        "train_split": 0.8,
        "template_len": 12,
        "padding": (36, 60),
        "scale_coeff": 0.4,
        "max_translation": 48,
        "corr_noise_scale": 0.25,
        "iid_noise_scale": 0.02,
        "shear_scale": 0.75,
        "shuffle_seq": False,
        "final_seq_length": 40,
        "seed": 42,
        "algorithm": "paper",
    }
    assert (DEFAULT.num_train, DEFAULT.num_test) == (4000, 1000)
    assert PRESETS["shuffled"] == DEFAULT.replace(shuffle_seq=True)


def test_frozen_and_keyword_only():
    with pytest.raises(AttributeError):
        DEFAULT.seed = 1
    with pytest.raises(TypeError):
        MNIST1DConfig(5000)


@pytest.mark.parametrize(
    "params, error, match",
    [
        ({"num_samples": 9}, ValueError, r"num_samples must be in 10\.\.1000000000000000, got 9"),
        ({"num_samples": 0}, ValueError, r"num_samples must be in 10\.\.1000000000000000, got 0"),
        ({"num_samples": 100.0}, TypeError, r"num_samples must be an integer, got 100\.0"),
        ({"num_samples": True}, TypeError, r"num_samples must be an integer, got True"),
        ({"seed": np.bool_(True)}, TypeError, r"seed must be an integer, got"),
        ({"seed": -1}, ValueError, r"seed must be in 0\.\.4294967295, got -1"),
        ({"seed": 2**32}, ValueError, r"seed must be in 0\.\.4294967295, got 4294967296"),
        ({"seed": "42"}, TypeError, r"seed must be an integer, got '42'"),
        ({"train_split": 0.0}, ValueError, r"train_split must be in \(0, 1\), got 0\.0"),
        ({"train_split": 1}, ValueError, r"train_split must be in \(0, 1\), got 1\.0"),
        ({"train_split": float("nan")}, ValueError, r"train_split must be finite, got nan"),
        ({"train_split": "0.8"}, TypeError, r"train_split must be a real number, got '0\.8'"),
        ({"num_samples": 10, "train_split": 0.05}, ValueError, r"leaves an empty split \(0 train, 10 test\)"),
        ({"template_len": 0}, ValueError, r"template_len must be in 1\.\.100000, got 0"),
        ({"padding": 36}, TypeError, r"padding must be a pair \(low, high\) of integers, got 36"),
        ({"padding": (1, 2, 3)}, TypeError, r"padding must be a pair"),
        ({"padding": "ab"}, TypeError, r"padding must be a pair"),
        ({"padding": (60, 36)}, ValueError, r"padding must have low <= high, got \(60, 36\)"),
        ({"padding": (-1, 36)}, ValueError, r"padding\[0\] must be in 0\.\.100000, got -1"),
        ({"padding": (0, 1.5)}, TypeError, r"padding\[1\] must be an integer, got 1\.5"),
        ({"template_len": 1, "padding": (0, 0)}, ValueError, r"template_len \+ padding\[1\] must be in 2\.\.100000"),
        ({"max_translation": 0}, ValueError, r"max_translation must be in 1\.\.2147483647, got 0"),
        ({"final_seq_length": 1}, ValueError, r"final_seq_length must be in 2\.\.100000, got 1"),
        ({"scale_coeff": -0.1}, ValueError, r"scale_coeff must be >= 0, got -0\.1"),
        ({"corr_noise_scale": math.inf}, ValueError, r"corr_noise_scale must be finite, got inf"),
        ({"shear_scale": None}, TypeError, r"shear_scale must be a real number, got None"),
        ({"shuffle_seq": 1}, TypeError, r"shuffle_seq must be a bool, got 1"),
        ({"algorithm": "fast"}, ValueError, r"algorithm must be one of 'paper', 'sharded', got 'fast'"),
        ({"algorithm": None}, ValueError, r"algorithm must be one of 'paper', 'sharded', got None"),
    ],
)
def test_bad_values_are_refused_with_their_name_and_value(params, error, match):
    with pytest.raises(error, match=match):
        MNIST1DConfig(**params)


def test_unknown_parameter_names_are_refused():
    with pytest.raises(TypeError, match="unknown MNIST-1D parameter"):
        DEFAULT.replace(sead=1)
    with pytest.raises(TypeError, match="sead"):
        MNIST1DConfig.from_dict({"sead": 1})


def test_numpy_scalars_and_lists_are_normalised():
    config = MNIST1DConfig(
        num_samples=np.int64(100), train_split=np.float32(0.5), padding=[3, 4], shuffle_seq=np.bool_(True)
    )
    assert type(config.num_samples) is int and type(config.train_split) is float
    assert config.padding == (3, 4) and config.shuffle_seq is True
    assert hash(config) == hash(MNIST1DConfig(num_samples=100, train_split=0.5, padding=(3, 4), shuffle_seq=True))


def test_get_preset():
    assert get_preset("canonical") is DEFAULT
    with pytest.raises(ValueError, match=r"unknown preset 'paper'; choose one of: canonical, shuffled"):
        get_preset("paper")


def test_names():
    assert DEFAULT.name == "canonical" and PRESETS["shuffled"].name == "shuffled"
    assert DEFAULT.replace(seed=7, num_samples=50_000).name == "custom-num_samples_50000-seed_7"
    assert DEFAULT.replace(padding=(10, 20), shuffle_seq=True).name == "custom-padding_10_20-shuffle_seq_true"
    assert DEFAULT.replace(algorithm="sharded", train_split=0.5).name == "custom-train_split_0.5-algorithm_sharded"


# --- properties of the validation -----------------------------------------------------

configs = st.builds(
    lambda n, split, seed, low, extra, shift, length, shuffle: MNIST1DConfig(
        num_samples=n,
        train_split=split,
        seed=seed,
        padding=(low, low + extra),
        max_translation=shift,
        final_seq_length=length,
        shuffle_seq=shuffle,
    ),
    st.integers(100, 10**6),
    st.floats(0.05, 0.95),
    st.integers(0, 2**32 - 1),
    st.integers(0, 100),
    st.integers(0, 100),
    st.integers(1, 500),
    st.integers(2, 500),
    st.booleans(),
).flatmap(lambda c: st.sampled_from([c, c.replace(algorithm="sharded")]))


MINIMUM = {"num_samples": 10, "template_len": 1, "max_translation": 1, "final_seq_length": 2, "seed": 0}


@given(st.sampled_from(INT_PARAMS), st.integers(min_value=1))
def test_integers_below_their_minimum_are_refused(name, below):
    value = MINIMUM[name] - below
    with pytest.raises(ValueError, match=rf"^{name} must be .*, got {value}$"):
        DEFAULT.replace(**{name: value})


@given(st.integers(min_value=2**32))
def test_seeds_the_legacy_generator_cannot_take_are_refused(seed):
    with pytest.raises(ValueError, match=rf"^seed must be in 0\.\.4294967295, got {seed}$"):
        DEFAULT.replace(seed=seed)


@given(st.sampled_from(INT_PARAMS), st.booleans() | st.floats() | st.text(max_size=3) | st.none())
def test_non_integers_are_refused_where_integers_belong(name, value):
    with pytest.raises(TypeError, match=rf"^{name} must be an integer, got "):
        DEFAULT.replace(**{name: value})


@given(st.sampled_from(SCALE_PARAMS), st.floats(max_value=-1e-300) | st.sampled_from([math.inf, -math.inf, math.nan]))
def test_negative_or_non_finite_scales_are_refused(name, value):
    with pytest.raises(ValueError, match=rf"^{name} must be"):
        DEFAULT.replace(**{name: value})


@given(st.floats(allow_nan=False).filter(lambda s: not 0 < s < 1))
def test_train_split_outside_the_open_unit_interval_is_refused(value):
    with pytest.raises(ValueError, match=r"^train_split must be"):
        DEFAULT.replace(train_split=value)


@given(configs)
def test_valid_configs_round_trip_and_give_non_empty_splits(config):
    assert MNIST1DConfig.from_dict(config.to_dict()) == config
    assert config.num_train >= 1 and config.num_test >= 1
    assert config.num_train + config.num_test == config.num_samples // 10 * 10


@given(configs, configs)
def test_different_configs_have_different_names(a, b):
    assert (a.name == b.name) == (a == b)


def test_every_parameter_is_covered_by_these_tests():
    assert set(PARAMETER_NAMES) == {*INT_PARAMS, *SCALE_PARAMS, "train_split", "padding", "shuffle_seq", "algorithm"}
