"""written_atomically: whole or nothing, the old content kept until the new is complete."""

import os
import stat
from pathlib import Path

import pytest

from mnist1d_core.files import written_atomically


def test_a_file_appears_whole_with_the_usual_permissions(tmp_path):
    target = tmp_path / "data.bin"
    with written_atomically(target) as partial:
        partial.write_bytes(b"new")
        assert not target.exists()
    assert target.read_bytes() == b"new" and os.listdir(tmp_path) == ["data.bin"]
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask  # not mkstemp's 0600


def test_a_failure_keeps_the_old_file_and_leaves_no_partial(tmp_path):
    target = tmp_path / "data.bin"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError), written_atomically(target) as partial:
        partial.write_bytes(b"half")
        raise RuntimeError("interrupted")
    assert target.read_bytes() == b"old" and os.listdir(tmp_path) == ["data.bin"]


def test_a_folder_replaces_an_empty_one_or_vanishes_on_failure(tmp_path):
    target = tmp_path / "export"
    target.mkdir()
    with written_atomically(target) as partial:
        partial.mkdir()
        (partial / "a.txt").write_text("a")
    assert (target / "a.txt").read_text() == "a"
    with pytest.raises(RuntimeError), written_atomically(tmp_path / "other") as partial:
        partial.mkdir()
        (partial / "b.txt").write_text("b")
        raise RuntimeError("interrupted")
    assert sorted(os.listdir(tmp_path)) == ["export"]


# --- what killed runs leave, and who may remove it -------------------------------------

import signal  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

from mnist1d_core.files import OutputExists, is_abandoned, remove_abandoned  # noqa: E402

WRITER = """
import sys, time
from pathlib import Path
from mnist1d_core.files import written_atomically
with written_atomically(Path(sys.argv[1])) as partial:
    partial.mkdir()
    (partial / "half.bin").write_bytes(b"x" * 1000)
    print("writing", flush=True)
    time.sleep(60)
"""


def start_writer(target):
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(target)], stdout=subprocess.PIPE, text=True)
    assert writer.stdout.readline() == "writing\n"
    return writer


def partials(folder):
    return sorted(p.name for p in folder.iterdir() if ".partial-" in p.name)


def test_a_live_writers_partial_output_is_never_removed(tmp_path):
    target = tmp_path / "export"
    writer = start_writer(target)
    try:
        (partial,) = [p for p in tmp_path.iterdir() if p.name.endswith(tuple("0123456789abcdef"))]
        assert not is_abandoned(partial)
        assert remove_abandoned(tmp_path, ".export.partial-*") == []
        with written_atomically(target) as mine:  # a second run beside it leaves it alone
            mine.mkdir()
        assert partial.is_dir() and (partial / "half.bin").exists()
    finally:
        writer.kill()
        writer.wait()


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_what_a_killed_writer_left_is_removed_by_the_next_run(tmp_path, sig):
    target = tmp_path / "export"
    writer = start_writer(target)
    writer.send_signal(sig)
    writer.wait()
    left = partials(tmp_path)
    assert left and not target.exists()  # a kill gives no chance to clean up
    with written_atomically(target) as partial:
        partial.mkdir()
        (partial / "whole.bin").write_bytes(b"y")
    assert os.listdir(tmp_path) == ["export"] and os.listdir(target) == ["whole.bin"]


def test_ctrl_c_removes_the_partial_output_at_once(tmp_path):
    target = tmp_path / "export"
    writer = start_writer(target)
    writer.send_signal(signal.SIGINT)
    assert writer.wait() != 0
    assert os.listdir(tmp_path) == []


def test_two_runs_writing_one_folder_at_once_give_one_whole_result(tmp_path):
    target = tmp_path / "export"
    with pytest.raises(OutputExists, match="appeared while this run was writing it"):
        with written_atomically(target) as first:
            first.mkdir()
            (first / "a.txt").write_text("first")
            with written_atomically(target) as second:  # finishes first
                second.mkdir()
                (second / "a.txt").write_text("second")
    assert (target / "a.txt").read_text() == "second" and os.listdir(tmp_path) == ["export"]


def test_a_missing_folder_is_named_before_anything_is_written(tmp_path):
    with pytest.raises(FileNotFoundError) as error, written_atomically(tmp_path / "missing" / "x.npz"):
        pytest.fail("the block must not run")
    assert error.value.filename == str(tmp_path / "missing")
    assert os.listdir(tmp_path) == []


def test_an_entry_without_an_owner_file_is_not_ours_and_is_kept(tmp_path):
    stranger = tmp_path / ".export.partial-0123456789ab"
    stranger.mkdir()
    time.sleep(0.01)
    assert remove_abandoned(tmp_path, ".export.partial-*") == [] and stranger.is_dir()


# --- odd names and odd files where the owner file should be ----------------------------

import threading  # noqa: E402


@pytest.mark.parametrize("name", ["a" * 255, "é" * 127, "x" * 211 + ".npz"])
def test_a_long_name_is_written_and_what_a_killed_writer_left_is_removed(tmp_path, name):
    # Names up to the file system's 255 bytes, though the hidden names made from them add 44.
    target = tmp_path / name
    writer = start_writer(target)
    writer.kill()
    writer.wait()
    assert partials(tmp_path)
    with written_atomically(target) as partial:
        partial.write_bytes(b"whole")
    assert os.listdir(tmp_path) == [name] and target.read_bytes() == b"whole"


def test_two_long_names_alike_keep_each_others_live_partial(tmp_path):
    first, second = tmp_path / ("a" * 240 + "1"), tmp_path / ("a" * 240 + "2")
    writer = start_writer(first)
    try:
        with written_atomically(second) as partial:
            partial.write_bytes(b"whole")
        assert len(partials(tmp_path)) == 2 and second.read_bytes() == b"whole"  # the live one and its owner file
    finally:
        writer.kill()
        writer.wait()


def test_a_fifo_at_an_owner_files_name_is_not_ours_and_blocks_nothing(tmp_path):
    fifo = tmp_path / ".export.partial-0123456789ab.owner"
    os.mkfifo(fifo)
    outcome = []
    cleaner = threading.Thread(target=lambda: outcome.append(remove_abandoned(tmp_path, ".export.partial-*")))
    cleaner.start()
    cleaner.join(timeout=5)
    if cleaner.is_alive():  # opening a FIFO to read waits for a writer: give it one, then fail
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        cleaner.join()
        pytest.fail("remove_abandoned waited for a writer to open a FIFO at an owner file's name")
    assert outcome == [[]] and fifo.exists()


def test_symlinks_at_the_partial_and_owner_names_never_reach_outside(tmp_path):
    folder, outside = tmp_path / "folder", tmp_path / "outside"
    folder.mkdir()
    outside.mkdir()
    (outside / "keep.txt").write_text("keep")
    os.symlink(outside, folder / ".export.partial-0123456789ab")
    os.symlink(outside / "keep.txt", folder / ".export.partial-0123456789ab.owner")
    (folder / ".export.partial-ba9876543210").mkdir()  # a folder partial holding a link outside
    os.symlink(outside, folder / ".export.partial-ba9876543210" / "link")
    (folder / ".export.partial-ba9876543210.owner").write_text("1\n")
    with written_atomically(folder / "export") as partial:
        partial.mkdir()
    assert os.listdir(outside) == ["keep.txt"] and (outside / "keep.txt").read_text() == "keep"
    # the abandoned folder went (its owner file is a real one); the symlinked owner is not ours
    assert sorted(os.listdir(folder)) == [
        ".export.partial-0123456789ab",
        ".export.partial-0123456789ab.owner",
        "export",
    ]


def test_a_thousand_writes_leave_no_file_descriptor_open(tmp_path):
    before = len(os.listdir("/proc/self/fd"))
    for _ in range(500):
        with written_atomically(tmp_path / "data.bin") as partial:
            partial.write_bytes(b"x")
        with pytest.raises(RuntimeError), written_atomically(tmp_path / "export") as partial:
            partial.mkdir()
            raise RuntimeError("interrupted")
    assert len(os.listdir("/proc/self/fd")) == before and os.listdir(tmp_path) == ["data.bin"]


CLEANER = """
import sys, time
from pathlib import Path
from mnist1d_core.files import remove_abandoned
end = time.monotonic() + float(sys.argv[2])
while time.monotonic() < end:
    remove_abandoned(Path(sys.argv[1]), ".*.partial-*")
"""

MANY_WRITES = """
import os, sys
from pathlib import Path
from mnist1d_core.files import written_atomically
for i in range(int(sys.argv[2])):
    with written_atomically(Path(sys.argv[1]) / f"t{os.getpid()}-{i}") as partial:
        partial.mkdir()
        for k in range(3):
            (partial / f"f{k}").write_bytes(b"x")
        assert sorted(os.listdir(partial)) == ["f0", "f1", "f2"], "the partial changed under its writer"
"""


def test_cleaners_racing_writers_and_each_other_never_touch_a_live_partial(tmp_path):
    cleaners = [subprocess.Popen([sys.executable, "-c", CLEANER, str(tmp_path), "2"]) for _ in range(2)]
    writers = [
        subprocess.Popen([sys.executable, "-c", MANY_WRITES, str(tmp_path), "80"], stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    for writer in writers:
        assert writer.wait(timeout=120) == 0, writer.stderr.read()
    for cleaner in cleaners:
        assert cleaner.wait(timeout=120) == 0
    names = os.listdir(tmp_path)
    assert len(names) == 160 and all(sorted(os.listdir(tmp_path / name)) == ["f0", "f1", "f2"] for name in names)


@pytest.mark.parametrize("kind", ["fifo", "symlink to /dev/null"])
def test_a_device_or_fifo_target_is_refused_not_replaced(tmp_path, kind):
    # Renaming onto them would destroy them: as root, `--out /dev/full` (or /dev/stdout, a
    # symlink to /proc/self/fd/1) made a regular file of a device the whole system uses.
    target = tmp_path / "out.md"
    if kind == "fifo":
        os.mkfifo(target)
    else:
        os.symlink(os.devnull, target)
    with (
        pytest.raises(ValueError, match=r"out\.md: not a file or a folder .*would replace it"),
        written_atomically(target),
    ):
        pytest.fail("the block must not run")
    assert os.listdir(tmp_path) == ["out.md"]
    assert stat.S_ISFIFO(target.lstat().st_mode) if kind == "fifo" else os.readlink(target) == os.devnull


def test_errors_name_the_target_never_the_hidden_partial_path(tmp_path):
    target = tmp_path / "export"
    with pytest.raises(PermissionError) as error, written_atomically(target) as partial:
        partial.mkdir()
        raise PermissionError(13, "Permission denied", str(partial / "canonical" / "train.parquet"))
    assert error.value.filename == str(target / "canonical" / "train.parquet")
    with pytest.raises(OSError) as error, written_atomically(Path("/proc/mnist1d-test.npz")):
        pytest.fail("the block must not run: the owner file cannot be made in /proc")
    assert error.value.filename == "/proc/mnist1d-test.npz"


# --- one process at a time: locked ---------------------------------------------------------

from mnist1d_core.files import locked  # noqa: E402

HOLDER = """
import sys, time
from mnist1d_core.files import locked
with locked(sys.argv[1], on_wait=lambda: print("waiting", flush=True)) as exclusive:
    print("holding", exclusive, flush=True)
    time.sleep(float(sys.argv[2]))
"""


def test_a_lock_makes_the_next_process_wait_and_leaves_no_file(tmp_path):
    lock = tmp_path / ".target.lock"
    with locked(lock) as exclusive:
        assert exclusive and lock.exists()
        waiter = subprocess.Popen([sys.executable, "-c", HOLDER, str(lock), "0"], stdout=subprocess.PIPE, text=True)
        assert waiter.stdout.readline() == "waiting\n"  # it cannot take the lock while this process holds it
    assert waiter.stdout.readline() == "holding True\n"  # it took the lock the moment it was released
    assert waiter.wait() == 0 and os.listdir(tmp_path) == []


def test_a_killed_holders_lock_is_taken_by_the_next(tmp_path):
    lock = tmp_path / ".target.lock"
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(lock), "60"], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline() == "holding True\n"
    holder.kill()
    holder.wait()
    assert lock.exists()  # a kill gives no chance to remove it; the kernel released the lock
    with locked(lock, on_wait=lambda: pytest.fail("nobody holds it")) as exclusive:
        assert exclusive
    assert os.listdir(tmp_path) == []
