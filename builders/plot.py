"""Pictures of MNIST-1D drawn the way the paper draws them (``mnist1d plot``).

Each signal stands upright: its value runs left to right and time runs top to bottom, so
a digit reads like a pen stroke. One column per class; an optional first row shows the
templates. Figures of the baselines' results are ``mnist1d_baselines.plot``'s; any figure is
written by :func:`save_figure`.
Needs matplotlib, the ``plot`` extra: ``pip install "mnist1d-datasets[plot]"``.
matplotlib is imported only when a figure is drawn, so the rest works without it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from mnist1d_core import MNIST1D, MNIST1DConfig
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


def save_figure(figure: Figure, out: Path) -> None:
    """Write a figure to the PNG file ``out``, whole or not at all."""
    out = Path(out)
    with written_atomically(out) as partial, open(partial, "xb") as f:
        # No "Software" (version) entry: the same figure gives the same bytes on every run.
        figure.savefig(f, format="png", dpi=100, metadata={"Software": None})
