"""The Parquet shards of an export: written as ``push_to_hub`` writes them, and read back.

Shards and row groups are sized by ``datasets`` itself: a split holds
``int(nbytes / MAX_SHARD_SIZE) + 1`` contiguous shards, as ``Dataset.shard(contiguous=True)``
cuts them, and each row group at most ``MAX_ROW_GROUP_SIZE`` of Arrow data
(``datasets.config``, read when a split is written, in its own units: "500MB" is 500 * 10**6
bytes). The options are those ``datasets`` writes with (Snappy, content-defined chunking,
page index, its features in the schema metadata), except that the float signals skip
dictionary encoding: almost every value is distinct, so the dictionary only costs.

Every shard also records which config and split it holds: its key-value metadata ``mnist1d``
is ``{"config": <every parameter>, "split": <split>}``. That record travels with the data, so
a verifier can bind each shard to the config name that its folder and the card give it. The
``datasets`` loader does not read it (only the schema's ``huggingface`` key).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import datasets
import pyarrow as pa
import pyarrow.parquet as pq
from datasets.arrow_writer import get_writer_batch_size_from_data_size
from datasets.utils.py_utils import convert_file_size_to_int

from mnist1d_core import MNIST1DConfig
from mnist1d_core.fingerprint import Fingerprinter

from ..integrity import IntegrityError

#: The key of a shard's key-value metadata that records its config and split.
RECORD_KEY = "mnist1d"
_OPTIONS = dict(
    compression="snappy", write_page_index=True, use_content_defined_chunking=datasets.config.DEFAULT_CDC_OPTIONS
)


def shard_name(split: str, index: int, count: int) -> str:
    """``train-00001-of-00003.parquet``, as ``push_to_hub`` names a split's shards."""
    return f"{split}-{index:05d}-of-{count:05d}.parquet"


def shards(table: pa.Table, split: str) -> Iterator[tuple[str, pa.Table]]:
    """The split's shards, each with its file name: ``push_to_hub``'s count and cut."""
    count = int(table.nbytes / convert_file_size_to_int(datasets.config.MAX_SHARD_SIZE)) + 1
    size, rest = divmod(table.num_rows, count)
    for index in range(count):
        start = size * index + min(index, rest)
        yield shard_name(split, index, count), table.slice(start, size + (1 if index < rest else 0))


def write_shard(table: pa.Table, sink, *, config: MNIST1DConfig, split: str) -> None:
    """Write one shard to ``sink`` (a path or a pyarrow ``NativeFile``), with its record."""
    rows_per_group = get_writer_batch_size_from_data_size(table.num_rows, table.nbytes)
    record = json.dumps({"config": config.to_dict(), "split": split})
    with pq.ParquetWriter(sink, table.schema, use_dictionary=["y"], **_OPTIONS) as writer:
        writer.write_table(table, row_group_size=rows_per_group)
        writer.add_key_value_metadata(
            {
                "content_defined_chunking": json.dumps(_OPTIONS["use_content_defined_chunking"]),
                RECORD_KEY: record,
            }
        )


def write_splits(tables: dict[str, pa.Table], config: MNIST1DConfig, folder: Path | None = None) -> int:
    """Write each split's shards into ``folder`` (into memory if None, to measure them).

    Returns the bytes written: ``push_to_hub``'s ``download_size``. An ``OSError`` names the
    shard's path (pyarrow's do not).
    """
    written = 0
    for split, table in tables.items():
        for name, shard in shards(table, split):
            path = None if folder is None else Path(folder) / name
            try:
                with pa.BufferOutputStream() if path is None else pa.OSFile(str(path), "wb") as sink:
                    write_shard(shard, sink, config=config, split=split)
                    written += sink.tell()
            except OSError as error:
                if path is None or error.filename is not None or error.errno is None:
                    raise
                raise OSError(error.errno, os.strerror(error.errno), str(path)) from None
    return written


#: What reading a damaged Parquet file or record can raise.
_UNREADABLE = (OSError, ValueError, TypeError, KeyError, AttributeError, pa.ArrowException)


def read_identity(path: Path) -> tuple[MNIST1DConfig, str, datasets.Features]:
    """The config and split a shard records, and the features its schema gives ``datasets``.

    Raises :class:`IntegrityError` naming ``path`` when it is not a readable shard with a record.
    """
    try:
        parquet = pq.ParquetFile(path)
        record = json.loads((parquet.metadata.metadata or {})[RECORD_KEY.encode()])
        config = MNIST1DConfig.from_dict(record["config"])
        split = record["split"]
        features = datasets.Features.from_arrow_schema(parquet.schema_arrow)
    except _UNREADABLE as error:
        raise IntegrityError(
            f"{path}: not a readable MNIST-1D Parquet shard with its '{RECORD_KEY}' record "
            f"({type(error).__name__}: {error})"
        ) from None
    if not isinstance(split, str):
        raise IntegrityError(f"{path}: its '{RECORD_KEY}' record names no split ({split!r})")
    return config, split, features


def read_content(paths: list[Path]) -> Fingerprinter:
    """Re-read a split's shards, in order, into its content fingerprint.

    Raises :class:`IntegrityError` naming the shard that cannot be read.
    """
    content = Fingerprinter()
    for path in paths:
        try:
            for batch in pq.ParquetFile(path).iter_batches():
                x = batch.column("x")
                content.update(x.flatten().to_numpy().reshape(len(x), x.type.list_size), batch.column("y").to_numpy())
        except _UNREADABLE as error:
            raise IntegrityError(
                f"{path}: not a readable MNIST-1D Parquet shard ({type(error).__name__}: {error})"
            ) from None
    return content
