"""Are the paper's and the sharded algorithm's data statistically the same?

For one config under both algorithms: the per-class mean signals (largest difference, in
units of its standard error), the distribution of values (two-sample Kolmogorov-Smirnov
statistic), and the test accuracy of two simple classifiers (a ridge-regression linear
classifier and 1-nearest-neighbour), each trained on its own algorithm's train split.

    python benchmarks/compare_algorithms.py --num-samples 50000
"""

from __future__ import annotations

import argparse

import numpy as np
from scipy import stats

from mnist1d_core import DEFAULT, MNIST1DConfig, generate


def linear_accuracy(train_x, train_y, test_x, test_y, ridge=1e-3) -> float:
    """Least-squares fit of one-hot targets (with a bias), then argmax."""
    design = np.hstack([train_x, np.ones((len(train_x), 1))])
    targets = np.eye(10)[train_y]
    weights = np.linalg.solve(design.T @ design + ridge * np.eye(design.shape[1]), design.T @ targets)
    predicted = (np.hstack([test_x, np.ones((len(test_x), 1))]) @ weights).argmax(axis=1)
    return float((predicted == test_y).mean())


def nearest_neighbour_accuracy(train_x, train_y, test_x, test_y, chunk=500) -> float:
    correct = 0
    train_sq = (train_x**2).sum(axis=1)
    for start in range(0, len(test_x), chunk):
        part = test_x[start : start + chunk]
        distances = train_sq[None, :] - 2 * part @ train_x.T
        correct += int((train_y[distances.argmin(axis=1)] == test_y[start : start + chunk]).sum())
    return correct / len(test_x)


def compare(config: MNIST1DConfig) -> dict[str, float]:
    data = {name: generate(config.replace(algorithm=name)) for name in ("paper", "sharded")}
    x = {k: np.concatenate([d.train.x, d.test.x]) for k, d in data.items()}
    y = {k: np.concatenate([d.train.y, d.test.y]) for k, d in data.items()}
    # Per-class mean signals: largest |difference| over classes and positions, in standard errors.
    z = []
    for label in range(10):
        a, b = x["paper"][y["paper"] == label], x["sharded"][y["sharded"] == label]
        se = np.sqrt(a.var(axis=0) / len(a) + b.var(axis=0) / len(b))
        z.append(np.abs(a.mean(axis=0) - b.mean(axis=0)) / se)
    z = np.max(z)
    # KS on all values; its p-value counts examples, not values, since values within an
    # example are correlated (conservative).
    ks = stats.ks_2samp(x["paper"].ravel(), x["sharded"].ravel()).statistic
    n = len(x["paper"])
    ks_p = float(stats.kstwo.sf(ks, n // 2))  # effective sample size n*n/(n+n) for two samples of n
    result = {"examples": n, "class_mean_max_z": float(z), "ks_statistic": float(ks), "ks_p_value": ks_p}
    for name, d in data.items():
        result[f"{name}_mean"], result[f"{name}_std"] = float(x[name].mean()), float(x[name].std())
        result[f"{name}_linear_accuracy"] = linear_accuracy(d.train.x, d.train.y, d.test.x, d.test.y)
        result[f"{name}_1nn_accuracy"] = nearest_neighbour_accuracy(d.train.x, d.train.y, d.test.x, d.test.y)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--num-samples", type=int, default=50_000)
    parser.add_argument("--shuffle-seq", action="store_true")
    args = parser.parse_args()
    result = compare(DEFAULT.replace(num_samples=args.num_samples, shuffle_seq=args.shuffle_seq))
    for key, value in result.items():
        print(f"{key:<26} {value:.4f}" if isinstance(value, float) else f"{key:<26} {value}")


if __name__ == "__main__":
    main()
