"""What a benchmark measured: test accuracy per model and seed, as JSON and as tables.

Needs no torch, so results can be read back, compared and shown anywhere.
"""

from __future__ import annotations

import dataclasses
import json
import reprlib
import statistics
from collections.abc import Mapping, Sequence
from typing import Any

from mnist1d_core import PRESETS, MNIST1DConfig

#: The models, in the paper's table order.
MODELS = ("linear", "mlp", "cnn", "gru")

#: How the paper's table names them.
MODEL_TITLES = {"linear": "logistic regression", "mlp": "MLP", "cnn": "CNN", "gru": "GRU"}

#: Test accuracy (%) reported by the paper (README of github.com/greydanus/mnist1d), per preset.
PAPER_ACCURACY: dict[str, dict[str, float]] = {
    "canonical": {"linear": 32.0, "mlp": 68.0, "cnn": 94.0, "gru": 91.0},
    "shuffled": {"linear": 32.0, "mlp": 68.0, "cnn": 56.0, "gru": 57.0},
}

METRIC = "test accuracy (%)"
#: How the best accuracy during training is chosen, said wherever it is shown.
SELECTED = "selected on the test set"

_NOT_RESULTS = "not a benchmark results layout"  # from_dict's errors begin so, whatever the field


def mean_std(accuracies: Sequence[float]) -> str:
    """``"mean ± std"`` of accuracies in percent, one decimal (std: population, as numpy's);
    one accuracy alone, without a deviation it does not have."""
    if len(accuracies) == 1:
        return f"{accuracies[0]:.1f}"
    return f"{statistics.fmean(accuracies):.1f} ± {statistics.pstdev(accuracies):.1f}"


@dataclasses.dataclass(frozen=True)
class Curve:
    """One model's test accuracy (%) and mean test loss during training, per seed, after
    each of ``steps`` (the last is the run's final step)."""

    steps: tuple[int, ...]
    runs: tuple[tuple[float, ...], ...]
    loss: tuple[tuple[float, ...], ...]

    def best(self) -> tuple[tuple[float, ...], tuple[int, ...]]:
        """Per seed, the highest accuracy of the curve and the first step that reached it:
        selected on the test set, so an optimistic figure (no validation split is held out)."""
        picks = [max(range(len(self.steps)), key=lambda i, r=run: (r[i], -i)) for run in self.runs]
        return tuple(run[i] for run, i in zip(self.runs, picks)), tuple(self.steps[i] for i in picks)

    def to_dict(self) -> dict[str, Any]:
        return {"steps": list(self.steps), "runs": [list(r) for r in self.runs], "loss": [list(r) for r in self.loss]}


@dataclasses.dataclass(frozen=True)
class Results:
    """Final test accuracies of a benchmark run.

    Attributes
    ----------
    runs : dict of str to tuple of float
        Model name -> test accuracy in percent for seeds 0, 1, ..., in that order.
    steps : int
        Training steps (optimizer updates) of every run.
    config : dict or None
        The dataset's generator parameters (``MNIST1DConfig.to_dict()``, JSON types), or
        None when they are not known.
    versions : dict of str to str
        ``mnist1d-datasets``, ``torch`` and ``numpy`` versions that measured them.
    threads : int
        torch's intra-op threads while training. The same seed gives the same accuracies
        on the same machine and thread count; another thread count may round differently.
    curves : dict of str to Curve, optional
        Model name -> its test accuracy and loss during training (``eval_every``), whose
        last point is the final accuracy of ``runs``.
    """

    runs: Mapping[str, tuple[float, ...]]
    steps: int
    config: Mapping[str, Any] | None
    versions: Mapping[str, str]
    threads: int
    curves: Mapping[str, Curve] | None = None

    @property
    def seeds(self) -> int:
        return len(next(iter(self.runs.values())))

    def mean(self, model: str) -> float:
        return statistics.fmean(self.runs[model])

    def std(self, model: str) -> float:
        """Standard deviation over seeds (population, ``numpy.std``'s default; 0 for one seed)."""
        return statistics.pstdev(self.runs[model])

    @property
    def preset(self) -> str | None:
        """The preset the results were measured on, if any (the paper reports only those)."""
        try:
            name = MNIST1DConfig.from_dict(self.config).name if self.config is not None else None
        except (TypeError, ValueError):
            return None
        return name if name in PRESETS else None

    def best(self, model: str) -> tuple[tuple[float, ...], tuple[int, ...]] | None:
        """Per seed, the best test accuracy during training and its step (see
        :meth:`Curve.best`), or None without curves."""
        return self.curves[model].best() if self.curves is not None else None

    def to_dict(self) -> dict[str, Any]:
        """The JSON layout: ``{"config", "results": {model: {"mean", "std", "runs"}},
        "steps", "seeds", "metric", "threads", "versions"}``; with curves, also
        ``"curves": {model: {"steps", "runs", "loss"}}`` (per seed) and each model's
        ``"best": {"mean", "std", "runs", "steps"}``, the best accuracy during training."""
        results = {}
        for model, runs in self.runs.items():
            results[model] = {"mean": self.mean(model), "std": self.std(model), "runs": list(runs)}
            if self.curves is not None:
                best, steps = self.best(model)
                results[model]["best"] = {
                    "mean": statistics.fmean(best),
                    "std": statistics.pstdev(best),
                    "runs": list(best),
                    "steps": list(steps),
                }
        data = {
            "config": None if self.config is None else dict(self.config),
            "results": results,
            "steps": self.steps,
            "seeds": self.seeds,
            "metric": METRIC,
            "threads": self.threads,
            "versions": dict(self.versions),
        }
        if self.curves is not None:
            data["curves"] = {model: curve.to_dict() for model, curve in self.curves.items()}
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2) + "\n"

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Results:
        """Read back :meth:`to_dict`'s layout (means and deviations are recomputed from the runs).

        Checked first, since a reader draws or tabulates what it gets: ``ValueError`` or
        ``TypeError`` naming the field and its bad value.
        """
        try:
            runs, steps = _checked_runs(data), _positive_int("steps", data["steps"])
            return cls(
                runs=runs,
                steps=steps,
                config=_checked_object("config", data["config"], null=True),
                versions=dict(_checked_object("versions", data["versions"])),
                threads=_positive_int("threads", data["threads"]),
                curves=_checked_curves(data["curves"], runs, steps) if "curves" in data else None,
            )
        except KeyError as error:
            raise ValueError(f"{_NOT_RESULTS}: no {error} field") from None
        except TypeError as error:
            raise TypeError(f"{_NOT_RESULTS}: {error}") from None
        except ValueError as error:
            raise ValueError(f"{_NOT_RESULTS}: {error}") from None

    def summary(self, model: str) -> str:
        """``mean ± std`` in percent, one decimal (the accuracy alone for one seed)."""
        return mean_std(self.runs[model])

    def _rows(self, paper: Mapping[str, float] | None) -> tuple[list[str], list[list[str]]]:
        """The tables' header and cells: model, final accuracy, the paper's number (when
        given), the best during training (with curves)."""
        header = ["model", METRIC]
        header += ["paper (%)"] if paper is not None else []
        header += [f"best during training, {SELECTED}"] if self.curves is not None else []
        rows = []
        for model in self.runs:
            cells = [MODEL_TITLES[model], self.summary(model)]
            if paper is not None:
                cells.append(f"{paper[model]:g}" if model in paper else "")
            if self.curves is not None:
                best, steps = self.best(model)
                where = f"{min(steps)}-{max(steps)}" if min(steps) != max(steps) else f"{steps[0]}"
                cells.append(f"{mean_std(best)} at step{'s' * (min(steps) != max(steps))} {where}")
            rows.append(cells)
        return header, rows

    def table(self) -> str:
        """A text table: model, final accuracy (mean ± std over seeds), the paper's number
        (measured on a preset it reports), the best during training (with curves), each
        seed's accuracy; then :meth:`caption`."""
        header, rows = self._rows(PAPER_ACCURACY.get(self.preset))
        rows = [header + ["runs"]] + [
            cells + [" ".join(f"{a:.1f}" for a in self.runs[model])] for cells, model in zip(rows, self.runs)
        ]
        return "\n".join(_aligned(rows) + [self.caption()])

    def __str__(self) -> str:
        return self.table()

    def caption(self) -> str:
        """Seeds, steps and versions in one sentence."""
        versions = ", ".join(f"{name} {version}" for name, version in self.versions.items())
        over = f"Mean ± standard deviation over {self.seeds} seeds" if self.seeds > 1 else "One seed"
        return f"{over}, {self.steps} steps each; {versions}."

    def markdown(self, paper: Mapping[str, float] | None = None) -> str:
        """A markdown table of the results, beside ``paper`` (e.g. ``PAPER_ACCURACY["canonical"]``)
        when given, then :meth:`caption`."""
        header, rows = self._rows(paper)
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(cells) + " |" for cells in rows]
        return "\n".join(lines) + "\n\n" + self.caption() + "\n"


def _aligned(rows: list[list[str]]) -> list[str]:
    """Rows of cells as lines of left-aligned columns, two spaces apart."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(f"{c:<{w}}" for c, w in zip(row, widths)).rstrip() for row in rows]


def _checked_runs(data: Mapping[str, Any]) -> dict[str, tuple[float, ...]]:
    """``data["results"]``'s runs by model: known models only, each with the same number of
    accuracies in percent (``data["seeds"]`` of them, when given)."""
    if not isinstance(data, Mapping):
        raise TypeError(f"expected a JSON object, got {reprlib.repr(data)}")
    results = data["results"]
    if not isinstance(results, Mapping) or not results:
        raise ValueError(f"results must be a non-empty object of models, got {reprlib.repr(results)}")
    runs = {model: _checked_accuracies(model, entry) for model, entry in results.items()}
    count = len(next(iter(runs.values())))
    if any(len(accuracies) != count for accuracies in runs.values()):  # every model trains on the same seeds
        counts = ", ".join(f"{model} {len(accuracies)}" for model, accuracies in runs.items())
        raise ValueError(f"every model must have the same number of runs, got {counts}")
    if "seeds" in data and _positive_int("seeds", data["seeds"]) != count:
        raise ValueError(f"seeds is {data['seeds']}, but each model has {count} runs")
    return runs


def _checked_accuracies(model: str, entry: Any) -> tuple[float, ...]:
    if model not in MODELS:
        raise ValueError(f"results: unknown model {reprlib.repr(model)} (known: {', '.join(MODELS)})")
    if not isinstance(entry, Mapping) or "runs" not in entry:
        raise TypeError(f"results.{model} must be an object with runs, got {reprlib.repr(entry)}")
    runs = entry["runs"]
    if not isinstance(runs, list) or not runs:
        raise TypeError(f"results.{model}.runs must be a non-empty list of accuracies, got {reprlib.repr(runs)}")
    for accuracy in runs:
        # JSON numbers only: "55" or true are not accuracies. The range test also refuses NaN
        # and infinities, and bounds the sums of mean and std.
        if isinstance(accuracy, bool) or not isinstance(accuracy, (int, float)):
            raise TypeError(f"results.{model}.runs must hold numbers, got {reprlib.repr(accuracy)}")
        if not 0 <= accuracy <= 100:
            raise ValueError(
                f"results.{model}.runs must be accuracies in percent, in [0, 100], got {reprlib.repr(accuracy)}"
            )
    return tuple(float(accuracy) for accuracy in runs)


def _positive_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {reprlib.repr(value)}")
    return value


def _checked_object(name: str, value: Any, *, null: bool = False) -> Mapping[str, Any] | None:
    if not (isinstance(value, Mapping) or (null and value is None)):
        raise TypeError(f"{name} must be an object{' or null' * null}, got {reprlib.repr(value)}")
    return value


def _checked_curves(curves: Any, runs: Mapping[str, tuple[float, ...]], steps: int) -> dict[str, Curve]:
    """``data["curves"]``: one per model of the results, per seed, ending at ``steps`` with
    the final accuracy."""
    if not isinstance(curves, Mapping) or set(curves) != set(runs):
        raise ValueError(f"curves must be an object with the models of results, got {reprlib.repr(curves)}")
    checked = {}
    for model, curve in curves.items():
        if not isinstance(curve, Mapping) or not {"steps", "runs", "loss"} <= set(curve):
            raise TypeError(f"curves.{model} must be an object with steps, runs and loss, got {reprlib.repr(curve)}")
        points = curve["steps"]
        if not isinstance(points, list) or not points or points[-1] != steps:
            raise ValueError(
                f"curves.{model}.steps must be a list ending at steps ({steps}), got {reprlib.repr(points)}"
            )
        for a, b in zip([0, *points], points):
            _positive_int(f"curves.{model}.steps", b)
            if b <= a:
                raise ValueError(f"curves.{model}.steps must increase, got {reprlib.repr(points)}")
        accuracy = _per_seed(f"curves.{model}.runs", curve["runs"], len(runs[model]), len(points), upper=100)
        loss = _per_seed(f"curves.{model}.loss", curve["loss"], len(runs[model]), len(points), upper=float("inf"))
        if any(run[-1] != final for run, final in zip(accuracy, runs[model])):
            raise ValueError(f"curves.{model}.runs must end at each seed's final accuracy, {list(runs[model])}")
        checked[model] = Curve(tuple(points), accuracy, loss)
    return checked


def _per_seed(name: str, value: Any, seeds: int, points: int, *, upper: float) -> tuple[tuple[float, ...], ...]:
    if not isinstance(value, list) or len(value) != seeds:
        raise ValueError(f"{name} must hold one list per seed ({seeds}), got {reprlib.repr(value)}")
    for run in value:
        if not isinstance(run, list) or len(run) != points:
            raise ValueError(f"{name} must hold {points} numbers per seed, got {reprlib.repr(run)}")
        for number in run:
            if isinstance(number, bool) or not isinstance(number, (int, float)) or not 0 <= number <= upper:
                raise ValueError(f"{name} must hold numbers in [0, {upper:g}], got {reprlib.repr(number)}")
    return tuple(tuple(float(number) for number in run) for run in value)
