"""The Hub export: MNIST-1D configs written as the folder ``push_to_hub`` makes::

    README.md                                  the dataset card (YAML configs/dataset_info)
    SHA256SUMS                                 every other file's SHA-256 (``sha256sum -c``)
    assets/mnist1d_examples.png                the card's figure (from a source checkout)
    <config>/<split>-0000i-of-0000n.parquet    per config and split

``datasets.load_dataset(out, "canonical")`` reads it offline.

The Parquet files are written with pyarrow straight from the core's arrays, with the
options ``datasets`` uses (Snappy, content-defined chunking, page index, its features in the
schema metadata), except that the float signals skip dictionary encoding: almost every value
is distinct, so the dictionary only costs. Measured against ``Dataset.to_parquet`` on the same
Arrow table: canonical train 644,562 bytes instead of 989,729, written 2.6x faster; 800,000
rows 128.6 MB instead of 129.8 MB, 2.2x faster (0.37 s). Going through ``datasets`` from the
numpy arrays (``Dataset.from_dict``) took 11x to 23x as long.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Callable, Iterable

import datasets
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from mnist1d_core import PRESETS, MNIST1DConfig, generate
from mnist1d_core.files import written_atomically

from ..integrity import write_sha256sums
from .card import CARD_FILE, FIGURE, FIGURE_SOURCE, check_repo_id, render_card
from .summary import ConfigSummary, arrow_tables, summary_of
from .verify import verify_export

# As push_to_hub: shards of at most 500 MB, row groups of at most 100 MB, both uncompressed.
MAX_SHARD_BYTES = 500 * 2**20
MAX_ROW_GROUP_BYTES = 100 * 2**20
_PARQUET_OPTIONS = dict(compression="snappy", write_page_index=True,
                        use_content_defined_chunking=datasets.config.DEFAULT_CDC_OPTIONS)


def export(out: Path, configs: Iterable[MNIST1DConfig] | None = None, *, repo_id: str | None = None,
           progress: Callable[[str], Callable[[int, int], None]] | None = None) -> list[str]:
    """Write ``configs`` (default: the named presets) to the new folder ``out``, Hub layout.

    ``repo_id`` names the Hub repository in the card's loading example. ``progress(label)``
    returns a ``progress(done, total)`` callback for one config's generation.

    The folder is made beside ``out`` under a temporary name, re-verified, and renamed to
    ``out`` only when complete: a failure leaves nothing behind. Returns what was checked.
    """
    out = Path(out)
    configs = _unique(configs)
    if repo_id is not None:
        check_repo_id(repo_id)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ValueError(f"output folder {str(out)!r} exists and is not empty; choose a new folder")
    if not out.parent.is_dir():
        raise ValueError(f"output folder {str(out)!r}: its parent {str(out.parent)!r} does not exist")

    with written_atomically(out) as work:  # appears only when complete and verified
        work.mkdir()
        summaries = [_write_config(work, config, progress) for config in configs]
        has_figure = FIGURE_SOURCE.is_file()
        if has_figure:
            (work / FIGURE).parent.mkdir(parents=True)
            shutil.copyfile(FIGURE_SOURCE, work / FIGURE)
        (work / CARD_FILE).write_text(render_card(summaries, repo_id=repo_id, figure=has_figure))
        write_sha256sums(work, [p for p in work.rglob("*") if p.is_file()])
        checked = verify_export(work)
    return checked


def _unique(configs: Iterable[MNIST1DConfig] | None) -> list[MNIST1DConfig]:
    configs = list(PRESETS.values()) if configs is None else list(configs)
    if not configs:
        raise ValueError("configs: nothing to export (an empty list)")
    for config in configs:
        if not isinstance(config, MNIST1DConfig):
            raise TypeError(f"configs: expected MNIST1DConfig values, got {config!r}")
    return list({config.name: config for config in configs}.values())


def _write_config(folder: Path, config: MNIST1DConfig, progress) -> ConfigSummary:
    data = generate(config, progress=None if progress is None else progress(f"generating {config.name}"))
    tables = arrow_tables(data)
    summary = summary_of(data, tables)  # a preset that disagrees with the registry stops here
    (folder / config.name).mkdir()
    for split, table in tables.items():
        for path, shard in _shard_paths(folder, config.name, split, table):
            _write_parquet(shard, path)
    return summary


def _shard_paths(folder: Path, name: str, split: str, table: pa.Table):
    count = table.nbytes // MAX_SHARD_BYTES + 1
    bounds = np.linspace(0, table.num_rows, count + 1).astype(int)
    for index in range(count):
        path = folder / name / f"{split}-{index:05d}-of-{count:05d}.parquet"
        yield path, table.slice(bounds[index], bounds[index + 1] - bounds[index])


def _write_parquet(table: pa.Table, path: Path) -> None:
    rows_per_group = max(1, MAX_ROW_GROUP_BYTES * table.num_rows // max(table.nbytes, 1))
    with pq.ParquetWriter(path, table.schema, use_dictionary=["y"], **_PARQUET_OPTIONS) as writer:
        writer.write_table(table, row_group_size=rows_per_group)
        writer.add_key_value_metadata(
            {"content_defined_chunking": json.dumps(_PARQUET_OPTIONS["use_content_defined_chunking"])})
