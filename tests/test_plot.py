"""``mnist1d plot``: the paper's way of drawing signals, and the optional matplotlib."""

import json
import sys

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from mnist1d_builders.plot import MISSING_MATPLOTLIB, examples_figure  # noqa: E402
from mnist1d_cli import main  # noqa: E402
from mnist1d_core import PRESETS, generate  # noqa: E402

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def canonical():
    return generate(PRESETS["canonical"])


def test_each_column_is_one_class_drawn_upright(canonical):
    figure = examples_figure(canonical, per_class=2, templates=True)
    axes = np.array(figure.axes).reshape(3, 10)
    assert [ax.get_title() for ax in axes[0]] == [str(d) for d in range(10)]
    assert [row[0].get_ylabel() for row in axes] == ["template", "example", "example"]
    for digit in range(10):
        template = axes[0, digit].lines[0]
        np.testing.assert_array_equal(template.get_xdata(), canonical.templates.x[digit])
        np.testing.assert_array_equal(template.get_ydata(), canonical.templates.t)
        of_class = np.flatnonzero(canonical.train.y == digit)[:2]
        for row, index in zip(axes[1:, digit], of_class):
            # value on the horizontal axis, time on the vertical one, time running downwards
            np.testing.assert_array_equal(row.lines[0].get_xdata(), canonical.train.x[index])
            np.testing.assert_array_equal(row.lines[0].get_ydata(), canonical.t)
            assert row.yaxis_inverted()


def test_per_class_must_fit_the_train_split():
    small = generate(PRESETS["canonical"].replace(num_samples=20))
    with pytest.raises(ValueError, match=r"per_class=3 but the train split has \d examples of class"):
        examples_figure(small, per_class=3)
    with pytest.raises(ValueError, match="per_class must be an integer >= 1, got 0"):
        examples_figure(small, per_class=0)


def test_per_class_is_bounded_by_the_configs_sizes_before_generating():
    from mnist1d_builders.plot import check_can_draw

    check_can_draw(500, config=PRESETS["canonical"])  # 500 of each class in all, 4000 train examples
    with pytest.raises(ValueError, match="per_class=501, but no class of canonical can have more than 500 train"):
        check_can_draw(501, config=PRESETS["canonical"])
    few_train = PRESETS["canonical"].replace(num_samples=100, train_split=0.05)  # 5 train examples
    with pytest.raises(ValueError, match="no class of .* can have more than 5 train examples"):
        check_can_draw(6, config=few_train)


def test_cli_writes_the_same_png_twice(tmp_path, capsys):
    first, second = tmp_path / "a.png", tmp_path / "b.png"
    assert main(["plot", "--out", str(first), "--config", "shuffled", "--per-class", "1"]) == 0
    assert main(["plot", "--out", str(second), "--config", "shuffled", "--per-class", "1"]) == 0
    assert first.read_bytes()[:8] == PNG_MAGIC
    assert first.read_bytes() == second.read_bytes()
    assert capsys.readouterr().out == f"wrote {first.resolve()} (shuffled)\nwrote {second.resolve()} (shuffled)\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.png", "b.png"]


@pytest.mark.parametrize(
    "args, message",
    [
        (["--out", "{tmp}/figure.jpg"], "--out must end in .png, got"),
        (["--out", "{tmp}/existing.png"], "exists; pass --force to overwrite it"),
        (["--out", "{tmp}/nowhere/figure.png"], "does not exist"),
        (["--out", "{tmp}/figure.png", "--per-class", "0"], "per_class must be an integer >= 1, got 0"),
    ],
)
def test_cli_refuses_bad_input_before_drawing(tmp_path, capsys, args, message):
    (tmp_path / "existing.png").write_bytes(b"mine")
    assert main(["plot", *(a.format(tmp=tmp_path) for a in args)]) == 2
    assert message in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["existing.png"]
    assert (tmp_path / "existing.png").read_bytes() == b"mine"


def test_without_matplotlib_the_error_names_the_extra(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)  # what an absent package looks like
    out = tmp_path / "figure.png"
    assert main(["plot", "--out", str(out)]) == 2
    assert capsys.readouterr().err == f"mnist1d: error: {MISSING_MATPLOTLIB}\n"
    assert not out.exists()


# --- plot --results: a file that is not valid results is refused, naming it -----------------


def results_layout(steps=200, **runs):
    """What `mnist1d benchmark --json` writes (made here: the baselines' training needs torch)."""
    from mnist1d_baselines.results import Results

    runs = runs or {"linear": (31.5, 32.5), "cnn": (94.0, 95.0)}
    return Results(
        runs=runs,
        steps=steps,
        config=PRESETS["canonical"].to_dict(),
        threads=1,
        versions={"mnist1d-datasets": "0", "torch": "0", "numpy": "0"},
    ).to_dict()


def entry(*runs):
    return {"mean": 50.0, "std": 0.0, "runs": list(runs)}


@pytest.mark.parametrize(
    "change, message",
    [
        ({"results": {}}, "results must be a non-empty object of models, got {}"),
        ({"results": {"cnn": entry(float("nan"))}, "seeds": 1}, "in [0, 100], got nan"),  # json writes NaN
        ({"results": {"cnn": entry("NaN")}, "seeds": 1}, "results.cnn.runs must hold numbers, got 'NaN'"),
        ({"results": {"cnn": entry(True)}, "seeds": 1}, "results.cnn.runs must hold numbers, got True"),
        ({"results": {"cnn": entry(1e308, 1e308)}}, "in [0, 100], got 1e+308"),
        ({"results": {"cnn": entry()}}, "results.cnn.runs must be a non-empty list of accuracies, got []"),
        ({"results": {"foo": entry(50, 50)}}, "unknown model 'foo' (known: linear, mlp, cnn, gru)"),
        ({"results": {"cnn": {"runs": "55"}}}, "results.cnn.runs must be a non-empty list of accuracies, got '55'"),
        ({"results": {"cnn": entry(500, 50)}}, "results.cnn.runs must be accuracies in percent, in [0, 100], got 500"),
        ({"results": {"cnn": entry(-20, 50)}}, "in [0, 100], got -20"),
        ({"results": {"cnn": entry(50, 50), "mlp": entry(50)}}, "same number of runs, got cnn 2, mlp 1"),
        ({"seeds": 3}, "seeds is 3, but each model has 2 runs"),
        ({"steps": -7}, "steps must be an integer >= 1, got -7"),
        ({"steps": "200"}, "steps must be an integer >= 1, got '200'"),
    ],
)
def test_cli_refuses_bad_results_naming_the_file_before_drawing(tmp_path, capsys, change, message):
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_text(json.dumps(results_layout()))
    bad.write_text(json.dumps({**results_layout(), **change}))
    out = tmp_path / "bars.png"
    assert main(["plot", "--results", str(good), str(bad), "--out", str(out)]) == 2  # the good one is not drawn
    err = capsys.readouterr().err
    assert err.startswith(f"mnist1d: error: --results {str(bad)!r}: ") and message in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not out.exists()


def test_cli_refuses_a_folder_as_results(tmp_path, capsys):
    folder = tmp_path / "adir"
    folder.mkdir()
    assert main(["plot", "--results", str(folder), "--out", str(tmp_path / "bars.png")]) == 2
    assert (
        capsys.readouterr().err == f"mnist1d: error: --results {str(folder)!r} is a folder; give the name of a file\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["adir"]


@pytest.mark.parametrize(
    "options, named",
    [
        (["--config", "shuffled"], "--config"),
        (["--config", "canonical"], "--config"),
        (["--seed", "3", "--templates"], "--seed --templates"),
    ],
)
def test_cli_refuses_dataset_options_with_results(tmp_path, capsys, options, named):
    results = tmp_path / "r.json"
    results.write_text(json.dumps(results_layout()))
    assert main(["plot", "--results", str(results), "--out", str(tmp_path / "bars.png"), *options]) == 2
    assert capsys.readouterr().err == (
        f"mnist1d: error: --results draws measured results: the dataset options do not apply, got {named}\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.json"]


def test_results_of_other_steps_or_seeds_are_told_apart_in_the_title(tmp_path, capsys):
    from mnist1d_baselines.plot import results_figure
    from mnist1d_baselines.results import Results

    alike = {"a": Results.from_dict(results_layout()), "b": Results.from_dict(results_layout())}
    assert results_figure(alike).axes[0].get_title() == "2 seeds, 200 steps"
    longer = Results.from_dict(results_layout(steps=300))
    one_seed = Results.from_dict(results_layout(linear=(31.0,)))
    mixed = results_figure({"a": alike["a"], "longer": longer, "one seed": one_seed})
    assert (
        mixed.axes[0].get_title() == "a: 2 seeds, 200 steps\nlonger: 2 seeds, 300 steps\none seed: 1 seed, 200 steps"
    )
    # and the command draws them
    paths = [tmp_path / "a.json", tmp_path / "b.json"]
    for path, steps in zip(paths, (200, 300)):
        path.write_text(json.dumps(results_layout(steps=steps)))
    out = tmp_path / "bars.png"
    assert main(["plot", "--results", *map(str, paths), "--out", str(out)]) == 0
    assert out.read_bytes()[:8] == PNG_MAGIC
    assert capsys.readouterr().out == f"wrote {out.resolve()} (canonical, canonical (b.json))\n"


def test_the_examples_figure_needs_no_baselines():
    # Layers: the builders do not import the baselines; the command line joins them.
    import subprocess

    code = "import sys, mnist1d_builders.plot; print('mnist1d_baselines' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout == "False\n"
