"""The ``mnist1d`` command line (also ``python -m mnist1d_core``).

The core's subcommands (``generate``, ``info``) are in ``COMMANDS``; those that need a
framework (``build``, ``verify``, ``plot``, ``export``, ``publish``, ``card``) are in
``mnist1d_builders.cli``. Each gets ``--help``. Bad input exits with status 2 and one
line on stderr, before any work is done.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Callable, TextIO

import numpy as np

from . import __version__
from .config import ALGORITHMS, DEFAULT, PRESETS, MNIST1DConfig, get_preset
from .files import written_atomically
from .fingerprint import check_fingerprint, fingerprint, registry
from .generate import MNIST1D, SPLITS, generate


class CommandError(Exception):
    """A command failed: ``main`` prints one line on stderr and exits with ``status``
    (1: damaged or mismatching data; 2: bad input, see :class:`UsageError`)."""

    status = 1

    def __init__(self, message: str, prog: str = "mnist1d") -> None:
        super().__init__(message)
        self.prog = prog


class UsageError(CommandError):
    """Bad input on the command line, found before any work: exit status 2."""

    status = 2


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
    with written_atomically(out) as partial, open(partial, "wb") as f:
        np.savez(f, x=data.train.x, y=data.train.y, x_test=data.test.x, y_test=data.test.y, t=data.t,
                 templates_x=data.templates.x, templates_t=data.templates.t, templates_y=data.templates.y)


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


COMMANDS: list[Callable[[argparse._SubParsersAction], None]] = [_add_generate, _add_info]


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="mnist1d", description="MNIST-1D: generate, inspect and check datasets.")
    parser.add_argument("--version", action="version", version=f"mnist1d {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser, metavar="COMMAND")
    from mnist1d_builders.cli import COMMANDS as FRAMEWORK_COMMANDS  # light: frameworks load when run

    for add in [*COMMANDS, *FRAMEWORK_COMMANDS]:
        add(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        args.run(args)
    except CommandError as error:
        print(f"{error.prog}: error: {error}", file=sys.stderr)
        return error.status
    except (ValueError, TypeError) as error:  # the config's validation messages
        print(f"mnist1d: error: {error}", file=sys.stderr)
        return 2
    return 0
