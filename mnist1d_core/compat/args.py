"""The authors' ``args``: whatever object or dict holds the parameters, as a validated config."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..config import PARAMETER_NAMES, MNIST1DConfig

# Keys of the authors' args that do not affect generation (the frozen data's address).
_IGNORED_KEYS = frozenset({"url"})


def config_from_args(args: Any = None) -> MNIST1DConfig:
    """Validate an args object (any object with attributes, e.g. ``ObjectView`` or
    ``argparse.Namespace``) or a dict, and return the config it describes.

    Missing parameters take the paper's defaults; unknown names are refused; ``url`` is
    ignored.
    """
    params = {k: v for k, v in params_of(args).items() if k not in _IGNORED_KEYS}
    unknown = sorted(set(params) - set(PARAMETER_NAMES))
    if unknown:
        raise TypeError(f"unknown MNIST-1D parameter(s) in args: {', '.join(unknown)}")
    return MNIST1DConfig.from_dict(params)


def params_of(args: Any) -> dict[str, Any]:
    """The parameters in ``args`` (None: none), as a dict."""
    if args is None:
        return {}
    if isinstance(args, Mapping):
        return dict(args)
    if hasattr(args, "__dict__"):
        return dict(vars(args))
    raise TypeError(f"args must be a dict or an object with attributes, got {args!r}")
