"""``mnist1d.data``: the paper's parameters, templates and data, and the authors' cache.

The results are the authors' (same keys, shapes, dtypes and values), made by this
package's generator: no global random state is used, nothing is downloaded, and bad
arguments are refused before any work.
"""

from __future__ import annotations

import pickle
from collections.abc import Mapping
from typing import Any

from ..config import DEFAULT
from ..generate import generate
from ..templates import Templates, templates
from .args import config_from_args, params_of
from .frozen import FROZEN_URL, as_authors_dict, frozen_dataset
from .utils import ObjectView, _in_a_folder, from_pickle, to_pickle

__all__ = ["config_from_args", "get_dataset", "get_dataset_args", "get_templates", "make_dataset"]

#: Where ``get_dataset`` caches the data unless given a ``path`` (the authors' default).
DEFAULT_PATH = "./mnist1d_data.pkl"


def get_dataset_args(as_dict: bool = False) -> ObjectView | dict[str, Any]:
    """The paper's parameters and the frozen data's ``url``, exactly the authors' dict, or an
    :class:`ObjectView` of it (``args.num_samples = 10000`` then works as in their notebooks).

    ``make_dataset`` also takes ``algorithm`` (``"paper"``, the default, or ``"sharded"``).
    """
    params = {name: value for name, value in DEFAULT.to_dict().items() if name != "algorithm"}
    params["padding"] = list(params["padding"])
    params["url"] = FROZEN_URL
    return params if as_dict else ObjectView(params)


def get_templates() -> dict[str, Any]:
    """The ten digit templates: ``x`` (10, 12) float64, ``t`` (12,) float64, ``y`` (10,) int64."""
    tpl = templates()
    return {"x": tpl.x, "t": tpl.t, "y": tpl.y}


def make_dataset(args: Any = None, template: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Generate MNIST-1D as the authors' ``make_dataset(args, template)`` does.

    Unlike theirs, it neither reads nor seeds numpy's (or Python's) global random state:
    the draws come from a private stream seeded with ``args.seed``.

    Parameters
    ----------
    args : ObjectView, dict or object with attributes, optional
        The parameters (``get_dataset_args()``); missing ones take the paper's values.
    template : dict, optional
        ``{"x": (classes, points), "t": (length,), "y": (classes,)}`` like ``get_templates()``;
        ``num_samples // classes`` examples are made per class, labelled with ``y``. (A
        float32 ``t`` gives the authors' ``t`` to float32 precision only: scipy's interpolation
        subtracts float32 values in float32, this package's interpolates them exactly.)

    Returns
    -------
    dict
        ``x`` (num_train, L), ``x_test`` (num_test, L) float64; ``y``, ``y_test`` int64 (or the
        template's ``y`` values); ``t`` (L,) float64; ``templates``: the ``template`` given, or
        a dict of ``x`` (10, 12), ``t`` (12,), ``y`` (10,).
    """
    config = config_from_args(args)
    custom = None if template is None else _templates(template)
    return as_authors_dict(generate(config, template=custom), template)


def get_dataset(args, path=None, verbose=True, download=True, regenerate=False, **kwargs) -> dict[str, Any]:
    """The authors' cached dataset: load ``path`` if it exists, otherwise make the data and
    pickle it there. Nothing is ever downloaded.

    - ``download=True`` (the default): the paper's frozen ``mnist1d_data.pkl``, generated
      here and checked against the fingerprint registry. As float32 it is identical to the
      authors' file; as float64 it agrees with it to 1e-15. ``args`` other than ``url``
      are not used, as in the authors' code.
    - ``download=False``: ``make_dataset(args, **kwargs)``.
    - ``regenerate=True`` (with ``download=False``): ``make_dataset(args, **kwargs)``, even
      if ``path`` exists, which is overwritten.

    Unlike the authors' code, a file at ``path`` that cannot be read as a pickle of arrays
    is an error (``pickle.UnpicklingError``), never silently overwritten; and writes are
    whole or nothing.

    Parameters
    ----------
    args : ObjectView, dict or object with attributes
        The parameters (``get_dataset_args()``).
    path : str or path-like, optional
        The cache file; default ``./mnist1d_data.pkl`` (whatever ``args`` say, as the authors').
    verbose : bool
        Print what is done.
    download, regenerate : bool
        See above; not both.
    **kwargs
        ``template=`` for ``make_dataset``.

    Returns
    -------
    dict
        The layout of ``make_dataset``.
    """
    unknown = sorted(set(kwargs) - {"template"})
    if unknown:
        raise TypeError(
            f"get_dataset got unexpected keyword argument(s) {', '.join(unknown)}; make_dataset takes template="
        )
    if download and regenerate:
        raise ValueError(
            "download=True and regenerate=True: choose one, the paper's frozen data (download) "
            "or data made from args (regenerate=True, download=False)"
        )
    config_from_args(args)  # bad args fail here, before any work
    if kwargs.get("template") is not None:
        _templates(kwargs["template"])
    path = _in_a_folder(DEFAULT_PATH if path is None else path)
    if path.is_dir():
        raise ValueError(f"path {str(path)!r} is a folder; give the name of a file")
    say = print if verbose else (lambda *_: None)

    if path.exists() and not regenerate:
        say(f"Found {path}: loading it.")
        try:
            dataset = from_pickle(path)
        except pickle.UnpicklingError as error:
            raise pickle.UnpicklingError(
                f"{error}; remove the file, or pass download=False, regenerate=True to overwrite it"
            ) from None
        say(f"Successfully loaded data from {path}")
        return dataset
    if download:
        url = params_of(args).get("url", FROZEN_URL)
        if url != FROZEN_URL:
            raise ValueError(
                f"args.url={url!r}: get_dataset never downloads; download=True gives the paper's "
                f"frozen data ({FROZEN_URL}). Read a file you downloaded with from_pickle(path)."
            )
        say(
            "Generating the paper's frozen MNIST-1D data (nothing is downloaded; content checked "
            "against the fingerprint registry)..."
        )
        dataset = frozen_dataset()
    else:
        say("Generating MNIST-1D from args...")
        dataset = make_dataset(args, **kwargs)
    to_pickle(dataset, path)
    say(f"Saved to {path}")
    return dataset


def _templates(template: Any) -> Templates:
    if not isinstance(template, Mapping) or not {"x", "t", "y"} <= set(template):
        raise TypeError(
            "template must be a dict with the keys 'x', 't' and 'y', like get_templates(), "
            f"got {type(template).__name__}"
            + (f" with keys {sorted(map(str, template))}" if isinstance(template, Mapping) else "")
        )
    return Templates.custom(x=template["x"], t=template["t"], y=template["y"])
