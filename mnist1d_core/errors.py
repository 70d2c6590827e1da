"""What the package's failures have in common, and how a message shows untrusted data.

Three kinds of failure, which the command line maps to its exit statuses:

- bad input, found before any work: ``ValueError`` and ``TypeError`` (exit status 2);
- damaged or mismatching data: :class:`Damaged` (exit status 1), the base of every such
  error in the package, whatever else it derives from;
- a fault of the machine: ``OSError`` and ``MemoryError`` (exit status 1).
"""

from __future__ import annotations

from typing import Any

_EXCERPT = 40  # characters of untrusted data shown in a message


class Damaged(Exception):
    """Data, a record or a file that is not what it should be. The message names it."""


def excerpt(value: Any, limit: int = _EXCERPT) -> str:
    """Untrusted data as a message may show it: a string or bytes as an escaped ``repr`` of
    its first ``limit`` characters, a bool, None, a float or an integer of up to 64 bits as
    its ``repr``; anything else by its type's name only, as ``<frozenset>`` (rendering a
    crafted container, or a huge integer, can take unbounded time and memory)."""
    if isinstance(value, (str, bytes, bytearray)):
        shown = repr(value[:limit])
        return shown + "..." if len(value) > limit else shown
    if value is None or type(value) in (bool, float) or (type(value) is int and value.bit_length() <= 64):
        return repr(value)
    return f"<{type(value).__name__}>"
