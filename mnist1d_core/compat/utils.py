"""``mnist1d.utils``: seeding, pickles, the args object and the notebooks' plot.

``set_seed`` seeds the global random streams, as the authors' does: that is its whole
purpose, and the only place in this package that touches them (with ``transform``).
``from_pickle`` differs on purpose: it reads numpy arrays and plain containers only and
runs nothing from the file, so a pickle from anywhere can be opened safely.
"""

from __future__ import annotations

import builtins
import numbers
import os
import pickle
import random
import struct
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import numpy as np

from ..config import MAX_SEED
from ..files import written_atomically

try:  # numpy >= 2
    from numpy._core import multiarray, numeric
except ImportError:  # numpy 1.x
    from numpy.core import multiarray, numeric

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
    path = Path(path)
    if not path.parent.is_dir():
        raise FileNotFoundError(f"path {str(path)!r}: the folder {str(path.parent)!r} does not exist")
    with written_atomically(path) as partial, open(partial, "wb") as handle:
        pickle.dump(thing, handle, protocol=PICKLE_PROTOCOL)


class PickleRefused(pickle.UnpicklingError):
    """A pickle holds something other than numpy arrays and plain containers."""


def from_pickle(path: str | os.PathLike) -> Any:
    """Read a pickle of numpy arrays and plain containers, such as the authors'
    ``mnist1d_data.pkl`` or what :func:`to_pickle` writes.

    Only numpy arrays, dtypes and scalars of plain dtypes (numbers, bools, strings, bytes,
    dates: no objects, no fields), and dict, list, tuple, set, frozenset, str, bytes,
    bytearray, numbers, bools and None are admitted. Anything else (a class, a function:
    what a malicious pickle calls) is refused before it is looked up, so nothing in the file
    runs. No state the file gives numpy can make it read or write outside an array's memory,
    no length or shape in it can allocate more than the file holds, and no tuple in it can
    crash Python or take exponential time when hashed.

    Raises
    ------
    PickleRefused
        The file names anything else (a ``pickle.UnpicklingError``).
    pickle.UnpicklingError
        The file is damaged or not a pickle.
    """
    path = Path(path)
    with open(path, "rb") as handle:
        try:
            return _ArraysOnly(handle).load()
        except PickleRefused as error:
            raise PickleRefused(f"{path}: {error}") from None
        except MemoryError:
            raise
        except Exception as error:  # whatever the bytes make the decoder raise, the file is damaged
            raise pickle.UnpicklingError(
                f"{path}: damaged or not a pickle ({type(error).__name__}: {error})"
            ) from None


_REFUSED = (
    "from_pickle reads numpy arrays and plain containers only, and nothing in the file was run. "
    "If you trust this file, read it with pickle.load."
)


def _refuse(what: str) -> PickleRefused:
    return PickleRefused(f"refused {what}: {_REFUSED}")


def _latin1(text: str, encoding: str) -> bytes:
    # Protocols 0-2 store bytes as _codecs.encode(text, "latin1"); admit that use only.
    if encoding not in ("latin1", "latin-1") or type(text) is not str:
        raise _refuse(f"_codecs.encode of {type(text).__name__} with encoding {encoding!r}")
    return text.encode("latin1")


def _bytes(*args: Any) -> bytes:
    # Protocols 0-2 store b"" as bytes(); bytes(n) would allocate n bytes the file does not hold.
    if args:
        raise _refuse(f"bytes of {type(args[0]).__name__}")
    return b""


def _bytearray(content: bytes = b"") -> bytearray:
    # Protocols 0-4 store a bytearray as bytearray(its bytes), or bytearray(); never bytearray(n).
    if type(content) is not bytes:
        raise _refuse(f"bytearray of {type(content).__name__}")
    return bytearray(content)


class _NumpyNdarray:
    """``numpy.ndarray`` as a pickle names it: the first argument of ``_reconstruct``, never
    called (its constructor makes arrays of any size or dtype, with no data from the file)."""

    def __call__(self, *args: Any, **kwargs: Any) -> None:
        raise _refuse("to call numpy.ndarray")

    def __repr__(self) -> str:
        return "<numpy.ndarray as named in a pickle>"


def _plain_dtype(dtype: Any) -> np.dtype:
    """``dtype`` if it is a plain dtype whose state is exactly numpy's own for its name.

    A dtype's pickled state is applied as given: flags saying "no objects" on an object
    field, or a string item size other than its type's, make numpy read raw bytes as
    pointers or read past an array's memory. Object dtypes are refused too: their items
    would be whatever the file holds.
    """
    if not isinstance(dtype, np.dtype):
        raise _refuse(f"an array or scalar of dtype {type(dtype).__name__}")
    if dtype.hasobject or dtype.kind == "O":
        raise _refuse("an object dtype (its items would be whatever the file holds)")
    # numpy 1.24 unpickles a datetime64 dtype with empty metadata, {} rather than None: harmless.
    if dtype.names is not None or dtype.subdtype is not None or dtype.metadata:
        raise _refuse(f"the dtype {dtype} (fields, sub-arrays or metadata)")
    if dtype.__reduce__() != np.dtype(dtype.str).__reduce__():
        raise _refuse(f"a dtype whose state is not numpy's own for {dtype.str!r}: {dtype.__reduce__()[2]}")
    return dtype


# Tuples are the one container Python hashes recursively, and without a depth check, so a
# deep one crashes the interpreter, and one made of a shared one ((t, t), then ((t, t), (t, t))...)
# takes time doubling with each level. Bound both: as deep as Python's default recursion
# limit, and no more items unfolded than bytes read so far (what a tuple without sharing has).
_MAX_TUPLE_DEPTH = 1000
_CHUNK = 1 << 24


class _Chunked:
    """The file as the unpickler reads it, counting the bytes read: a long read in chunks, so
    that a length written in the file allocates no more than the bytes that actually follow."""

    def __init__(self, handle: BinaryIO) -> None:
        self._handle = handle
        self.count = 0  # not handle.tell(): a pipe has no position

    def read(self, size: int) -> bytes:
        if size <= _CHUNK:
            content = self._handle.read(size)
        else:
            chunks = []
            while size > 0 and (chunk := self._handle.read(min(size, _CHUNK))):
                chunks.append(chunk)
                size -= len(chunk)
            content = b"".join(chunks)
        self.count += len(content)
        return content

    def readline(self) -> bytes:
        line = self._handle.readline()
        self.count += len(line)
        return line


class _ArraysOnly(pickle._Unpickler):
    """The standard library's pure-Python unpickler (as joblib's ``NumpyUnpickler``), so that
    each opcode that lets the file call, build or allocate is checked before it acts."""

    dispatch = dict(pickle._Unpickler.dispatch)

    def __init__(self, handle: BinaryIO) -> None:
        self._source = _Chunked(handle)
        super().__init__(self._source)
        self._unbuilt: dict[int, Any] = {}  # id -> new array or dtype, until its one BUILD
        self._in_use_dtypes: dict[int, np.dtype] = {}  # id -> dtype checked, held so its id stays its own
        self._tuples: dict[int, tuple[int, int]] = {}  # id -> (items unfolded, depth)
        ndarray = _NumpyNdarray()
        self._ndarray = ndarray
        self._admitted = {
            ("numpy", "ndarray"): ndarray,
            ("numpy", "dtype"): self._dtype,
            **{
                (f"{package}.multiarray", name): method
                for package in ("numpy.core", "numpy._core")
                for name, method in (("_reconstruct", self._reconstruct), ("scalar", self._scalar))
            },
            **{(f"{package}.numeric", "_frombuffer"): self._frombuffer for package in ("numpy.core", "numpy._core")},
            **{
                (module, name): getattr(builtins, name)
                for module in ("builtins", "__builtin__")
                for name in ("set", "frozenset", "complex")
            },
            **{(module, "bytes"): _bytes for module in ("builtins", "__builtin__")},
            **{(module, "bytearray"): _bytearray for module in ("builtins", "__builtin__")},
            ("_codecs", "encode"): _latin1,
        }

    def find_class(self, module: str, name: str) -> Any:
        try:
            return self._admitted[module, name]
        except KeyError:
            raise _refuse(f"to load {module}.{name}") from None

    # --- the numpy callables a pickle of arrays names, each with the arguments numpy writes

    def _dtype(self, spec: Any, align: bool = False, copy: bool = False) -> np.dtype:
        dtype = _plain_dtype(np.dtype(spec, align=bool(align), copy=True))  # a copy: never numpy's shared ones
        self._unbuilt[id(dtype)] = dtype
        return dtype

    def _reconstruct(self, subtype: Any, shape: Any, typecode: Any) -> np.ndarray:
        if subtype is not self._ndarray or shape != (0,) or typecode not in (b"b", "b"):
            raise _refuse(f"_reconstruct({subtype!r}, {shape!r}, {typecode!r}): numpy writes (ndarray, (0,), b'b')")
        array = np.empty(0, dtype=np.int8)
        self._unbuilt[id(array)] = array
        return array

    def _scalar(self, dtype: Any, content: Any = None) -> np.generic:
        if type(content) is not bytes:
            raise _refuse(f"a numpy scalar made of {type(content).__name__}")
        return multiarray.scalar(self._in_use(dtype), content)

    def _frombuffer(self, buffer: Any, dtype: Any, shape: Any, order: Any) -> np.ndarray:
        if type(buffer) not in (bytes, bytearray):
            raise _refuse(f"an array over the memory of {type(buffer).__name__}")
        return numeric._frombuffer(buffer, self._in_use(dtype), shape, order)

    def _in_use(self, dtype: Any) -> np.dtype:
        # Once an array or scalar uses a dtype, its state may no longer change: checked once.
        if id(dtype) not in self._in_use_dtypes:
            self._unbuilt.pop(id(dtype), None)
            self._in_use_dtypes[id(dtype)] = _plain_dtype(dtype)
        return dtype

    # --- opcodes that set state, allocate, or build tuples

    def _build(self) -> None:
        state = self.stack.pop()
        target = self.stack[-1]
        # Only once, on a new array or dtype: a second state would free or resize the memory
        # that arrays made meanwhile still point into.
        if self._unbuilt.pop(id(target), None) is not target:
            raise _refuse(
                f"to set the state of {type(target).__name__} (only a new numpy array or dtype has one, once)"
            )
        if not isinstance(state, tuple):
            raise _refuse(f"a numpy state of {type(state).__name__}")
        if isinstance(target, np.ndarray):
            # (version,) shape, dtype, is_fortran, data: a plain dtype's data is bytes, never objects
            if len(state) not in (4, 5) or type(state[-1]) is not bytes:
                raise _refuse("an array state other than numpy's (shape, dtype, order, bytes)")
            self._in_use(state[-3])
            target.__setstate__(state)
        else:
            if len(state) < 5 or state[2:5] != (None, None, None):  # sub-array, names, fields
                raise _refuse("a dtype state with fields or sub-arrays")
            target.__setstate__(state)
            _plain_dtype(target)

    def _bytearray8(self) -> None:
        (size,) = struct.unpack("<Q", self.read(8))
        content = self.read(size)  # the standard library's allocates bytearray(size) first
        if len(content) != size:
            raise pickle.UnpicklingError(f"BYTEARRAY8 of {size} bytes, {len(content)} in the file")
        self.append(bytearray(content))

    def _tuple(self, items: list) -> tuple:
        unfolded, depth = len(items), 1
        for item in items:
            if type(item) is tuple and item:
                inner, inner_depth = self._tuples[id(item)]
                unfolded, depth = unfolded + inner, max(depth, inner_depth + 1)
        if depth > _MAX_TUPLE_DEPTH or unfolded > self._source.count:
            harm = "overflow the C stack" if depth > _MAX_TUPLE_DEPTH else "take more steps than the file has bytes"
            raise _refuse(f"tuples nested {depth} deep, of {unfolded} items unfolded: hashing them would {harm}")
        result = tuple(items)
        self._tuples[id(result)] = unfolded, depth  # every tuple made here, so an id reused is overwritten
        return result

    def _load_tuple(self) -> None:
        items = self.pop_mark()  # first: it rebinds self.append to the outer stack's
        self.append(self._tuple(items))

    def _load_tuple_n(self, count: int) -> None:
        items = [self.stack.pop() for _ in range(count)]  # an IndexError if the stack is short
        self.append(self._tuple(items[::-1]))

    dispatch[pickle.BUILD[0]] = _build
    dispatch[pickle.BYTEARRAY8[0]] = _bytearray8
    dispatch[pickle.TUPLE[0]] = _load_tuple
    dispatch[pickle.TUPLE1[0]] = lambda self: self._load_tuple_n(1)
    dispatch[pickle.TUPLE2[0]] = lambda self: self._load_tuple_n(2)
    dispatch[pickle.TUPLE3[0]] = lambda self: self._load_tuple_n(3)


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
