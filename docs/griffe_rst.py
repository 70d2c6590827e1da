"""A griffe extension: the package's docstrings, written for Sphinx and ``help()``, as Markdown.

The docstrings use a few reStructuredText forms that Markdown reads differently: roles
(``:func:`generate```), literal blocks announced by ``::`` and doctest sessions (``>>>``),
whose ``["key"]`` Markdown would take for a link. Here they become code spans and fenced
blocks, so the API reference renders them as code, and the docstrings stay as they are.
"""

from __future__ import annotations

import re
import textwrap

import griffe

ROLE = re.compile(r":(?:func|class|meth|mod|attr|data|exc|obj):`~?([^`]+)`")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def to_markdown(text: str) -> str:
    """``text`` with its roles, ``::`` literal blocks and doctest sessions made Markdown."""
    lines = ROLE.sub(r"`\1`", text).split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.lstrip().startswith(">>>"):  # a doctest session: up to the next blank line
            start = i
            while i < len(lines) and lines[i].strip():
                i += 1
            margin = " " * _indent(line)
            out += [margin + "```pycon", *lines[start:i], margin + "```"]
            continue
        if line.rstrip().endswith("::") and not line.strip().startswith(".."):
            # "text::" then an indented block: the text ends with ":" and the block is code
            out.append(line.rstrip()[:-1] if line.strip() != "::" else "")
            i += 1
            while i < len(lines) and not lines[i].strip():
                i += 1
            start = i
            while i < len(lines) and (not lines[i].strip() or _indent(lines[i]) > _indent(line)):
                i += 1
            while i > start and not lines[i - 1].strip():
                i -= 1
            margin = " " * _indent(line)
            block = textwrap.dedent("\n".join(lines[start:i])).split("\n")
            out += ["", margin + "```python", *(margin + code if code else "" for code in block), margin + "```"]
            continue
        out.append(line)
        i += 1
    return "\n".join(out)


class RestructuredTextAsMarkdown(griffe.Extension):
    def on_object(self, *, obj: griffe.Object, **kwargs) -> None:
        if obj.docstring is not None:
            obj.docstring.value = to_markdown(obj.docstring.value)

    def on_package(self, *, pkg: griffe.Module, **kwargs) -> None:  # the top module is no member
        self.on_object(obj=pkg)
