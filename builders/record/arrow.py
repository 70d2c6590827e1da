"""The ``datasets`` form of MNIST-1D: its columns, and a build's content as ``load_dataset`` reads it.

Shared by the ``datasets`` builder (``mnist1d_builders.hf``), the Hub export (whose Parquet files
carry the same features) and the verifier. Importing it imports ``datasets`` but registers
nothing: only ``import mnist1d_builders.hf`` makes ``load_dataset("mnist1d")`` resolve.
"""

from __future__ import annotations

from pathlib import Path

import datasets
import pyarrow as pa
from datasets.naming import filenames_for_dataset_split

from mnist1d_core import SPLITS, Fingerprinter
from mnist1d_core.config import NUM_CLASSES

from .manifest import IntegrityError, Manifest, open_regular, read_json, reason

#: The builder's name: its cache folder's and its shards' (``mnist1d-train.arrow``).
DATASET_NAME = "mnist1d"
INFO_FILE = datasets.config.DATASET_INFO_FILENAME


def features(seq_length: int) -> datasets.Features:
    """The columns: ``x``, a signal of ``seq_length`` float32 values; ``y``, its digit."""
    return datasets.Features(
        {
            "x": datasets.List(datasets.Value("float32"), length=seq_length),
            "y": datasets.ClassLabel(names=[str(digit) for digit in range(NUM_CLASSES)]),
        }
    )


def shard_names(split: str, shard_lengths: list[int] | None) -> list[str]:
    """The Arrow files ``load_dataset`` reads for ``split``, given its recorded shard lengths."""
    return [Path(f).name for f in filenames_for_dataset_split(".", DATASET_NAME, split, "arrow", shard_lengths)]


def read_info(directory: Path) -> datasets.DatasetInfo:
    """``dataset_info.json`` as ``load_dataset`` reads it, read with bounds."""
    path = Path(directory) / INFO_FILE
    recorded = read_json(path)
    try:
        info = datasets.DatasetInfo.from_dict(recorded)
        splits = {name: (s.num_examples, s.shard_lengths) for name, s in info.splits.items()}
    except Exception as error:  # datasets' parser, given any JSON: its errors are of many kinds
        raise IntegrityError(f"{path}: not a valid {INFO_FILE} ({reason(error)})") from None
    for num_examples, lengths in splits.values():
        if not _whole(num_examples) or not (
            lengths is None or (isinstance(lengths, list) and all(map(_whole, lengths)))
        ):
            raise IntegrityError(f"{path}: its splits are not split names with numbers of examples and shard lengths")
    return info


def _whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


class DatasetsReader:
    """A ``datasets`` build (``layout: datasets``): Arrow shards beside ``dataset_info.json``."""

    layout = "datasets"
    ignore = {
        "cache-*.arrow": "datasets' cache of a map, filter, shuffle or sort result; load_dataset never reads it",
        "tmp*": "datasets' temporary file of a map or filter in progress",
    }

    def identity(self, folder: Path, manifest: Manifest) -> str:
        """``dataset_info.json`` names the manifest's config, with its features and split sizes,
        and names exactly the manifest's shards; in a cache, the folder's place agrees too."""
        params, info_file = manifest.params, folder / INFO_FILE
        if INFO_FILE not in manifest.files:
            raise IntegrityError(f"{info_file}: missing, or not listed in MANIFEST.json")
        info = read_info(folder)
        if (info.builder_name, info.config_name) != (DATASET_NAME, params.name):
            raise IntegrityError(
                f"{info_file}: records builder and config {(info.builder_name, info.config_name)}, but "
                f"MANIFEST.json holds the parameters of {(DATASET_NAME, params.name)}"
            )
        if info.features != features(params.final_seq_length):
            raise IntegrityError(
                f"{info_file}: its features are not those of {params.name} "
                f"(x of length {params.final_seq_length}, y a ClassLabel of the digits)"
            )
        if list(info.splits) != list(SPLITS):
            raise IntegrityError(f"{info_file}: records the splits {list(info.splits)}, not {list(SPLITS)}")
        for split in SPLITS:
            recorded = info.splits[split]
            names = shard_names(split, recorded.shard_lengths)
            lengths = recorded.shard_lengths or [recorded.num_examples]
            expected = (params.split_size(split), params.split_size(split), list(manifest.splits[split].shards))
            if (recorded.num_examples, sum(lengths), names) != expected:
                raise IntegrityError(
                    f"{info_file}: records {recorded.num_examples} examples of {split} in the shards {names}; "
                    f"{params.name} has {expected[0]}, in the shards MANIFEST.json lists"
                )
        unread = sorted(
            {n for n in manifest.files if n.endswith(".arrow")}
            - {s for r in manifest.splits.values() for s in r.shards}
        )
        if unread:
            raise IntegrityError(f"{folder / unread[0]}: a shard that no split of MANIFEST.json lists")
        where, place = "", folder.absolute().parents
        if len(place) > 2 and place[2].name == DATASET_NAME:  # <root>/mnist1d/<config>/<version>/<hash>
            if (place[1].name, place[0].name) != (params.name, str(info.version)):
                raise IntegrityError(
                    f"{folder}: its place in the cache says {place[1].name} {place[0].name}, but the build is "
                    f"{params.name} {info.version}; load_dataset would serve it under the wrong config"
                )
            where = " and its place in the cache"
        return f"identity: {params.name} {info.version}, agreed by MANIFEST.json, {INFO_FILE}{where}"

    def content(self, folder: Path, manifest: Manifest, split: str) -> Fingerprinter:
        shards = [folder / name for name in manifest.splits[split].shards]
        return read_split(shards, manifest.params.final_seq_length)[0]


def read_split(shards: list[Path], seq_length: int) -> tuple[Fingerprinter, list[int]]:
    """Re-read a split's Arrow shards, in order, as ``load_dataset`` would: each must hold exactly
    the build's columns. Returns the content fingerprint and each shard's number of rows."""
    expected = features(seq_length).arrow_schema
    content, lengths = Fingerprinter(), []
    for shard in shards:
        f = open(open_regular(shard), "rb")  # noqa: SIM115  (a fault opening it is an OSError, not damage)
        try:
            with f, pa.PythonFile(f, mode="r") as source:
                reader = pa.ipc.open_stream(source)
                if not reader.schema.equals(expected, check_metadata=True):
                    raise IntegrityError(f"{shard}: its columns are not MNIST-1D's")
                rows = 0
                for batch in reader:
                    x = batch.column("x")
                    content.update(x.flatten().to_numpy().reshape(len(x), seq_length), batch.column("y").to_numpy())
                    rows += len(x)
        except (OSError, pa.ArrowException, ValueError) as error:  # pyarrow reports a bad stream as OSError
            raise IntegrityError(f"{shard}: not a readable MNIST-1D Arrow shard ({reason(error)})") from None
        lengths.append(rows)
    return content, lengths
