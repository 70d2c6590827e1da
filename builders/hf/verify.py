"""Verifying a ``datasets`` build: every file ``load_dataset`` reads, and nothing else.

What :func:`verify_directory` checks, in order (the files are described in ``record.py``):

1. **Exactly the recorded files, each intact.** ``SHA256SUMS`` lists every file of the
   build: the shards, ``dataset_info.json`` (the features and split sizes ``load_dataset``
   uses), ``LICENSE``, ``PARAMETERS.json`` and ``FINGERPRINTS.tsv``. Each is re-hashed; any
   other file is damage (a stray shard), except what ``datasets`` writes there in normal use
   (:data:`IGNORED`), which is listed with the reason.
2. **One identity.** The parameters in ``PARAMETERS.json`` give the config name that
   ``FINGERPRINTS.tsv`` and ``dataset_info.json`` record, and the folder's place in the cache
   (``<root>/mnist1d/<config>/<version>/<hash>``) when it is in one; the features and split
   sizes in ``dataset_info.json`` are the ones those parameters give, and its shard lengths
   name exactly the shards ``FINGERPRINTS.tsv`` lists.
3. **The content.** Each split is re-read from its shards, as ``load_dataset`` reads it, and its
   fingerprint compared with ``FINGERPRINTS.tsv`` and, for a named preset, with the registry.
   Content that is a preset's registered content under another name is damage too, so no
   edit of the names can switch the registry check off.

The first damage found raises :class:`IntegrityError` naming the file at fault. A shard whose
SHA-256 differs while its split's content is the recorded one is not called damaged:
``SHA256SUMS`` is named instead.
"""

from __future__ import annotations

from pathlib import Path

import datasets
from datasets.naming import filenames_for_dataset_split

from mnist1d_core import SPLITS, MNIST1DConfig
from mnist1d_core.fingerprint import registry

from ..integrity import (
    SUMS_FILE,
    DigestMismatch,
    IntegrityError,
    check_files,
    checked_against_registry,
    read_sha256sums,
    sha256_file,
)
from .record import (
    DATASET_NAME,
    FINGERPRINTS_FILE,
    PARAMETERS_FILE,
    FingerprintRow,
    features,
    read_fingerprints,
    read_info,
    read_parameters,
    read_split,
)

INFO_FILE = datasets.config.DATASET_INFO_FILENAME

#: Files ``datasets`` writes into a build's folder in normal use, which are not the build.
IGNORED = {
    "cache-*.arrow": "datasets' cache of a map, filter, shuffle or sort result; load_dataset never reads it",
    "tmp*": "datasets' temporary file of a map or filter in progress",
}


def verify_directory(directory: Path) -> list[str]:
    """Re-check a built folder (see the module's docstring for what is checked).

    Returns what was checked, one line each; raises :class:`IntegrityError` naming the
    damaged file.
    """
    directory = Path(directory)
    sums = directory / SUMS_FILE
    digests = read_sha256sums(directory)
    try:
        checked = check_files(directory, digests, record=sums, ignore=IGNORED)
    except DigestMismatch as error:
        raise _blame(directory, digests, error) from None
    for name in (PARAMETERS_FILE, FINGERPRINTS_FILE, INFO_FILE):
        if name not in digests:
            raise IntegrityError(f"{directory / name}: missing, or not listed in {SUMS_FILE}")

    params, rows, info = read_parameters(directory), read_fingerprints(directory), read_info(directory)
    lines = [*checked.lines(), _check_identity(directory, params, rows, info)]
    unused = sorted({name for name in digests if name.endswith(".arrow")} - {s for row in rows for s in row.shards})
    if unused:
        raise IntegrityError(f"{directory / unused[0]}: a shard that no split of {FINGERPRINTS_FILE} lists")
    return lines + [_check_content(directory, params, row, info) for row in rows]


def _check_identity(
    directory: Path, params: MNIST1DConfig, rows: list[FingerprintRow], info: datasets.DatasetInfo
) -> str:
    """Check that every record of the build names the config its parameters give."""
    name = params.name
    for row in rows:
        if row.config != name:
            raise IntegrityError(
                f"{directory / FINGERPRINTS_FILE}: records the config {row.config!r} for {row.split}, "
                f"but {PARAMETERS_FILE} holds the parameters of {name!r}"
            )
    info_file = directory / INFO_FILE
    found = (info.builder_name, info.config_name)
    if found != (DATASET_NAME, name):
        raise IntegrityError(
            f"{info_file}: records builder and config {found}, but {PARAMETERS_FILE} "
            f"holds the parameters of {(DATASET_NAME, name)}"
        )
    if info.features != features(params.final_seq_length):
        raise IntegrityError(
            f"{info_file}: its features are not those of {name} "
            f"(x of length {params.final_seq_length}, y a ClassLabel of the digits)"
        )
    if list(info.splits) != list(SPLITS):
        raise IntegrityError(f"{info_file}: records the splits {list(info.splits)}, not {list(SPLITS)}")
    for row in rows:
        split = info.splits[row.split]
        # load_dataset reads the shards named after these lengths, and that many rows of each.
        lengths = split.shard_lengths or [split.num_examples]
        names = [
            Path(f).name
            for f in filenames_for_dataset_split(directory, DATASET_NAME, row.split, "arrow", split.shard_lengths)
        ]
        expected = (params.split_size(row.split), params.split_size(row.split), row.shards)
        if (split.num_examples, sum(lengths), names) != expected:
            raise IntegrityError(
                f"{info_file}: records {split.num_examples} examples of {row.split} in the shards "
                f"{names}; {name} has {expected[0]}, in the shards {FINGERPRINTS_FILE} lists"
            )
        if (row.num_examples, row.seq_length) != (expected[0], params.final_seq_length):
            raise IntegrityError(
                f"{directory / FINGERPRINTS_FILE}: records {row.num_examples} examples of length "
                f"{row.seq_length} for {row.split}; {name} has {expected[0]} of length "
                f"{params.final_seq_length}"
            )
    where, place = "", directory.absolute().parents
    if (
        len(place) > 2 and place[2].name == DATASET_NAME
    ):  # in the cache layout: <root>/mnist1d/<config>/<version>/<hash>
        placed = (place[1].name, place[0].name)
        if placed != (name, str(info.version)):
            raise IntegrityError(
                f"{directory}: its place in the cache says {placed[0]} {placed[1]}, but the build is "
                f"{name} {info.version}; load_dataset would serve it under the wrong config"
            )
        where = " and its place in the cache"
    return f"identity: {name} {info.version}, agreed by {PARAMETERS_FILE}, {FINGERPRINTS_FILE}, {INFO_FILE}{where}"


def _check_content(directory: Path, params: MNIST1DConfig, row: FingerprintRow, info: datasets.DatasetInfo) -> str:
    content = read_split([directory / shard for shard in row.shards], params.final_seq_length)
    fingerprint = content.fingerprint
    found = (fingerprint.num_examples, fingerprint.seq_length, fingerprint.hexdigest())
    recorded = (row.num_examples, row.seq_length, row.sha256)
    if found != recorded:
        # Both files are as SHA256SUMS records them; the registry, when it knows the
        # config, tells which of the two is wrong.
        shards = ", ".join(str(directory / shard) for shard in row.shards)
        registered = registry().get((row.config, row.split))
        registered = registered and (registered.num_examples, registered.seq_length, registered.sha256)
        if found == registered:
            raise IntegrityError(
                f"{directory / FINGERPRINTS_FILE}: records {recorded} for {row.split}, but its shards "
                f"hold the registered content of {row.config}/{row.split}: {FINGERPRINTS_FILE} is damaged"
            )
        if recorded == registered:
            raise IntegrityError(
                f"{shards}: content of split {row.split!r} is {found}, not the {recorded} that "
                f"{FINGERPRINTS_FILE} and the registry record: damaged"
            )
        raise IntegrityError(
            f"{directory / FINGERPRINTS_FILE}: records {recorded} for {row.split}, but its shards "
            f"({shards}) hold {found}: {FINGERPRINTS_FILE} or the shards are damaged"
        )
    split = info.splits[row.split]
    if content.shard_lengths != (split.shard_lengths or [split.num_examples]):
        raise IntegrityError(
            f"{directory / INFO_FILE}: records the shard lengths {split.shard_lengths} for "
            f"{row.split}; the shards hold {content.shard_lengths} rows"
        )
    registered_as = {entry.sha256: key for key, entry in registry().items()}.get(row.sha256, (row.config, row.split))
    if registered_as != (row.config, row.split):
        raise IntegrityError(
            f"{directory / FINGERPRINTS_FILE}: the content of {row.split} is the registered "
            f"{'/'.join(registered_as)}, but the build says {row.config}/{row.split}"
        )
    return checked_against_registry(
        row.config,
        row.split,
        fingerprint,
        row.shards,
        FINGERPRINTS_FILE,
        damaged=", ".join(str(directory / shard) for shard in row.shards),
    )


def _blame(directory: Path, digests: dict[str, str], mismatch: DigestMismatch) -> IntegrityError:
    """Which file is damaged when a shard's SHA-256 is not the recorded one: if its split
    still has the content ``FINGERPRINTS.tsv`` (itself intact) records, the shard's data are
    intact and ``SHA256SUMS`` is named; otherwise the shard."""
    try:
        trusted = sha256_file(directory / FINGERPRINTS_FILE) == digests.get(FINGERPRINTS_FILE)
    except OSError:
        trusted = False
    if mismatch.path.suffix != ".arrow" or not trusted:
        return mismatch
    try:
        params = read_parameters(directory)
        row = next(row for row in read_fingerprints(directory) if mismatch.path.name in row.shards)
        content = read_split([directory / shard for shard in row.shards], params.final_seq_length).fingerprint
    except (IntegrityError, StopIteration):
        return mismatch
    if (content.num_examples, content.hexdigest()) != (row.num_examples, row.sha256):
        return IntegrityError(
            f"{mismatch.path}: damaged: its SHA-256 differs from the one {SUMS_FILE} records, "
            f"and the content of {row.split} from the one {FINGERPRINTS_FILE} records"
        )
    return IntegrityError(
        f"{directory / SUMS_FILE}: the SHA-256 it records for {mismatch.path.name} is not the "
        f"file's, yet {row.split} still has the content {FINGERPRINTS_FILE} records: "
        f"{SUMS_FILE} is damaged, or bytes of {mismatch.path.name} outside the data are"
    )
