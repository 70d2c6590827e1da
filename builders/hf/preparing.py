"""Building MNIST-1D for ``datasets`` whole or not at all, with its manifest.

:func:`build` (``mnist1d build --framework hf``) composes the public ``download_and_prepare``
of a builder instance with the guarantees a build needs:
resource checks before any work; one build at a time per folder, and what a killed build left
cleared (``mnist1d_builders.record.staging``); the build made in a staging folder by ``datasets``
itself, its splits re-read and a preset's checked against the registry, ``MANIFEST.json``
written, and only then the folder moved into place (with ``force``, traded with the old one in
one step).

``load_dataset("mnist1d")`` does not come here: on an empty cache ``datasets`` builds as it
builds any dataset (its own lock, the same file as :func:`building`'s, its ``.incomplete``
folder, its disk check on the size ``Mnist1d._info`` declares), with no record; :func:`build`
makes such a build again, recorded.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import datasets

from mnist1d_core import SPLITS, MNIST1DConfig
from mnist1d_core.fingerprint import check_fingerprint
from mnist1d_core.resources import check_disk

from ..record.arrow import INFO_FILE, read_split, shard_names
from ..record.manifest import IntegrityError, SplitRecord, write_manifest
from ..record.staging import building, put_in_place, remove
from ..record.unrecorded import unrecorded

#: Bytes a build writes per example beyond the signal's float32 values: its int64 label.
_LABEL_BYTES = 8


def build_bytes(params: MNIST1DConfig) -> int:
    """Disk a build of ``params`` needs (an upper estimate): the shards, plus 1% and 1 MB for
    Arrow's framing and the small files beside them."""
    shards = params.num_examples * (4 * params.final_seq_length + _LABEL_BYTES)
    return shards + shards // 100 + 2**20


def build(
    builder_class: type[datasets.ArrowBasedBuilder],
    params: MNIST1DConfig,
    target: Path,
    *,
    num_proc: int | None = None,
    force: bool = False,
    **options,
) -> Path:
    """Make the build of ``params`` at ``target`` with ``builder_class`` (``Mnist1d``) unless one is
    there (or with ``force``; one that ``datasets`` made itself, with no record, is made again);
    return ``target``. ``options`` go to ``download_and_prepare`` (``max_shard_size``)."""
    target = Path(target)
    if "://" in str(target):
        raise ValueError(f"mnist1d builds into a local folder only, got {target}")
    version = target.parent
    tfds = next(
        (f for f in (target, version) if (f / "features.json").exists() or (f / "metadata.json").exists()), None
    )
    if tfds is not None:
        # TFDS keeps a build in <data_dir>/mnist1d/<config>/<version>: this one would go inside it.
        raise ValueError(
            f"{tfds} holds a TFDS build of {params.name}; the datasets build would go inside it: "
            "give datasets a data dir (cache_dir) of its own"
        )
    if _kept(target, force):
        return target
    check_disk(version, build_bytes(params), params, "a datasets build")
    with building(target) as staging:
        if _kept(target, force):  # built by another run while this one waited
            return target
        # What a killed load_dataset left (a live one would hold this lock): datasets reuses it only
        # while it has no build, and this run makes one.
        remove(target.with_name(f"{target.name}.incomplete"))
        # In the staging folder, datasets' own layout ends in the target's name (the code hash).
        builder = builder_class(cache_dir=str(staging), hash=target.name, **params.to_dict())
        builder.builder_pid = os.getpid()
        try:
            with _quietly():
                # The paper's algorithm is one job per split: more processes would only be refused.
                jobs = num_proc if params.algorithm == "sharded" else None
                builder.download_and_prepare(num_proc=jobs, **options)
        except datasets.exceptions.DatasetGenerationError as error:
            cause = error.__cause__ or error.__context__
            if isinstance(cause, KeyboardInterrupt) or isinstance(
                getattr(cause, "__context__", None), KeyboardInterrupt
            ):
                raise KeyboardInterrupt from None
            if isinstance(cause, OSError):  # a full disk, a file too large: say where
                raise OSError(cause.errno, cause.strerror or str(cause), str(target)) from None
            raise
        except Exception as error:
            if isinstance(error.__context__, KeyboardInterrupt):  # datasets' pool hides a Ctrl-C
                raise KeyboardInterrupt from None
            raise
        built = Path(builder.cache_dir)
        record(built, builder)
        put_in_place(built, target)
        remove(built)  # the old build, if there was one
    return target


def _kept(target: Path, force: bool) -> bool:
    """Whether what is at ``target`` stays: anything but a build ``datasets`` made itself, unless
    ``force`` (``mnist1d build`` then verifies it, and names any damage)."""
    return not force and os.path.lexists(target) and not unrecorded(target)


@contextlib.contextmanager
def _quietly() -> Iterator[None]:
    """datasets' one bar per split on a terminal, none in a log file; and none of its notes on
    how it runs a build (num_proc lowered for a split of one job), which are not the user's doing."""
    quiet = not (sys.stderr is not None and sys.stderr.isatty()) and not datasets.utils.are_progress_bars_disabled()
    verbosity = datasets.utils.logging.get_verbosity()
    datasets.utils.logging.set_verbosity(max(verbosity, datasets.utils.logging.ERROR))
    if quiet:
        datasets.utils.disable_progress_bars()
    try:
        yield
    finally:
        datasets.utils.logging.set_verbosity(verbosity)
        if quiet:
            datasets.utils.enable_progress_bars()


def record(folder: Path, builder: datasets.ArrowBasedBuilder) -> None:
    """Re-read the written splits, check a preset's against the registry, write ``MANIFEST.json``."""
    params, info = builder.config.params, builder.info
    splits = {}
    for split in SPLITS:
        shards = shard_names(split, info.splits[split].shard_lengths)
        content, _ = read_split([folder / name for name in shards], params.final_seq_length)
        check_fingerprint(params.name, split, content.hexdigest())  # raises FingerprintMismatch
        splits[split] = SplitRecord(content.num_examples, content.hexdigest(), tuple(shards))
    if not (folder / INFO_FILE).is_file():
        raise IntegrityError(f"{folder / INFO_FILE}: datasets wrote no {INFO_FILE}")
    write_manifest(folder, params=params, layout="datasets", splits=splits, t=builder.t)
