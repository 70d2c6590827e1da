"""A build's records read with the core's bounded readers (:mod:`mnist1d_core.files`), under
the builders' policy: no symlink inside a build, records of at most 8 MiB, JSON of at most
8 levels and 20-digit integers, a JSON object at the top, and whatever the core refuses
reported as damage (:class:`IntegrityError`) naming the file.
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

from mnist1d_core import Damaged
from mnist1d_core import files as core
from mnist1d_core.errors import excerpt as snippet  # noqa: F401  (the builders' name for it)

#: Largest record read: a manifest of thousands of shards is well under it.
MAX_RECORD_BYTES = 8 * 2**20
_MAX_DEPTH = 8  # the manifest's schema nests four deep; datasets' dataset_info.json six
_MAX_INT_DIGITS = 20  # any count or parameter fits in 20 digits
_UNBOUNDED = sys.maxsize  # a shard's size is checked by its digest, not by a bound
HEX = frozenset("0123456789abcdef")


class IntegrityError(Damaged):
    """A build does not match its record, or its record is damaged: the message names the file."""


def reason(error: BaseException) -> str:
    """Why ``error`` happened, in one short line."""
    text = getattr(error, "strerror", None) or str(error) or type(error).__name__
    line = text.splitlines()[0] if text.splitlines() else text
    return line if len(line) <= 200 else line[:200] + "..."


@contextlib.contextmanager
def _own_file(path: Path) -> Iterator[None]:
    """Refuse ``path`` if it is a symlink; what the core's readers refuse in the block is damage.
    A missing file stays ``FileNotFoundError``; no permission, ``PermissionError``."""
    if stat.S_ISLNK(os.lstat(path).st_mode):
        raise IntegrityError(f"{path}: a symlink; a build holds its own files, so it is refused")
    try:
        yield
    except core.BadFile as error:
        raise IntegrityError(str(error)) from None


def open_regular(path: Path, max_bytes: int = _UNBOUNDED) -> int:
    """A file descriptor of the regular file ``path`` (not a symlink), opened to read without
    blocking: a FIFO, a device or a socket is refused (:class:`IntegrityError`) before anything
    reads it (:func:`mnist1d_core.files.regular_fd`)."""
    with _own_file(path):
        return core.regular_fd(path, max_bytes)


def read_bytes(path: Path, max_bytes: int = MAX_RECORD_BYTES) -> bytes:
    """The content of the regular file ``path``, at most ``max_bytes`` (larger is damage)."""
    with _own_file(path):
        return core.read_bytes(path, max_bytes)


def read_json(path: Path, max_bytes: int = MAX_RECORD_BYTES) -> dict:
    """A JSON object from ``path``, read with bounds: size, nesting depth and integer digits."""
    with _own_file(path):
        value = core.read_json(path, max_bytes, max_depth=_MAX_DEPTH, max_digits=_MAX_INT_DIGITS)
    if not isinstance(value, dict):
        raise IntegrityError(f"{path}: not a JSON object")
    return value


def sha256_file(path: Path) -> str:
    """SHA-256 of a regular file, streamed (symlinks and special files refused)."""
    with _own_file(path):
        return core.sha256(path, _UNBOUNDED)


# --- validating parsed fields ------------------------------------------------------------


def mapping(value) -> dict:
    if not isinstance(value, dict):
        raise TypeError(f"expected an object, got {type(value).__name__}")
    return value


def positive_count(value) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"num_rows {snippet(str(value))} is not a positive whole number")
    return value


def sha256_hex(value) -> str:
    if not (isinstance(value, str) and len(value) == 64 and set(value) <= HEX):
        raise ValueError(f"{snippet(str(value))} is not a SHA-256 in hex")
    return value


def relative_name(name: str) -> bool:
    parts = name.split("/")
    return (
        bool(name) and not name.startswith("/") and all(p not in ("", ".", "..") for p in parts) and "\\" not in name
    )


def legacy_record(folder: Path) -> str | None:
    """The 0.1.0 records ``folder`` keeps, described, or None."""
    names = [n for n in ("PARAMETERS.json", "FINGERPRINTS.tsv", "SHA256SUMS") if os.path.lexists(folder / n)]
    if not names and (folder / "metadata.json").is_file():
        try:
            if "mnist1d_config" in read_json(folder / "metadata.json"):
                names = ["metadata.json's mnist1d_config"]
        except (IntegrityError, OSError):
            pass
    return ", ".join(names) or None


def walk(folder: Path) -> Iterable[Path]:
    """Every entry under ``folder`` that is not a real folder; a symlink anywhere is damage."""
    for path, is_dir in core.tree(folder):
        if path.is_symlink():
            raise IntegrityError(f"{path}: a symlink; a build holds its own files, so it is refused")
        if not is_dir:
            yield path
