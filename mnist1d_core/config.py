"""The generator's parameters: a frozen, validated config and the named presets.

Parameter names and defaults are the paper's (``mnist1d.data.get_dataset_args``).
Every value is checked on construction, so a bad parameter fails here, with its
name and value, before any work is done.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import numbers
from collections.abc import Mapping
from typing import Any

import numpy as np

from .errors import excerpt

NUM_CLASSES = 10
MAX_SEED = 2**32 - 1  # numpy's legacy RandomState takes seeds in 0..2**32-1
#: Upper bounds, so that numpy never sees an impossible size and the error names the parameter.
MAX_SAMPLES = 10**15  # sizes stay exact in float64 (int(n * train_split) < 2**53)
MAX_LENGTH = 100_000  # a signal's length; one block of 1,000 then needs about 1.6 GB of noise
MAX_TRANSLATION = 2**31 - 1  # drawn with randint; any shift >= the length leaves a signal as is
ALGORITHMS = ("paper", "sharded")


#: The most each scale may be: a million times the paper's signal (its templates are of
#: order 1). Beyond about 8e6 (1 / float32's epsilon), float32 data cannot hold the digit and
#: the noise side by side, so a larger scale leaves only one of them; far beyond (1e154 and
#: up), the standardisation's sum of squares overflows and the data is NaN or constant.
MAX_SCALE = 1e6


@dataclasses.dataclass(frozen=True)
class Parameter:
    """One of the generator's parameters: a row of :data:`PARAMETERS`.

    ``kind`` is ``int``, ``float``, ``bool``, ``str`` (one of ``choices``) or ``tuple`` (a
    pair of ints); ``low`` and ``high`` bound a number, or each item of a pair, inclusively
    (exclusively if ``open``).
    """

    name: str
    kind: type
    default: Any
    meaning: str
    low: float | None = None
    high: float | None = None
    open: bool = False
    choices: tuple[str, ...] = ()

    @property
    def flag(self) -> str:
        """The command line's option, ``--name-with-dashes``."""
        return "--" + self.name.replace("_", "-")

    @property
    def valid(self) -> str:
        """The valid values, as a person reads them."""
        if self.choices:
            return " or ".join(map(repr, self.choices))
        if self.kind is bool:
            return "true or false"
        if self.kind is float and not self.open:  # a scale
            return f"{self.low:g}..{self.high:,.0f}"
        bounds = f"({self.low}, {self.high})" if self.open else f"{self.low}..{self.high}"
        return f"pairs (low, high), low <= high, each in {bounds}" if self.kind is tuple else bounds

    def check(self, value: Any) -> Any:
        """``value``, normalised (a numpy scalar to a Python one, a list to a tuple), if it is
        valid for this parameter alone; else a TypeError or ValueError naming it."""
        name = self.name
        if self.kind is int:
            return _integer(name, value, minimum=self.low, maximum=self.high)
        if self.kind is tuple:
            return _padding(value)
        if self.kind is bool:
            if not isinstance(value, (bool, np.bool_)):
                raise TypeError(f"{name} must be a bool, got {excerpt(value)}")
            return bool(value)
        if self.kind is str:
            if not isinstance(value, str) or value not in self.choices:
                raise ValueError(f"{name} must be one of {', '.join(map(repr, self.choices))}, got {excerpt(value)}")
            return value
        value = _real(name, value)
        if self.open and not self.low < value < self.high:
            raise ValueError(f"{name} must be in {self.valid}, got {value!r}")
        if value < self.low:
            raise ValueError(f"{name} must be >= {self.low:g}, got {value!r}")
        if value > self.high:  # a scale (see MAX_SCALE)
            raise ValueError(
                f"{name} must be at most {self.high:,.0f}: a larger scale leaves float32 data with the digit or "
                f"the noise alone (or with NaN), got {value!r}"
            )
        return value

    def parse(self, text: str) -> Any:
        """The value ``text`` gives this parameter on a command line, checked as :meth:`check`:
        an int, a float, ``true``/``false``, a choice, or a pair as ``LOW:HIGH``."""
        words = text.replace(":", " ").split() if self.kind is tuple else [text.strip()]
        booleans = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}
        try:
            if self.kind is bool:
                return self.check(booleans[text.strip().lower()])
            if self.kind is tuple and len(words) != 2:
                raise ValueError
            value = [int(word) for word in words] if self.kind is tuple else self.kind(words[0])
        except (ValueError, KeyError):
            kind = {int: "an integer", float: "a number", bool: "true or false", tuple: "LOW:HIGH"}.get(self.kind)
            raise ValueError(f"{self.name} must be {kind}, got {excerpt(text)}") from None
        return self.check(value)


#: The generator's parameters, in the paper's order: one table that the config's validation,
#: the command line's options, the dataset card and the documentation are made from.
PARAMETERS: tuple[Parameter, ...] = (
    Parameter("num_samples", int, 5000, "Examples to generate, train and test together; floored to a multiple "
              "of 10 (num_samples // 10 per class, as the authors' code).", NUM_CLASSES, MAX_SAMPLES),
    Parameter("train_split", float, 0.8, "Fraction of the examples that go to the train split; both splits "
              "must hold examples.", 0, 1, open=True),
    Parameter("template_len", int, 12, "With padding[1], the length template_len + padding[1] (2..100000) of "
              "the signal the 12-point templates are dilated to.", 1, MAX_LENGTH),
    Parameter("padding", tuple, (36, 60), "Inclusive range of the number of zeros appended to each template.",
              0, MAX_LENGTH),
    Parameter("scale_coeff", float, 0.4, "Each example's amplitude is scaled by 1 + scale_coeff * U(-0.5, 0.5).",
              0.0, MAX_SCALE),
    Parameter("max_translation", int, 48, "Circular shift drawn from 0..max_translation - 1 (a shift of at "
              "least the signal's length leaves it as is, as the authors' slicing does).", 1, MAX_TRANSLATION),
    Parameter("corr_noise_scale", float, 0.25, "Standard deviation of the smoothed background noise that fills "
              "the padding.", 0.0, MAX_SCALE),
    Parameter("iid_noise_scale", float, 0.02, "Standard deviation of the white noise added everywhere.",
              0.0, MAX_SCALE),
    Parameter("shear_scale", float, 0.75, "Slope of the linear trend added to each example, drawn from "
              "shear_scale * U(-0.5, 0.5).", 0.0, MAX_SCALE),
    Parameter("shuffle_seq", bool, False, "Apply one fixed random permutation to the time axis (the paper's "
              "\"shuffle\")."),
    Parameter("final_seq_length", int, 40, "Length of each output signal.", 2, MAX_LENGTH),
    Parameter("seed", int, 42, "Seed of the random streams.", 0, MAX_SEED),
    Parameter("algorithm", str, "paper", "paper: the authors' algorithm, one numpy stream over the whole set "
              "(the paper's data, bit for bit); sharded: the same transformations with independent streams per "
              "block of examples, so that any number of processes can generate any part.", choices=ALGORITHMS),
)  # fmt: skip
PARAMETER = {parameter.name: parameter for parameter in PARAMETERS}
PARAMETER_NAMES = tuple(PARAMETER)


def parse_parameter(name: str, text: str) -> Any:
    """The value of parameter ``name`` written as ``text`` on a command line (``--seed 7``,
    ``--sweep padding=10:20``), checked as the config checks it alone; a ValueError naming
    the parameter (and the closest known name, for an unknown one) otherwise."""
    if name not in PARAMETER:
        close = difflib.get_close_matches(name, PARAMETER_NAMES, n=1)
        hint = f"; did you mean {close[0]}?" if close else f"; choose one of: {', '.join(PARAMETER_NAMES)}"
        raise ValueError(f"unknown MNIST-1D parameter {excerpt(name)}{hint}")
    return PARAMETER[name].parse(text)


def parameters_markdown() -> str:
    """:data:`PARAMETERS` as a markdown table: name, type, default, valid values, meaning."""
    kinds = {int: "int", float: "float", bool: "bool", str: "str", tuple: "(int, int)"}
    rows = [f"| `{p.name}` | {kinds[p.kind]} | `{p.default!r}` | {p.valid} | {p.meaning} |" for p in PARAMETERS]
    return "\n".join(["| parameter | type | default | valid | meaning |", "|---|---|---|---|---|", *rows])


@dataclasses.dataclass(frozen=True, kw_only=True)
class MNIST1DConfig:
    """Parameters of the MNIST-1D generator (the paper's names and defaults).

    Each attribute is a parameter of :data:`PARAMETERS`, which gives its type, default, valid
    values and meaning (:func:`parameters_markdown` renders it). Every value is checked on
    construction, alone and together (``template_len + padding[1]``, non-empty splits).
    """

    num_samples: int = PARAMETER["num_samples"].default
    train_split: float = PARAMETER["train_split"].default
    template_len: int = PARAMETER["template_len"].default
    padding: tuple[int, int] = PARAMETER["padding"].default
    scale_coeff: float = PARAMETER["scale_coeff"].default
    max_translation: int = PARAMETER["max_translation"].default
    corr_noise_scale: float = PARAMETER["corr_noise_scale"].default
    iid_noise_scale: float = PARAMETER["iid_noise_scale"].default
    shear_scale: float = PARAMETER["shear_scale"].default
    shuffle_seq: bool = PARAMETER["shuffle_seq"].default
    final_seq_length: int = PARAMETER["final_seq_length"].default
    seed: int = PARAMETER["seed"].default
    algorithm: str = PARAMETER["algorithm"].default

    def __post_init__(self) -> None:
        for parameter in PARAMETERS:
            object.__setattr__(self, parameter.name, parameter.check(getattr(self, parameter.name)))
        if not 2 <= self.template_len + self.padding[1] <= MAX_LENGTH:
            raise ValueError(
                f"template_len + padding[1] must be in 2..{MAX_LENGTH} (the length the templates are "
                f"dilated to), got template_len={self.template_len!r}, padding={self.padding!r}"
            )
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
        unknown = [name for name in changes if name not in PARAMETER]
        if unknown:  # names from a record, maybe: each shown by a short prefix
            shown = ", ".join(excerpt(name) for name in unknown[:5])
            raise TypeError(f"unknown MNIST-1D parameter(s): {shown}{', ...' if len(unknown) > 5 else ''}")
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
        raise TypeError(f"{name} must be an integer, got {excerpt(value)} ({type(value).__name__})")
    value = int(value)
    if value < minimum or (maximum is not None and value > maximum):
        bound = f">= {minimum}" if maximum is None else f"in {minimum}..{maximum}"
        # Python will not write an integer of over 4,300 digits in decimal: say how large it is
        shown = repr(value) if value.bit_length() < 10_000 else f"an integer of {value.bit_length():,} bits"
        raise ValueError(f"{name} must be {bound}, got {shown}")
    return value


def _real(name: str, value: Any) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {excerpt(value)} ({type(value).__name__})")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return value


def _padding(value: Any) -> tuple[int, int]:
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__") or len(value) != 2:
        raise TypeError(f"padding must be a pair (low, high) of integers, got {excerpt(value)}")
    low = _integer("padding[0]", value[0], minimum=0, maximum=MAX_LENGTH)
    high = _integer("padding[1]", value[1], minimum=0, maximum=MAX_LENGTH)
    if low > high:
        raise ValueError(f"padding must have low <= high, got {tuple(value)!r}")
    return (low, high)


DEFAULT = MNIST1DConfig()

#: The named presets: the paper's dataset and its "shuffle" row.
PRESETS: dict[str, MNIST1DConfig] = {
    "canonical": DEFAULT,
    "shuffled": MNIST1DConfig(shuffle_seq=True),
}


def get_preset(name: str) -> MNIST1DConfig:
    try:
        return PRESETS[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown preset {excerpt(name)}; choose one of: {', '.join(PRESETS)}") from None
