"""The sharded algorithm at scale, through the ``datasets`` builder, side by side.

1. ``num_proc``: building a ``algorithm="sharded"`` variant of N examples (default
   2,000,000) with ``num_proc=1`` and with ``num_proc=2``, alternating, each in a fresh
   process and a fresh cache. Reported: median times, the speed-up, and whether the
   content fingerprints agree.
2. Memory: one build of M examples (default 10,000,000), streamed block by block to
   Arrow; peak RSS of the largest process (workers included).

    python benchmarks/bench_sharded.py
    python benchmarks/bench_sharded.py --examples 500000 --repeats 3 --memory-examples 0
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile

BUILD = r"""
import json, resource, sys, time
n, num_proc, cache = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
import datasets
import mnist1d_builders.hf
datasets.disable_progress_bars()
start = time.perf_counter()
builder = mnist1d_builders.hf.Mnist1d(num_samples=n, algorithm="sharded", cache_dir=cache)
builder.download_and_prepare(num_proc=num_proc)
seconds = time.perf_counter() - start
lines = open(f"{builder.cache_dir}/{mnist1d_builders.hf.verify.FINGERPRINTS_FILE}").read().splitlines()
fingerprints = [line.split("\t")[:5] for line in lines if not line.startswith("#")]  # not the shard names
peak = max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
print(json.dumps({"seconds": seconds, "peak_rss_mb": peak / 1024, "fingerprints": fingerprints}))
"""


def build(n: int, num_proc: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-sharded-") as cache:
        out = subprocess.run(
            [sys.executable, "-c", BUILD, str(n), str(num_proc), cache], check=True, capture_output=True, text=True
        )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--examples", type=int, default=2_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--memory-examples", type=int, default=10_000_000, help="0: skip")
    args = parser.parse_args()

    if args.repeats:
        runs = {1: [], 2: []}
        for _ in range(args.repeats):
            for num_proc in runs:
                runs[num_proc].append(build(args.examples, num_proc))
        seconds = {p: statistics.median(r["seconds"] for r in rs) for p, rs in runs.items()}
        same = len({json.dumps(r["fingerprints"]) for rs in runs.values() for r in rs}) == 1
        for p, rs in runs.items():
            each = ", ".join(f"{r['seconds']:.2f}" for r in rs)
            print(
                f"{args.examples} examples, num_proc={p}: median {seconds[p]:.2f} s (runs {each}), "
                f"peak RSS {max(r['peak_rss_mb'] for r in rs):.0f} MB"
            )
        print(
            f"speed-up of num_proc=2 over num_proc=1: {seconds[1] / seconds[2]:.2f}x; "
            f"content fingerprints identical across all runs: {same}"
        )
    if args.memory_examples:
        r = build(args.memory_examples, 1)
        print(f"{args.memory_examples} examples, num_proc=1: {r['seconds']:.1f} s, peak RSS {r['peak_rss_mb']:.0f} MB")


if __name__ == "__main__":
    main()
