"""How much the shuffled CNN and GRU depend on which permutation shuffles the time axis.

The paper reports 56% (CNN) and 57% (GRU) on "shuffled" MNIST-1D. Which permutation it
used is not recorded: the generator's ``shuffle_seq=True`` (the ``shuffled`` preset) draws
one after making the examples, the authors' classification notebook draws another
(``np.random.seed(42); np.random.permutation(40)``) and applies it to the canonical data.
This trains both models with the authors' recipe (``mnist1d_baselines.benchmark``, 3 seeds
x 8000 steps) on canonical shuffled by each of those, and by a few more permutations
(``np.random.RandomState(k).permutation(40)``), and prints mean ± std per permutation.

    python benchmarks/bench_shuffled_permutations.py                   # about 3 minutes per permutation on 2 cores
    python benchmarks/bench_shuffled_permutations.py --random 0 1 2 3 --steps 2000
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from mnist1d_baselines import MODEL_TITLES, PAPER_ACCURACY, benchmark
from mnist1d_baselines.results import mean_std
from mnist1d_core import PRESETS, generate

MODELS = ("cnn", "gru")


def preset_permutation(canonical: np.ndarray, shuffled: np.ndarray) -> np.ndarray:
    """The permutation p with shuffled == canonical[:, p] (the generator's shuffle_seq)."""
    columns = {column.tobytes(): i for i, column in enumerate(canonical.T)}
    permutation = np.array([columns[column.tobytes()] for column in shuffled.T])
    assert np.array_equal(canonical[:, permutation], shuffled)
    return permutation


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=8000)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument(
        "--random",
        type=int,
        nargs="*",
        default=[0, 1, 2],
        help="seeds k of np.random.RandomState(k).permutation(length), one permutation each",
    )
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    canonical = generate(PRESETS["canonical"])
    length = canonical.train.x.shape[1]
    permutations = {
        "shuffled preset (generator's shuffle_seq)": preset_permutation(
            canonical.train.x, generate(PRESETS["shuffled"]).train.x
        ),
        "authors' notebook (np.random.seed(42))": np.random.RandomState(42).permutation(length),
    }
    permutations |= {f"RandomState({k})": np.random.RandomState(k).permutation(length) for k in args.random}

    rows = []
    for name, permutation in permutations.items():
        started = time.perf_counter()
        results = benchmark(
            canonical.train.x[:, permutation],
            canonical.train.y,
            canonical.test.x[:, permutation],
            canonical.test.y,
            models=MODELS,
            seeds=args.seeds,
            steps=args.steps,
            workers=args.workers,
        )
        rows.append((name, results))
        print(
            f"{name}: "
            + ", ".join(f"{model} {mean_std(results.runs[model])}" for model in MODELS)
            + f" ({time.perf_counter() - started:.0f} s)",
            flush=True,
        )

    paper = PAPER_ACCURACY["shuffled"]
    print(f"\n{args.seeds} seeds x {args.steps} steps, test accuracy (%), mean ± std over seeds:\n")
    print("| permutation | " + " | ".join(MODEL_TITLES[model] for model in MODELS) + " |")
    print("|---|" + "---|" * len(MODELS))
    for name, results in rows:
        print(f"| {name} | " + " | ".join(mean_std(results.runs[model]) for model in MODELS) + " |")
    print("| paper | " + " | ".join(f"{paper[model]:g}" for model in MODELS) + " |")


if __name__ == "__main__":
    main()
