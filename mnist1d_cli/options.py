"""What every ``mnist1d`` subcommand shares: its errors, the dataset options, a progress bar."""

from __future__ import annotations

import argparse
import difflib
import itertools
import os
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import TextIO

from mnist1d_core import PRESETS, MNIST1DConfig, files
from mnist1d_core.config import PARAMETER_NAMES, PARAMETERS, get_preset

from .errors import UsageError


class Parser(argparse.ArgumentParser):
    """An argparse parser that says what is wrong in one line (exit status 2, through
    :class:`UsageError`), and takes no abbreviated option: ``--num-sample`` is refused,
    naming the option it most likely means, rather than read as ``--num-samples``."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **{"allow_abbrev": False, **kwargs})
        self.commands: argparse._SubParsersAction | None = None

    def add_subparsers(self, **kwargs) -> argparse._SubParsersAction:
        self.commands = super().add_subparsers(**kwargs)
        return self.commands

    def parse_known_args(self, args=None, namespace=None) -> tuple[argparse.Namespace, list[str]]:
        # An unknown option is told before anything argparse would say first (a missing
        # argument): this parser's own words are those before "--" or a subcommand's name.
        words = list(sys.argv[1:] if args is None else args)
        ends = {"--", *(self.commands.choices if self.commands else ())}
        words = list(itertools.takewhile(lambda word: word not in ends, words))
        known = self.options()
        unknown = [word for word in words if word.startswith("--") and word.partition("=")[0] not in known]
        if unknown:
            self.error(self.unknown(unknown))
        return super().parse_known_args(args, namespace)

    def parse_args(self, args=None, namespace=None) -> argparse.Namespace:
        namespace, extras = self.parse_known_args(args, namespace)
        if extras:
            self.error(self.unknown(extras))
        return namespace

    def options(self) -> set[str]:
        """The option strings this parser takes, as its help lists them (argparse has no
        public list of them)."""
        return set(re.findall(r"(?<![\w-])--?[A-Za-z][\w-]*", self.format_help()))

    def unknown(self, extras: list[str]) -> str:
        options = [word.partition("=")[0] for word in extras if word.startswith("-")]
        if not options:
            return f"unrecognized arguments: {' '.join(extras)}"
        close = difflib.get_close_matches(options[0], sorted(self.options()), n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]}?" if close else f"; see {self.prog} --help"
        return f"unknown option {options[0]}{hint}"

    def error(self, message: str) -> None:  # one line, not argparse's usage block
        raise UsageError(message, self.prog)


# --- config options, shared by every subcommand that makes data: from the parameter table


def add_config_arguments(parser: argparse.ArgumentParser) -> None:
    """``--config PRESET`` plus one option per parameter of ``PARAMETERS``, which overrides it."""
    group = parser.add_argument_group("dataset parameters (default: the preset's)")
    group.add_argument("--config", default="canonical", choices=list(PRESETS), help="named preset to start from")
    for parameter in PARAMETERS:
        if parameter.kind is bool:
            how = {"action": argparse.BooleanOptionalAction}
        elif parameter.kind is str:
            how = {"choices": parameter.choices}
        elif parameter.kind is tuple:
            how = {"nargs": 2, "type": int, "metavar": ("LOW", "HIGH")}
        else:  # int or float: argparse names the type of a value it cannot read ("invalid int value")
            how = {"type": parameter.kind, "metavar": "N" if parameter.kind is int else "F"}
        default = parameter.default if parameter.kind is not str else repr(parameter.default)
        meaning = parameter.meaning.replace("%", "%%")
        group.add_argument(
            parameter.flag,
            dest=parameter.name,
            help=f"{meaning} Paper default: {default}; valid: {parameter.valid}.",
            **how,
        )


def parameter_changes(args: argparse.Namespace) -> dict:
    """The parameters given by their options, by name."""
    changes = {name: getattr(args, name) for name in PARAMETER_NAMES if getattr(args, name) is not None}
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
