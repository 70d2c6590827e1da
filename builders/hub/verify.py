"""Re-checking a Hub export folder: everything ``datasets.load_dataset(folder, config)`` reads.

1. **Exactly the recorded files.** Every file against ``SHA256SUMS``, and no other file but
   those a clone or download of the Hub repository adds (:data:`IGNORED`). ``SHA256SUMS`` may
   list only what an export has: ``README.md``, the figure, and for each config and split the
   complete set of shards ``<config>/<split>-0000i-of-0000n.parquet`` (a stray shard would be
   read as part of the split; ``dataset_infos.json`` or ``.huggingface.yaml`` would change what
   the loader reads).
2. **A bound identity.** Each shard records its config's parameters and its split
   (``parquet.RECORD_KEY``): the parameters must give the name of the shard's folder, the split
   that of its file name, and the schema the builder's features.
3. **Content.** Each split is re-read: its size and signal length must be its config's, and its
   fingerprint the card's and, for a preset, the registry's. Content registered for a preset,
   found under another config's name, is damage too (unless that config makes the same data),
   so that no edit can switch the registry check off.
4. **The card.** Its YAML ``configs`` and ``dataset_info`` (what the loader reads) must be what
   an export writes for these files, and its tables must state the shards' parameters and the
   re-read fingerprints.

Damage raises :class:`IntegrityError` naming the file at fault; where the data and a record of
it disagree and the data cannot be told intact, the message names both.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import yaml
from huggingface_hub import DatasetCard
from huggingface_hub.repocard import REGEX_YAML_BLOCK

from mnist1d_core import SPLITS, MNIST1DConfig, fingerprint, generate
from mnist1d_core.config import PRESETS
from mnist1d_core.fingerprint import Fingerprinter, registry

from ..hf import features
from ..integrity import SUMS_FILE, IntegrityError, check_files, checked_against_registry, read_sha256sums
from .card import CARD_FILE, FIGURE, card_data, stated_rows
from .parquet import read_content, read_identity, shard_name
from .summary import ConfigSummary, SplitSummary, arrow_bytes

#: What a clone or a download of the Hub repository adds beside the exported files.
IGNORED = {
    ".git/*": "git's own files, in a clone of the Hub repository",
    ".gitattributes": "written by the Hub into every repository",
    ".cache/huggingface/*": "huggingface_hub's download metadata",
}

_SHARD = re.compile(rf"([^/]+)/({'|'.join(SPLITS)})-(\d{{5}})-of-(\d{{5}})\.parquet")
#: A row of the card's fingerprints table: config, split, examples, fingerprint.
_FINGERPRINT_ROW = re.compile(r"^\| `([^`]+)` \| (\w+) \| [\d,]+ \| `([0-9a-f]{64})` \|", re.M)


def verify_export(folder: Path) -> list[str]:
    """Re-check an export folder (see the module's description).

    Returns what was checked, one line each; raises :class:`IntegrityError` naming the
    damaged file.
    """
    folder = Path(folder)
    checked = check_files(folder, read_sha256sums(folder), record=folder / SUMS_FILE, ignore=IGNORED)
    card_path = folder / CARD_FILE
    if CARD_FILE not in checked.digests:
        raise IntegrityError(f"{card_path}: missing, or not listed in {SUMS_FILE}")
    card = _read_card(card_path)
    recorded = {(name, split): digest for name, split, digest in _FINGERPRINT_ROW.findall(card.content)}
    lines = checked.lines()
    summaries = []
    for name, splits in _shards(folder, checked.digests).items():
        config = _identity(folder / name, splits)
        parts = []
        for split in SPLITS:
            paths = splits[split]
            content = read_content(paths)
            lines.append(_check_content(config, split, content, paths, recorded.get((name, split)), folder))
            parts.append(
                SplitSummary(
                    split,
                    content.num_examples,
                    arrow_bytes(content.num_examples, config.final_seq_length),
                    content.hexdigest(),
                    (name, split) in registry(),
                )
            )
        size = sum(path.stat().st_size for paths in splits.values() for path in paths)
        summaries.append(ConfigSummary(config, tuple(parts), size))
    _check_card(card_path, card, summaries)
    return lines


def read_card_metadata(path: Path) -> dict:
    """The YAML metadata of a dataset card, as ``load_dataset`` reads it."""
    return _read_card(Path(path)).data.to_dict()


def _read_card(path: Path) -> DatasetCard:
    """The card, read as ``load_dataset`` reads a folder's README.md (``DatasetCard.load``)."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            text = f.read()
        if not REGEX_YAML_BLOCK.search(text):  # else huggingface_hub warns and reads no metadata
            raise IntegrityError(f"{path}: has no YAML metadata block, so load_dataset would find no configs in it")
        return DatasetCard(text)
    except (OSError, ValueError, TypeError, yaml.YAMLError) as error:
        reason = " ".join(str(error).split())
        raise IntegrityError(f"{path}: not a readable dataset card ({type(error).__name__}: {reason[:200]})") from None


def _shards(folder: Path, listed: dict[str, str]) -> dict[str, dict[str, list[Path]]]:
    """The shards ``SHA256SUMS`` lists, by config folder and split, each split's complete and
    in order; any other listed file but the card and the figure is damage."""
    found: dict[tuple[str, str], dict[int, tuple[int, Path]]] = defaultdict(dict)
    for name in sorted(listed):
        if name in (CARD_FILE, FIGURE):
            continue
        match = _SHARD.fullmatch(name)
        if match is None:
            raise IntegrityError(
                f"{folder / name}: listed in {SUMS_FILE}, but an export has no such file "
                "(a loader could read it as part of the dataset): remove it if it is not"
            )
        config, split, index, count = match.groups()
        found[config, split][int(index)] = (int(count), folder / name)
    if not found:
        raise IntegrityError(f"{folder / SUMS_FILE}: lists no Parquet shard")
    shards: dict[str, dict[str, list[Path]]] = defaultdict(dict)
    for (config, split), by_index in found.items():
        count, first = by_index[min(by_index)]
        for index, (other, path) in sorted(by_index.items()):
            if index >= other:
                raise IntegrityError(f"{path}: numbered {index} of {other}, a shard no export writes")
            if other != count:
                raise IntegrityError(
                    f"{path}: a stray shard beside {first.name}, which says {config}/{split} has {count} shard(s)"
                )
        for index in range(count):
            if index not in by_index:
                raise IntegrityError(
                    f"{folder / config / shard_name(split, index, count)}: missing (not listed "
                    f"in {SUMS_FILE}); {config}/{split} has {count} shards"
                )
        shards[config][split] = [by_index[index][1] for index in range(count)]
    for config, splits in shards.items():
        for split in SPLITS:
            if split not in splits:
                raise IntegrityError(f"{folder / config}: has no {split} shards listed in {SUMS_FILE}")
    return dict(shards)


def _identity(directory: Path, splits: dict[str, list[Path]]) -> MNIST1DConfig:
    """The config the shards in ``directory`` record: it must be named like the folder, and
    each shard must record the split of its file name and have the builder's features."""
    config = None
    for split, paths in splits.items():
        for path in paths:
            config, recorded, found = read_identity(path)
            if config.name != directory.name:
                raise IntegrityError(f"{path}: records config {config.name}, but lies in folder {directory.name}")
            if recorded != split:
                raise IntegrityError(f"{path}: records split {recorded!r}, but is named a {split} shard")
            if found != features(config.final_seq_length):
                raise IntegrityError(f"{path}: its schema gives datasets other features than MNIST-1D's ({found})")
    return config


def _check_content(
    config: MNIST1DConfig, split: str, content: Fingerprinter, paths: list[Path], recorded: str | None, folder: Path
) -> str:
    """Check a split's re-read content against its config, the registry and the fingerprint
    ``recorded`` on the card; return the line that says what was checked."""
    card_path, shards = folder / CARD_FILE, ", ".join(map(str, paths))
    expected = (config.split_size(split), config.final_seq_length)
    if (content.num_examples, content.seq_length) != expected:
        raise IntegrityError(
            f"{shards}: hold {content.num_examples} examples of length {content.seq_length}, but "
            f"{config.name}/{split} has {expected[0]} of length {expected[1]}"
        )
    digest = content.hexdigest()
    line = checked_against_registry(
        config.name, split, content, [path.relative_to(folder).as_posix() for path in paths], CARD_FILE, damaged=shards
    )  # a preset's content must be the registered one
    preset = next((key for key, entry in registry().items() if entry.sha256 == digest), None)
    if preset is not None and preset != (config.name, split) and not _makes(config, split, digest):
        raise IntegrityError(
            f"{shards}: hold the registered content of {'/'.join(preset)}, but record "
            f"{config.name}/{split}; a preset's data must carry its name"
        )
    if recorded is None:
        raise IntegrityError(f"{card_path}: its fingerprints table has no row for {config.name}/{split}")
    if recorded != digest and (config.name, split) in registry():  # the content is intact: the card is not
        raise IntegrityError(
            f"{card_path}: its fingerprint of {config.name}/{split} is {recorded}, the Parquet files "
            f"hold {digest}, the registered content: the card is damaged"
        )
    if recorded != digest:
        raise IntegrityError(
            f"{shards}: hold content fingerprint {digest}, but {card_path} records {recorded} for "
            f"{config.name}/{split}: the shards or the card are damaged"
        )
    return f"{config.name}/{line}"


def _makes(config: MNIST1DConfig, split: str, digest: str) -> bool:
    """True if ``config`` generates content ``digest`` for ``split``; tried only at a preset's size."""
    if not any(config.sizes() == preset.sizes() for preset in PRESETS.values()):
        return False
    part = generate(config).split(split)
    return fingerprint(part.x, part.y) == digest


def _check_card(path: Path, card: DatasetCard, summaries: list[ConfigSummary]) -> None:
    """The card's YAML and tables must be what an export writes for ``summaries``."""
    found, expected = card.data.to_dict(), card_data(summaries).to_dict()
    for key in ("configs", "dataset_info"):
        if found.get(key) != expected[key]:
            raise IntegrityError(
                f"{path}: its YAML `{key}` is not what an export writes for the Parquet files here "
                f"({_first_difference(found.get(key), expected[key])}); load_dataset would read it"
            )
    lines = card.content.splitlines()
    for row in stated_rows(summaries):
        if not any(line.startswith(row) for line in lines):
            raise IntegrityError(f"{path}: its tables lack the row {row!r}, which the Parquet files hold")


def _first_difference(found, expected) -> str:
    """Where two YAML values first differ, briefly."""

    def by_config(value):
        entries = value if isinstance(value, list) else [value]
        return {entry.get("config_name") if isinstance(entry, dict) else repr(entry): entry for entry in entries}

    found_entries, expected_entries = by_config(found), by_config(expected)
    if found_entries.keys() != expected_entries.keys():
        return f"configs {sorted(map(str, found_entries))}, expected {sorted(expected_entries)}"
    name = next((name for name in expected_entries if found_entries[name] != expected_entries[name]), None)
    return f"config {name}" if name else "its form"
