"""MNIST-1D for Hugging Face ``datasets``. Importing this package makes the name ``"mnist1d"``
resolve to the builder, offline (:func:`register`, the only effect of the import)::

    import datasets
    import mnist1d_builders.hf  # noqa: F401

    ds = datasets.load_dataset("mnist1d")                                   # "canonical": the paper's data
    ds = datasets.load_dataset("mnist1d", "shuffled")
    ds = datasets.load_dataset("mnist1d", "canonical", seed=7, num_samples=50_000)  # any variant

The builder class works without the name too::

    builder = Mnist1d(config_name="canonical", seed=7, cache_dir="...", hash=CODE_HASH)
    builder.download_and_prepare()
    ds = builder.as_dataset()

Both build as ``datasets`` builds any dataset, with no record. :func:`prepare` (``mnist1d build
--framework hf``) builds the same folder staged, locked and recorded in ``MANIFEST.json``, which
``mnist1d verify`` checks (``mnist1d_builders.record.verify``); ``load_dataset("mnist1d",
cache_dir=data_dir)`` then reads that build. ``mnist1d.py`` is the builder (the protocol only),
``preparing.py`` the recorded build, ``registration.py`` the name.
"""

from ..record.arrow import features
from ..record.verify import verify_directory
from .mnist1d import CODE_HASH, VERSION, Mnist1d, Mnist1dBuilderConfig, build_folder, prepare
from .preparing import build_bytes
from .registration import register

register()

__all__ = [
    "CODE_HASH",
    "VERSION",
    "Mnist1d",
    "Mnist1dBuilderConfig",
    "build_bytes",
    "build_folder",
    "features",
    "prepare",
    "register",
    "verify_directory",
]
