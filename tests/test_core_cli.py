"""The mnist1d command line: help everywhere, generate, info, one-line errors, progress."""

import contextlib
import io
import os
import subprocess
import sys

import golden
import numpy as np
import pytest

from mnist1d_cli import main
from mnist1d_cli.options import ProgressBar
from mnist1d_core import fingerprint


def run(*args, cwd=None):
    """``mnist1d ARGS`` in a process of its own, as a user runs it."""
    return subprocess.run([sys.executable, "-m", "mnist1d_cli", *args], capture_output=True, text=True, cwd=cwd)


def run_here(*args, cwd=None):
    """``mnist1d ARGS`` through ``main`` in this process (what the command's process runs, without
    its start-up): its exit status (argparse's own for --help), standard output and error."""
    out, err, previous = io.StringIO(), io.StringIO(), os.getcwd()
    try:
        os.chdir(cwd or previous)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                status = main(list(args))
            except SystemExit as exit:
                status = exit.code
    finally:
        os.chdir(previous)
    return subprocess.CompletedProcess(args, status, out.getvalue(), err.getvalue())


@pytest.mark.parametrize("args", [["--help"], ["verify", "--help"], ["generate", "--seed", "x"], ["frobnicate"]])
def test_the_command_in_a_process_of_its_own_is_main(tmp_path, args):
    """The tests below call main in this process: the installed command behaves the same."""
    alone, here = run(*args, cwd=tmp_path), run_here(*args, cwd=tmp_path)
    assert (alone.returncode, alone.stdout, alone.stderr) == (here.returncode, here.stdout, here.stderr)


@pytest.mark.parametrize(
    "command", [[], ["generate"], ["info"], ["build"], ["verify"], ["plot"], ["export"], ["publish"], ["card"]]
)
def test_help_everywhere(command):
    result = run_here(*command, "--help")
    assert result.returncode == 0 and "usage: mnist1d" in result.stdout


def test_generate_canonical_prints_location_and_fingerprints(tmp_path):
    out = tmp_path / "paper.npz"
    result = run("generate", "--out", str(out), "--no-progress")
    assert result.returncode == 0, result.stderr
    assert str(out) in result.stdout
    assert f"train: 4000 examples, fingerprint {golden.TRAIN_FINGERPRINT} (matches the registry)" in result.stdout
    with np.load(out) as data:
        assert sorted(data.files) == sorted(
            ["x", "y", "x_test", "y_test", "t", "templates_x", "templates_t", "templates_y"]
        )
        assert fingerprint(data["x_test"], data["y_test"]) == golden.TEST_FINGERPRINT
    assert [p.name for p in tmp_path.iterdir()] == ["paper.npz"]  # no temporary file left


def test_generate_custom_parameters_default_name(tmp_path):
    result = run_here(
        "generate", "--config", "shuffled", "--seed", "7", "--num-samples", "100", "--padding", "3", "9", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    expected = "mnist1d-custom-num_samples_100-padding_3_9-shuffle_seq_true-seed_7.npz"
    assert (tmp_path / expected).is_file()
    assert "matches the registry" not in result.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["generate", "--seed", "-1"], "mnist1d: error: seed must be in 0..4294967295, got -1"),
        (["generate", "--seed", "x"], "mnist1d generate: error: argument --seed: invalid int value: 'x'"),
        (["generate", "--train-split", "1.5"], "mnist1d: error: train_split must be in (0, 1), got 1.5"),
        (["generate", "--padding", "60", "36"], "mnist1d: error: padding must have low <= high, got (60, 36)"),
        (["generate", "--config", "paper"], "mnist1d generate: error: argument --config: invalid choice: 'paper'"),
        (["generate", "--out", "a.txt"], "mnist1d: error: --out must end in .npz, got 'a.txt'"),
        (["generate", "--out", "no/such/dir/a.npz"], "folder 'no/such/dir' does not exist"),
        (["frobnicate"], "mnist1d: error: argument COMMAND: invalid choice: 'frobnicate'"),
    ],
)
def test_bad_input_exits_2_with_one_clear_line_and_writes_nothing(tmp_path, args, message):
    result = run_here(*args, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and message in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_an_existing_output_is_kept_unless_forced(tmp_path):
    out = tmp_path / "keep.npz"
    out.write_bytes(b"precious")
    result = run_here("generate", "--num-samples", "20", "--out", str(out))
    assert result.returncode == 2 and "exists; pass --force" in result.stderr
    assert out.read_bytes() == b"precious"
    assert run_here("generate", "--num-samples", "20", "--out", str(out), "--force").returncode == 0
    assert np.load(out)["x"].shape == (16, 40)


def test_info_lists_presets_parameters_and_fingerprints():
    result = run_here("info")
    assert result.returncode == 0
    for text in ("canonical: 4000 train / 1000 test", "shuffled:", "max_translation   48", golden.TRAIN_FINGERPRINT):
        assert text in result.stdout


def test_progress_bar_draws_on_a_terminal_and_stays_silent_elsewhere(capsys):
    stream = io.StringIO()
    bar = ProgressBar("generating", stream, force=True)
    bar(50, 100)
    bar(100, 100)
    text = stream.getvalue()
    assert "\rgenerating [###############...............] 50/100" in text and text.endswith("\n")
    quiet = io.StringIO()
    ProgressBar("generating", quiet)(1, 2)  # StringIO is not a terminal
    assert quiet.getvalue() == ""


def test_progress_bar_fits_the_terminal_so_it_redraws_one_line():
    # On a real terminal of 60 columns (a pty), a long label is cut to fit: a line longer
    # than the terminal wraps, and every update would then start a new line.
    import fcntl
    import pty
    import struct
    import termios

    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 60, 0, 0))
    with open(follower, "w", closefd=True) as terminal:
        bar = ProgressBar("training linear mlp cnn gru x 3 seeds on custom-num_samples_50000-seed_7", terminal)
        assert bar.enabled
        bar(3, 16000)
    written = os.read(leader, 4096).decode()
    os.close(leader)
    line = written.lstrip("\r")
    assert len(line) <= 59 and line.startswith("training linear mlp cnn gru x ")
    assert "... [..........] 3/16000 " in line  # the bar narrowed to 10, then the label cut


def test_main_returns_exit_codes_in_process(capsys):
    assert main(["info", "--config", "shuffled"]) == 0
    assert main(["generate", "--num-samples", "5"]) == 2
    assert "num_samples must be in 10..1000000000000000, got 5" in capsys.readouterr().err


def test_core_imports_no_framework():
    code = (
        "import sys, mnist1d_core, mnist1d_cli, mnist1d_core.compat;"
        "mnist1d_core.generate(mnist1d_core.MNIST1DConfig(num_samples=20));"
        "bad = [m for m in ('datasets', 'tensorflow', 'pyarrow', 'tensorflow_datasets') if m in sys.modules];"
        "print(bad)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=os.environ)
    assert result.stdout.strip() == "[]", result.stderr


@pytest.mark.parametrize(
    "args", [["generate", "--out"], ["plot", "--out"], ["card", "--out"], ["benchmark", "--json"]]
)
def test_a_file_output_ending_in_a_slash_is_refused(tmp_path, capsys, args):
    # Path("out/") is Path("out"): the command would write a file called out.
    target = tmp_path / "out"
    assert main([*args, f"{target}/"]) == 2
    err = capsys.readouterr().err
    assert f"'{target}/' names a folder (it ends in '/'); give the name of a file" in err and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []
