"""Peak memory of ``generate(config, dtype=np.float32)`` against the default float64.

Goal: float32 never needs more memory than float64 (its data are computed in float64,
then rounded batch by batch into the float32 array). Each run is a fresh process and
``tracemalloc`` measures the peak of the Python and numpy allocations during
``generate`` alone. Exits 1 if a float32 peak exceeds its float64 peak by more than
``SLACK`` bytes: a few hundred bytes of Python objects and numpy's first-use caches
differ between the two runs whatever the size; the data are megabytes.

    python benchmarks/bench_dtype.py                    # 5,000 and 200,000 examples, both algorithms
    python benchmarks/bench_dtype.py --sizes 1000000 --algorithms paper
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

SLACK = 4096

CHILD = r"""
import json, sys, time, tracemalloc
from mnist1d_core import MNIST1DConfig, generate
config = MNIST1DConfig(num_samples=int(sys.argv[1]), algorithm=sys.argv[2])
tracemalloc.start()
start = time.perf_counter()
data = generate(config, dtype=sys.argv[3])
seconds = time.perf_counter() - start
peak = tracemalloc.get_traced_memory()[1]
print(json.dumps({"peak": peak, "peak_mb": peak / 2**20, "seconds": seconds, "data_mb": (data.train.x.nbytes + data.test.x.nbytes) / 2**20}))
"""


def measure(n: int, algorithm: str, dtype: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(n), algorithm, dtype], check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[5_000, 200_000])
    parser.add_argument("--algorithms", nargs="+", choices=("paper", "sharded"), default=["paper", "sharded"])
    args = parser.parse_args()

    print(
        f"{'examples':>9} {'algorithm':>9} {'dtype':>8} {'data MB':>8} {'peak MB':>8} {'vs float64':>10} "
        f"{'bytes over':>10} {'s':>6}"
    )
    failed = False
    for n in args.sizes:
        for algorithm in args.algorithms:
            runs = {dtype: measure(n, algorithm, dtype) for dtype in ("float64", "float32")}
            for dtype, run in runs.items():
                over = run["peak"] - runs["float64"]["peak"]
                print(
                    f"{n:>9} {algorithm:>9} {dtype:>8} {run['data_mb']:>8.1f} {run['peak_mb']:>8.1f} "
                    f"{run['peak'] / runs['float64']['peak']:>9.2f}x {over:>10} {run['seconds']:>6.2f}"
                )
            failed |= runs["float32"]["peak"] > runs["float64"]["peak"] + SLACK
    print(f"goal (float32 peak <= float64 peak + {SLACK} bytes):", "NOT MET" if failed else "met")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
