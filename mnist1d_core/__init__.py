"""MNIST-1D: the paper's generator, framework-agnostic (numpy and scipy only).

>>> from mnist1d_core import PRESETS, generate
>>> data = generate(PRESETS["canonical"])
>>> data.train.x.shape, data.test.x.shape
((4000, 40), (1000, 40))
"""

from .config import DEFAULT, PARAMETER_NAMES, PARAMETERS, PRESETS, MNIST1DConfig, get_preset, parse_parameter
from .errors import Damaged
from .fingerprint import Fingerprinter, FingerprintMismatch, check_fingerprint, fingerprint
from .generate import MNIST1D, SPLITS, Split, generate
from .releases import CITATION, DATA_VERSION, RELEASES
from .resources import InsufficientResources
from .templates import Templates, templates

__version__ = "0.2.0"  # the one version source: pyproject.toml reads it

__all__ = [
    "CITATION",
    "DATA_VERSION",
    "RELEASES",
    "DEFAULT",
    "PARAMETER_NAMES",
    "PARAMETERS",
    "PRESETS",
    "SPLITS",
    "MNIST1D",
    "MNIST1DConfig",
    "Split",
    "Templates",
    "Damaged",
    "Fingerprinter",
    "FingerprintMismatch",
    "InsufficientResources",
    "check_fingerprint",
    "fingerprint",
    "generate",
    "get_preset",
    "parse_parameter",
    "templates",
]
