"""The paper's baselines on any MNIST-1D data: logistic regression, MLP, CNN and GRU,
trained with the authors' recipe, all seeds and models together.

>>> from mnist1d_core import PRESETS, generate
>>> from mnist1d_baselines import benchmark
>>> data = generate(PRESETS["canonical"])
>>> results = benchmark(data.train.x, data.train.y, data.test.x, data.test.y, seeds=3)  # doctest: +SKIP
>>> results.to_dict()["results"]["cnn"]["mean"]  # doctest: +SKIP

The models themselves, ``torch.nn.Module`` subclasses with the authors' layers:
:class:`Linear`, :class:`MLP`, :class:`CNN`, :class:`GRU`, and :func:`build` (one by name,
seeded); see ``mnist1d_baselines.models``.

Importing this package does not import torch: :func:`benchmark` does, and so does the
first use of a model's name; both need the ``benchmark`` extra
(``pip install 'mnist1d-datasets[benchmark]'``).
"""

from .benchmark import benchmark, require_torch
from .results import METRIC, MODEL_TITLES, MODELS, PAPER_ACCURACY, Curve, Results
from .sweep import Sweep, sweep

_MODEL_NAMES = ("Linear", "MLP", "CNN", "GRU", "build")

__all__ = ["METRIC", "MODEL_TITLES", "MODELS", "PAPER_ACCURACY", "Curve", "Results", "Sweep"]
__all__ += ["benchmark", "require_torch", "sweep"]
__all__ += _MODEL_NAMES


def __getattr__(name: str):
    """The models, imported (with torch) on first use."""
    if name in _MODEL_NAMES:
        require_torch()
        from . import models

        return getattr(models, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
