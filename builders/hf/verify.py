"""The checksums of a ``datasets`` build: ``FINGERPRINTS.tsv`` and its verification.

Beside its Arrow shards a build records each split's content fingerprint
(``mnist1d_core.fingerprint``, re-read from the written shards) in ``FINGERPRINTS.tsv``,
and every file's SHA-256 in ``SHA256SUMS``. :func:`verify_directory` re-checks both.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pyarrow as pa

from mnist1d_core.fingerprint import Fingerprinter

from ..integrity import SUMS_FILE, IntegrityError, check_files, checked_against_registry, read_sha256sums

#: Content fingerprints of a build, beside its shards: the registry's columns plus the shards.
FINGERPRINTS_FILE = "FINGERPRINTS.tsv"

#: Files ``datasets`` writes into a build's folder in normal use, which are not the build.
IGNORED = {
    "cache-*.arrow": "datasets' cache of a map or filter result",
    "tmp*": "datasets' temporary file of a map or filter in progress",
}

FINGERPRINTS_HEADER = (
    "# Content fingerprints of this build (layout: mnist1d_core/fingerprint.py); shards in order.\n"
    "# config\tsplit\tnum_examples\tseq_length\tsha256\tshards\n"
)


@dataclasses.dataclass(frozen=True)
class FingerprintRow:
    config: str
    split: str
    num_examples: int
    seq_length: int
    sha256: str
    shards: list[str]

    def line(self) -> str:
        return f"{self.config}\t{self.split}\t{self.num_examples}\t{self.seq_length}\t{self.sha256}\t{','.join(self.shards)}\n"

    @classmethod
    def parse(cls, line: str) -> "FingerprintRow":
        config, split, num_examples, seq_length, sha256, shards = line.split("\t")
        return cls(config, split, int(num_examples), int(seq_length), sha256, shards.split(","))


def content_fingerprint(shards: list[Path]) -> Fingerprinter:
    """Re-read a split's Arrow shards, in order, into a content fingerprint."""
    fingerprinter = Fingerprinter()
    for shard in shards:
        try:
            with pa.memory_map(str(shard)) as source:
                for batch in pa.ipc.open_stream(source):
                    x = batch.column("x")
                    rows = x.flatten().to_numpy().reshape(len(x), x.type.list_size)
                    fingerprinter.update(rows, batch.column("y").to_numpy())
        except (OSError, pa.ArrowException, KeyError) as error:
            raise IntegrityError(f"{shard}: not a readable MNIST-1D Arrow shard ({error})") from None
    return fingerprinter


def verify_directory(directory: Path) -> list[str]:
    """Re-check a built folder: every shard's SHA-256 against ``SHA256SUMS``, then each
    split's content against ``FINGERPRINTS.tsv`` and, for a preset, the core's registry.

    Returns what was checked, one line each; raises :class:`IntegrityError` naming the
    damaged file.
    """
    directory = Path(directory)
    checked = check_files(directory, read_sha256sums(directory), record=directory / SUMS_FILE, ignore=IGNORED)
    if FINGERPRINTS_FILE not in checked.digests:
        raise IntegrityError(f"{directory / FINGERPRINTS_FILE}: missing or not listed in {SUMS_FILE}")
    lines = checked.lines()

    for line in (directory / FINGERPRINTS_FILE).read_text().splitlines():
        if line.startswith("#"):
            continue
        row = FingerprintRow.parse(line)
        content = content_fingerprint([directory / name for name in row.shards])
        found = (content.num_examples, content.seq_length, content.hexdigest())
        if found != (row.num_examples, row.seq_length, row.sha256):
            raise IntegrityError(f"{directory / row.shards[0]}: content of split {row.split!r} differs from "
                                 f"{FINGERPRINTS_FILE} (found {found}, recorded "
                                 f"{(row.num_examples, row.seq_length, row.sha256)})")
        lines.append(checked_against_registry(row.config, row.split, content, row.shards, FINGERPRINTS_FILE,
                                              damaged=directory / FINGERPRINTS_FILE))
    return lines
