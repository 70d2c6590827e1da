"""``benchmark()``: the paper's baselines trained and measured on any MNIST-1D data.

numpy arrays in, :class:`~mnist1d_baselines.results.Results` out. Every argument is
checked before torch is imported or anything is trained.
"""

from __future__ import annotations

import importlib.metadata
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

import mnist1d_core
from mnist1d_core import MNIST1DConfig
from mnist1d_core.config import NUM_CLASSES, _integer
from mnist1d_core.generate import Progress

from .resources import check_memory
from .results import MODELS, Curve, Results


def torch_minimum() -> str | None:
    """The ``benchmark`` extra's torch floor, as pyproject.toml declares it (read from the
    installed package's metadata, so that the error messages never disagree with it)."""
    try:
        requirements = importlib.metadata.requires("mnist1d-datasets") or []
    except importlib.metadata.PackageNotFoundError:  # run from a source tree, not installed
        return None
    for requirement in requirements:
        match = re.fullmatch(r"torch\s*>=\s*([\w.]+)\s*;\s*extra\s*==\s*['\"]benchmark['\"]", requirement.strip())
        if match:
            return match[1]
    return None


INSTALL_HINT = "pip install 'mnist1d-datasets[benchmark]'"


def benchmark(
    x_train: Any,
    y_train: Any,
    x_test: Any,
    y_test: Any,
    *,
    models: Sequence[str] = MODELS,
    seeds: int = 3,
    steps: int = 8000,
    threads: int = 1,
    workers: int = 1,
    config: MNIST1DConfig | Mapping[str, Any] | None = None,
    eval_every: int | None = None,
    progress: Progress | None = None,
) -> Results:
    """Train the paper's baselines on the train split; measure their test accuracy.

    The authors' models and recipe (``mnist1d_baselines.models``, ``.train``): Adam with
    learning rate 1e-2, batches of 100 taken in order, ``steps`` updates, no weight decay,
    then the accuracy on the whole test split. Each model trains all its seeds at once
    (stacked parameters), and all models in one loop, or in ``workers`` parallel groups.

    Signals are trained on as float32, as the authors' ``torch.Tensor(x)`` does: float64
    data (what ``mnist1d_core.generate`` makes) and its float32 copy (what the builds
    store) round to the same values, so they give the same results.

    Seed ``s`` (0, 1, ..., ``seeds - 1``) initialises each model as ``torch.manual_seed(s)``
    followed by the authors' constructor would; the data order is the same for every seed
    (in order, no shuffling). The same call gives the same accuracies in any process on
    the same machine (CPU and torch build): training runs on ``threads`` threads whatever
    torch's setting. A seed's trained parameters, and so its accuracy, are the same bits
    whatever the number of seeds, the other models of the call and ``workers``: each copy
    is computed with the same kernels alone or stacked (tested under ATen's scalar, AVX2
    and AVX-512 kernels and oneDNN limited to AVX2, on 1 and 2 threads). Another machine,
    torch build or ``threads`` may round differently: accuracies then agree within noise.
    The caller's torch random state is not touched.

    Parameters
    ----------
    x_train, x_test : array_like
        (n, length) real signals; the same length for both.
    y_train, y_test : array_like
        (n,) integer labels in 0-9.
    models : sequence of str
        Some of ``"linear"``, ``"mlp"``, ``"cnn"``, ``"gru"`` (the default: all four).
    seeds : int
        Runs per model, >= 1.
    steps : int
        Training steps (optimizer updates) per run, >= 1; the authors' default is 8000.
    threads : int
        torch's intra-op threads while training (restored afterwards). These models gain
        little from more than one, and can lose (docs/notes/baselines.md).
    workers : int
        Threads training groups of models in parallel (whole models, shared out by cost),
        up to one per core. The results are the same for any number of workers.
    config : MNIST1DConfig or mapping, optional
        The generator parameters of the data, recorded in the results (JSON-serialisable).
    eval_every : int, optional
        Also measure test accuracy and loss every ``eval_every`` steps (1 to ``steps``) and
        after the last: the results then hold curves, whose last point is the final
        accuracy, and the best accuracy during training. Measuring does not change
        training: the final accuracies are the same bits with or without it.
    progress : callable, optional
        Called as ``progress(done, total)`` after each step: with one worker ``total`` is
        ``steps``; with several, the steps of all their groups (``steps`` x groups).

    Returns
    -------
    Results
        Test accuracy (%) per model and seed, with steps, config and versions.

    Raises
    ------
    TypeError, ValueError
        A bad argument, named with its value.
    ImportError
        torch is missing or older than the ``benchmark`` extra's floor (:func:`torch_minimum`).
    mnist1d_core.resources.InsufficientResources
        (a ValueError) The models and seeds would need more memory than is available.
    MemoryError
        The memory ran out all the same, during training.
    """
    options = _check_training(models, seeds, steps, threads, workers, eval_every, progress)
    x_train, y_train = _check_split("train", x_train, y_train)
    x_test, y_test = _check_split("test", x_test, y_test)
    _check_lengths(options["models"], x_train.shape[1], x_test.shape[1])
    return run([(x_train, y_train, x_test, y_test)], [_check_config(config)], **options)[0]


def run(datasets, configs, *, models, seeds, steps, threads, workers, eval_every, progress) -> list[Results]:
    """Train on checked numpy datasets ((x_train, y_train, x_test, y_test) each, float32 and
    int64); one Results per dataset, with its config."""
    torch = require_torch()
    from .train import train

    test_examples = max(len(x_test) for _, _, x_test, _ in datasets)
    check_memory(models, seeds, length=datasets[0][0].shape[1], test_examples=test_examples, values=len(datasets))
    tensors = [tuple(torch.from_numpy(a) for a in data) for data in datasets]
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        measured = train(
            models,
            range(seeds),
            tensors,
            steps=steps,
            threads=threads,
            workers=workers,
            eval_every=eval_every,
            progress=progress,
        )
    except RuntimeError as error:  # torch's allocator, past what check_memory foresaw (another process took it)
        if "can't allocate memory" not in str(error):
            raise
        raise MemoryError(str(error).splitlines()[0]) from None
    finally:
        torch.set_num_threads(previous)
    versions = {"mnist1d-datasets": mnist1d_core.__version__, "torch": torch.__version__, "numpy": np.__version__}
    return [
        Results(
            runs={name: tuple(by_model[name].final) for name in models},
            steps=steps,
            config=config,
            versions=versions,
            threads=threads,
            curves=None
            if eval_every is None
            else {
                name: Curve(tuple(m.steps), tuple(map(tuple, m.accuracy)), tuple(map(tuple, m.loss)))
                for name, m in by_model.items()
            },
        )
        for by_model, config in zip(measured, configs)
    ]


def _check_training(models, seeds, steps, threads, workers, eval_every, progress) -> dict[str, Any]:
    """The training options, checked: :func:`run`'s keyword arguments."""
    options = dict(models=_check_models(models))
    for name, value in dict(seeds=seeds, steps=steps, threads=threads, workers=workers).items():
        options[name] = _integer(name, value, minimum=1)
    if eval_every is not None:
        eval_every = _integer("eval_every", eval_every, minimum=1)
        if eval_every > options["steps"]:
            raise ValueError(f"eval_every must be at most steps ({options['steps']}), got {eval_every}")
    if progress is not None and not callable(progress):
        raise TypeError(f"progress must be callable, got {progress!r}")
    return dict(options, eval_every=eval_every, progress=progress)


def _check_lengths(models, length: int, test_length: int) -> None:
    if test_length != length:
        raise ValueError(f"x_test has signals of length {test_length}, x_train of length {length}")
    if "cnn" in models and length < 3:
        raise ValueError(
            f"the cnn needs signals of length >= 3 (its first kernel is 5 wide over the signal "
            f"padded by 1), got length {length}"
        )


def require_torch():
    """The ``torch`` module, or an ImportError that says how to install it."""
    minimum = torch_minimum()
    try:
        import torch
    except ModuleNotFoundError as error:
        needed = f"torch (>= {minimum})" if minimum else "torch"
        raise ImportError(f"the baselines need {needed}, which is not installed: {INSTALL_HINT}") from error
    except ImportError as error:  # installed, but its libraries did not load (a broken install, no memory)
        raise ImportError(f"the baselines need torch, which is installed but failed to load: {error}") from error
    except RuntimeError as error:  # std::bad_alloc while loading: the process has too little memory
        raise MemoryError(f"loading torch ran out of memory ({error})") from None
    if minimum and torch.__version__ < minimum:  # TorchVersion compares as a version
        raise ImportError(f"the baselines need torch >= {minimum}, found {torch.__version__}: {INSTALL_HINT}")
    return torch


def _check_models(models: Any) -> tuple[str, ...]:
    if isinstance(models, str) or not isinstance(models, Sequence):
        raise TypeError(f"models must be a sequence of model names such as {MODELS!r}, got {models!r}")
    for name in models:
        if name not in MODELS:
            raise ValueError(f"unknown model {name!r} in models; choose from: {', '.join(MODELS)}")
    if not models:
        raise ValueError("models must name at least one model, got an empty sequence")
    if len(set(models)) != len(models):
        raise ValueError(f"models names a model twice: {list(models)!r}")
    return tuple(models)


def _check_split(split: str, x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    """float32 (n, length) signals and int64 (n,) labels, checked."""
    x_name, y_name = f"x_{split}", f"y_{split}"
    x, y = np.asarray(x), np.asarray(y)
    if x.dtype == bool or not (np.issubdtype(x.dtype, np.floating) or np.issubdtype(x.dtype, np.integer)):
        raise TypeError(f"{x_name} must hold real numbers, got dtype {x.dtype}")
    if x.ndim != 2 or 0 in x.shape:
        raise ValueError(f"{x_name} must be a non-empty 2-D array (examples, time steps), got shape {x.shape}")
    with np.errstate(over="ignore"):  # values beyond float32's range become inf, refused next
        x = np.ascontiguousarray(x, dtype=np.float32)
    if not x.flags.writeable:  # a zero-copy view of stored data (pyarrow): torch wants to own it
        x = x.copy()
    if not np.isfinite(x).all():
        raise ValueError(f"{x_name} holds values that are not finite as float32 (NaN, inf or beyond ±3.4e38)")
    if y.dtype == bool or not np.issubdtype(y.dtype, np.integer):
        raise TypeError(f"{y_name} must hold integer labels, got dtype {y.dtype}")
    if y.shape != (len(x),):
        raise ValueError(f"{y_name} must have shape ({len(x)},), one label per signal of {x_name}, got {y.shape}")
    outside = y[(y < 0) | (y >= NUM_CLASSES)]
    if len(outside):
        raise ValueError(f"{y_name} must hold labels 0-{NUM_CLASSES - 1}, got {int(outside[0])}")
    return x, y.astype(np.int64)


def _check_config(config: Any) -> dict[str, Any] | None:
    if config is None:
        return None
    if isinstance(config, MNIST1DConfig):
        config = config.to_dict()
    if not isinstance(config, Mapping):
        raise TypeError(f"config must be an MNIST1DConfig, a mapping or None, got {config!r}")
    try:  # stored as JSON types (tuples become lists), so results read back equal
        return json.loads(json.dumps(dict(config)))
    except (TypeError, ValueError) as error:
        raise TypeError(f"config must be JSON-serialisable: {error}") from None
