"""The command line's failures and how each is told: imported before anything heavy, so
that a Ctrl-C during the heavy imports still meets ``main``'s handlers."""

from __future__ import annotations

import errno
import unicodedata


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
