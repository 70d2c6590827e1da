"""One verifier for everything this package writes: ``mnist1d verify PATH``.

- A build folder (``datasets`` or TFDS) or a Hub export: its ``MANIFEST.json`` (one per export
  config) says what it is; :func:`mnist1d_builders.manifest.verify_build` does the checks every
  format shares and the format's reader re-reads the content (``arrow``, ``hub.reader``,
  ``tfds.verify``). Each format is imported only when needed: checking a ``datasets`` build
  never loads TensorFlow.
- A folder holding builds (a ``--data-dir``, a TFDS data dir): each build under it.
- An ``.npz`` written by ``mnist1d generate``, or a copy of the authors' ``mnist1d_data.pkl``.

Damage raises :class:`IntegrityError` naming the file; a path that holds none of these is a
``ValueError`` saying what verify accepts.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

from mnist1d_core import Fingerprinter
from mnist1d_core.fingerprint import registry

from .manifest import (
    MANIFEST_FILE,
    IntegrityError,
    legacy_record,
    open_regular,
    read_json,
    read_manifest,
    reason,
    verify_build,
)

ACCEPTS = (
    "a build folder of `mnist1d build` (it holds MANIFEST.json), an export of `mnist1d export`, a folder "
    "holding such builds, an .npz of `mnist1d generate`, or a copy of the authors' mnist1d_data.pkl"
)
_TFDS_SHARDS = ("mnist1d-*.tfrecord*", "mnist1d-*.array_record*")


def verify_directory(path: Path) -> list[str]:
    """Check ``path`` (see the module); return what was checked, one line each."""
    path = Path(path)
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
    lines, damaged = [], []
    for folder, kind in builds:
        try:
            checked = _verify(folder, kind)
        except IntegrityError as error:
            damaged.append(str(error))
            lines.append(f"{folder}: DAMAGED")
        else:
            lines.append(f"{folder}: intact ({len(checked)} checks)")
    if damaged:
        raise IntegrityError(f"{len(damaged)} of the {len(builds)} builds under {path} failed: " + "; ".join(damaged))
    return [f"{len(builds)} builds, all intact:", *lines]


def build_kind(folder: Path) -> str | None:
    """What ``folder`` holds: ``datasets``, ``tfds``, ``hub`` (an export), ``legacy`` or None."""
    if os.path.lexists(folder / MANIFEST_FILE):
        try:
            layout = read_json(folder / MANIFEST_FILE).get("layout")
        except (IntegrityError, OSError):
            return "datasets"  # damaged: the generic checks name the file
        return {"tfds": "tfds", "hub": "hub-config"}.get(layout, "datasets")
    if os.path.lexists(folder / "README.md") and (
        any(folder.glob(f"*/{MANIFEST_FILE}")) or any(folder.glob("*/*.parquet"))
    ):  # before the shards of another format: a stray one in an export is named as a stray
        return "hub"
    if any(next(folder.glob(pattern), None) for pattern in _TFDS_SHARDS):
        return "tfds"
    if legacy_record(folder):
        return "legacy"
    return None


def find_builds(root: Path) -> list[tuple[Path, str]]:
    """The builds under ``root``, in name order (an export counts as one; nothing under a build)."""
    found = []
    for folder, dirs, _ in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))  # not datasets' staging, nor .git
        kind = build_kind(Path(folder))
        if kind is not None:
            found.append((Path(folder), kind))
            dirs[:] = []
    return found


def _verify(folder: Path, kind: str) -> list[str]:
    if kind == "datasets":
        from .arrow import DatasetsReader

        return verify_build(folder, DatasetsReader())
    if kind == "tfds":
        from .tfds.verify import verify_directory as verify_tfds

        return verify_tfds(folder)
    if kind == "hub":
        from .hub.verify import verify_export

        return verify_export(folder)
    if kind == "hub-config":
        from .hub.verify import verify_config

        return verify_config(folder)
    read_manifest(folder)  # raises LegacyBuild, naming the release that made it
    raise AssertionError(f"{folder}: a build of 0.1.0 with a manifest")


def _verify_npz(path: Path) -> list[str]:
    """Re-derive the content fingerprints of an ``.npz`` of ``mnist1d generate`` and look them up
    in the registry; a file named after a preset must hold that preset's content."""
    import numpy as np

    os.close(open_regular(path))  # no FIFO, device or symlink
    try:
        with np.load(path, allow_pickle=False) as arrays:
            splits = {"train": (arrays["x"], arrays["y"]), "test": (arrays["x_test"], arrays["y_test"])}
            contents = {}
            for split, (x, y) in splits.items():
                contents[split] = Fingerprinter()
                contents[split].update(x, y)
    except (ValueError, KeyError, EOFError, OSError, zipfile.BadZipFile) as error:
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


def _verify_frozen_pickle(path: Path) -> list[str]:
    from mnist1d_core.compat.frozen import FrozenPickleError, verify_frozen_pickle

    os.close(open_regular(path))
    try:
        return verify_frozen_pickle(path)
    except FrozenPickleError as error:
        raise IntegrityError(str(error)) from None
