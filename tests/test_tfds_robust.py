"""TFDS builds that survive real life, TFRecord and ArrayRecord: killed at any phase, Ctrl-C,
several at once, requests too big for the machine, a damaged build, a bad --data-dir.

Kills and Ctrl-C are real signals to real `mnist1d build` processes, paused at a phase by
pause_tfds_build.py. Resource refusals go through the estimates, never the machine's limits.
"""

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

tfds = pytest.importorskip("tensorflow_datasets")

from mnist1d_builders.tfds import MNIST1DBuilderConfig, prepare, verify_directory  # noqa: E402
from mnist1d_builders.tfds.mnist1d.mnist1d_dataset_builder import build_bytes, read_batches  # noqa: E402
from mnist1d_cli import main  # noqa: E402
from mnist1d_core import MNIST1DConfig, fingerprint, resources  # noqa: E402

PAUSE = Path(__file__).with_name("pause_tfds_build.py")
FORMATS = ["tfrecord", "array_record"]
PHASES = ["generation", "shards", "recorded", "renamed"]
SMALL = MNIST1DConfig(num_samples=100, seed=9)


def build_args(data_dir, file_format, *more):
    return [
        "build",
        "--framework",
        "tfds",
        "--file-format",
        file_format,
        "--num-samples",
        "100",
        "--seed",
        "9",
        "--data-dir",
        str(data_dir),
        *more,
    ]


def build_files(file_format):
    return sorted(
        [
            "LICENSE",
            "MANIFEST.json",
            "dataset_info.json",
            "features.json",
            "metadata.json",
            f"mnist1d-test.{file_format}-00000-of-00001",
            f"mnist1d-train.{file_format}-00000-of-00001",
        ]
    )


def config_folder(data_dir):
    return data_dir / "mnist1d" / SMALL.name


def only_the_build_is_left(data_dir, file_format):
    """The config's folder holds the build and nothing else (no staging or incomplete folder;
    the lock file, empty and unlocked, stays: filelock leaves it), and the build is intact."""
    assert sorted(os.listdir(config_folder(data_dir))) == [".1.0.0.lock", "1.0.0"]
    assert (config_folder(data_dir) / ".1.0.0.lock").stat().st_size == 0
    assert sorted(os.listdir(config_folder(data_dir) / "1.0.0")) == build_files(file_format)
    verify_directory(config_folder(data_dir) / "1.0.0")


class Run:
    """``mnist1d ARGS`` in a process of its own, its output in files; with ``phase``, paused
    there (pause_tfds_build.py) until ``go()``."""

    def __init__(self, tmp_path, name, args, phase=None, command=("-m", "mnist1d_cli")):
        self.out, self.err, self.go_file = (tmp_path / f"{name}.{kind}" for kind in ("out", "err", "go"))
        command = [PAUSE, phase, self.go_file] if phase else command
        with open(self.out, "w") as out, open(self.err, "w") as err:
            self.process = subprocess.Popen([sys.executable, *map(str, command), *args], stdout=out, stderr=err)

    def wait_for(self, text, stream="out", timeout=240):
        path = self.out if stream == "out" else self.err
        deadline = time.monotonic() + timeout
        while text not in path.read_text():
            assert self.process.poll() is None, (
                f"ended ({self.process.returncode}) before {text!r}: {self.err.read_text()}"
            )
            assert time.monotonic() < deadline, f"no {text!r} in {timeout} s"
            time.sleep(0.05)

    def go(self):
        self.go_file.touch()

    def kill(self, sig=signal.SIGKILL):
        self.process.send_signal(sig)
        return self.process.wait(timeout=120)

    def finish(self):
        return self.process.wait(timeout=240), self.out.read_text(), self.err.read_text()


@pytest.mark.parametrize("file_format", FORMATS)
def test_a_build_killed_at_any_phase_is_completed_by_the_next_which_removes_what_it_left(
    tmp_path, capsys, caplog, file_format
):
    runs = {phase: Run(tmp_path, phase, build_args(tmp_path / phase, file_format), phase) for phase in PHASES}
    for phase, run in runs.items():  # all at once: each pays TensorFlow's import in parallel
        run.wait_for(f"paused at {phase}")
    for run in runs.values():
        assert run.kill() == -signal.SIGKILL
    for phase in PHASES:
        left = sorted(os.listdir(config_folder(tmp_path / phase)))
        assert left[0] == ".1.0.0.lock"  # the killed run's lock, unlocked by its death
        staging = config_folder(tmp_path / phase) / left[1]
        assert left[1].startswith(".staging-")  # TFDS built in there: the folder is all that is left
        built = staging / "mnist1d" / SMALL.name
        if phase == "renamed":
            assert left[2:] == ["1.0.0"]  # moved into place complete, with its record, before the kill
            assert os.listdir(built) == []
        else:
            assert left[2:] == []
            if phase == "recorded":  # complete and recorded, not yet moved into place
                assert sorted(os.listdir(built)) == ["1.0.0"]
                assert sorted(os.listdir(built / "1.0.0")) == build_files(file_format)
            else:
                (incomplete,) = os.listdir(built)
                assert incomplete.startswith("incomplete.") and incomplete.endswith("_1.0.0")
                expected = {"generation": [], "shards": [f"mnist1d-train.{file_format}-00000-of-00001"]}[phase]
                assert sorted(os.listdir(built / incomplete)) == expected
        assert main(build_args(tmp_path / phase, file_format)) == 0
        captured = capsys.readouterr()
        assert captured.out.count("MANIFEST.json: all 6 files re-hashed and intact") == 1
        assert f"Removed {staging}, left by a run that was interrupted" in caplog.text
        only_the_build_is_left(tmp_path / phase, file_format)


def last_line(stderr):
    """The last line a terminal shows: each line as its last carriage return leaves it, without
    the progress bars' cursor moves."""
    lines = [re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", line.rsplit("\r", 1)[-1]).strip() for line in stderr.split("\n")]
    return [line for line in lines if line][-1]


def fingerprint_through_tfds(data_dir, file_format):
    """The test split's content fingerprint through TFDS's own entry point, in this process: tf.data
    over TFRecord, a data source over ArrayRecord."""
    kwargs = {"config": MNIST1DBuilderConfig(SMALL), "file_format": file_format}
    if file_format == "tfrecord":
        test = tfds.as_numpy(
            tfds.load("mnist1d", split="test", data_dir=data_dir, builder_kwargs=kwargs, batch_size=-1)
        )
    else:
        test = next(read_batches(tfds.data_source("mnist1d", split="test", data_dir=data_dir, builder_kwargs=kwargs)))
    return fingerprint(test["x"], test["y"])


def staging_of(data_dir):
    (staging,) = [p for p in config_folder(data_dir).iterdir() if p.name.startswith(".staging-")]
    return staging


@pytest.mark.parametrize("file_format", FORMATS)
def test_builds_at_once_wait_for_each_other_and_ctrl_c_leaves_nothing(tmp_path, file_format):
    first = Run(tmp_path, "first", build_args(tmp_path, file_format), "shards")
    first.wait_for("paused at shards")
    (incomplete,) = (staging_of(tmp_path) / "mnist1d" / SMALL.name).iterdir()
    # Two more at once: `mnist1d build` in a process of its own, which waits for the first; and
    # TFDS's own tfds.load or tfds.data_source (in this one), which knows nothing of mnist1d's
    # lock: TFDS builds on its own, beside.
    build = Run(tmp_path, "build", build_args(tmp_path, file_format))
    build.wait_for(f"Waiting for another process preparing {config_folder(tmp_path) / '1.0.0'}", "err")
    loaded = fingerprint_through_tfds(tmp_path, file_format)
    assert "MANIFEST.json" not in os.listdir(config_folder(tmp_path) / "1.0.0")  # TFDS's build: no record
    # What the live first run writes is untouched.
    assert os.listdir(incomplete) == [f"mnist1d-train.{file_format}-00000-of-00001"]
    assert first.kill(signal.SIGINT) == 130  # Ctrl-C
    stderr = first.err.read_text()
    assert last_line(stderr) == "mnist1d: interrupted" and "Traceback" not in stderr
    built, built_out, built_err = build.finish()
    assert built == 0, built_err
    # The waiting build found TFDS's build without a record and put a recorded one in its place,
    # with the same content; nothing the interrupted run left: it removed its staging folder.
    assert "MANIFEST.json: all 6 files re-hashed and intact" in built_out
    recorded = json.loads((config_folder(tmp_path) / "1.0.0" / "MANIFEST.json").read_text())["splits"]
    assert loaded == recorded["test"]["fingerprint"]
    assert "Removed" not in built_err and "Downloading and preparing" not in built_err
    only_the_build_is_left(tmp_path, file_format)


def at_once(args, timeout=120):
    """``main(args)`` in this process, which must end within ``timeout`` seconds (in a thread:
    a call that waits for another process's lock would otherwise wait for ever)."""
    ended = {}

    def call():
        try:
            ended["status"] = main(args)
        except BaseException as error:  # raised here, in the test's thread
            ended["error"] = error

    thread = threading.Thread(target=call, daemon=True)
    thread.start()
    thread.join(timeout)
    assert ended, f"mnist1d {' '.join(args)} did not end in {timeout} s"
    if "error" in ended:
        raise ended["error"]
    return ended["status"]


@pytest.mark.parametrize("file_format", FORMATS)
def test_force_keeps_the_old_build_in_place_until_the_new_one_takes_it_in_one_step(tmp_path, capsys, file_format):
    folder = config_folder(tmp_path) / "1.0.0"
    assert main(build_args(tmp_path, file_format)) == 0
    recorded = json.loads((folder / "MANIFEST.json").read_text())["splits"]
    # One --force in a process of its own, paused at each phase in turn.
    force = Run(tmp_path, "force", build_args(tmp_path, file_format, "--force"), "shards,recorded")
    for phase in ("shards", "recorded"):
        force.wait_for(f"paused at {phase}")
        capsys.readouterr()
        assert main(["verify", str(folder)]) == 0  # a reader meanwhile: the old build, intact
        assert capsys.readouterr().out.startswith(f"{folder}: intact")
        # Another build meanwhile reuses the old build, intact: it need not wait.
        assert at_once(build_args(tmp_path, file_format)) == 0
        captured = capsys.readouterr()
        assert "MANIFEST.json: all 6 files re-hashed and intact" in captured.out, captured.err
        assert "Waiting" not in captured.err
        force.go()
    assert force.finish()[0] == 0
    # The same content again (not the same bytes: TFDS serializes an example's features in any order).
    assert json.loads((folder / "MANIFEST.json").read_text())["splits"] == recorded
    only_the_build_is_left(tmp_path, file_format)


def test_a_verify_that_a_force_overtakes_reads_the_new_build_again(tmp_path, monkeypatch):
    # The new build's shards differ in bytes from the old one's: a verify that read the old
    # record and then a new shard would see a mismatch. It sees the folder was replaced.
    from mnist1d_builders.tfds import verify as tfds_verify
    from mnist1d_builders.tfds.preparing import _move_into_place

    folder = prepare(SMALL, tmp_path / "data")
    other = prepare(SMALL, tmp_path / "other")  # the same config, built again
    new_record = (other / "MANIFEST.json").read_bytes()
    content = tfds_verify.TfdsReader.content

    def replaced_while_read(self, *args, **kwargs):
        monkeypatch.setattr(tfds_verify.TfdsReader, "content", content)
        _move_into_place(other, folder)  # what --force does, now
        raise tfds_verify.IntegrityError("a shard that no longer matches the record read before")

    monkeypatch.setattr(tfds_verify.TfdsReader, "content", replaced_while_read)
    lines = verify_directory(folder)
    assert lines[0] == "MANIFEST.json: all 6 files re-hashed and intact" and lines[-1].startswith("t: ")
    assert (folder / "MANIFEST.json").read_bytes() == new_record  # what was verified: the new build


def test_the_exchange_never_leaves_the_folder_missing(tmp_path):
    # The step --force takes, many times over, watched by a reader that never waits.
    import threading

    from mnist1d_builders.tfds.preparing import _move_into_place

    folder = tmp_path / "1.0.0"
    folder.mkdir()
    (folder / "MANIFEST.json").write_text("old")
    missing, done = [], threading.Event()

    def watch():
        while not done.is_set():
            if not (folder / "MANIFEST.json").exists():
                missing.append(1)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        for i in range(300):
            staged = tmp_path / f"staged{i}"
            staged.mkdir()
            (staged / "MANIFEST.json").write_text(str(i))
            _move_into_place(staged, folder)
            assert (staged / "MANIFEST.json").read_text() == ("old" if i == 0 else str(i - 1))  # the old one, aside
    finally:
        done.set()
        watcher.join()
    assert (folder / "MANIFEST.json").read_text() == "299" and not missing


@pytest.mark.parametrize("file_format", FORMATS)
def test_a_build_too_large_for_the_disk_is_refused_at_once_at_every_entry_point(
    tmp_path, capsys, monkeypatch, file_format
):
    monkeypatch.setattr(resources.shutil, "disk_usage", lambda path: type("Usage", (), {"free": 67 * 10**9}))
    huge = MNIST1DConfig(num_samples=10**11, algorithm="sharded")
    estimate = resources.size(build_bytes(huge, tfds.core.FileFormat(file_format)))
    assert (
        main(
            [
                "build",
                "--framework",
                "tfds",
                "--file-format",
                file_format,
                "--num-samples",
                str(10**11),
                "--algorithm",
                "sharded",
                "--data-dir",
                str(tmp_path / "data"),
            ]
        )
        == 2
    )
    assert capsys.readouterr().err == (
        f"mnist1d: error: num_samples=100000000000: a TFDS {file_format} build needs "
        f"about {estimate} of disk, but {tmp_path} has 67.0 GB free\n"
    )
    assert estimate.endswith(" TB")
    # TFDS's own entry points: TFDS's own check, on the sizes the builder declares.
    with pytest.raises(OSError, match="Not enough disk space"):
        tfds.load(
            "mnist1d",
            data_dir=tmp_path / "data",
            builder_kwargs={"config": MNIST1DBuilderConfig(huge), "file_format": file_format},
        )
    assert os.listdir(tmp_path) == []


def test_a_build_too_large_for_memory_is_refused_at_once(tmp_path, monkeypatch):
    # TFDS's writer sorts a whole split in memory; the paper's algorithm holds the whole set too.
    monkeypatch.setattr(resources, "available_memory", lambda: 100 * 10**6)
    with pytest.raises(
        resources.InsufficientResources,
        match=(
            r"num_samples=1000000: a TFDS build needs about [\d.]+ [MG]B of memory \(TFDS's writer holds a whole "
            r"split to sort it\), but 100.0 MB is available; use fewer samples"
        ),
    ):
        prepare(MNIST1DConfig(num_samples=10**6), tmp_path)
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("file_format", FORMATS)
def test_a_build_declares_its_size_an_upper_estimate_and_prints_nothing_of_tfds(tmp_path, capsys, file_format):
    config = MNIST1DConfig(num_samples=3000, algorithm="sharded")
    declared = tfds.builder("mnist1d", config=MNIST1DBuilderConfig(config), data_dir=tmp_path).info.dataset_size
    folder = prepare(config, tmp_path, file_format=file_format)
    captured = capsys.readouterr()
    # Nothing is downloaded; in a log file (not a terminal) no progress bar, no cursor codes.
    assert "Downloading" not in captured.out + captured.err
    assert "Shuffling" not in captured.err and "examples" not in captured.err and "\x1b[" not in captured.err
    written = sum(p.stat().st_size for p in folder.iterdir())
    assert written <= build_bytes(config, tfds.core.FileFormat(file_format)) <= 3 * written + 2**20
    assert written <= declared  # what TFDS's own disk check (tfds.load) compares with the free space


@pytest.mark.parametrize("file_format", FORMATS)
def test_build_on_a_damaged_build_says_so_and_names_force_which_rebuilds_it(tmp_path, capsys, file_format):
    folder = config_folder(tmp_path) / "1.0.0"
    assert main(build_args(tmp_path, file_format)) == 0
    shard = folder / f"mnist1d-train.{file_format}-00000-of-00001"
    shard.write_bytes(shard.read_bytes()[:-1] + b"?")
    capsys.readouterr()
    assert main(build_args(tmp_path, file_format)) == 1
    stderr = capsys.readouterr().err
    # The shard is named: damaged, or (ArrayRecord's last byte lies outside the records) its bytes
    # outside the data, or the record.
    assert stderr.startswith("mnist1d: error: ") and shard.name in stderr and "MANIFEST.json" in stderr
    assert stderr.endswith("rebuild it with --force\n") and stderr.count("\n") == 1
    # Damaged so that TFDS cannot even open it: named the same way.
    (folder / "dataset_info.json").write_text("{")
    assert main(build_args(tmp_path, file_format)) == 1
    stderr = capsys.readouterr().err
    assert stderr.startswith(f"mnist1d: error: {folder / 'dataset_info.json'}: its SHA-256 differs")
    assert stderr.endswith("rebuild it with --force\n") and stderr.count("\n") == 1
    assert main(build_args(tmp_path, file_format, "--force")) == 0
    only_the_build_is_left(tmp_path, file_format)


@pytest.mark.parametrize("kind", ["folder", "fifo"])
def test_a_record_turned_into_a_folder_or_a_fifo_is_named_and_force_repairs_it_in_bounded_time(tmp_path, capsys, kind):
    folder = config_folder(tmp_path) / "1.0.0"
    assert main(build_args(tmp_path, "tfrecord")) == 0
    info = folder / "dataset_info.json"
    info.unlink()
    info.mkdir() if kind == "folder" else os.mkfifo(info)
    capsys.readouterr()
    # Each given a bounded time: a FIFO opened for reading would hang. In processes of their own
    # for the FIFO (a thread blocked in open() cannot be stopped), in this one for the folder.
    if kind == "fifo":
        code, _, stderr = Run(tmp_path, "build", build_args(tmp_path, "tfrecord")).finish()
    else:
        code, stderr = at_once(build_args(tmp_path, "tfrecord")), capsys.readouterr().err
    assert code == 1 and stderr.startswith(f"mnist1d: error: {info}: ") and "--force" in stderr, stderr
    if kind == "fifo":
        code, out, stderr = Run(tmp_path, "force", build_args(tmp_path, "tfrecord", "--force")).finish()
    else:
        code, (out, stderr) = at_once(build_args(tmp_path, "tfrecord", "--force")), capsys.readouterr()
    assert code == 0, stderr
    assert "MANIFEST.json: all 6 files re-hashed and intact" in out
    only_the_build_is_left(tmp_path, "tfrecord")


def test_the_empty_folder_an_interrupted_datasets_build_leaves_is_built_into(tmp_path, capsys):
    # datasets makes <data_dir>/mnist1d/<config>/<version>/ first; killed, it leaves it empty.
    (config_folder(tmp_path) / "1.0.0").mkdir(parents=True)
    assert main(build_args(tmp_path, "tfrecord")) == 0
    only_the_build_is_left(tmp_path, "tfrecord")
    kwargs = {"config": MNIST1DBuilderConfig(SMALL)}
    assert len(tfds.load("mnist1d", split="test", data_dir=tmp_path, builder_kwargs=kwargs)) == 20


@pytest.mark.parametrize("file_format", FORMATS)
def test_a_data_dir_that_is_a_file_or_read_only_is_one_line_before_any_work(
    tmp_path, capsys, monkeypatch, file_format
):
    (tmp_path / "a_file").write_text("")
    assert main(build_args(tmp_path / "a_file" / "data", file_format)) == 2
    assert capsys.readouterr().err == (
        f"mnist1d: error: --data-dir '{tmp_path / 'a_file' / 'data'}': "
        f"'{tmp_path / 'a_file'}' is a file, not a folder\n"
    )
    with pytest.raises(NotADirectoryError) as error:  # TFDS's entry points, before any work
        tfds.load(
            "mnist1d",
            data_dir=tmp_path / "a_file" / "data",
            builder_kwargs={"config": MNIST1DBuilderConfig(SMALL), "file_format": file_format},
        )
    assert error.value.filename.startswith(f"{tmp_path / 'a_file' / 'data'}")  # TFDS's own error, naming it
    # Tests may run as root, for whom chmod does not bite: the check asks os.access.
    monkeypatch.setattr(os, "access", lambda path, mode, **kwargs: Path(path) != tmp_path)
    assert main(build_args(tmp_path / "data", file_format)) == 2
    assert capsys.readouterr().err == (
        f"mnist1d: error: --data-dir '{tmp_path / 'data'}': folder '{tmp_path}' is not writable\n"
    )
    assert sorted(os.listdir(tmp_path)) == ["a_file"]
    # A read-only folder that holds the build still serves it to TFDS: nothing is written to read it.
    monkeypatch.undo()
    folder = prepare(SMALL, tmp_path / "data", file_format=file_format)
    monkeypatch.setattr(os, "access", lambda path, mode, **kwargs: False)
    monkeypatch.setattr(Path, "mkdir", lambda *args, **kwargs: pytest.fail("a reader made a folder"))
    assert prepare(SMALL, tmp_path / "data", file_format=file_format) == folder
    kwargs = {"config": MNIST1DBuilderConfig(SMALL)}
    read = tfds.load if file_format == "tfrecord" else tfds.data_source  # TFDS reads ArrayRecord as a data source
    assert len(read("mnist1d", split="test", data_dir=tmp_path / "data", builder_kwargs=kwargs)) == 20


@pytest.mark.parametrize("file_format", FORMATS)
def test_a_build_finished_by_another_process_is_read_from_its_folder(tmp_path, file_format):
    # A builder made after the folder was prepared reads it, format included.
    prepare(SMALL, tmp_path, file_format=file_format)  # "the other process"
    builder = tfds.builder("mnist1d", config=MNIST1DBuilderConfig(SMALL), data_dir=tmp_path)
    builder.download_and_prepare()  # reused
    assert builder.info.file_format.value == file_format and builder.info.splits["train"].num_examples == 80
    recorded = json.loads((Path(builder.data_dir) / "MANIFEST.json").read_text())["splits"]
    if file_format == "tfrecord":
        x, y = tfds.as_numpy(builder.as_dataset(split="test", batch_size=-1, as_supervised=True))
    else:
        test = next(read_batches(builder.as_data_source("test")))
        x, y = test["x"], test["y"]
    assert fingerprint(x, y) == recorded["test"]["fingerprint"]
