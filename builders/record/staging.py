"""Building a folder beside its place and moving it in whole: what every builder composes.

:func:`building` holds ``filelock``'s lock for a target folder (one build at a time per target,
Windows included), clears what killed runs left beside it (their staging folders: a live run
would hold the lock), and gives a fresh staging folder on the same file system, removed on the
way out whatever happens. :func:`put_in_place` moves a finished folder onto the target: where
the kernel can (Linux's ``renameat2(RENAME_EXCHANGE)``), the old build and the new one trade
places in one step, so a concurrent reader sees one or the other, never neither.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

from filelock import FileLock

from mnist1d_core.files import glob_escape, remove, tree

logger = logging.getLogger(__name__)

_STAGING = ".staging-"
_RENAME_EXCHANGE = 2  # linux/fs.h
_AT_FDCWD = -100


# The locks this process holds in `building`. A process forked meanwhile (datasets' pool and
# the manager process it starts) shares their open file, and so the lock: one that outlives a
# killed build (datasets 4.0's manager does) would keep the next build waiting forever. Each
# forked child closes its copies at once; the parent's own descriptor keeps the lock.
_HELD: set[str] = set()


def _unlock_in_child() -> None:
    if not _HELD or not os.path.isdir("/proc/self/fd"):
        return
    for fd in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{fd}") in _HELD:
                os.close(int(fd))
        except OSError:
            pass


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_unlock_in_child)


def lock_path(target: Path) -> Path:
    """The lock beside ``target``: the one ``datasets`` takes for the same folder, so that a
    ``load_dataset`` and a ``mnist1d build`` of one config exclude each other."""
    return target.with_name(f"{target.name}_builder.lock")


@contextlib.contextmanager
def building(target: Path) -> Iterator[Path]:
    """Hold ``target``'s lock and yield a new, empty staging folder beside it (see the module)."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    lock = str(lock_path(target))
    with FileLock(lock):
        held = os.path.realpath(lock)  # as /proc/self/fd names it
        _HELD.add(held)
        try:
            left = sorted(target.parent.glob(f".{glob_escape(target.name)}{_STAGING}*"))
            if left:
                count = sum(  # in real folders only: a symlink left there is removed, never walked
                    1
                    for folder in left
                    if folder.is_dir() and not folder.is_symlink()
                    for p, is_dir in tree(folder)
                    if not is_dir and not p.name.endswith(".lock")
                )
                for folder in left:
                    remove(folder)
                logger.warning("Removed %d files an interrupted build left in %s", count, ", ".join(map(str, left)))
            staging = target.with_name(f".{target.name}{_STAGING}{secrets.token_hex(6)}")
            staging.mkdir()
            try:
                yield staging
            finally:
                remove(staging)
        finally:
            _HELD.discard(held)


def put_in_place(built: Path, target: Path) -> None:
    """Move the finished folder ``built`` onto ``target`` (replacing whatever is there, even a
    file or a FIFO); what was there ends at ``built``'s path, for the caller to remove."""
    if not os.path.lexists(target):
        os.rename(built, target)
    elif not _exchange(built, target):
        aside = target.with_name(f".{target.name}{_STAGING}old-{secrets.token_hex(6)}")
        os.rename(target, aside)  # no atomic exchange here: a brief moment without a build
        os.rename(built, target)
        os.rename(aside, built)


def _exchange(a: Path, b: Path) -> bool:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):  # not Linux, or a C library without it
        return False
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    error = ctypes.get_errno()
    if error in (22, 38, 95):  # EINVAL, ENOSYS, EOPNOTSUPP: the file system cannot exchange
        return False
    raise OSError(error, os.strerror(error), str(b))
