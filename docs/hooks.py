"""MkDocs hooks: pages that say what the code says.

When the site is built, ``<!-- mnist1d-help -->`` in a page becomes the ``--help`` of
``mnist1d`` and of each of its subcommands, taken from the parser, and
``<!-- mnist1d-parameters -->`` the generator's parameter table,
``mnist1d_core.config.parameters_markdown()``: neither can drift from the code.
"""

from __future__ import annotations

import contextlib
import io
import os
import re

MARKER = "<!-- mnist1d-help -->"
PARAMETERS_MARKER = "<!-- mnist1d-parameters -->"
WIDTH = "100"  # argparse wraps to $COLUMNS: fixed, so the page does not depend on the terminal


def help_text(args: list[str]) -> str:
    """What ``mnist1d ARGS --help`` prints."""
    from mnist1d_cli import build_parser

    out = io.StringIO()
    columns = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = WIDTH
    try:
        with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
            build_parser().parse_args([*args, "--help"])
    finally:
        if columns is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = columns
    return out.getvalue().rstrip()


def commands() -> list[str]:
    """The subcommands, as ``mnist1d --help`` lists them under COMMAND: "    name  what it does"."""
    return re.findall(r"^    ([a-z]+)(?:\s|$)", help_text([]), re.M)


def command_line_reference() -> str:
    sections = [f"```text\n$ mnist1d --help\n{help_text([])}\n```"]
    for command in commands():
        sections.append(f"### `mnist1d {command}`\n\n```text\n$ mnist1d {command} --help\n{help_text([command])}\n```")
    return "\n\n".join(sections)


def on_page_markdown(markdown: str, **kwargs) -> str:
    if MARKER in markdown:
        markdown = markdown.replace(MARKER, command_line_reference())
    if PARAMETERS_MARKER in markdown:
        from mnist1d_core.config import parameters_markdown

        markdown = markdown.replace(PARAMETERS_MARKER, parameters_markdown())
    return markdown
