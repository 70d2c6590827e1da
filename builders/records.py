"""Reading a build's records with bounds: what no untrusted file can stall, exhaust or fool.

Every record is read through :func:`open_regular`: no symlink is followed, and a FIFO, a
device or a socket is refused before anything reads it. Reads stop at a size cap, JSON is
parsed with limits on nesting and on integer digits, and an error message shows at most a
short, escaped prefix of the data (:func:`snippet`).
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path

from mnist1d_core import Damaged

#: Largest record read: a manifest of thousands of shards is well under it.
MAX_RECORD_BYTES = 8 * 2**20
_MAX_DEPTH = 8  # the manifest's schema nests four deep; datasets' dataset_info.json six
_MAX_INT_DIGITS = 20  # any count or parameter fits in 20 digits
HEX = frozenset("0123456789abcdef")


class IntegrityError(Damaged):
    """A build does not match its record, or its record is damaged: the message names the file."""


def snippet(text: str | bytes, limit: int = 40) -> str:
    """A short, escaped prefix of untrusted data, for an error message."""
    return repr(text[:limit]) + ("..." if len(text) > limit else "")


def reason(error: BaseException) -> str:
    """Why ``error`` happened, in one short line."""
    text = getattr(error, "strerror", None) or str(error) or type(error).__name__
    line = text.splitlines()[0] if text.splitlines() else text
    return line if len(line) <= 200 else line[:200] + "..."


def open_regular(path: Path) -> int:
    """A file descriptor of the regular file ``path``, opened for reading without following a
    symlink and without blocking: a FIFO, a device or a socket is refused (:class:`IntegrityError`)
    before anything reads it. A missing file is ``FileNotFoundError``; no permission, ``PermissionError``."""
    path = Path(path)
    mode = path.lstat().st_mode
    if stat.S_ISLNK(mode):
        raise IntegrityError(f"{path}: a symlink; a build holds its own files, so it is refused")
    if not stat.S_ISREG(mode):
        kind = "a folder" if stat.S_ISDIR(mode) else "a FIFO, a device or a socket"
        raise IntegrityError(f"{path}: {kind}, not a file")
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    if not stat.S_ISREG(os.fstat(fd).st_mode):  # replaced between lstat and open
        os.close(fd)
        raise IntegrityError(f"{path}: not a regular file")
    return fd


def read_bytes(path: Path, max_bytes: int = MAX_RECORD_BYTES) -> bytes:
    """The content of the regular file ``path``, at most ``max_bytes`` (larger is damage)."""
    fd = open_regular(path)
    with os.fdopen(fd, "rb") as f:
        data = f.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise IntegrityError(f"{path}: larger than {max_bytes:,} bytes, which no record of a build is")
    return data


def read_json(path: Path, max_bytes: int = MAX_RECORD_BYTES) -> dict:
    """A JSON object from ``path``, read with bounds: size, nesting depth and integer digits."""
    data = read_bytes(path, max_bytes)
    try:
        value = json.loads(data.decode("utf-8"), parse_int=_bounded_int, parse_constant=_no_constant)
    except RecursionError:
        raise IntegrityError(f"{path}: JSON nested too deep") from None
    except (UnicodeDecodeError, ValueError) as error:
        raise IntegrityError(f"{path}: not valid JSON ({reason(error)})") from None
    if not isinstance(value, dict):
        raise IntegrityError(f"{path}: not a JSON object")
    if _depth(value) > _MAX_DEPTH:
        raise IntegrityError(f"{path}: JSON nested deeper than {_MAX_DEPTH} levels")
    return value


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > _MAX_INT_DIGITS:
        raise ValueError(f"an integer of {len(text)} digits ({snippet(text, 20)})")
    return int(text)


def _no_constant(text: str):
    raise ValueError(f"{text} is not a number JSON allows")


def _depth(value, level: int = 1) -> int:
    if level > _MAX_DEPTH:
        return level
    children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    return max((_depth(child, level + 1) for child in children if isinstance(child, (dict, list))), default=level)


def sha256_file(path: Path) -> str:
    """SHA-256 of a regular file, streamed (symlinks and special files refused)."""
    digest = hashlib.sha256()
    with os.fdopen(open_regular(path), "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


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
    for path, is_dir in tree(folder):
        if path.is_symlink():
            raise IntegrityError(f"{path}: a symlink; a build holds its own files, so it is refused")
        if not is_dir:
            yield path


def tree(folder: Path) -> Iterator[tuple[Path, bool]]:
    """Every entry under ``folder``, with whether it is a real folder (a symlink never is, and
    is never followed). Iterative, unlike ``os.walk`` and ``Path.rglob`` before Python 3.12: a
    tree nested thousands deep is walked, not a ``RecursionError``. A folder that cannot be
    listed is an ``OSError`` naming it (``os.walk`` would pass over it in silence)."""
    pending = [Path(folder)]
    while pending:
        with os.scandir(pending.pop()) as entries:
            for entry in entries:
                is_dir = entry.is_dir(follow_symlinks=False)
                if is_dir:
                    pending.append(Path(entry.path))
                yield Path(entry.path), is_dir
