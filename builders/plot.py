"""Pictures of MNIST-1D drawn the way the paper draws them (``mnist1d plot``).

Each signal stands upright: its value runs left to right and time runs top to bottom, so
a digit reads like a pen stroke. One column per class; an optional first row shows the
templates. Also the baselines' measured accuracy, as bars (``mnist1d plot --results``).
Needs matplotlib, the ``plot`` extra: ``pip install "mnist1d-datasets[plot]"``.
matplotlib is imported only when a figure is drawn, so the rest works without it.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from mnist1d_baselines.results import METRIC, MODEL_TITLES, MODELS, PAPER_ACCURACY, Results
from mnist1d_core import MNIST1D, PRESETS, MNIST1DConfig
from mnist1d_core.config import NUM_CLASSES
from mnist1d_core.files import written_atomically

if TYPE_CHECKING:
    from matplotlib.figure import Figure

MISSING_MATPLOTLIB = 'drawing needs matplotlib, the "plot" extra: pip install "mnist1d-datasets[plot]"'

_PANEL_INCHES = (1.1, 2.0)  # width, height of one signal's panel
_MARGIN = 1.08  # room around the widest signal of a row


def check_can_draw(per_class: int = 3, *, config: MNIST1DConfig | None = None) -> None:
    """Fail before any work: ``per_class`` not a positive integer, more than any class of
    ``config``'s train split can hold, or matplotlib missing.

    A class has ``num_samples // 10`` examples, shuffled over both splits, so its train
    examples number at most that and at most the train split's size; the exact count is
    known only once the data is generated (then :func:`examples_figure` checks it).
    """
    if isinstance(per_class, bool) or not isinstance(per_class, int) or per_class < 1:
        raise ValueError(f"per_class must be an integer >= 1, got {per_class!r}")
    if config is not None:
        most = min(config.num_examples // NUM_CLASSES, config.num_train)
        if per_class > most:
            raise ValueError(
                f"per_class={per_class}, but no class of {config.name} can have more than {most} train "
                f"examples ({config.num_examples // NUM_CLASSES} of each class, {config.num_train} "
                "train examples in all)"
            )
    try:
        import matplotlib.figure  # noqa: F401
    except ImportError as error:
        raise ImportError(MISSING_MATPLOTLIB) from error


def examples_figure(data: MNIST1D, *, per_class: int = 3, templates: bool = False) -> Figure:
    """Draw the first ``per_class`` train examples of every class, one column per class.

    With ``templates``, the first row shows the ten templates the examples were made from.
    Returns a matplotlib ``Figure`` (not attached to pyplot, so nothing global changes).
    """
    check_can_draw(per_class)
    from matplotlib.figure import Figure

    picks = [np.flatnonzero(data.train.y == digit)[:per_class] for digit in range(NUM_CLASSES)]
    for digit, chosen in enumerate(picks):
        if len(chosen) < per_class:
            raise ValueError(f"per_class={per_class} but the train split has {len(chosen)} examples of class {digit}")

    rows = [("template", data.templates.x, data.templates.t, list(range(NUM_CLASSES)))] if templates else []
    rows += [("example", data.train.x, data.t, [int(chosen[i]) for chosen in picks]) for i in range(per_class)]
    width, height = _PANEL_INCHES
    figure = Figure(figsize=(width * NUM_CLASSES, height * len(rows)), layout="constrained")
    axes = figure.subplots(len(rows), NUM_CLASSES, squeeze=False)
    for digit, ax in enumerate(axes[0]):
        ax.set_title(str(digit))
    for row_axes, (kind, signals, t, indices) in zip(axes, rows):
        reach = _MARGIN * np.abs(signals[indices]).max()
        row_axes[0].set_ylabel(kind)
        for ax, index in zip(row_axes, indices):
            ax.plot(signals[index], t, "k-", linewidth=1.5)
            ax.set_xlim(-reach, reach)
            ax.set_ylim(t.max(), t.min())  # inverted: time runs downwards, as in the paper
            ax.set_xticks([])
            ax.set_yticks([])
    return figure


def save_examples_figure(data: MNIST1D, out: Path, *, per_class: int = 3, templates: bool = False) -> None:
    """Draw :func:`examples_figure` into the PNG file ``out`` (written whole or not at all)."""
    save_figure(examples_figure(data, per_class=per_class, templates=templates), out)


def results_figure(results: Mapping[str, Results]) -> Figure:
    """Bars of the baselines' test accuracy (mean, with the standard deviation over seeds as
    an error bar), one group per model and one bar per dataset, labelled by ``results``' keys;
    the paper's number, where it reported one for that dataset, as a black tick. The title
    gives the seeds and steps, for each dataset when they differ."""
    if not results:
        raise ValueError("results: nothing to draw, got no results")
    check_can_draw()
    from matplotlib.figure import Figure

    models = [m for m in MODELS if any(m in r.runs for r in results.values())]
    width = 0.8 / len(results)
    figure = Figure(figsize=(1.6 + 1.5 * len(models), 3.6), layout="constrained")
    ax = figure.subplots()
    labelled = False
    for i, (label, measured) in enumerate(results.items()):
        offsets = np.arange(len(models)) - 0.4 + width * (i + 0.5)
        shown = [m in measured.runs for m in models]
        means = [measured.mean(m) if ok else 0.0 for m, ok in zip(models, shown)]
        stds = [measured.std(m) if ok else 0.0 for m, ok in zip(models, shown)]
        ax.bar(offsets[shown], np.array(means)[shown], width * 0.9, yerr=np.array(stds)[shown], capsize=3, label=label)
        paper = PAPER_ACCURACY.get(_preset_name(measured), {})
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


def _settings_title(results: Mapping[str, Results]) -> str:
    """``"3 seeds, 8000 steps"``; when the results differ in them, one line per label, so that
    bars trained longer or over more seeds are not read as measured alike."""
    settings = {label: f"{r.seeds} seed{'s' * (r.seeds > 1)}, {r.steps} steps" for label, r in results.items()}
    if len(set(settings.values())) == 1:
        return next(iter(settings.values()))
    return "\n".join(f"{label}: {setting}" for label, setting in settings.items())


def _preset_name(results: Results) -> str | None:
    """The preset the results were measured on, if any (the paper reports only those)."""
    if results.config is None:
        return None
    try:
        name = MNIST1DConfig.from_dict(results.config).name
    except (TypeError, ValueError):
        return None
    return name if name in PRESETS else None


def save_figure(figure: Figure, out: Path) -> None:
    """Write a figure to the PNG file ``out``, whole or not at all."""
    out = Path(out)
    with written_atomically(out) as partial, open(partial, "xb") as f:
        # No "Software" (version) entry: the same figure gives the same bytes on every run.
        figure.savefig(f, format="png", dpi=100, metadata={"Software": None})
