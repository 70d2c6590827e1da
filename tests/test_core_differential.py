"""Differential tests: the core against the authors' code (mnist1d==0.0.2.post1).

Labels must be identical and x within 1e-12 (float64), for the paper's parameters,
for the edges where re-implementations drift, and for many random valid parameter sets.
"""

import mnist1d.data as upstream
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mnist1d.utils import ObjectView

from mnist1d_core import MNIST1DConfig
from mnist1d_core.compat import make_dataset


def upstream_dataset(config: MNIST1DConfig) -> dict:
    params = config.to_dict()
    params["padding"] = list(params["padding"])
    return upstream.make_dataset(ObjectView(params))


def assert_same_as_upstream(config: MNIST1DConfig) -> None:
    theirs = upstream_dataset(config)
    ours = make_dataset(config.to_dict())
    for key in ("y", "y_test"):
        np.testing.assert_array_equal(ours[key], theirs[key], err_msg=key)
    for key in ("x", "x_test", "t"):
        assert ours[key].shape == theirs[key].shape, key
        # A few ULPs: far-out configs give t of order 1e8, where one ULP is 6e-8.
        np.testing.assert_allclose(ours[key], theirs[key], rtol=1e-15, atol=1e-12, err_msg=key)
    for key in ("x", "t", "y"):
        np.testing.assert_array_equal(ours["templates"][key], theirs["templates"][key])


EDGES = {
    "paper": {},
    "shuffle_seq": {"shuffle_seq": True},
    # translate's slicing: shifts >= the dilated length (72) leave the signal unchanged
    "shift_beyond_length": {"max_translation": 200, "num_samples": 300},
    "no_shift": {"max_translation": 1, "num_samples": 200},
    "no_padding": {"padding": (0, 0), "num_samples": 200},
    "fixed_padding": {"padding": (17, 17), "num_samples": 200},
    "shortest_dilation": {"template_len": 1, "padding": (0, 1), "num_samples": 200},
    "odd_dilated_length": {"template_len": 13, "padding": (2, 30), "num_samples": 200},
    "two_points": {"final_seq_length": 2, "num_samples": 100},
    # found by Hypothesis: t of order 1e8, one ULP apart from upstream's
    "two_points_unpadded": {
        "final_seq_length": 2,
        "padding": (0, 0),
        "scale_coeff": 1.0,
        "max_translation": 1,
        "corr_noise_scale": 0.0,
        "iid_noise_scale": 0.0,
        "shear_scale": 0.0,
        "shuffle_seq": True,
        "seed": 0,
        "num_samples": 10,
        "train_split": 0.5,
    },
    "long_output": {"final_seq_length": 257, "num_samples": 100},
    "num_samples_floored": {"num_samples": 137, "train_split": 0.5},
    "tiny": {"num_samples": 10, "train_split": 0.5},
    "one_train_example": {"num_samples": 20, "train_split": 0.05},
    "noise_off": {
        "corr_noise_scale": 0.0,
        "iid_noise_scale": 0.0,
        "shear_scale": 0.0,
        "scale_coeff": 0.0,
        "num_samples": 100,
    },
    "large_scales": {
        "scale_coeff": 3.0,
        "corr_noise_scale": 5.0,
        "iid_noise_scale": 2.0,
        "shear_scale": 10.0,
        "num_samples": 100,
    },
    "seed_zero": {"seed": 0, "num_samples": 100},
    "seed_max": {"seed": 2**32 - 1, "num_samples": 100},
    "more_than_one_batch": {"num_samples": 8500, "seed": 3},
}


@pytest.mark.parametrize("params", EDGES.values(), ids=EDGES.keys())
def test_edges_match_upstream(params):
    assert_same_as_upstream(MNIST1DConfig(**params))


@st.composite
def valid_configs(draw):
    low = draw(st.integers(0, 40))
    high = draw(st.integers(low, 80))
    template_len = draw(st.integers(max(1, 2 - high), 30))
    num_samples = draw(st.integers(10, 250))
    n = num_samples // 10 * 10
    # keep both splits non-empty, as the config requires
    train_split = draw(st.floats(1.0 / n + 1e-9, 1 - 1.0 / n - 1e-9).filter(lambda s: 0 < int(n * s) < n))
    scale = st.floats(0, 3, allow_nan=False)
    return MNIST1DConfig(
        num_samples=num_samples,
        train_split=train_split,
        template_len=template_len,
        padding=(low, high),
        scale_coeff=draw(scale),
        max_translation=draw(st.integers(1, 150)),
        corr_noise_scale=draw(scale),
        iid_noise_scale=draw(scale),
        shear_scale=draw(scale),
        shuffle_seq=draw(st.booleans()),
        final_seq_length=draw(st.integers(2, 120)),
        seed=draw(st.integers(0, 2**32 - 1)),
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_configs())
def test_random_valid_configs_match_upstream(config):
    assert_same_as_upstream(config)
