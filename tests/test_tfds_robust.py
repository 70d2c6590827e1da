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
import time
from pathlib import Path

import pytest

tfds = pytest.importorskip("tensorflow_datasets")

from mnist1d_builders.tfds import MNIST1DBuilderConfig, prepare, verify_directory  # noqa: E402
from mnist1d_builders.tfds.mnist1d.mnist1d_dataset_builder import build_bytes  # noqa: E402
from mnist1d_cli import main  # noqa: E402
from mnist1d_core import MNIST1DConfig, fingerprint, resources  # noqa: E402

PAUSE = Path(__file__).with_name("pause_tfds_build.py")
FORMATS = ["tfrecord", "array_record"]
PHASES = ["generation", "shards", "checksums", "renamed"]
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
            "SHA256SUMS",
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
    """The config's folder holds the build and nothing else (no lock, no incomplete folder),
    and the build is intact."""
    assert sorted(os.listdir(config_folder(data_dir))) == ["1.0.0"]
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
    tmp_path, capsys, file_format
):
    runs = {phase: Run(tmp_path, phase, build_args(tmp_path / phase, file_format), phase) for phase in PHASES}
    for phase, run in runs.items():  # all at once: each pays TensorFlow's import in parallel
        run.wait_for(f"paused at {phase}")
    for run in runs.values():
        assert run.kill() == -signal.SIGKILL
    for phase in PHASES:
        left = sorted(os.listdir(config_folder(tmp_path / phase)))
        assert left[0] == ".1.0.0.lock"  # the killed run's lock, unlocked by its death
        if phase == "renamed":
            assert left[1:] == ["1.0.0"]  # complete, with its checksums, before the kill
        else:
            (incomplete,) = left[1:]
            assert incomplete.startswith("incomplete.") and incomplete.endswith("_1.0.0")
            written = sorted(os.listdir(config_folder(tmp_path / phase) / incomplete))
            assert {
                "generation": [],
                "shards": [f"mnist1d-train.{file_format}-00000-of-00001"],
                "checksums": build_files(file_format),
            }[phase] == written
        assert main(build_args(tmp_path / phase, file_format)) == 0
        assert capsys.readouterr().out.count("SHA256SUMS: all 6 files re-hashed and intact") == 1
        only_the_build_is_left(tmp_path / phase, file_format)


def last_line(stderr):
    """The last line a terminal shows: each line as its last carriage return leaves it, without
    the progress bars' cursor moves."""
    lines = [re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", line.rsplit("\r", 1)[-1]).strip() for line in stderr.split("\n")]
    return [line for line in lines if line][-1]


#: TFDS's own entry point, in a process of its own: tf.data over TFRecord, a data source over ArrayRecord.
LOAD = """if True:
    import sys
    import tensorflow_datasets as tfds
    from mnist1d_builders.tfds import MNIST1DBuilderConfig
    from mnist1d_builders.tfds.mnist1d.mnist1d_dataset_builder import read_batches
    from mnist1d_core import MNIST1DConfig, fingerprint

    kwargs = {"config": MNIST1DBuilderConfig(MNIST1DConfig(num_samples=100, seed=9)), "file_format": sys.argv[2]}
    if sys.argv[2] == "tfrecord":
        test = tfds.as_numpy(tfds.load("mnist1d", split="test", data_dir=sys.argv[1], builder_kwargs=kwargs, batch_size=-1))
    else:
        test = next(read_batches(tfds.data_source("mnist1d", split="test", data_dir=sys.argv[1], builder_kwargs=kwargs)))
    print(fingerprint(test["x"], test["y"]))
"""


@pytest.mark.parametrize("file_format", FORMATS)
def test_builds_at_once_wait_for_each_other_and_ctrl_c_leaves_nothing(tmp_path, file_format):
    first = Run(tmp_path, "first", build_args(tmp_path, file_format), "shards")
    first.wait_for("paused at shards")
    (incomplete,) = [p for p in config_folder(tmp_path).iterdir() if p.name.startswith("incomplete.")]
    # Two more at once: `mnist1d build`, and TFDS's own tfds.load or tfds.data_source.
    build = Run(tmp_path, "build", build_args(tmp_path, file_format))
    load = Run(tmp_path, "load", [tmp_path, file_format], command=("-c", LOAD))
    for other in (build, load):
        other.wait_for(f"Waiting for another process preparing {config_folder(tmp_path) / '1.0.0'}", "err")
    # Both wait: what the live first run writes is untouched.
    assert os.listdir(incomplete) == [f"mnist1d-train.{file_format}-00000-of-00001"]
    assert first.kill(signal.SIGINT) == 130  # Ctrl-C
    stderr = first.err.read_text()
    assert last_line(stderr) == "mnist1d: interrupted" and "Traceback" not in stderr
    (built, built_out, built_err), (loaded, loaded_out, loaded_err) = build.finish(), load.finish()
    assert (built, loaded) == (0, 0), (built_err, loaded_err)
    assert "SHA256SUMS: all 6 files re-hashed and intact" in built_out
    recorded = json.loads((config_folder(tmp_path) / "1.0.0" / "metadata.json").read_text())["content_fingerprints"]
    assert loaded_out.split()[-1] == recorded["test"]  # after TFDS's own lines, if it built
    # One built, the other waited for it, then reused it; neither found anything the
    # interrupted run left: it removed its incomplete folder on the way out.
    assert sorted("Downloading and preparing" in out for out in (built_err, loaded_out)) == [False, True]
    assert not any("Removed" in err for err in (built_err, loaded_err))
    only_the_build_is_left(tmp_path, file_format)


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
    with pytest.raises(resources.InsufficientResources, match=f"num_samples=100000000000: a TFDS {file_format} build"):
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
def test_a_build_declares_its_size_an_upper_estimate(tmp_path, capsys, file_format):
    config = MNIST1DConfig(num_samples=3000, algorithm="sharded")
    folder = prepare(config, tmp_path, file_format=file_format)
    announced = next(line for line in capsys.readouterr().out.splitlines() if "Downloading and preparing" in line)
    written = sum(p.stat().st_size for p in folder.iterdir())
    assert "generated: Unknown size" not in announced
    assert written <= build_bytes(config, tfds.core.FileFormat(file_format)) <= 3 * written + 2**20


@pytest.mark.parametrize("file_format", FORMATS)
def test_build_on_a_damaged_build_says_so_and_names_force_which_rebuilds_it(tmp_path, capsys, file_format):
    folder = config_folder(tmp_path) / "1.0.0"
    assert main(build_args(tmp_path, file_format)) == 0
    shard = folder / f"mnist1d-train.{file_format}-00000-of-00001"
    shard.write_bytes(shard.read_bytes()[:-1] + b"?")
    capsys.readouterr()
    assert main(build_args(tmp_path, file_format)) == 1
    assert capsys.readouterr().err == (
        f"mnist1d: error: {shard}: its SHA-256 differs from the one SHA256SUMS and "
        "metadata.json record; the file is damaged; the existing build is damaged: "
        "rebuild it with --force\n"
    )
    # Damaged so that TFDS cannot even open it: named the same way.
    (folder / "dataset_info.json").write_text("{")
    assert main(build_args(tmp_path, file_format)) == 1
    stderr = capsys.readouterr().err
    assert stderr.startswith(f"mnist1d: error: {folder / 'dataset_info.json'}: its SHA-256 differs")
    assert stderr.endswith("rebuild it with --force\n") and stderr.count("\n") == 1
    assert main(build_args(tmp_path, file_format, "--force")) == 0
    only_the_build_is_left(tmp_path, file_format)


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
    assert error.value.filename.startswith(f"{tmp_path / 'a_file' / 'data'}{os.sep}")  # the folder it would make
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
    assert (
        len(
            tfds.load(
                "mnist1d",
                split="test",
                data_dir=tmp_path / "data",
                builder_kwargs={"config": MNIST1DBuilderConfig(SMALL)},
            )
        )
        == 20
    )


@pytest.mark.parametrize("file_format", FORMATS)
def test_a_build_finished_while_a_builder_waited_is_read_from_its_folder(tmp_path, file_format):
    # A builder made before another process finished the folder reads it once it may,
    # format included (a builder keeps the format it was made with).
    builder = tfds.builder("mnist1d", config=MNIST1DBuilderConfig(SMALL), data_dir=tmp_path)
    assert not builder.is_prepared()
    prepare(SMALL, tmp_path, file_format=file_format)  # "the other process"
    builder.download_and_prepare()
    assert builder.info.file_format.value == file_format and builder.info.splits["train"].num_examples == 80
    assert (
        builder.info.metadata["content_fingerprints"]
        == json.loads((Path(builder.data_dir) / "metadata.json").read_text())["content_fingerprints"]
    )
    x, y = tfds.as_numpy(builder.as_dataset(split="test", batch_size=-1, as_supervised=True))
    assert fingerprint(x, y) == builder.info.metadata["content_fingerprints"]["test"]
