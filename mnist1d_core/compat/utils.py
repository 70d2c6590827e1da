"""``mnist1d.utils``: seeding, pickles, the args object and the notebooks' plot.

``set_seed`` seeds the global random streams, as the authors' does: that is its whole
purpose, and the only place in this package that touches them (with ``transform``).
``from_pickle`` differs on purpose: it reads numpy arrays and plain containers only and
runs nothing from the file, so a pickle from anywhere can be opened safely.
"""

from __future__ import annotations

import numbers
import os
import pickle
import random
import stat
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import files
from ..config import MAX_SEED
from ..files import written_atomically
from .unpickle import loads

if TYPE_CHECKING:
    from matplotlib.figure import Figure

PICKLE_PROTOCOL = 3  # the authors' (their frozen mnist1d_data.pkl is protocol 3 too)

MISSING_MATPLOTLIB = 'plot_signals needs matplotlib, the "plot" extra: pip install "mnist1d-datasets[plot]"'


def set_seed(seed: int) -> None:
    """Seed Python's ``random`` and numpy's global legacy stream, as the authors' ``set_seed``.

    The compat ``transform`` functions then draw exactly what the authors' draw.
    """
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, numbers.Integral) or not 0 <= seed <= MAX_SEED:
        raise ValueError(f"seed must be an integer in 0..{MAX_SEED}, got {seed!r}")
    random.seed(int(seed))
    np.random.seed(int(seed))


class ObjectView:
    """The authors' args object: attribute access to a dict, which it shares (not a copy),
    so ``args.num_samples = 10000`` changes the dict too."""

    def __init__(self, d: dict) -> None:
        self.__dict__ = d

    def __repr__(self) -> str:
        return f"ObjectView({self.__dict__!r})"


def to_pickle(thing: Any, path: str | os.PathLike) -> None:
    """Pickle ``thing`` to ``path`` (protocol 3, the authors' bytes), written whole or not at all."""
    with written_atomically(_in_a_folder(path)) as partial, open(partial, "wb") as handle:
        pickle.dump(thing, handle, protocol=PICKLE_PROTOCOL)


def _in_a_folder(path: str | os.PathLike) -> Path:
    """``path`` as a ``Path``, if its folder exists; a ``FileNotFoundError`` naming both otherwise."""
    path = Path(path)
    if not path.parent.is_dir():
        raise FileNotFoundError(f"path {str(path)!r}: the folder {str(path.parent)!r} does not exist")
    return path


#: The largest pickle :func:`from_pickle` reads unless told otherwise: 600 times the authors'
#: file. It is read whole into memory, and loading it takes a few times its size more.
MAX_PICKLE_BYTES = 1 << 30


def from_pickle(path: str | os.PathLike) -> Any:
    """Read a pickle of numpy arrays and plain containers, such as the authors'
    ``mnist1d_data.pkl`` or what :func:`to_pickle` writes.

    Only numpy arrays, dtypes and scalars of plain dtypes (numbers, bools, strings, bytes,
    dates: no objects, no fields), and dict, list, tuple, set, frozenset, str, bytes,
    bytearray, numbers, bools and None are admitted. Anything else (a class, a function:
    what a malicious pickle calls) is refused before it is looked up, so nothing in the file
    runs. No state the file gives numpy can make it read or write outside an array's memory,
    no length or shape in it can allocate more than the file holds, and no tuple in it can
    crash Python or take exponential time when hashed. ``path`` may be a regular file of at
    most :data:`MAX_PICKLE_BYTES`, or a pipe (read up to that many); the authors' signature
    is kept, so that bound is a module constant.

    Raises
    ------
    PickleRefused
        The file names anything else (a ``pickle.UnpicklingError``).
    pickle.UnpicklingError
        The file is damaged or not a pickle.
    mnist1d_core.files.BadFile
        ``path`` is a device or a socket, or larger than the bound (a ``ValueError``).
    mnist1d_core.InsufficientResources
        Loading it could take more memory than is available (a ``ValueError``): at most
        twice the file's size, plus 128 bytes for each of its opcodes.
    """
    path = Path(path)
    if not stat.S_ISFIFO(path.stat().st_mode):
        return loads(files.read_bytes(path, MAX_PICKLE_BYTES), path)
    with open(path, "rb") as pipe:  # a pipe: waiting for its writer is what reading one means
        content = pipe.read(MAX_PICKLE_BYTES + 1)
    if len(content) > MAX_PICKLE_BYTES:
        raise files.BadFile(path, f"more than the {MAX_PICKLE_BYTES:,} bytes from_pickle reads (MAX_PICKLE_BYTES)")
    return loads(content, path)


def plot_signals(xs, t, labels=None, args=None, ratio=2.6, do_transform=False, dark_mode=False, zoom=1) -> Figure:
    """Draw the first ten signals side by side, as the authors' notebooks do: each signal
    upright, its value left to right and time ``t`` top to bottom.

    Parameters
    ----------
    xs : array_like, (>= 10, L)
        Signals; the first ten are drawn.
    t : array_like, (L,)
        Their time axis.
    labels : sequence, optional
        Shown as "label=..." above each signal.
    args : ObjectView, optional
        The dataset parameters, needed with ``do_transform``.
    ratio : float
        Height of a panel over its width.
    do_transform : bool
        Draw ``transform(x, t, args)`` of each signal instead (draws from numpy's global stream).
    dark_mode : bool
        White dots on black instead of a black line.
    zoom : float
        Both axes span ``-zoom .. zoom``.

    Returns
    -------
    matplotlib.figure.Figure
        Also shown with ``pyplot.show()``. Needs matplotlib (the ``plot`` extra).
    """
    if do_transform and args is None:
        raise ValueError("plot_signals: do_transform=True needs args (the dataset parameters)")
    if len(xs) < 10 or (labels is not None and len(labels) < 10):
        raise ValueError(f"plot_signals draws ten signals: xs and labels need 10 or more, got {len(xs)} signals")
    try:
        import matplotlib.pyplot as plt
    except ImportError as error:
        raise ImportError(MISSING_MATPLOTLIB) from error
    from .transform import transform

    figure = plt.figure(figsize=[10 * 1.5, 1.5 * ratio], dpi=60)
    for index in range(10):
        axes = figure.add_subplot(1, 10, index + 1)
        x = xs[index]
        if do_transform:
            # As the authors' loop: each transform's time axis is the next one's input.
            x, t = transform(x, t, args)
        if dark_mode:
            axes.plot(x, t, "wo", linewidth=6)
            axes.set_facecolor("k")
        else:
            axes.plot(x, t, "k-", linewidth=2)
        if labels is not None:
            axes.set_title(f"label={labels[index]}", fontsize=22)
        axes.set_xlim(-zoom, zoom)
        axes.set_ylim(-zoom, zoom)
        axes.invert_yaxis()
        axes.set_xticks([])
        axes.set_yticks([])
    figure.subplots_adjust(wspace=0, hspace=0)
    figure.tight_layout()
    plt.show()
    return figure
