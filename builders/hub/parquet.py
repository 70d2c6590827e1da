"""The Parquet shards of an export: written as ``push_to_hub`` writes them, and read back.

Shards and row groups are sized by ``datasets``' own settings: a split holds
``int(nbytes / MAX_SHARD_SIZE) + 1`` contiguous shards, as ``Dataset.shard(contiguous=True)``
cuts them, and each row group at most ``MAX_ROW_GROUP_SIZE`` of Arrow data (``datasets.config``,
read when a split is written; "500MB" is 500 * 10**6 bytes). The options are those ``datasets``
writes with (Snappy, content-defined chunking, page index, its features in the schema metadata),
except that the float signals skip dictionary encoding: almost every value is distinct. What a
shard holds is recorded in its config folder's ``MANIFEST.json``, not in the shard.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path

import datasets
import pyarrow as pa
import pyarrow.parquet as pq

from mnist1d_core.fingerprint import Fingerprinter

from ..record.manifest import IntegrityError, open_regular, reason

_UNITS = {"": 1, "B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12, "KIB": 2**10, "MIB": 2**20, "GIB": 2**30}
#: Content-defined chunking, as datasets writes Parquet since it added it (4.1); without it, none.
_CDC = getattr(datasets.config, "DEFAULT_CDC_OPTIONS", None)
_OPTIONS = dict(
    compression="snappy", write_page_index=True, **({"use_content_defined_chunking": _CDC} if _CDC else {})
)


def shard_name(split: str, index: int, count: int) -> str:
    """``train-00001-of-00003.parquet``, as ``push_to_hub`` names a split's shards."""
    return f"{split}-{index:05d}-of-{count:05d}.parquet"


def shards(table: pa.Table, split: str) -> Iterator[tuple[str, pa.Table]]:
    """The split's shards, each with its file name: ``push_to_hub``'s count and cut."""
    count = int(table.nbytes / size_in_bytes(datasets.config.MAX_SHARD_SIZE)) + 1
    size, rest = divmod(table.num_rows, count)
    for index in range(count):
        start = size * index + min(index, rest)
        yield shard_name(split, index, count), table.slice(start, size + (1 if index < rest else 0))


def size_in_bytes(size: int | str) -> int:
    """A size as ``datasets.config`` states it (``500 * 10**6``, ``"500MB"``, ``"1GiB"``), in bytes."""
    if isinstance(size, int):
        return size
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*", str(size))
    if match is None or match[2].upper() not in _UNITS:
        raise ValueError(f"not a size: {size!r}")
    return int(float(match[1]) * _UNITS[match[2].upper()])


def write_shard(table: pa.Table, sink) -> None:
    """Write one shard to ``sink`` (a path or a pyarrow ``NativeFile``)."""
    # datasets' row-group limit, read now (tests change it); datasets 4.0 lacks it and wrote 100MB groups
    group = size_in_bytes(getattr(datasets.config, "MAX_ROW_GROUP_SIZE", "100MB"))
    rows_per_group = max(1, table.num_rows * group // table.nbytes) if table.nbytes else 1
    with pq.ParquetWriter(sink, table.schema, use_dictionary=["y"], **_OPTIONS) as writer:
        writer.write_table(table, row_group_size=rows_per_group)
        if _CDC:
            writer.add_key_value_metadata({"content_defined_chunking": json.dumps(_CDC)})


def write_splits(tables: dict[str, pa.Table], folder: Path | None = None) -> tuple[int, dict[str, list[str]]]:
    """Write each split's shards into ``folder`` (into memory if None, to measure them).

    Returns the bytes written (``push_to_hub``'s ``download_size``) and each split's shard
    names, in order. An ``OSError`` names the shard's path (pyarrow's do not).
    """
    written, names = 0, {}
    for split, table in tables.items():
        names[split] = []
        for name, shard in shards(table, split):
            names[split].append(name)
            path = None if folder is None else Path(folder) / name
            try:
                with pa.BufferOutputStream() if path is None else pa.OSFile(str(path), "wb") as sink:
                    write_shard(shard, sink)
                    written += sink.tell()
            except OSError as error:
                if path is None or error.filename is not None or error.errno is None:
                    raise
                raise OSError(error.errno, os.strerror(error.errno), str(path)) from None
    return written, names


#: What reading a damaged Parquet file can raise.
_UNREADABLE = (OSError, ValueError, TypeError, KeyError, AttributeError, pa.ArrowException)


def read_features(path: Path) -> datasets.Features:
    """The features a shard's schema gives ``datasets``; :class:`IntegrityError` naming it if unreadable."""
    f = open(open_regular(path), "rb")  # noqa: SIM115  (a fault opening it is an OSError, not damage)
    try:
        with f:
            return datasets.Features.from_arrow_schema(pq.ParquetFile(f).schema_arrow)
    except _UNREADABLE as error:
        raise IntegrityError(f"{path}: not a readable MNIST-1D Parquet shard ({reason(error)})") from None


def read_content(paths: list[Path]) -> Fingerprinter:
    """Re-read a split's shards, in order, into its content fingerprint.

    Raises :class:`IntegrityError` naming the shard that cannot be read.
    """
    content = Fingerprinter()
    for path in paths:
        f = open(open_regular(path), "rb")  # noqa: SIM115  (a fault opening it is an OSError, not damage)
        try:
            with f:
                for batch in pq.ParquetFile(f).iter_batches():
                    x = batch.column("x")
                    content.update(
                        x.flatten().to_numpy().reshape(len(x), x.type.list_size), batch.column("y").to_numpy()
                    )
        except _UNREADABLE as error:
            raise IntegrityError(f"{path}: not a readable MNIST-1D Parquet shard ({reason(error)})") from None
    return content
