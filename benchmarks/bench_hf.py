"""Overhead of the Hugging Face ``datasets`` builder over the core, side by side.

1. Building: ``load_dataset("mnist1d", "canonical", num_samples=N)`` into an empty cache
   (generation, Arrow shards, fingerprints re-read from the shards, SHA256SUMS) against
   ``generate(config)`` alone; and, for the design record, the same builder yielding
   example by example (a ``GeneratorBasedBuilder``) instead of whole Arrow tables.
2. Loading: ``load_dataset("mnist1d", "canonical")`` from an existing cache, timed after
   the imports.

Each measurement runs in a fresh process (peak RSS is its own) and the implementations
alternate, so a noisy neighbour hits all of them. Reported: medians and ratios.

    python benchmarks/bench_hf.py                      # 1,000,000 examples, 3 rounds
    python benchmarks/bench_hf.py --examples 200000 --repeats 5 --impls core tables
    python benchmarks/bench_hf.py --algorithm sharded --num-proc 2 --impls core tables --loads 0
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile

BUILD = r"""
import json, resource, sys, tempfile, time
impl, n, algorithm, num_proc, cache = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), sys.argv[5]
import datasets
import mnist1d_builders.hf
from mnist1d_core import MNIST1DConfig, generate
datasets.disable_progress_bars()

class PerExample(datasets.GeneratorBasedBuilder, mnist1d_builders.hf.Mnist1d):
    # The design alternative: the same builder, one example per yield.
    def _generate_examples(self, sources):
        index = 0
        for source in sources:
            for x, y in source():
                for row, label in zip(x.astype("float32"), y.tolist()):
                    yield datasets.builder.Key(0, index), {"x": row, "y": label}
                    index += 1

start = time.perf_counter()
if impl == "core":
    generate(MNIST1DConfig(num_samples=n, algorithm=algorithm))
elif impl == "tables":
    datasets.load_dataset("mnist1d", "canonical", num_samples=n, algorithm=algorithm, num_proc=num_proc, cache_dir=cache)
else:
    PerExample(num_samples=n, algorithm=algorithm, cache_dir=cache).download_and_prepare(num_proc=num_proc)
seconds = time.perf_counter() - start
peak = max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
print(json.dumps({"seconds": seconds, "peak_rss_mb": peak / 1024}))  # the largest process, num_proc workers included
"""

LOAD = r"""
import json, sys, time
import datasets
import mnist1d_builders.hf
datasets.disable_progress_bars()
start = time.perf_counter()
ds = datasets.load_dataset("mnist1d", "canonical", cache_dir=sys.argv[1])
seconds = time.perf_counter() - start
assert ds["train"].num_rows == 4000
print(json.dumps({"seconds": seconds}))
"""

LABELS = {
    "core": "core generate() alone",
    "tables": "builder, Arrow tables (shipped)",
    "examples": "builder, per example (rejected)",
}


def child(code: str, *args: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code, *args], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--examples", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--impls", nargs="+", choices=list(LABELS), default=list(LABELS))
    parser.add_argument("--algorithm", choices=("paper", "sharded"), default="paper")
    parser.add_argument("--num-proc", type=int, default=1, help="num_proc of the builds")
    parser.add_argument("--loads", type=int, default=7, help="cache loads to time (0: skip)")
    args = parser.parse_args()

    runs: dict[str, list[dict]] = {impl: [] for impl in args.impls}
    for _ in range(args.repeats):
        for impl in args.impls:
            with tempfile.TemporaryDirectory() as cache:
                runs[impl].append(child(BUILD, impl, str(args.examples), args.algorithm, str(args.num_proc), cache))
    print(
        f"building {args.examples:,} examples ({args.algorithm} algorithm, num_proc={args.num_proc}), "
        f"median of {args.repeats} (all runs in s):"
    )
    core = runs.get("core")
    for impl, results in runs.items():
        seconds = statistics.median(r["seconds"] for r in results)
        # Ratio of medians, and median of the ratios within each round (same neighbours).
        ratio = (
            (
                f"{seconds / statistics.median(c['seconds'] for c in core):5.2f}x core, per round "
                f"{statistics.median(r['seconds'] / c['seconds'] for r, c in zip(results, core)):5.2f}x"
            )
            if core
            else ""
        )
        every = " ".join(f"{r['seconds']:.2f}" for r in results)
        peak = max(r["peak_rss_mb"] for r in results)
        print(f"  {LABELS[impl]:<33} {seconds:7.2f} s  {ratio}  peak RSS {peak:5.0f} MB  ({every})", flush=True)

    if args.loads:
        with tempfile.TemporaryDirectory() as cache:
            child(LOAD, cache)  # builds the cache once
            loads = [child(LOAD, cache)["seconds"] for _ in range(args.loads)]
        print(
            f"loading canonical from the cache, after imports: median {statistics.median(loads):.3f} s, "
            f"max {max(loads):.3f} s over {args.loads} fresh processes"
        )


if __name__ == "__main__":
    main()
