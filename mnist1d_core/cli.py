"""The ``mnist1d`` command line (also ``python -m mnist1d_core``).

Subcommands register themselves in ``COMMANDS``; each gets ``--help``. Bad input exits
with status 2 and one line on stderr, before any work is done.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, TextIO, TypeVar

import numpy as np

from . import __version__
from .config import ALGORITHMS, DEFAULT, PRESETS, MNIST1DConfig, get_preset
from .fingerprint import FingerprintMismatch, check_fingerprint, fingerprint, registry
from .generate import SPLITS, MNIST1D, generate


class UsageError(Exception):
    """Bad input on the command line: reported as one line, exit status 2."""

    def __init__(self, message: str, prog: str = "mnist1d") -> None:
        super().__init__(message)
        self.prog = prog


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, not argparse's usage block
        raise UsageError(message, self.prog)


# --- config options, shared by every subcommand that makes data --------------------

_FLAGS = {  # parameter -> (argparse type, metavar)
    "num_samples": (int, "N"),
    "train_split": (float, "F"),
    "template_len": (int, "N"),
    "scale_coeff": (float, "F"),
    "max_translation": (int, "N"),
    "corr_noise_scale": (float, "F"),
    "iid_noise_scale": (float, "F"),
    "shear_scale": (float, "F"),
    "final_seq_length": (int, "N"),
    "seed": (int, "N"),
}


def add_config_arguments(parser: argparse.ArgumentParser) -> None:
    """``--config PRESET`` plus one flag per parameter that overrides it."""
    group = parser.add_argument_group("dataset parameters (default: the preset's)")
    group.add_argument("--config", default="canonical", choices=list(PRESETS), help="named preset to start from")
    for name, (kind, metavar) in _FLAGS.items():
        flag = "--" + name.replace("_", "-")
        group.add_argument(flag, dest=name, type=kind, metavar=metavar, help=f"paper default: {getattr(DEFAULT, name)}")
    group.add_argument("--padding", nargs=2, type=int, metavar=("LOW", "HIGH"), help=f"paper default: {DEFAULT.padding}")
    group.add_argument("--shuffle-seq", dest="shuffle_seq", action=argparse.BooleanOptionalAction, help="shuffle the time axis")
    group.add_argument("--algorithm", choices=ALGORITHMS, help="paper (default): the authors' algorithm; "
                       "sharded: independent streams per block, for parallel and streamed generation")


def config_from_arguments(args: argparse.Namespace) -> MNIST1DConfig:
    names = (*_FLAGS, "padding", "shuffle_seq", "algorithm")
    changes = {name: getattr(args, name) for name in names if getattr(args, name) is not None}
    if changes.get("padding") is not None:
        changes["padding"] = tuple(changes["padding"])
    return get_preset(args.config).replace(**changes)


# --- progress -----------------------------------------------------------------------


class ProgressBar:
    """A one-line text bar on a terminal (silent when the stream is not one)."""

    def __init__(self, label: str, stream: TextIO = sys.stderr, *, force: bool = False) -> None:
        self.label, self.stream = label, stream
        self.enabled = force or stream.isatty()
        self.started = time.perf_counter()

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        width = 30
        filled = width * done // max(total, 1)
        elapsed = time.perf_counter() - self.started
        end = "\n" if done >= total else ""
        self.stream.write(f"\r{self.label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total} {elapsed:.1f}s{end}")
        self.stream.flush()


# --- subcommands --------------------------------------------------------------------


def _add_generate(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("generate", help="generate a dataset and save it as .npz", description=(
        "Generate MNIST-1D (a preset, or custom parameters) and save it as .npz with the "
        "authors' keys: x, y, x_test, y_test, t, templates_x, templates_t, templates_y."))
    add_config_arguments(p)
    p.add_argument("--out", type=Path, help="output file (default: ./mnist1d-<config name>.npz)")
    p.add_argument("--force", action="store_true", help="overwrite an existing output file")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(run=_run_generate)


def _run_generate(args: argparse.Namespace) -> None:
    config = config_from_arguments(args)
    out = args.out or Path(f"mnist1d-{config.name}.npz")
    if out.suffix != ".npz":
        raise UsageError(f"--out must end in .npz, got {str(out)!r}")
    if out.exists() and not args.force:
        raise UsageError(f"--out {str(out)!r} exists; pass --force to overwrite it")
    if not out.parent.is_dir():
        raise UsageError(f"--out {str(out)!r}: folder {str(out.parent)!r} does not exist")

    progress = None if args.no_progress else ProgressBar(f"generating {config.name}")
    data = generate(config, progress=progress)
    _save_npz(data, out)
    print(f"wrote {out.resolve()} ({config.name})")
    for split in SPLITS:
        part = data.split(split)
        digest = fingerprint(part.x, part.y)
        checked = " (matches the registry)" if check_fingerprint(config.name, split, digest) else ""
        print(f"  {split}: {len(part)} examples, fingerprint {digest}{checked}")


def _save_npz(data: MNIST1D, out: Path) -> None:
    # Written beside the target and renamed into place: never a half-written file.
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, x=data.train.x, y=data.train.y, x_test=data.test.x, y_test=data.test.y, t=data.t,
                     templates_x=data.templates.x, templates_t=data.templates.t, templates_y=data.templates.y)
        os.replace(tmp, out)
    except BaseException:
        os.unlink(tmp)
        raise


def _add_info(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("info", help="presets, parameters and fingerprints", description=(
        "Show the named presets with their parameters, sizes and registered content fingerprints."))
    p.add_argument("--config", choices=list(PRESETS), help="show only this preset")
    p.set_defaults(run=_run_info)


def _run_info(args: argparse.Namespace) -> None:
    names = [args.config] if args.config else list(PRESETS)
    print(f"mnist1d_core {__version__}")
    for name in names:
        config = PRESETS[name]
        print(f"\n{name}: {config.num_train} train / {config.num_test} test, length {config.final_seq_length}")
        for key, value in config.to_dict().items():
            print(f"  {key:<17} {value}")
        for split in SPLITS:
            entry = registry().get((name, split))
            print(f"  fingerprint {split:<5} {entry.sha256 if entry else '(none recorded)'}")
    print("\nfingerprint = sha256(x as float32 little-endian rows + y as int64 little-endian)")


# --- build and verify: the framework builders, imported only when these commands run ---


def _add_build(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("build", help="build the dataset for Hugging Face datasets or TFDS, with checksums", description=(
        "Generate MNIST-1D (a preset, or custom parameters) and write it with a framework's builder: "
        "Arrow shards in the Hugging Face datasets cache (hf) or a TensorFlow Datasets folder (tfds). "
        "Every shard's SHA-256 and each split's content fingerprint are recorded beside the shards (a "
        "preset's fingerprints must match the registry), then re-verified; prints where the dataset is "
        "and what was checked. An existing build of the same config is reused."))
    p.add_argument("--framework", choices=("hf", "tfds"), default="hf",
                   help="hf: Hugging Face datasets (default); tfds: TensorFlow Datasets")
    add_config_arguments(p)
    p.add_argument("--data-dir", type=Path, metavar="DIR",
                   help="root folder (default: the framework's: $HF_DATASETS_CACHE or ~/tensorflow_datasets)")
    p.set_defaults(run=_run_build)


def _run_build(args: argparse.Namespace) -> None:
    config = config_from_arguments(args)  # bad parameters stop here, before any work

    def build() -> tuple[Path, list[str]]:
        from mnist1d_builders.integrity import verify_directory
        if args.framework == "hf":
            from mnist1d_builders.hf import prepare
        else:
            from mnist1d_builders.tfds import prepare
        with contextlib.redirect_stdout(sys.stderr):  # the frameworks' chatter: stdout is the result
            path = prepare(config, args.data_dir)
        return path, verify_directory(path)

    path, checked = _with_builders(build)
    print(f"{config.name} ({args.framework}): {path}")
    for line in checked:
        print(f"  {line}")


def _add_verify(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("verify", help="re-check a built dataset folder against its checksums", description=(
        "Re-hash the shards of a dataset folder made by `mnist1d build` (or by the builders) against "
        "their recorded SHA-256, re-read their content against the recorded fingerprints and, for a "
        "preset, the registry. Exit status 0 and a list of what was checked if intact; 1 and the "
        "damaged file's name if not."))
    p.add_argument("dir", type=Path, metavar="DIR", help="the folder holding the shards, as `mnist1d build` prints it")
    p.set_defaults(run=_run_verify)


def _run_verify(args: argparse.Namespace) -> None:
    def verify() -> list[str]:
        from mnist1d_builders.integrity import verify_directory
        return verify_directory(args.dir)

    checked = _with_builders(verify)
    print(f"{args.dir}: intact")
    for line in checked:
        print(f"  {line}")


_T = TypeVar("_T")


def _with_builders(work: Callable[[], _T]) -> _T:
    """Run ``work``, which imports the builders: a damaged dataset is one line on stderr
    and exit status 1; a framework that is not installed, exit status 2."""
    from mnist1d_builders.integrity import IntegrityError

    try:
        return work()
    except (IntegrityError, FingerprintMismatch) as error:
        status, message = 1, str(error)
    except ModuleNotFoundError as error:
        status, message = 2, f"{error}: install the framework's extra, mnist1d-datasets[hf] or mnist1d-datasets[tfds]"
    print(f"mnist1d: error: {message}", file=sys.stderr)
    raise SystemExit(status)


COMMANDS: list[Callable[[argparse._SubParsersAction], None]] = [_add_generate, _add_info, _add_build, _add_verify]


# --- publishing: figure, Hub export, card, release (mnist1d_builders.plot and .hub) ------


def _add_plot(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("plot", help="draw examples of every class as a PNG", description=(
        "Draw the first train examples of every class of MNIST-1D (a preset, or custom parameters) "
        "the way the paper shows them: the signal's value left to right, time top to bottom. "
        'Needs matplotlib: pip install "mnist1d-datasets[plot]".'))
    add_config_arguments(p)
    p.add_argument("--out", type=Path, required=True, metavar="FILE.png", help="the PNG file to write")
    p.add_argument("--per-class", type=int, default=3, metavar="N", help="examples of each class (default: 3)")
    p.add_argument("--templates", action="store_true", help="add a first row with the ten templates")
    p.add_argument("--force", action="store_true", help="overwrite an existing output file")
    p.set_defaults(run=_run_plot)


def _run_plot(args: argparse.Namespace) -> None:
    from mnist1d_builders.plot import check_can_draw, save_examples_figure

    config = config_from_arguments(args)
    if args.out.suffix != ".png":
        raise UsageError(f"--out must end in .png, got {str(args.out)!r}")
    if args.out.exists() and not args.force:
        raise UsageError(f"--out {str(args.out)!r} exists; pass --force to overwrite it")
    if not args.out.parent.is_dir():
        raise UsageError(f"--out {str(args.out)!r}: folder {str(args.out.parent)!r} does not exist")
    try:
        check_can_draw(args.per_class)
    except ImportError as error:
        raise UsageError(str(error)) from None
    data = generate(config, progress=ProgressBar(f"generating {config.name}"))
    save_examples_figure(data, args.out, per_class=args.per_class, templates=args.templates)
    print(f"wrote {args.out.resolve()} ({config.name})")


def _add_presets_arguments(parser: argparse.ArgumentParser) -> None:
    """The shared config options, with ``--config`` taking several presets (default: all);
    the parameter flags change each of them. Needs ``conflict_handler="resolve"``."""
    add_config_arguments(parser)
    parser.add_argument("--config", nargs="+", choices=list(PRESETS), default=list(PRESETS), metavar="NAME",
                        help=f"named presets to start from (default: all: {' '.join(PRESETS)}); "
                             "the parameter options below change each of them")


def _configs_from_arguments(args: argparse.Namespace) -> list[MNIST1DConfig]:
    return [config_from_arguments(argparse.Namespace(**{**vars(args), "config": name})) for name in args.config]


def _add_export(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export", conflict_handler="resolve", help="write a Hub-ready folder: Parquet, card, checksums",
                       description=(
        "Write MNIST-1D configs (default: every named preset; custom parameters too) into a new folder "
        "laid out as the Hugging Face Hub expects: <config>/<split>-0000i-of-0000n.parquet, README.md (the "
        "dataset card, whose YAML lists the configs and their files) and SHA256SUMS (sha256sum -c). "
        "datasets.load_dataset(DIR, CONFIG) reads it. A preset's content must match the registry; the "
        "folder appears only when complete."))
    _add_presets_arguments(p)
    p.add_argument("--out", type=Path, required=True, metavar="DIR", help="the folder to write (new, or empty)")
    p.add_argument("--repo", metavar="OWNER/NAME", help="the Hub repository to name in the card's loading example")
    p.set_defaults(run=_run_export)


def _run_export(args: argparse.Namespace) -> None:
    configs = _configs_from_arguments(args)

    def export() -> list[str]:
        from mnist1d_builders.hub import export
        return export(args.out, configs, repo_id=args.repo, progress=ProgressBar)

    checked = _with_builders(export)
    print(f"wrote {args.out.resolve()}: {', '.join(dict.fromkeys(config.name for config in configs))}")
    for line in checked:
        print(f"  {line}")


def _add_publish(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("publish", conflict_handler="resolve", help="upload the export to the Hub and tag the release",
                       description=(
        "Export (as `mnist1d export`) into a temporary folder, upload it to the Hugging Face Hub dataset "
        "repository OWNER/NAME and tag that commit vX.Y.Z. Refuses data that disagrees with the fingerprint "
        "registry, and a tag vX.Y.Z that already holds other files. Needs a token with write access "
        "(HF_TOKEN, or `hf auth login`), except with --dry-run, which prints the plan and uses no network."))
    _add_presets_arguments(p)
    p.add_argument("--repo", required=True, metavar="OWNER/NAME", help="the Hub dataset repository")
    p.add_argument("--version", required=True, metavar="X.Y.Z", help="the release, tagged vX.Y.Z")
    p.add_argument("--dry-run", action="store_true", help="print what would be uploaded and tagged; upload nothing")
    p.set_defaults(run=_run_publish)


def _run_publish(args: argparse.Namespace) -> None:
    configs = _configs_from_arguments(args)

    def publish() -> None:
        from mnist1d_builders.hub import publish
        publish(args.repo, args.version, configs, dry_run=args.dry_run, progress=ProgressBar)

    _with_builders(publish)


def _add_card(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("card", help="render the dataset card of the named presets", description=(
        "Render the Hugging Face dataset card of the named presets, with its generated parts (YAML, sizes, "
        "fingerprints). The committed dataset_card.md is its output: mnist1d card --out dataset_card.md"))
    p.add_argument("--out", type=Path, metavar="FILE", help="write the card here (default: standard output)")
    p.set_defaults(run=_run_card)


def _run_card(args: argparse.Namespace) -> None:
    def card() -> None:
        from mnist1d_builders.hub import preset_card, write_preset_card
        if args.out is None:
            sys.stdout.write(preset_card())
        else:
            write_preset_card(args.out)
            print(f"wrote {args.out.resolve()}")

    _with_builders(card)


COMMANDS += [_add_plot, _add_export, _add_publish, _add_card]


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="mnist1d", description="MNIST-1D: generate, inspect and check datasets.")
    parser.add_argument("--version", action="version", version=f"mnist1d {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser, metavar="COMMAND")
    for add in COMMANDS:
        add(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        args.run(args)
    except UsageError as error:
        print(f"{error.prog}: error: {error}", file=sys.stderr)
        return 2
    except (ValueError, TypeError) as error:  # the config's validation messages
        print(f"mnist1d: error: {error}", file=sys.stderr)
        return 2
    return 0
