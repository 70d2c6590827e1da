"""Streaming the sharded algorithm at any size: time to the first example, and memory.

``load_dataset("mnist1d", ..., algorithm="sharded", num_samples=N, streaming=True)`` needs
neither disk nor a list of all blocks: jobs are ranges of blocks, each block made as it is
read. Side by side, alternating, each run in a fresh process: a small N (default 10**5) and
a huge one (default 10**13, 8e9 blocks of train). Reported per size (medians): the import,
the time from ``load_dataset`` to the first example, the time to read the next R examples
(default 20,000: twenty blocks), and the process's peak RSS; then the huge size's ratios to
the small one. Targets: first example in under 5 s, peak RSS under 1 GB, at any N.

    python benchmarks/bench_streaming.py
    python benchmarks/bench_streaming.py --sizes 10000 10000000000000 1000000000000000 --repeats 3
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

STREAM = r"""
import itertools, json, resource, sys, time
n, rows, cache = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
start = time.perf_counter()
import datasets
import mnist1d_builders.hf
imported = time.perf_counter()
stream = datasets.load_dataset("mnist1d", "canonical", algorithm="sharded", num_samples=n, split="train",
                               streaming=True, cache_dir=cache)
examples = iter(stream)
next(examples)
first = time.perf_counter()
read = sum(1 for _ in itertools.islice(examples, rows))
done = time.perf_counter()
print(json.dumps({"import": imported - start, "first": first - imported, "rows": read, "next_rows": done - first,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "shards": stream.num_shards}))
"""


def stream(n: int, rows: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-streaming-") as cache:
        out = subprocess.run(
            [sys.executable, "-c", STREAM, str(n), str(rows), cache],
            check=True,
            capture_output=True,
            text=True,
            env={**os.environ, "HF_DATASETS_OFFLINE": "1"},
        )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10**5, 10**13])
    parser.add_argument("--rows", type=int, default=20_000, help="examples read after the first")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    runs = {n: [] for n in args.sizes}
    for _ in range(args.repeats):
        for n in args.sizes:
            runs[n].append(stream(n, args.rows))
    medians = {
        n: {key: statistics.median(r[key] for r in rs) for key in ("import", "first", "next_rows", "peak_rss_mb")}
        for n, rs in runs.items()
    }
    for n, m in medians.items():
        each = ", ".join(f"{r['first']:.2f}" for r in runs[n])
        print(
            f"num_samples={n:.0e} ({runs[n][0]['shards']} jobs): import {m['import']:.2f} s, first example "
            f"{m['first']:.2f} s after load_dataset (runs {each}), "
            f"next {runs[n][0]['rows']} examples {m['next_rows']:.2f} s, peak RSS {m['peak_rss_mb']:.0f} MB"
        )
    small, huge = args.sizes[0], args.sizes[-1]
    print(
        f"num_samples={huge:.0e} vs {small:.0e}: first example {medians[huge]['first'] / medians[small]['first']:.2f}x, "
        f"peak RSS {medians[huge]['peak_rss_mb'] / medians[small]['peak_rss_mb']:.2f}x"
    )


if __name__ == "__main__":
    main()
