"""Reading files within bounds; writing files and folders whole or not at all, and removing
what killed runs left.

Reading: :func:`regular_fd`, :func:`open_regular`, :func:`read_bytes`, :func:`read_text`, :func:`read_json` and
:func:`sha256` read a regular file only (a symlink is judged by what it points to), never more
than a stated size, and refuse a FIFO, a device or a socket without waiting on it; JSON is
parsed with a depth and a digit limit. What they refuse raises :class:`BadFile`, one line that
starts with the file's path; a fault of the machine (permission denied) stays an ``OSError``.

Writing:
A run writes its output under a hidden partial name beside the target and renames it into
place when complete. While it writes, it holds an exclusive lock (``filelock``: ``flock`` on
Unix, ``msvcrt.locking`` on Windows) on an owner file beside the partial output: the system
releases that lock when the process ends, however it ends (even ``kill -9``). So a later run
can tell, without guessing by age, whether a partial output still has a live owner: if it can
take the owner's lock, nobody is writing it, and it removes it (:func:`remove_abandoned`).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import math
import os
import re
import secrets
import shutil
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

import filelock

from .errors import excerpt

_PARTIAL = ".partial-"
_OWNER = ".owner"
_TOKEN_LENGTH = 12  # hex digits
# The longest hidden name made from a target's: owned()'s staging file of its partial output.
_ADDED = len(f"..{_PARTIAL}{'0' * _TOKEN_LENGTH}.{'0' * _TOKEN_LENGTH}.staging")
_NAME_MAX = 255  # bytes in a file name, on the file systems in use


class OutputExists(FileExistsError):
    """The target appeared while this run was writing it (another run finished first)."""


@contextlib.contextmanager
def owned(path: str | Path) -> Iterator[Path]:
    """Mark ``path`` as owned by this process while the block runs: the owner file
    ``<path>.owner`` is locked (``filelock``) until the block ends or the process dies.

    The owner file is created under a name nobody else knows, locked, and only then renamed
    to its final name, so no other process can ever see it unlocked while its owner lives.
    """
    path = Path(path)
    owner = path.with_name(path.name + _OWNER)
    staging = path.with_name(f".{path.name}.{secrets.token_hex(_TOKEN_LENGTH // 2)}.staging")
    os.close(os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))  # a fault here is an OSError
    lock = filelock.FileLock(str(staging))
    try:
        lock.acquire(timeout=10)  # a name nobody else knows: never contended
        os.replace(staging, owner)  # the lock goes with the file
        try:
            yield path
        finally:
            with contextlib.suppress(OSError):  # Windows: removed after the release, below
                owner.unlink()
    finally:
        lock.release()
        for leftover in (staging, owner):
            with contextlib.suppress(OSError):
                leftover.unlink()


def is_abandoned(path: str | Path) -> bool:
    """True if ``path`` was made under :func:`owned` by a process that has ended."""
    owner = Path(path).with_name(Path(path).name + _OWNER)
    try:
        if not stat.S_ISREG(os.lstat(owner).st_mode):  # a symlink, a FIFO: not an owner file made here
            return False
    except FileNotFoundError:  # its owner just finished, or there is none
        return False
    lock = filelock.FileLock(str(owner))
    try:
        lock.acquire(timeout=0)
    except filelock.Timeout:
        return False  # alive
    lock.release()
    return True


def remove_abandoned(folder: str | Path, pattern: str) -> list[Path]:
    """Remove the entries of ``folder`` matching ``pattern`` that were made under
    :func:`owned` by processes that have ended, with their owner files. Returns them."""
    removed = []
    folder = Path(folder)
    if not folder.is_dir():
        return removed
    # Through the owner files: one may outlive its entry (killed between the rename into
    # place and the owner file's removal), and an entry without one is not known to be ours.
    for owner in sorted(folder.glob(pattern + _OWNER)):
        path = owner.with_name(owner.name[: -len(_OWNER)])
        if is_abandoned(path):
            remove(path)
            owner.unlink(missing_ok=True)
            removed.append(path)
    return removed


def remove(path: Path) -> None:
    """Remove a file, a symlink or a folder tree, if there."""
    path = Path(path)
    if path.is_dir() and not path.is_symlink():
        # Deepest first, one by one (shutil.rmtree recurses); what cannot be removed is left.
        try:
            entries = list(tree(path))
        except OSError:  # a folder that cannot be listed: remove what can be
            shutil.rmtree(path, ignore_errors=True)
            return
        for entry, is_dir in [*reversed(entries), (path, True)]:
            with contextlib.suppress(OSError):
                entry.rmdir() if is_dir else entry.unlink()
    elif os.path.lexists(path):
        path.unlink()


def tree(folder: Path) -> Iterator[tuple[Path, bool]]:
    """Every entry under ``folder``, with whether it is a real folder (a symlink is not, and is
    never followed). Iterative: a tree nested thousands deep is no ``RecursionError`` (as in
    ``os.walk`` before Python 3.12); a folder that cannot be listed is an ``OSError``."""
    pending = [Path(folder)]
    while pending:
        with os.scandir(pending.pop()) as entries:
            for entry in entries:
                is_dir = entry.is_dir(follow_symlinks=False)
                if is_dir:
                    pending.append(Path(entry.path))
                yield Path(entry.path), is_dir


@contextlib.contextmanager
def locked(path: str | Path, *, on_wait: Callable[[], None] | None = None) -> Iterator[bool]:
    """Hold an exclusive lock (``filelock``) on the file ``path`` while the block runs,
    waiting (after calling ``on_wait``) while another process holds it. One run at a time does
    the work guarded by ``path``, and whatever that work leaves when its process is killed was
    left by a dead run, for whoever takes the lock next. Yields True.

    The lock file is removed on the way out (a killed holder's stays, unlocked, for the next).
    """
    path = Path(path)
    while True:
        lock = filelock.FileLock(str(path))
        try:
            lock.acquire(timeout=0)
        except filelock.Timeout:
            if on_wait is not None:
                on_wait()
                on_wait = None
            lock.acquire()
        if path.is_file() and not path.is_symlink():  # not removed by its holder meanwhile
            break
        lock.release()
    try:
        yield True
    finally:
        with contextlib.suppress(OSError):  # Windows removes it on release instead
            path.unlink()  # before the lock is released, so a waiter sees it went
        lock.release()


@contextlib.contextmanager
def written_atomically(target: str | Path) -> Iterator[Path]:
    """Give a hidden, unused path beside ``target`` to write a file or a folder at.

    When the block succeeds it is renamed onto ``target`` (replacing a file or an empty
    folder) in one step; when it fails, or the process is interrupted, it is removed; when
    the process is killed, the next ``written_atomically`` of the same target removes it.
    So ``target`` is never half-written, and what it held before is kept until the new
    content is complete. Unlike ``tempfile.mkstemp`` (mode 0600), what is created gets the
    usual permissions.

    Raises :class:`OutputExists` if a non-empty folder took ``target``'s place meanwhile;
    an ``OSError`` met while writing (a full disk, a file too large) names ``target``, or the
    file inside it, never the hidden partial path;
    a ``ValueError`` before the block runs if ``target`` is a device, a FIFO or a socket (or
    a symlink to one, as ``/dev/stdout`` is), which the rename would replace.
    """
    target = Path(target)
    if not target.parent.is_dir():
        raise FileNotFoundError(errno.ENOENT, "no such folder", str(target.parent))
    check_replaceable(target)
    stem = _hidden_stem(target.name)
    remove_abandoned(target.parent, f".{glob_escape(stem)}{_PARTIAL}*")
    partial = target.with_name(f".{stem}{_PARTIAL}{secrets.token_hex(_TOKEN_LENGTH // 2)}")
    try:
        with owned(partial):
            try:
                yield partial
                try:
                    os.replace(partial, target)
                except OSError:
                    if target.is_dir() and any(target.iterdir()):
                        raise OutputExists(
                            f"{target}: appeared while this run was writing it (another run "
                            "finished first); this run's output was discarded"
                        ) from None
                    raise
            except BaseException:
                remove(partial)
                raise
    except OSError as error:
        raise _naming_target(error, partial, target) from None


def _naming_target(error: OSError, partial: Path, target: Path) -> OSError:
    """``error`` with the path a person knows: the target, not the hidden names beside it
    (or none at all, from a write to an open file: a full disk, a file too large)."""
    if isinstance(error, OutputExists) or error.strerror is None:
        return error
    name = None if error.filename is None else str(error.filename)
    if name is not None and name.startswith(str(partial) + os.sep):  # a file inside a partial folder
        return type(error)(error.errno, error.strerror, str(target) + name[len(str(partial)) :])
    hidden = (
        name is not None
        and Path(name).parent == target.parent
        and Path(name).name.startswith(".")
        and Path(name).name.lstrip(".").startswith(_hidden_stem(target.name))
    )  # partial, owner, staging
    if name is None or hidden:
        return type(error)(error.errno, error.strerror, str(target))
    return error


def check_replaceable(target: str | Path) -> None:
    """Raise ``ValueError`` if ``target`` is a device, a FIFO or a socket, or a symlink to one:
    :func:`written_atomically` would replace it by a file (as root, ``--out /dev/full`` would make
    a regular file of the system's device). Callers may check it before their work."""
    target = Path(target)
    try:
        mode = target.stat().st_mode  # through a symlink: what a write to it would reach
    except (FileNotFoundError, NotADirectoryError):  # nothing there yet (or no folder: said elsewhere)
        return
    if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        raise ValueError(
            f"{target}: not a file or a folder (a device, a FIFO or a socket): writing it whole "
            "would replace it; give the name of a file"
        )


def _hidden_stem(name: str) -> str:
    """``name``, cut short enough that the hidden names made from it (its partial output, owner
    and staging files add up to 44 bytes) fit in a file name. Partial outputs of two names alike
    in their first 211 bytes then share a stem: each still removes only what a dead writer left."""
    while len(os.fsencode(name)) > _NAME_MAX - _ADDED:
        name = name[:-1]
    return name


def glob_escape(name: str) -> str:
    """``name`` with glob's special characters taken literally."""
    return "".join(f"[{c}]" if c in "*?[" else c for c in name)


#: A record's default bound (JSON, checksums, a card): far above any written here, far below a strain.
MAX_RECORD_BYTES = 16 << 20
#: JSON nesting this package's records never approach; json's parser recurses once per level.
MAX_JSON_DEPTH = 64
#: Digits in a JSON integer: sizes and seeds have at most 16; Python refuses over 4,300.
MAX_JSON_DIGITS = 100
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)  # 0 on Windows, which has no FIFOs to wait on
_KINDS = {stat.S_ISDIR: "a folder", stat.S_ISFIFO: "a FIFO", stat.S_ISCHR: "a device", stat.S_ISBLK: "a device"}


class BadFile(ValueError):
    """A file refused by the readers below: not a regular file, larger than its bound, or
    content that is not what was asked (not UTF-8, not JSON, nested too deep, too many
    digits). The message is one line that starts with the path, kept as ``path``."""

    def __init__(self, path: str | os.PathLike, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = Path(path)


def _kind(mode: int) -> str | None:
    return None if stat.S_ISREG(mode) else next((kind for test, kind in _KINDS.items() if test(mode)), "a socket")


def regular_fd(path: str | os.PathLike, max_bytes: int = MAX_RECORD_BYTES) -> int:
    """A descriptor of ``path`` opened to read, if it is a regular file of at most ``max_bytes``.
    A symlink is judged by what it points to. A folder, a FIFO, a device or a socket is refused
    from its ``stat``, before it is opened; it is opened non-blocking and checked again, so one
    swapped in meanwhile is refused too, and never waited on. Raises :class:`BadFile`, or
    ``OSError`` for a fault (missing, permission denied)."""
    kind = _kind(os.stat(path).st_mode)  # before opening: a FIFO opened to read waits for a writer
    if kind is None:
        fd = os.open(path, os.O_RDONLY | _NONBLOCK | getattr(os, "O_CLOEXEC", 0))
        status = os.fstat(fd)  # what was opened, if a FIFO took the file's place since the stat
        kind = _kind(status.st_mode)
        if kind is not None or status.st_size > max_bytes:
            os.close(fd)
    if kind is not None:
        raise BadFile(path, f"{kind}, not a file; nothing was read from it")
    if status.st_size > max_bytes:
        raise BadFile(path, f"{status.st_size:,} bytes, more than the {max_bytes:,} it may hold")
    return fd


@contextlib.contextmanager
def open_regular(path: str | os.PathLike, max_bytes: int = MAX_RECORD_BYTES) -> Iterator[BinaryIO]:
    """Open ``path`` to read bytes, if it is a regular file of at most ``max_bytes`` (as
    :func:`regular_fd` says); reading more than that from the handle (it grew) is :class:`BadFile`."""
    with os.fdopen(regular_fd(path, max_bytes), "rb") as handle:
        yield _Bounded(handle, path, max_bytes)


class _Bounded:  # a binary handle that refuses to read past a bound
    def __init__(self, handle: BinaryIO, path: str | os.PathLike, max_bytes: int) -> None:
        self._handle, self._path, self._left = handle, path, max_bytes

    def read(self, size: int = -1) -> bytes:
        wanted = self._left + 1 if size < 0 or size > self._left else size
        content = self._handle.read(wanted)
        self._left -= len(content)
        if self._left < 0:
            raise BadFile(self._path, "grew past its bound while it was read")
        return content


def read_bytes(path: str | os.PathLike, max_bytes: int = MAX_RECORD_BYTES) -> bytes:
    """The bytes of a regular file of at most ``max_bytes`` (see :func:`open_regular`)."""
    with open_regular(path, max_bytes) as handle:
        return handle.read()


def read_text(path: str | os.PathLike, max_bytes: int = MAX_RECORD_BYTES) -> str:
    """The UTF-8 text of a regular file of at most ``max_bytes``; :class:`BadFile` if it is not UTF-8."""
    content = read_bytes(path, max_bytes)
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BadFile(path, f"not UTF-8 text (byte {error.start:,})") from None


def sha256(path: str | os.PathLike, max_bytes: int) -> str:
    """The hex SHA-256 of a regular file of at most ``max_bytes``, read in chunks."""
    digest = hashlib.sha256()
    with open_regular(path, max_bytes) as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


# A JSON string (skipped whole: brackets inside it do not nest), an opening or a closing bracket.
_JSON_TOKENS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|([\[{])|[\]}]')


def parse_json(
    text: str, path: str | os.PathLike, *, max_depth: int = MAX_JSON_DEPTH, max_digits: int = MAX_JSON_DIGITS
) -> Any:
    """``text`` as strict JSON (no NaN, no Infinity); :class:`BadFile` naming ``path`` if it is
    not, nests deeper than ``max_depth`` or has an integer of over ``max_digits`` digits."""
    depth = 0
    for token in _JSON_TOKENS.finditer(text):
        if token.group(1):
            depth += 1
            if depth > max_depth:
                raise BadFile(path, f"JSON nested deeper than {max_depth} levels")
        elif token.group()[0] != '"':
            depth -= 1

    def integer(digits: str) -> int:
        if len(digits.lstrip("-")) > max_digits:
            raise BadFile(path, f"a JSON integer of {len(digits.lstrip('-')):,} digits, over {max_digits}")
        return int(digits)

    def real(digits: str) -> float:
        if not math.isfinite(value := float(digits)):  # NaN, Infinity, or 1e999
            raise BadFile(path, f"{excerpt(digits)} in JSON, where only finite numbers belong")
        return value

    try:
        return json.loads(text, parse_int=integer, parse_float=real, parse_constant=real)
    except json.JSONDecodeError as error:
        raise BadFile(path, f"not JSON ({error.msg} at line {error.lineno}, column {error.colno})") from None


def read_json(
    path: str | os.PathLike,
    max_bytes: int = MAX_RECORD_BYTES,
    *,
    max_depth: int = MAX_JSON_DEPTH,
    max_digits: int = MAX_JSON_DIGITS,
) -> Any:
    """The JSON in a regular UTF-8 file of at most ``max_bytes``, with :func:`parse_json`'s limits."""
    return parse_json(read_text(path, max_bytes), path, max_depth=max_depth, max_digits=max_digits)
