"""The Hub export: MNIST-1D configs written as the folder ``push_to_hub`` makes::

    README.md                                  the dataset card (YAML configs/dataset_info, and
                                               each config's record under the key ``mnist1d``)
    assets/mnist1d_examples.png                the card's figure (from a source checkout)
    <config>/<split>-0000i-of-0000n.parquet    per config and split (``parquet``)
    <config>/MANIFEST.json                     the config's record (``mnist1d_builders.record.manifest``)

``datasets.load_dataset(out, "canonical")`` reads it offline.

The Parquet files are written with pyarrow straight from the core's arrays (see ``parquet``),
not through ``datasets``: the files are smaller and written faster (docs/notes/performance.md).

Everything that can be checked before the work is checked first (:func:`check_export`):
the configs, the destination, the disk the export needs and the memory generating it needs.
The folder is written beside ``out`` under a hidden name owned by this process
(``mnist1d_core.files.written_atomically``), verified, and renamed into place: a failed or
interrupted export leaves nothing, and a killed one leaves a partial folder that the next
export to ``out`` removes.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from mnist1d_core import PRESETS, MNIST1DConfig, generate
from mnist1d_core.files import OutputExists, written_atomically
from mnist1d_core.resources import check_disk, check_memory

from ..record.manifest import MANIFEST_FILE, SplitRecord, write_manifest
from .card import CARD_FILE, FIGURE, FIGURE_SOURCE, check_repo_id, preset_results, render_card
from .parquet import write_splits
from .results import check_results
from .summary import ConfigSummary, arrow_bytes, arrow_tables, split_summaries
from .verify import verify_export

#: An export's Parquet files take about their Arrow size (float signals barely compress);
#: the estimate adds a tenth for page indexes and footers, and room for the card and figure.
_PARQUET_OVER_ARROW = 1.1
_FIXED_BYTES = 2 * 10**6
#: Configs one export holds at most: its card lists each (about 2 KB of YAML and table apiece),
#: and verify reads a card with a bound (``records.MAX_RECORD_BYTES``, 8 MiB).
MAX_CONFIGS = 1000


def export(
    out: Path,
    configs: Iterable[MNIST1DConfig] | None = None,
    *,
    repo_id: str | None = None,
    progress: Callable[[str], Callable[[int, int], None]] | None = None,
    results: Mapping[str, Mapping] | None = None,
) -> list[str]:
    """Write ``configs`` (default: the named presets) to the new folder ``out``, Hub layout.

    ``repo_id`` names the Hub repository in the card's loading example. ``progress(label)``
    returns a ``progress(done, total)`` callback for one config's generation. ``results``
    (by config name: what ``mnist1d benchmark --json`` wrote for it, as plain data) go on the card;
    a named preset exported as it is gets the committed measurements (``preset_results``)
    unless ``results`` names it.

    Refuses, before any work (``ValueError``): bad configs or repository id, a destination
    that cannot be written, and an export too large for the disk or the memory. The folder
    appears only when complete and verified. If another run wrote ``out`` meanwhile, with
    exactly the same files, that is a success; with other files, :class:`OutputExists`.
    Returns what was checked. An ``OSError`` names the path in ``out`` it was writing.
    """
    out = Path(out)
    configs = check_export(out, configs, repo_id=repo_id)
    check_results(results, [config.name for config in configs])  # before any work, as render_card would after
    committed = preset_results()
    results = {
        **{c.name: committed[c.name] for c in configs if c.name in committed and c == PRESETS[c.name]},
        **(results or {}),
    }
    record = None
    try:
        with written_atomically(out) as work:  # appears only when complete and verified
            work.mkdir()
            summaries = [_write_config(work, config, progress) for config in configs]
            has_figure = FIGURE_SOURCE.is_file()
            if has_figure:
                (work / FIGURE).parent.mkdir(parents=True)
                shutil.copyfile(FIGURE_SOURCE, work / FIGURE)
            (work / CARD_FILE).write_text(render_card(summaries, repo_id=repo_id, figure=has_figure, results=results))
            record = _record(work)
            checked = verify_export(work)
    except OutputExists:
        if record is None or _record(out) != record:
            raise
        return [f"{out}: written meanwhile by another run, with exactly these files", *verify_export(out)]
    except OSError as error:
        raise _at_target(out, error) from None
    return checked


def check_export(
    out: Path, configs: Iterable[MNIST1DConfig] | None, *, repo_id: str | None = None
) -> list[MNIST1DConfig]:
    """Every check an export of ``configs`` to ``out`` makes before any work; returns the
    configs, one per name. Raises ``ValueError`` (or ``TypeError``) naming the problem:
    ``mnist1d_core.InsufficientResources`` for the disk and memory."""
    configs = list(PRESETS.values()) if configs is None else list(configs)
    if not configs:
        raise ValueError("configs: nothing to export (an empty list)")
    for config in configs:
        if not isinstance(config, MNIST1DConfig):
            raise TypeError(f"configs: expected MNIST1DConfig values, got {config!r}")
    configs = list({config.name: config for config in configs}.values())
    if len(configs) > MAX_CONFIGS:
        raise ValueError(
            f"configs: {len(configs):,} configs; an export holds at most {MAX_CONFIGS:,} (its card lists each "
            "one, and a card is read with a bound): split them into several exports"
        )
    if repo_id is not None:
        check_repo_id(repo_id)
    _check_destination(Path(out))
    largest = max(configs, key=lambda config: config.num_examples)
    what = "the export" + (f" of {len(configs)} configs" if len(configs) > 1 else "")
    check_disk(Path(out).parent, export_bytes(configs), largest, what)
    for config in configs:
        check_memory(config)
    return configs


def _check_destination(out: Path) -> None:
    """Refuse an output folder that cannot be made, or that ``load_dataset`` could not read: a
    symlink, a missing parent, a file where a folder belongs, a folder that is not empty or not
    writable, a parent this process cannot write to, or glob characters in the path."""
    named = f"output folder {str(out)!r}"
    if out.is_symlink():
        raise ValueError(f"{named} is a symlink; give the folder itself ({str(out.resolve())!r})")
    if any(c in str(out.absolute()) for c in "[]*?"):
        raise ValueError(
            f"{named}: load_dataset reads a folder by a glob pattern, so its path cannot hold [, ], * or ?"
        )
    if not out.parent.exists():
        raise ValueError(f"{named}: its parent {str(out.parent)!r} does not exist")
    if not out.parent.is_dir():
        raise ValueError(f"{named}: its parent {str(out.parent)!r} is a file, not a folder")
    if not os.access(out.parent, os.W_OK | os.X_OK):
        raise ValueError(f"{named}: its parent {str(out.parent)!r} is not writable")
    if out.exists() and not out.is_dir():
        raise ValueError(f"{named} is a file; choose a new folder")
    if out.is_dir() and any(out.iterdir()):
        raise ValueError(f"{named} exists and is not empty; choose a new folder")
    if out.is_dir() and not os.access(out, os.W_OK | os.X_OK):
        raise ValueError(f"{named} is not writable; it would be replaced, not filled")


def export_bytes(configs: Iterable[MNIST1DConfig]) -> int:
    """Disk an export of ``configs`` takes, at most (an estimate)."""
    parquet = sum(arrow_bytes(config.num_examples, config.final_seq_length) for config in configs)
    return int(_PARQUET_OVER_ARROW * parquet) + _FIXED_BYTES


def _write_config(folder: Path, config: MNIST1DConfig, progress) -> ConfigSummary:
    data = generate(config, progress=None if progress is None else progress(f"generating {config.name}"))
    splits = split_summaries(data)  # a preset that disagrees with the registry stops here
    (folder / config.name).mkdir()
    download_size, shards = write_splits(arrow_tables(data), folder / config.name)
    records = {s.name: SplitRecord(s.num_examples, s.fingerprint, tuple(shards[s.name])) for s in splits}
    write_manifest(folder / config.name, params=config, layout="hub", splits=records, t=data.t)
    return ConfigSummary(config, splits, download_size, shards)


def listing(folder: Path) -> dict[str, str]:
    """Every file of an export, by its name inside ``folder`` (``/``-separated, sorted), with
    its SHA-256 in hex: the manifests record the shards', this adds the card's and the figure's."""
    from ..record.manifest import sha256_file

    names = sorted(p.relative_to(folder).as_posix() for p in Path(folder).rglob("*") if p.is_file())
    return {name: sha256_file(Path(folder) / name) for name in names}


def _record(folder: Path) -> dict[str, bytes] | None:
    """The card and the manifests: equal for two exports with exactly the same files."""
    try:
        return {
            p.relative_to(folder).as_posix(): p.read_bytes()
            for p in [folder / CARD_FILE, *folder.glob(f"*/{MANIFEST_FILE}")]
        }
    except OSError:
        return None


def _at_target(out: Path, error: OSError) -> OSError:
    """``error``, naming the path in ``out`` rather than in the hidden partial folder it was
    written in (removed by now)."""
    if error.errno is None or error.filename is None:
        return error
    try:
        first, *rest = Path(error.filename).relative_to(out.parent).parts
    except ValueError:
        return error
    if not first.startswith(f".{out.name}."):
        return error
    return OSError(error.errno, error.strerror, str(out.joinpath(*rest)))
