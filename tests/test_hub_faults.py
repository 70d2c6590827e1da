"""``mnist1d export`` and ``publish`` in real life: killed at every phase, two at once, too
large for the machine, file-system faults, Ctrl-C. Kills and Ctrl-C are real signals sent
to real ``mnist1d`` processes, held at a phase by a wrapper that patches one function to
wait there (the code under test is unchanged); resources are refused through the estimates."""

import errno
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

datasets = pytest.importorskip("datasets")

import huggingface_hub  # noqa: E402

from mnist1d_builders import hub  # noqa: E402
from mnist1d_builders.hub import exporter, release  # noqa: E402
from mnist1d_cli import main  # noqa: E402
from mnist1d_core import DATA_VERSION, PRESETS, MNIST1DConfig, resources  # noqa: E402

SMALL = ["--config", "canonical", "--num-samples", "200"]
SMALL_CONFIG = PRESETS["canonical"].replace(num_samples=200)

#: Runs ``mnist1d ARGS`` after patching the function of PHASE to write the file READY, then
#: wait for the file GO (or for a signal). Usage: python -c HELD PHASE READY GO ARGS...
HELD = """
import contextlib, os, sys, time
from pathlib import Path

phase, ready, go, *args = sys.argv[1:]

def hold():
    Path(ready).write_text(str(os.getpid()))
    while not Path(go).exists():
        time.sleep(0.02)

from mnist1d_builders.record import manifest
from mnist1d_builders.hub import exporter, parquet

def held_after(real):
    @contextlib.contextmanager
    def written_atomically(target):
        with real(target) as partial:
            yield partial
            hold()  # the block is done; the rename into place comes next
    return written_atomically

if phase == "generation":
    real_generate = exporter.generate
    exporter.generate = lambda config, progress=None: real_generate(config, progress=lambda done, total: hold())
elif phase == "parquet":
    real_write_shard = parquet.write_shard
    def write_shard(table, sink, **record):
        real_write_shard(table, sink, **record)
        hold()  # one shard written, the others to come
    parquet.write_shard = write_shard
elif phase == "checksums":
    manifest.written_atomically = held_after(manifest.written_atomically)
elif phase == "rename":
    exporter.written_atomically = held_after(exporter.written_atomically)

from mnist1d_cli import main
sys.exit(main(args))
"""


def held(phase: str, folder: Path, *args, env=None) -> tuple[subprocess.Popen, Path, Path]:
    """Start ``mnist1d ARGS`` to be held at ``phase``; returns it, its ready and its go file."""
    ready, go = folder / f"ready-{phase}", folder / f"go-{phase}"
    process = subprocess.Popen(
        [sys.executable, "-c", HELD, phase, str(ready), str(go), *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    return process, ready, go


def wait_for(*paths: Path, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not all(path.exists() for path in paths):
        assert time.monotonic() < deadline, f"never reached: {paths}"
        time.sleep(0.05)


def one_line(stderr: str) -> str:
    assert stderr.count("\n") == 1 and "Traceback" not in stderr, stderr
    return stderr.rstrip("\n")


def names(folder: Path) -> list[str]:
    return sorted(os.listdir(folder))


# --- interruption -------------------------------------------------------------------


def test_an_export_killed_at_any_phase_leaves_what_the_next_export_removes(tmp_path):
    phases = ["generation", "parquet", "checksums", "rename"]
    runs = {}
    for phase in phases:  # all at once: one start-up's time
        (tmp_path / phase).mkdir()
        runs[phase] = held(phase, tmp_path, "export", "--out", tmp_path / phase / "E", *SMALL)
    wait_for(*(ready for _, ready, _ in runs.values()))
    for phase, (process, _, _) in runs.items():
        process.send_signal(signal.SIGKILL)
        process.wait()
        left = names(tmp_path / phase)
        assert "E" not in left and any(name.startswith(".E.partial-") and name.endswith(".owner") for name in left), (
            phase,
            left,
        )
        partial = next(tmp_path / phase / name for name in left if not name.endswith(".owner"))
        if phase in ("checksums", "rename"):  # all shards there: still nothing a later run takes in
            assert (partial / SMALL_CONFIG.name / "train-00000-of-00001.parquet").is_file()
    for phase in phases:
        out = tmp_path / phase / "E"
        assert main(["export", "--out", str(out), *SMALL]) == 0
        assert names(tmp_path / phase) == ["E"], phase
        assert main(["verify", str(out)]) == 0


def test_a_live_exports_partial_folder_is_not_touched_and_ctrl_c_removes_it(tmp_path):
    process, ready, _ = held("parquet", tmp_path, "export", "--out", tmp_path / "E", *SMALL)
    wait_for(ready)
    live = [name for name in names(tmp_path) if name.startswith(".E.partial-")]
    assert len(live) == 2  # the partial folder and its owner file
    assert main(["export", "--out", str(tmp_path / "E"), *SMALL]) == 0  # the same target, meanwhile
    assert [name for name in names(tmp_path) if name.startswith(".E.partial-")] == live
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130
    assert one_line(stderr) == "mnist1d: interrupted"
    assert names(tmp_path) == sorted(["E", ready.name])


# --- two at once ----------------------------------------------------------------------


def test_two_exports_to_one_target_at_once_both_succeed_or_one_refuses_in_one_line(tmp_path):
    # Each pair is held just before its rename, so both have written everything; then all go.
    # Into E: the same config twice (both succeed); into F: two configs (one refuses).
    go = tmp_path / "go"
    runs = {}
    for name, out, args in [
        ("e1", "E", SMALL),
        ("e2", "E", SMALL),
        ("f1", "F", SMALL),
        ("f2", "F", ["--config", "shuffled", "--num-samples", "200"]),
    ]:
        ready = tmp_path / f"ready-{name}"
        runs[name] = (
            subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    HELD,
                    "rename",
                    str(ready),
                    str(go),
                    "export",
                    "--out",
                    str(tmp_path / out),
                    *args,
                ],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            ),
            ready,
        )
    wait_for(*(ready for _, ready in runs.values()))
    go.touch()
    outputs = {name: (process.communicate(timeout=120), process.returncode) for name, (process, _) in runs.items()}
    assert [outputs[name][1] for name in ("e1", "e2")] == [0, 0], outputs
    first_checks = sorted(outputs[name][0][0].splitlines()[1] for name in ("e1", "e2"))
    assert first_checks == [
        f"  {tmp_path / 'E'}: written meanwhile by another run, with exactly these files",
        f"  {SMALL_CONFIG.name}/MANIFEST.json: all 2 files re-hashed and intact",
    ]
    assert sorted(outputs[name][1] for name in ("f1", "f2")) == [0, 1], outputs
    refused = next(stderr for (_, stderr), status in (outputs["f1"], outputs["f2"]) if status == 1)
    assert one_line(refused) == (
        f"mnist1d: error: {tmp_path / 'F'}: appeared while this run was writing it "
        "(another run finished first); this run's output was discarded"
    )
    for out in ("E", "F"):
        assert main(["verify", str(tmp_path / out)]) == 0
    assert [name for name in names(tmp_path) if not name.startswith(("ready-", "go"))] == ["E", "F"]


# --- resources, before any work ---------------------------------------------------------


def no_generation(config, progress=None):
    raise AssertionError("generated before the checks")


def test_an_export_larger_than_the_free_disk_is_refused_before_generating(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(exporter, "generate", no_generation)
    free = resources.shutil.disk_usage(tmp_path).free
    num_samples = free // 160 + 10  # float32 signals of 40 and int64 labels: 168 bytes each in Arrow
    needed = exporter.export_bytes([PRESETS["canonical"].replace(num_samples=num_samples)])
    assert needed > free
    assert (
        main(
            [
                "export",
                "--out",
                str(tmp_path / "E"),
                "--config",
                "canonical",
                "--num-samples",
                str(num_samples),
                "--algorithm",
                "sharded",
            ]
        )
        == 2
    )
    message = one_line(capsys.readouterr().err)
    assert message.startswith(
        f"mnist1d: error: num_samples={num_samples}: the export needs about "
        f"{resources.size(needed)} of disk, but {tmp_path} has "
    )
    assert message.endswith(" free")
    assert names(tmp_path) == []


def test_the_disk_estimate_covers_what_an_export_takes(tmp_path):
    configs = [PRESETS["canonical"], MNIST1DConfig(num_samples=3000, final_seq_length=400, seed=1)]
    hub.export(tmp_path / "E", configs)
    taken = sum(path.stat().st_size for path in (tmp_path / "E").rglob("*") if path.is_file())
    assert taken < exporter.export_bytes(configs) < 2 * taken + 2 * 10**6


def test_an_export_larger_than_the_memory_is_refused_before_generating(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(exporter, "generate", no_generation)
    monkeypatch.setattr(resources, "available_memory", lambda: 10**9)
    assert main(["export", "--out", str(tmp_path / "E"), "--num-samples", "10000000"]) == 2
    assert one_line(capsys.readouterr().err).startswith(
        "mnist1d: error: num_samples=10000000: generating the whole set in memory needs about"
    )
    assert names(tmp_path) == []


def test_plot_refuses_more_per_class_than_a_class_has_before_generating(tmp_path, capsys, monkeypatch):
    from mnist1d_cli import data

    monkeypatch.setattr(data, "generate", no_generation)
    assert main(["plot", "--out", str(tmp_path / "x.png"), "--per-class", "100000"]) == 2
    assert one_line(capsys.readouterr().err) == (
        "mnist1d: error: per_class=100000, but no class of canonical can have more than 500 train examples "
        "(500 of each class, 4000 train examples in all)"
    )
    assert main(["plot", "--out", str(tmp_path / "x.png"), "--num-samples", "20", "--per-class", "3"]) == 2
    assert "no class of custom-num_samples_20 can have more than 2 train examples" in capsys.readouterr().err
    assert names(tmp_path) == []


# --- file-system faults -------------------------------------------------------------------


@pytest.mark.parametrize(
    "out, message",
    [
        ("{tmp}/a_file", "output folder '{tmp}/a_file' is a file; choose a new folder"),
        ("{tmp}/a_file/E", "output folder '{tmp}/a_file/E': its parent '{tmp}/a_file' is a file, not a folder"),
        ("{tmp}/missing/E", "output folder '{tmp}/missing/E': its parent '{tmp}/missing' does not exist"),
        ("{tmp}/full", "output folder '{tmp}/full' exists and is not empty; choose a new folder"),
    ],
)
def test_a_destination_that_cannot_be_made_is_refused_before_any_work(tmp_path, capsys, monkeypatch, out, message):
    monkeypatch.setattr(exporter, "generate", no_generation)
    (tmp_path / "a_file").write_text("mine")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "mine").write_text("mine")
    assert main(["export", "--out", out.format(tmp=tmp_path), *SMALL]) == 2
    assert one_line(capsys.readouterr().err) == f"mnist1d: error: {message.format(tmp=tmp_path)}"
    assert names(tmp_path) == ["a_file", "full"] and names(tmp_path / "full") == ["mine"]


def test_a_read_only_destination_is_refused_before_any_work(tmp_path, capsys, monkeypatch):
    # Tests may run as root, for whom chmod does not bite: the check asks os.access, which
    # also says no for a read-only file system.
    monkeypatch.setattr(exporter, "generate", no_generation)
    monkeypatch.setattr(os, "access", lambda path, mode: Path(path) != tmp_path)
    assert main(["export", "--out", str(tmp_path / "E"), *SMALL]) == 2
    assert one_line(capsys.readouterr().err) == (
        f"mnist1d: error: output folder '{tmp_path / 'E'}': its parent '{tmp_path}' is not writable"
    )


def test_a_file_size_limit_met_while_writing_names_the_shard_and_leaves_nothing(tmp_path, capsys):
    # A real limit (ulimit -f; Python ignores SIGXFSZ): the 130 KB shard cannot be written.
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (50_000, hard))
    try:
        status = main(["export", "--out", str(tmp_path / "E"), "--config", "canonical", "--num-samples", "1000"])
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
    assert status == 1
    shard = tmp_path / "E" / "custom-num_samples_1000" / "train-00000-of-00001.parquet"
    assert one_line(capsys.readouterr().err) == (
        f"mnist1d: error: {shard}: file too large; a file-size limit (ulimit -f) or the file system's is in the way"
    )
    assert names(tmp_path) == []


@pytest.mark.parametrize(
    "code, where",
    [
        (errno.ENOSPC, "shard"),
        (errno.EACCES, "shard"),
        (errno.EROFS, "shard"),
        (errno.ENOSPC, "card"),
        (errno.EACCES, "folder"),
    ],
)
def test_file_system_faults_while_writing_name_the_path_in_the_export(tmp_path, capsys, monkeypatch, code, where):
    from mnist1d_builders.hub import parquet

    if where == "shard":  # pyarrow's own error, which names no file

        def failing(path, mode):
            raise OSError(code, f"Failed to open local file '{path}'. Detail: [errno {code}] {os.strerror(code)}")

        monkeypatch.setattr(parquet.pa, "OSFile", failing)
        named = tmp_path / "E" / "canonical" / "train-00000-of-00001.parquet"
    elif where == "card":
        real_write_text = Path.write_text

        def failing(self, *args, **kwargs):
            if self.name == "README.md":
                raise OSError(code, os.strerror(code), str(self))
            return real_write_text(self, *args, **kwargs)

        monkeypatch.setattr(Path, "write_text", failing)
        named = tmp_path / "E" / "README.md"
    else:
        real_mkdir = Path.mkdir

        def failing(self, *args, **kwargs):
            if self.name == "canonical":
                raise OSError(code, os.strerror(code), str(self))
            return real_mkdir(self, *args, **kwargs)

        monkeypatch.setattr(Path, "mkdir", failing)
        named = tmp_path / "E" / "canonical"
    assert main(["export", "--out", str(tmp_path / "E"), "--config", "canonical"]) == 1
    assert one_line(capsys.readouterr().err).startswith(f"mnist1d: error: {named}: {os.strerror(code).lower()}")
    assert names(tmp_path) == []


# --- publish ------------------------------------------------------------------------------


REPO = "someone/mnist1d"


def test_publish_checks_the_token_before_exporting(capsys, monkeypatch):
    monkeypatch.setattr(huggingface_hub, "get_token", lambda: None)
    monkeypatch.setattr(release, "export", lambda *args, **kwargs: pytest.fail("exported before the token check"))
    assert main(["publish", "--repo", REPO, "--version", DATA_VERSION]) == 2
    assert one_line(capsys.readouterr().err) == (
        "mnist1d: error: publishing needs a Hugging Face token with write access: set HF_TOKEN or run `hf auth login`"
    )


def test_publish_checks_the_disk_before_the_token_and_exporting(capsys, monkeypatch):
    monkeypatch.setattr(huggingface_hub, "get_token", lambda: pytest.fail("asked for the token"))
    monkeypatch.setattr(release, "export", lambda *args, **kwargs: pytest.fail("exported"))
    monkeypatch.setattr(resources.shutil, "disk_usage", lambda path: type("Usage", (), {"free": 1000}))
    assert main(["publish", "--repo", REPO, "--version", DATA_VERSION]) == 2
    assert one_line(capsys.readouterr().err).startswith(
        "mnist1d: error: num_samples=5000: the export of 2 configs needs about 3.8 MB of disk, but "
    )


def publish_folders(folder: Path) -> list[str]:
    return [name for name in names(folder) if name.startswith(release.WORK_PREFIX)]


def test_a_killed_publishs_temporary_folder_is_removed_by_the_next_not_a_live_one(tmp_path, monkeypatch, capsys):
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    env = {**os.environ, "TMPDIR": str(temporary)}
    process, ready, _ = held(
        "parquet", tmp_path, "publish", "--repo", REPO, "--version", DATA_VERSION, "--dry-run", *SMALL, env=env
    )
    wait_for(ready)
    live = publish_folders(temporary)
    assert len(live) == 2 and live[1] == live[0] + ".owner"
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    assert main(["publish", "--repo", REPO, "--version", DATA_VERSION, "--dry-run", *SMALL]) == 0
    assert publish_folders(temporary) == live  # a live publish's folder is kept; this one's is gone
    process.kill()
    process.wait()
    assert main(["publish", "--repo", REPO, "--version", DATA_VERSION, "--dry-run", *SMALL]) == 0
    assert publish_folders(temporary) == [] and names(temporary) == []
    assert "dry run: nothing uploaded, nothing tagged" in capsys.readouterr().out
