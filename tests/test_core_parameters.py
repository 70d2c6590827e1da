"""The one table of the generator's parameters (mnist1d_core.config.PARAMETERS): the config,
the command line's options and parse_parameter are made from it; and its scales are bounded
so that the data is always finite and never constant (issue 21, finding 6)."""

import dataclasses
import os
import subprocess
import sys

import numpy as np
import pytest

from mnist1d_core import DEFAULT, MNIST1DConfig, generate
from mnist1d_core.config import MAX_SCALE, PARAMETER, PARAMETERS, parameters_markdown, parse_parameter

SCALES = ["scale_coeff", "corr_noise_scale", "iid_noise_scale", "shear_scale"]


def test_the_table_is_the_config_fields_in_order_with_their_defaults():
    fields = dataclasses.fields(MNIST1DConfig)
    assert [p.name for p in PARAMETERS] == [f.name for f in fields]
    assert all(getattr(DEFAULT, p.name) == p.default for p in PARAMETERS)
    assert all(p.meaning.endswith((".", ")")) and p.valid for p in PARAMETERS)


def test_the_markdown_table_has_a_row_per_parameter_with_its_range():
    lines = parameters_markdown().splitlines()
    assert lines[0] == "| parameter | type | default | valid | meaning |" and len(lines) == 2 + len(PARAMETERS)
    assert (
        "| `scale_coeff` | float | `0.4` | 0..1,000,000 |"
        in lines[2 + [p.name for p in PARAMETERS].index("scale_coeff")]
    )
    assert "| `padding` | (int, int) | `(36, 60)` |" in parameters_markdown()


@pytest.mark.parametrize("parameter", PARAMETERS, ids=lambda p: p.name)
def test_parse_parameter_reads_each_default_as_the_command_line_writes_it(parameter):
    default = parameter.default
    text = {tuple: f"{default[0]}:{default[1]}" if isinstance(default, tuple) else None, bool: "false"}.get(
        parameter.kind
    ) or str(default)
    value = parse_parameter(parameter.name, text)
    assert value == default and type(value) is type(default)


@pytest.mark.parametrize(
    "name, text, message",
    [
        ("seed", "x", "seed must be an integer, got 'x'"),
        ("seed", "-1", r"seed must be in 0\.\.4294967295, got -1"),
        ("train_split", "1.5", r"train_split must be in \(0, 1\), got 1\.5"),
        ("padding", "10", "padding must be LOW:HIGH, got '10'"),
        ("padding", "20:10", r"padding must have low <= high, got \(20, 10\)"),
        ("shuffle_seq", "maybe", "shuffle_seq must be true or false, got 'maybe'"),
        ("algorithm", "fast", "algorithm must be one of 'paper', 'sharded', got 'fast'"),
        ("scale_coeff", "1e308", "scale_coeff must be at most 1,000,000: "),
        ("iid_noise_scale", "nan", "iid_noise_scale must be finite, got nan"),
        ("sead", "1", "unknown MNIST-1D parameter 'sead'; did you mean seed\\?"),
        ("zzz", "1", "unknown MNIST-1D parameter 'zzz'; choose one of: num_samples, "),
    ],
)
def test_parse_parameter_refuses_with_the_parameter_named(name, text, message):
    with pytest.raises(ValueError, match=f"^{message}"):
        parse_parameter(name, text)


def test_parse_parameter_takes_the_other_spellings():
    assert parse_parameter("padding", " 3  9 ") == (3, 9) and parse_parameter("shuffle_seq", "Yes") is True
    assert parse_parameter("num_samples", "1_000") == 1000 and parse_parameter("train_split", "0.5") == 0.5


# --- scales: finite, non-degenerate data up to the limit, a clear refusal beyond --------


def assert_finite_and_not_constant(config):
    data = generate(config)
    for x in (np.concatenate([data.train.x, data.test.x]), data.t):
        assert np.isfinite(x).all() and np.isfinite(x.astype(np.float32)).all()
    x = data.train.x.astype(np.float32)
    assert np.ptp(x) > 0 and len(np.unique(x)) > 1000  # not constant, not a handful of values
    means = [x[data.train.y == label].mean(axis=0) for label in range(10)]
    assert len({m.tobytes() for m in means}) == 10  # the classes still differ


@pytest.mark.parametrize("algorithm", ["paper", "sharded"])
@pytest.mark.parametrize("changes", [*({name: MAX_SCALE} for name in SCALES), dict.fromkeys(SCALES, MAX_SCALE)])
def test_each_scale_at_its_limit_gives_finite_data_that_is_not_constant(changes, algorithm):
    assert_finite_and_not_constant(MNIST1DConfig(num_samples=400, algorithm=algorithm, **changes))


def test_all_scales_at_zero_give_finite_data_that_is_not_constant():
    assert_finite_and_not_constant(MNIST1DConfig(num_samples=400, **dict.fromkeys(SCALES, 0.0)))


@pytest.mark.parametrize("name", SCALES)
@pytest.mark.parametrize("value", [float(np.nextafter(MAX_SCALE, np.inf)), 1e7, 1e200, 1e308])
def test_a_scale_beyond_its_limit_is_refused_on_construction_in_one_line(name, value):
    with pytest.raises(ValueError) as refused:
        MNIST1DConfig(**{name: value})
    message = str(refused.value)
    assert message.startswith(f"{name} must be at most 1,000,000: ") and message.endswith(f"got {value!r}")
    assert "\n" not in message
    assert PARAMETER[name].high == MAX_SCALE


@pytest.mark.parametrize(
    "args",
    [
        ["generate", "--scale-coeff", "1e308"],
        ["generate", "--corr-noise-scale", "1e200"],
        ["build", "--framework", "hf", "--shear-scale", "2e6"],
        ["plot", "--iid-noise-scale", "1e9", "--out", "x.png"],
    ],
)
def test_the_command_line_refuses_such_a_scale_before_any_work(tmp_path, args):
    if args[0] == "build":
        args = [*args, "--data-dir", str(tmp_path / "data")]
    result = subprocess.run(
        [sys.executable, "-m", "mnist1d_cli", *args], capture_output=True, text=True, cwd=tmp_path, timeout=300
    )
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    name = next(word for word in args if word.endswith("-scale") or word.endswith("-coeff"))[2:].replace("-", "_")
    assert result.stderr.startswith(f"mnist1d: error: {name} must be at most 1,000,000: ")
    assert list(tmp_path.iterdir()) == []


def test_every_option_of_the_table_is_on_the_command_line_with_its_meaning_and_range():
    result = subprocess.run(
        [sys.executable, "-m", "mnist1d_cli", "generate", "--help"],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "1000"},
    )
    text = " ".join(result.stdout.split())  # argparse wraps its help: compared word by word
    for parameter in PARAMETERS:
        meaning = " ".join(parameter.meaning.split())
        assert f"{meaning} Paper default: " in text and f"valid: {parameter.valid}." in text, parameter.name
        assert parameter.flag in text


@pytest.mark.parametrize("name", ["num_samples", "seed", "max_translation"])
def test_an_integer_too_large_to_write_in_decimal_is_named_by_its_size(name):
    with pytest.raises(ValueError, match=rf"^{name} must be in \d+\.\.\d+, got an integer of 16,610 bits$"):
        MNIST1DConfig.from_dict({name: 10**5000})  # as a record holding one would give it


def test_values_and_names_from_a_record_are_shown_by_a_short_prefix():
    huge = "9" * 10_000_000
    for params, error in [({huge: 1}, TypeError), ({"seed": huge}, TypeError), ({"algorithm": huge}, ValueError)]:
        with pytest.raises(error) as refused:
            MNIST1DConfig.from_dict(params)
        assert len(str(refused.value)) < 200 and "9999'..." in str(refused.value)
    with pytest.raises(TypeError, match=r"^unknown MNIST-1D parameter\(s\): 'a', 'b', 'c', 'd', 'e', \.\.\.$"):
        MNIST1DConfig.from_dict(dict.fromkeys("abcdefg", 1))
