"""Time to prepare a TFDS ``mnist1d`` variant against what it cannot avoid, side by side.

The builder's floor is the core's generation plus TFDS's per-example work on the same
arrays. Measured in fresh processes (the best of 3 runs in each), the implementations
alternating round by round so a noisy neighbour hits all of them:

- ``core``: ``generate(config)`` alone;
- ``serializer``: TFDS's per-example path on precomputed float32 arrays, in memory:
  ``features.encode_example`` then ``ExampleSerializer.serialize_example``;
- ``tfds_write``: a bare ``GeneratorBasedBuilder`` with the same features writing the same
  precomputed arrays to TFRecords (TFDS's whole writer: serializer, shuffler, files, info);
- ``builder``: ``mnist1d_builders.tfds.prepare(config, data_dir)``: generation, writing,
  fingerprints, shard SHA-256s, metadata;
- ``hf``: ``mnist1d_builders.hf.prepare`` for the same config (the ``datasets`` builder),
  when that module is installed.

Every process runs the same preamble before the clock starts: TensorFlow imported, a tiny
dataset written (one-off costs of a process, not of a dataset), the arrays precomputed;
progress bars are off. Reported: medians and the ratios
``builder / (core + tfds_write)`` (the target, <= 1.1: what the builder adds to generating
and to TFDS writing the same arrays) and the stricter ``builder / (core + serializer)``,
which also counts TFDS's own writer (shuffler, key hashing, files) against the builder.

    python benchmarks/bench_tfds.py                          # 200,000 examples, 3 rounds
    python benchmarks/bench_tfds.py --examples 50000 --repeats 5
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import subprocess
import sys

CHILD = r"""
import json, sys, tempfile, time
impl, n, inner = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
scratch = tempfile.TemporaryDirectory()  # every data dir of this process, removed at exit
fresh = lambda: tempfile.mkdtemp(dir=scratch.name)
import numpy as np
import tensorflow as tf, tensorflow_datasets as tfds
import mnist1d_builders.tfds
from tensorflow_datasets.core.example_serializer import ExampleSerializer
from mnist1d_core import SPLITS, MNIST1DConfig, generate

# The same preamble for every implementation, so each is timed in the same process state.
tfds.disable_progress_bar()
mnist1d_builders.tfds.prepare(MNIST1DConfig(num_samples=100, seed=1), fresh())  # warm-up
config = MNIST1DConfig(num_samples=n)
features = mnist1d_builders.tfds.Builder(config=mnist1d_builders.tfds.MNIST1DBuilderConfig(config)).info.features
data = generate(config)
arrays = {split: (data.split(split).x.astype(np.float32), data.split(split).y) for split in SPLITS}


def serialize():
    serializer = ExampleSerializer(features.get_serialized_info())
    for x, y in arrays.values():
        for row, label in zip(x, y.tolist()):
            serializer.serialize_example(features.encode_example({"x": row, "y": label}))


class Precomputed(tfds.core.GeneratorBasedBuilder, skip_registration=True):
    VERSION = tfds.core.Version("1.0.0")

    def _info(self):
        return tfds.core.DatasetInfo(builder=self, features=features, disable_shuffling=True)

    def _split_generators(self, dl_manager):
        return {split: self._generate_examples(*arrays[split]) for split in SPLITS}

    def _generate_examples(self, x, y):
        for key, (row, label) in enumerate(zip(x, y.tolist())):
            yield key, {"x": row, "y": label}


if impl == "hf":
    import datasets, mnist1d_builders.hf
    datasets.disable_progress_bars()
run = {
    "core": lambda: generate(config),
    "serializer": serialize,
    "tfds_write": lambda: Precomputed(data_dir=fresh()).download_and_prepare(),
    "builder": lambda: mnist1d_builders.tfds.prepare(config, fresh()),
    "hf": lambda: mnist1d_builders.hf.prepare(config, fresh()),
}[impl]

seconds = []
for _ in range(inner):  # into a fresh folder each time
    start = time.perf_counter()
    run()
    seconds.append(time.perf_counter() - start)
print(json.dumps(seconds))
scratch.cleanup()
"""

LABELS = {
    "core": "core generate() alone",
    "serializer": "TFDS encode + serialize, in memory",
    "tfds_write": "TFDS writer, precomputed arrays",
    "builder": "mnist1d_builders.tfds.prepare",
    "hf": "mnist1d_builders.hf.prepare (datasets)",
}


def measure(impl: str, n: int, inner: int) -> float:
    """The best of ``inner`` runs in one fresh process: a busy neighbour only adds time."""
    out = subprocess.run(
        [sys.executable, "-c", CHILD, impl, str(n), str(inner)], check=True, capture_output=True, text=True
    )
    return min(json.loads(out.stdout.splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--examples", type=int, default=200_000)
    parser.add_argument("--repeats", type=int, default=3, help="rounds, each a fresh process per implementation")
    parser.add_argument("--inner", type=int, default=3, help="runs per process; the best one counts")
    args = parser.parse_args()

    impls = [impl for impl in LABELS if impl != "hf" or importlib.util.find_spec("mnist1d_builders.hf")]
    runs: dict[str, list[float]] = {impl: [] for impl in impls}
    for _ in range(args.repeats):
        for impl in impls:
            runs[impl].append(measure(impl, args.examples, args.inner))
    t = {impl: statistics.median(times) for impl, times in runs.items()}

    print(f"{args.examples} examples, median of {args.repeats} rounds (each the best of {args.inner} runs)")
    for impl in impls:
        rounds = " ".join(f"{s:.2f}" for s in runs[impl])
        print(f"  {LABELS[impl]:<40} {t[impl]:6.2f} s  {args.examples / t[impl]:>9,.0f} ex/s  (rounds: {rounds})")
    print(f"  builder / (core + tfds_write)  = {t['builder'] / (t['core'] + t['tfds_write']):.3f}  (target <= 1.1)")
    print(f"  builder / (core + serializer)  = {t['builder'] / (t['core'] + t['serializer']):.3f}")
    if "hf" in t:
        print(f"  TFDS builder / datasets builder = {t['builder'] / t['hf']:.2f}")


if __name__ == "__main__":
    main()
