"""The sharded algorithm: every example a pure function of (config, split, index),
and data statistically equivalent to the paper's algorithm."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from mnist1d_core import DEFAULT, generate, sharded, templates
from mnist1d_core.sharded import BLOCK_SIZE, fresh_batches, generate_block, num_blocks

SHARDED = DEFAULT.replace(algorithm="sharded")


def load_comparison():
    path = Path(__file__).resolve().parent.parent / "benchmarks" / "compare_algorithms.py"
    spec = importlib.util.spec_from_file_location("compare_algorithms", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_sizes_are_the_papers():
    config = SHARDED.replace(num_samples=2537, train_split=0.7)
    data = generate(config)
    paper = config.replace(algorithm="paper")
    assert (len(data.train), len(data.test)) == (paper.num_train, paper.num_test) == (1771, 759)
    assert data.train.x.shape == (1771, 40) and data.train.x.dtype == np.float64 and data.train.y.dtype == np.int64
    assert num_blocks(config, "train") == 2 and num_blocks(config, "test") == 1


def test_any_block_alone_equals_its_rows_in_the_whole_split():
    config = SHARDED.replace(num_samples=3500, seed=9)
    data = generate(config)
    for split, block in [("train", 0), ("train", 2), ("test", 0)]:
        x, y = generate_block(config, split, block)
        part = data.split(split)
        rows = slice(block * BLOCK_SIZE, block * BLOCK_SIZE + len(y))
        assert x.tobytes() == part.x[rows].tobytes() and y.tobytes() == part.y[rows].tobytes()


def test_blocks_in_any_order_give_the_same_bytes():
    config = SHARDED.replace(num_samples=4000)
    forward = [generate_block(config, "train", b)[0].tobytes() for b in range(num_blocks(config, "train"))]
    sharded.standardisation.cache_clear()
    backward = [generate_block(config, "train", b)[0].tobytes() for b in reversed(range(num_blocks(config, "train")))]
    assert forward == backward[::-1]


def test_labels_are_balanced_within_every_block():
    config = SHARDED.replace(num_samples=2540)  # train: 2032 = 1000 + 1000 + 32
    for block in range(num_blocks(config, "train")):
        counts = np.bincount(generate_block(config, "train", block)[1], minlength=10)
        assert counts.max() - counts.min() <= 1
    assert np.bincount(generate_block(config, "train", 0)[1]).tolist() == [100] * 10


def test_splits_and_fresh_batches_never_share_an_example():
    config = SHARDED.replace(num_samples=5000)
    data = generate(config)
    fresh_x, _ = next(fresh_batches(config, 1000, dtype=np.float64))
    rows = np.concatenate([data.train.x, data.test.x, fresh_x])
    assert len(np.unique(rows, axis=0)) == len(rows)


def test_seeds_and_determinism():
    a, b = generate(SHARDED.replace(num_samples=300)), generate(SHARDED.replace(num_samples=300))
    assert a.train.x.tobytes() == b.train.x.tobytes()
    c = generate(SHARDED.replace(num_samples=300, seed=43))
    assert not np.array_equal(a.train.x, c.train.x)


def test_global_numpy_random_state_untouched():
    np.random.seed(5)
    before = np.random.get_state()[1].copy()
    generate(SHARDED.replace(num_samples=100, seed=77))
    list(zip(range(2), fresh_batches(SHARDED.replace(seed=78), 10)))
    assert np.array_equal(np.random.get_state()[1], before)


def test_noise_off_gives_the_templates_standardised_by_the_calibration():
    noise_off = dict(scale_coeff=0.0, corr_noise_scale=0.0, iid_noise_scale=0.0, shear_scale=0.0, max_translation=1)
    config = SHARDED.replace(num_samples=300, padding=(20, 20), **noise_off)
    data = generate(config)
    x, y = np.concatenate([data.train.x, data.test.x]), np.concatenate([data.train.y, data.test.y])

    def interp(v, n):
        return np.interp(np.linspace(0, 1, n), np.linspace(0, 1, len(v)), v)

    per_class = np.stack([interp(interp(np.concatenate([r + 1e-8, np.zeros(20)]), 32), 40) for r in templates().x])
    # Calibration blocks hold every class equally often: its mean and std are the classes'.
    expected = (per_class[y] - per_class.mean()) / per_class.std()
    np.testing.assert_allclose(x, expected, rtol=0, atol=1e-12)


def test_shuffle_seq_permutes_the_time_axis_of_the_same_examples():
    plain, shuffled = (
        generate(SHARDED.replace(num_samples=500)),
        generate(SHARDED.replace(num_samples=500, shuffle_seq=True)),
    )
    assert np.array_equal(plain.train.y, shuffled.train.y)
    source = np.abs(shuffled.train.x[:64, :, None] - plain.train.x[:64, None, :]).sum(axis=0).argmin(axis=1)
    assert sorted(source) == list(range(40)) and not np.array_equal(source, np.arange(40))
    np.testing.assert_allclose(shuffled.train.x, plain.train.x[:, source], rtol=0, atol=1e-12)


def test_fresh_batches_are_endless_float32_and_independent_of_batch_size():
    config = SHARDED.replace(seed=3)
    small = fresh_batches(config, 300)
    x_small = np.concatenate([next(small)[0] for _ in range(10)])
    large = fresh_batches(config, 1500)
    x_large = np.concatenate([next(large)[0] for _ in range(2)])
    assert x_small.dtype == np.float32 and x_small.shape == (3000, 40)
    assert np.array_equal(x_small, x_large)
    with pytest.raises(ValueError, match="batch_size must be a positive integer, got 0"):
        next(fresh_batches(config, 0))


def test_progress_counts_every_block_of_both_splits():
    calls = []
    generate(SHARDED.replace(num_samples=2500), progress=lambda done, total: calls.append((done, total)))
    assert calls == [(1000, 2500), (2000, 2500), (2500, 2500)]


def test_block_and_split_errors():
    with pytest.raises(ValueError, match=r"block must be in 0\.\.3 for train, got 4"):
        generate_block(SHARDED, "train", 4)
    with pytest.raises(ValueError, match="unknown split 'valid'"):
        generate_block(SHARDED, "valid", 0)


def test_statistically_equivalent_to_the_papers_algorithm():
    """Honest bounds: each would fail by chance with probability about 1e-3 or less."""
    result = load_comparison().compare(DEFAULT.replace(num_samples=20_000))
    # 400 per-class, per-position mean differences: Bonferroni at 1e-3 is |z| < 4.7.
    assert result["class_mean_max_z"] < 4.7
    assert result["ks_p_value"] > 1e-3
    assert abs(result["sharded_mean"]) < 0.01 and abs(result["sharded_std"] - 1) < 0.01
    n_test = 4000
    for classifier in ("linear", "1nn"):
        a, b = result[f"paper_{classifier}_accuracy"], result[f"sharded_{classifier}_accuracy"]
        se = np.sqrt(a * (1 - a) / n_test + b * (1 - b) / n_test)
        assert abs(a - b) < 3.3 * se, (classifier, a, b)
