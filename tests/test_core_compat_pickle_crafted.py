"""from_pickle against crafted pickles: every route a file has to run code, to corrupt memory,
or to take memory or time without bound is refused before it acts.

The pickles are written opcode by opcode. Those that crash or exhaust a process are loaded
in a child (memory capped there, so a regression fails a test instead of the machine), and
each is shown to do its harm when the standard ``pickle`` loads it.
"""

import copyreg
import json
import os
import pickle
import struct
import subprocess
import sys
import threading

import numpy as np
import pytest

from mnist1d_core.compat import PickleRefused, from_pickle
from mnist1d_core.files import BadFile

# --- pickles opcode by opcode (protocol 4) ----------------------------------------------


def text(value):
    encoded = value.encode()
    return pickle.SHORT_BINUNICODE + bytes([len(encoded)]) + encoded


def raw(value):
    return pickle.BINBYTES + struct.pack("<I", len(value)) + value


def integer(value):
    encoded = value.to_bytes(value.bit_length() // 8 + 1, "little", signed=True)
    return pickle.LONG1 + bytes([len(encoded)]) + encoded


def name(module, attribute):
    return pickle.GLOBAL + f"{module}\n{attribute}\n".encode()


def tuple_of(*items):
    return pickle.MARK + b"".join(items) + pickle.TUPLE


def call(function, *args):
    return function + tuple_of(*args) + pickle.REDUCE


def with_state(target, *state):
    return target + tuple_of(*state) + pickle.BUILD


def put(index):
    return pickle.BINPUT + bytes([index]) + pickle.POP


def get(index):
    return pickle.BINGET + bytes([index])


def program(*ops, protocol=4):
    return pickle.PROTO + bytes([protocol]) + b"".join(ops) + pickle.STOP


def dtype(spec):
    """What numpy writes for a dtype, before its state: numpy.dtype(spec, False, True)."""
    return call(name("numpy", "dtype"), text(spec), pickle.NEWFALSE, pickle.NEWTRUE)


def array(dtype_ops, shape, data):
    """What numpy writes for an array: _reconstruct(ndarray, (0,), b"b"), then its state."""
    new = call(
        name("numpy.core.multiarray", "_reconstruct"), name("numpy", "ndarray"), tuple_of(integer(0)), raw(b"b")
    )
    return with_state(new, integer(1), tuple_of(*map(integer, shape)), dtype_ops, pickle.NEWFALSE, raw(data))


N = 1 << 18  # float64s: 2 MiB, memory the allocator maps and unmaps on its own
TOO_MUCH = 1 << 36  # 64 GiB

CRAFTED = {
    # A dtype's state is applied as written: an object field with flags saying "no
    # objects" lets raw bytes from the file stand for a PyObject pointer.
    "object field, flags saying no objects": program(
        array(
            with_state(
                dtype("V8"),
                integer(3),
                text("|"),
                pickle.NONE,
                tuple_of(text("a")),
                pickle.EMPTY_DICT + text("a") + tuple_of(dtype("O8"), integer(0)) + pickle.SETITEM,
                integer(8),
                integer(1),
                integer(16),
            ),
            (1,),
            (0x4141414141414140).to_bytes(8, "little"),
        )
    ),
    # The dtype of an array already made gets a second state: items 4096 times larger,
    # so the array reads (and writes) past its 8 bytes.
    "dtype grown after an array uses it": program(
        dtype("U1"),
        put(0),
        array(get(0), (2,), "ab".encode("utf-32-le")),
        with_state(
            get(0),
            integer(3),
            text("<"),
            pickle.NONE,
            pickle.NONE,
            pickle.NONE,
            integer(4 * 4096),
            integer(4),
            integer(8),
        ),
        pickle.POP,
    ),
    # An array's state set twice: the first memory is freed while a view of it lives on.
    "array state set twice under a view": program(
        array(dtype("f8"), (N,), np.ones(N).tobytes()),
        put(0),
        call(name("numpy.core.numeric", "_frombuffer"), get(0), dtype("f8"), tuple_of(integer(N)), text("C")),
        put(1),
        with_state(get(0), integer(1), tuple_of(integer(1)), dtype("f8"), pickle.NEWFALSE, raw(bytes(8))),
        pickle.POP,
        get(1),
    ),
    "array state set twice under a memoryview": program(
        array(dtype("f8"), (N,), np.ones(N).tobytes()),
        put(0),
        get(0),
        pickle.READONLY_BUFFER,
        put(1),
        with_state(get(0), integer(1), tuple_of(integer(1)), dtype("f8"), pickle.NEWFALSE, raw(bytes(8))),
        pickle.POP,
        get(1),
        protocol=5,
    ),
    # Python hashes a tuple recursively, with no depth check: the C stack overflows.
    "deep tuple in a set": program(
        pickle.EMPTY_SET, pickle.MARK, pickle.NONE, pickle.TUPLE1 * 1_000_000, pickle.ADDITEMS
    ),
    # t = (t', t'), 100 times: 300 opcodes, 2**100 steps to hash.
    "shared tuple as a dict key": program(
        pickle.EMPTY_DICT,
        pickle.NONE,
        put(0),
        *(get(k) + get(k) + pickle.TUPLE2 + put(k + 1) for k in range(100)),
        get(100),
        pickle.NONE,
        pickle.SETITEM,
    ),
    # Allocations the file does not hold.
    "bytes of an int": program(call(name("builtins", "bytes"), integer(TOO_MUCH))),
    "bytearray of an int": program(call(name("builtins", "bytearray"), integer(TOO_MUCH))),
    "bytes.__new__ of an int": program(name("builtins", "bytes"), tuple_of(integer(TOO_MUCH)), pickle.NEWOBJ),
    "numpy.ndarray called": program(call(name("numpy", "ndarray"), tuple_of(integer(TOO_MUCH)), text("O"))),
    "_reconstruct of a huge shape": program(
        call(
            name("numpy.core.multiarray", "_reconstruct"),
            name("numpy", "ndarray"),
            tuple_of(integer(TOO_MUCH)),
            raw(b"b"),
        )
    ),
    "BYTEARRAY8 longer than the file": program(pickle.BYTEARRAY8 + struct.pack("<Q", TOO_MUCH) + b"ab", protocol=5),
    "BINBYTES8 longer than the file": program(pickle.BINBYTES8 + struct.pack("<Q", TOO_MUCH) + b"ab"),
}
DAMAGED = {"bytes.__new__ of an int", "BYTEARRAY8 longer than the file", "BINBYTES8 longer than the file"}

# Loads each file and uses what it got as a caller would, one JSON line per file. Memory is
# capped and each file has 10 s: a regression fails its test, not the machine.
CHILD = r"""
import json, pickle, resource, signal, sys
import numpy as np
loader = sys.argv[1]
if loader == "from_pickle":
    from mnist1d_core.compat import PickleRefused, from_pickle as load
else:
    def load(path):
        with open(path, "rb") as handle:
            return pickle.load(handle)
resource.setrlimit(resource.RLIMIT_AS, (8 << 30, 8 << 30))
for path in sys.argv[2:]:
    signal.alarm(10)  # no handler: a hang in C code ends the process
    try:
        loaded = load(path)
    except pickle.UnpicklingError as error:
        outcome = {"refused" if type(error).__name__ == "PickleRefused" else "damaged": str(error)}
    except Exception as error:
        outcome = {"escaped": f"{type(error).__name__}: {error}"}
    else:
        arrays = [np.asarray(loaded)] if isinstance(loaded, (np.ndarray, memoryview)) else []
        outcome = {"loaded": repr(loaded)[:80], "nbytes": sum(a.nbytes for a in arrays),
                   "values": sorted({float(v) for a in arrays if a.dtype.kind == "f" for v in a.ravel()})[:3]}
    print(json.dumps(outcome), flush=True)
"""


#: glibc's malloc in the child: a fixed mmap threshold (glibc otherwise raises it after a large
#: free, and a freed 2 MiB array may then stay mapped, still holding the file's ones) and freed
#: memory overwritten, so that reading freed memory shows on every run, whatever came before.
_MALLOC = {
    "GLIBC_TUNABLES": "glibc.malloc.mmap_threshold=131072:glibc.malloc.perturb=165",
    "MALLOC_MMAP_THRESHOLD_": "131072",
    "MALLOC_PERTURB_": "165",
}


def run_child(loader, paths):
    """(outcome of each path in order, up to the one that ended the child; its return code)."""
    child = subprocess.run(
        [sys.executable, "-c", CHILD, loader, *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **_MALLOC},
    )
    return [json.loads(line) for line in child.stdout.splitlines()], child.returncode


@pytest.fixture(scope="module")
def crafted_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("crafted")
    paths = {}
    for index, (label, content) in enumerate(CRAFTED.items()):
        paths[label] = folder / f"crafted-{index}.pkl"
        paths[label].write_bytes(content)
    return paths


def test_every_crafted_pickle_is_refused_before_it_acts(crafted_files):
    outcomes, returncode = run_child("from_pickle", crafted_files.values())
    assert returncode == 0, f"the child ended with {returncode} after {len(outcomes)} of {len(CRAFTED)} files"
    for (label, path), outcome in zip(crafted_files.items(), outcomes):
        kind = "damaged" if label in DAMAGED else "refused"
        assert list(outcome) == [kind], (label, outcome)
        assert outcome[kind].startswith(f"{path}: "), (label, outcome)


@pytest.mark.parametrize(
    "label",
    [
        "object field, flags saying no objects",
        "array state set twice under a view",
        "array state set twice under a memoryview",
        "deep tuple in a set",
    ],
)
def test_the_memory_attacks_are_real_with_pickle_load(crafted_files, label):
    outcomes, returncode = run_child("pickle", [crafted_files[label]])
    # numpy 2.5 and later read the memoryview's buffer format from the freed memory: garbage,
    # which numpy refuses, or which ends the child before it can report (exit 1, no outcome).
    refused_by_numpy = label.endswith("under a memoryview") and (
        (returncode != 0 and not outcomes)
        or (returncode == 0 and "is not a valid PEP 3118 buffer format string" in outcomes[0].get("escaped", ""))
    )
    # Died (SIGSEGV reading a forged pointer or unmapped memory, or the C stack), or read
    # memory that no longer holds the file's ones.
    attacked = returncode < 0 or bool(outcomes and outcomes[0].get("loaded") and outcomes[0]["values"] != [1.0])
    assert attacked or refused_by_numpy, (returncode, outcomes)


def test_the_dtype_grown_after_use_reads_past_the_array_with_pickle_load(crafted_files):
    ((outcome,), returncode) = run_child("pickle", [crafted_files["dtype grown after an array uses it"]])
    assert returncode == 0 and outcome["nbytes"] == 2 * 4 * 4096  # 32 KiB read from the 8 bytes the file gave


def test_the_allocations_are_real_with_pickle_load(crafted_files):
    labels = [
        "bytes of an int",
        "bytearray of an int",
        "bytes.__new__ of an int",
        "numpy.ndarray called",
        "_reconstruct of a huge shape",
    ]
    outcomes, returncode = run_child("pickle", [crafted_files[label] for label in labels])
    assert returncode == 0 and [outcome.get("escaped", "")[:11] for outcome in outcomes] == ["MemoryError"] * 5


def test_the_shared_tuple_unfolds_to_two_to_the_hundred_with_pickle_load():
    levels = (get(k) + get(k) + pickle.TUPLE2 + put(k + 1) for k in range(100))
    tuples = pickle.loads(program(pickle.NONE, put(0), *levels, get(100)))
    for _ in range(100):
        assert tuples[0] is tuples[1]  # each level twice the one below: hashing visits 2**100 leaves
        tuples = tuples[0]
    assert tuples is None


# --- refused or named as damaged without a child: these cannot hurt the test process ------


REFUSED_IN_PROCESS = {
    "an object array, as numpy writes it": (
        pickle.dumps(np.array([1, "a", None], dtype=object), protocol=4),
        "refused an object dtype",
    ),
    "numpy.ndarray called": (
        program(call(name("numpy", "ndarray"), tuple_of(integer(3)), text("O"))),
        "refused to call numpy.ndarray",
    ),
    "a structured array": (
        pickle.dumps(np.zeros(2, dtype=[("a", "f8"), ("b", "i4")]), protocol=4),
        "refused a dtype state with fields",
    ),
    "a sub-array dtype": (
        pickle.dumps(np.dtype(("i4", (2,))), protocol=4),
        "refused a dtype state with fields or sub-arrays",
    ),
    "_codecs.encode of bytes": (
        program(call(name("_codecs", "encode"), raw(b"x"), text("latin1"))),
        "refused _codecs.encode of bytes",
    ),
    "a state for a set": (
        program(with_state(call(name("builtins", "set"), tuple_of()), pickle.EMPTY_DICT)),
        "refused to set the state of set",
    ),
}


@pytest.mark.parametrize("label", REFUSED_IN_PROCESS)
def test_object_arrays_fields_and_odd_arguments_are_refused(tmp_path, label):
    content, match = REFUSED_IN_PROCESS[label]
    path = tmp_path / "crafted.pkl"
    path.write_bytes(content)
    with pytest.raises(PickleRefused, match=match):
        from_pickle(path)


@pytest.mark.parametrize(
    "content",
    [
        program(call(name("builtins", "complex"), integer(10**400))),  # OverflowError
        program(pickle.TUPLE2),  # an empty stack
        program(text("id"), pickle.BINPERSID),  # no persistent ids here
    ],
    ids=["complex of a huge int", "tuple of an empty stack", "persistent id"],
)
def test_whatever_the_bytes_make_the_decoder_raise_is_named_damaged(tmp_path, content):
    path = tmp_path / "crafted.pkl"
    path.write_bytes(content)
    with pytest.raises(pickle.UnpicklingError, match=r"crafted\.pkl: damaged or not a pickle \(") as raised:
        from_pickle(path)
    assert not isinstance(raised.value, PickleRefused)


@pytest.fixture
def extension_code_for_mkdir():
    copyreg.add_extension("posix", "mkdir", 0xF0)  # as a library in the same process might register one
    yield 0xF0
    copyreg.remove_extension("posix", "mkdir", 0xF0)


def routes_to_mkdir(marker, extension_code):
    """Every opcode route from a pickle to a callable, each calling os.mkdir(marker)."""
    path = str(marker).encode()
    return {
        "GLOBAL and REDUCE": program(call(name("posix", "mkdir"), text(str(marker)))),
        "STACK_GLOBAL": program(
            text("posix") + text("mkdir") + pickle.STACK_GLOBAL + tuple_of(text(str(marker))) + pickle.REDUCE
        ),
        "INST (protocol 0)": pickle.MARK
        + pickle.STRING
        + b"'"
        + path
        + b"'\n"
        + pickle.INST
        + b"posix\nmkdir\n"
        + pickle.STOP,
        "OBJ (protocol 1)": pickle.MARK
        + name("posix", "mkdir")
        + pickle.STRING
        + b"'"
        + path
        + b"'\n"
        + pickle.OBJ
        + pickle.STOP,
        "EXT1": program(pickle.EXT1 + bytes([extension_code]) + tuple_of(text(str(marker))) + pickle.REDUCE),
    }


@pytest.mark.parametrize(
    "route", ["GLOBAL and REDUCE", "STACK_GLOBAL", "INST (protocol 0)", "OBJ (protocol 1)", "EXT1"]
)
def test_every_opcode_route_to_a_callable_is_refused(tmp_path, extension_code_for_mkdir, route):
    marker = tmp_path / "the-payload-ran"
    path = tmp_path / "evil.pkl"
    path.write_bytes(routes_to_mkdir(marker, extension_code_for_mkdir)[route])
    with pytest.raises(PickleRefused, match=r"refused to load posix\.mkdir"):
        from_pickle(path)
    assert not marker.exists()
    pickle.loads(path.read_bytes())  # the proof that the route is real: plain pickle runs it
    assert marker.is_dir()


def test_plain_dtypes_arrays_and_scalars_still_round_trip(tmp_path):
    values = [
        np.array(["2020-01-01", "2021-06-30"], dtype="M8[D]"),
        np.array([1, 2], dtype="m8[ms]"),
        np.array(["ab", "c"]),
        np.array([b"ab", b"c"]),
        np.zeros(3, dtype="V4"),
        np.zeros((0, 5), np.float16),
        np.asfortranarray(np.arange(6.0).reshape(2, 3)),
        np.array(3.0),
        np.datetime64("2020-01-01"),
        np.dtype(">f8"),
        np.dtype("U7"),
        np.dtype("M8[ns]"),
        np.float16(1.5),
        np.bool_(True),
        ((1, 2), (3, (4,))),
        {(1, 2): frozenset({(3,)})},
        bytearray(b"ab"),
    ]
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        path = tmp_path / f"values-{protocol}.pkl"
        path.write_bytes(pickle.dumps(values, protocol=protocol))
        loaded = from_pickle(path)
        for ours, theirs in zip(loaded, values):
            assert type(ours) is type(theirs) and repr(ours) == repr(theirs), (protocol, ours, theirs)


def test_a_special_file_or_a_huge_one_fails_at_once(tmp_path, monkeypatch):
    with pytest.raises(BadFile, match=r"^/dev/zero: a device, not a file; nothing was read from it$"):
        from_pickle("/dev/zero")  # never read to its (missing) end
    with pytest.raises(BadFile, match=r": a folder, not a file"):
        from_pickle(tmp_path)
    huge = tmp_path / "huge.pkl"
    with open(huge, "wb") as handle:
        handle.truncate(1 << 40)  # sparse
    with pytest.raises(BadFile, match=r"huge\.pkl: 1,099,511,627,776 bytes, more than the 1,073,741,824 it may hold"):
        from_pickle(huge)
    monkeypatch.setattr("mnist1d_core.compat.utils.MAX_PICKLE_BYTES", 10)
    huge.write_bytes(pickle.dumps(list(range(10)), protocol=4))
    with pytest.raises(BadFile, match=rf"huge\.pkl: {huge.stat().st_size} bytes, more than the 10 it may hold"):
        from_pickle(huge)


def test_a_pickle_through_a_pipe_reads_as_from_a_file(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    value = {"x": np.arange(5.0), "nested": ((1, 2), ((3,), 4))}
    writer = threading.Thread(target=lambda: fifo.write_bytes(pickle.dumps(value, protocol=3)))
    writer.start()
    loaded = from_pickle(fifo)  # a pipe has no position to count the bytes read with
    writer.join()
    assert loaded["nested"] == value["nested"] and np.array_equal(loaded["x"], value["x"])
