"""Invariants of the generator: noise off gives exactly the theory, determinism, no global state."""

import numpy as np
import pytest

from mnist1d_core import DEFAULT, PRESETS, MNIST1DConfig, generate, templates
from mnist1d_core.generate import BATCH_SIZE

NOISE_OFF = dict(scale_coeff=0.0, corr_noise_scale=0.0, iid_noise_scale=0.0, shear_scale=0.0, max_translation=1)


def interp_to(values, length):
    return np.interp(np.linspace(0, 1, length), np.linspace(0, 1, len(values)), values)


@pytest.mark.parametrize("pad, template_len, length", [(36, 12, 40), (0, 12, 40), (25, 5, 63)])
def test_noise_off_gives_the_padded_dilated_resampled_templates(pad, template_len, length):
    config = MNIST1DConfig(
        num_samples=300, padding=(pad, pad), template_len=template_len, final_seq_length=length, **NOISE_OFF
    )
    data = generate(config)
    x, y = np.concatenate([data.train.x, data.test.x]), np.concatenate([data.train.y, data.test.y])
    # The paper's recipe, written out with np.interp one template at a time.
    per_class = np.stack(
        [
            interp_to(interp_to(np.concatenate([row + 1e-8, np.zeros(pad)]), template_len + pad), length)
            for row in templates().x
        ]
    )
    raw = per_class[y]
    np.testing.assert_allclose(x, (raw - raw.mean()) / raw.std(), rtol=0, atol=1e-12)
    for label in range(10):
        rows = x[y == label]
        assert np.array_equal(rows, np.broadcast_to(rows[0], rows.shape))  # every example alike


def test_whole_set_is_standardised_and_classes_are_balanced():
    config = MNIST1DConfig(num_samples=1234, seed=5)
    data = generate(config)
    x = np.concatenate([data.train.x, data.test.x])
    assert abs(x.mean()) < 1e-12 and abs(x.std() - 1) < 1e-12
    labels = np.concatenate([data.train.y, data.test.y])
    assert np.bincount(labels).tolist() == [123] * 10  # 1234 floored to 1230
    assert (len(data.train), len(data.test)) == (984, 246)


def test_same_config_same_bytes_and_seeds_matter():
    config = MNIST1DConfig(num_samples=500, seed=11)
    a, b = generate(config), generate(config)
    assert a.train.x.tobytes() == b.train.x.tobytes() and a.test.y.tobytes() == b.test.y.tobytes()
    c = generate(config.replace(seed=12))
    assert not np.array_equal(a.train.x, c.train.x)


def test_global_numpy_random_state_is_neither_read_nor_changed():
    np.random.seed(123)
    before = np.random.get_state()
    first = generate(MNIST1DConfig(num_samples=200))
    after = np.random.get_state()
    assert before[0] == after[0] and np.array_equal(before[1], after[1]) and before[2:] == after[2:]
    np.random.seed(999)
    second = generate(MNIST1DConfig(num_samples=200))
    assert np.array_equal(first.train.x, second.train.x)


def test_shuffled_is_canonical_with_one_fixed_permutation_of_the_time_axis():
    canonical, shuffled = generate(PRESETS["canonical"]), generate(PRESETS["shuffled"])
    assert np.array_equal(canonical.train.y, shuffled.train.y)  # same stream, same example order
    x, xs = canonical.train.x, shuffled.train.x
    source = np.abs(xs[:64, :, None] - x[:64, None, :]).sum(axis=0).argmin(axis=1)
    assert sorted(source) == list(range(x.shape[1])) and not np.array_equal(source, np.arange(x.shape[1]))
    np.testing.assert_allclose(xs, x[:, source], rtol=0, atol=1e-12)
    np.testing.assert_allclose(shuffled.test.x, canonical.test.x[:, source], rtol=0, atol=1e-12)


def test_progress_is_reported_per_batch_up_to_the_total():
    calls = []
    config = DEFAULT.replace(num_samples=2 * BATCH_SIZE + 30)
    generate(config, progress=lambda done, total: calls.append((done, total)))
    n = config.num_examples
    assert calls == [(BATCH_SIZE, n), (2 * BATCH_SIZE, n), (n, n)]


def test_generate_refuses_what_is_not_a_config():
    with pytest.raises(TypeError, match="config must be an MNIST1DConfig"):
        generate({"seed": 1})
    with pytest.raises(ValueError, match="unknown split 'valid'"):
        generate(MNIST1DConfig(num_samples=20)).split("valid")
