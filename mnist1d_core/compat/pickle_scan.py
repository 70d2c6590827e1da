"""The opcodes of a pickle checked before anything is loaded (``from_pickle``'s first step).

:func:`scan` walks them with ``pickletools.genops``, which runs nothing, over the file's bytes
in memory, and simulates the unpickler's stack and memo with what it needs to know of each
value: every length the file declares must be there (so that no allocation is larger than
the file), every name must be admitted, a memo index may not leap ahead, the state of nothing
but a new numpy array or dtype may be set, out-of-band buffers are refused, no tuple may be
nested too deep, and hashing the tuples and large integers the file uses as keys may not take
more steps than the file has bytes (Python hashes both anew each time).
"""

from __future__ import annotations

import io
import pickle
import pickletools
from collections.abc import Callable
from typing import Any

from ..resources import InsufficientResources, available_memory
from ..resources import size as describe_size

_REFUSED = (
    "from_pickle reads numpy arrays and plain containers only, and nothing in the file was run. "
    "If you trust this file, read it with pickle.load."
)
# Tuples are the one container Python hashes recursively, without a depth check: a deep one
# crashes the interpreter, one made of a shared one takes time doubling with each level.
_MAX_TUPLE_DEPTH = 1000
_BYTES_PER_OPCODE = 128
_MAX_COLLISIONS = 64  # distinct keys of one hash: a plain pickle has one, or two


class PickleRefused(pickle.UnpicklingError):
    """A pickle holds something other than numpy arrays and plain containers."""


def refusal(what: str) -> PickleRefused:
    """The error that refuses ``what``, saying that nothing in the file was run."""
    return PickleRefused(f"refused {what}: {_REFUSED}")


class _Seen:
    """What the scan knows of a value on the stack: its kind, the name of what made it; for
    a tuple, its items unfolded and its depth; for a list or a tuple's first item, the steps
    that hashing its items takes (``set(items)`` takes a list or a tuple)."""

    __slots__ = ("kind", "name", "unfolded", "depth", "first", "key_hash")

    def __init__(self, kind: str, name: str = "", unfolded: int = 0, depth: int = 0, first: _Seen | None = None):
        self.kind, self.name, self.unfolded, self.depth, self.first = kind, name, unfolded, depth, first
        self.key_hash: int | None = None  # a large integer's hash, found once

    def hashing(self) -> int:
        return self.unfolded if self.kind in ("tuple", "list", "int") else 0


_NEW_NUMPY = {"numpy.dtype", "numpy.core.multiarray._reconstruct", "numpy._core.multiarray._reconstruct"}
_SETS = {f"{module}.{name}" for module in ("builtins", "__builtin__") for name in ("set", "frozenset")}
_STRINGS = {"UNICODE", "SHORT_BINUNICODE", "BINUNICODE", "BINUNICODE8"}
_INTEGERS = {"INT", "LONG", "LONG1", "LONG4"}
# Opcodes that push a value made of their argument alone (a number, bytes, None, an empty
# dict, set or tuple): one shared record each, for nothing the scan knows of it changes.
_LEAVES = {
    op.name: _Seen("other", op.stack_after[0].name)
    for op in pickletools.opcodes
    if not op.stack_before
    and len(op.stack_after) == 1
    and op.stack_after[0].name not in ("list", "str", "any", "mark", "buffer")
}


class _Scan:
    def __init__(self, admit: Callable[[str, str], Any]) -> None:
        self.admit = admit
        self.stack: list[_Seen] = []
        self.marks: list[int] = []  # where each mark is, as the unpickler keeps them
        self.memo: dict[int, _Seen] = {}
        self.hashed = 0  # steps hashing the tuples met so far takes
        self.buckets: dict[int, set[_Seen]] = {}  # hash -> the large integers of the file hashed to it

    def pop(self) -> _Seen:
        return self.take(1)[0]

    def take(self, count: int) -> list[_Seen]:
        """The top ``count`` values, taken off the stack (above its last mark, as the unpickler)."""
        at = len(self.stack) - count
        if at < (self.marks[-1] if self.marks else 0):
            raise pickle.UnpicklingError("an opcode takes more values than the stack holds")
        items, self.stack[at:] = self.stack[at:], []
        return items

    def pop_mark(self) -> list[_Seen]:
        if not self.marks:
            raise pickle.UnpicklingError("an opcode needs a mark that is not there")
        at = self.marks.pop()
        items, self.stack[at:] = self.stack[at:], []
        return items

    def hash(self, items: list[_Seen], read: int) -> None:
        self.hashed += sum(item.hashing() for item in items)
        for item in items:
            if item.key_hash is not None:  # an int's hash is itself modulo 2**61 - 1: collisions are easy to make
                bucket = self.buckets.setdefault(item.key_hash, set())
                bucket.add(item)
                if len(bucket) > _MAX_COLLISIONS:
                    raise refusal(f"{len(bucket)} integer keys of the same hash: inserting them takes quadratic time")
        if self.hashed > read:
            raise refusal(
                f"tuples and large integers hashed in {self.hashed} steps, more than the file's {read} bytes so far"
            )

    def tuple(self, items: list[_Seen], read: int) -> _Seen:
        unfolded, depth = len(items), 1 if items else 0
        for item in items:
            if item.kind == "tuple":
                unfolded, depth = unfolded + item.unfolded, max(depth, item.depth + 1)
            elif item.kind == "int":
                unfolded += item.unfolded
        if depth > _MAX_TUPLE_DEPTH or unfolded > read:
            harm = "overflow the C stack" if depth > _MAX_TUPLE_DEPTH else "take more steps than the file has bytes"
            raise refusal(f"tuples nested {depth} deep, of {unfolded} items unfolded: hashing them would {harm}")
        return _Seen("tuple", unfolded=unfolded, depth=depth, first=items[0] if items else None)

    def step(self, op: pickletools.OpcodeInfo, arg: Any, read: int) -> None:  # noqa: C901  (one case per opcode)
        name, stack = op.name, self.stack
        leaf = _LEAVES.get(name)
        if name in _INTEGERS and arg.bit_length() > 60:  # hashed digit by digit, each time: counted
            stack.append(_Seen("int", unfolded=arg.bit_length() // 30))
            stack[-1].key_hash = hash(arg)
        elif leaf is not None:  # first: most opcodes of a large pickle are these
            stack.append(leaf)
        elif name in _STRINGS:
            stack.append(_Seen("str", arg))
        elif name in ("NEXT_BUFFER", "READONLY_BUFFER"):
            raise refusal("an out-of-band buffer (the file alone must hold the data)")
        elif name in ("PUT", "BINPUT", "LONG_BINPUT", "MEMOIZE"):
            index = len(self.memo) if name == "MEMOIZE" else arg
            if index > len(self.memo):  # the unpickler would allocate room for every index below
                raise pickle.UnpicklingError(f"memo index {index} leaps past the {len(self.memo)} values stored")
            self.memo[index] = self.pop()
            stack.append(self.memo[index])
        elif name in ("GET", "BINGET", "LONG_BINGET"):
            if arg not in self.memo:
                raise pickle.UnpicklingError(f"memo index {arg} was never stored")
            stack.append(self.memo[arg])
        elif name == "MARK":
            self.marks.append(len(stack))
        elif name == "POP":
            if self.marks and self.marks[-1] == len(stack):
                self.marks.pop()
            else:
                self.pop()
        elif name == "DUP":
            stack.append(self.pop())
            stack.append(stack[-1])
        elif name in ("TUPLE", "TUPLE1", "TUPLE2", "TUPLE3", "EMPTY_TUPLE"):
            count = {"TUPLE1": 1, "TUPLE2": 2, "TUPLE3": 3, "EMPTY_TUPLE": 0}.get(name)
            items = self.pop_mark() if count is None else self.take(count)
            stack.append(self.tuple(items, read))
        elif name in ("GLOBAL", "INST", "STACK_GLOBAL"):
            if name == "STACK_GLOBAL":
                attribute, module = self.pop().name, self.pop().name
            else:
                module, _, attribute = arg.partition(" ")
            self.admit(module, attribute)
            if name == "INST":
                self.pop_mark()
            stack.append(_Seen("global" if name != "INST" else "made", f"{module}.{attribute}"))
        elif name in ("REDUCE", "NEWOBJ", "NEWOBJ_EX", "OBJ"):
            if name == "OBJ":
                function, *items = self.pop_mark() or [_Seen("other")]
                arguments = [_Seen("tuple", first=items[0] if items else None)]
            else:
                function, *arguments = self.take(3 if name == "NEWOBJ_EX" else 2)
            if function.name in _SETS and arguments[0].first is not None:  # set(items): hashes the items
                self.hash([arguments[0].first], read)
            stack.append(_Seen("made", function.name if function.kind == "global" else "?"))
        elif name == "BUILD":
            self.pop()
            target = self.pop()
            if not (target.kind == "made" and target.name in _NEW_NUMPY):
                what = target.name.rpartition(".")[2] or target.kind
                raise refusal(f"to set the state of {what} (only a new numpy array or dtype has one)")
            stack.append(target)
        elif name in ("APPEND", "APPENDS"):
            items = [self.pop()] if name == "APPEND" else self.pop_mark()
            target = self.pop()
            if target.kind == "list":  # a set made of this list would hash its tuples
                target.unfolded += sum(item.hashing() for item in items)
            stack.append(target)
        else:  # the opcode's own description says what it takes and gives
            before = op.stack_before
            items = self.pop_mark() if pickletools.markobject in before else []
            below = before.index(pickletools.markobject) if pickletools.markobject in before else len(before)
            taken = self.take(below)
            if name in ("SETITEM", "SETITEMS", "DICT"):
                self.hash((taken[1:] + items)[::2] if name == "SETITEM" else items[::2], read)
            elif name in ("ADDITEMS", "FROZENSET"):
                self.hash(items, read)
            for result in op.stack_after:
                value = _Seen("list" if result.name == "list" else "other", result.name)
                value.unfolded = sum(item.hashing() for item in items)  # LIST
                stack.append(taken[0] if taken and name in ("SETITEM", "SETITEMS", "ADDITEMS") else value)


def scan(data: bytes, admit: Callable[[str, str], Any]) -> None:
    """Check the opcodes of the pickle ``data`` (see the module's docstring); ``admit(module,
    name)`` raises for a name not admitted. Raises :class:`PickleRefused`,
    ``InsufficientResources`` if loading it would need more memory than is available, or
    another exception for a damaged pickle (``genops``: a length past the end, an unknown
    opcode)."""
    scan, available, count = _Scan(admit), available_memory(), 0
    for count, (op, arg, position) in enumerate(pickletools.genops(io.BytesIO(data)), 1):
        scan.step(op, arg, position + 1)
        if count % 65536 == 0:  # so that a huge file of small values stops early
            _check_memory(len(data), count, available)
    _check_memory(len(data), count, available)


def _check_memory(size: int, opcodes: int, available: int | None) -> None:
    # What loading takes, at most: twice the file (the bytes and strings it holds, and numpy's
    # copy of an array's bytes), plus, for each opcode, the one small value or container slot
    # it can make (a float, an empty dict, a dict entry with its share of the table: < 128 bytes).
    needed = 2 * size + _BYTES_PER_OPCODE * opcodes
    if available is not None and needed > available:
        raise InsufficientResources(
            f"loading it needs up to {describe_size(needed)} of memory ({opcodes:,} values or more), "
            f"but {describe_size(available)} is available"
        )
