"""PyTorch datasets of MNIST-1D, made in memory by ``mnist1d_core`` (no files, no download).

- :class:`MNIST1D`: a map-style ``Dataset`` of one split, with torchvision's conventions.
- :class:`MNIST1DStream`: an ``IterableDataset`` over the sharded algorithm, made block by
  block as it is read, shared between a ``DataLoader``'s workers.

>>> from mnist1d_builders.torch import MNIST1D
>>> train = MNIST1D(train=True)
>>> x, y = train[0]
>>> x.shape, x.dtype, y
(torch.Size([40]), torch.float32, 2)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import torch
from torch.utils.data import Dataset, IterableDataset, get_worker_info

from mnist1d_core import PRESETS, MNIST1DConfig, generate, get_preset, sharded
from mnist1d_core.config import NUM_CLASSES

Transform = Callable[[Any], Any]

CLASSES = [str(label) for label in range(NUM_CLASSES)]


class MNIST1D(Dataset):
    """One split of MNIST-1D as tensors: ``dataset[i]`` is ``(x, y)``, ``x`` a (L,) float32
    tensor, ``y`` an int (``L = final_seq_length``, 40 for the paper's data).

    Parameters
    ----------
    train : bool
        The train split (True) or the test split.
    config : str or MNIST1DConfig
        A preset's name (``"canonical"``: the paper's data; ``"shuffled"``) or a config.
    transform, target_transform : callable, optional
        Applied to ``x`` and to ``y`` by ``__getitem__``; their exceptions pass unchanged.
    **params
        Generator parameters (``MNIST1DConfig``'s names) that replace the config's, e.g.
        ``MNIST1D(num_samples=50_000, seed=7)``; validated by the config.

    Attributes
    ----------
    data : torch.Tensor
        (N, L) float32: the core's ``generate(config)`` split, rounded to float32.
    targets : torch.Tensor
        (N,) int64 labels.
    t : torch.Tensor
        (L,) float32 time axis of the signals.
    classes : list of str
        ``["0", ..., "9"]``: the label ``y`` is the digit ``classes[y]``.
    config : MNIST1DConfig
        The parameters the data were made with.
    """

    classes = CLASSES

    def __init__(
        self,
        train: bool = True,
        config: str | MNIST1DConfig = "canonical",
        transform: Transform | None = None,
        target_transform: Transform | None = None,
        **params: Any,
    ) -> None:
        if not isinstance(train, bool):
            raise TypeError(f"train must be True or False, got {train!r}")
        self.train = train
        self.transform, self.target_transform = _checked_transforms(transform, target_transform)
        self.config = _resolve(config, params)
        data = generate(self.config, dtype=np.float32)
        split = data.train if train else data.test
        self.data, self.targets, self.t = map(torch.from_numpy, (split.x, split.y, data.t))

    @property
    def class_to_idx(self) -> dict[str, int]:
        return {name: label for label, name in enumerate(self.classes)}

    def __len__(self) -> int:
        return len(self.targets)

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        # a copy: a transform that works in place must not change the dataset
        return _transformed(self.data[index].clone(), int(self.targets[index]), self)

    def __repr__(self) -> str:
        split = "train" if self.train else "test"
        return f"MNIST1D(split={split!r}, config={self.config.name!r}, examples={len(self)})"


class MNIST1DStream(IterableDataset):
    """A split of the sharded algorithm (``mnist1d_core.sharded``), made as it is read:
    ``(x, y)`` examples as :class:`MNIST1D` gives them, in the order of
    ``generate(config.replace(algorithm="sharded"))``.

    Memory stays constant whatever ``num_samples`` (one block of 1,000 examples at a time),
    and the first example comes at once even for ``num_samples=10**12``.

    In a ``DataLoader`` with ``num_workers=k``, worker ``i`` makes blocks ``i, i + k, ...``:
    together the workers yield every example of the split exactly once (interleaved by
    the ``DataLoader``, so in another order than with no workers). Workers beyond the
    number of blocks get none and yield nothing.

    Parameters
    ----------
    config : str or MNIST1DConfig
        A preset's name or a config; its ``algorithm`` becomes ``"sharded"``.
    split : str
        ``"train"`` or ``"test"``.
    transform, target_transform : callable, optional
        Applied to each ``x`` and ``y``; their exceptions pass unchanged.
    **params
        Generator parameters that replace the config's; ``num_samples`` counts both
        splits, as in the config.
    """

    classes = CLASSES

    def __init__(
        self,
        config: str | MNIST1DConfig = "canonical",
        split: str = "train",
        *,
        transform: Transform | None = None,
        target_transform: Transform | None = None,
        **params: Any,
    ) -> None:
        if params.get("algorithm", "sharded") != "sharded":
            raise ValueError(f"MNIST1DStream makes the sharded algorithm, got algorithm={params['algorithm']!r}")
        self.config = _resolve(config, params).replace(algorithm="sharded")
        self.num_blocks = sharded.num_blocks(self.config, split)  # ValueError naming a split not train or test
        self.split = split
        self.transform, self.target_transform = _checked_transforms(transform, target_transform)

    def __len__(self) -> int:
        return self.config.split_size(self.split)

    def __iter__(self) -> Iterator[tuple[Any, Any]]:
        blocks = range(self.num_blocks)
        worker = get_worker_info()
        if worker is not None:
            blocks = blocks[worker.id :: worker.num_workers]
        for x, y in sharded.iter_blocks(self.config, self.split, blocks):
            rows = torch.from_numpy(x.astype(np.float32))
            for row, label in zip(rows, y.tolist()):
                yield _transformed(row.clone(), label, self)

    def __repr__(self) -> str:
        return f"MNIST1DStream(split={self.split!r}, config={self.config.name!r}, examples={len(self)})"


def _resolve(config: str | MNIST1DConfig, params: dict[str, Any]) -> MNIST1DConfig:
    """The named preset or the config, with ``params`` replacing its parameters."""
    if isinstance(config, str):
        config = get_preset(config)  # ValueError naming an unknown preset
    elif not isinstance(config, MNIST1DConfig):
        raise TypeError(f"config must be a preset name ({', '.join(PRESETS)}) or an MNIST1DConfig, got {config!r}")
    return config.replace(**params) if params else config


def _checked_transforms(*transforms: Transform | None) -> tuple[Transform | None, ...]:
    for name, transform in zip(("transform", "target_transform"), transforms):
        if transform is not None and not callable(transform):
            raise TypeError(f"{name} must be callable or None, got {transform!r}")
    return transforms


def _transformed(x: torch.Tensor, y: int, dataset: MNIST1D | MNIST1DStream) -> tuple[Any, Any]:
    if dataset.transform is not None:
        x = dataset.transform(x)
    if dataset.target_transform is not None:
        y = dataset.target_transform(y)
    return x, y
