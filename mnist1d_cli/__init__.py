"""The ``mnist1d`` command line (also ``python -m mnist1d_cli``), on top of the core and the builders.

Each module adds its subcommands: ``data`` (generate, info, plot), ``builds`` (build,
verify) and ``hub`` (export, publish, card). Each gets ``--help``.

Exit statuses (one table: :func:`mnist1d_cli.errors.exit_statuses`), each with one line on
stderr and never a traceback:

- 0: done;
- 1: damaged or mismatching data, or a fault of the machine met during the work (a full
  disk, a file too large, permission denied): the line names the file;
- 2: bad input, found before any work: a parameter, a path, a request larger than the
  machine can hold, a missing extra;
- 130: interrupted (Ctrl-C); partial outputs are removed on the way out;
- 141: the reader of standard output went away (``mnist1d card | head``), as Unix tools.
"""

from __future__ import annotations

import gc
import os
import signal
import sys

# TensorFlow's C++ logging (oneDNN, cpu_feature_guard, absl, tf.data's "End of sequence" of
# TensorFlow 2.16) is noise on a command line: its INFO and WARNING lines are hidden, as
# mnist1d_builders.tfds hides them; its errors and every Python exception still show. A
# user's setting wins.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

from .errors import describe, exit_status, one_line  # noqa: E402  (light: the standard library only)

__all__ = ["build_parser", "main", "run"]


def build_parser():
    # Imported here, not above: a Ctrl-C during these imports (numpy, scipy: about a second)
    # must meet main()'s handler, not end in a traceback.
    from mnist1d_core import __version__

    from . import benchmark, builds, data, hub
    from .options import Parser

    parser = Parser(prog="mnist1d", description="MNIST-1D: generate, inspect and check datasets.")
    parser.add_argument("--version", action="version", version=f"mnist1d {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser, metavar="COMMAND")
    for add in [*data.COMMANDS, *builds.COMMANDS, *hub.COMMANDS, *benchmark.COMMANDS]:
        add(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    if sys.stdout is None or sys.stderr is None:  # started with `>&-` or `2>&-`
        os.write(2, b"mnist1d: error: standard output or error is closed; nothing was done\n")
        return 2
    for stream in (sys.__stdout__, sys.__stderr__):  # a path that is not valid text still prints
        if stream in (sys.stdout, sys.stderr) and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    message = None  # told after the except block: once the failed work's frames (and the
    # frameworks' progress bars in them) are gone, nothing writes after it
    try:
        args = build_parser().parse_args(argv)
        args.run(args)
        sys.stdout.flush()  # here, so that a closed pipe is met inside this try
        status = 0
    except BaseException as error:
        status = exit_status(error)
        if status is None:  # a bug (or argparse's SystemExit for --help): as Python tells it
            raise
        if isinstance(error, BrokenPipeError):
            # The reader went away (`mnist1d card | head`): stop quietly, as Unix tools do, and
            # point stdout at /dev/null so that flushing it at exit cannot fail again.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        else:
            message = describe(error)
    if message is not None:
        gc.collect()  # frames kept alive by reference cycles: their progress bars close now, not at exit
        # On a terminal, a progress bar may hold the line: start a new one.
        print(f"{chr(10) if sys.stderr.isatty() else ''}{one_line(message)}", file=sys.stderr)
    return status


def run() -> None:
    """The ``mnist1d`` program: :func:`main`, then exit with its status."""
    status = main()
    # The work is over (done, or failed and cleaned up): a Ctrl-C from now on changes nothing.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sys.exit(status)
