"""What the Hub export and the card say of one config: its splits' sizes and fingerprints,
and the size of its Parquet files."""

from __future__ import annotations

import dataclasses

import numpy as np
import pyarrow as pa

from mnist1d_core import MNIST1D, SPLITS, MNIST1DConfig, fingerprint, generate
from mnist1d_core.fingerprint import check_fingerprint

from ..record.arrow import features  # the builder's columns, so an export loads like a build
from .parquet import write_splits


@dataclasses.dataclass(frozen=True)
class SplitSummary:
    name: str
    num_examples: int
    num_bytes: int  # in Arrow, as datasets counts it
    fingerprint: str
    registered: bool  # True: a preset's, checked against the registry


@dataclasses.dataclass(frozen=True)
class ConfigSummary:
    config: MNIST1DConfig
    splits: tuple[SplitSummary, ...]
    download_size: int  # bytes of its Parquet files, as push_to_hub records it
    shards: dict[str, list[str]] = dataclasses.field(default_factory=dict)  # by split, in order

    @property
    def name(self) -> str:
        return self.config.name


def arrow_bytes(num_examples: int, seq_length: int) -> int:
    """Bytes of a split in Arrow (``Table.nbytes``, datasets' ``num_bytes``): float32 signals
    and int64 labels, no nulls."""
    return num_examples * (4 * seq_length + 8)


def arrow_tables(data: MNIST1D) -> dict[str, pa.Table]:
    """Each split as an Arrow table with the ``datasets`` builder's schema (float32 ``x``)."""
    schema = features(data.config.final_seq_length).arrow_schema  # carries the features for datasets
    tables = {}
    for split in SPLITS:
        part = data.split(split)
        values = pa.array(np.ascontiguousarray(part.x, dtype="<f4").ravel())
        signals = pa.FixedSizeListArray.from_arrays(values, part.x.shape[1])
        tables[split] = pa.Table.from_arrays([signals, pa.array(part.y, pa.int64())], schema=schema)
    return tables


def split_summaries(data: MNIST1D) -> tuple[SplitSummary, ...]:
    """Fingerprint each split; a preset's must equal the registry's (FingerprintMismatch)."""
    summaries = []
    for split in SPLITS:
        part = data.split(split)
        digest = fingerprint(part.x, part.y)
        registered = check_fingerprint(data.config.name, split, digest)
        summaries.append(SplitSummary(split, len(part), arrow_bytes(len(part), part.x.shape[1]), digest, registered))
    return tuple(summaries)


def summarize(config: MNIST1DConfig) -> ConfigSummary:
    """Generate ``config`` and summarise it; its Parquet files are written to memory to be measured."""
    data = generate(config)
    splits = split_summaries(data)
    return ConfigSummary(config, splits, *write_splits(arrow_tables(data)))
