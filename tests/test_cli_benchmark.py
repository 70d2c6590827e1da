"""``mnist1d benchmark``, ``export --benchmark`` and ``plot --results``: the baselines from
the command line, refused bad input before any training, and the same numbers whichever
way the data arrives (generated, or read back from a build or an export)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch  # noqa: F401  (the benchmark extra: this module is "ml" throughout)

from mnist1d_baselines import Results  # noqa: E402
from mnist1d_cli import benchmark as benchmark_command  # noqa: E402
from mnist1d_cli import hub as hub_command  # noqa: E402  (now: it binds benchmark's train, unpatched)
from mnist1d_cli import main  # noqa: E402
from mnist1d_core import MNIST1DConfig  # noqa: E402

pytestmark = [pytest.mark.ml, pytest.mark.usefixtures("hub_offline")]

SMALL = ["--num-samples", "1000", "--seed", "5"]  # a small custom variant: builds take seconds
QUICK = ["--models", "linear", "mlp", "--seeds", "2", "--steps", "40", "--workers", "1"]


@pytest.fixture
def no_training(monkeypatch):
    """Fails the test if anything is trained."""

    def refuse(*args, **kwargs):
        raise AssertionError("trained despite bad input")

    monkeypatch.setattr(benchmark_command, "train", refuse)
    monkeypatch.setattr(benchmark_command, "swept", refuse)
    monkeypatch.setattr(hub_command, "train", refuse)


def measured(path: Path) -> dict:
    return json.loads(path.read_text())


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """QUICK on the SMALL variant, generated in memory: the JSON written."""
    out = tmp_path_factory.mktemp("generated") / "results.json"
    assert main(["benchmark", *SMALL, *QUICK, "--json", str(out)]) == 0
    return measured(out)


def test_json_layout(generated):
    assert set(generated) >= {"config", "results", "steps", "seeds", "versions"}
    assert generated["steps"] == 40 and generated["seeds"] == 2
    assert generated["config"]["num_samples"] == 1000 and generated["config"]["seed"] == 5
    assert list(generated["results"]) == ["linear", "mlp"]
    for result in generated["results"].values():
        assert set(result) == {"mean", "std", "runs"} and len(result["runs"]) == 2
        assert all(0 <= accuracy <= 100 for accuracy in result["runs"])
        assert result["mean"] == pytest.approx(sum(result["runs"]) / 2)
    assert {"mnist1d-datasets", "torch"} <= set(generated["versions"])
    Results.from_dict(generated)  # reads back


def test_table_on_stdout(tmp_path, capsys):
    assert main(["benchmark", *SMALL, "--models", "linear", "--seeds", "1", "--steps", "5"]) == 0
    out = capsys.readouterr().out
    assert "logistic regression" in out and "test accuracy (%)" in out and "5 steps" in out


def test_same_options_same_accuracies(generated, tmp_path):
    again = tmp_path / "again.json"
    assert main(["benchmark", *SMALL, *QUICK, "--workers", "2", "--json", str(again)]) == 0
    assert measured(again)["results"] == generated["results"]


def built(tmp_path: Path, *args: str) -> Path:
    """The folder of a build made by ``mnist1d build`` (the one holding its record)."""
    data_dir = tmp_path / "data"
    assert main(["build", *args, *SMALL, "--data-dir", str(data_dir)]) == 0
    (folder,) = {p.parent for name in ("MANIFEST.json", "SHA256SUMS") for p in data_dir.rglob(name)}
    return folder


@pytest.mark.parametrize("source", ["hf", "tfds", "tfds-array_record", "export"])
def test_from_a_build_or_export_gives_the_generated_accuracies(generated, tmp_path, capsys, source):
    if source == "export":
        folder = tmp_path / "export"
        assert main(["export", "--config", "canonical", *SMALL, "--out", str(folder)]) == 0
    elif source == "tfds-array_record":
        folder = built(tmp_path, "--framework", "tfds", "--file-format", "array_record")
    else:
        folder = built(tmp_path, "--framework", source)
    out = tmp_path / "from.json"
    assert main(["benchmark", "--from", str(folder), *QUICK, "--json", str(out)]) == 0
    from_stored = measured(out)
    assert from_stored["config"] == generated["config"]
    assert from_stored["results"] == generated["results"]  # float32 as stored = float32 as trained
    assert f"(from {folder})" in capsys.readouterr().out


def test_from_a_damaged_build_is_refused_naming_the_file(tmp_path, capsys, no_training):
    folder = built(tmp_path, "--framework", "hf")
    shard = sorted(folder.glob("*.arrow"))[0]
    data = bytearray(shard.read_bytes())
    data[len(data) // 2] ^= 0xFF
    shard.write_bytes(data)
    capsys.readouterr()  # the build's own output
    assert main(["benchmark", "--from", str(folder), *QUICK]) == 1  # damage, as verify says
    err = capsys.readouterr().err
    assert err.startswith("mnist1d: error: --from ") and shard.name in err and err.count("\n") == 1
    (folder / "MANIFEST.json").unlink()  # now a build with no record to check: bad input, as in verify
    assert main(["benchmark", "--from", str(folder), *QUICK]) == 2
    err = capsys.readouterr().err
    assert (
        err.startswith(f"mnist1d: error: --from {folder}: {folder}: prepared by datasets itself")
        and err.count("\n") == 1
    )


@pytest.mark.parametrize(
    "args, message",
    [
        (["--models", "linear", "resnet"], "argument --models: invalid choice: 'resnet'"),
        (["--models", "cnn", "cnn"], "--models names a model twice: cnn cnn"),
        (["--seeds", "0"], "--seeds must be >= 1, got 0"),
        (["--steps", "-3"], "--steps must be >= 1, got -3"),
        (["--workers", "0"], "--workers must be >= 1, got 0"),
        (["--steps", "x"], "argument --steps: invalid int value: 'x'"),
        (["--from", "no/such/folder"], "--from 'no/such/folder': not a folder"),
        (["--sigma", "-1"], "sigma"),
        (["--eval-every", "0"], "--eval-every must be between 1 and --steps (8000), got 0"),
        (["--eval-every", "-5"], "--eval-every must be between 1 and --steps (8000), got -5"),
        (["--steps", "10", "--eval-every", "11"], "--eval-every must be between 1 and --steps (10), got 11"),
        (
            ["--sweep", "sigma=1,2"],
            "--sweep: unknown MNIST-1D parameter 'sigma'; choose one of: num_samples, train_split",
        ),
        (["--sweep", "algorithm=paper,sharded"], "--sweep: algorithm cannot be swept"),
        (["--sweep", "iid_noise_scale"], "--sweep 'iid_noise_scale': expected PARAM=V1,V2,..."),
        (["--sweep", "iid_noise_scale="], "--sweep 'iid_noise_scale=': an empty value"),
        (["--sweep", "iid_noise_scale=0.1,,0.2"], "an empty value"),
        (["--sweep", "iid_noise_scale=0.1,0.10"], "--sweep iid_noise_scale: the value 0.1 is given twice"),
        (["--sweep", "iid_noise_scale=0.1,-2"], "--sweep: iid_noise_scale must be >= 0, got -2.0"),
        (["--sweep", "max_translation=1,2.5"], "--sweep: max_translation must be an integer, got '2.5'"),
        (["--sweep", "seed=1,2", "--seed", "3"], "--sweep seed: also given as --seed; give it once"),
        (["--sweep", "num_samples=1000,2000", "--from", "."], "--sweep makes each value's data; it cannot train on"),
        (["--sweep", "seed=1,2", "--seeds", "100000000", "--models", "mlp"], "x 100000000 seeds x 2 values needs"),
    ],
)
def test_bad_input_exits_2_in_one_line_before_training(tmp_path, capsys, no_training, args, message):
    assert main(["benchmark", *args, "--json", str(tmp_path / "r.json")]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_more_seeds_than_memory_holds_exit_2_in_one_line_before_training(tmp_path, capsys, monkeypatch):
    from mnist1d_baselines import train as training

    monkeypatch.setattr(training, "fit", lambda *a, **k: pytest.fail("trained despite too little memory"))
    assert main(["benchmark", "--models", "linear", "--seeds", "100000000", "--json", str(tmp_path / "r.json")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("mnist1d: error: seeds=100000000: training linear x 100000000 seeds needs about ")
    assert err.count("\n") == 1 and list(tmp_path.iterdir()) == []


def test_from_with_parameter_options_is_refused(tmp_path, capsys, no_training):
    assert main(["benchmark", "--from", str(tmp_path), "--seed", "3"]) == 2
    assert "parameter options do not apply (got --seed)" in capsys.readouterr().err


def test_an_existing_json_file_needs_force(tmp_path, capsys, no_training):
    existing = tmp_path / "r.json"
    existing.write_text("keep")
    assert main(["benchmark", "--json", str(existing)]) == 2
    assert "--force" in capsys.readouterr().err and existing.read_text() == "keep"


def test_missing_torch_names_the_extra_and_exits_2():
    code = (
        "import sys; sys.modules['torch'] = None\n"
        "from mnist1d_cli import main\n"
        "sys.exit(main(['benchmark', '--steps', '5']))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 2, result.stderr
    assert "mnist1d-datasets[benchmark]" in result.stderr and result.stderr.count("\n") == 1


def test_export_benchmark_puts_the_results_on_a_card_that_verifies(tmp_path, capsys):
    out = tmp_path / "export"
    assert main(["export", "--config", "canonical", *SMALL, "--out", str(out), "--benchmark", *QUICK]) == 0
    card = (out / "README.md").read_text()
    name = next(p.name for p in out.iterdir() if p.is_dir() and any(p.glob("*.parquet")))
    assert f"**`{name}`**" in card and "| MLP |" in card and "40 steps" in card
    assert "torch " in card  # the versions that measured them
    assert main(["verify", str(out)]) == 0


def test_export_benchmark_with_curves_shows_the_best_during_training(tmp_path, capsys):
    out = tmp_path / "export"
    args = ["export", "--config", "canonical", *SMALL, "--out", str(out), "--benchmark", *QUICK, "--eval-every", "20"]
    assert main(args) == 0
    card = (out / "README.md").read_text()
    assert "best during training, selected on the test set" in card and " at step" in card
    assert main(["verify", str(out)]) == 0


def test_export_benchmark_refuses_bad_training_options_before_writing(tmp_path, capsys, no_training):
    out = tmp_path / "export"
    assert main(["export", "--out", str(out), "--benchmark", "--seeds", "0"]) == 2
    assert "--seeds must be >= 1, got 0" in capsys.readouterr().err and not out.exists()


def test_plot_results_draws_curves_and_sweeps(generated, tmp_path, capsys):
    pytest.importorskip("matplotlib")
    from mnist1d_baselines import Results as Read
    from mnist1d_baselines import Sweep

    curves = tmp_path / "curves.json"
    assert main(["benchmark", *SMALL, *QUICK, "--eval-every", "20", "--json", str(curves)]) == 0
    swept = tmp_path / "sweep.json"
    quick = ["--models", "linear", "--seeds", "1", "--steps", "5"]
    assert main(["benchmark", *SMALL, *quick, "--sweep", "max_translation=1,48", "--json", str(swept)]) == 0
    plain = tmp_path / "plain.json"
    plain.write_text(json.dumps(generated))
    for files in ([curves, curves], [swept], [curves, plain]):
        png = tmp_path / "figure.png"
        assert main(["plot", "--results", *map(str, files), "--out", str(png), "--force"]) == 0
        assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    from mnist1d_baselines.plot import curves_figure, sweep_figure

    figure = curves_figure({"a": Read.from_dict(measured(curves))})
    assert [ax.get_title() for ax in figure.axes] == ["logistic regression", "MLP"]
    assert list(figure.axes[0].lines[0].get_xdata()) == [20, 40]
    figure = sweep_figure({"a": Sweep.from_dict(measured(swept))})
    assert figure.axes[0].get_xlabel() == "max_translation"
    capsys.readouterr()
    assert main(["plot", "--results", str(swept), str(plain), "--out", str(tmp_path / "mixed.png")]) == 2
    assert "sweeps and single runs cannot share a figure" in capsys.readouterr().err


def test_plot_results_draws_a_png(generated, tmp_path, capsys):
    pytest.importorskip("matplotlib")
    results = tmp_path / "r.json"
    results.write_text(json.dumps(generated))
    png = tmp_path / "bars.png"
    assert main(["plot", "--results", str(results), "--out", str(png)]) == 0
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    assert main(["plot", "--results", str(bad), "--out", str(tmp_path / "other.png")]) == 2
    assert "not the JSON of `mnist1d benchmark --json`" in capsys.readouterr().err
    bad.write_text(json.dumps({**generated, "config": {**generated["config"], "seed": -1}}))
    assert main(["plot", "--results", str(bad), "--out", str(tmp_path / "other.png")]) == 2
    err = capsys.readouterr().err
    assert f"--results {str(bad)!r}: not the JSON" in err and "seed must be in" in err and err.count("\n") == 1


def test_results_for_a_config_not_exported_are_refused_before_any_work(generated, tmp_path):
    from mnist1d_builders import hub
    from mnist1d_core import PRESETS

    stray = {"canonical": Results.from_dict(generated), "elsewhere": Results.from_dict(generated)}
    with pytest.raises(ValueError, match="results: for configs not on the card: elsewhere"):
        hub.export(tmp_path / "export", [PRESETS["canonical"]], results=stray)
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ValueError, match="results: for configs not on the card: elsewhere"):
        hub.render_card([hub.summarize(PRESETS["canonical"])], results=stray)


def test_from_an_export_of_custom_configs_trains_the_one_named(generated, tmp_path, capsys):
    folder = tmp_path / "export"  # SMALL from both presets: two custom configs, neither named canonical
    assert main(["export", *SMALL, "--out", str(folder)]) == 0
    names = sorted(p.name for p in folder.iterdir() if any(p.glob("*.parquet")))
    assert len(names) == 2 and "canonical" not in names
    capsys.readouterr()
    assert main(["benchmark", "--from", str(folder), *QUICK]) == 2
    err = capsys.readouterr().err
    assert f"exports 2 configs, {', '.join(names)}: choose one with --config" in err and "config=" not in err
    assert main(["benchmark", "--from", str(folder), "--config", "", *QUICK]) == 2
    assert "config='': " in capsys.readouterr().err  # the name given, not canonical
    generated_name = MNIST1DConfig.from_dict(generated["config"]).name
    out = tmp_path / "r.json"
    assert main(["benchmark", "--from", str(folder), "--config", generated_name, *QUICK, "--json", str(out)]) == 0
    assert measured(out)["results"] == generated["results"]


def test_config_must_be_a_preset_without_from(capsys, no_training):
    assert main(["benchmark", "--config", "custom-seed_7", *QUICK]) == 2
    err = capsys.readouterr().err
    assert "--config 'custom-seed_7': not a preset; choose one of: canonical, shuffled" in err and err.count("\n") == 1


def test_json_inside_the_from_folder_is_refused(tmp_path, capsys, no_training):
    folder = built(tmp_path, "--framework", "hf")
    capsys.readouterr()
    assert main(["benchmark", "--from", str(folder), *QUICK, "--json", str(folder / "results.json")]) == 2
    assert "is inside the --from folder" in capsys.readouterr().err
    assert not (folder / "results.json").exists() and main(["verify", str(folder)]) == 0


def test_a_reader_that_goes_away_does_not_cost_the_json(tmp_path):
    # The pipe is closed before anything is printed: the results must be on disk all the same.
    out = tmp_path / "r.json"
    reader = subprocess.Popen(["true"], stdin=subprocess.PIPE)
    reader.wait()
    writer = subprocess.run(
        [sys.executable, "-m", "mnist1d_cli", "benchmark", *SMALL, *QUICK, "--json", str(out)],
        stdout=reader.stdin,
        stderr=subprocess.PIPE,
        text=True,
        timeout=300,
    )
    reader.stdin.close()
    assert writer.returncode == 141 and writer.stderr == ""
    assert set(measured(out)["results"]) == {"linear", "mlp"}


def test_export_training_options_are_checked_without_benchmark_too(tmp_path, capsys):
    out = tmp_path / "export"
    assert main(["export", "--out", str(out), "--steps", "0"]) == 2
    assert "--steps must be >= 1, got 0" in capsys.readouterr().err and not out.exists()


def test_a_dangling_link_as_json_needs_force(tmp_path, capsys, no_training):
    link = tmp_path / "r.json"
    link.symlink_to(tmp_path / "nowhere.json")
    assert main(["benchmark", "--json", str(link)]) == 2
    assert "exists; pass --force" in capsys.readouterr().err and link.is_symlink()


@pytest.mark.parametrize(
    "failure, status, message",
    [
        (
            "ImportError('libtorch_cpu.so: failed to map segment from shared object')",
            2,
            "mnist1d: error: the baselines need torch, which is installed but failed to load: libtorch_cpu.so",
        ),
        ("RuntimeError('std::bad_alloc')", 1, "mnist1d: error: out of memory"),  # under a tight ulimit -v
    ],
)
def test_a_torch_that_fails_to_load_is_one_line(tmp_path, failure, status, message):
    (tmp_path / "torch").mkdir()
    (tmp_path / "torch" / "__init__.py").write_text(f"raise {failure}\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")])}
    result = subprocess.run(
        [sys.executable, "-m", "mnist1d_cli", "benchmark", "--steps", "5"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (result.returncode, result.stdout) == (status, "")
    assert result.stderr.startswith(message) and result.stderr.count("\n") == 1, result.stderr


# --- learning curves, sweeps, the table and the run time estimate ------------------------------


def test_eval_every_adds_curves_and_changes_no_training_bits(generated, tmp_path, capsys):
    out = tmp_path / "curves.json"
    assert main(["benchmark", *SMALL, *QUICK, "--eval-every", "15", "--json", str(out)]) == 0
    curved = measured(out)
    assert {m: r["runs"] for m, r in curved["results"].items()} == {
        m: r["runs"] for m, r in generated["results"].items()
    }
    for model, curve in curved["curves"].items():
        assert curve["steps"] == [15, 30, 40] and len(curve["runs"]) == len(curve["loss"]) == 2
        assert [run[-1] for run in curve["runs"]] == curved["results"][model]["runs"]
        assert set(curved["results"][model]["best"]) == {"mean", "std", "runs", "steps"}
    assert "best during training, selected on the test set" in capsys.readouterr().out


def test_sweep_trains_every_value_and_tables_one_row_each(tmp_path, capsys):
    out = tmp_path / "sweep.json"
    args = ["benchmark", *SMALL, "--models", "linear", "--seeds", "2", "--steps", "30"]
    assert main([*args, "--sweep", "iid_noise_scale=0,0.8", "--json", str(out)]) == 0
    data = measured(out)
    assert data["sweep"]["parameter"] == "iid_noise_scale" and data["sweep"]["values"] == [0.0, 0.8]
    separate = tmp_path / "separate.json"
    assert main([*args, "--iid-noise-scale", "0.8", "--json", str(separate)]) == 0
    assert data["sweep"]["results"][1]["results"] == measured(separate)["results"]  # the same bits
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "custom-num_samples_1000-seed_5, iid_noise_scale swept"
    assert lines[1].split() == ["iid_noise_scale", "logistic", "regression"]
    assert lines[2].startswith("0.0 ") and lines[3].startswith("0.8 ")


def test_table_shows_the_papers_number_and_no_deviation_for_one_seed(capsys):
    assert main(["benchmark", "--models", "linear", "--seeds", "1", "--steps", "3"]) == 0
    header, row = capsys.readouterr().out.splitlines()[1:3]
    assert "paper (%)" in header and row.split()[-2:] == ["32", row.split()[2]]
    assert "±" not in row


def test_a_long_run_says_its_estimated_time_first(monkeypatch, capsys):
    import mnist1d_baselines

    def fake(*args, **kwargs):
        print("TRAINING", file=sys.stderr)
        return Results(runs={"linear": (50.0,)}, steps=8000, config=None, versions={}, threads=1)

    monkeypatch.setattr(mnist1d_baselines, "benchmark", fake)
    assert main(["benchmark", "--seeds", "3"]) == 0
    err = capsys.readouterr().err.splitlines()
    assert (
        err[0].startswith("mnist1d: training linear mlp cnn gru x 3 seeds x 8000 steps: about ")
        and err[1] == "TRAINING"
    )
    assert main(["benchmark", "--models", "linear", "--seeds", "1", "--steps", "100"]) == 0
    assert capsys.readouterr().err.splitlines() == ["TRAINING"]  # a short run: no estimate
