"""``load_dataset("mnist1d")``: the one hook into ``datasets`` outside its builder protocol.

``datasets`` 4.x and 5.x have no public registry of names: ``load_dataset`` and
``load_dataset_builder`` resolve a name through ``datasets.load.dataset_module_factory``, and
``datasets.inspect`` and ``datasets.commands.test`` hold their own references to it.
:func:`register` wraps each reference it finds; ``import mnist1d_builders.hf`` calls it, and no
other module of this package does.
"""

from __future__ import annotations

import functools
import sys

import datasets
import datasets.load

from ..record.arrow import DATASET_NAME
from .mnist1d import CODE_HASH

#: Arguments of ``load_dataset`` that select files of a repository: the name is no repository.
_UNSUPPORTED = ("revision", "data_files", "data_dir")
_MODULES = ("datasets.load", "datasets.inspect", "datasets.commands.test")


def register() -> None:
    """Make ``datasets`` resolve the exact name ``"mnist1d"`` to :class:`~.mnist1d.Mnist1d`, offline.

    Idempotent. Every other name goes to ``datasets`` unchanged (a local folder called
    ``mnist1d`` is loaded as ``"./mnist1d"``). The name refuses, with a ``ValueError`` naming
    them, the arguments it cannot honour: ``revision``, ``data_files`` and ``data_dir`` (a
    release is pinned by the package's version; variants by parameters, e.g. ``seed=7``).
    Modules that imported the factory by name (``datasets.inspect``, ``datasets.commands.test``)
    are wrapped too, whether imported before or after this call.
    """
    for name in _MODULES:
        module = sys.modules.get(name) if name != "datasets.load" else datasets.load
        factory = getattr(module, "dataset_module_factory", None)
        if factory is not None and not getattr(factory, "resolves_mnist1d", False):
            module.dataset_module_factory = _resolving_mnist1d(factory)
    if not getattr(datasets.load.dataset_module_factory, "resolves_mnist1d", False):
        raise ImportError(
            f"datasets {datasets.__version__} has no datasets.load.dataset_module_factory, so "
            "load_dataset('mnist1d') cannot be registered; use mnist1d_builders.hf.Mnist1d directly"
        )


def _resolving_mnist1d(factory):
    @functools.wraps(factory)
    def dataset_module_factory(path, *args, **kwargs):
        if path != DATASET_NAME:
            return factory(path, *args, **kwargs)
        given = [name for name in _UNSUPPORTED if kwargs.get(name) is not None]
        if given:
            raise ValueError(
                f"load_dataset('mnist1d', {', '.join(f'{name}=...' for name in given)}): the registered name "
                f"cannot honour {', '.join(given)}; it builds this package's release of MNIST-1D from "
                "parameters (pass them as keywords, e.g. seed=7), or load an export folder or Hub repository by path"
            )
        return datasets.load.DatasetModule(
            module_path="mnist1d_builders.hf.mnist1d", hash=CODE_HASH, builder_kwargs={"dataset_name": DATASET_NAME}
        )

    dataset_module_factory.resolves_mnist1d = True
    return dataset_module_factory
