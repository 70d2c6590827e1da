"""Reading a pickle of numpy arrays and plain containers, running nothing from the file.

The standard library's documented way ("Restricting Globals"): a ``pickle.Unpickler`` whose
``find_class`` admits an allowlist of names, each mapped to a checking stand-in. Two more
steps cover what that hook cannot see:

1. Before loading, :func:`~.pickle_scan.scan` checks the opcodes (lengths, memo indices,
   names, which objects get a state, tuples' depth and hashing cost), running nothing.
2. numpy's arrays and dtypes are made as stand-ins whose ``__setstate__`` checks the state
   the file gives them; :func:`_finished` then swaps the numpy objects in, without recursion.
"""

from __future__ import annotations

import io
import math
import os
import pickle
from typing import Any

import numpy as np

from ..errors import excerpt
from ..resources import InsufficientResources
from .pickle_scan import PickleRefused, scan
from .pickle_scan import refusal as _refuse

# --- the stand-ins that find_class gives -------------------------------------------------
# Instances with no attributes of their own: the file can neither call them with other
# arguments than checked nor set their state (BUILD finds no __dict__ and no __setstate__).


class _Checked:
    __slots__ = ("_function",)

    def __init__(self, function: Any) -> None:
        self._function = function

    def __call__(self, *args: Any) -> Any:
        return self._function(*args)

    def __repr__(self) -> str:
        return f"<{self._function.__name__.strip('_')} as from_pickle admits it>"


def _plain_dtype(dtype: Any) -> np.dtype:
    """``dtype`` if it is a plain dtype whose state is exactly numpy's own for its name.

    A dtype's pickled state is applied as given: flags saying "no objects" on an object
    field, or a string item size other than its type's, make numpy read raw bytes as
    pointers or read past an array's memory. Object dtypes are refused too: their items
    would be whatever the file holds.
    """
    if not isinstance(dtype, np.dtype):
        raise _refuse(f"an array or scalar of dtype {excerpt(dtype)}")
    if dtype.hasobject or dtype.kind == "O":
        raise _refuse("an object dtype (its items would be whatever the file holds)")
    # numpy 1.24 unpickles a datetime64 dtype with empty metadata, {} rather than None: harmless.
    if dtype.names is not None or dtype.subdtype is not None or dtype.metadata:
        raise _refuse(f"the dtype {excerpt(str(dtype), 60)[1:-1]} (fields, sub-arrays or metadata)")
    if dtype.__reduce__() != np.dtype(dtype.str).__reduce__():
        raise _refuse(f"a dtype whose state is not numpy's own for {dtype.str!r}")
    return dtype


class _NewDtype:
    """A dtype as the file makes it: a private copy, its state set at most once, and only
    before anything uses it (a second state would change arrays already made with it)."""

    __slots__ = ("dtype", "settled")

    def __init__(self, spec: Any, align: Any = False, copy: Any = False) -> None:
        if not isinstance(spec, str):
            raise _refuse(f"numpy.dtype of {excerpt(spec)}")
        self.dtype = _plain_dtype(np.dtype(spec, align=bool(align), copy=True))  # never numpy's shared ones
        self.settled = False

    def __setstate__(self, state: Any) -> None:
        if self.settled:
            raise _refuse("to set the state of a dtype twice, or after an array or scalar used it")
        self.settled = True
        if not isinstance(state, tuple) or len(state) < 5 or state[2:5] != (None, None, None):
            raise _refuse("a dtype state with fields or sub-arrays")  # sub-array, names, fields
        self.dtype.__setstate__(state)
        _plain_dtype(self.dtype)

    def used(self) -> np.dtype:
        self.settled = True
        return self.dtype

    finished = used


def _dtype_of(value: Any) -> np.dtype:
    if type(value) is not _NewDtype:
        raise _refuse(f"an array or scalar of dtype {excerpt(value)}")
    return value.used()


class _NewArray:
    """An array as ``_reconstruct`` makes it: empty, then given its state once."""

    __slots__ = ("array",)
    __hash__ = None  # as an array's: unhashable

    def __init__(self) -> None:
        self.array: np.ndarray | None = None

    def __setstate__(self, state: Any) -> None:
        if self.array is not None:  # a second state would free memory that views still use
            raise _refuse("to set the state of an array twice")
        # (version,) shape, dtype, is_fortran, data: a plain dtype's data is bytes, never objects
        if not isinstance(state, tuple) or len(state) not in (4, 5) or type(state[-1]) is not bytes:
            raise _refuse("an array state other than numpy's (shape, dtype, order, bytes)")
        shape, dtype, data = state[-4], _dtype_of(state[-3]), state[-1]
        sizes = shape if type(shape) is tuple else (-1,)
        if not all(type(n) is int and n >= 0 for n in sizes) or math.prod(sizes) * dtype.itemsize != len(data):
            raise pickle.UnpicklingError(f"an array whose shape does not fit its {len(data):,} bytes of {dtype}")
        array = np.empty(0, dtype=np.int8)
        array.__setstate__((*state[:-3], dtype, *state[-2:]))
        self.array = array

    def finished(self) -> np.ndarray:
        return self.array if self.array is not None else np.empty(0, dtype=np.int8)


class _NdarrayName:
    """``numpy.ndarray`` as a pickle names it: the first argument of ``_reconstruct``, never
    called (its constructor makes arrays of any size or dtype, with no data from the file)."""

    __slots__ = ()

    def __call__(self, *args: Any) -> None:
        raise _refuse("to call numpy.ndarray")

    def __repr__(self) -> str:
        return "<numpy.ndarray as named in a pickle>"


_NDARRAY = _NdarrayName()


def _reconstruct(subtype: Any, shape: Any, typecode: Any) -> _NewArray:
    if subtype is not _NDARRAY or shape != (0,) or typecode not in (b"b", "b"):
        shown = ", ".join(
            excerpt(value) if value is not _NDARRAY else "ndarray" for value in (subtype, shape, typecode)
        )
        raise _refuse(f"_reconstruct({shown}): numpy writes (ndarray, (0,), b'b')")
    return _NewArray()


def _scalar(dtype: Any, content: Any = None) -> np.generic:
    if type(content) is not bytes:
        raise _refuse(f"a numpy scalar made of {excerpt(content)}")
    return np.frombuffer(content, _dtype_of(dtype), count=1)[0]


def _frombuffer(buffer: Any, dtype: Any, shape: Any, order: Any) -> np.ndarray:
    if type(buffer) not in (bytes, bytearray) or order not in ("C", "F"):
        raise _refuse(f"an array over the memory of {excerpt(buffer)}, in order {excerpt(order)}")
    return np.frombuffer(buffer, _dtype_of(dtype)).reshape(shape, order=order)


def _latin1(text: Any, encoding: Any) -> bytes:
    # Protocols 0-2 store bytes as _codecs.encode(text, "latin1"); admit that use only.
    if encoding not in ("latin1", "latin-1") or type(text) is not str:
        raise _refuse(f"_codecs.encode of {type(text).__name__} with encoding {excerpt(encoding)}")
    return text.encode("latin1")


def _bytes(*args: Any) -> bytes:
    # Protocols 0-2 store b"" as bytes(); bytes(n) would allocate n bytes the file does not hold.
    if args:
        raise _refuse(f"bytes of {type(args[0]).__name__}")
    return b""


def _bytearray(content: Any = b"") -> bytearray:
    # Protocols 0-4 store a bytearray as bytearray(its bytes), or bytearray(); never bytearray(n).
    if type(content) is not bytes:
        raise _refuse(f"bytearray of {type(content).__name__}")
    return bytearray(content)


_ADMITTED = {
    ("numpy", "ndarray"): _NDARRAY,
    ("numpy", "dtype"): _Checked(_NewDtype),
    **{
        (f"{package}.multiarray", name): _Checked(function)
        for package in ("numpy.core", "numpy._core")
        for name, function in (("_reconstruct", _reconstruct), ("scalar", _scalar))
    },
    **{(f"{package}.numeric", "_frombuffer"): _Checked(_frombuffer) for package in ("numpy.core", "numpy._core")},
    **{
        (module, name): _Checked(function)
        for module in ("builtins", "__builtin__")
        for name, function in (
            ("set", set),
            ("frozenset", frozenset),
            ("complex", complex),
            ("bytes", _bytes),
            ("bytearray", _bytearray),
        )
    },
    ("_codecs", "encode"): _Checked(_latin1),
}


def _admitted(module: str, name: str) -> Any:
    try:
        return _ADMITTED[module, name]
    except (KeyError, TypeError):
        shown = f"{module}.{name}"
        raise _refuse(
            f"to load {shown if len(shown) <= 100 and shown.isprintable() else excerpt(shown, 100)}"
        ) from None


class _ArraysOnly(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        return _admitted(module, name)


# --- the numpy objects swapped in --------------------------------------------------------


_CONTAINERS = (list, dict, set, tuple, frozenset)
_STAND_INS = (_NewDtype, _NewArray)


def _items(value: Any) -> list:
    return [*value.keys(), *value.values()] if type(value) is dict else list(value)


def _finished(root: Any) -> Any:
    """``root`` with each stand-in replaced by its numpy object: in place in lists, dicts and
    sets, by a copy for tuples and frozensets; shared values stay shared. Iterative, so that
    a structure nested a million deep takes no recursion."""
    done: dict[int, Any] = {}  # id -> finished value
    keep = []  # the containers met, kept alive so that no id is reused while this runs
    active: set[int] = set()  # tuples and frozensets whose items are being finished
    cyclic: set[int] = set()  # those met inside themselves, through a list or a dict
    work = [(root, False)]
    while work:
        value, expanded = work.pop()
        key = id(value)
        if expanded:
            _finish(value, done, key in cyclic)
            active.discard(key)
        elif key in active:  # everything above it on ``work`` is inside it
            cyclic.add(key)
        elif key not in done:
            if type(value) not in _CONTAINERS:  # a stand-in (else a leaf: only the root is pushed as one)
                done[key] = value.finished() if type(value) in _STAND_INS else value
                continue
            keep.append(value)
            if type(value) in (list, dict, set):
                done[key] = value  # finished in place: itself, even before its items, which ends cycles
            else:
                active.add(key)
            work.append((value, True))
            work.extend((item, False) for item in _items(value) if type(item) in _CONTAINERS + _STAND_INS)
    return done.get(id(root), root)


def _finish(value: Any, done: dict[int, Any], cyclic: bool) -> None:
    items = _items(value)
    new = [done.get(id(item), item) for item in items]
    if all(a is b for a, b in zip(new, items)):
        done.setdefault(id(value), value)
    elif type(value) is dict:
        half = len(new) // 2
        value.clear()
        value.update(zip(new[:half], new[half:]))
    elif type(value) in (list, set):
        value.clear()
        (value.extend if type(value) is list else value.update)(new)
    elif cyclic:  # its copy would not be inside itself: refused rather than changed
        raise _refuse(f"a {type(value).__name__} holding numpy values and itself")
    else:
        done[id(value)] = type(value)(new)


def loads(data: bytes, source: str | os.PathLike) -> Any:
    """The value pickled in ``data``, read from ``source``: numpy arrays and plain containers
    only, nothing run (see :func:`~mnist1d_core.compat.utils.from_pickle`).

    Raises :class:`PickleRefused` for anything else, ``pickle.UnpicklingError`` if ``data``
    is not such a pickle, ``InsufficientResources`` if loading it could take more memory than
    is available: one line starting with ``source``.
    """
    try:
        scan(data, _admitted)
        return _finished(_ArraysOnly(io.BytesIO(data)).load())
    except (PickleRefused, InsufficientResources) as error:
        raise type(error)(f"{source}: {error}") from None
    except MemoryError:
        raise
    except Exception as error:  # whatever the bytes make the decoder raise, the file is damaged
        problem = excerpt(f"{type(error).__name__}: {error}", 200)[1:-1]
        raise pickle.UnpicklingError(f"{source}: damaged or not a pickle ({problem})") from None
