"""Content fingerprints: one SHA-256 per split, the same whatever format stores it.

The hashed bytes, in this order (no header):

1. the split's ``x`` as float32, little-endian, row by row (row 0 first);
2. its labels ``y`` as int64, little-endian.

That is ``sha256(x.astype("<f4").tobytes() + y.astype("<i8").tobytes())``, so anyone can
check a copy with numpy alone. The registry (``fingerprints.tsv``) records each named
preset's digests with the split's shape beside them.
"""

from __future__ import annotations

import csv
import functools
import hashlib
from importlib import resources
from typing import NamedTuple

import numpy as np

from .errors import Damaged

_ROWS_PER_UPDATE = 65536  # bounds the float32 copy made for hashing


class FingerprintMismatch(Damaged, ValueError):
    """A split's content differs from the fingerprint recorded for it (damage, and a
    ``ValueError`` too)."""


class Fingerprinter:
    """Fingerprint a split fed in order, batch by batch (for writers that stream)."""

    def __init__(self) -> None:
        self._x = hashlib.sha256()
        self._labels: list[np.ndarray] = []
        self.num_examples = 0
        self.seq_length: int | None = None

    def update(self, x: np.ndarray, y: np.ndarray) -> None:
        x, y = np.asarray(x), np.asarray(y)
        if x.ndim != 2 or y.shape != (len(x),):
            raise ValueError(f"expected x of shape (n, L) and y of shape (n,), got {x.shape} and {y.shape}")
        if self.seq_length is None:
            self.seq_length = x.shape[1]
        elif x.shape[1] != self.seq_length:
            raise ValueError(f"rows of length {x.shape[1]} after rows of length {self.seq_length}")
        for start in range(0, len(x), _ROWS_PER_UPDATE):
            self._x.update(np.ascontiguousarray(x[start : start + _ROWS_PER_UPDATE], dtype="<f4"))
        self._labels.append(y.astype("<i8"))
        self.num_examples += len(x)

    def hexdigest(self) -> str:
        digest = self._x.copy()
        for labels in self._labels:
            digest.update(labels)
        return digest.hexdigest()


def fingerprint(x: np.ndarray, y: np.ndarray) -> str:
    """The content fingerprint (hex SHA-256) of one split."""
    fingerprinter = Fingerprinter()
    fingerprinter.update(x, y)
    return fingerprinter.hexdigest()


class Entry(NamedTuple):
    num_examples: int
    seq_length: int
    sha256: str


@functools.cache
def registry() -> dict[tuple[str, str], Entry]:
    """The recorded fingerprints, keyed by (preset name, split)."""
    text = resources.files(__package__).joinpath("fingerprints.tsv").read_text()
    rows = csv.reader((line for line in text.splitlines() if line and not line.startswith("#")), delimiter="\t")
    return {(name, split): Entry(int(n), int(length), digest) for name, split, n, length, digest in rows}


def check_fingerprint(config_name: str, split: str, digest: str) -> bool:
    """Compare a split's fingerprint with the registry.

    Returns True when it was checked and matches, False when the registry has no entry
    (a custom variant); raises :class:`FingerprintMismatch` when it differs.
    """
    entry = registry().get((config_name, split))
    if entry is None:
        return False
    if entry.sha256 != digest:
        raise FingerprintMismatch(
            f"{config_name}/{split}: content fingerprint {digest} differs from the "
            f"registered {entry.sha256}; the generated data is not the published data"
        )
    return True
