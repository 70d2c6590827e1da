"""Figures of measured results (``mnist1d plot --results``): final accuracies as bars,
learning curves, and sweeps. Each takes results labelled by dataset, so several files
overlay (canonical beside shuffled, say).

Needs matplotlib (the ``plot`` extra), imported only when a figure is drawn. Returns
matplotlib ``Figure`` objects, not attached to pyplot, so nothing global changes.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from .results import METRIC, MODEL_TITLES, MODELS, PAPER_ACCURACY, Results
from .sweep import Sweep

if TYPE_CHECKING:
    from matplotlib.figure import Figure

_COLORS = [f"C{i}" for i in range(10)]  # matplotlib's default cycle


def _figure(width: float, height: float) -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def results_figure(results: Mapping[str, Results]) -> Figure:
    """Bars of the baselines' final test accuracy (mean, with the standard deviation over
    seeds as an error bar), one group per model and one bar per dataset, labelled by
    ``results``' keys; the paper's number, where it reported one for that dataset, as a
    black tick. The title gives the seeds and steps, for each dataset when they differ."""
    if not results:
        raise ValueError("results: nothing to draw, got no results")
    models = _models(results.values())
    width = 0.8 / len(results)
    figure = _figure(1.6 + 1.5 * len(models), 3.6)
    ax = figure.subplots()
    labelled = False
    for i, (label, measured) in enumerate(results.items()):
        offsets = np.arange(len(models)) - 0.4 + width * (i + 0.5)
        shown = [m in measured.runs for m in models]
        means = [measured.mean(m) if ok else 0.0 for m, ok in zip(models, shown)]
        stds = [measured.std(m) if ok else 0.0 for m, ok in zip(models, shown)]
        ax.bar(offsets[shown], np.array(means)[shown], width * 0.9, yerr=np.array(stds)[shown], capsize=3, label=label)
        paper = PAPER_ACCURACY.get(measured.preset, {})
        ticks = [(x, paper[m]) for x, m, ok in zip(offsets, models, shown) if ok and m in paper]
        if ticks:  # one legend entry for all the paper's ticks
            ax.scatter(*zip(*ticks), marker="_", s=300, color="black", zorder=3, label=None if labelled else "paper")
            labelled = True
    ax.set_xticks(np.arange(len(models)), [MODEL_TITLES[m] for m in models])
    ax.set_ylabel(METRIC)
    ax.set_ylim(0, 100)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(loc="upper left", fontsize="small")
    ax.set_title(_settings_title(results), fontsize="small")
    return figure


def curves_figure(results: Mapping[str, Results]) -> Figure:
    """Test accuracy against training step, one panel per model: each dataset's mean over
    seeds as a line with a ± one standard deviation band, and the paper's final number, where
    it reported one, as a dotted line of the same colour. Every results needs curves."""
    missing = [label for label, r in results.items() if r.curves is None]
    if not results or missing:
        raise ValueError(f"results: no curves to draw in {', '.join(missing) or 'nothing'} (measure with eval_every)")
    models = _models(results.values())
    figure = _figure(3.2 * len(models), 3.2)
    axes = figure.subplots(1, len(models), squeeze=False, sharey=True)[0]
    for ax, model in zip(axes, models):
        for color, (label, measured) in zip(_COLORS, results.items()):
            if model not in measured.curves:
                continue
            curve = measured.curves[model]
            runs = np.array(curve.runs)
            mean, std = runs.mean(0), runs.std(0)
            ax.plot(curve.steps, mean, color=color, label=label)
            ax.fill_between(curve.steps, mean - std, mean + std, color=color, alpha=0.2, linewidth=0)
            paper = PAPER_ACCURACY.get(measured.preset, {}).get(model)
            if paper is not None:
                ax.axhline(paper, color=color, linestyle=":", linewidth=1, label=f"paper, {label}")
        ax.set_title(MODEL_TITLES[model])
        ax.set_xlabel("training step")
        ax.set_ylim(0, 100)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel(f"{METRIC}, mean ± std")
    axes[-1].legend(loc="best", fontsize="small")
    figure.suptitle(_settings_title(results), fontsize="small")
    return figure


def sweep_figure(sweeps: Mapping[str, Sweep]) -> Figure:
    """Final test accuracy against the swept parameter's value, one line per model (and
    dataset, labelled by ``sweeps``' keys), error bars of one standard deviation over seeds.
    The sweeps must vary the same parameter."""
    parameters = {s.parameter for s in sweeps.values()}
    if len(parameters) != 1:
        raise ValueError(f"sweeps: one parameter per figure, got {', '.join(sorted(parameters)) or 'none'}")
    figure = _figure(5.5, 3.8)
    ax = figure.subplots()
    colors = dict(zip(MODELS, _COLORS))
    styles = ["-", "--", "-.", ":"]
    for i, (label, swept) in enumerate(sweeps.items()):
        for model in _models(swept.results):
            if not all(model in r.runs for r in swept.results):
                continue
            means = [statistics.fmean(r.runs[model]) for r in swept.results]
            stds = [statistics.pstdev(r.runs[model]) for r in swept.results]
            name = MODEL_TITLES[model] + (f", {label}" if len(sweeps) > 1 else "")
            ax.errorbar(
                swept.values,
                means,
                yerr=stds,
                capsize=3,
                marker="o",
                color=colors[model],
                linestyle=styles[i % 4],
                label=name,
            )
    (parameter,) = parameters
    ax.set_xlabel(parameter)
    ax.set_ylabel(f"final {METRIC}")
    ax.set_ylim(0, 100)
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    ax.set_title(_settings_title({label: s.results[0] for label, s in sweeps.items()}), fontsize="small")
    return figure


def _models(results) -> list[str]:
    return [m for m in MODELS if any(m in r.runs for r in results)]


def _settings_title(results: Mapping[str, Results]) -> str:
    """``"3 seeds, 8000 steps"``; when the results differ in them, one line per label, so that
    bars trained longer or over more seeds are not read as measured alike."""
    settings = {label: f"{r.seeds} seed{'s' * (r.seeds > 1)}, {r.steps} steps" for label, r in results.items()}
    if len(set(settings.values())) == 1:
        return next(iter(settings.values()))
    return "\n".join(f"{label}: {setting}" for label, setting in settings.items())
