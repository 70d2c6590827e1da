"""The generator's parameters: a frozen, validated config and the named presets.

Parameter names and defaults are the paper's (``mnist1d.data.get_dataset_args``).
Every value is checked on construction, so a bad parameter fails here, with its
name and value, before any work is done.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from collections.abc import Mapping
from typing import Any

import numpy as np

NUM_CLASSES = 10
MAX_SEED = 2**32 - 1  # numpy's legacy RandomState takes seeds in 0..2**32-1
#: Upper bounds, so that numpy never sees an impossible size and the error names the parameter.
MAX_SAMPLES = 10**15  # sizes stay exact in float64 (int(n * train_split) < 2**53)
MAX_LENGTH = 100_000  # a signal's length; one block of 1,000 then needs about 1.6 GB of noise
MAX_TRANSLATION = 2**31 - 1  # drawn with randint; any shift >= the length leaves a signal as is
ALGORITHMS = ("paper", "sharded")


@dataclasses.dataclass(frozen=True, kw_only=True)
class MNIST1DConfig:
    """Parameters of the MNIST-1D generator (the paper's names and defaults).

    Attributes
    ----------
    num_samples : int
        Examples to generate, train and test together. Floored to a multiple of 10
        (the authors' code makes ``num_samples // 10`` examples per class).
    train_split : float
        Fraction in (0, 1) of the examples that go to the train split.
    template_len : int
        With ``padding[1]``, sets the length ``template_len + padding[1]`` of the
        intermediate signal that the 12-point templates are dilated to.
    padding : (int, int)
        Inclusive range of the number of zeros appended to each template.
    scale_coeff : float
        Amplitude scaling factor is drawn from ``1 + scale_coeff * U(-0.5, 0.5)``.
    max_translation : int
        Circular shift drawn from ``0 .. max_translation - 1`` (shifts of at least the
        signal length leave it unchanged: the authors' slicing, kept on purpose).
    corr_noise_scale, iid_noise_scale : float
        Standard deviations of the smoothed background noise and the white noise.
    shear_scale : float
        Slope of the added linear trend is drawn from ``shear_scale * U(-0.5, 0.5)``.
    shuffle_seq : bool
        Apply one fixed random permutation to the time axis (the paper's "shuffle").
    final_seq_length : int
        Length of each output signal.
    seed : int
        Seed of the random streams, 0 .. 2**32 - 1.
    algorithm : str
        ``"paper"``: the authors' algorithm, one legacy numpy stream over the whole set
        (the paper's data, bit for bit). ``"sharded"``: the same transformations, with
        independent streams per block of examples, so any number of processes can
        generate any part (see ``mnist1d_core.sharded``).
    """

    num_samples: int = 5000
    train_split: float = 0.8
    template_len: int = 12
    padding: tuple[int, int] = (36, 60)
    scale_coeff: float = 0.4
    max_translation: int = 48
    corr_noise_scale: float = 0.25
    iid_noise_scale: float = 0.02
    shear_scale: float = 0.75
    shuffle_seq: bool = False
    final_seq_length: int = 40
    seed: int = 42
    algorithm: str = "paper"

    def __post_init__(self) -> None:
        def put(name: str, value: Any) -> None:
            object.__setattr__(self, name, value)

        put("num_samples", _integer("num_samples", self.num_samples, minimum=NUM_CLASSES, maximum=MAX_SAMPLES))
        put("train_split", _real("train_split", self.train_split))
        if not 0.0 < self.train_split < 1.0:
            raise ValueError(f"train_split must be in (0, 1), got {self.train_split!r}")
        put("template_len", _integer("template_len", self.template_len, minimum=1, maximum=MAX_LENGTH))
        put("padding", _padding(self.padding))
        if not 2 <= self.template_len + self.padding[1] <= MAX_LENGTH:
            raise ValueError(
                f"template_len + padding[1] must be in 2..{MAX_LENGTH} (the length the templates are "
                f"dilated to), got template_len={self.template_len!r}, padding={self.padding!r}"
            )
        put("max_translation", _integer("max_translation", self.max_translation, minimum=1, maximum=MAX_TRANSLATION))
        for name in ("scale_coeff", "corr_noise_scale", "iid_noise_scale", "shear_scale"):
            value = _real(name, getattr(self, name))
            if value < 0:
                raise ValueError(f"{name} must be >= 0, got {value!r}")
            put(name, value)
        if not isinstance(self.shuffle_seq, (bool, np.bool_)):
            raise TypeError(f"shuffle_seq must be a bool, got {self.shuffle_seq!r}")
        put("shuffle_seq", bool(self.shuffle_seq))
        put("final_seq_length", _integer("final_seq_length", self.final_seq_length, minimum=2, maximum=MAX_LENGTH))
        put("seed", _integer("seed", self.seed, minimum=0, maximum=MAX_SEED))
        if not isinstance(self.algorithm, str) or self.algorithm not in ALGORITHMS:
            raise ValueError(f"algorithm must be one of {', '.join(map(repr, ALGORITHMS))}, got {self.algorithm!r}")
        self.sizes()  # both splits must hold examples: the authors' code would return an empty one

    def sizes(self, num_classes: int = NUM_CLASSES) -> tuple[int, int]:
        """(train, test) examples, with the authors' flooring: ``num_samples // num_classes``
        examples per class, ``int(n * train_split)`` of the ``n`` examples in train.

        ``num_classes`` is 10 but for custom templates (``generate(config, template=...)``).
        Raises ``ValueError`` when a split would be empty.
        """
        n = self.num_samples // num_classes * num_classes
        train = int(n * self.train_split)
        if train == 0 or train == n:
            classes = "" if num_classes == NUM_CLASSES else f" and {num_classes} template classes"
            raise ValueError(
                f"train_split={self.train_split!r} with num_samples={self.num_samples!r}{classes} "
                f"leaves an empty split ({train} train, {n - train} test)"
            )
        return train, n - train

    @property
    def num_examples(self) -> int:
        return sum(self.sizes())

    @property
    def num_train(self) -> int:
        return self.sizes()[0]

    @property
    def num_test(self) -> int:
        return self.sizes()[1]

    def split_size(self, split: str) -> int:
        """Examples in ``split`` (``"train"`` or ``"test"``)."""
        sizes = {"train": self.num_train, "test": self.num_test}
        if split not in sizes:
            raise ValueError(f"unknown split {split!r}; choose one of: {', '.join(sizes)}")
        return sizes[split]

    @property
    def dilated_len(self) -> int:
        """Length of the intermediate signal, before the final resampling."""
        return self.template_len + self.padding[1]

    def replace(self, **changes: Any) -> MNIST1DConfig:
        """A copy with some parameters changed (validated like the constructor)."""
        unknown = sorted(set(changes) - set(PARAMETER_NAMES))
        if unknown:
            raise TypeError(f"unknown MNIST-1D parameter(s): {', '.join(unknown)}")
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    @classmethod
    def from_dict(cls, params: Mapping[str, Any]) -> MNIST1DConfig:
        """Build from a mapping of parameter names; unknown names are refused."""
        return DEFAULT.replace(**dict(params))

    def non_default(self) -> dict[str, Any]:
        """The parameters that differ from the paper's defaults, in declaration order."""
        return {k: v for k, v in self.to_dict().items() if getattr(DEFAULT, k) != v}

    @property
    def name(self) -> str:
        """A name that encodes the config: a preset's name, or ``custom-`` and each
        non-default parameter as ``<parameter>_<value>``, joined by ``-``, e.g.
        ``custom-num_samples_50000-seed_7`` or ``custom-padding_10_20-shuffle_seq_true``.

        Different configs never share a name, so builders use it to key their caches.
        Only letters, digits and ``_ - . +`` appear: valid in TFDS and ``datasets`` names.
        """
        for preset_name, preset in PRESETS.items():
            if preset == self:
                return preset_name
        return "custom-" + "-".join(f"{k}_{_format(v)}" for k, v in self.non_default().items())


def _format(value: Any) -> str:
    if isinstance(value, tuple):
        return "_".join(str(v) for v in value)
    if isinstance(value, bool):
        return str(value).lower()
    return value if isinstance(value, str) else repr(value)


def _integer(name: str, value: Any, *, minimum: int, maximum: int | None = None) -> int:
    # bool is an Integral in Python; a True where a size belongs is a bug, not a 1.
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r} ({type(value).__name__})")
    value = int(value)
    if value < minimum or (maximum is not None and value > maximum):
        bound = f">= {minimum}" if maximum is None else f"in {minimum}..{maximum}"
        raise ValueError(f"{name} must be {bound}, got {value!r}")
    return value


def _real(name: str, value: Any) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r} ({type(value).__name__})")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return value


def _padding(value: Any) -> tuple[int, int]:
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__") or len(value) != 2:
        raise TypeError(f"padding must be a pair (low, high) of integers, got {value!r}")
    low = _integer("padding[0]", value[0], minimum=0, maximum=MAX_LENGTH)
    high = _integer("padding[1]", value[1], minimum=0, maximum=MAX_LENGTH)
    if low > high:
        raise ValueError(f"padding must have low <= high, got {tuple(value)!r}")
    return (low, high)


DEFAULT = MNIST1DConfig()
PARAMETER_NAMES = tuple(f.name for f in dataclasses.fields(MNIST1DConfig))

#: The named presets: the paper's dataset and its "shuffle" row.
PRESETS: dict[str, MNIST1DConfig] = {
    "canonical": DEFAULT,
    "shuffled": MNIST1DConfig(shuffle_seq=True),
}


def get_preset(name: str) -> MNIST1DConfig:
    try:
        return PRESETS[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown preset {name!r}; choose one of: {', '.join(PRESETS)}") from None
