"""The command line under faults of the user and of the machine: one line, a documented
status, nothing partial left, never a traceback."""

import errno
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mnist1d_cli import main
from mnist1d_core import files, resources


def mnist1d(*args, cwd=None, preexec_fn=None, **kwargs):
    return subprocess.run(
        [sys.executable, "-m", "mnist1d_cli", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        preexec_fn=preexec_fn,
        **kwargs,
    )


def one_line(stderr: str) -> str:
    assert stderr.count("\n") == 1 and "Traceback" not in stderr, stderr
    return stderr.rstrip("\n")


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["generate", "--out", "{tmp}/folder.npz", "--force"],
            "--out '{tmp}/folder.npz' is a folder; give the name of a file",
        ),
        (
            ["generate", "--out", "{tmp}/missing/x.npz"],
            "--out '{tmp}/missing/x.npz': folder '{tmp}/missing' does not exist",
        ),
        (
            ["generate", "--out", "{tmp}/a_file/x.npz"],
            "--out '{tmp}/a_file/x.npz': '{tmp}/a_file' is a file, not a folder",
        ),
        (["card", "--out", "{tmp}/missing/x.md"], "--out '{tmp}/missing/x.md': folder '{tmp}/missing' does not exist"),
        (
            ["plot", "--out", "{tmp}/folder.png", "--force"],
            "--out '{tmp}/folder.png' is a folder; give the name of a file",
        ),
        (["verify", "{tmp}/nothing-here"], "'{tmp}/nothing-here': no such folder or file"),
    ],
)
def test_bad_paths_are_refused_before_any_work(tmp_path, capsys, args, message):
    (tmp_path / "a_file").write_text("")
    (tmp_path / "folder.npz").mkdir()
    (tmp_path / "folder.png").mkdir()
    before = sorted(os.listdir(tmp_path))
    assert main([a.format(tmp=tmp_path) for a in args]) == 2
    assert one_line(capsys.readouterr().err) == f"mnist1d: error: {message.format(tmp=tmp_path)}"
    assert sorted(os.listdir(tmp_path)) == before


def test_a_read_only_destination_is_named_before_any_work(tmp_path, capsys, monkeypatch):
    # Tests may run as root, for whom chmod does not bite: the check asks os.access.
    monkeypatch.setattr(os, "access", lambda path, mode: Path(path) != tmp_path)
    assert main(["generate", "--out", str(tmp_path / "x.npz")]) == 2
    assert (
        one_line(capsys.readouterr().err)
        == f"mnist1d: error: --out '{tmp_path / 'x.npz'}': folder '{tmp_path}' is not writable"
    )


def test_too_large_a_request_is_refused_at_once_naming_num_samples(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(resources, "available_memory", lambda: 2 * 10**9)
    assert main(["generate", "--num-samples", "100000000", "--out", str(tmp_path / "x.npz")]) == 2
    assert one_line(capsys.readouterr().err).startswith(
        "mnist1d: error: num_samples=100000000: generating the whole set in memory needs about"
    )
    assert os.listdir(tmp_path) == []


def test_not_enough_disk_is_refused_before_generating(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(resources.shutil, "disk_usage", lambda path: type("Usage", (), {"free": 1000}))
    assert main(["generate", "--out", str(tmp_path / "x.npz")]) == 2
    assert one_line(capsys.readouterr().err) == (
        f"mnist1d: error: num_samples=5000: --out '{tmp_path / 'x.npz'}' needs about 1.6 MB of disk, "
        f"but {tmp_path} has 1.0 KB free"
    )


def test_a_file_size_limit_met_while_writing_is_one_line_and_leaves_nothing(tmp_path):
    # A real limit (ulimit -f): writing the .npz fails with EFBIG half-way.
    def limited():
        resource.setrlimit(resource.RLIMIT_FSIZE, (100_000, 100_000))

    result = mnist1d("generate", "--out", tmp_path / "x.npz", preexec_fn=limited)
    assert result.returncode == 1
    assert one_line(result.stderr) == (
        f"mnist1d: error: {tmp_path / 'x.npz'}: file too large; a file-size limit "
        "(ulimit -f) or the file system's is in the way"
    )
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize(
    "code, text",
    [
        (
            errno.ENOSPC,
            "no space left on device; free some space and run the command again: it removes what this run left",
        ),
        (errno.EACCES, "permission denied; check the permissions, or choose another location"),
        (errno.EROFS, "read-only file system; choose a writable location"),
    ],
)
def test_file_system_faults_while_writing_name_the_file(tmp_path, capsys, monkeypatch, code, text):
    def failing_write_array(f, array, **options):
        f.write(b"x" * 100)
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr("numpy.lib.format.write_array", failing_write_array)
    assert main(["generate", "--num-samples", "100", "--out", str(tmp_path / "x.npz")]) == 1
    assert one_line(capsys.readouterr().err) == f"mnist1d: error: {tmp_path / 'x.npz'}: {text}"
    assert os.listdir(tmp_path) == []


def cpu_seconds(pid: int) -> float:
    """The CPU time (user and system) the process ``pid`` has used so far (Linux's /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_ctrl_c_is_one_line_status_130_and_leaves_nothing(tmp_path):
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mnist1d_cli",
            "generate",
            "--num-samples",
            "3000000",
            "--out",
            str(tmp_path / "x.npz"),
        ],
        stderr=subprocess.PIPE,
        text=True,
    )
    # Imports done, generating: they take about 0.3 s of CPU time; generating this many, tens of seconds.
    deadline = time.monotonic() + 60
    while cpu_seconds(process.pid) < 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130
    assert one_line(stderr) == "mnist1d: interrupted"
    assert os.listdir(tmp_path) == []


def test_ctrl_c_while_writing_removes_the_partial_file(tmp_path, monkeypatch):
    def interrupted_write_array(f, array, **options):
        f.write(b"x" * 100)
        raise KeyboardInterrupt

    monkeypatch.setattr("numpy.lib.format.write_array", interrupted_write_array)
    assert main(["generate", "--num-samples", "100", "--out", str(tmp_path / "x.npz")]) == 130
    assert os.listdir(tmp_path) == []


def test_a_closed_pipe_ends_quietly():
    reader = subprocess.Popen(["head", "-c", "10"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
    writer = subprocess.Popen(
        [sys.executable, "-m", "mnist1d_cli", "info"], stdout=reader.stdin, stderr=subprocess.PIPE
    )
    reader.stdin.close()
    reader.wait()
    # info is short: let the reader go first, then write more than a pipe holds.
    writer.wait(timeout=60)
    assert writer.stderr.read() == b""
    card = subprocess.run(
        f"{sys.executable} -m mnist1d_cli card | head -c 10 > /dev/null; echo ${{PIPESTATUS[0]}}",
        shell=True,
        executable="/bin/bash",
        capture_output=True,
        text=True,
    )
    assert card.stderr == "" and card.stdout.strip() in ("0", "141")


def test_a_killed_generate_leaves_a_partial_file_that_the_next_run_removes(tmp_path):
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            (
                "import sys, time, numpy\n"
                "def slow(f, array, **options):\n"
                "    f.write(b'x' * 1000); f.flush(); print('writing', flush=True); time.sleep(60)\n"
                "numpy.lib.format.write_array = slow\n"
                "from mnist1d_cli import main\n"
                "sys.exit(main(sys.argv[1:]))\n"
            ),
            "generate",
            "--num-samples",
            "100",
            "--out",
            str(tmp_path / "x.npz"),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout.readline() == "writing\n"
    process.kill()
    process.wait()
    assert [name for name in os.listdir(tmp_path) if ".partial-" in name]
    result = mnist1d("generate", "--num-samples", "100", "--out", tmp_path / "x.npz")
    assert result.returncode == 0, result.stderr
    assert os.listdir(tmp_path) == ["x.npz"]


def test_partial_outputs_are_owned_by_their_writer(tmp_path):
    # What a *live* writer is making is not touched by another run of the same command.
    with files.written_atomically(tmp_path / "x.npz") as partial:
        partial.write_bytes(b"half")
        result = mnist1d("generate", "--num-samples", "100", "--out", tmp_path / "y.npz")
        assert result.returncode == 0 and partial.exists()


def test_closed_standard_output_is_refused_before_any_work(tmp_path):
    result = subprocess.run(
        f"{sys.executable} -m mnist1d_cli generate --out {tmp_path / 'x.npz'} >&-",
        shell=True,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert one_line(result.stderr) == "mnist1d: error: standard output or error is closed; nothing was done"
    assert os.listdir(tmp_path) == []


def test_a_path_that_is_not_valid_text_still_prints(tmp_path):
    out = os.fsencode(tmp_path) + b"/bad\xff.npz"
    result = subprocess.run(
        [sys.executable, "-m", "mnist1d_cli", "generate", "--num-samples", "10", "--out", out],
        capture_output=True,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(b"wrote " + os.fsencode(tmp_path) + b"/bad\\udcff.npz")


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda path: os.mkfifo(path), "a device, a FIFO or a socket, not a dataset folder or file"),
    ],
)
def test_verify_of_a_fifo_is_bad_input(tmp_path, capsys, make, message):
    make(tmp_path / "odd")
    assert main(["verify", str(tmp_path / "odd")]) == 2
    assert one_line(capsys.readouterr().err) == f"mnist1d: error: '{tmp_path / 'odd'}': {message}"


@pytest.mark.parametrize("args", [["generate", "--out", ""], ["verify", ""], ["card", "--out", ""]])
def test_an_empty_path_is_bad_input_not_the_current_folder(capsys, args):
    assert main(args) == 2
    assert "an empty path" in one_line(capsys.readouterr().err)


def test_a_folder_where_nothing_can_be_created_is_refused_before_work(capsys):
    # /proc takes no new files, whatever the permission bits say (and root passes os.access).
    assert main(["plot", "--num-samples", "100", "--out", "/proc/mnist1d-test.png"]) == 2
    assert one_line(capsys.readouterr().err).startswith(
        "mnist1d: error: --out '/proc/mnist1d-test.png': folder '/proc' is not writable ("
    )


def test_a_fifo_target_is_refused_before_generating(tmp_path, capsys, monkeypatch):
    os.mkfifo(tmp_path / "x.npz")
    monkeypatch.setattr("mnist1d_cli.data.generate", lambda *a, **k: pytest.fail("generated"))
    assert main(["generate", "--out", str(tmp_path / "x.npz"), "--force"]) == 2
    assert "not a file or a folder (a device, a FIFO or a socket)" in one_line(capsys.readouterr().err)


def test_card_keeps_an_existing_file_unless_forced(tmp_path, capsys):
    out = tmp_path / "card.md"
    out.write_text("mine")
    assert main(["card", "--out", str(out)]) == 2
    assert one_line(capsys.readouterr().err) == f"mnist1d: error: --out '{out}' exists; pass --force to overwrite it"
    assert out.read_text() == "mine"


def test_ctrl_c_while_the_command_line_starts_is_one_line_and_130():
    # The heavy imports (numpy, scipy) happen inside main(): a Ctrl-C there is handled. The
    # signal is sent from within the import of numpy, so the test does not depend on timing.
    code = (
        "import builtins, os, signal, sys\n"
        "real = builtins.__import__\n"
        "def importing(name, *args, **kwargs):\n"
        "    if name == 'numpy' and 'numpy' not in sys.modules:\n"
        "        os.kill(os.getpid(), signal.SIGINT)\n"
        "    return real(name, *args, **kwargs)\n"
        "builtins.__import__ = importing\n"
        "from mnist1d_cli import run\n"
        "sys.argv = ['mnist1d', 'info']\n"
        "run()\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 130 and result.stdout == ""
    assert one_line(result.stderr) == "mnist1d: interrupted"
