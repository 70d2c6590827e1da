"""Throughput and peak memory of the core against the authors' code, side by side.

Three implementations: the authors' code, the core's paper algorithm and the core's
sharded algorithm (one process). Each measurement runs in a fresh process (so peak RSS
is its own), and the implementations alternate, so a noisy neighbour hits all of them.
Reported: the median time of each, the speed-up over the authors' code, peak RSS.

    python benchmarks/bench_core.py                 # 5,000 and 200,000 examples, and 1,000,000 (core only)
    python benchmarks/bench_core.py --sizes 5000 --repeats 3
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys

CHILD = r"""
import json, resource, sys, time
impl, n = sys.argv[1], int(sys.argv[2])
if impl in ("paper", "sharded"):
    from mnist1d_core import MNIST1DConfig, generate
    config = MNIST1DConfig(num_samples=n, algorithm=impl)
    run = lambda: generate(config)
else:
    from mnist1d.data import get_dataset_args, make_dataset
    args = get_dataset_args()
    args.num_samples = n
    run = lambda: make_dataset(args)
start = time.perf_counter()
run()
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def measure(impl: str, n: int) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, impl, str(n)], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[5_000, 200_000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--memory-size", type=int, default=1_000_000, help="core-only peak-memory run (0: skip)")
    args = parser.parse_args()

    print(f"{'examples':>9} {'implementation':>15} {'median s':>9} {'speed-up':>9} {'us/example':>11} {'peak MB':>8}")
    for n in args.sizes:
        runs = {"authors": [], "paper": [], "sharded": []}
        for _ in range(args.repeats):
            for impl in runs:
                runs[impl].append(measure(impl, n))
        seconds = {impl: statistics.median(r["seconds"] for r in rs) for impl, rs in runs.items()}
        for impl, rs in runs.items():
            print(
                f"{n:>9} {impl:>15} {seconds[impl]:>9.3f} {seconds['authors'] / seconds[impl]:>8.1f}x "
                f"{1e6 * seconds[impl] / n:>11.2f} {max(r['peak_rss_mb'] for r in rs):>8.0f}",
                flush=True,
            )
    if args.memory_size:
        for impl in ("paper", "sharded"):
            r = measure(impl, args.memory_size)
            print(
                f"{impl} alone, {args.memory_size} examples: {r['seconds']:.1f} s, peak RSS {r['peak_rss_mb']:.0f} MB"
            )


if __name__ == "__main__":
    main()
