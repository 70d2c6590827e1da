"""The ``datasets`` builder of MNIST-1D, ``Mnist1d``, and the name ``load_dataset("mnist1d")``.

The module is called ``mnist1d`` because ``datasets`` names a builder after its module
(``dataset_info.json`` records ``builder_name: "mnist1d"``), as it would a dataset script.
Import ``mnist1d_builders.hf`` to use it (see that package's docstring).

Cache: ``<cache_dir>/mnist1d/<config name>/<release>/<code hash>/``. The config name encodes
every parameter that differs from the paper's (``MNIST1DConfig.name``), and the code hash
covers the core's files (generator and fingerprint registry), this module and ``record.py``, so two
parameter sets, or two generators, never share a folder.

Checksums: beside the Arrow shards, ``PARAMETERS.json`` records the parameters,
``FINGERPRINTS.tsv`` each split's content fingerprint (re-read from the written shards; a
preset's must equal the registry's, or the build fails, keeping nothing of itself and losing
no earlier build) and ``SHA256SUMS`` every file's SHA-256, ``dataset_info.json`` included
(``sha256sum -c SHA256SUMS`` checks it); ``verify.py`` re-checks them all (``record.py``).

Interruptions: ``datasets`` builds in ``<hash>.incomplete/`` while it holds the lock
``<hash>_builder.lock``, and renames the folder into place when complete. A build killed
meanwhile leaves that folder, which ``datasets`` would reuse as it is; this builder empties
it first (holding the lock, nothing else can be writing it), and its worker processes stop
as soon as the build's process is gone.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import logging
import os
import re
import signal
import warnings
from concurrent.futures import ThreadPoolExecutor
from importlib import resources
from pathlib import Path
from typing import Iterator

import datasets
import datasets.inspect
import datasets.load
import numpy as np
import pyarrow as pa
from datasets.builder import Key
from datasets.download.download_manager import DownloadMode
from datasets.naming import filenames_for_dataset_split
from datasets.utils._filelock import FileLock
from datasets.utils.file_utils import is_remote_url

import mnist1d_core
from mnist1d_core import CITATION, DATA_VERSION, DEFAULT, PRESETS, SPLITS, MNIST1DConfig, Split, generate, get_preset, sharded
from mnist1d_core.files import remove
from mnist1d_core.fingerprint import check_fingerprint
from mnist1d_core.resources import check_disk

from ..integrity import SUMS_FILE, IntegrityError, _reason, record_sha256sums, sha256_file
from .record import DATASET_NAME, FingerprintRow, features, read_split, write_fingerprints, write_parameters

logger = logging.getLogger(__name__)

#: The ``datasets`` releases the name registration is tested with (pyproject's ``hf`` extra).
TESTED_DATASETS = ((5, 0), (5, 3))  # >= 5.0, < 5.3

#: Rows per Arrow table handed to the writer (paper algorithm): large enough to amortise
#: the per-table cost, small enough that the float32 copy of one table stays a few MB.
ROWS_PER_TABLE = 65536

#: Jobs per split of the sharded algorithm, at most: ``num_proc`` processes (and a streamed
#: dataset's DataLoader workers) share them. Each job is a range of blocks, made as it is
#: read, so no request is ever turned into a list of all its blocks.
MAX_JOBS = 256

#: Bytes a build writes per example beyond the signal's float32 values: its int64 label.
#: Arrow's own framing adds about 0.2 bytes per example (one message per 1,000 rows).
_LABEL_BYTES = 8


_DESCRIPTION = """\
MNIST-1D (Greydanus & Kobak, ICML 2024): ten 1-D digit templates, padded, scaled, shifted,
sheared and noised into signals of length {length}, standardised over train and test together.
Generated here by the paper's algorithm (mnist1d_core) from the parameters below; "canonical"
is the paper's frozen dataset bit for bit (as float32), "shuffled" its time-shuffled variant.
Parameters: {params}.
"""


def build_bytes(params: MNIST1DConfig) -> int:
    """Disk a build of ``params`` needs (an upper estimate): the shards, plus 1% and 1 MB
    for Arrow's framing and the small files beside them."""
    shards = params.num_examples * (4 * params.final_seq_length + _LABEL_BYTES)
    return shards + shards // 100 + 2**20


class DamagedBuild(IntegrityError):
    """An existing build cannot even be opened: ``folder`` holds it."""

    def __init__(self, message: str, folder: Path) -> None:
        super().__init__(message)
        self.folder = folder


def _code_hash() -> str:
    """Digest of everything that decides the output: the core's files, this module and ``record.py``."""
    core = resources.files(mnist1d_core)
    files = sorted((f for f in core.iterdir() if f.name.endswith((".py", ".tsv"))), key=lambda f: f.name)
    digest = hashlib.sha256()
    for f in [*files, Path(__file__), Path(__file__).with_name("record.py")]:  # these decide the stored form
        digest.update(f.name.encode() + b"\0" + f.read_bytes())
    return digest.hexdigest()[:16]


CODE_HASH = _code_hash()

VERSION = datasets.Version(DATA_VERSION)  # the data release; the cache also keys on CODE_HASH


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
        try:
            super().__init__(*args, dataset_name=dataset_name, hash=hash, **kwargs)
        except (AttributeError, KeyError, TypeError, ValueError) as error:
            # datasets reads an existing build's dataset_info.json last, once the cache
            # folder is known; the config's own errors come before that.
            if "_cache_dir" not in vars(self):
                raise
            folder = Path(self._cache_dir)
            if not (folder / datasets.config.DATASET_INFO_FILENAME).is_file():
                raise
            raise DamagedBuild(f"{folder / datasets.config.DATASET_INFO_FILENAME}: not a valid dataset_info.json "
                               f"({_reason(error)}), so the build {folder} cannot be opened", folder) from None

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
            splits=[{"name": split, "num_examples": params.split_size(split)} for split in SPLITS],
            homepage="https://github.com/greydanus/mnist1d",
            citation=CITATION,
            license="apache-2.0",
        )

    def _split_generators(self, dl_manager):
        params = self.config.params
        if params.algorithm == "sharded":
            # Every block is a pure function of (config, split, index): blocks are made as
            # they are written, and num_proc processes share the jobs of this list. The
            # standardisation constants are computed once here; forked workers inherit them.
            sharded.standardisation(params)
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
        builder = getattr(self, "_builder_pid", None)  # set while this builder builds
        for source_index, source in enumerate(sources):
            for batch_index, (x, y) in enumerate(source()):
                if builder is not None and builder not in (os.getpid(), os.getppid()):
                    # A worker whose build's process was killed: datasets' pool would let it
                    # write on into the folder that the next build empties and reuses.
                    os._exit(1)
                rows = pa.array(x.astype(np.float32).ravel())
                yield Key(source_index, batch_index), pa.table({
                    "x": pa.FixedSizeListArray.from_arrays(rows, x.shape[1]), "y": y})

    def _prepare_split(self, split_generator, **kwargs) -> None:
        try:
            super()._prepare_split(split_generator, **kwargs)
        except Exception as error:
            # With num_proc > 1, datasets' pool answers Ctrl-C with a TimeoutError raised while
            # it cleans up, which hides the KeyboardInterrupt: the caller must see an interruption.
            if isinstance(error.__context__, KeyboardInterrupt):
                raise KeyboardInterrupt from None
            raise

    def _prepare_split_single(self, *args, **kwargs):
        if os.getpid() != getattr(self, "_builder_pid", os.getpid()):
            # A worker of datasets' pool: Ctrl-C is for the build's process, which ends the
            # pool; a worker interrupted too would print its own traceback.
            signal.signal(signal.SIGINT, signal.SIG_IGN)
        yield from super()._prepare_split_single(*args, **kwargs)

    def download_and_prepare(self, output_dir: str | None = None, **kwargs) -> None:
        # Refusals that need no lock come first, before datasets makes any folder.
        if kwargs.get("file_format", "arrow") != "arrow":
            raise ValueError("mnist1d builds Arrow shards only (their checksums are recorded); "
                             "convert after loading, e.g. Dataset.to_parquet")
        target = output_dir if output_dir is not None else self._cache_dir
        if is_remote_url(str(target)):
            raise ValueError(f"mnist1d builds into a local folder only, got {target}")
        version = Path(target).parent
        if (version / "features.json").exists() or (version / "metadata.json").exists():
            # TFDS keeps a build in <data_dir>/mnist1d/<config>/<version>: the same folder.
            raise ValueError(f"{version} holds a TFDS build of {self.config.name}; the datasets build would "
                             "go inside it: give datasets a data dir (cache_dir) of its own")
        reuse = DownloadMode(kwargs.get("download_mode") or DownloadMode.REUSE_DATASET_IF_EXISTS)
        if reuse != DownloadMode.REUSE_DATASET_IF_EXISTS or not Path(target, datasets.config.DATASET_INFO_FILENAME).exists():
            check_disk(Path(target).parent, build_bytes(self.config.params), self.config.params, "a datasets build")
        super().download_and_prepare(output_dir, **kwargs)

    def _download_and_prepare(self, dl_manager, verification_mode, **prepare_split_kwargs):
        # Here datasets holds <output_dir>_builder.lock, and self._output_dir is the folder
        # <output_dir>.incomplete it reuses as it finds it: anything in it was left by a
        # build that was killed (a live one would hold the lock). Its shards would join this build's.
        directory = Path(self._output_dir)
        leftovers = sorted(directory.iterdir())
        for leftover in leftovers:
            remove(leftover)
        if leftovers:
            logger.warning(f"Removed {len(leftovers)} files an interrupted build left in {directory}")
        self._builder_pid = os.getpid()
        try:
            super()._download_and_prepare(dl_manager, verification_mode, **prepare_split_kwargs)
        finally:
            del self._builder_pid
        # Still in datasets' temporary folder: a failure here keeps nothing.
        self._workers = prepare_split_kwargs.get("num_proc") or 1
        self._record(directory)

    def _save_info(self) -> None:
        # datasets writes dataset_info.json (split sizes, features: what load_dataset
        # returns) and LICENSE last, still in its temporary folder: SHA256SUMS covers them.
        super()._save_info()
        directory = Path(self._output_dir)
        files = [f for f in directory.iterdir() if f.is_file() and f.name != SUMS_FILE]
        with ThreadPoolExecutor(max_workers=getattr(self, "_workers", 1)) as pool:
            record_sha256sums(directory, dict(zip(files, pool.map(sha256_file, files))))

    def _record(self, directory: Path) -> None:
        """Write PARAMETERS.json and FINGERPRINTS.tsv, re-reading the written shards."""
        params = self.config.params
        files = {split: [Path(f) for f in filenames_for_dataset_split(
            directory, self.dataset_name, split, "arrow", self.info.splits[split].shard_lengths)] for split in SPLITS}
        # Re-reading the splits and hashing the files are independent, and pyarrow and
        # hashlib release the GIL: with num_proc > 1 they share that many threads.
        with ThreadPoolExecutor(max_workers=self._workers) as pool:
            contents = {split: pool.submit(read_split, files[split], params.final_seq_length) for split in SPLITS}
            rows = []
            for split, content in contents.items():
                content = content.result().fingerprint
                check_fingerprint(params.name, split, content.hexdigest())  # raises FingerprintMismatch
                rows.append(FingerprintRow(params.name, split, content.num_examples, content.seq_length,
                                            content.hexdigest(), [f.name for f in files[split]]))
        write_parameters(directory, params)
        write_fingerprints(directory, rows)


def _block_jobs(params: MNIST1DConfig, split: str) -> list[functools.partial]:
    """At most MAX_JOBS jobs, each a contiguous range of blocks generated as it is read."""
    blocks = sharded.num_blocks(params, split)
    jobs = min(blocks, MAX_JOBS)
    return [functools.partial(sharded.iter_blocks, params, split, range(job * blocks // jobs, (job + 1) * blocks // jobs))
            for job in range(jobs)]


def _slices(part: Split) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    for start in range(0, len(part), ROWS_PER_TABLE):
        yield part.x[start : start + ROWS_PER_TABLE], part.y[start : start + ROWS_PER_TABLE]


def prepare(config: MNIST1DConfig, data_dir: str | Path | None = None, *, num_proc: int | None = None,
            force: bool = False) -> Path:
    """Build ``config`` under ``data_dir`` (default: the ``datasets`` cache); return the
    folder holding its shards.

    An existing build is reused as it is (``mnist1d build`` verifies it afterwards); with
    ``force`` it is rebuilt, even if too damaged to open, and replaced when the new one is
    complete. ``num_proc`` processes share the sharded algorithm's blocks. Raises
    :class:`~mnist1d_core.InsufficientResources` before any work when the build will not fit
    on its disk, and an ``OSError`` naming the build's folder for a full disk or a file too large.
    """
    kwargs = {"cache_dir": None if data_dir is None else str(data_dir), **config.to_dict()}
    try:
        builder = Mnist1d(**kwargs)
    except DamagedBuild as damaged:
        if not force:
            raise
        with FileLock(f"{damaged.folder}_builder.lock"):  # datasets' own lock on this folder
            remove(damaged.folder)
        builder = Mnist1d(**kwargs)
    try:
        builder.download_and_prepare(num_proc=num_proc, download_mode=DownloadMode.FORCE_REDOWNLOAD if force else None)
    except datasets.exceptions.DatasetGenerationError as error:
        cause = error.__cause__
        if isinstance(cause, OSError):  # a full disk, a file too large: say where, as an OSError
            raise OSError(cause.errno, cause.strerror or str(cause), cause.filename or builder.cache_dir) from None
        raise
    return Path(builder.cache_dir)


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
