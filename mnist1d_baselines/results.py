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

_NOT_RESULTS = "not a benchmark results layout"  # from_dict's errors begin so, whatever the field


def mean_std(accuracies: Sequence[float]) -> str:
    """``"mean ± std"`` of accuracies in percent, one decimal (std: population, as numpy's)."""
    return f"{statistics.fmean(accuracies):.1f} ± {statistics.pstdev(accuracies):.1f}"


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
    """

    runs: Mapping[str, tuple[float, ...]]
    steps: int
    config: Mapping[str, Any] | None
    versions: Mapping[str, str]
    threads: int

    @property
    def seeds(self) -> int:
        return len(next(iter(self.runs.values())))

    def mean(self, model: str) -> float:
        return statistics.fmean(self.runs[model])

    def std(self, model: str) -> float:
        """Standard deviation over seeds (population, ``numpy.std``'s default; 0 for one seed)."""
        return statistics.pstdev(self.runs[model])

    def to_dict(self) -> dict[str, Any]:
        """The JSON layout: ``{"config", "results": {model: {"mean", "std", "runs"}},
        "steps", "seeds", "metric", "threads", "versions"}``."""
        return {
            "config": None if self.config is None else dict(self.config),
            "results": {
                model: {"mean": self.mean(model), "std": self.std(model), "runs": list(runs)}
                for model, runs in self.runs.items()
            },
            "steps": self.steps,
            "seeds": self.seeds,
            "metric": METRIC,
            "threads": self.threads,
            "versions": dict(self.versions),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2) + "\n"

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Results:
        """Read back :meth:`to_dict`'s layout (means and deviations are recomputed from the runs).

        Checked first, since a reader draws or tabulates what it gets: ``ValueError`` or
        ``TypeError`` naming the field and its bad value.
        """
        try:
            return cls(
                runs=_checked_runs(data),
                steps=_positive_int("steps", data["steps"]),
                config=_checked_config(data["config"]),
                versions=_checked_versions(data["versions"]),
                threads=_positive_int("threads", data["threads"]),
            )
        except KeyError as error:
            raise ValueError(f"{_NOT_RESULTS}: no {error} field") from None
        except TypeError as error:
            raise TypeError(f"{_NOT_RESULTS}: {error}") from None
        except ValueError as error:
            raise ValueError(f"{_NOT_RESULTS}: {error}") from None

    def summary(self, model: str) -> str:
        """``mean ± std`` in percent, one decimal."""
        return mean_std(self.runs[model])

    def table(self) -> str:
        """A text table: model, mean ± std over seeds, each seed's accuracy."""
        rows = [("model", METRIC, "runs")]
        rows += [(MODEL_TITLES[m], self.summary(m), " ".join(f"{a:.1f}" for a in r)) for m, r in self.runs.items()]
        widths = [max(len(row[i]) for row in rows) for i in range(2)]
        lines = [f"{a:<{widths[0]}}  {b:<{widths[1]}}  {c}".rstrip() for a, b, c in rows]
        return "\n".join(lines + [self.caption()])

    def __str__(self) -> str:
        return self.table()

    def caption(self) -> str:
        """Seeds, steps and versions in one sentence."""
        versions = ", ".join(f"{name} {version}" for name, version in self.versions.items())
        return (
            f"Mean ± standard deviation over {self.seeds} seed{'s' * (self.seeds > 1)}, "
            f"{self.steps} steps each; {versions}."
        )

    def markdown(self, paper: Mapping[str, float] | None = None) -> str:
        """A markdown table of the results, beside ``paper`` (e.g. ``PAPER_ACCURACY["canonical"]``)
        when given, then :meth:`caption`."""
        header = ["model", METRIC] + (["paper (%)"] if paper is not None else [])
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        for model in self.runs:
            cells = [MODEL_TITLES[model], self.summary(model)]
            if paper is not None:
                cells.append(f"{paper[model]:g}" if model in paper else "")
            lines.append("| " + " | ".join(cells) + " |")
        return "\n".join(lines) + "\n\n" + self.caption() + "\n"


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


def _checked_config(config: Any) -> Mapping[str, Any] | None:
    if config is not None and not isinstance(config, Mapping):
        raise TypeError(f"config must be an object or null, got {reprlib.repr(config)}")
    return config


def _checked_versions(versions: Any) -> dict[str, str]:
    if not isinstance(versions, Mapping):
        raise TypeError(f"versions must be an object, got {reprlib.repr(versions)}")
    return dict(versions)
