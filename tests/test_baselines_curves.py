"""Learning curves (``eval_every``) and parameter sweeps (``sweep``) of the baselines, and
their tables; at tens of steps on small data, so the file takes seconds."""

import dataclasses
import importlib
import json

import pytest
import torch

from mnist1d_baselines import Results, Sweep, benchmark, sweep
from mnist1d_baselines.results import Curve, mean_std
from mnist1d_core import PRESETS, generate

pytestmark = pytest.mark.ml  # torch throughout

SMALL = PRESETS["canonical"].replace(num_samples=1000)  # 800 train examples, 200 test


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def small():
    return generate(SMALL)


def run(data, **options):
    return benchmark(data.train.x, data.train.y, data.test.x, data.test.y, config=SMALL, **options)


OPTIONS = dict(models=("linear", "cnn", "gru"), seeds=2, steps=25)


@pytest.fixture(scope="module")
def with_curves(small):
    return run(small, **OPTIONS, eval_every=10)


def test_curves_shape_and_end_at_the_final_accuracy(with_curves):
    for model in OPTIONS["models"]:
        curve = with_curves.curves[model]
        assert curve.steps == (10, 20, 25)  # every 10 steps, and the last
        assert len(curve.runs) == len(curve.loss) == 2 and all(len(run) == 3 for run in curve.runs + curve.loss)
        assert tuple(run[-1] for run in curve.runs) == with_curves.runs[model]
        assert all(0 < loss < 5 for run in curve.loss for loss in run)  # cross-entropy of 10 classes starts near 2.3


def test_evaluating_does_not_change_training(small, with_curves):
    assert run(small, **OPTIONS).runs == with_curves.runs
    from mnist1d_baselines import train as training

    x, y = torch.tensor(small.train.x, dtype=torch.float32), torch.tensor(small.train.y)
    xt, yt = torch.tensor(small.test.x, dtype=torch.float32), torch.tensor(small.test.y)
    plain, evaluated = (training.initial(("cnn",), (0,), length=40) for _ in range(2))
    training.fit(plain, x, y, steps=12)
    calls = []
    training.fit(
        evaluated,
        x,
        y,
        steps=12,
        eval_every=5,
        evaluate=lambda s: calls.append(training.measure("cnn", evaluated["cnn"], xt, yt)),
    )
    assert len(calls) == 3 and all(torch.equal(plain["cnn"][k], evaluated["cnn"][k]) for k in plain["cnn"])


def test_best_during_training_is_the_curves_highest_point():
    curve = Curve(steps=(10, 20, 30), runs=((30.0, 50.0, 40.0), (20.0, 20.0, 20.0)), loss=((1.0,) * 3,) * 2)
    assert curve.best() == ((50.0, 20.0), (20, 10))  # the first step that reached it


def test_json_layout_with_curves(with_curves):
    data = json.loads(with_curves.to_json())
    assert set(data["curves"]) == set(OPTIONS["models"])
    assert set(data["curves"]["cnn"]) == {"steps", "runs", "loss"} and data["curves"]["cnn"]["steps"] == [10, 20, 25]
    best = data["results"]["cnn"]["best"]
    assert set(best) == {"mean", "std", "runs", "steps"} and len(best["runs"]) == len(best["steps"]) == 2
    assert all(b >= f for b, f in zip(best["runs"], data["results"]["cnn"]["runs"]))
    assert Results.from_dict(data) == with_curves


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda c: c["cnn"].update(steps=[10, 20]), r"curves.cnn.steps must be a list ending at steps \(25\)"),
        (lambda c: c["cnn"].update(steps=[20, 10, 25]), "curves.cnn.steps must increase"),
        (lambda c: c["cnn"]["runs"][0].__setitem__(-1, 99.0), "must end at each seed's final accuracy"),
        (lambda c: c["cnn"]["loss"][0].__setitem__(0, -1), r"curves.cnn.loss must hold numbers in \[0, inf\]"),
        (lambda c: c.pop("gru"), "curves must be an object with the models of results"),
    ],
)
def test_curves_are_checked_when_read(with_curves, change, message):
    data = with_curves.to_dict()
    change(data["curves"])
    with pytest.raises(ValueError, match=message):
        Results.from_dict(data)


def test_tables_say_how_the_best_is_chosen_and_give_the_papers_number(with_curves, small):
    assert "paper" not in with_curves.table()  # a custom variant: the paper has no number for it
    on_canonical = dataclasses.replace(with_curves, config=json.loads(json.dumps(PRESETS["canonical"].to_dict())))
    table = on_canonical.table()
    assert "best during training, selected on the test set" in table.splitlines()[0]
    assert "paper (%)" in table.splitlines()[0]
    cnn = next(line for line in table.splitlines() if line.startswith("CNN"))
    assert " 94 " in cnn and " at step" in cnn  # the paper's CNN on canonical
    assert "best during training" not in run(small, models=("linear",), seeds=2, steps=3).table()


def test_one_seed_has_no_deviation(small):
    one = run(small, models=("linear",), seeds=1, steps=3)
    line = one.table().splitlines()[1]
    assert "±" not in line and one.summary("linear") == f"{one.runs['linear'][0]:.1f}"
    assert one.caption().startswith("One seed, 3 steps each")
    assert mean_std([50.0, 52.0]) == "51.0 ± 1.0"


# --- sweeps ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def noise_sweep():
    return sweep(SMALL, "iid_noise_scale", [0.0, 1.0], models=("linear", "cnn"), seeds=2, steps=40, eval_every=20)


def test_a_sweep_gives_each_value_what_its_separate_run_gives(noise_sweep):
    # The standard the package promises for seeds: the same bits.
    for value, result in zip(noise_sweep.values, noise_sweep.results):
        data = generate(SMALL.replace(iid_noise_scale=value))
        alone = benchmark(
            data.train.x,
            data.train.y,
            data.test.x,
            data.test.y,
            models=("linear", "cnn"),
            seeds=2,
            steps=40,
            eval_every=20,
        )
        assert result.runs == alone.runs and result.curves == alone.curves
        assert result.config["iid_noise_scale"] == value


def test_more_iid_noise_is_harder_for_the_linear_model(noise_sweep):
    clean, noisy = noise_sweep.results
    assert noisy.mean("linear") + 5 < clean.mean("linear"), (clean.runs, noisy.runs)


def test_sweep_json_and_table(noise_sweep):
    data = json.loads(noise_sweep.to_json())
    assert set(data["sweep"]) == {"parameter", "values", "results"}
    assert data["sweep"]["parameter"] == "iid_noise_scale" and data["sweep"]["values"] == [0.0, 1.0]
    assert all("curves" in r for r in data["sweep"]["results"])
    assert Sweep.from_dict(data) == noise_sweep
    lines = noise_sweep.table().splitlines()
    assert lines[0].split() == ["iid_noise_scale", "logistic", "regression", "CNN"]
    assert lines[1].startswith("0.0 ") and lines[2].startswith("1.0 ")
    assert noise_sweep.results[0].summary("cnn") in lines[1]


def test_values_that_cannot_share_a_stack_train_one_group_after_another():
    lengths = sweep(SMALL, "final_seq_length", [40, 30], models=("linear",), seeds=1, steps=5)
    sizes = sweep(SMALL, "num_samples", [1000, 1050], models=("linear",), seeds=1, steps=12)  # 840 train: a cut batch
    for result, value in zip(sizes.results, sizes.values):
        data = generate(SMALL.replace(num_samples=value))
        alone = benchmark(data.train.x, data.train.y, data.test.x, data.test.y, models=("linear",), seeds=1, steps=12)
        assert alone.runs == result.runs
    assert [r.config["final_seq_length"] for r in lengths.results] == [40, 30]


@pytest.mark.parametrize(
    "parameter, values, message",
    [
        ("algorithm", ["paper", "sharded"], "algorithm cannot be swept"),
        ("sigma", [1, 2], "unknown parameter 'sigma' to sweep; choose from: num_samples"),
        ("iid_noise_scale", [], "the sweep needs a non-empty list of values"),
        ("iid_noise_scale", [0.1, 0.1], r"iid_noise_scale: the value 0.1 is given twice"),
        ("iid_noise_scale", [0.1, -1.0], "iid_noise_scale"),
    ],
)
def test_bad_sweeps_are_refused_before_any_data_is_made(monkeypatch, parameter, values, message):
    monkeypatch.setattr(
        importlib.import_module("mnist1d_baselines.sweep"),
        "generate",
        lambda *a: pytest.fail("made data despite bad input"),
    )
    with pytest.raises(ValueError, match=message):
        sweep(SMALL, parameter, values, steps=5)


def test_eval_every_is_checked(small):
    for bad, message in [
        (0, "eval_every must be >= 1, got 0"),
        (30, r"eval_every must be at most steps \(25\), got 30"),
    ]:
        with pytest.raises(ValueError, match=message):
            run(small, models=("linear",), seeds=1, steps=25, eval_every=bad)
