"""Re-checking a Hub export folder: everything ``datasets.load_dataset(folder, config)`` reads.

1. **Exactly the export's files.** At the top, the card (``README.md``), its figure, and one
   folder per config; nothing else but what a clone or a download adds (:data:`IGNORED`). No
   symlink anywhere: a config folder that points elsewhere would load other data.
2. **Each config folder** against its ``MANIFEST.json`` (``mnist1d_builders.record.manifest``): exactly
   the complete set of shards ``<split>-0000i-of-0000n.parquet``, each with its SHA-256, the
   builder's features, each split's rows and content fingerprint re-read, a preset's against the
   registry; the folder is named after its parameters.
3. **The card's YAML**, never its prose: ``configs`` and ``dataset_info`` (what the loader reads)
   must be what an export writes for these folders, and the ``mnist1d`` key must state what the
   manifests record. Editing the text keeps a card valid; editing the data or a fingerprint does not.

Damage raises :class:`IntegrityError` naming the file at fault.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import yaml
from huggingface_hub import DatasetCard
from huggingface_hub.repocard import REGEX_YAML_BLOCK

from mnist1d_core import SPLITS, Fingerprinter
from mnist1d_core.fingerprint import registry

from ..record.arrow import features
from ..record.files import MAX_RECORD_BYTES, open_regular, read_bytes
from ..record.manifest import (
    MANIFEST_FILE,
    IntegrityError,
    LegacyBuild,
    Manifest,
    read_manifest,
    reason,
    snippet,
    verify_build,
)
from .card import CARD_FILE, FIGURE, RECORD_KEY, card_data, card_record
from .parquet import read_content, read_features, shard_name
from .summary import ConfigSummary, SplitSummary, arrow_bytes

#: What a clone or a download of the Hub repository adds beside the exported files.
IGNORED = {
    ".git": "git's own files, in a clone of the Hub repository",
    ".gitattributes": "written by the Hub into every repository",
    ".cache": "huggingface_hub's download metadata",
}
_MAX_CARD_BYTES = MAX_RECORD_BYTES  # a card of an export's most configs (exporter.MAX_CONFIGS) takes a quarter
_SHARD = re.compile(rf"({'|'.join(SPLITS)})-(\d{{5}})-of-(\d{{5}})\.parquet")


class HubReader:
    """A config folder of an export (``layout: hub``): Parquet shards beside ``MANIFEST.json``."""

    layout = "hub"
    ignore: dict[str, str] = {}

    def identity(self, folder: Path, manifest: Manifest) -> str:
        if folder.name != manifest.config:
            raise IntegrityError(
                f"{folder / MANIFEST_FILE}: records config {manifest.config}, but lies in folder {folder.name}"
            )
        for split, record in manifest.splits.items():
            count = len(record.shards)
            if list(record.shards) != [shard_name(split, i, count) for i in range(count)]:
                raise IntegrityError(
                    f"{folder / MANIFEST_FILE}: {split}'s shards {snippet(str(list(record.shards)), 80)} are not "
                    f"{split}-00000-of-N.parquet to {split}-(N-1)-of-N.parquet"
                )
        stray = sorted(set(manifest.files) - {s for r in manifest.splits.values() for s in r.shards})
        if stray:
            raise IntegrityError(f"{folder / stray[0]}: listed in {MANIFEST_FILE}, but an export has no such file")
        expected = features(manifest.params.final_seq_length)
        for record in manifest.splits.values():
            for name in record.shards:
                if read_features(folder / name) != expected:
                    raise IntegrityError(f"{folder / name}: its schema gives datasets other features than MNIST-1D's")
        return f"identity: {manifest.config}, agreed by {MANIFEST_FILE}, its folder and its shards' schema"

    def content(self, folder: Path, manifest: Manifest, split: str) -> Fingerprinter:
        return read_content([folder / name for name in manifest.splits[split].shards])


def verify_config(folder: Path) -> list[str]:
    """Re-check one config folder of an export against its manifest."""
    return verify_build(Path(folder), HubReader())


def verify_export(folder: Path) -> list[str]:
    """Re-check an export folder (see the module); return what was checked, one line each."""
    folder = Path(folder)
    if folder.is_symlink():
        raise IntegrityError(f"{folder}: a symlink; verify the folder it points to, {folder.resolve()}")
    if any(c in str(folder.absolute()) for c in "[]*?"):
        raise ValueError(f"{folder}: load_dataset reads a folder by a glob pattern; rename it without [, ], * or ?")
    if os.path.lexists(folder / "SHA256SUMS") and not any(folder.glob(f"*/{MANIFEST_FILE}")):
        raise LegacyBuild(
            f"{folder}: exported by mnist1d-datasets 0.1.0 (it keeps SHA256SUMS and Parquet-footer records, not "
            f"{MANIFEST_FILE} per config); this release does not read those records: export it again"
        )
    configs, ignored = _layout(folder)
    lines = [f"ignored: {name} ({IGNORED[name]})" for name in ignored]
    manifests = {}
    for name in configs:
        lines += [f"{name}/{line}" for line in verify_config(folder / name)]
        manifests[name] = read_manifest(folder / name, "hub")
    if not manifests:
        raise IntegrityError(f"{folder}: holds no config folder with a {MANIFEST_FILE}")
    _check_card(folder / CARD_FILE, [_summary(folder / name, m) for name, m in manifests.items()])
    return [*lines, f"{CARD_FILE}: its YAML configs, dataset_info and {RECORD_KEY} agree with the manifests"]


def _layout(folder: Path) -> tuple[list[str], list[str]]:
    """The config folders at the top of an export, and the entries a clone adds; anything else
    but the card and its figure is damage."""
    configs, ignored = [], []
    for entry in sorted(os.scandir(folder), key=lambda e: e.name):
        path = Path(entry.path)
        if entry.name in IGNORED:
            ignored.append(entry.name)
            continue
        if entry.is_symlink():
            raise IntegrityError(f"{path}: a symlink; an export holds its own files, so it is refused")
        if entry.name == CARD_FILE:
            os.close(open_regular(path))  # a FIFO, a device, a folder: refused, never read
            continue
        if entry.name == Path(FIGURE).parts[0] and entry.is_dir():
            inside = [Path(e.path) for e in os.scandir(path)]
            if inside == [folder / FIGURE] and not inside[0].is_symlink() and inside[0].is_file():
                continue
            odd = next((p for p in inside if p != folder / FIGURE or p.is_symlink()), path)
            raise IntegrityError(f"{odd}: an export has no such file beside its figure")
        if entry.is_dir() and os.path.lexists(path / MANIFEST_FILE):
            configs.append(entry.name)
            continue
        if entry.is_dir():
            raise IntegrityError(f"{path / MANIFEST_FILE}: missing, so the folder {entry.name} cannot be checked")
        raise IntegrityError(
            f"{path}: a file that no {MANIFEST_FILE} lists; a loader could read it as part of the dataset: "
            "remove it if it is not"
        )
    if not (folder / CARD_FILE).is_file():
        raise IntegrityError(
            f"{folder / CARD_FILE}: missing, so load_dataset would find no configs and read every "
            "folder's shards as one dataset"
        )
    return configs, ignored


def _summary(folder: Path, manifest: Manifest) -> ConfigSummary:
    params = manifest.params
    splits = tuple(
        SplitSummary(
            split,
            record.num_rows,
            arrow_bytes(record.num_rows, params.final_seq_length),
            record.fingerprint,
            (params.name, split) in registry(),
        )
        for split, record in manifest.splits.items()
    )
    size = sum((folder / name).stat().st_size for r in manifest.splits.values() for name in r.shards)
    return ConfigSummary(params, splits, size, {s: list(r.shards) for s, r in manifest.splits.items()})


def read_card_metadata(path: Path) -> dict:
    """The YAML metadata of a dataset card, as ``load_dataset`` reads it."""
    return _read_card(Path(path)).data.to_dict()


def _read_card(path: Path) -> DatasetCard:
    """The card, read as ``load_dataset`` reads a folder's README.md, with bounds."""
    try:
        text = read_bytes(path, _MAX_CARD_BYTES).decode("utf-8")
        if not REGEX_YAML_BLOCK.search(text):  # else huggingface_hub warns and reads no metadata
            raise IntegrityError(f"{path}: has no YAML metadata block, so load_dataset would find no configs in it")
        return DatasetCard(text)
    except (UnicodeDecodeError, ValueError, TypeError, RecursionError, yaml.YAMLError) as error:
        raise IntegrityError(
            f"{path}: not a readable dataset card ({type(error).__name__}: {reason(error)})"
        ) from None


def _check_card(path: Path, summaries: list[ConfigSummary]) -> None:
    """The card's YAML must be what an export writes for ``summaries``."""
    found, expected = _read_card(path).data.to_dict(), card_data(summaries).to_dict()
    for key in ("configs", "dataset_info"):
        if found.get(key) != expected[key]:
            raise IntegrityError(
                f"{path}: its YAML `{key}` is not what an export writes for the Parquet files here "
                f"({_first_difference(found.get(key), expected[key])}); load_dataset would read it"
            )
    recorded, actual = found.get(RECORD_KEY), card_record(summaries)
    if recorded != actual:
        where = _first_difference(
            [{"config_name": n, **v} for n, v in (recorded or {}).get("configs", {}).items()]
            if isinstance(recorded, dict) and isinstance(recorded.get("configs"), dict)
            else recorded,
            [{"config_name": n, **v} for n, v in actual["configs"].items()],
        )
        raise IntegrityError(
            f"{path}: its YAML `{RECORD_KEY}` does not state what the manifests record ({where}); the card is damaged"
        )


def _first_difference(found, expected) -> str:
    """Where two YAML values first differ, briefly."""

    def by_config(value):
        entries = value if isinstance(value, list) else [value]
        return {entry.get("config_name") if isinstance(entry, dict) else repr(entry): entry for entry in entries}

    found_entries, expected_entries = by_config(found), by_config(expected)
    if found_entries.keys() != expected_entries.keys():
        return f"configs {snippet(str(sorted(map(str, found_entries))), 80)}, expected {sorted(expected_entries)}"
    name = next((name for name in expected_entries if found_entries[name] != expected_entries[name]), None)
    return f"config {name}" if name else "its form"
