"""Baseline results on the card, taken as plain data: the layout ``mnist1d benchmark --json`` writes.

Per config, ``{"results": {model: {"mean", "std", "runs": [...], "best"?: {"mean", "std", "runs",
"steps"}}}, "steps"?, "seeds"?, "versions"?}``: accuracies in percent. ``best`` is the best test
accuracy during training (selected on the test set) and the step it was reached at. A sweep
(``mnist1d benchmark --sweep``'s layout) holds ``{"sweep": {"parameter", "values", "results":
[{"results": {model: ...}} per value]}, "steps"?, ...}`` in place of ``"results"``. The builders
never import the baselines: a card only reads these numbers.
"""

from __future__ import annotations

import json
import math
import statistics
from collections.abc import Mapping

#: Test accuracy (%) reported by the paper (README of github.com/greydanus/mnist1d), per preset.
PAPER_ACCURACY: dict[str, dict[str, float]] = {
    "canonical": {"linear": 32.0, "mlp": 68.0, "cnn": 94.0, "gru": 91.0},
    "shuffled": {"linear": 32.0, "mlp": 68.0, "cnn": 56.0, "gru": 57.0},
}
_TITLES = {"linear": "logistic regression", "mlp": "MLP", "cnn": "CNN", "gru": "GRU"}


def check_results(results: Mapping[str, Mapping] | None, names: list[str]) -> None:
    """Refuse results for a config not among ``names``, or not in the layout above (``ValueError``
    naming the config and the field)."""
    unknown = sorted(set(results or {}) - set(names))
    if unknown:
        raise ValueError(f"results: for configs not on the card: {', '.join(unknown)}")
    for config, entry in (results or {}).items():
        sweep = entry.get("sweep") if isinstance(entry, Mapping) else None
        if sweep is None:
            _check_models(f"results[{config!r}]", entry)
            continue
        where = f"results[{config!r}]['sweep']"
        parameter, values, runs = (
            sweep.get(key) if isinstance(sweep, Mapping) else None for key in ("parameter", "values", "results")
        )
        if not (isinstance(parameter, str) and isinstance(values, list) and isinstance(runs, list)):
            raise ValueError(f"{where}: not an object of 'parameter', 'values' and 'results'")
        if not values or len(values) != len(runs):
            raise ValueError(f"{where}: {len(values)} values but {len(runs)} results")
        for index, entry_of_value in enumerate(runs):
            _check_models(f"{where}['results'][{index}]", entry_of_value)


def _check_models(where: str, entry) -> None:
    models = entry.get("results") if isinstance(entry, Mapping) else None
    if not isinstance(models, Mapping) or not models:
        raise ValueError(f"{where}: no 'results' object of models")
    for model, numbers in models.items():
        _check_numbers(f"{where}[{model!r}]", numbers)
        if "best" in numbers:
            _check_numbers(f"{where}[{model!r}]['best']", numbers["best"])


def _check_numbers(where: str, numbers) -> None:
    if not isinstance(numbers, Mapping):
        raise ValueError(f"{where}: not an object")
    runs = numbers.get("runs")
    if not isinstance(runs, list) or not runs or not all(_percent(a) for a in runs):
        raise ValueError(f"{where}['runs']: must be a non-empty list of accuracies in percent")
    if not all(_percent(numbers.get(key)) for key in ("mean", "std")):
        raise ValueError(f"{where}: 'mean' and 'std' must be numbers in percent")


def _percent(value) -> bool:
    return (
        isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and 0 <= value <= 100
    )


def _summary(numbers: Mapping) -> str:
    runs = numbers["runs"]
    if len(runs) == 1:  # no spread to speak of
        return f"{runs[0]:.1f}"
    return f"{statistics.fmean(runs):.1f} ± {statistics.pstdev(runs):.1f}"


def results_markdown(entry: Mapping, paper: Mapping[str, float] | None = None) -> str:
    """A markdown table of one config's results: final accuracy, the paper's number when given,
    and the best during training with its step when recorded; then a caption."""
    models = entry["results"]
    best = any("best" in numbers for numbers in models.values())
    header = ["model", "final test accuracy (%)"]
    header += ["paper (%)"] if paper is not None else []
    header += ["best during training, selected on the test set (%), at step"] if best else []
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for model, numbers in models.items():
        cells = [_TITLES.get(model, model), _summary(numbers)]
        if paper is not None:
            cells.append(f"{paper[model]:g}" if model in paper else "")
        if best:
            top = numbers.get("best")
            steps = top and top.get("steps")
            at = f" (step {', '.join(str(s) for s in steps)})" if isinstance(steps, list) and steps else ""
            cells.append(f"{_summary(top)}{at}" if top else "")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n\n" + _caption(entry, models) + ".\n"


def sweep_markdown(entry: Mapping) -> str:
    """A markdown table of one config's sweep: one row per value of the swept parameter, one
    column per model, each cell the final test accuracy; then a caption."""
    sweep = entry["sweep"]
    models = list(dict.fromkeys(model for one in sweep["results"] for model in one["results"]))
    header = [f"`{sweep['parameter']}`", *(f"{_TITLES.get(model, model)} (%)" for model in models)]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for value, one in zip(sweep["values"], sweep["results"]):
        cells = [json.dumps(value).replace("|", "\\|")]
        cells += [_summary(one["results"][model]) if model in one["results"] else "" for model in models]
        lines.append("| " + " | ".join(cells) + " |")
    caption = f"Final test accuracy as `{sweep['parameter']}` varies, the other parameters as in this config; "
    over = _caption(entry, sweep["results"][0]["results"])
    caption += over[0].lower() + over[1:]
    return "\n".join(lines) + "\n\n" + caption + ".\n"


def _caption(entry: Mapping, models: Mapping) -> str:
    runs = len(next(iter(models.values()))["runs"])
    caption = f"Over {runs} seed{'s' * (runs > 1)}" + (" (mean ± standard deviation)" if runs > 1 else "")
    if isinstance(entry.get("steps"), int):
        caption += f", {entry['steps']} steps each"
    versions = entry.get("versions")
    if isinstance(versions, Mapping) and versions:
        caption += "; " + ", ".join(f"{name} {version}" for name, version in versions.items())
    return caption
