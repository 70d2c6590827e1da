"""Random-access reads: TFDS's data source over ArrayRecord against the ``datasets``
builder's Arrow table, side by side in one run.

One process builds the same variant three times (TFDS ArrayRecord, TFDS TFRecord,
``datasets``), then times, on the train split, after a warm-up round, the two frameworks
alternating round by round so a noisy neighbour hits both (medians of the rounds):

- ``item``: one example at a random index: ``source[i]`` (``tfds.data_source``) against
  ``ds[i]`` (the ``datasets`` build, numpy format);
- ``batch``: a batch of random indices: ``source.__getitems__(indices)`` (what a PyTorch
  ``DataLoader`` calls) against ``ds[indices]``;
- ``slice``: a batch of consecutive examples: ``source.__getitems__(range(i, i + B))``
  against ``ds[i:i + B]``;
- ``split``: the whole split in order, as ``mnist1d verify`` reads it: the ArrayRecord data
  source in batches (``read_batches``) against the TFRecord shards through tf.data
  (``as_dataset(batch_size=...)``), and ``datasets`` in slices.

Reported: examples read per second for each, and the ratio TFDS / datasets.

    python benchmarks/bench_random_access.py                       # 100,000 examples, 5 rounds
    python benchmarks/bench_random_access.py --examples 20000 --rounds 3 --batch 128
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import tempfile
import time
from collections.abc import Callable

import datasets
import numpy as np
import tensorflow_datasets as tfds

import mnist1d_builders.hf
import mnist1d_builders.tfds
from mnist1d_builders.tfds.mnist1d.mnist1d_dataset_builder import read_batches
from mnist1d_core import MNIST1DConfig

SPLIT = "train"


def examples_per_second(read: Callable[[], int]) -> float:
    start = time.perf_counter()
    examples = read()
    return examples / (time.perf_counter() - start)


def readers(source, tfrecord, ds, *, reads: int, batch: int, seed: int) -> dict[str, dict[str, Callable[[], int]]]:
    """kind -> implementation -> a function that reads and returns how many examples it read."""
    n = len(source)
    rng = np.random.default_rng(seed)
    items = rng.integers(n, size=reads).tolist()
    batches = [rng.integers(n, size=batch).tolist() for _ in range(max(reads // batch, 1))]
    starts = rng.integers(n - batch, size=len(batches)).tolist()

    def each(read, keys, examples_per_key=1):
        def run():
            for key in keys:
                read(key)
            return len(keys) * examples_per_key

        return run

    def whole_tfrecord():
        return sum(len(b["y"]) for b in tfds.as_numpy(tfrecord.as_dataset(split=SPLIT, batch_size=65536)))

    def whole_datasets():
        return sum(len(ds[start : start + 65536]["y"]) for start in range(0, n, 65536))

    return {
        "item": {"tfds": each(source.__getitem__, items), "datasets": each(ds.__getitem__, items)},
        "batch": {"tfds": each(source.__getitems__, batches, batch), "datasets": each(ds.__getitem__, batches, batch)},
        "slice": {
            "tfds": each(source.__getitems__, [range(s, s + batch) for s in starts], batch),
            "datasets": each(ds.__getitem__, [slice(s, s + batch) for s in starts], batch),
        },
        "split": {
            "tfds": lambda: sum(len(b["y"]) for b in read_batches(source, 65536)),
            "tfds TFRecord": whole_tfrecord,
            "datasets": whole_datasets,
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--examples", type=int, default=100_000, help="size of the variant (train: 80%%)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--reads", type=int, default=5000, help="examples read per round for item, batch, slice")
    parser.add_argument("--batch", type=int, default=256)
    args = parser.parse_args()

    tfds.disable_progress_bar()
    datasets.disable_progress_bars()
    config = MNIST1DConfig(num_samples=args.examples)
    with tempfile.TemporaryDirectory() as scratch:
        with contextlib.redirect_stdout(sys.stderr):  # TFDS's messages; stdout is the result
            array_record = mnist1d_builders.tfds.prepare(config, f"{scratch}/ar", file_format="array_record")
            tfrecord = tfds.builder_from_directory(mnist1d_builders.tfds.prepare(config, f"{scratch}/tfrecord"))
            hf = mnist1d_builders.hf.Mnist1d(cache_dir=f"{scratch}/hf", **config.to_dict())
            hf.download_and_prepare()
        source = tfds.builder_from_directory(array_record).as_data_source(SPLIT)
        ds = hf.as_dataset(split=SPLIT).with_format("numpy")

        kinds = readers(source, tfrecord, ds, reads=args.reads, batch=args.batch, seed=0)
        rates = {kind: {impl: [] for impl in impls} for kind, impls in kinds.items()}
        for round_ in range(args.rounds + 1):  # round 0 warms caches and is not counted
            for kind, impls in kinds.items():
                for impl, read in impls.items():
                    rate = examples_per_second(read)
                    if round_:
                        rates[kind][impl].append(rate)

    print(
        f"{config.name}: {len(source):,} train examples of length {config.final_seq_length}; batches of "
        f"{args.batch}; examples read per second, median of {args.rounds} rounds (after a warm-up round)"
    )
    for kind, impls in rates.items():
        medians = {impl: statistics.median(r) for impl, r in impls.items()}
        cells = "  ".join(f"{impl}: {rate:>11,.0f}" for impl, rate in medians.items())
        print(f"  {kind:<6} {cells}  tfds / datasets = {medians['tfds'] / medians['datasets']:.2f}")


if __name__ == "__main__":
    main()
