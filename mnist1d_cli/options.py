"""What every ``mnist1d`` subcommand shares: its errors, the dataset options, a progress bar."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TextIO, TypeVar

from mnist1d_core import PRESETS, MNIST1DConfig, files
from mnist1d_core.config import ALGORITHMS, DEFAULT, get_preset
from mnist1d_core.fingerprint import FingerprintMismatch

from .errors import CommandError, UsageError


class Parser(argparse.ArgumentParser):
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
        group.add_argument(
            flag, dest=name, type=kind, metavar=metavar, help=f"paper default: {getattr(DEFAULT, name)}"
        )
    group.add_argument(
        "--padding", nargs=2, type=int, metavar=("LOW", "HIGH"), help=f"paper default: {DEFAULT.padding}"
    )
    group.add_argument(
        "--shuffle-seq", dest="shuffle_seq", action=argparse.BooleanOptionalAction, help="shuffle the time axis"
    )
    group.add_argument(
        "--algorithm",
        choices=ALGORITHMS,
        help="paper (default): the authors' algorithm; "
        "sharded: independent streams per block, for parallel and streamed generation",
    )


def parameter_changes(args: argparse.Namespace) -> dict:
    """The parameters given by their flags, by name."""
    names = (*_FLAGS, "padding", "shuffle_seq", "algorithm")
    changes = {name: getattr(args, name) for name in names if getattr(args, name) is not None}
    if changes.get("padding") is not None:
        changes["padding"] = tuple(changes["padding"])
    return changes


def config_from_arguments(args: argparse.Namespace) -> MNIST1DConfig:
    return get_preset(args.config or "canonical").replace(**parameter_changes(args))


# --- paths, checked before any work ------------------------------------------------


def path_argument(text: str) -> Path:
    """An argparse type: a path, never the empty string (which Path would make ".")."""
    if not text:
        raise argparse.ArgumentTypeError("an empty path")
    return Path(text)


def file_argument(text: str) -> Path:
    """An argparse type for a file to write: a path that does not end in a separator, which
    names a folder (Path drops it, and ``out/`` would become a file called ``out``)."""
    if text.endswith(("/", os.sep)):
        raise argparse.ArgumentTypeError(f"{text!r} names a folder (it ends in '/'); give the name of a file")
    return path_argument(text)


def check_output_file(option: str, path: Path, *, force: bool = False) -> None:
    """Refuse an output file that cannot be written, before any work (exit status 2)."""
    if path.is_dir():
        raise UsageError(f"{option} {str(path)!r} is a folder; give the name of a file")
    try:
        files.check_replaceable(path)
    except ValueError as error:
        raise UsageError(f"{option} {error}") from None
    if (path.exists() or path.is_symlink()) and not force:  # a dangling link too: writing would replace it
        raise UsageError(f"{option} {str(path)!r} exists; pass --force to overwrite it")
    check_output_folder(option, path.parent, of=path)


def check_output_folder(option: str, path: Path, *, of: Path | None = None) -> None:
    """Refuse a folder that cannot hold an output (missing parent, a file, read-only), before
    any work; a folder that does not exist yet is made by the command, under its nearest
    existing parent, which must be writable."""
    named = f"{option} {str(of if of is not None else path)!r}"
    existing = path.absolute()
    while not existing.exists():
        if of is not None:  # the file's own folder must exist
            raise UsageError(f"{named}: folder {str(path)!r} does not exist")
        existing = existing.parent
    if not existing.is_dir():
        raise UsageError(f"{named}: {str(existing)!r} is a file, not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise UsageError(f"{named}: folder {str(existing)!r} is not writable")
    try:  # what permissions do not tell: a read-only file system, /proc, root's own limits
        with tempfile.TemporaryFile(dir=existing):  # unnamed where the OS can (O_TMPFILE)
            pass
    except OSError as error:
        raise UsageError(f"{named}: folder {str(existing)!r} is not writable ({error.strerror.lower()})") from None


# --- progress -----------------------------------------------------------------------


class ProgressBar:
    """A one-line text bar on a terminal (silent when the stream is not one)."""

    def __init__(self, label: str, stream: TextIO | None = None, *, force: bool = False) -> None:
        self.label = label
        self.stream = stream if stream is not None else sys.stderr  # today's, not the one at import
        self.enabled = force or self.stream.isatty()
        self.started = time.perf_counter()

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        elapsed = time.perf_counter() - self.started
        end = "\n" if done >= total else ""
        counts = f" {done}/{total} {elapsed:.1f}s"
        # The whole line fits the terminal: the bar gives up width first (30 down to 10), then the label.
        room = self._columns() - 1 - len(counts) - len(" []")
        width = max(10, min(30, room - len(self.label)))
        filled = width * done // max(total, 1)
        label = self._fitted(self.label, room - width)
        self.stream.write(f"\r{label} [{'#' * filled}{'.' * (width - filled)}]{counts}{end}")
        self.stream.flush()

    def _columns(self) -> int:
        """The terminal's width: a line longer than it wraps, and then every update of the
        bar starts a new line instead of redrawing the last one."""
        try:
            return os.get_terminal_size(self.stream.fileno()).columns
        except (AttributeError, ValueError, OSError):  # not a real terminal (force=True, a test's stream)
            return 80

    @staticmethod
    def _fitted(label: str, room: int) -> str:
        if len(label) <= room:
            return label
        return label[: room - 3] + "..." if room > 3 else ""


def add_presets_arguments(parser: argparse.ArgumentParser) -> None:
    """The shared config options, with ``--config`` taking several presets (default: all);
    the parameter flags change each of them. Needs ``conflict_handler="resolve"``."""
    add_config_arguments(parser)
    parser.add_argument(
        "--config",
        nargs="+",
        choices=list(PRESETS),
        default=list(PRESETS),
        metavar="NAME",
        help=f"named presets to start from (default: all: {' '.join(PRESETS)}); "
        "the parameter options below change each of them",
    )


def configs_from_arguments(args: argparse.Namespace) -> list[MNIST1DConfig]:
    return [config_from_arguments(argparse.Namespace(**{**vars(args), "config": name})) for name in args.config]


_T = TypeVar("_T")


def with_builders(work: Callable[[], _T]) -> _T:
    """Run ``work``, which imports the frameworks: damaged or mismatching data is exit
    status 1; a framework that is not installed, exit status 2 (bad set-up, no work done)."""
    from mnist1d_builders.integrity import IntegrityError

    try:
        return work()
    except (IntegrityError, FingerprintMismatch) as error:
        raise CommandError(str(error)) from None
    except ModuleNotFoundError as error:
        raise UsageError(
            f"{error}: install the framework's extra, mnist1d-datasets[hf] or mnist1d-datasets[tfds]"
        ) from None
