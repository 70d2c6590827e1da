"""MNIST-1D for Hugging Face ``datasets``. Importing this package makes the name
``"mnist1d"`` resolve to the builder, offline::

    import datasets
    import mnist1d_builders.hf  # noqa: F401  (registers "mnist1d"; see register())

    ds = datasets.load_dataset("mnist1d")                                   # "canonical": the paper's data
    ds = datasets.load_dataset("mnist1d", "shuffled")
    ds = datasets.load_dataset("mnist1d", "canonical", seed=7, num_samples=50_000)  # any variant

The builder class works without the name too::

    builder = Mnist1d(config_name="canonical", seed=7, cache_dir="...")
    builder.download_and_prepare()
    ds = builder.as_dataset()

``mnist1d.py`` is the builder, ``record.py`` the files it records beside the shards (parameters,
content fingerprints, SHA256SUMS) and ``verify.py`` re-checks a build against them.
"""

from .mnist1d import CODE_HASH, TESTED_DATASETS, VERSION, Mnist1d, Mnist1dBuilderConfig, features, prepare, register
from .verify import verify_directory

__all__ = [
    "CODE_HASH",
    "TESTED_DATASETS",
    "VERSION",
    "Mnist1d",
    "Mnist1dBuilderConfig",
    "features",
    "prepare",
    "register",
    "verify_directory",
]
