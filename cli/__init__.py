"""The ``mnist1d`` command line (also ``python -m mnist1d_cli``), on top of the core and the builders.

Each module adds its subcommands: ``data`` (generate, info, plot), ``builds`` (build,
verify) and ``hub`` (export, publish, card). Each gets ``--help``. Bad input exits with
status 2 and one line on stderr, before any work is done; damaged data exits with 1.
"""

from __future__ import annotations

import os
import signal
import sys

from mnist1d_core import __version__

from . import builds, data, hub
from .options import CommandError, Parser

__all__ = ["build_parser", "main"]


def build_parser() -> Parser:
    parser = Parser(prog="mnist1d", description="MNIST-1D: generate, inspect and check datasets.")
    parser.add_argument("--version", action="version", version=f"mnist1d {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser, metavar="COMMAND")
    for add in [*data.COMMANDS, *builds.COMMANDS, *hub.COMMANDS]:
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
    except KeyboardInterrupt:  # partial outputs were removed on the way up
        print("mnist1d: interrupted", file=sys.stderr)
        return 128 + signal.SIGINT
    except BrokenPipeError:
        # The reader went away (`mnist1d card | head`): stop quietly, as Unix tools do, and
        # point stdout at /dev/null so that flushing it at exit cannot fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 128 + signal.SIGPIPE
    return 0
