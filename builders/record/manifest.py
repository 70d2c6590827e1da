"""``MANIFEST.json``: the one record of every MNIST-1D build, and the checks every format shares.

One file, one schema, in every ``datasets`` build folder, every TFDS version folder and every
config folder of a Hub export (``<export>/<config>/MANIFEST.json``)::

    {
      "format": "mnist1d-manifest", "schema_version": 1,
      "dataset": "mnist1d", "release": "1.0.0", "config": "canonical",
      "parameters": {...every generator parameter...},
      "layout": "datasets" | "tfds" | "hub",
      "made_by": "mnist1d-datasets 0.2.0",
      "splits": {"train": {"num_rows": 4000, "fingerprint": "<sha256>", "shards": ["..."]}, "test": {...}},
      "files": {"<relative name>": "<sha256>", ...},     # every other file of the folder
      "t": [40 floats],                                  # the time axis returned with the data
      "templates": {"x": [[12 floats] x 10], "t": [12 floats], "y": [0, ..., 9]}
    }

``fingerprint`` is ``mnist1d_core.fingerprint`` of the split's content, whatever the format;
``shards`` are the files a loader reads for the split, in order. Plain JSON: anyone can read
``t`` and the templates, and check a copy with ``sha256sum`` and numpy, without this package.

Builders write it last, into the finished staging folder (:func:`write_manifest`);
:func:`verify_build` reads it back with bounds (:mod:`.records`) and runs the checks every format
shares, with the format's :class:`Reader` re-reading the content. Damage raises
:class:`IntegrityError` naming the file; an unreadable file is an ``OSError``; a 0.1.0 build,
:class:`LegacyBuild`.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import json
import math
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Protocol

import mnist1d_core
from mnist1d_core import (
    DATA_VERSION,
    PRESETS,
    SPLITS,
    Fingerprinter,
    MNIST1DConfig,
    fingerprint,
    generate,
    sharded,
    templates,
)
from mnist1d_core.files import written_atomically
from mnist1d_core.fingerprint import registry

from .files import (  # noqa: F401  (open_regular, MAX_RECORD_BYTES: re-exported for the formats' readers)
    MAX_RECORD_BYTES,
    IntegrityError,
    legacy_record,
    mapping,
    open_regular,
    positive_count,
    read_json,
    reason,
    relative_name,
    sha256_file,
    sha256_hex,
    snippet,
    walk,
)

MANIFEST_FILE = "MANIFEST.json"
FORMAT = "mnist1d-manifest"
SCHEMA_VERSION = 1
DATASET = "mnist1d"
LAYOUTS = ("datasets", "tfds", "hub")


class LegacyBuild(IntegrityError):
    """A folder made by mnist1d-datasets 0.1.0, whose records this release does not read."""


# --- the record ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class SplitRecord:
    """One split: its rows, its content fingerprint, and the shards a loader reads, in order."""

    num_rows: int
    fingerprint: str
    shards: tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class Manifest:
    """What ``MANIFEST.json`` holds (see the module's docstring)."""

    params: MNIST1DConfig
    layout: str
    splits: dict[str, SplitRecord]
    files: dict[str, str]
    t: tuple[float, ...]
    release: str = DATA_VERSION
    made_by: str = f"mnist1d-datasets {mnist1d_core.__version__}"

    @property
    def config(self) -> str:
        return self.params.name

    def to_dict(self) -> dict:
        tpl = templates()
        return {
            "format": FORMAT,
            "schema_version": SCHEMA_VERSION,
            "dataset": DATASET,
            "release": self.release,
            "config": self.config,
            "parameters": self.params.to_dict(),
            "layout": self.layout,
            "made_by": self.made_by,
            "splits": {
                name: {"num_rows": s.num_rows, "fingerprint": s.fingerprint, "shards": list(s.shards)}
                for name, s in self.splits.items()
            },
            "files": dict(sorted(self.files.items())),
            "t": [float(v) for v in self.t],
            "templates": {"x": tpl.x.tolist(), "t": tpl.t.tolist(), "y": tpl.y.tolist()},
        }


def write_manifest(
    folder: Path,
    *,
    params: MNIST1DConfig,
    layout: str,
    splits: Mapping[str, SplitRecord],
    t: Iterable[float],
    exclude: Iterable[str] = (),
) -> Manifest:
    """Write ``folder/MANIFEST.json`` for the finished folder: the SHA-256 of every file in it
    but the manifest and the relative names in ``exclude``. Call it last, on the staging
    folder, before moving the folder into place; the file itself is written whole or not at all."""
    folder = Path(folder)
    skip = {MANIFEST_FILE, *exclude}
    names = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file() and not p.is_symlink())
    manifest = Manifest(
        params=params,
        layout=layout,
        splits={name: splits[name] for name in SPLITS},
        files={name: sha256_file(folder / name) for name in names if name not in skip},
        t=tuple(float(v) for v in t),
    )
    with written_atomically(folder / MANIFEST_FILE) as partial:
        partial.write_text(json.dumps(manifest.to_dict(), indent=1) + "\n", encoding="utf-8")
    return manifest


def read_manifest(folder: Path, layout: str | None = None) -> Manifest:
    """The manifest of ``folder``, validated field by field (``layout``, if given, must match).

    Raises :class:`LegacyBuild` for a folder made by release 0.1.0, :class:`IntegrityError`
    naming ``MANIFEST.json`` when it is missing or damaged, and ``OSError`` when it cannot be read.
    """
    folder = Path(folder)
    path = folder / MANIFEST_FILE
    if not os.path.lexists(path):
        legacy = legacy_record(folder)
        if legacy:
            raise LegacyBuild(
                f"{folder}: made by mnist1d-datasets 0.1.0 (it keeps {legacy}, not {MANIFEST_FILE}); "
                f"mnist1d-datasets {mnist1d_core.__version__} does not read those records: rebuild it with --force"
            )
        raise IntegrityError(f"{path}: missing, so nothing in {folder} can be checked")
    raw = read_json(path)
    try:
        return _parse(raw, layout)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise IntegrityError(f"{path}: not a valid {MANIFEST_FILE} ({reason(error)})") from None


def _parse(raw: dict, layout: str | None) -> Manifest:
    if raw.get("format") != FORMAT or raw.get("schema_version") != SCHEMA_VERSION:
        raise ValueError(f"format {snippet(str(raw.get('format')))} schema {snippet(str(raw.get('schema_version')))}")
    if raw["dataset"] != DATASET:
        raise ValueError(f"dataset {snippet(str(raw['dataset']))}, not {DATASET!r}")
    if raw["layout"] not in LAYOUTS or (layout is not None and raw["layout"] != layout):
        raise ValueError(f"layout {snippet(str(raw['layout']))}, not {layout or ' or '.join(LAYOUTS)!r}")
    params = MNIST1DConfig.from_dict(mapping(raw["parameters"]))
    if raw["config"] != params.name:
        raise ValueError(f"config {snippet(str(raw['config']))}, but the parameters are those of {params.name!r}")
    if raw["release"] != DATA_VERSION:
        raise ValueError(f"release {snippet(str(raw['release']))}; this package makes and reads {DATA_VERSION}")
    splits = mapping(raw["splits"])
    if list(splits) != list(SPLITS):
        raise ValueError(f"splits {snippet(str(list(splits)))}, not {list(SPLITS)}")
    records = {}
    for name in SPLITS:
        entry = mapping(splits[name])
        shards = entry["shards"]
        if not (isinstance(shards, list) and shards and all(isinstance(s, str) and relative_name(s) for s in shards)):
            raise ValueError(f"{name}: shards must be a list of relative file names")
        records[name] = SplitRecord(positive_count(entry["num_rows"]), sha256_hex(entry["fingerprint"]), tuple(shards))
    files = mapping(raw["files"])
    for name, digest in files.items():
        if not relative_name(name) or name == MANIFEST_FILE:
            raise ValueError(f"files: {snippet(name)} is not a relative name of another file")
        sha256_hex(digest)
    t = raw["t"]
    if not (
        isinstance(t, list)
        and len(t) == params.final_seq_length
        and all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in t)
    ):
        raise ValueError(f"t must be {params.final_seq_length} finite numbers")
    tpl = templates()
    if mapping(raw["templates"]) != {"x": tpl.x.tolist(), "t": tpl.t.tolist(), "y": tpl.y.tolist()}:
        raise ValueError("templates are not MNIST-1D's")
    made_by = raw["made_by"]
    if not isinstance(made_by, str) or len(made_by) > 100:
        raise ValueError("made_by must be a short string")
    return Manifest(params, raw["layout"], records, dict(files), tuple(map(float, t)), raw["release"], made_by)


# --- the checks every format shares ---------------------------------------------------------


class Reader(Protocol):
    """What :func:`verify_build` needs of a format: the manifest's ``layout`` it checks, and
    ``ignore``, glob patterns of names a framework writes beside a build in normal use, with why."""

    layout: str
    ignore: Mapping[str, str]

    def identity(self, folder: Path, manifest: Manifest) -> str:
        """Check the format's own records (e.g. ``dataset_info.json``) against the manifest,
        including that its loader reads exactly ``manifest.splits[split].shards``; return a line."""

    def content(self, folder: Path, manifest: Manifest, split: str) -> Fingerprinter:
        """Re-read ``split`` as the format's loader returns it: its content fingerprint."""


def check_files(folder: Path, manifest: Manifest, ignore: Mapping[str, str] = {}) -> tuple[list[str], dict[str, str]]:
    """Check that ``folder`` holds exactly the files the manifest lists, as regular files (no
    symlink, FIFO, device or socket anywhere), and that every shard of a split is listed.

    Returns the names whose SHA-256 differs from the record (for :func:`verify_build` to
    blame) and the ignored names with why. Raises :class:`IntegrityError` for a missing,
    unlisted or special file, ``OSError`` (permission denied) for one that cannot be read.
    """
    folder = Path(folder)
    for split, record in manifest.splits.items():
        for shard in record.shards:
            if not os.path.lexists(folder / shard):
                raise IntegrityError(f"{folder / shard}: missing; {MANIFEST_FILE} lists it as a shard of {split}")
            if shard not in manifest.files:
                raise IntegrityError(
                    f"{folder / MANIFEST_FILE}: {split}'s shard {snippet(shard)} has no SHA-256 in it"
                )
    differ = []
    for name, expected in sorted(manifest.files.items()):
        path = folder / name
        if not os.path.lexists(path):
            raise IntegrityError(f"{path}: listed in {MANIFEST_FILE} but missing")
        if sha256_file(path) != expected:
            differ.append(name)
    ignored = {}
    for path in sorted(walk(folder)):
        name = path.relative_to(folder).as_posix()
        if name in manifest.files or name == MANIFEST_FILE:
            continue
        why = next((why for pattern, why in ignore.items() if fnmatch.fnmatchcase(name, pattern)), None)
        if why is None:
            raise IntegrityError(
                f"{path}: a file that {MANIFEST_FILE} does not list; a loader could read it as part of "
                "the dataset: remove it if it is not"
            )
        ignored[name] = why
    return differ, ignored


def verify_build(folder: Path, reader: Reader) -> list[str]:
    """Verify ``folder`` against its manifest with the format's ``reader``; return what was
    checked, one line each. Raises :class:`IntegrityError` naming the file at fault."""
    folder = Path(folder)
    if folder.is_symlink():
        raise IntegrityError(f"{folder}: a symlink; verify the folder it points to, {folder.resolve()}")
    manifest = read_manifest(folder, reader.layout)
    differ, ignored = check_files(folder, manifest, reader.ignore)
    if differ:
        raise _blame(folder, manifest, reader, differ[0])
    lines = [f"{MANIFEST_FILE}: all {len(manifest.files)} files re-hashed and intact"]
    lines += [f"  {digest}  {name}" for name, digest in sorted(manifest.files.items())]
    lines += [f"ignored: {name} ({why})" for name, why in sorted(ignored.items())]
    lines.append(reader.identity(folder, manifest))
    for split in SPLITS:
        lines.append(check_content(folder, manifest, split, reader.content(folder, manifest, split)))
    lines.append(check_t(folder, manifest))
    return lines


def check_content(folder: Path, manifest: Manifest, split: str, content: Fingerprinter) -> str:
    """Compare a split re-read from its shards with the manifest, its config and the registry;
    return the line that says what was checked."""
    record, params = manifest.splits[split], manifest.params
    shards = ", ".join(str(folder / s) for s in record.shards)
    found = (content.num_examples, content.seq_length, content.hexdigest())
    expected = (params.split_size(split), params.final_seq_length)
    recorded = (record.num_rows, params.final_seq_length, record.fingerprint)
    registered = registry().get((params.name, split))
    if found != recorded:
        if registered is not None and found[2] == registered.sha256:
            raise IntegrityError(
                f"{folder / MANIFEST_FILE}: records {recorded[::2]} for {split}, but its shards hold the "
                f"registered content of {params.name}/{split}: {MANIFEST_FILE} is damaged"
            )
        at_fault = (
            "damaged"
            if registered is not None and recorded[2] == registered.sha256
            else f"the shards or {MANIFEST_FILE} are damaged"
        )
        raise IntegrityError(
            f"{shards}: hold {found[0]} examples of length {found[1]} with content fingerprint {found[2]}, not "
            f"the {recorded[0]} with {recorded[2]} that {MANIFEST_FILE} records for {split}: {at_fault}"
        )
    if found[:2] != expected:
        raise IntegrityError(
            f"{folder / MANIFEST_FILE}: records {found[0]} examples of length {found[1]} for {split}; "
            f"{params.name} has {expected[0]} of length {expected[1]}"
        )
    if registered is not None and found[2] != registered.sha256:
        raise IntegrityError(
            f"{shards}: content fingerprint {found[2]} of {params.name}/{split} is not the registered "
            f"{registered.sha256}: the data is not the published data"
        )
    registered_as = {entry.sha256: key for key, entry in registry().items()}.get(found[2], (params.name, split))
    if registered_as != (params.name, split) and not _makes(params, split, found[2]):
        raise IntegrityError(
            f"{shards}: hold the registered content of {'/'.join(registered_as)}, but {MANIFEST_FILE} "
            f"says {params.name}/{split}; a preset's data must carry its name"
        )
    against = (
        f"{MANIFEST_FILE} and the registry ({params.name})"
        if registered
        else f"{MANIFEST_FILE} ({params.name} has no registered fingerprint)"
    )
    return (
        f"{split}: {found[0]} examples of length {found[1]}, content fingerprint {found[2]} re-read "
        f"from {', '.join(record.shards)}: matches {against}"
    )


def check_t(folder: Path, manifest: Manifest) -> str:
    """The recorded time axis against the generator's, where that is cheap: the sharded algorithm
    computes it from the parameters; the paper's only by generating, done at a preset's size."""
    params = manifest.params
    if params.algorithm == "paper" and not any(params.sizes() == p.sizes() for p in PRESETS.values()):
        return f"t: {len(manifest.t)} values recorded (re-derived only at a preset's size)"
    t = sharded.time_axis(params) if params.algorithm == "sharded" else generate(params).t
    if [float(v) for v in t] != list(manifest.t):
        raise IntegrityError(f"{folder / MANIFEST_FILE}: its t is not the time axis {params.name} has")
    return f"t: the time axis of {params.name}, re-derived"


def _makes(params: MNIST1DConfig, split: str, digest: str) -> bool:
    """True if ``params`` generates content ``digest`` for ``split``; tried only at a preset's size."""
    if not any(params.sizes() == preset.sizes() for preset in PRESETS.values()):
        return False
    part = generate(params).split(split)
    return fingerprint(part.x, part.y) == digest


def _blame(folder: Path, manifest: Manifest, reader: Reader, name: str) -> IntegrityError:
    """A file whose SHA-256 is not the recorded one. For a shard, its split re-read tells
    whether the data changed (the shard is damaged) or only bytes outside it, or the record."""
    path = folder / name
    split = next((s for s, r in manifest.splits.items() if name in r.shards), None)
    if split is not None:
        try:
            content = reader.content(folder, manifest, split)
            intact = (content.num_examples, content.hexdigest()) == (
                manifest.splits[split].num_rows,
                manifest.splits[split].fingerprint,
            )
        except (IntegrityError, OSError):
            intact = False
        if intact:
            return IntegrityError(
                f"{folder / MANIFEST_FILE}: the SHA-256 it records for {name} is not the file's, yet {split} still "
                f"has the recorded content: {MANIFEST_FILE} is damaged, or bytes of {name} outside the data are"
            )
        return IntegrityError(
            f"{path}: damaged: its SHA-256 differs from the one {MANIFEST_FILE} records, and so does the content of {split}"
        )
    return IntegrityError(
        f"{path}: its SHA-256 differs from the one {MANIFEST_FILE} records; the file or {MANIFEST_FILE} is damaged"
    )
