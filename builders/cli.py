"""The ``mnist1d`` subcommands that need a framework: ``build``, ``verify``, ``plot``,
``export``, ``publish`` and ``card``.

``mnist1d_core.cli`` adds them to its parser. This module imports no framework itself:
each run function imports what it needs, so ``mnist1d --help`` and the core's commands
stay fast and work without the extras.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path
from typing import Callable, TypeVar

from mnist1d_core import PRESETS, MNIST1DConfig, generate
from mnist1d_core.cli import CommandError, ProgressBar, UsageError, add_config_arguments, config_from_arguments
from mnist1d_core.fingerprint import FingerprintMismatch

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
        from .integrity import verify_directory
        if args.framework == "hf":
            from .hf import prepare
        else:
            from .tfds import prepare
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
        from .integrity import verify_directory
        return verify_directory(args.dir)

    checked = _with_builders(verify)
    print(f"{args.dir}: intact")
    for line in checked:
        print(f"  {line}")


_T = TypeVar("_T")


def _with_builders(work: Callable[[], _T]) -> _T:
    """Run ``work``, which imports the frameworks: damaged or mismatching data is exit
    status 1; a framework that is not installed, exit status 2 (bad set-up, no work done)."""
    from .integrity import IntegrityError

    try:
        return work()
    except (IntegrityError, FingerprintMismatch) as error:
        raise CommandError(str(error)) from None
    except ModuleNotFoundError as error:
        raise UsageError(f"{error}: install the framework's extra, mnist1d-datasets[hf] or mnist1d-datasets[tfds]") from None


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
    from .plot import check_can_draw, save_examples_figure

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
        from .hub import export
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
        from .hub import publish
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
        from .hub import preset_card, write_preset_card
        if args.out is None:
            sys.stdout.write(preset_card())
        else:
            write_preset_card(args.out)
            print(f"wrote {args.out.resolve()}")

    _with_builders(card)


COMMANDS: list[Callable[[argparse._SubParsersAction], None]] = [
    _add_build, _add_verify, _add_plot, _add_export, _add_publish, _add_card,
]


