"""Builds that a framework made itself: ``load_dataset("mnist1d")`` (``datasets``' own cache) and
``tfds.load`` or ``tfds build``. They keep no ``MANIFEST.json``, so nothing vouches for them:
verify names them as such (:class:`UnrecordedBuild`; the command line exits 2, as for a folder
holding no build), never damaged nor intact, and ``mnist1d build`` builds one again with its
record (``mnist1d_builders.hf.preparing``, ``mnist1d_builders.tfds.preparing``).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .manifest import MANIFEST_FILE, LegacyBuild, legacy_record

#: Per layout: who makes a build with no record, and the framework option of ``mnist1d build``.
_OWN_BUILDS = {
    "datasets": ("datasets itself (load_dataset, load_dataset_builder)", "hf"),
    "tfds": ("TFDS itself (tfds.load, tfds.data_source or tfds build)", "tfds"),
}


class UnrecordedBuild(LegacyBuild):
    """A build its framework made itself, which keeps no ``MANIFEST.json``: it cannot be checked
    (exit status 2, never called damaged); ``mnist1d build`` records it."""


def unrecorded(folder: Path) -> bool:
    """Whether ``folder`` is a build its framework made itself: the framework's
    ``dataset_info.json`` (a regular file: a symlink or a FIFO there is no framework's doing, but
    damage), and neither ``MANIFEST.json`` nor the records of release 0.1.0."""
    folder = Path(folder)
    try:
        info_is_a_file = stat.S_ISREG(os.lstat(folder / "dataset_info.json").st_mode)
    except OSError:
        return False
    return (
        not folder.is_symlink()
        and info_is_a_file
        and not os.path.lexists(folder / MANIFEST_FILE)
        and legacy_record(folder) is None
    )


def check_recorded(folder: Path, layout: str) -> None:
    """Raise :class:`UnrecordedBuild` naming who made ``folder`` and the command that records it,
    if its framework made it itself (``layout``: ``datasets`` or ``tfds``)."""
    if unrecorded(folder):
        made_by, framework = _OWN_BUILDS[layout]
        raise UnrecordedBuild(
            f"{folder}: prepared by {made_by}, which keeps no {MANIFEST_FILE}, so it cannot be checked: "
            f"`mnist1d build --framework {framework}` with its parameters and data dir rebuilds it with one"
        )
