"""What a ``datasets`` build of MNIST-1D records beside its Arrow shards, and how it is read back.

A build's folder holds, besides the shards and datasets' own ``dataset_info.json`` (the
features and split sizes ``load_dataset`` uses) and ``LICENSE``:

- ``PARAMETERS.json``: the generator's parameters, and the config name they give;
- ``FINGERPRINTS.tsv``: each split's content fingerprint (``mnist1d_core.fingerprint``),
  re-read from the written shards, with the shards in order;
- ``SHA256SUMS`` (``mnist1d_builders.integrity``): the SHA-256 of every other file.

The builder writes them (``mnist1d.py``), the verifier reads them (``verify.py``). Reading
is strict: a file that is missing, unreadable or malformed raises
:class:`~mnist1d_builders.integrity.IntegrityError` naming it.
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import datasets
import pyarrow as pa

from mnist1d_core import SPLITS, MNIST1DConfig
from mnist1d_core.config import NUM_CLASSES
from mnist1d_core.fingerprint import Fingerprinter

from ..integrity import IntegrityError, _reason

#: The builder's name: its module's, its cache folder's and the shards' (``mnist1d-train.arrow``).
DATASET_NAME = "mnist1d"

PARAMETERS_FILE = "PARAMETERS.json"
FINGERPRINTS_FILE = "FINGERPRINTS.tsv"
FINGERPRINTS_HEADER = (
    "# Content fingerprints of this build (layout: mnist1d_core/fingerprint.py); shards in order.\n"
    "# config\tsplit\tnum_examples\tseq_length\tsha256\tshards\n"
)
_SHA256 = re.compile(r"[0-9a-f]{64}")
_SHARD = re.compile(rf"{DATASET_NAME}-(train|test)(-\d{{5}}-of-\d{{5}})?\.arrow")


def features(seq_length: int) -> datasets.Features:
    """The columns: ``x``, a signal of ``seq_length`` float32 values; ``y``, its digit."""
    return datasets.Features(
        {
            "x": datasets.List(datasets.Value("float32"), length=seq_length),
            "y": datasets.ClassLabel(names=[str(digit) for digit in range(NUM_CLASSES)]),
        }
    )


# --- PARAMETERS.json ------------------------------------------------------------------


def write_parameters(directory: Path, params: MNIST1DConfig) -> None:
    text = json.dumps({"config": params.name, "parameters": params.to_dict()}, indent=1)
    (directory / PARAMETERS_FILE).write_text(text + "\n", encoding="utf-8")


def read_parameters(directory: Path) -> MNIST1DConfig:
    """The parameters recorded in ``PARAMETERS.json``, which must give the name recorded beside them."""
    path = directory / PARAMETERS_FILE
    recorded = _read_json(path)
    try:
        params = MNIST1DConfig.from_dict(recorded["parameters"])
    except (KeyError, TypeError, ValueError) as error:
        raise IntegrityError(f"{path}: no valid MNIST-1D parameters ({_reason(error)})") from None
    if recorded.get("config") != params.name:
        raise IntegrityError(
            f"{path}: records the config {recorded.get('config')!r}, but its parameters are those of {params.name!r}"
        )
    return params


# --- FINGERPRINTS.tsv ------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class FingerprintRow:
    """One split of ``FINGERPRINTS.tsv``: the registry's columns plus the split's shards."""

    config: str
    split: str
    num_examples: int
    seq_length: int
    sha256: str
    shards: list[str]

    def line(self) -> str:
        return f"{self.config}\t{self.split}\t{self.num_examples}\t{self.seq_length}\t{self.sha256}\t{','.join(self.shards)}\n"

    @classmethod
    def parse(cls, line: str) -> FingerprintRow:
        """Raises ``ValueError`` for anything but a well-formed row of a split."""
        config, split, num_examples, seq_length, sha256, shards = line.split("\t")
        row = cls(config, split, int(num_examples), int(seq_length), sha256, shards.split(","))
        names = [_SHARD.fullmatch(shard) for shard in row.shards]
        if (
            split not in SPLITS
            or row.num_examples < 1
            or row.seq_length < 1
            or not _SHA256.fullmatch(sha256)
            or not all(name and name.group(1) == split for name in names)
        ):
            raise ValueError("a field is out of range")
        return row


def write_fingerprints(directory: Path, rows: list[FingerprintRow]) -> None:
    (directory / FINGERPRINTS_FILE).write_text(
        FINGERPRINTS_HEADER + "".join(row.line() for row in rows), encoding="utf-8"
    )


def read_fingerprints(directory: Path) -> list[FingerprintRow]:
    """The rows of ``FINGERPRINTS.tsv``: exactly one per split, in the splits' order."""
    path = directory / FINGERPRINTS_FILE
    rows = []
    for number, line in enumerate(_read_text(path).splitlines(), 1):
        if line.startswith("#"):
            continue
        try:
            rows.append(FingerprintRow.parse(line))
        except ValueError:
            raise IntegrityError(
                f"{path}: line {number} is not a row of config, split, num_examples, seq_length, "
                f"sha256 and shards ({line[:80]!r}); {FINGERPRINTS_FILE} is damaged"
            ) from None
    if [row.split for row in rows] != list(SPLITS):
        raise IntegrityError(
            f"{path}: records the splits {[row.split for row in rows]}, not {list(SPLITS)}; "
            f"{FINGERPRINTS_FILE} is damaged"
        )
    return rows


# --- dataset_info.json -----------------------------------------------------------------


def read_info(directory: Path) -> datasets.DatasetInfo:
    """``dataset_info.json`` as ``load_dataset`` reads it (``DatasetInfo.from_directory``),
    with split sizes that are whole numbers."""
    path = directory / datasets.config.DATASET_INFO_FILENAME
    recorded = _read_json(path)
    try:
        info = datasets.DatasetInfo.from_dict(recorded)
    except Exception as error:  # datasets' parser, given any JSON: its errors are of many kinds
        raise IntegrityError(f"{path}: not a valid {path.name} ({_reason(error)})") from None
    splits = info.splits.values() if isinstance(info.splits, dict) else None
    if splits is None or not all(
        _whole(split.num_examples)
        and (
            split.shard_lengths is None
            or (isinstance(split.shard_lengths, list) and all(map(_whole, split.shard_lengths)))
        )
        for split in splits
    ):
        raise IntegrityError(f"{path}: its splits are not split names with numbers of examples and shard lengths")
    return info


def _whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


# --- the shards ------------------------------------------------------------------------


@dataclasses.dataclass
class SplitContent:
    """A split re-read from its shards: its fingerprint and each shard's number of rows."""

    fingerprint: Fingerprinter
    shard_lengths: list[int]


def read_split(shards: list[Path], seq_length: int) -> SplitContent:
    """Re-read a split's Arrow shards, in order, as ``load_dataset`` would: each must hold
    exactly the build's columns (``features(seq_length)``, with its metadata)."""
    expected = features(seq_length).arrow_schema
    content = SplitContent(Fingerprinter(), [])
    for shard in shards:
        try:
            with pa.memory_map(str(shard)) as source:
                reader = pa.ipc.open_stream(source)
                if not reader.schema.equals(expected, check_metadata=True):
                    raise IntegrityError(
                        f"{shard}: its columns are not MNIST-1D's ({reader.schema.to_string(show_schema_metadata=False)!r})"
                    )
                rows = 0
                for batch in reader:
                    x = batch.column("x")
                    content.fingerprint.update(
                        x.flatten().to_numpy().reshape(len(x), seq_length), batch.column("y").to_numpy()
                    )
                    rows += len(x)
        except (OSError, pa.ArrowException, ValueError) as error:
            raise IntegrityError(f"{shard}: not a readable MNIST-1D Arrow shard ({_reason(error)})") from None
        content.shard_lengths.append(rows)
    return content


# --- helpers ---------------------------------------------------------------------------


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise IntegrityError(f"{path}: missing") from None
    except (OSError, UnicodeDecodeError) as error:
        raise IntegrityError(f"{path}: unreadable ({_reason(error)})") from None


def _read_json(path: Path) -> dict:
    try:
        value = json.loads(_read_text(path))
    except json.JSONDecodeError as error:
        raise IntegrityError(f"{path}: not valid JSON ({error})") from None
    if not isinstance(value, dict):
        raise IntegrityError(f"{path}: not a JSON object")
    return value
