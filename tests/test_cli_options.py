"""The command line's options and exit statuses: no abbreviated or misspelled option is taken
for another (issue 25), and one table in main gives every failure its exit status (issue 20)."""

import errno

import pytest

from mnist1d_cli import build_parser, main
from mnist1d_cli.errors import UsageError, exit_status
from mnist1d_core.errors import Damaged
from mnist1d_core.files import BadFile
from mnist1d_core.fingerprint import FingerprintMismatch

COMMANDS = build_parser().commands.choices


def abbreviations():
    """(command, option, the option less its last letter) for every long option of every
    subcommand, where the shortened form is not itself an option."""
    for command, parser in COMMANDS.items():
        options = parser.options()
        for option in sorted(options):
            if option.startswith("--") and len(option) > 4 and option[:-1] not in options:
                yield command, option, option[:-1]


@pytest.mark.parametrize("command, option, abbreviated", list(abbreviations()))
def test_an_abbreviated_option_is_refused_naming_the_option_meant(capsys, command, option, abbreviated):
    assert main([command, abbreviated]) == 2
    assert (
        capsys.readouterr().err == f"mnist1d {command}: error: unknown option {abbreviated}; did you mean {option}?\n"
    )


def test_every_subcommand_is_covered():
    assert {command for command, _, _ in abbreviations()} == set(COMMANDS) and len(COMMANDS) >= 8


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["generate", "--num-sample", "10"],
            "mnist1d generate: error: unknown option --num-sample; did you mean --num-samples?",
        ),
        (
            ["generate", "--num-sample=10"],
            "mnist1d generate: error: unknown option --num-sample; did you mean --num-samples?",
        ),
        (
            ["generate", "--nmu-samples", "10"],
            "mnist1d generate: error: unknown option --nmu-samples; did you mean --num-samples?",
        ),
        (["plot", "--per-clas", "2"], "mnist1d plot: error: unknown option --per-clas; did you mean --per-class?"),
        (["verify", "--quux", "x"], "mnist1d verify: error: unknown option --quux; see mnist1d verify --help"),
        (["--vers"], "mnist1d: error: unknown option --vers; did you mean --version?"),
        (["info", "extra"], "mnist1d: error: unrecognized arguments: extra"),
    ],
)
def test_a_misspelled_option_is_refused_before_any_work(tmp_path, monkeypatch, capsys, args, message):
    monkeypatch.chdir(tmp_path)
    assert main(args) == 2
    assert capsys.readouterr().err == message + "\n"
    assert list(tmp_path.iterdir()) == []  # `generate --num-sample 10` used to write 5000 examples


def test_after_a_double_dash_words_are_not_options(tmp_path, capsys):
    assert main(["verify", "--", "--not-an-option"]) == 2
    assert "'--not-an-option': no such folder or file" in capsys.readouterr().err


# --- one table of exit statuses ----------------------------------------------------------


class Bug(Exception):
    """Not a user's mistake nor a fault: a bug, which keeps its traceback."""


def integrity_error():
    from mnist1d_builders.record.files import IntegrityError

    return IntegrityError("SHA256SUMS: x.arrow: damaged")


@pytest.mark.parametrize(
    "error, status, line",
    [
        (UsageError("--out must end in .npz"), 2, "mnist1d: error: --out must end in .npz"),
        (ValueError("seed must be in 0..4294967295, got -1"), 2, "mnist1d: error: seed must be in"),
        (BadFile("r.json", "a FIFO, not a file; nothing was read from it"), 2, "mnist1d: error: r.json: a FIFO"),
        (FingerprintMismatch("train: content fingerprint abc"), 1, "mnist1d: error: train: content"),
        (integrity_error(), 1, "mnist1d: error: SHA256SUMS: x.arrow: damaged"),
        (Damaged("x: damaged"), 1, "mnist1d: error: x: damaged"),
        (
            ModuleNotFoundError("No module named 'datasets'", name="datasets"),
            2,
            "mnist1d: error: No module named 'datasets': install the extra that provides it, "
            'pip install "mnist1d-datasets[hf]"',
        ),
        (
            PermissionError(errno.EACCES, "Permission denied", "out.npz"),
            1,
            "mnist1d: error: out.npz: permission denied",
        ),
        (OSError(errno.ENOSPC, "No space left on device", "out.npz"), 1, "mnist1d: error: out.npz: no space left"),
        (MemoryError(), 1, "mnist1d: error: out of memory"),
        (KeyboardInterrupt(), 130, "mnist1d: interrupted"),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, BaseException) else None,
)
def test_main_gives_each_failure_its_status_from_one_table(monkeypatch, capsys, error, status, line):
    def fail(args):
        raise error

    monkeypatch.setattr("mnist1d_cli.data._run_info", fail)
    assert main(["info"]) == status == exit_status(error)
    err = capsys.readouterr().err
    assert err.startswith(line) and err.count("\n") == 1


def test_a_bug_keeps_its_traceback(monkeypatch):
    monkeypatch.setattr("mnist1d_cli.data._run_info", lambda args: (_ for _ in ()).throw(Bug("a bug")))
    with pytest.raises(Bug):
        main(["info"])
    assert exit_status(Bug()) is None and exit_status(SystemExit(0)) is None


def test_damage_from_a_command_s_work_reaches_main_s_table(monkeypatch, tmp_path, capsys):
    # No wrapper between a command and main: the one table tells damage from bad input
    monkeypatch.setattr(
        "mnist1d_builders.record.verify.verify_directory", lambda path: (_ for _ in ()).throw(integrity_error())
    )
    assert main(["verify", str(tmp_path)]) == 1
    assert capsys.readouterr().err == "mnist1d: error: SHA256SUMS: x.arrow: damaged\n"
