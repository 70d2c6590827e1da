"""``sweep()``: the baselines across the values of one generator parameter.

How does difficulty change with noise, translation, length? Each value's data is
generated on top of one config, and every value's copies of a model train together, as
seeds do: one stack of values x seeds copies, each copy on its own value's batches.
Values whose data cannot share a stack (another signal length, or batch sizes that differ
because the train split is not a multiple of 100) train one group after another.

>>> from mnist1d_core import PRESETS
>>> from mnist1d_baselines import sweep
>>> result = sweep(PRESETS["canonical"], "iid_noise_scale", [0.0, 0.1, 0.4], seeds=2)  # doctest: +SKIP
>>> print(result.table())  # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import json
import reprlib
from collections.abc import Mapping, Sequence
from typing import Any

from mnist1d_core import MNIST1DConfig, generate
from mnist1d_core.config import PARAMETER_NAMES
from mnist1d_core.generate import Progress
from mnist1d_core.resources import check_memory as check_data_memory

from .benchmark import _check_config, _check_lengths, _check_split, _check_training, run
from .resources import check_memory
from .results import _NOT_RESULTS, METRIC, MODEL_TITLES, MODELS, Results, _aligned, mean_std

#: Parameters that cannot be swept, and why.
NOT_SWEPT = {"algorithm": "it changes how the data is drawn, not what the data is"}


@dataclasses.dataclass(frozen=True)
class Sweep:
    """A benchmark per value of one parameter: ``results[i]`` was measured on the data
    made with ``parameter = values[i]`` (see :class:`Results`)."""

    parameter: str
    values: tuple[Any, ...]
    results: tuple[Results, ...]

    def to_dict(self) -> dict[str, Any]:
        """``{"sweep": {"parameter", "values", "results": [<Results.to_dict()> per value]},
        "steps", "seeds", "metric", "threads", "versions"}``."""
        results = [r.to_dict() for r in self.results]
        sweep = {"parameter": self.parameter, "values": list(self.values), "results": results}
        return {"sweep": sweep} | {key: results[0][key] for key in ("steps", "seeds", "metric", "threads", "versions")}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2) + "\n"

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Sweep:
        """Read back :meth:`to_dict`'s layout, checked as :meth:`Results.from_dict` checks."""
        try:
            sweep = data["sweep"]
            parameter, values, results = sweep["parameter"], sweep["values"], sweep["results"]
        except (KeyError, TypeError) as error:
            raise ValueError(f"{_NOT_RESULTS}: no {error} field in a sweep") from None
        if parameter not in PARAMETER_NAMES:
            raise ValueError(f"{_NOT_RESULTS}: sweep.parameter: unknown parameter {reprlib.repr(parameter)}")
        if not isinstance(values, list) or not isinstance(results, list) or not values or len(values) != len(results):
            raise ValueError(f"{_NOT_RESULTS}: sweep must hold one result per value, got {reprlib.repr(values)}")
        read = tuple(Results.from_dict(r) for r in results)
        for value, result in zip(values, read):
            if result.config is not None and result.config.get(parameter) != value:
                raise ValueError(f"{_NOT_RESULTS}: sweep: the result for {parameter}={value!r} has another config")
        return cls(parameter, tuple(values), read)

    def table(self) -> str:
        """One row per value, one column per model: the final accuracy, mean ± std."""
        models = list(self.results[0].runs)
        rows = [[self.parameter] + [MODEL_TITLES[m] for m in models]]
        rows += [[f"{value}"] + [mean_std(r.runs[m]) for m in models] for value, r in zip(self.values, self.results)]
        return "\n".join(_aligned(rows) + [f"Final {METRIC}. " + self.results[0].caption()])

    def __str__(self) -> str:
        return self.table()


def sweep(
    config: MNIST1DConfig,
    parameter: str,
    values: Sequence[Any],
    *,
    models: Sequence[str] = MODELS,
    seeds: int = 3,
    steps: int = 8000,
    threads: int = 1,
    workers: int = 1,
    eval_every: int | None = None,
    progress: Progress | None = None,
) -> Sweep:
    """Benchmark the baselines on ``config`` with ``parameter`` set to each of ``values``.

    Every value is checked (as ``MNIST1DConfig`` checks it), and the memory the copies need,
    before any data is made or anything trained. A seed's copy on a value trains to the
    same bits as in ``benchmark()`` on that value's data alone (see ``benchmark``). Other
    arguments as :func:`~mnist1d_baselines.benchmark`'s.

    Raises
    ------
    TypeError, ValueError
        An unknown parameter or one that cannot be swept (:data:`NOT_SWEPT`), no values,
        a value twice, or a value the parameter does not take, named with it.
    """
    if not isinstance(config, MNIST1DConfig):
        raise TypeError(f"config must be an MNIST1DConfig, got {config!r}")
    configs = sweep_configs(config, parameter, values)
    options = _check_training(models, seeds, steps, threads, workers, eval_every, progress)
    for c in configs:
        _check_lengths(options["models"], c.final_seq_length, c.final_seq_length)
    length, test_examples = max(c.final_seq_length for c in configs), max(c.num_test for c in configs)
    check_memory(options["models"], options["seeds"], length=length, test_examples=test_examples, values=len(configs))
    for c in configs:  # the data too, before any of it is made
        check_data_memory(c)
    datasets = [
        (*_check_split("train", data.train.x, data.train.y), *_check_split("test", data.test.x, data.test.y))
        for data in map(generate, configs)
    ]
    results = run(datasets, [_check_config(c) for c in configs], **options)
    return Sweep(parameter, tuple(getattr(c, parameter) for c in configs), tuple(results))


def sweep_configs(config: MNIST1DConfig, parameter: str, values: Sequence[Any]) -> list[MNIST1DConfig]:
    """``config`` with ``parameter`` set to each value, checked; refused as :func:`sweep` says."""
    if parameter in NOT_SWEPT:
        raise ValueError(f"{parameter} cannot be swept: {NOT_SWEPT[parameter]}")
    if parameter not in PARAMETER_NAMES:
        swept = ", ".join(name for name in PARAMETER_NAMES if name not in NOT_SWEPT)
        raise ValueError(f"unknown parameter {parameter!r} to sweep; choose from: {swept}")
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence) or not values:
        raise ValueError(f"{parameter}: the sweep needs a non-empty list of values, got {values!r}")
    configs = [config.replace(**{parameter: value}) for value in values]  # each value checked, named
    seen = [getattr(c, parameter) for c in configs]
    for i, value in enumerate(seen):
        if value in seen[:i]:
            raise ValueError(f"{parameter}: the value {value!r} is given twice")
    return configs
