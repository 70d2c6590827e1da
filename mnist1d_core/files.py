"""Writing files and folders whole or not at all."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
from pathlib import Path
from typing import Iterator


@contextlib.contextmanager
def written_atomically(target: str | Path) -> Iterator[Path]:
    """Give a hidden, unused path beside ``target`` to write a file or a folder at.

    When the block succeeds it is renamed onto ``target`` (replacing a file or an empty
    folder) in one step; when it fails it is removed. So ``target`` is never half-written,
    and what it held before is kept until the new content is complete. Unlike
    ``tempfile.mkstemp`` (mode 0600), what is created gets the usual permissions.
    """
    target = Path(target)
    partial = target.with_name(f".{target.name}.partial-{secrets.token_hex(6)}")
    try:
        yield partial
        os.replace(partial, target)
    except BaseException:
        if partial.is_dir():
            shutil.rmtree(partial, ignore_errors=True)
        else:
            partial.unlink(missing_ok=True)
        raise
