"""``prepare``: a TFDS build of MNIST-1D with its record, around TFDS's public API.

TFDS's ``download_and_prepare`` writes a build into ``incomplete.*`` beside its place and
renames it there. ``prepare`` adds, without touching TFDS's internals:

- checks of the disk and memory a build needs, before any work;
- one build at a time per folder: a lock beside it (``.<version>.lock``, ``filelock``);
- a staging data dir beside the folder (``.staging-*``), where TFDS builds; ``MANIFEST.json``
  is written there, last, then the folder is moved into place whole. A run that was killed
  left only a staging folder, which the next run removes;
- ``force``: the new build takes the old one's place in one step (an exchange of the two
  folders), so a reader sees the old build or the new one, never none.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import io
import logging
import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

import filelock
import tensorflow_datasets as tfds

from mnist1d_core import DATA_VERSION, SPLITS, MNIST1DConfig, resources

from ..record.manifest import MANIFEST_FILE, IntegrityError, SplitRecord, legacy_record, read_json, write_manifest
from .mnist1d.mnist1d_dataset_builder import (
    Builder,
    MNIST1DBuilderConfig,
    build_bytes,
    check_file_format,
    check_memory,
    split_progress_bars,
)

logger = logging.getLogger(__name__)
_STAGING = ".staging-"


def prepare(
    config: MNIST1DConfig, data_dir: str | Path | None = None, *, file_format: str = "tfrecord", force: bool = False
) -> Path:
    """Prepare ``config`` as TFDS ``mnist1d`` under ``data_dir`` (default: TFDS's,
    ``$TFDS_DATA_DIR`` or ``~/tensorflow_datasets``) with its ``MANIFEST.json``. An existing
    build is reused as it is (``mnist1d build`` verifies it afterwards); one that TFDS made
    itself (``tfds.load``, ``tfds build``), which has no record, is built again with one; with
    ``force`` any build is replaced.

    ``file_format`` is ``"tfrecord"`` (read by ``tfds.load``) or ``"array_record"`` (read by
    ``tfds.data_source`` with random access). Returns the folder that holds the shards:
    ``<data_dir>/mnist1d/<config name>/<version>``.

    Raises, before any work, ``ValueError`` for another format, for a folder that holds this
    config in the other format only, or one that holds a ``datasets`` build, and
    :class:`~mnist1d_core.InsufficientResources` when the build does not fit on the disk or in
    memory; ``OSError`` naming the folder for a full disk while writing.
    """
    chosen = check_file_format(file_format)
    root = Path(data_dir if data_dir is not None else os.environ.get("TFDS_DATA_DIR", "~/tensorflow_datasets"))
    folder = root.expanduser() / "mnist1d" / config.name / DATA_VERSION  # TFDS's layout
    _check_no_datasets_build(folder, config.name)
    if not force and _recorded(folder):
        _check_format(folder, chosen, config.name)
        if os.access(folder.parent, os.W_OK):  # a read-only build is only read
            with contextlib.suppress(OSError, filelock.Timeout), _lock(folder, timeout=0):
                _remove_leftovers(folder)  # no run is live: what a killed one left can go
        return folder
    resources.check_disk(root.expanduser(), build_bytes(config, chosen), config, f"a TFDS {chosen.value} build")
    check_memory(config)
    folder.parent.mkdir(parents=True, exist_ok=True)
    with _lock(folder):
        _remove_leftovers(folder)
        if not force and _recorded(folder):  # another process built it while this one waited
            _check_format(folder, chosen, config.name)
            return folder
        staging = folder.parent / f"{_STAGING}{secrets.token_hex(6)}"
        try:
            builder = Builder(config=MNIST1DBuilderConfig(config), data_dir=staging, file_format=chosen)
            with _quiet():
                try:
                    builder.download_and_prepare(file_format=chosen)
                except RuntimeError as error:  # TFDS's writers wrap a full disk in a RuntimeError
                    raise (_file_system_fault(error, folder) or error) from None
            _record(Path(builder.data_dir), builder, config)
            _move_into_place(Path(builder.data_dir), folder)
            _keep_default_config(staging / "mnist1d" / ".config", folder.parent.parent / ".config")
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return folder


def _recorded(folder: Path) -> bool:
    """Whether ``folder`` holds a build with a record (this release's, or 0.1.0's)."""
    return os.path.lexists(folder / MANIFEST_FILE) or (folder.is_dir() and legacy_record(folder) is not None)


def _check_format(folder: Path, chosen: tfds.core.FileFormat, name: str) -> None:
    """Refuse a build that holds ``name`` in another format only (``tfds convert_format``
    adds a format to a build: then both are there)."""
    with contextlib.suppress(IntegrityError, OSError):  # unreadable: verify names it
        info = read_json(folder / "dataset_info.json")
        held = [info.get("fileFormat") or "tfrecord", *info.get("alternativeFileFormats", [])]
        if chosen.value not in held:
            raise ValueError(
                f"file_format={chosen.value!r}: {folder} already holds {name} as {held[0]}; build with --force "
                f"to replace it, add {chosen.value} with `tfds convert_format`, or use another data dir"
            )


def _check_no_datasets_build(folder: Path, name: str) -> None:
    """Refuse a version folder that holds a ``datasets`` build: datasets keeps one in
    ``<cache_dir>/mnist1d/<config>/<version>/<hash>``, inside TFDS's for the same data dir,
    and a TFDS build (or ``force``) would take its place."""
    if folder.is_dir() and not folder.is_symlink():
        for entry in folder.iterdir():
            if entry.is_dir() and any(os.path.lexists(entry / n) for n in (MANIFEST_FILE, "FINGERPRINTS.tsv")):
                raise ValueError(
                    f"{folder} holds a datasets build of {name}; a TFDS build there would take its "
                    "place: give TFDS a data dir of its own"
                )


@contextlib.contextmanager
def _lock(folder: Path, timeout: float = -1) -> Iterator[None]:
    """Hold the lock of ``folder``, waiting (after one line saying so) while another process
    holds it, up to ``timeout`` seconds (-1: as long as it takes)."""
    lock = filelock.FileLock(folder.with_name(f".{folder.name}.lock"))
    try:
        lock.acquire(timeout=0)
    except filelock.Timeout:
        if timeout == 0:
            raise
        logger.warning("Waiting for another process preparing %s to finish", folder)
        lock.acquire(timeout=timeout)
    try:
        yield
    finally:
        lock.release()


def _remove_leftovers(folder: Path) -> None:
    """Remove the staging folders of runs that were killed (the lock is held: none is live)."""
    for left in sorted(folder.parent.glob(f"{_STAGING}*")):
        shutil.rmtree(left, ignore_errors=True)
        logger.warning("Removed %s, left by a run that was interrupted", left)


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """A build that says only what matters: one progress bar per split on a terminal, none in
    a log file (TFDS's two per split are off meanwhile), and not TFDS's "Downloading and
    preparing" lines (printed to stdout), since nothing is downloaded."""
    token = split_progress_bars.set(True)
    tfds.display_progress_bar(False)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            yield
    finally:
        tfds.display_progress_bar(True)
        split_progress_bars.reset(token)


def _record(staged: Path, builder: Builder, config: MNIST1DConfig) -> None:
    splits = {
        split: SplitRecord(
            builder.info.splits[split].num_examples,
            builder.fingerprints[split],
            tuple(builder.info.splits[split].filenames),
        )
        for split in SPLITS
    }
    write_manifest(staged, params=config, layout="tfds", splits=splits, t=builder.info.metadata["t"])


def _move_into_place(staged: Path, folder: Path) -> None:
    """Move the staged build to ``folder``: a rename, onto nothing or an empty folder (an
    interrupted ``datasets`` build leaves one); else an exchange with what is there, which
    goes to the staging folder, to be removed with it."""
    if not os.path.lexists(folder) or (folder.is_dir() and not folder.is_symlink() and not any(folder.iterdir())):
        os.replace(staged, folder)
    elif not _exchange(staged, folder):  # no renameat2: a moment without a build
        os.replace(folder, staged.with_name(f"{staged.name}.old"))
        os.replace(staged, folder)


def _keep_default_config(staged: Path, common: Path) -> None:
    """Move TFDS's ``.config/metadata.json`` (the default config's name, which ``tfds.load("mnist1d")``
    needs without this package) from the staging data dir to the real one."""
    common.mkdir(exist_ok=True)
    for record in staged.iterdir() if staged.is_dir() else ():
        os.replace(record, common / record.name)


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths in one step (Linux's ``renameat2(RENAME_EXCHANGE)``); False where the
    system has no such call."""
    renameat2 = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    if renameat2 is None:
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(first), at_fdcwd, os.fsencode(second), rename_exchange) != 0:
        code = ctypes.get_errno()
        if code in (errno.ENOSYS, errno.EINVAL):  # the kernel or file system cannot
            return False
        raise OSError(code, os.strerror(code), str(second))
    return True


def _file_system_fault(error: RuntimeError, folder: Path) -> OSError | None:
    """The ``OSError`` that TFDS's writers reported inside ``error``'s text, naming the build's
    folder (the staging folder named in the text is gone by now); None if none."""
    for code in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT, errno.EROFS, errno.EACCES):
        if os.strerror(code) in str(error):
            return OSError(code, os.strerror(code), str(folder))
    return None
