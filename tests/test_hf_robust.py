"""``datasets`` builds that survive real life: killed at any phase, Ctrl-C, two at once,
requests too big for the disk, file-system faults, damaged builds repaired with ``--force``.

Kills are real signals sent to real ``mnist1d build`` processes. To stop a build at a known
phase, the test runs it through ``STOPPING``, a wrapper that wraps one function of that phase
to write a marker (its process id) and sleep; the test kills the build when the marker
appears, then runs the same command again.
"""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

datasets = pytest.importorskip("datasets")

import mnist1d_builders.hf as hf  # noqa: E402
from mnist1d_builders.hf import mnist1d as hf_builder  # noqa: E402
from mnist1d_cli import main  # noqa: E402
from mnist1d_core import (  # noqa: E402
    MNIST1DConfig,
    resources,  # noqa: E402
    sharded,
)

STOPPING = r"""
import os, shutil, sys, time
import datasets.arrow_writer
import mnist1d_builders.hf.mnist1d as builder
import mnist1d_builders.hf.preparing as prepare

phase, markers, stall = os.environ["STOP_AT"], os.environ["MARKERS"], float(os.environ["STALL"])
stopped = set()

def stopping(original, *, after=False):
    def stop(*args, **kwargs):
        result = original(*args, **kwargs) if after else None
        if os.getpid() not in stopped:  # once per process: the pool's workers each stop
            stopped.add(os.getpid())
            with open(markers, "a") as f:
                f.write(f"{os.getpid()}\n")
            time.sleep(stall)
        return result if after else original(*args, **kwargs)
    return stop

if phase == "generation":  # the paper's algorithm, generating the whole set
    builder.generate = stopping(builder.generate)
elif phase == "shard writing":  # each worker, its first table written
    datasets.arrow_writer.ArrowWriter.write_table = stopping(datasets.arrow_writer.ArrowWriter.write_table, after=True)
elif phase == "checksum recording":  # every shard and dataset_info.json written, the splits re-read
    prepare.write_manifest = stopping(prepare.write_manifest)
elif phase == "final rename":  # the complete build and its MANIFEST.json, before it is moved into place
    prepare.put_in_place = stopping(prepare.put_in_place)
from mnist1d_cli import main
sys.exit(main(sys.argv[1:]))
"""

PAPER = ["--num-samples", "4000"]
SHARDED = ["--algorithm", "sharded", "--num-samples", "4000", "--num-proc", "2"]  # train: 4 blocks, test: 1


def env(tmp_path: Path, **extra) -> dict:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "HUGGINGFACE_"))}
    return {**clean, "HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1", "HF_HOME": str(tmp_path / "home"), **extra}


def mnist1d(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "mnist1d_cli", *args], capture_output=True, text=True, env=env(tmp_path)
    )


class Stopped:
    """A build run through STOPPING until ``count`` processes reached ``phase``."""

    def __init__(self, tmp_path: Path, phase: str, args: list[str], *, count: int, stall: float) -> None:
        self.markers, self.log = tmp_path / "markers", tmp_path / "stopped.log"
        with open(self.log, "w") as log:  # files, not pipes: a killed build's orphans may hold them
            self.process = subprocess.Popen(
                [sys.executable, "-c", STOPPING, *args],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                env=env(tmp_path, STOP_AT=phase, MARKERS=str(self.markers), STALL=str(stall)),
            )
        deadline = time.monotonic() + 120
        while len(self.stopped()) < count:
            assert self.process.poll() is None, self.log.read_text()
            assert time.monotonic() < deadline, f"{phase} never reached"
            time.sleep(0.05)
        self.family = [self.process.pid, *descendants(self.process.pid)]

    def stopped(self) -> list[int]:
        return [int(pid) for pid in self.markers.read_text().split()] if self.markers.exists() else []

    def kill(self, sig: int, *, group: bool = False) -> int:
        (os.killpg if group else os.kill)(self.process.pid, sig)
        return self.process.wait(timeout=60)

    def end(self) -> None:
        """Kill what is left of the build's processes (the test's own, told by their
        environment, so that a reused process id is never killed), by their ids."""
        for pid in self.family:
            try:
                ours = f"MARKERS={self.markers}".encode() in Path(f"/proc/{pid}/environ").read_bytes()
            except OSError:
                ours = False
            if ours and alive(pid):
                os.kill(pid, signal.SIGKILL)


def descendants(pid: int) -> list[int]:
    children = [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit() and parent(int(p.name)) == pid]
    return [grandchild for child in children for grandchild in (child, *descendants(child))]


def parent(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def built_folder(result: subprocess.CompletedProcess) -> Path:
    assert result.returncode == 0, result.stderr
    return Path(result.stdout.splitlines()[0].split(" (hf): ")[1])


def leftovers(data_dir: Path, folder: Path | None = None) -> list[str]:
    """What is under ``data_dir`` besides the build ``folder``, the cache layout's folders
    and the lock files (kept on purpose: builds waiting on one share its inode)."""
    return sorted(
        str(p.relative_to(data_dir))
        for p in data_dir.rglob("*")
        if not (folder and p.is_relative_to(folder))
        and not p.name.endswith(".lock")
        and not (p.is_dir() and ".staging-" not in p.name and not p.name.endswith(".incomplete"))
    )


def build_in_process(capsys, *args: str) -> tuple[int, str, str]:
    status = main(["build", *args])
    out, err = capsys.readouterr()
    return status, out, err


# --- killed at any phase -----------------------------------------------------------------


@pytest.mark.parametrize(
    "phase, args",
    [
        ("generation", PAPER),
        ("shard writing", SHARDED),
        ("checksum recording", PAPER),
        ("final rename", PAPER),
    ],
)
def test_a_build_killed_at_any_phase_is_completed_by_the_next_run(tmp_path, phase, args):
    data_dir = tmp_path / "data"
    command = ["build", *args, "--data-dir", str(data_dir)]
    workers = 2 if phase == "shard writing" else 1
    stopped = Stopped(tmp_path, phase, command, count=workers, stall=2 if workers > 1 else 600)
    try:
        assert stopped.kill(signal.SIGKILL) == -signal.SIGKILL  # the build's process only, as kill -9 does
        partial = next(data_dir.rglob(".*.staging-*"))  # what the killed build left
        leftovers_at_kill = [p for p in partial.rglob("*") if p.is_file() and not p.name.endswith(".lock")]
        if workers > 1:  # the pool's workers notice that their build is gone and stop writing
            deadline = time.monotonic() + 30
            while any(alive(pid) for pid in stopped.stopped()):
                assert time.monotonic() < deadline, "a worker of the killed build is still running"
                time.sleep(0.1)
        rerun = mnist1d(tmp_path, *command)  # the same command again
        folder = built_folder(rerun)
        if phase != "generation":  # before any file was written, the partial folder is empty
            assert f"Removed {len(leftovers_at_kill)} files an interrupted build left in {partial}" in rerun.stderr
            assert leftovers_at_kill
        assert any(line.startswith("  identity: ") for line in rerun.stdout.splitlines())  # built, then verified
        assert leftovers(data_dir, folder) == []
        assert not any(line.startswith("ignored") for line in hf.verify_directory(folder))
    finally:
        stopped.end()


@pytest.mark.parametrize("phase, args", [("generation", PAPER), ("shard writing", SHARDED)])
def test_ctrl_c_says_interrupted_exits_130_and_leaves_nothing(tmp_path, phase, args):
    data_dir = tmp_path / "data"
    command = ["build", *args, "--data-dir", str(data_dir)]
    stopped = Stopped(tmp_path, phase, command, count=2 if phase == "shard writing" else 1, stall=600)
    try:
        assert stopped.kill(signal.SIGINT, group=True) == 130  # a terminal's Ctrl-C: the whole process group
        log = stopped.log.read_text()
        assert log == "mnist1d: interrupted\n", log  # no traceback, no "Exception ignored", no bar in a log
        assert leftovers(data_dir) == []
        assert not any(alive(pid) for pid in stopped.family)
    finally:
        stopped.end()


def test_two_builds_at_once_both_succeed_and_the_result_verifies(tmp_path):
    data_dir = tmp_path / "data"
    command = [sys.executable, "-m", "mnist1d_cli", "build", *PAPER, "--data-dir", str(data_dir)]
    runs = [
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env(tmp_path))
        for _ in range(2)
    ]
    results = [subprocess.CompletedProcess(run.args, run.returncode, *run.communicate(timeout=120)) for run in runs]
    results = [
        subprocess.CompletedProcess(r.args, run.returncode, r.stdout, r.stderr) for r, run in zip(results, runs)
    ]
    first, second = (built_folder(result) for result in results)
    assert first == second and results[0].stdout == results[1].stdout  # one built, the other waited and reused it
    assert leftovers(data_dir, first) == []
    assert any(line.startswith("train: 3200 examples") for line in hf.verify_directory(first))


# --- requests too big, and streaming that needs neither disk nor memory ----------------------


def test_a_build_too_big_for_the_disk_is_refused_at_once(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(resources.shutil, "disk_usage", lambda path: SimpleNamespace(free=67 * 10**9))

    def never(*args, **kwargs):
        raise AssertionError("generated a block of a refused build")

    monkeypatch.setattr(sharded, "generate_block", never)
    data_dir = tmp_path / "data"
    status = main(
        [
            "build",
            "--algorithm",
            "sharded",
            "--num-samples",
            str(10**10),
            "--num-proc",
            "2",
            "--data-dir",
            str(data_dir),
        ]
    )
    assert status == 2
    assert capsys.readouterr().err == (
        f"mnist1d: error: num_samples=10000000000: a datasets build needs about 1.7 TB "
        f"of disk, but {tmp_path} has 67.0 GB free\n"  # the nearest folder that exists: nothing was made
    )
    assert not data_dir.exists()


def test_load_dataset_too_big_for_the_disk_is_refused_by_datasets_own_check_before_any_work(tmp_path, monkeypatch):
    def never(*args, **kwargs):
        raise AssertionError("began the work of a refused build")

    monkeypatch.setattr(sharded, "standardisation", never)
    monkeypatch.setattr(sharded, "generate_block", never)
    huge = MNIST1DConfig(algorithm="sharded", num_samples=10**13)  # 1.7 PB: no disk has it free
    builder = datasets.load_dataset_builder("mnist1d", "canonical", cache_dir=str(tmp_path), **huge.non_default())
    assert builder.info.size_in_bytes == hf.build_bytes(huge)  # declared by _info: what datasets compares
    with pytest.raises(OSError, match=r"^Not enough disk space\. Needed: 1\.\d+ PiB"):
        datasets.load_dataset("mnist1d", "canonical", cache_dir=str(tmp_path), **huge.non_default())
    written = [p for p in tmp_path.rglob("*") if p.is_file() and not p.name.endswith(".lock")]
    assert written == [] and not list(tmp_path.rglob("*.incomplete"))


def test_the_disk_estimate_bounds_a_real_build_closely(tmp_path):
    config = MNIST1DConfig(algorithm="sharded", num_samples=100_000, final_seq_length=60)
    folder = hf.prepare(config, tmp_path)
    written = sum(f.stat().st_size for f in folder.iterdir())
    estimate = hf.build_bytes(config)
    assert written <= estimate and written > 0.97 * (estimate - 2**20)


def test_streaming_any_size_starts_at_once_with_jobs_made_lazily(tmp_path):
    config = MNIST1DConfig(algorithm="sharded", num_samples=10**13)
    generators = hf.Mnist1d(cache_dir=str(tmp_path), **config.to_dict())._split_generators(None)
    for generator in generators:
        jobs = generator.gen_kwargs["sources"]
        blocks = [job.args[2] for job in jobs]  # each job is a range of blocks, generated as it is read
        assert len(jobs) == hf_builder.MAX_JOBS
        assert blocks[0].start == 0 and blocks[-1].stop == sharded.num_blocks(config, generator.name)
        assert all(a.stop == b.start for a, b in zip(blocks, blocks[1:]))
    stream = datasets.load_dataset(
        "mnist1d", "canonical", split="train", streaming=True, cache_dir=str(tmp_path), **config.non_default()
    )
    first = next(iter(stream))
    x, y = sharded.generate_block(config, "train", 0)
    assert stream.num_shards == hf_builder.MAX_JOBS and first["y"] == y[0]
    assert first["x"] == x[0].astype("float32").tolist()


# --- damaged builds, and file-system faults ------------------------------------------------


def test_a_damaged_build_is_reported_with_force_named_and_force_rebuilds_it(tmp_path, capsys):
    args = ["--num-samples", "200", "--data-dir", str(tmp_path)]
    status, out, _ = build_in_process(capsys, *args)
    folder = Path(out.splitlines()[0].split(" (hf): ")[1])
    stray = folder / "mnist1d-train-00001-00000-of-NNNNN.arrow"  # the poisoned cache of the issue
    shutil.copy(folder / "mnist1d-train.arrow", stray)
    status, out, err = build_in_process(capsys, *args)
    assert (status, out) == (1, "") and err == (
        f"mnist1d: error: {stray}: a file that MANIFEST.json does not list; a "
        "loader could read it as part of the dataset: remove it if it is not; "
        "the existing build is damaged: rebuild it with --force\n"
    )
    status, out, err = build_in_process(capsys, *args, "--force")
    assert status == 0 and not stray.exists() and "  identity: custom-num_samples_200 1.0.0" in out

    info = folder / "dataset_info.json"
    info.write_text('{"splits": ')  # too damaged for datasets to open the build at all
    status, out, err = build_in_process(capsys, *args)
    assert (status, out) == (1, "") and err == (
        f"mnist1d: error: {info}: its SHA-256 differs from the one MANIFEST.json records; the file or MANIFEST.json "
        "is damaged; "
        "the existing build is damaged: rebuild it with --force\n"
    )
    status, out, err = build_in_process(capsys, *args, "--force")
    assert status == 0 and any(line.startswith("  train: 160 examples") for line in out.splitlines())
    assert leftovers(tmp_path, folder) == []


FAULTS = r"""
import resource, sys
from mnist1d_cli import main
file, read_only, locked, small = sys.argv[1:]
for data_dir in (file, f"{file}/sub", read_only, f"{locked}/sub"):
    print(main(["build", "--num-samples", "200", "--data-dir", data_dir]), flush=True)
resource.setrlimit(resource.RLIMIT_FSIZE, (100_000, 100_000))  # Python ignores SIGXFSZ: writes fail with EFBIG
print(main(["build", "--num-samples", "4000", "--data-dir", small]), flush=True)
"""


def test_file_system_faults_give_one_line_naming_the_path(tmp_path):
    file, read_only, locked, small = tmp_path / "file", tmp_path / "read-only", tmp_path / "locked", tmp_path / "small"
    file.write_text("a file where a folder belongs")
    read_only.mkdir(mode=0o555)
    locked.mkdir(mode=0o000)
    # root may write anywhere: without these capabilities it obeys the permissions as users do
    as_user = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"] if os.geteuid() == 0 else []
    try:
        result = subprocess.run(
            [*as_user, sys.executable, "-c", FAULTS, *map(str, (file, read_only, locked, small))],
            capture_output=True,
            text=True,
            env=env(tmp_path),
        )
    finally:
        locked.chmod(0o755)
    # a path refused before any work is bad input (2); a fault met during the work, 1
    assert result.stdout.split() == ["2", "2", "2", "1", "1"], result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("mnist1d: ")]
    assert lines[:4] == [
        f"mnist1d: error: --data-dir '{file}': '{file}' is a file, not a folder",
        f"mnist1d: error: --data-dir '{file}/sub': '{file}' is a file, not a folder",
        f"mnist1d: error: --data-dir '{read_only}': folder '{read_only}' is not writable",
        f"mnist1d: error: {locked}/sub: permission denied; check the permissions, or choose another location",
    ]
    assert lines[4].startswith(f"mnist1d: error: {small}/mnist1d/custom-num_samples_4000/") and lines[4].endswith(
        ": file too large; a file-size limit (ulimit -f) or the file system's is in the way"
    )
    assert len(lines) == 5 and "Traceback" not in result.stderr
    assert list(read_only.iterdir()) == [] and list(locked.iterdir()) == [] and file.read_text().startswith("a file")
    assert leftovers(small) == []  # the partial build was removed
