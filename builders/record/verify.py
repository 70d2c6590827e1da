"""One verifier for everything this package writes: ``mnist1d verify PATH``.

- A build folder (``datasets`` or TFDS) or a Hub export: its ``MANIFEST.json`` (one per export
  config) says what it is; :func:`mnist1d_builders.record.manifest.verify_build` does the checks every
  format shares and the format's reader re-reads the content (``arrow``, ``hub.reader``,
  ``tfds.verify``). Each format is imported only when needed: checking a ``datasets`` build
  never loads TensorFlow.
- A folder holding builds (a ``--data-dir``, a TFDS data dir): each build under it.
- An ``.npz`` written by ``mnist1d generate``, or a copy of the authors' ``mnist1d_data.pkl``.

Damage raises :class:`IntegrityError` naming the file; a path that holds none of these is a
``ValueError`` saying what verify accepts. A build that a framework made itself
(``load_dataset``, ``tfds.load``) has no record to check: it raises :class:`UnrecordedBuild`,
never called damaged or intact.
"""

from __future__ import annotations

import math
import os
import zipfile
from pathlib import Path

from mnist1d_core import Fingerprinter
from mnist1d_core.fingerprint import registry

from .manifest import (
    DATASET,
    MANIFEST_FILE,
    IntegrityError,
    legacy_record,
    open_regular,
    read_json,
    read_manifest,
    reason,
    snippet,
    verify_build,
)
from .unrecorded import UnrecordedBuild, check_recorded

ACCEPTS = (
    "a build folder of `mnist1d build` (it holds MANIFEST.json), an export of `mnist1d export`, a folder "
    "holding such builds, an .npz of `mnist1d generate`, or a copy of the authors' mnist1d_data.pkl"
)
_TFDS_SHARDS = ("mnist1d-*.tfrecord*", "mnist1d-*.array_record*")


def verify_directory(path: Path, kind: str | None = None) -> list[str]:
    """Check ``path`` (see the module); return what was checked, one line each. ``kind``
    (``"datasets"``) says what ``path`` must be, when the caller knows: ``mnist1d build`` of the
    folder it keeps, which then is checked as such even with none of its records left."""
    path = Path(path)
    if kind is not None:
        return _verify(path, kind)
    if path.is_file():
        return _verify_npz(path) if path.suffix == ".npz" else _verify_frozen_pickle(path)
    if not path.is_dir():
        raise IntegrityError(f"{path}: not a folder or a file")
    kind = build_kind(path)
    if kind is not None:
        return _verify(path, kind)
    builds = find_builds(path)
    if not builds:
        raise ValueError(f"{path}: holds no MNIST-1D build; verify accepts {ACCEPTS}")
    lines, damaged, unchecked = [], [], []
    for folder, kind in builds:
        try:
            checked = _verify(folder, kind)
        except UnrecordedBuild as error:
            unchecked.append(str(error))
        except IntegrityError as error:
            damaged.append(str(error))
        else:
            lines.append(f"{folder}: intact ({len(checked)} checks)")
    unrecorded = f"{len(unchecked)} of the {len(builds)} builds under {path} have no record: " + "; ".join(unchecked)
    if damaged:
        raise IntegrityError(
            f"{len(damaged)} of the {len(builds)} builds under {path} failed: "
            + "; ".join(damaged)
            + (f" ({unrecorded})" if unchecked else "")
        )
    if unchecked:
        raise UnrecordedBuild(unrecorded + (f"; the other {len(lines)} are intact" if lines else ""))
    return [f"{len(builds)} builds, all intact:", *lines]


def build_kind(folder: Path) -> str | None:
    """What ``folder`` holds: ``datasets``, ``tfds``, ``hub`` (an export), ``legacy`` or None.

    A folder is judged by what a loader would find in it, not only by its manifest: a ``datasets``
    build of this package that lost its ``MANIFEST.json`` still has its ``dataset_info.json``
    (builder ``mnist1d``; not the cache ``datasets`` makes of a folder that happens to be named
    mnist1d), and an export that lost its card still has its config folders; verify then names
    what is missing instead of passing over the folder."""
    if os.path.lexists(folder / MANIFEST_FILE):
        layout = _record_of(folder / MANIFEST_FILE).get("layout")
        return {"tfds": "tfds", "hub": "hub-config"}.get(layout, "datasets")
    if any(_record_of(manifest).get("layout") == "hub" for manifest in folder.glob(f"*/{MANIFEST_FILE}")) or (
        os.path.lexists(folder / "README.md") and any(folder.glob("*/*.parquet"))
    ):  # before the shards of another format: a stray one in an export is named as a stray
        return "hub"
    if any(next(folder.glob(pattern), None) for pattern in _TFDS_SHARDS):
        return "tfds"
    if legacy_record(folder):
        return "legacy"
    info = folder / "dataset_info.json"
    if os.path.lexists(info):
        try:
            return "datasets" if read_json(info).get("builder_name") == DATASET else None
        except (IntegrityError, OSError):  # a loader may still follow a symlink there: named, not passed over
            return "datasets" if next(folder.glob(f"{DATASET}-*.arrow"), None) else None
    return None


def _record_of(path: Path) -> dict:
    """A JSON record read with bounds; empty if it cannot be (the checks then name the file)."""
    try:
        return read_json(path) if os.path.lexists(path) else {}
    except (IntegrityError, OSError):
        return {}


def find_builds(root: Path) -> list[tuple[Path, str]]:
    """The builds under ``root``, in name order (an export counts as one; nothing under a build).
    A symlink to a folder is listed as such, never followed: verify refuses it, naming its target."""
    found, pending = [], [Path(root)]
    while pending:  # iterative: a tree nested thousands deep is no RecursionError
        folder = pending.pop()
        kind = build_kind(folder)
        if kind is not None:
            found.append((folder, kind))
            continue
        with os.scandir(folder) as entries:
            for entry in entries:
                # Not staging, nor .git, nor a framework's folder of a build in progress (or killed),
                # which no loader reads: datasets' <hash>.incomplete, TFDS's incomplete.*_<version>.
                name = entry.name
                if name.startswith((".", "incomplete.")) or name.endswith(".incomplete") or not entry.is_dir():
                    continue
                if entry.is_symlink():
                    found.append((Path(entry.path), "symlink"))
                else:
                    pending.append(Path(entry.path))
    return sorted(found)


def _verify(folder: Path, kind: str) -> list[str]:
    if kind == "symlink":
        raise IntegrityError(
            f"{folder}: a symlink; a folder of builds holds its own, so it is refused: verify the folder it "
            f"points to, {folder.resolve()}"
        )
    if kind == "datasets":
        from .arrow import DatasetsReader

        check_recorded(folder, "datasets")
        return verify_build(folder, DatasetsReader())
    if kind == "tfds":
        from ..tfds.verify import verify_directory as verify_tfds

        return verify_tfds(folder)
    if kind == "hub":
        from ..hub.verify import verify_export

        return verify_export(folder)
    if kind == "hub-config":
        from ..hub.verify import verify_config

        return verify_config(folder)
    read_manifest(folder)  # raises LegacyBuild, naming the release that made it
    raise AssertionError(f"{folder}: a build of 0.1.0 with a manifest")


def _verify_npz(path: Path) -> list[str]:
    """Re-derive the content fingerprints of an ``.npz`` of ``mnist1d generate`` and look them up
    in the registry; a file named after a preset must hold that preset's content."""
    import numpy as np

    os.close(open_regular(path))  # no FIFO, device or symlink
    try:
        _check_npz_headers(path)
        with np.load(path, allow_pickle=False) as arrays:
            splits = {"train": (arrays["x"], arrays["y"]), "test": (arrays["x_test"], arrays["y_test"])}
            contents = {}
            for split, (x, y) in splits.items():
                contents[split] = Fingerprinter()
                contents[split].update(x, y)
    except (ValueError, KeyError, EOFError, OSError, MemoryError, zipfile.BadZipFile) as error:
        if isinstance(error, PermissionError):
            raise
        raise IntegrityError(f"{path}: damaged, or not an .npz of `mnist1d generate` ({reason(error)})") from None
    digests = {split: content.hexdigest() for split, content in contents.items()}
    presets = {name for name, _ in registry()}
    match = next(
        (name for name in sorted(presets) if all(registry()[name, s].sha256 == d for s, d in digests.items())), None
    )
    named = path.stem.removeprefix("mnist1d-")
    if named in presets and match != named:
        raise IntegrityError(f"{path}: named {named}, but its content is not the registered {named}: damaged")
    lines = [
        f"{split}: {c.num_examples} examples of length {c.seq_length}, content fingerprint {digests[split]} "
        "re-derived from its arrays (as float32)"
        for split, c in contents.items()
    ]
    verdict = (
        f"matches the registered {match}" if match else "no registered preset has this content (a custom variant)"
    )
    return [*lines, f"registry: {verdict}"]


#: The arrays verify reads from an ``.npz`` of ``mnist1d generate``, and the kinds of number each holds.
_NPZ_ARRAYS = {"x": "f", "y": "iu", "x_test": "f", "y_test": "iu"}


def _check_npz_headers(path: Path) -> None:
    """Read only the headers of the arrays verify loads: each must hold numbers of its kind
    (signals floats, labels whole numbers), and no more bytes than its member of the archive
    holds, so that a forged header cannot make ``np.load`` allocate what the file does not have."""
    import numpy as np

    with zipfile.ZipFile(path) as archive:
        for name, kinds in _NPZ_ARRAYS.items():
            member = archive.getinfo(f"{name}.npy")
            with archive.open(member) as f:
                version = np.lib.format.read_magic(f)
                read_header = (
                    np.lib.format.read_array_header_1_0 if version == (1, 0) else (np.lib.format.read_array_header_2_0)
                )
                shape, _, dtype = read_header(f)
            if dtype.kind not in kinds:
                raise ValueError(f"{name}: holds {dtype}, not {'floats' if kinds == 'f' else 'whole numbers'}")
            if math.prod(shape) * dtype.itemsize > member.file_size:
                raise ValueError(f"{name}: its header announces shape {snippet(str(shape))}, more than the file holds")


def _verify_frozen_pickle(path: Path) -> list[str]:
    from mnist1d_core.compat.frozen import FrozenPickleError, verify_frozen_pickle

    os.close(open_regular(path))
    try:
        return verify_frozen_pickle(path)
    except FrozenPickleError as error:
        raise IntegrityError(str(error)) from None
