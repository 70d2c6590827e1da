"""Checksums of a built dataset folder: what every format's verifier shares.

Every builder records, beside its shards, each shard's SHA-256 and each split's
content fingerprint (``mnist1d_core.fingerprint``). Verifying re-hashes the shard
files and re-reads their content; the first damage found is reported by file name.
This module knows no framework; ``mnist1d_builders.verify`` picks the format's verifier.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import hashlib
import re
from collections.abc import Iterable, Mapping
from pathlib import Path, PurePosixPath
from types import MappingProxyType

from mnist1d_core.errors import Damaged
from mnist1d_core.files import written_atomically
from mnist1d_core.fingerprint import Fingerprinter, FingerprintMismatch, check_fingerprint

#: The checksum file, in the format ``sha256sum -c`` reads: ``<hex>  <file name>``.
SUMS_FILE = "SHA256SUMS"


class IntegrityError(Damaged):
    """A built dataset does not match its recorded checksums or fingerprints."""


class DigestMismatch(IntegrityError):
    """A file's SHA-256 is not the one recorded for it: the file or the record is damaged.

    ``path`` is the file; a verifier that holds a second record of it (a content
    fingerprint) can tell which of the two is at fault.
    """

    def __init__(self, message: str, path: Path) -> None:
        super().__init__(message)
        self.path = path


def sha256_file(path: Path) -> str:
    """SHA-256 of a file, streamed; ``path`` may also be an ``etils.epath.Path`` (gs://)."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_sha256sums(directory: Path, files: Iterable[Path]) -> Path:
    """Write ``SHA256SUMS`` in ``directory`` for ``files`` (paths inside it)."""
    return record_sha256sums(directory, {Path(f): sha256_file(Path(f)) for f in files})


def record_sha256sums(directory: Path, digests: Mapping[Path, str]) -> Path:
    """Write ``SHA256SUMS`` in ``directory`` from digests already computed, by file path."""
    directory = Path(directory)
    target = directory / SUMS_FILE
    with written_atomically(target) as partial:
        partial.write_text(sha256sums_text({Path(f).relative_to(directory).as_posix(): d for f, d in digests.items()}))
    return target


def sha256sums_text(digests: Mapping[str, str]) -> str:
    """``SHA256SUMS``'s content for digests by relative file name."""
    return "".join(f"{digests[name]}  {name}\n" for name in sorted(digests, key=PurePosixPath))


#: A line of ``sha256sum``'s output: the digest, a space, then a space (text) or ``*`` (binary).
_SUMS_LINE = re.compile(r"([0-9a-f]{64}) [ *](.+)")


def read_sha256sums(directory: Path) -> dict[str, str]:
    """The digests ``directory/SHA256SUMS`` records, by relative file name.

    Raises :class:`IntegrityError` naming ``SHA256SUMS`` (and the line) when it is missing,
    unreadable or malformed: a damaged checksum file, never a damaged shard.
    """
    sums = Path(directory) / SUMS_FILE
    try:
        text = sums.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise IntegrityError(f"{sums}: missing, so the files cannot be checked") from None
    except (OSError, UnicodeDecodeError) as error:
        raise IntegrityError(f"{sums}: unreadable ({_reason(error)})") from None
    digests = {}
    for number, line in enumerate(text.splitlines(), 1):
        match = _SUMS_LINE.fullmatch(line)
        name = match and match.group(2)
        if not name or name in digests or name.startswith("/") or ".." in name.split("/") or name == SUMS_FILE:
            raise IntegrityError(
                f"{sums}: line {number} is not '<sha256>  <file>' for a new file in this "
                f"folder ({line[:80]!r}); {SUMS_FILE} is damaged"
            )
        digests[name] = match.group(1)
    if not digests:
        raise IntegrityError(f"{sums}: lists no file; {SUMS_FILE} is damaged")
    return digests


@dataclasses.dataclass(frozen=True)
class Checked:
    """What :func:`check_files` found intact, and what it ignored and why."""

    digests: dict[str, str]  # relative name -> SHA-256, each re-hashed and equal
    ignored: dict[str, str]  # relative name -> why it is not part of the dataset

    def lines(self, record: str = SUMS_FILE) -> list[str]:
        lines = [f"{record}: all {len(self.digests)} files re-hashed and intact"]
        lines += [f"  {digest}  {name}" for name, digest in sorted(self.digests.items())]
        lines += [f"ignored: {name} ({why})" for name, why in sorted(self.ignored.items())]
        return lines


def check_files(
    directory: Path, digests: Mapping[str, str], *, record: Path, ignore: Mapping[str, str] = MappingProxyType({})
) -> Checked:
    """Check that ``directory`` holds exactly the files ``digests`` records, each intact.

    ``record`` is the file the digests were read from (named when it may be the damaged
    one); ``ignore`` maps glob patterns of relative names to the reason files the
    frameworks write beside a dataset in normal use are not part of it. Any other file
    is damage: a stray shard could be read as part of a split.

    Raises :class:`IntegrityError` naming the file at fault.
    """
    directory = Path(directory)
    for name, expected in sorted(digests.items()):
        path = directory / name
        if not path.is_file():
            raise IntegrityError(f"{path}: listed in {record.name} but missing")
        try:
            found = sha256_file(path)
        except OSError as error:
            raise IntegrityError(f"{path}: unreadable ({_reason(error)})") from None
        if found != expected:
            raise DigestMismatch(
                f"{path}: its SHA-256 differs from the one {record.name} records; the file or {record} is damaged",
                path,
            )
    ignored = {}
    for path in sorted(p for p in directory.rglob("*") if not p.is_dir()):
        name = path.relative_to(directory).as_posix()
        if name in digests or path == record:
            continue
        why = next((why for pattern, why in ignore.items() if fnmatch.fnmatchcase(name, pattern)), None)
        if why is None:
            raise IntegrityError(
                f"{path}: a file that {record.name} does not list; a loader could read it "
                "as part of the dataset: remove it if it is not"
            )
        ignored[name] = why
    return Checked(dict(digests), ignored)


def _reason(error: BaseException) -> str:
    """Why ``error`` happened, in one line (an error's own message may span several)."""
    text = getattr(error, "strerror", None) or str(error) or type(error).__name__
    return text.splitlines()[0]


def checked_against_registry(
    config_name: str, split: str, content: Fingerprinter, shards: list[str], record: str, damaged: Path | str
) -> str:
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
    against = (
        f"{record} and the registry ({config_name})"
        if registered
        else (f"{record} ({config_name} has no registered fingerprint)")
    )
    return (
        f"{split}: {content.num_examples} examples of length {content.seq_length}, content "
        f"fingerprint {digest} re-read from {', '.join(shards)}: matches {against}"
    )
