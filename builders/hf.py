"""MNIST-1D for Hugging Face ``datasets``: the ``Mnist1d`` builder and ``load_dataset("mnist1d")``.

Importing this module makes the name ``"mnist1d"`` resolve to the builder, offline::

    import datasets
    import mnist1d_builders.hf  # noqa: F401  (registers "mnist1d"; see register())

    ds = datasets.load_dataset("mnist1d")                                   # "canonical": the paper's data
    ds = datasets.load_dataset("mnist1d", "shuffled")
    ds = datasets.load_dataset("mnist1d", "canonical", seed=7, num_samples=50_000)  # any variant

The builder class works without the name too::

    builder = Mnist1d(config_name="canonical", seed=7, cache_dir="...")
    builder.download_and_prepare()
    ds = builder.as_dataset()

Cache: ``<cache_dir>/mnist1d/<config name>/<release>/<code hash>/``. The config name encodes
every parameter that differs from the paper's (``MNIST1DConfig.name``), and the code hash
covers the core's files (generator and fingerprint registry) and this module, so two parameter sets, or
two generators, never share a folder.

Checksums: beside the Arrow shards, ``FINGERPRINTS.tsv`` records each split's content
fingerprint (``mnist1d_core.fingerprint``, re-read from the written shards; a preset's must
equal the registry's, or the build fails, keeping nothing of itself and losing no earlier
build) and ``SHA256SUMS`` every shard's
SHA-256 (``sha256sum -c SHA256SUMS`` checks it). ``mnist1d verify DIR`` re-checks both.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import re
import warnings
from importlib import resources
from pathlib import Path
from typing import Iterator

import datasets
import datasets.inspect
import datasets.load
import numpy as np
import pyarrow as pa
from datasets.builder import Key
from datasets.filesystems import is_remote_filesystem
from datasets.naming import filenames_for_dataset_split

import mnist1d_core
from mnist1d_core import DEFAULT, PRESETS, SPLITS, MNIST1DConfig, Split, generate, get_preset, sharded
from mnist1d_core.config import NUM_CLASSES
from mnist1d_core.fingerprint import Fingerprinter, FingerprintMismatch, check_fingerprint

from .integrity import SUMS_FILE, IntegrityError, check_sha256sums, write_sha256sums

DATASET_NAME = "mnist1d"

#: The ``datasets`` releases the name registration is tested with (pyproject's ``hf`` extra).
TESTED_DATASETS = ((5, 0), (5, 3))  # >= 5.0, < 5.3

#: Content fingerprints of a build, beside its shards: the registry's columns plus the shards.
FINGERPRINTS_FILE = "FINGERPRINTS.tsv"

#: Rows per Arrow table handed to the writer (paper algorithm): large enough to amortise
#: the per-table cost, small enough that the float32 copy of one table stays a few MB.
ROWS_PER_TABLE = 65536

#: Blocks of the sharded algorithm per job (``num_proc`` processes take whole jobs).
BLOCKS_PER_JOB = 32

_CITATION = """\
@InProceedings{pmlr-v235-greydanus24a,
  title     = {Scaling Down Deep Learning with {MNIST}-1{D}},
  author    = {Greydanus, Samuel James and Kobak, Dmitry},
  booktitle = {Proceedings of the 41st International Conference on Machine Learning},
  pages     = {16404--16415},
  year      = {2024},
  volume    = {235},
  series    = {Proceedings of Machine Learning Research},
  publisher = {PMLR},
  url       = {https://proceedings.mlr.press/v235/greydanus24a.html}
}
"""

_DESCRIPTION = """\
MNIST-1D (Greydanus & Kobak, ICML 2024): ten 1-D digit templates, padded, scaled, shifted,
sheared and noised into signals of length {length}, standardised over train and test together.
Generated here by the paper's algorithm (mnist1d_core) from the parameters below; "canonical"
is the paper's frozen dataset bit for bit (as float32), "shuffled" its time-shuffled variant.
Parameters: {params}.
"""


def features(seq_length: int) -> datasets.Features:
    """The columns: ``x``, a signal of ``seq_length`` float32 values; ``y``, its digit."""
    return datasets.Features({
        "x": datasets.List(datasets.Value("float32"), length=seq_length),
        "y": datasets.ClassLabel(names=[str(digit) for digit in range(NUM_CLASSES)]),
    })


def _code_hash() -> str:
    """Digest of everything that decides the output: the core's files and this module."""
    core = resources.files(mnist1d_core)
    files = sorted((f for f in core.iterdir() if f.name.endswith((".py", ".tsv"))), key=lambda f: f.name)
    digest = hashlib.sha256()
    for f in [*files, Path(__file__)]:
        digest.update(f.name.encode() + b"\0" + f.read_bytes())
    return digest.hexdigest()[:16]


CODE_HASH = _code_hash()

# datasets.Version takes only "x.y.z"; a pre-release differs from its release by CODE_HASH.
VERSION = datasets.Version(re.match(r"\d+\.\d+\.\d+", mnist1d_core.__version__).group())


@dataclasses.dataclass
class Mnist1dBuilderConfig(datasets.BuilderConfig):
    """A named preset or a custom variant: ``params`` holds the generator's parameters."""

    params: MNIST1DConfig = DEFAULT

    @classmethod
    def of(cls, params: MNIST1DConfig) -> "Mnist1dBuilderConfig":
        return cls(name=params.name, version=VERSION, params=params, description=f"MNIST-1D {params.name}")


class Mnist1d(datasets.ArrowBasedBuilder):
    """MNIST-1D, generated by ``mnist1d_core``: ``x`` float32 signals, ``y`` digit labels.

    Configs: ``canonical`` (default) and ``shuffled``; any other variant by keyword
    arguments named like the core's parameters (``seed=7, num_samples=50_000``), which are
    validated by the core before anything is written.

    Why ``ArrowBasedBuilder``: the paper's algorithm makes the whole set at once (global
    shuffle and standardisation), so the builder slices finished arrays into Arrow tables.
    For 1,000,000 examples, yielding them one by one (``GeneratorBasedBuilder``) took 2.1x
    the core's time alone, over the 1.3x budget; whole tables take 1.1x
    (benchmarks/bench_hf.py). ``num_proc``: the paper's algorithm is one sequential random
    stream, so each split is one job and ``datasets`` falls back to one process; with
    ``algorithm="sharded"`` the processes share the blocks. The content is the same either way.
    """

    BUILDER_CONFIG_CLASS = Mnist1dBuilderConfig
    BUILDER_CONFIGS = [Mnist1dBuilderConfig.of(preset) for preset in PRESETS.values()]
    DEFAULT_CONFIG_NAME = "canonical"
    VERSION = VERSION

    config: Mnist1dBuilderConfig

    def __init__(self, *args, dataset_name: str = DATASET_NAME, hash: str = CODE_HASH, **kwargs) -> None:
        super().__init__(*args, dataset_name=dataset_name, hash=hash, **kwargs)

    def _create_builder_config(self, config_name=None, custom_features=None, config_id=None, **config_kwargs):
        # Replaces datasets' version, which would key the cache by the keyword arguments as
        # given (seed=42 and no seed would be two entries): the key is the validated
        # config's name, which encodes every parameter.
        del config_id  # datasets passes one only to re-open an entry; ours follow the parameters
        if custom_features is not None:
            raise ValueError("mnist1d's features are fixed (x: float32 list, y: ClassLabel); cast after loading")
        params = get_preset(config_name or self.DEFAULT_CONFIG_NAME).replace(**config_kwargs)
        return Mnist1dBuilderConfig.of(params), params.name

    def _info(self) -> datasets.DatasetInfo:
        params = self.config.params
        return datasets.DatasetInfo(
            description=_DESCRIPTION.format(length=params.final_seq_length, params=params.to_dict()),
            features=features(params.final_seq_length),
            supervised_keys=("x", "y"),
            # Known before the build: sizes the progress bars and datasets' split check.
            splits=[{"name": split, "num_examples": n} for split, n in zip(SPLITS, (params.num_train, params.num_test))],
            homepage="https://github.com/greydanus/mnist1d",
            citation=_CITATION,
            license="apache-2.0",
        )

    def _split_generators(self, dl_manager):
        params = self.config.params
        if params.algorithm == "sharded":
            # Every block is a pure function of (config, split, index): blocks are made as
            # they are written, and num_proc processes share the jobs of this list.
            return [datasets.SplitGenerator(name=split, gen_kwargs={"sources": _block_jobs(params, split)})
                    for split in SPLITS]
        # The paper's algorithm makes the whole set at once (one random stream, a global
        # shuffle, train and test standardised together): one job per split.
        with datasets.utils.tqdm(total=params.num_examples, unit=" examples",
                                 desc=f"Generating MNIST-1D {params.name}") as bar:
            data = generate(params, progress=lambda done, total: bar.update(done - bar.n))
        return [datasets.SplitGenerator(name=split, gen_kwargs={"sources": (functools.partial(_slices, data.split(split)),)})
                for split in SPLITS]

    def _generate_tables(self, sources) -> Iterator[tuple[Key, pa.Table]]:
        for source_index, source in enumerate(sources):
            for batch_index, (x, y) in enumerate(source()):
                rows = pa.array(x.astype(np.float32).ravel())
                yield Key(source_index, batch_index), pa.table({
                    "x": pa.FixedSizeListArray.from_arrays(rows, x.shape[1]), "y": y})

    def _download_and_prepare(self, dl_manager, verification_mode, **prepare_split_kwargs):
        if prepare_split_kwargs.get("file_format", "arrow") != "arrow":
            raise ValueError("mnist1d builds Arrow shards only (their checksums are recorded); "
                             "convert after loading, e.g. Dataset.to_parquet")
        if is_remote_filesystem(self._fs):
            raise ValueError(f"mnist1d builds into a local folder only, got {self._output_dir}")
        super()._download_and_prepare(dl_manager, verification_mode, **prepare_split_kwargs)
        # Still in datasets' temporary folder: a failure here keeps nothing.
        self._record_fingerprints_and_sums(Path(self._output_dir))

    def _record_fingerprints_and_sums(self, directory: Path) -> None:
        rows, shards = [], []
        for split in SPLITS:
            files = [Path(f) for f in filenames_for_dataset_split(
                directory, self.dataset_name, split, "arrow", self.info.splits[split].shard_lengths)]
            content = content_fingerprint(files)
            check_fingerprint(self.config.name, split, content.hexdigest())  # raises FingerprintMismatch
            rows.append(_FingerprintRow(self.config.name, split, content.num_examples, content.seq_length,
                                        content.hexdigest(), [f.name for f in files]))
            shards += files
        record = directory / FINGERPRINTS_FILE
        record.write_text(_FINGERPRINTS_HEADER + "".join(row.line() for row in rows))
        write_sha256sums(directory, [*shards, record])


def _block_jobs(params: MNIST1DConfig, split: str) -> list[functools.partial]:
    blocks = sharded.num_blocks(params, split)
    return [functools.partial(sharded.iter_blocks, params, split, range(start, min(start + BLOCKS_PER_JOB, blocks)))
            for start in range(0, blocks, BLOCKS_PER_JOB)]


def _slices(part: Split) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    for start in range(0, len(part), ROWS_PER_TABLE):
        yield part.x[start : start + ROWS_PER_TABLE], part.y[start : start + ROWS_PER_TABLE]


def prepare(config: MNIST1DConfig, data_dir: str | Path | None = None) -> Path:
    """Build ``config`` under ``data_dir`` (default: the ``datasets`` cache); return the
    folder holding its shards. An existing build is reused as it is (``mnist1d build``
    verifies it afterwards)."""
    builder = Mnist1d(cache_dir=None if data_dir is None else str(data_dir), **config.to_dict())
    builder.download_and_prepare()
    return Path(builder.cache_dir)


# --- content fingerprints of built shards -----------------------------------------------

_FINGERPRINTS_HEADER = (
    "# Content fingerprints of this build (layout: mnist1d_core/fingerprint.py); shards in order.\n"
    "# config\tsplit\tnum_examples\tseq_length\tsha256\tshards\n"
)


@dataclasses.dataclass(frozen=True)
class _FingerprintRow:
    config: str
    split: str
    num_examples: int
    seq_length: int
    sha256: str
    shards: list[str]

    def line(self) -> str:
        return f"{self.config}\t{self.split}\t{self.num_examples}\t{self.seq_length}\t{self.sha256}\t{','.join(self.shards)}\n"

    @classmethod
    def parse(cls, line: str) -> "_FingerprintRow":
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
    listed = check_sha256sums(directory)
    unlisted = sorted(p.name for p in directory.glob("*.arrow") if p.name not in listed)
    if unlisted:
        raise IntegrityError(f"{directory / unlisted[0]}: a shard that {SUMS_FILE} does not list")
    if FINGERPRINTS_FILE not in listed:
        raise IntegrityError(f"{directory / FINGERPRINTS_FILE}: missing or not listed in {SUMS_FILE}")
    lines = [f"{SUMS_FILE}: all {len(listed)} files re-hashed and intact"]
    lines += [f"  {line}" for line in (directory / SUMS_FILE).read_text().splitlines()]

    for line in (directory / FINGERPRINTS_FILE).read_text().splitlines():
        if line.startswith("#"):
            continue
        row = _FingerprintRow.parse(line)
        content = content_fingerprint([directory / name for name in row.shards])
        found = (content.num_examples, content.seq_length, content.hexdigest())
        if found != (row.num_examples, row.seq_length, row.sha256):
            raise IntegrityError(f"{directory / row.shards[0]}: content of split {row.split!r} differs from "
                                 f"{FINGERPRINTS_FILE} (found {found}, recorded "
                                 f"{(row.num_examples, row.seq_length, row.sha256)})")
        try:
            registered = check_fingerprint(row.config, row.split, row.sha256)
        except FingerprintMismatch as error:
            raise IntegrityError(f"{directory / FINGERPRINTS_FILE}: {error}") from None
        against = f"{FINGERPRINTS_FILE} and the registry ({row.config})" if registered else (
            f"{FINGERPRINTS_FILE} ({row.config} has no registered fingerprint)")
        lines.append(f"{row.split}: {row.num_examples} examples of length {row.seq_length}, content "
                     f"fingerprint {row.sha256} re-read from {', '.join(row.shards)}: matches {against}")
    return lines


# --- load_dataset("mnist1d") --------------------------------------------------------------


def register() -> None:
    """Make ``datasets`` resolve the name ``"mnist1d"`` to :class:`Mnist1d` (idempotent).

    ``datasets`` 5.x has no plugin registry: every name goes through
    ``datasets.load.dataset_module_factory`` (``datasets.inspect`` holds its own reference).
    Both references are wrapped; the exact name ``"mnist1d"`` gets this module and anything
    else goes to ``datasets`` unchanged. So the name works offline and is never looked up on
    the Hub, and a local folder called ``mnist1d`` must be loaded as ``"./mnist1d"``.
    """
    for module in (datasets.load, datasets.inspect):
        factory = getattr(module, "dataset_module_factory", None)
        if factory is None:
            raise ImportError(
                f"datasets {datasets.__version__} has no {module.__name__}.dataset_module_factory, "
                "so load_dataset('mnist1d') cannot be registered; use the builder class "
                "mnist1d_builders.hf.Mnist1d directly")
        if not getattr(factory, "resolves_mnist1d", False):
            module.dataset_module_factory = _resolving_mnist1d(factory)


def _resolving_mnist1d(factory):
    @functools.wraps(factory)
    def dataset_module_factory(path, *args, **kwargs):
        if path == DATASET_NAME:
            return datasets.load.DatasetModule(module_path=__name__, hash=CODE_HASH,
                                               builder_kwargs={"dataset_name": DATASET_NAME})
        return factory(path, *args, **kwargs)

    dataset_module_factory.resolves_mnist1d = True
    return dataset_module_factory


def _warn_if_untested() -> None:
    found = tuple(int(part) for part in re.findall(r"\d+", datasets.__version__)[:2])
    low, high = TESTED_DATASETS
    if not low <= found < high:
        warnings.warn(
            f"mnist1d_builders.hf is tested with datasets >= {'.'.join(map(str, low))}, "
            f"< {'.'.join(map(str, high))}; found {datasets.__version__}. If load_dataset('mnist1d') "
            "fails, use the builder class mnist1d_builders.hf.Mnist1d directly.", stacklevel=3)


_warn_if_untested()
register()
