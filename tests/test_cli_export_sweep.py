"""``mnist1d export --benchmark-sweep``: a sweep's table on the card of an export that verifies."""

from __future__ import annotations

import re

import pytest

from mnist1d_cli import hub as hub_command
from mnist1d_cli import main

SMALL = ["--num-samples", "200", "--seed", "5"]
QUICK = ["--models", "linear", "mlp", "--seeds", "1", "--steps", "5", "--workers", "1"]


def test_export_benchmark_sweep_puts_one_row_per_value_on_a_card_that_verifies(tmp_path, capsys):
    pytest.importorskip("torch")
    out = tmp_path / "export"
    sweep = ["--benchmark-sweep", "iid_noise_scale=0,0.2"]
    assert main(["export", "--config", "canonical", *SMALL, "--out", str(out), *sweep, *QUICK]) == 0
    card = (out / "README.md").read_text()
    header = "| `iid_noise_scale` | logistic regression (%) | MLP (%) |"
    table = card[card.index(header) :].split("\n\n")[0].splitlines()
    assert [row.split(" | ")[0] for row in table[2:]] == [
        "| 0.0",
        "| 0.2",
    ]  # one row per value, parsed as the flag parses it
    assert all(len(row.split(" | ")) == 3 for row in table[2:])  # one column per model
    assert "as `iid_noise_scale` varies" in card and "5 steps each" in card
    assert main(["verify", str(out)]) == 0


@pytest.mark.parametrize(
    "option, message",
    [
        (["--benchmark-sweep", "iid_noise_scale"], "--benchmark-sweep 'iid_noise_scale': expected PARAM=V1,V2,..."),
        (["--benchmark-sweep", "iid_noise_scale=0,x"], "--benchmark-sweep: "),
        (["--benchmark-sweep", "iid_noise_scale=0", "--iid-noise-scale", "0.1"], "also given as --iid-noise-scale"),
        (["--benchmark-sweep", "iid_noise_scale=0", "--benchmark"], "--benchmark and --benchmark-sweep: give one"),
    ],
)
def test_export_benchmark_sweep_refuses_bad_input_before_any_work(tmp_path, capsys, monkeypatch, option, message):
    monkeypatch.setattr(hub_command, "swept", lambda *a, **k: pytest.fail("trained despite bad input"))
    out = tmp_path / "export"
    assert main(["export", "--config", "canonical", *SMALL, "--out", str(out), *option, *QUICK]) == 2
    err = capsys.readouterr().err
    assert err.startswith("mnist1d: error: ") and message in err and err.count("\n") == 1
    assert not out.exists()


@pytest.mark.parametrize(
    "sweep, message",
    [
        ([], "results['c']['sweep']: not an object of 'parameter', 'values' and 'results'"),
        ({"parameter": "seed", "values": [1, 2], "results": [{}]}, "results['c']['sweep']: 2 values but 1 results"),
        ({"parameter": "seed", "values": [1], "results": [{}]}, "results['c']['sweep']['results'][0]: no 'results'"),
    ],
)
def test_a_malformed_sweep_is_refused_naming_the_field(sweep, message):
    from mnist1d_builders.hub.results import check_results

    with pytest.raises(ValueError, match=re.escape(message)):
        check_results({"c": {"sweep": sweep}}, ["c"])
