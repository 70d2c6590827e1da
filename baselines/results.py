"""What a benchmark measured: test accuracy per model and seed, as JSON and as tables.

Needs no torch, so results can be read back, compared and shown anywhere.
"""

from __future__ import annotations

import dataclasses
import json
import statistics
from typing import Any, Mapping, Sequence

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
            "results": {model: {"mean": self.mean(model), "std": self.std(model), "runs": list(runs)}
                        for model, runs in self.runs.items()},
            "steps": self.steps,
            "seeds": self.seeds,
            "metric": METRIC,
            "threads": self.threads,
            "versions": dict(self.versions),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2) + "\n"

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Results":
        """Read back :meth:`to_dict`'s layout (means and deviations are recomputed from the runs)."""
        try:
            return cls(runs={model: tuple(float(a) for a in r["runs"]) for model, r in data["results"].items()},
                       steps=int(data["steps"]), config=data["config"], versions=dict(data["versions"]),
                       threads=int(data["threads"]))
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(f"not a benchmark results layout: {error!r}") from None

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
        return (f"Mean ± standard deviation over {self.seeds} seed{'s' * (self.seeds > 1)}, "
                f"{self.steps} steps each; {versions}.")

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
