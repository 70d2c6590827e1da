"""The batched training against the authors' loop, side by side in one run.

Linear + MLP + CNN x 3 seeds on canonical, the same steps each way:

- the authors' loop (``mnist1d_baselines.train.fit_one``): one model and seed at a time,
  their modules' forward, torch's default Adam, no intermediate evaluations; with one
  torch thread and with torch's default (this machine's cores), or the ``--ref-threads``;
- ``mnist1d_baselines.benchmark()``: every model's seeds batched, on one torch thread
  (its default), with one worker (all models in one loop) and with one worker per core
  (``--workers``: groups of models in parallel threads).

The variants alternate within each repeat, so a noisy neighbour hits all of them. Reported:
median wall and CPU time of each, the speed-up over the authors' loop on one thread (the
first variant), and the test accuracies (mean ± std over seeds) each way.

    python benchmarks/bench_baselines_speed.py                      # 8000 steps, 3 repeats
    python benchmarks/bench_baselines_speed.py --steps 500 --ref-threads 1 2
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import torch

from mnist1d_baselines import MODEL_TITLES, benchmark
from mnist1d_baselines.results import mean_std
from mnist1d_baselines.train import accuracy_one, fit_one
from mnist1d_core import PRESETS, generate

MODELS = ("linear", "mlp", "cnn")
SEEDS = 3


def authors_loop(data, steps: int, threads: int) -> dict[str, list[float]]:
    x_train, y_train = torch.tensor(data.train.x, dtype=torch.float32), torch.tensor(data.train.y)
    x_test, y_test = torch.tensor(data.test.x, dtype=torch.float32), torch.tensor(data.test.y)
    torch.set_num_threads(threads)
    return {
        name: [
            accuracy_one(fit_one(name, seed, x_train, y_train, steps=steps), x_test, y_test) for seed in range(SEEDS)
        ]
        for name in MODELS
    }


def batched(data, steps: int, workers: int) -> dict[str, list[float]]:
    results = benchmark(
        data.train.x, data.train.y, data.test.x, data.test.y, models=MODELS, seeds=SEEDS, steps=steps, workers=workers
    )
    return {name: list(runs) for name, runs in results.runs.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=8000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--ref-threads",
        type=int,
        nargs="+",
        default=sorted({1, torch.get_num_threads()}),
        help="torch threads of the authors' loop, one variant each (default: 1 and torch's default)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        nargs="+",
        default=sorted({1, os.cpu_count() or 1}),
        help="benchmark() workers, one variant each (default: 1 and the number of cores)",
    )
    args = parser.parse_args()

    data = generate(PRESETS["canonical"])
    variants = {
        f"authors' loop, {n} thread{'s' * (n > 1)}": lambda steps, n=n: authors_loop(data, steps, n)
        for n in args.ref_threads
    }
    variants |= {
        f"benchmark(), {n} worker{'s' * (n > 1)}": lambda steps, n=n: batched(data, steps, n) for n in args.workers
    }
    for run in variants.values():  # warm-up: one-time initialisation (allocators, kernels) out of the timings
        run(5)
    wall = {name: [] for name in variants}
    cpu = {name: [] for name in variants}
    accuracies = {}
    for repeat in range(args.repeats):
        for name, run in variants.items():
            started, started_cpu = time.perf_counter(), time.process_time()
            accuracies[name] = run(args.steps)
            wall[name].append(time.perf_counter() - started)
            cpu[name].append(time.process_time() - started_cpu)
            print(f"repeat {repeat + 1}: {name}: {wall[name][-1]:.1f} s wall, {cpu[name][-1]:.1f} s CPU", flush=True)

    reference = list(variants)[0]
    median = {name: statistics.median(times) for name, times in wall.items()}
    print(f"\n{len(MODELS)} models x {SEEDS} seeds x {args.steps} steps on canonical, median of {args.repeats}:\n")
    print(f"| variant | median wall | median CPU | speed-up over {reference} |")
    print("|---|---|---|---|")
    for name in variants:
        print(
            f"| {name} | {median[name]:.1f} s | {statistics.median(cpu[name]):.1f} s | "
            f"{median[reference] / median[name]:.2f}x |"
        )
    print("\nTest accuracy (%), mean ± std over seeds (last repeat):\n")
    print("| model | " + " | ".join(variants) + " |")
    print("|---|" + "---|" * len(variants))
    for model in MODELS:
        print(
            f"| {MODEL_TITLES[model]} | " + " | ".join(mean_std(accuracies[name][model]) for name in variants) + " |"
        )


if __name__ == "__main__":
    main()
