"""The authors' frozen data file, ``mnist1d_data.pkl``: its layout, its content from this
package's generator, and checking a copy of it against the fingerprint registry.

The file (greydanus/mnist1d, protocol-3 pickle) is a dict: ``x`` (4000, 40) and ``x_test``
(1000, 40) float64, ``y`` and ``y_test`` int64, ``t`` (40,) float64 and ``templates``, a dict
of ``x`` (10, 12), ``t`` (12,) float64 and ``y`` (10,) int64: the layout ``make_dataset``
returns. Its ``x`` cast to float32 is the registry's ``canonical`` content.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import pickle
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from .. import files
from ..config import PRESETS
from ..errors import excerpt
from ..fingerprint import FingerprintMismatch, check_fingerprint, fingerprint, registry
from ..generate import MNIST1D, SPLITS, generate
from .unpickle import loads

#: Where the authors' ``get_dataset`` downloads the file from (``get_dataset_args().url``).
FROZEN_URL = "https://github.com/greydanus/mnist1d/raw/master/mnist1d_data.pkl"
#: SHA-256 of the file as the authors publish it.
FROZEN_SHA256 = "e95257676e9fb04568e46dda007da22cc8664ccba1451456afde55d7f6dd6aa5"
#: The registry's name for its content.
FROZEN_PRESET = "canonical"

_SPLIT_KEYS = {"train": ("x", "y"), "test": ("x_test", "y_test")}


class FrozenPickleError(FingerprintMismatch):
    """A file is not a copy of the authors' frozen ``mnist1d_data.pkl``: not such a pickle,
    or content other than the registered one."""


def as_authors_dict(data: MNIST1D, templates: Any = None) -> dict[str, Any]:
    """``data`` in the authors' layout (``make_dataset``'s and the frozen file's).

    ``templates`` is returned as the ``templates`` entry when given (the authors return
    the template they were passed); by default the generator's, as a dict.
    """
    if templates is None:
        templates = {"x": data.templates.x, "t": data.templates.t, "y": data.templates.y}
    return {
        "x": data.train.x,
        "x_test": data.test.x,
        "y": data.train.y,
        "y_test": data.test.y,
        "t": data.t,
        "templates": templates,
    }


def frozen_dataset() -> dict[str, Any]:
    """The content of the authors' ``mnist1d_data.pkl``, generated, in its layout.

    Each split is checked against the fingerprint registry before it is returned
    (``FingerprintMismatch`` otherwise). Cast to float32, ``x`` and ``x_test`` are identical
    to the file's; as float64 they agree with it within 1e-15 (the file was made with other
    numpy and scipy builds, which round some last bits differently). The labels, ``t`` and
    the templates are identical.
    """
    data = generate(PRESETS[FROZEN_PRESET])
    for split in SPLITS:
        part = data.split(split)
        check_fingerprint(FROZEN_PRESET, split, fingerprint(part.x, part.y))
    return as_authors_dict(data)


#: Size of the authors' file, and the most a re-saved copy of its arrays can take (any
#: pickle protocol stores them in binary; protocol 0's text would be about 4x).
_FROZEN_BYTES = 1_642_012
_MAX_COPY_BYTES = 16 * _FROZEN_BYTES


def verify_frozen_pickle(path: str | os.PathLike) -> list[str]:
    """Check a copy of the authors' ``mnist1d_data.pkl`` against the fingerprint registry.

    The file is read once, as ``from_pickle`` reads it (nothing in it runs); the content
    fingerprints of its ``x``/``y`` and ``x_test``/``y_test`` (``x`` as float32) must be the
    registered ones of ``canonical``. A re-created or re-saved copy (other bytes, the same
    content) passes, and is told from the authors' published file.

    Returns
    -------
    list of str
        What was checked, one line each: how the file was read; whether it is the authors'
        published file byte for byte or a re-created copy of its data; each split's check.

    Raises
    ------
    ValueError
        ``path`` is not a regular file (``mnist1d_core.files.BadFile`` for a FIFO, a device).
    FrozenPickleError
        Naming the file: not such a pickle, or content other than the registered.
    """
    path = Path(path)
    if not path.exists():
        raise ValueError(f"path {str(path)!r}: no such file")
    if path.is_file() and (size := path.stat().st_size) > _MAX_COPY_BYTES:
        raise FrozenPickleError(
            f"{path}: {size:,} bytes, where the authors' mnist1d_data.pkl has {_FROZEN_BYTES:,}; not a copy of it"
        )
    content = files.read_bytes(path, _MAX_COPY_BYTES)  # BadFile for a FIFO, a device, or a file that grew
    digest = hashlib.sha256(content).hexdigest()
    try:
        value = loads(content, path)
    except pickle.UnpicklingError as error:
        raise FrozenPickleError(f"{error}; not a copy of the authors' mnist1d_data.pkl") from None
    checked = []
    for split, (x_key, y_key) in _SPLIT_KEYS.items():
        x, y = _split_arrays(path, value, x_key, y_key)
        entry = registry()[FROZEN_PRESET, split]
        found = fingerprint(x, y)
        if x.shape != (entry.num_examples, entry.seq_length) or found != entry.sha256:
            raise FrozenPickleError(
                f"{path}: {x_key}/{y_key} of shape {x.shape} has content fingerprint {found}, not the registered "
                f"{entry.sha256} of the paper's frozen data ({FROZEN_PRESET}/{split}, {entry.num_examples} x "
                f"{entry.seq_length}); the file is damaged or holds other data"
            )
        checked.append(
            f"{split} ({x_key}, {y_key}): {len(x)} examples of length {x.shape[1]}, content fingerprint "
            f"{found} ({x_key} as float32): matches the registry ({FROZEN_PRESET}/{split})"
        )
    if digest == FROZEN_SHA256:
        which = f"the authors' published mnist1d_data.pkl, byte for byte (SHA-256 {digest})"
    else:
        which = (
            f"a re-created copy of the data of the authors' mnist1d_data.pkl, not their published file: "
            f"other bytes (SHA-256 {digest}; theirs is {FROZEN_SHA256}), the same content (below)"
        )
    return [
        f"{path}: read as a pickle of numpy arrays and plain containers (nothing in it was run)",
        f"{path}: {which}",
        *checked,
    ]


def _split_arrays(path: Path, content: Any, x_key: str, y_key: str) -> tuple[np.ndarray, np.ndarray]:
    if not isinstance(content, Mapping) or not {x_key, y_key} <= set(content):
        # Keys are the file's: shown by a short prefix each (the str of a crafted one can take
        # unbounded time and memory), at most ten.
        if isinstance(content, Mapping):
            shown = sorted(excerpt(key) for key in itertools.islice(content, 11))
            keys = f"[{', '.join(shown[:10])}{', ...' if len(shown) > 10 else ''}]"
        else:
            keys = type(content).__name__
        raise FrozenPickleError(
            f"{path}: not the authors' layout (a dict with {x_key!r} and {y_key!r}), "
            f"got {keys}; not a copy of the authors' mnist1d_data.pkl"
        )
    x, y = content[x_key], content[y_key]
    if not (
        isinstance(x, np.ndarray)
        and isinstance(y, np.ndarray)
        and x.ndim == 2
        and x.dtype.kind == "f"
        and y.shape == (len(x),)
        and y.dtype.kind in "iu"
    ):
        raise FrozenPickleError(
            f"{path}: {x_key!r} and {y_key!r} are not (n, L) float signals and (n,) integer "
            f"labels; not a copy of the authors' mnist1d_data.pkl"
        )
    return x, y
