"""The paper's baselines on any MNIST-1D data: logistic regression, MLP, CNN and GRU,
trained with the authors' recipe, all seeds and models together.

>>> from mnist1d_core import PRESETS, generate
>>> from mnist1d_baselines import benchmark
>>> data = generate(PRESETS["canonical"])
>>> results = benchmark(data.train.x, data.train.y, data.test.x, data.test.y, seeds=3)  # doctest: +SKIP
>>> results.to_dict()["results"]["cnn"]["mean"]  # doctest: +SKIP

Importing this package does not import torch: :func:`benchmark` does, and needs the
``benchmark`` extra (``pip install 'mnist1d-datasets[benchmark]'``).
"""

from .benchmark import benchmark, require_torch
from .results import METRIC, MODEL_TITLES, MODELS, PAPER_ACCURACY, Results

__all__ = ["METRIC", "MODEL_TITLES", "MODELS", "PAPER_ACCURACY", "Results", "benchmark", "require_torch"]
