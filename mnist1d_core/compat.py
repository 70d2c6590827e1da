"""Drop-in replacement for the authors' ``mnist1d.data.make_dataset``.

Migrating code changes one import::

    from mnist1d.data import make_dataset, get_dataset_args   # before
    from mnist1d_core.compat import make_dataset, get_dataset_args  # after

The result is the authors' dict, with the same keys, shapes, dtypes and values, but
no global random state is used and bad arguments are refused before any work.
"""

from __future__ import annotations

from typing import Any, Mapping

from .config import DEFAULT, PARAMETER_NAMES, MNIST1DConfig
from .generate import generate

# Keys of the authors' args that do not affect generation (the frozen data's address).
_IGNORED_KEYS = frozenset({"url"})


class DatasetArgs:
    """An attribute bag like the authors' ``ObjectView``."""

    def __init__(self, params: Mapping[str, Any]) -> None:
        self.__dict__.update(params)

    def __repr__(self) -> str:
        return f"DatasetArgs({self.__dict__!r})"


def get_dataset_args(as_dict: bool = False) -> DatasetArgs | dict[str, Any]:
    """The paper's parameters, as a dict or as an attribute object (like the authors')."""
    params = DEFAULT.to_dict()
    params["padding"] = list(params["padding"])
    return params if as_dict else DatasetArgs(params)


def config_from_args(args: Any = None) -> MNIST1DConfig:
    """Validate an args object (any object with attributes, e.g. ``ObjectView`` or
    ``argparse.Namespace``) or a dict, and return the config it describes.

    Missing parameters take the paper's defaults; unknown names are refused.
    """
    if args is None:
        return DEFAULT
    if isinstance(args, Mapping):
        params = dict(args)
    elif hasattr(args, "__dict__"):
        params = dict(vars(args))
    else:
        raise TypeError(f"args must be a dict or an object with attributes, got {args!r}")
    unknown = sorted(set(params) - set(PARAMETER_NAMES) - _IGNORED_KEYS)
    if unknown:
        raise TypeError(f"unknown MNIST-1D parameter(s) in args: {', '.join(unknown)}")
    return MNIST1DConfig.from_dict({k: v for k, v in params.items() if k in PARAMETER_NAMES})


def make_dataset(args: Any = None) -> dict[str, Any]:
    """Generate MNIST-1D as ``mnist1d.data.make_dataset(args)`` does.

    Returns
    -------
    dict
        ``x`` (num_train, L), ``x_test`` (num_test, L) float64; ``y``, ``y_test`` int64;
        ``t`` (L,) float64; ``templates``: dict of ``x`` (10, 12), ``t`` (12,), ``y`` (10,).
    """
    data = generate(config_from_args(args))
    tpl = data.templates
    return {
        "x": data.train.x,
        "x_test": data.test.x,
        "y": data.train.y,
        "y_test": data.test.y,
        "t": data.t,
        "templates": {"x": tpl.x, "t": tpl.t, "y": tpl.y},
    }
