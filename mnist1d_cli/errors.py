"""The command line's failures and the one table that gives each its exit status: imported
before anything heavy, so that a Ctrl-C during the heavy imports still meets ``main``'s."""

from __future__ import annotations

import errno
import signal
import sys
import unicodedata


class UsageError(ValueError):
    """Bad input on the command line, found before any work (exit status 2). ``prog`` is
    the (sub)command that tells it, as argparse does: ``mnist1d generate: error: ...``."""

    def __init__(self, message: str, prog: str = "mnist1d") -> None:
        super().__init__(message)
        self.prog = prog


def exit_statuses() -> tuple[tuple[type[BaseException], int], ...]:
    """Exception -> exit status, the first match winning: 2 for bad input, 1 for damage
    (``mnist1d_core.errors.Damaged``) or a fault of the machine, 130 for Ctrl-C, 141 for a
    reader of standard output gone away. Anything else is a bug, and keeps its traceback.

    A build with no record to check (one its framework made itself, or one of release 0.1.0)
    is not damage: 2, what verify cannot check, as for a folder that holds no build.

    The core's ``Damaged`` and the builders' ``LegacyBuild`` are taken from the loaded modules:
    no error can be one before they are loaded, and importing them here would import numpy
    while a Ctrl-C is being told.
    """
    core = sys.modules.get("mnist1d_core.errors")
    record = sys.modules.get("mnist1d_builders.record.manifest")
    unchecked = () if record is None else ((record.LegacyBuild, 2),)  # before Damaged, which it is a kind of
    damaged = () if core is None else ((core.Damaged, 1),)  # before ValueError: a fingerprint mismatch is one too
    return (
        (UsageError, 2),
        *unchecked,
        *damaged,
        (ImportError, 2),  # an extra not installed (or too old): bad set-up, found before the work
        (ValueError, 2),  # the config's validation, resource refusals, files refused as input
        (TypeError, 2),
        (BrokenPipeError, 128 + signal.SIGPIPE),  # before OSError: `mnist1d card | head` is no fault
        (OSError, 1),
        (MemoryError, 1),
        (KeyboardInterrupt, 128 + signal.SIGINT),
    )


def exit_status(error: BaseException) -> int | None:
    """The exit status of ``error`` from :func:`exit_statuses`; None if it has none."""
    return next((status for kind, status in exit_statuses() if isinstance(error, kind)), None)


# The extra (pyproject.toml) that installs each library a command may need.
_EXTRAS = {
    **dict.fromkeys(["datasets", "pyarrow", "huggingface_hub", "yaml"], "hf"),
    **dict.fromkeys(["tensorflow", "tensorflow_datasets", "array_record", "apache_beam"], "tfds"),
    "matplotlib": "plot",
    "torch": "benchmark",
}


def describe(error: BaseException) -> str:
    """The one line ``main`` prints for ``error`` on stderr."""
    if isinstance(error, KeyboardInterrupt):
        return "mnist1d: interrupted"  # partial outputs were removed on the way up
    if isinstance(error, MemoryError):
        return "mnist1d: error: out of memory"
    if isinstance(error, ModuleNotFoundError):
        extra = _EXTRAS.get((error.name or "").partition(".")[0])
        how = (
            f'pip install "mnist1d-datasets[{extra}]"'
            if extra
            else "mnist1d-datasets[hf], [tfds], [plot] or [benchmark]"
        )
        return f"mnist1d: error: {error}: install the extra that provides it, {how}"
    if isinstance(error, OSError) and not isinstance(error, BrokenPipeError):
        return f"mnist1d: error: {describe_os_error(error)}"
    return f"{getattr(error, 'prog', 'mnist1d')}: error: {error}"


def describe_os_error(error: OSError) -> str:
    """One line for a file-system fault: the path, then what happened."""
    if error.filename is None or error.strerror is None:
        return str(error)
    hint = {
        errno.ENOSPC: "; free some space and run the command again: it removes what this run left",
        errno.EFBIG: "; a file-size limit (ulimit -f) or the file system's is in the way",
        errno.EROFS: "; choose a writable location",
        errno.EACCES: "; check the permissions, or choose another location",
    }.get(error.errno, "")
    return f"{error.filename}: {error.strerror.lower()}{hint}"


def one_line(message: str) -> str:
    """``message`` with its control characters escaped (``\\n``, ``\\x1b``): a file name may hold
    any of them, and a message stays one line that cannot drive the terminal."""
    return "".join(
        char.encode("unicode_escape").decode("ascii") if unicodedata.category(char) == "Cc" else char
        for char in message
    )
