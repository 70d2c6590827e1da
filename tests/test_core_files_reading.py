"""The bounded readers of mnist1d_core.files: special files refused without waiting on them,
sizes bounded, JSON parsed with depth and digit limits, every refusal one line naming the file."""

import json
import os
import signal
import socket
import threading

import pytest

from mnist1d_core import files
from mnist1d_core.files import BadFile, open_regular, parse_json, read_bytes, read_json, read_text, sha256


@pytest.fixture(autouse=True)
def no_hang():
    """Each test here ends within 20 s: a read that waits on a FIFO fails instead of hanging."""

    def hung(signum, frame):
        raise TimeoutError("a read waited")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(20)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def special_files(folder):
    """A FIFO, a device, a symlink to each, a folder, a socket: none is a regular file."""
    os.mkfifo(folder / "fifo")
    (folder / "to-fifo").symlink_to(folder / "fifo")
    (folder / "to-zero").symlink_to("/dev/zero")
    (folder / "folder").mkdir()
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(folder / "socket"))
    server.close()
    return {
        "fifo": "a FIFO",
        "to-fifo": "a FIFO",
        "to-zero": "a device",
        "folder": "a folder",
        "socket": "a socket",
    }


@pytest.mark.parametrize("reader", [read_bytes, read_text, read_json, lambda path: sha256(path, 1 << 20)])
def test_special_files_are_refused_without_waiting_or_reading(tmp_path, reader):
    for name, kind in special_files(tmp_path).items():
        with pytest.raises(BadFile) as refused:
            reader(tmp_path / name)
        assert str(refused.value) == f"{tmp_path / name}: {kind}, not a file; nothing was read from it"
        assert refused.value.path == tmp_path / name


def test_a_fifo_swapped_in_after_the_stat_is_refused_from_the_open_file(tmp_path, monkeypatch):
    regular = tmp_path / "record.json"
    regular.write_text("{}")
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    real_stat = os.stat
    monkeypatch.setattr(files.os, "stat", lambda path, **kw: real_stat(regular if path == fifo else path, **kw))
    with pytest.raises(BadFile, match=r"fifo: a FIFO, not a file"):
        read_json(fifo)


@pytest.mark.parametrize("size", [0, 10, 11, 1 << 40])
def test_a_file_over_its_bound_is_refused_before_reading(tmp_path, size):
    path = tmp_path / "big"
    with open(path, "wb") as handle:
        handle.truncate(size)  # sparse: a terabyte costs no disk
    if size <= 10:
        assert read_bytes(path, 10) == bytes(size)
    else:
        with pytest.raises(BadFile, match=rf"big: {size:,} bytes, more than the 10 it may hold$"):
            read_bytes(path, 10)


def test_a_file_that_grows_while_read_is_refused_at_its_bound(tmp_path):
    path = tmp_path / "growing"
    path.write_bytes(b"a" * 10)
    with open_regular(path, 10) as handle:
        with open(path, "ab") as writer:
            writer.write(b"b" * 100)
        with pytest.raises(BadFile, match=r"growing: grew past its bound"):
            handle.read()


def test_a_missing_file_stays_a_fault_naming_it(tmp_path):
    with pytest.raises(FileNotFoundError) as raised:
        read_bytes(tmp_path / "missing")
    assert raised.value.filename == str(tmp_path / "missing")


def test_a_pipe_with_a_writer_is_still_refused(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    writer = threading.Thread(target=lambda: fifo.write_bytes(b"{}"), daemon=True)
    writer.start()
    with pytest.raises(BadFile, match="a FIFO"):
        read_json(fifo)
    with open(fifo, "rb") as reader:  # release the writer
        reader.read()
    writer.join()


def test_text_that_is_not_utf8_is_named_with_its_position(tmp_path):
    path = tmp_path / "latin.json"
    path.write_bytes(b'{"a": "\xe9"}')
    with pytest.raises(BadFile, match=r"latin\.json: not UTF-8 text \(byte 7\)"):
        read_text(path)


# --- JSON --------------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [1, 2, 63, 64, 65, 1000, 100_000])
@pytest.mark.parametrize("opener", ["[", '{"k": '])
def test_json_nesting_is_bounded_without_recursion(depth, opener):
    closer = "]" if opener == "[" else "}"
    text = opener * depth + "0" + closer * depth
    if depth <= files.MAX_JSON_DEPTH:
        value = parse_json(text, "record.json")
        for _ in range(depth):
            value = value[0] if opener == "[" else value["k"]
        assert value == 0
    else:
        with pytest.raises(BadFile, match=r"^record\.json: JSON nested deeper than 64 levels$"):
            parse_json(text, "record.json")


def test_brackets_inside_strings_do_not_count_as_nesting():
    text = json.dumps({"a": "[" * 10_000, "b": ['x"]{\\', "]]]]"]})
    assert parse_json(text, "r.json") == json.loads(text)


@pytest.mark.parametrize("digits", [1, 100, 101, 4300, 5000, 1_000_000])
@pytest.mark.parametrize("sign", ["", "-"])
def test_json_integers_have_a_digit_limit(digits, sign):
    text = '{"num_samples": ' + sign + "9" * digits + "}"
    if digits <= files.MAX_JSON_DIGITS:
        assert parse_json(text, "p.json")["num_samples"] == int(sign + "9" * digits)
    else:
        with pytest.raises(BadFile) as refused:
            parse_json(text, "p.json")
        assert str(refused.value) == f"p.json: a JSON integer of {digits:,} digits, over 100"


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e999", "-1e400"])
def test_json_numbers_are_finite(number):
    with pytest.raises(BadFile, match=rf"^p\.json: '{number}' in JSON, where only finite numbers belong$"):
        parse_json(f"[{number}]", "p.json")


@pytest.mark.parametrize("text", ["", "{", "[1,]", "{'a': 1}", "[1] [2]", "]" * 3])
def test_damaged_json_is_one_line_naming_the_file(text):
    with pytest.raises(BadFile) as refused:
        parse_json(text, "p.json")
    assert str(refused.value).startswith("p.json: not JSON (") and "\n" not in str(refused.value)


def test_read_json_reads_what_json_writes(tmp_path):
    value = {"name": "custom-seed_7", "sizes": [4000, 1000], "split": 0.8, "nested": {"ok": True, "none": None}}
    path = tmp_path / "r.json"
    path.write_text(json.dumps(value))
    assert read_json(path) == value
    (tmp_path / "link.json").symlink_to(path)  # a symlink is judged by what it points to
    assert read_json(tmp_path / "link.json") == value
    assert sha256(path, 1 << 10) == __import__("hashlib").sha256(path.read_bytes()).hexdigest()
