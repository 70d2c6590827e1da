"""Checksums of a built dataset folder: what every format's verifier shares.

Every builder records, beside its shards, each shard's SHA-256 and each split's
content fingerprint (``mnist1d_core.fingerprint``). Verifying re-hashes the shard
files and re-reads their content; the first damage found is reported by file name.
This module knows no framework; ``mnist1d_builders.verify`` picks the format's verifier.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Iterable, Mapping

from mnist1d_core.files import written_atomically
from mnist1d_core.fingerprint import Fingerprinter, FingerprintMismatch, check_fingerprint

#: The checksum file, in the format ``sha256sum -c`` reads: ``<hex>  <file name>``.
SUMS_FILE = "SHA256SUMS"


class IntegrityError(Exception):
    """A built dataset does not match its recorded checksums or fingerprints."""


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_sha256sums(directory: Path, files: Iterable[Path]) -> Path:
    """Write ``SHA256SUMS`` in ``directory`` for ``files`` (paths inside it)."""
    return record_sha256sums(directory, {Path(f): sha256_file(f) for f in files})


def record_sha256sums(directory: Path, digests: Mapping[Path, str]) -> Path:
    """Write ``SHA256SUMS`` in ``directory`` from digests already computed, by file path."""
    directory = Path(directory)
    lines = [f"{digests[f]}  {Path(f).relative_to(directory).as_posix()}\n" for f in sorted(digests)]
    target = directory / SUMS_FILE
    with written_atomically(target) as partial:
        partial.write_text("".join(lines))
    return target


def check_sha256sums(directory: Path) -> list[str]:
    """Re-hash every file listed in ``directory/SHA256SUMS``; return the names checked."""
    directory = Path(directory)
    sums = directory / SUMS_FILE
    if not sums.is_file():
        raise IntegrityError(f"{sums}: missing, so the shards cannot be checked")
    checked = []
    for line in sums.read_text().splitlines():
        expected, name = line.split("  ", 1)
        path = directory / name
        if not path.is_file():
            raise IntegrityError(f"{path}: listed in {SUMS_FILE} but missing")
        if sha256_file(path) != expected:
            raise IntegrityError(f"{path}: SHA-256 differs from {SUMS_FILE}; the file is damaged")
        checked.append(name)
    return checked


def checked_against_registry(config_name: str, split: str, content: Fingerprinter, shards: list[str],
                             record: str, damaged: Path | str) -> str:
    """Check a split's fingerprint, re-read from its shards and already matched with the
    build's ``record``, against the registry; return the line that says what was checked.

    Raises :class:`IntegrityError` naming ``damaged`` when a preset's content is not the
    registered one.
    """
    digest = content.hexdigest()
    try:
        registered = check_fingerprint(config_name, split, digest)
    except FingerprintMismatch as error:
        raise IntegrityError(f"{damaged}: {error}") from None
    against = f"{record} and the registry ({config_name})" if registered else (
        f"{record} ({config_name} has no registered fingerprint)")
    return (f"{split}: {content.num_examples} examples of length {content.seq_length}, content "
            f"fingerprint {digest} re-read from {', '.join(shards)}: matches {against}")
