"""mnist1d_core.compat.transform and set_seed against the authors' (mnist1d==0.0.2.post1):
after the same seed, each function returns what theirs returns and leaves numpy's global
stream where theirs leaves it (so later draws agree too)."""

import importlib
import random

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mnist1d_core.compat as compat
from mnist1d_core.compat import set_seed
from mnist1d_core.transforms import resample

theirs = importlib.import_module("mnist1d.transform")
ours = importlib.import_module("mnist1d_core.compat.transform")
upstream_utils = importlib.import_module("mnist1d.utils")
upstream_data = importlib.import_module("mnist1d.data")


def run_seeded(function, seed, *args):
    """``function(*args)`` after ``np.random.seed(seed)``, and the next draw of the stream."""
    np.random.seed(seed)
    result = function(*args)
    return result, np.random.rand()


def assert_same_draws_and_result(name, seed, *args):
    expected, next_theirs = run_seeded(getattr(theirs, name), seed, *args)
    actual, next_ours = run_seeded(getattr(ours, name), seed, *args)
    assert next_ours == next_theirs, f"{name} drew other values than the authors'"
    assert isinstance(actual, np.ndarray) and actual.dtype == expected.dtype and actual.shape == expected.shape
    np.testing.assert_array_equal(actual, expected)


signals = st.lists(st.floats(-10, 10), min_size=2, max_size=120).map(np.array)
seeds = st.integers(0, 2**32 - 1)
scales = st.floats(0, 20)
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(
    signals,
    st.integers(0, 80).flatmap(lambda low: st.tuples(st.just(low), st.integers(low, 120))),
    seeds,
    st.booleans(),
)
def test_pad(x, padding, seed, two_dimensional):
    assert_same_draws_and_result("pad", seed, np.stack([x, -x]) if two_dimensional else x, padding)


@FAST
@given(signals, scales, seeds)
def test_shear(x, scale, seed):
    assert_same_draws_and_result("shear", seed, x, scale)


@FAST
@given(signals, st.integers(1, 300), seeds)
def test_translate_including_shifts_beyond_the_length(x, max_translation, seed):
    assert_same_draws_and_result("translate", seed, x, max_translation)


@FAST
@given(signals, scales, seeds)
def test_corr_noise_like(x, scale, seed):
    assert_same_draws_and_result("corr_noise_like", seed, x, scale)


@FAST
@given(st.lists(st.integers(1, 6), min_size=1, max_size=3).map(np.zeros), scales, seeds)
def test_iid_noise_like_any_shape(x, scale, seed):
    assert_same_draws_and_result("iid_noise_like", seed, x, scale)


@FAST
@given(signals, st.integers(1, 300), st.sampled_from([np.float64, np.int64, np.float32]))
def test_interpolate_1d(x, n, dtype):
    assert_same_draws_and_result("interpolate", 0, x.astype(dtype), n)


@FAST
@given(signals, st.integers(1, 5), st.integers(1, 300))
def test_interpolate_along_the_first_axis_of_an_array(x, channels, n):
    assert_same_draws_and_result("interpolate", 0, np.outer(x, np.arange(1, channels + 1)), n)


@FAST
@given(signals, st.integers(1, 300))
def test_interpolate_of_float64_signals_is_the_cores_resample(x, n):
    np.testing.assert_array_equal(ours.interpolate(x, n), resample(x, n))


@st.composite
def args_for_transform(draw):
    low = draw(st.integers(0, 40))
    high = draw(st.integers(low, 80))
    params = upstream_data.get_dataset_args(as_dict=True) | {
        "template_len": draw(st.integers(max(1, 2 - high), 30)),
        "padding": [low, high],
        "scale_coeff": draw(st.floats(0, 3)),
        "max_translation": draw(st.integers(1, 150)),
        "corr_noise_scale": draw(st.floats(0, 3)),
        "iid_noise_scale": draw(st.floats(0, 3)),
        "shear_scale": draw(st.floats(0, 3)),
        "final_seq_length": draw(st.integers(2, 120)),
    }
    return upstream_utils.ObjectView(params)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 9), args_for_transform(), seeds)
def test_transform_of_a_template(digit, args, seed):
    template = upstream_data.get_templates()
    x, t = template["x"][digit], template["t"]
    (expected_x, expected_t), next_theirs = run_seeded(theirs.transform, seed, x, t, args)
    (actual_x, actual_t), next_ours = run_seeded(ours.transform, seed, x, t, args)
    assert next_ours == next_theirs
    np.testing.assert_array_equal(actual_x, expected_x)
    np.testing.assert_array_equal(actual_t, expected_t)


def test_transform_with_its_own_eps_and_a_signal_of_any_length():
    x, t = np.sin(np.linspace(0, 3, 25)), np.linspace(-1, 1, 7)
    args = upstream_data.get_dataset_args()
    for eps in (0.0, 1e-3):
        (expected_x, expected_t), _ = run_seeded(theirs.transform, 5, x, t, args, eps)
        (actual_x, actual_t), _ = run_seeded(ours.transform, 5, x, t, args, eps)
        np.testing.assert_array_equal(actual_x, expected_x)
        np.testing.assert_array_equal(actual_t, expected_t)


def test_set_seed_seeds_python_and_numpy_as_the_authors():
    upstream_utils.set_seed(123)
    expected = (random.random(), np.random.rand(3))
    set_seed(123)
    actual = (random.random(), np.random.rand(3))
    assert actual[0] == expected[0] and np.array_equal(actual[1], expected[1])


def test_a_training_loop_written_against_the_authors_api_draws_the_same():
    """The building-mnist1d notebook's use: seed once, then transform template after template."""
    args, template = upstream_data.get_dataset_args(), upstream_data.get_templates()

    def examples(set_seed_fn, transform_fn):
        set_seed_fn(args.seed)
        return np.stack([transform_fn(template["x"][d % 10], template["t"], args)[0] for d in range(30)])

    np.testing.assert_array_equal(
        examples(compat.set_seed, compat.transform), examples(upstream_utils.set_seed, theirs.transform)
    )


def test_bad_input_is_refused_before_any_draw():
    cases = [
        (lambda: ours.pad(np.ones(3), (5, 2)), ValueError, r"padding must have low <= high, got \(5, 2\)"),
        (lambda: ours.pad(np.ones(3), 4), ValueError, r"padding must be a pair \(low, high\) of integers, got 4"),
        (lambda: ours.pad(np.ones((2, 2, 2)), (1, 2)), ValueError, r"x must be a 1-D signal or a 2-D array"),
        (lambda: ours.translate(np.ones(3), 0), ValueError, "max_translation must be an integer >= 1, got 0"),
        (lambda: ours.shear(np.ones((3, 3)), 1.0), ValueError, r"x must be a 1-D signal, got shape \(3, 3\)"),
        (lambda: ours.corr_noise_like(np.ones(4), "big"), TypeError, "scale must be a real number, got 'big'"),
        (lambda: ours.interpolate(np.ones(1), 5), ValueError, "x must have at least 2 points along its first axis"),
        (lambda: ours.interpolate(np.ones(4), 0), ValueError, "N must be an integer >= 1, got 0"),
        (
            lambda: ours.transform(np.ones(12), np.ones(1), upstream_data.get_dataset_args()),
            ValueError,
            r"y \(the time axis\) must be 1-D with at least 2 points, got shape \(1,\)",
        ),
        (
            lambda: ours.transform(np.ones(12), np.ones(12), {"padding": [60, 36]}),
            ValueError,
            "padding must have low <= high",
        ),
        (lambda: set_seed(-1), ValueError, r"seed must be an integer in 0..4294967295, got -1"),
    ]
    for call, error, message in cases:
        np.random.seed(0)
        with pytest.raises(error, match=message):
            call()
        assert np.random.rand() == np.random.RandomState(0).rand(), message  # nothing was drawn
