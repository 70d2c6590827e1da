"""A sweep against separate runs of its values, side by side.

``mnist1d_baselines.sweep`` trains every value's copies of a model in one stack (values x
seeds copies), as seeds are trained; the alternative is one ``benchmark()`` per value.
Both ways generate each value's data; the ways alternate within each repeat, so a noisy
neighbour hits both. Reported: the median wall time of each, their ratio (sweep / sum of
separate runs), and whether every value's accuracies agree to the bit (they must).

    python benchmarks/bench_baselines_sweep.py                                # iid_noise_scale, 4 values
    python benchmarks/bench_baselines_sweep.py --parameter max_translation --values 1 12 24 48 --steps 1000
"""

from __future__ import annotations

import argparse
import statistics
import time

from mnist1d_baselines import MODELS, benchmark, sweep
from mnist1d_core import PRESETS, generate


def separate(config, parameter, values, **options):
    runs = []
    for value in values:
        data = generate(config.replace(**{parameter: value}))
        runs.append(benchmark(data.train.x, data.train.y, data.test.x, data.test.y, **options))
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--parameter", default="iid_noise_scale")
    parser.add_argument("--values", nargs="+", type=float, default=[0.0, 0.05, 0.1, 0.2])
    parser.add_argument("--models", nargs="+", choices=MODELS, default=list(MODELS))
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    config = PRESETS["canonical"]
    values = [int(v) if isinstance(getattr(config, args.parameter), int) else v for v in args.values]
    options = dict(models=args.models, seeds=args.seeds, steps=args.steps)
    times: dict[str, list[float]] = {"sweep": [], "separate runs": []}
    for _ in range(args.repeats):
        started = time.perf_counter()
        swept = sweep(config, args.parameter, values, **options)
        times["sweep"].append(time.perf_counter() - started)
        started = time.perf_counter()
        alone = separate(config, args.parameter, values, **options)
        times["separate runs"].append(time.perf_counter() - started)
    same = all(s.runs == a.runs for s, a in zip(swept.results, alone))
    medians = {way: statistics.median(t) for way, t in times.items()}
    print(f"{args.parameter} = {values}; {' '.join(args.models)} x {args.seeds} seeds x {args.steps} steps")
    for way, median in medians.items():
        print(f"  {way:14} median {median:7.2f} s  (each: {', '.join(f'{t:.2f}' for t in times[way])})")
    print(f"  sweep / separate runs: {medians['sweep'] / medians['separate runs']:.2f}; same accuracies: {same}")
    print(swept.table())


if __name__ == "__main__":
    main()
