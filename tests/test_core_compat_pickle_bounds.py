"""from_pickle and verify_frozen_pickle within bounds of time and memory, whatever the file:
what the crafted pickles of test_core_compat_pickle_crafted do not cover, and that the reader
stands on the standard library's public mechanism only."""

import ast
import pickle
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from mnist1d_core.compat import FrozenPickleError, PickleRefused, from_pickle, verify_frozen_pickle

ROOT = Path(__file__).resolve().parents[1]


def program(*ops, protocol=4):
    return pickle.PROTO + bytes([protocol]) + b"".join(ops) + pickle.STOP


def flat_tuple(count):
    """A tuple of ``count`` small ints: ``2 * count + 2`` bytes, ``count`` items to hash."""
    return pickle.MARK + (pickle.BININT1 + b"\x07") * count + pickle.TUPLE


# Runs verify_frozen_pickle or from_pickle in a child with 2 GB of memory and 30 s: a
# regression fails a test instead of the machine. Prints the outcome as one line.
CHILD = r"""
import resource, signal, sys
resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
signal.alarm(30)  # no handler: a hang in C code ends the process
from mnist1d_core.compat import from_pickle, verify_frozen_pickle
try:
    (verify_frozen_pickle if sys.argv[1] == "verify" else from_pickle)(sys.argv[2])
except Exception as error:
    print(type(error).__name__, error, sep=": ")
"""


def in_child(how, path):
    child = subprocess.run([sys.executable, "-c", CHILD, how, str(path)], capture_output=True, text=True, timeout=120)
    assert child.returncode == 0, (child.returncode, child.stderr[-500:])
    return child.stdout


def test_nested_frozensets_are_named_by_type_not_rendered(tmp_path):
    nested = frozenset()
    for _ in range(40):  # str() of it doubles with each level: 2**40 characters
        nested = frozenset({nested, frozenset({nested})})
    path = tmp_path / "mnist1d_data.pkl"
    path.write_bytes(pickle.dumps({nested: 0, "x": 1}, protocol=4))
    assert path.stat().st_size < 1000
    assert in_child("verify", path) == (
        f"FrozenPickleError: {path}: not the authors' layout (a dict with 'x' and 'y'), got ['x', <frozenset>]; "
        "not a copy of the authors' mnist1d_data.pkl\n"
    )


def test_a_5000_digit_integer_is_named_with_the_file_and_exit_status_1(tmp_path, capsys):
    from mnist1d_cli import main

    path = tmp_path / "mnist1d_data.pkl"
    path.write_bytes(pickle.dumps({10**5000: 0}, protocol=3))
    with pytest.raises(FrozenPickleError, match=r"got \[<int>\]; not a copy"):
        verify_frozen_pickle(path)
    assert main(["verify", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"mnist1d: error: {path}: not the authors' layout") and err.count("\n") == 1
    text = tmp_path / "text.pkl"  # protocol 0 writes it as decimal text, which int() limits
    text.write_bytes(b"L" + b"9" * 5000 + b"L\n.")
    with pytest.raises(pickle.UnpicklingError, match=rf"^{text}: damaged or not a pickle \(ValueError: "):
        from_pickle(text)


def test_one_large_tuple_hashed_again_and_again_is_refused_before_it_hangs(tmp_path):
    # A tuple of 500,000 items as the key of 1,000,000 SETITEMs: 5e11 steps, in C.
    key = flat_tuple(500_000) + pickle.BINPUT + b"\x00"
    pairs = (pickle.BINGET + b"\x00" + pickle.NONE) * 1_000_000
    path = tmp_path / "keys.pkl"
    path.write_bytes(program(pickle.EMPTY_DICT, key, pickle.POP, pickle.MARK, pairs, pickle.SETITEMS))
    assert in_child("load", path).startswith(f"PickleRefused: {path}: refused tuples and large integers hashed in ")


def test_one_large_integer_hashed_again_and_again_is_refused_before_it_hangs(tmp_path):
    # A 2-million-digit integer (an int's hash is not cached) as the key of 1,000,000 SETITEMs.
    key = pickle.LONG4 + struct.pack("<i", 1 << 20) + b"\x01" * (1 << 20) + pickle.BINPUT + b"\x00"
    pairs = (pickle.BINGET + b"\x00" + pickle.NONE) * 1_000_000
    path = tmp_path / "keys.pkl"
    path.write_bytes(program(pickle.EMPTY_DICT, key, pickle.POP, pickle.MARK, pairs, pickle.SETITEMS))
    assert in_child("load", path).startswith(f"PickleRefused: {path}: refused tuples and large integers hashed in ")
    small = {n: (10**30 + n, (2**70 + n,)) for n in range(1000)}  # large integers in a plain pickle still load
    path.write_bytes(pickle.dumps({**small, 10**40: 1}, protocol=4))
    assert from_pickle(path) == {**small, 10**40: 1}


@pytest.mark.parametrize("container", ["dict", "set"])
def test_integer_keys_made_to_collide_are_refused_before_insertion_takes_quadratic_time(tmp_path, container):
    modulus = (1 << 61) - 1  # hash(n) is n modulo it: every multiple hashes to 0
    keys = [pickle.dumps(n * modulus, protocol=4)[2:-1] for n in range(1, 200_001)]  # LONG1 opcodes
    items = b"".join(key + pickle.NONE for key in keys) if container == "dict" else b"".join(keys)
    opening, closing = (
        (pickle.EMPTY_DICT, pickle.SETITEMS) if container == "dict" else (pickle.EMPTY_SET, pickle.ADDITEMS)
    )
    path = tmp_path / "collide.pkl"
    path.write_bytes(program(opening, pickle.MARK, items, closing))
    assert in_child("load", path).startswith(
        f"PickleRefused: {path}: refused 65 integer keys of the same hash: inserting them takes quadratic time"
    )  # plain pickle takes about 5 minutes here, and 100 times as long for 10 times as many
    plain = {2**61 - 1: "a", 2**61: "b", -1: "c", -2: "d", **{2**64 + n: n for n in range(1000)}}
    path.write_bytes(pickle.dumps(plain, protocol=4))
    assert from_pickle(path) == plain


def test_a_set_of_one_tuple_many_times_is_refused_through_every_route(tmp_path):
    big = flat_tuple(5000) + pickle.BINPUT + b"\x00"
    copies = pickle.MARK + (pickle.BINGET + b"\x00") * 1000
    routes = {
        "EMPTY_SET, ADDITEMS": program(big, pickle.POP, pickle.EMPTY_SET, copies, pickle.ADDITEMS),
        "FROZENSET": program(big, pickle.POP, copies, pickle.FROZENSET),
        "set(list), protocol 2": program(
            big,
            pickle.POP,
            pickle.GLOBAL + b"builtins\nset\n",
            pickle.EMPTY_LIST,
            copies,
            pickle.APPENDS,
            pickle.TUPLE1,
            pickle.REDUCE,
            protocol=2,
        ),
        "frozenset(tuple)": program(
            big,
            pickle.POP,
            pickle.GLOBAL + b"builtins\nfrozenset\n",
            copies,
            pickle.TUPLE,
            pickle.TUPLE1,
            pickle.REDUCE,
        ),
    }
    for route, content in routes.items():
        path = tmp_path / "set.pkl"
        path.write_bytes(content)
        with pytest.raises(PickleRefused, match=r"refused tuples (and large integers hashed in|nested)"):
            from_pickle(path)
        assert len(pickle.loads(content)) == 1, route  # what plain pickle makes of it: the route is real


def test_a_memo_index_far_ahead_is_damage_not_an_allocation(tmp_path):
    path = tmp_path / "memo.pkl"
    path.write_bytes(program(pickle.NONE, pickle.LONG_BINPUT + struct.pack("<I", 0xFFFFFFF0)))
    with pytest.raises(pickle.UnpicklingError, match=r"memo index 4294967280 leaps past the 0 values stored"):
        from_pickle(path)
    # the C unpickler first makes room for every index below it: 64 GiB
    child = subprocess.run(
        [
            sys.executable,
            "-c",
            "import pickle, resource, sys; resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30)); "
            "pickle.loads(open(sys.argv[1], 'rb').read())",
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "MemoryError" in child.stderr


@pytest.mark.parametrize("shape", [(1 << 62, 4), (1 << 40,), (2, 2)])
def test_an_array_whose_shape_does_not_fit_its_data_is_damage(tmp_path, shape):
    from test_core_compat_pickle_crafted import array, dtype
    from test_core_compat_pickle_crafted import program as crafted

    path = tmp_path / "shape.pkl"
    path.write_bytes(crafted(array(dtype("f8"), shape, bytes(8))))
    with pytest.raises(
        pickle.UnpicklingError, match=r"damaged or not a pickle \(UnpicklingError: an array whose shape"
    ):
        from_pickle(path)  # (1 << 62) * 4 items: numpy itself would raise MemoryError
    path.write_bytes(crafted(array(dtype("f8"), (1,), bytes(8))))
    assert from_pickle(path).shape == (1,)


def test_a_pickle_that_could_take_more_memory_than_is_available_is_refused_before_loading(tmp_path, monkeypatch):
    from mnist1d_core import InsufficientResources

    monkeypatch.setattr("mnist1d_core.compat.pickle_scan.available_memory", lambda: 8_000_000)
    small_values = tmp_path / "floats.pkl"  # 0.9 MB holding 100,000 floats: 3.3 MB in Python, 14.6 MB at most,
    # which the scan finds out after 65,536 of them
    small_values.write_bytes(pickle.dumps([float(n) for n in range(100_000)], protocol=4))
    with pytest.raises(
        InsufficientResources,
        match=rf"^{small_values}: loading it needs up to 10\.2 MB of memory \(65,536 values or more\), but 8\.0 MB",
    ):
        from_pickle(small_values)
    array = tmp_path / "array.pkl"  # 1.6 MB of float64 in a few opcodes: 3.2 MB at most
    array.write_bytes(pickle.dumps(np.zeros(200_000), protocol=4))
    assert from_pickle(array).shape == (200_000,)


def test_deep_and_cyclic_structures_with_arrays_come_back_without_recursion(tmp_path):
    depth = 200_000
    path = tmp_path / "deep.pkl"
    array = pickle.dumps(np.arange(3.0), protocol=4)[2:-1]  # the array's opcodes, without PROTO and STOP
    path.write_bytes(program(pickle.MARK * depth, array, pickle.LIST * depth))
    loaded = from_pickle(path)
    for _ in range(depth):
        (loaded,) = loaded
    assert type(loaded) is np.ndarray and list(loaded) == [0.0, 1.0, 2.0]

    ring = [np.ones(2), {"dtype": np.dtype(">i2")}]
    ring.append(ring)
    shared = (np.zeros(1), np.dtype("f4"))
    path.write_bytes(pickle.dumps({"ring": ring, "pair": [shared, shared], "keys": {np.dtype("u1"): 1}}, protocol=2))
    loaded = from_pickle(path)
    assert loaded["ring"][2] is loaded["ring"] and type(loaded["ring"][0]) is np.ndarray
    assert loaded["ring"][1]["dtype"] == np.dtype(">i2") and type(loaded["ring"][1]["dtype"]) is type(np.dtype(">i2"))
    first, second = loaded["pair"]
    assert first is second and type(first[0]) is np.ndarray and first[1] == np.dtype("f4")
    assert list(loaded["keys"]) == [np.dtype("u1")]


def test_a_tuple_holding_an_array_and_itself_is_refused_not_half_made(tmp_path):
    path = tmp_path / "loop.pkl"
    inner = [np.zeros(1)]
    loop = (inner,)
    inner.append(loop)  # the tuple holds no array itself: it stays as it is
    path.write_bytes(pickle.dumps(loop, protocol=4))
    loaded = from_pickle(path)
    assert loaded[0][1] is loaded and type(loaded[0][0]) is np.ndarray
    inner = []
    loop = (np.zeros(1), inner)
    inner.append(loop)  # a copy of the tuple with the array would not be inside itself
    path.write_bytes(pickle.dumps(loop, protocol=4))
    with pytest.raises(PickleRefused, match="refused a tuple holding numpy values and itself"):
        from_pickle(path)
    loaded = pickle.loads(path.read_bytes())
    assert loaded[1][0] is loaded  # what plain pickle makes


def test_the_reader_uses_only_the_public_pickle_and_numpy_api():
    """Issue 19: no pickle._Unpickler, no dispatch table, no numpy private module."""
    for module in ("unpickle", "pickle_scan", "utils", "frozen"):
        tree = ast.parse((ROOT / "mnist1d_core" / "compat" / f"{module}.py").read_text())
        imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
        imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.level == 0}
        attributes = {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
        assert not {name for name in imported if name.startswith(("numpy.", "pickle."))}, module
        assert not attributes & {"_Unpickler", "dispatch", "_core", "core", "_reconstruct", "_frombuffer"}, module
        bases = [ast.unparse(base) for node in ast.walk(tree) if isinstance(node, ast.ClassDef) for base in node.bases]
        assert all(base in ("pickle.Unpickler", "pickle.UnpicklingError") or "." not in base for base in bases), bases
