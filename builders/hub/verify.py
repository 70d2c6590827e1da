"""Re-checking a Hub export folder: its files, its card's YAML and its Parquet content."""

from __future__ import annotations

import re
from pathlib import Path

import pyarrow.parquet as pq
import yaml

from mnist1d_core.fingerprint import Fingerprinter, check_fingerprint

from ..integrity import SUMS_FILE, IntegrityError, check_files, read_sha256sums
from .card import CARD_FILE

#: What a clone or a download of the Hub repository adds beside the exported files.
IGNORED = {
    ".git/*": "git's own files, in a clone of the Hub repository",
    ".gitattributes": "written by the Hub into every repository",
    ".cache/huggingface/*": "huggingface_hub's download metadata",
}


def verify_export(folder: Path) -> list[str]:
    """Re-check an export folder: every file against ``SHA256SUMS`` (and none unlisted), and
    each split of the card's configs re-read from its Parquet files: its size against the
    card's YAML, its content fingerprint against the card's table and, for a preset, the
    registry.

    Returns what was checked, one line each; raises :class:`IntegrityError` naming the
    damaged file, or ``FingerprintMismatch``.
    """
    folder = Path(folder)
    checked = check_files(folder, read_sha256sums(folder), record=folder / SUMS_FILE, ignore=IGNORED)
    card = read_card_metadata(folder / CARD_FILE)
    card_text = (folder / CARD_FILE).read_text()
    lines = checked.lines()
    infos = {info["config_name"]: info for info in card["dataset_info"]}
    for entry in card["configs"]:
        name = entry["config_name"]
        recorded = {split["name"]: split["num_examples"] for split in infos[name]["splits"]}
        for data_files in entry["data_files"]:
            split = data_files["split"]
            shards = sorted(folder.glob(data_files["path"] + ".parquet"))
            content = _parquet_fingerprint(shards)
            if content.num_examples != recorded[split]:
                raise IntegrityError(f"{folder / CARD_FILE}: {name}/{split} records {recorded[split]} examples, "
                                     f"the Parquet files hold {content.num_examples}")
            registered = check_fingerprint(name, split, content.hexdigest())
            row = re.search(rf"^\| `{re.escape(name)}` \| {split} \| [\d,]+ \| `([0-9a-f]{{64}})` \|", card_text, re.M)
            if row is None or row.group(1) != content.hexdigest():
                raise IntegrityError(f"{shards[0]}: content fingerprint {content.hexdigest()} of {name}/{split} is not "
                                     f"the card's ({row.group(1) if row else 'none'})")
            lines.append(f"{name}/{split}: {content.num_examples} examples, fingerprint {content.hexdigest()} "
                         + ("(matches the registry)" if registered else "(custom: not in the registry)"))
    return lines


def _parquet_fingerprint(shards: list[Path]) -> Fingerprinter:
    if not shards:
        raise IntegrityError("a split of the card has no Parquet files")
    fingerprinter = Fingerprinter()
    for shard in shards:
        for batch in pq.ParquetFile(shard).iter_batches():
            x = batch.column("x")
            fingerprinter.update(x.flatten().to_numpy().reshape(len(x), x.type.list_size),
                                 batch.column("y").to_numpy())
    return fingerprinter


def read_card_metadata(path: Path) -> dict:
    """The YAML front matter of a dataset card."""
    text = Path(path).read_text()
    match = re.match(r"---\n(.*?)\n---\n", text, re.DOTALL)
    if match is None:
        raise IntegrityError(f"{path}: no YAML front matter")
    return yaml.safe_load(match.group(1))
