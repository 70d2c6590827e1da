"""The paper's four baselines, as the authors' notebooks define them.

Read from ``notebooks/models.py`` of github.com/greydanus/mnist1d (no code copied):

- ``linear`` (their ``LinearBase``): logistic regression, one linear layer.
- ``mlp`` (``MLPBase``): linear -> ReLU, then a residual block ``h + relu(linear(h))``,
  then a linear layer. Width 256, as the issue asks and their ``get_model_args`` sets;
  their notebooks build ``MLPBase(input_size, output_size)`` without passing it, so the
  MLP their notebooks train has the class default width, 100 (15,210 parameters).
- ``cnn`` (``ConvBase``): three 1-D convolutions of 25 channels (kernels 5, 3, 3; stride
  2; padding 1), each followed by ReLU, flattened channel-major, then a linear layer.
- ``gru`` (``GRUBase``): a bidirectional GRU of hidden size 6 reading one value per time
  step from a zero initial state, then a linear layer on the outputs of all time steps
  (flattened time-major, the forward direction's 6 values before the backward's).

Each model is a ``torch.nn.Module`` made of the layers the authors use, created in their
order with their shapes, so ``torch.manual_seed(seed)`` followed by the constructor draws
the same initial parameters as their classes would (PyTorch's default initialisation).
Its ``forward`` is their computation (with torch's own convolution and GRU kernels): the
reference. Its ``stacked_forward(params, x)`` computes the same function for S copies at
once, from parameters stacked along a new first dimension (the layout of
``torch.func.stack_module_state``), on one input batch shared by all copies, (B, length),
or one per copy, (S, B, length): convolutions as strided windows times matrices, the GRU
as a hand-written cell running both directions together. That is what the fast training
uses; the tests check that the two agree. Sizes follow the signal length, so variants
with other lengths work (theirs hard-code 40).

Every operation that rounds a sum (the matrix products, forward and backward) and the
GRU's recurrence run once per copy, with the same kernels on the same shapes whether a
copy trains alone or in a stack of any size; what runs on the whole stack works element
by element. So a copy's arithmetic, and its bits, do not depend on what trains beside it.

>>> from mnist1d_baselines import build
>>> model = build("cnn", 40, seed=0)  # doctest: +SKIP
>>> model(torch.zeros(8, 40)).shape  # doctest: +SKIP
torch.Size([8, 10])
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from mnist1d_core.config import NUM_CLASSES

from .results import MODELS

MLP_WIDTH = 256
CNN_CHANNELS = 25
CNN_KERNELS = (5, 3, 3)
CNN_STRIDE = 2
CNN_PADDING = 1
GRU_HIDDEN = 6


def _shared_dense(x: Tensor, weight: Tensor, bias: Tensor) -> Tensor:
    """One input for all copies, or one per copy: x (B, I) or (S, B, I), weight (S, O, I),
    bias (S, O) -> (S, B, O)."""
    return _dense(x.expand(len(weight), *x.shape[-2:]), weight, bias)


def _dense(h: Tensor, weight: Tensor, bias: Tensor) -> Tensor:
    """Each copy its own input: h (S, B, I), weight (S, O, I), bias (S, O) -> (S, B, O).

    One matrix product per copy, never one batched product for all: a batched product
    (``torch.bmm``) splits its work by the number of copies and threads, so a copy's weight
    gradient (a sum over the batch) would be rounded differently in a stack than alone.
    Each copy's products, forward and backward, are then the same kernel calls on the
    same shapes whatever trains beside it.
    """
    return _per_copy(lambda h, w, b: torch.addmm(b, h, w.t()), h, weight, bias)


def _per_copy(function, *stacks: Tensor) -> Tensor:
    """``function`` applied to each copy's slice of ``stacks`` (each (S, ...)), restacked."""
    return torch.stack([function(*parts) for parts in zip(*(stack.unbind() for stack in stacks))])


class Linear(nn.Module):
    """Logistic regression: (B, length) -> (B, 10) logits."""

    def __init__(self, length: int) -> None:
        super().__init__()
        self.linear = nn.Linear(length, NUM_CLASSES)

    def forward(self, x: Tensor) -> Tensor:
        return self.linear(x)

    @staticmethod
    def stacked_forward(params: dict[str, Tensor], x: Tensor) -> Tensor:
        return _shared_dense(x, params["linear.weight"], params["linear.bias"])


class MLP(nn.Module):
    """Two hidden layers of 256 with a residual connection: (B, length) -> (B, 10)."""

    def __init__(self, length: int) -> None:
        super().__init__()
        self.linear1 = nn.Linear(length, MLP_WIDTH)
        self.linear2 = nn.Linear(MLP_WIDTH, MLP_WIDTH)
        self.linear3 = nn.Linear(MLP_WIDTH, NUM_CLASSES)

    def forward(self, x: Tensor) -> Tensor:
        h = self.linear1(x).relu()
        h = h + self.linear2(h).relu()
        return self.linear3(h)

    @staticmethod
    def stacked_forward(params: dict[str, Tensor], x: Tensor) -> Tensor:
        h = _shared_dense(x, params["linear1.weight"], params["linear1.bias"]).relu()
        h = h + _dense(h, params["linear2.weight"], params["linear2.bias"]).relu()
        return _dense(h, params["linear3.weight"], params["linear3.bias"])


def conv_output_length(length: int) -> int:
    """Time steps left after the CNN's three convolutions (5 for the paper's 40)."""
    for kernel in CNN_KERNELS:
        length = (length + 2 * CNN_PADDING - kernel) // CNN_STRIDE + 1
    return length


class CNN(nn.Module):
    """Three strided convolutions of 25 channels, then a linear layer: (B, length) -> (B, 10).

    Needs ``length >= 3`` (the first kernel, 5 wide, over the signal padded by 1 each side).
    """

    def __init__(self, length: int) -> None:
        super().__init__()
        channels = (1, CNN_CHANNELS, CNN_CHANNELS, CNN_CHANNELS)
        self.conv1, self.conv2, self.conv3 = (
            nn.Conv1d(c_in, c_out, kernel, stride=CNN_STRIDE, padding=CNN_PADDING)
            for c_in, c_out, kernel in zip(channels, channels[1:], CNN_KERNELS)
        )
        self.linear = nn.Linear(CNN_CHANNELS * conv_output_length(length), NUM_CLASSES)

    def forward(self, x: Tensor) -> Tensor:
        h = x.unsqueeze(1)  # one input channel
        for conv in (self.conv1, self.conv2, self.conv3):
            h = conv(h).relu()
        return self.linear(h.flatten(1))

    @staticmethod
    def stacked_forward(params: dict[str, Tensor], x: Tensor) -> Tensor:
        # Time-major layout (S, B, time, channels): a convolution is then a product of
        # its windows (time steps x (input channels, taps)) with the kernel.
        batch = x.shape[-2]
        windows = _windows(x.unsqueeze(-1), CNN_KERNELS[0])  # ([S,] B, T1, taps)
        h = _shared_dense(windows.flatten(-3, -2), params["conv1.weight"].flatten(2), params["conv1.bias"])
        h = h.unflatten(1, (batch, -1)).relu()
        for name, kernel in (("conv2", CNN_KERNELS[1]), ("conv3", CNN_KERNELS[2])):
            windows = _windows(h, kernel)  # (S, B, T, C * taps)
            h = _dense(windows.flatten(1, 2), params[f"{name}.weight"].flatten(2), params[f"{name}.bias"])
            h = h.unflatten(1, (batch, -1)).relu()
        # The authors flatten (channels, time), channel-major.
        return _dense(h.transpose(2, 3).flatten(2), params["linear.weight"], params["linear.bias"])


def _windows(h: Tensor, kernel: int) -> Tensor:
    """The windows a strided convolution reads: h (..., T, C) -> (..., T_out, C * kernel),
    ordered (channel, tap) like ``nn.Conv1d``'s weight, after padding T by 1 each side."""
    padded = F.pad(h, (0, 0, CNN_PADDING, CNN_PADDING))
    steps = (padded.shape[-2] - kernel) // CNN_STRIDE + 1
    end = CNN_STRIDE * (steps - 1) + 1
    # Tap k of every window is one strided slice: padded[k], padded[k + 2], ...
    taps = [padded[..., k : k + end : CNN_STRIDE, :] for k in range(kernel)]
    return torch.stack(taps, dim=-1).flatten(-2)


class GRU(nn.Module):
    """Bidirectional GRU (hidden 6) over the time steps, then a linear layer on all its
    outputs: (B, length) -> (B, 10)."""

    def __init__(self, length: int) -> None:
        super().__init__()
        self.gru = nn.GRU(input_size=1, hidden_size=GRU_HIDDEN, batch_first=True, bidirectional=True)
        self.linear = nn.Linear(2 * GRU_HIDDEN * length, NUM_CLASSES)

    def forward(self, x: Tensor) -> Tensor:
        outputs, _ = self.gru(x.unsqueeze(-1))  # zero initial state
        return self.linear(outputs.flatten(1))

    @staticmethod
    def stacked_forward(params: dict[str, Tensor], x: Tensor) -> Tensor:
        def both(name: str) -> Tensor:  # (S, 2, ...): the two directions side by side
            return torch.stack([params[f"gru.{name}_l0"], params[f"gru.{name}_l0_reverse"]], dim=1)

        w_ih, w_hh, b_ih, b_hh = both("weight_ih"), both("weight_hh"), both("bias_ih"), both("bias_hh")
        # Each copy runs its own recurrence: the sigmoid and tanh kernels finish a tensor's
        # last elements with scalar code that rounds differently from their vector code, so
        # on a stack, which values get it would depend on the number of copies.
        x = x.expand(len(w_hh), *x.shape[-2:])
        outputs = _per_copy(_bidirectional_gru, x, w_ih, w_hh, b_ih, b_hh)  # (S, B, T, 2H)
        return _dense(outputs.flatten(2), params["linear.weight"], params["linear.bias"])


def _bidirectional_gru(x: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor, b_hh: Tensor) -> Tensor:
    """One copy's GRU over x (B, T) from a zero state, weights (2, ...) of the two directions:
    (B, T, 2H) outputs laid out as ``nn.GRU``'s.

    Direction 0 reads x forwards, direction 1 backwards; both advance in the same loop, as
    a batch of two small products. Gates in torch's order (reset r, update z, new n):
    r, z = sigmoid(W_i{r,z} x + b_i{r,z} + W_h{r,z} h + b_h{r,z});
    n = tanh(W_in x + b_in + r * (W_hn h + b_hn)); h' = (1 - z) * n + z * h.
    """
    hidden = GRU_HIDDEN
    # One input value per step, so the input projection is a product with a column.
    series = torch.stack([x, x.flip(1)])[..., None]  # (2, B, T, 1)
    inputs = series * w_ih[:, None, None, :, 0] + b_ih[:, None, None, :]  # (2, B, T, 3H)
    w_hh, b_hh = w_hh.transpose(1, 2), b_hh.unsqueeze(1)
    h = x.new_zeros(2, x.shape[0], hidden)
    states = []
    for t in range(x.shape[1]):
        recurrent = torch.baddbmm(b_hh, h, w_hh)
        step = inputs[:, :, t]
        r, z = torch.sigmoid(step[..., : 2 * hidden] + recurrent[..., : 2 * hidden]).chunk(2, dim=-1)
        n = torch.tanh(step[..., 2 * hidden :] + r * recurrent[..., 2 * hidden :])
        h = n + z * (h - n)
        states.append(h)
    forward, backward = torch.stack(states, dim=2)  # (B, T, H) each
    return torch.cat([forward, backward.flip(1)], dim=-1)  # backward back in time order


#: Model name (:data:`~mnist1d_baselines.results.MODELS`) -> class, in the paper's table order.
ARCHITECTURES: dict[str, type[nn.Module]] = dict(zip(MODELS, (Linear, MLP, CNN, GRU), strict=True))


def build(name: str, length: int = 40, *, seed: int = 0) -> nn.Module:
    """Model ``name`` (``"linear"``, ``"mlp"``, ``"cnn"`` or ``"gru"``) for signals of
    ``length``, initialised as ``torch.manual_seed(seed)`` then the authors' constructor
    would; the caller's torch random state is left as it was.

    Raises ValueError for an unknown name, or a length the model cannot take (the CNN
    needs at least 3).
    """
    if name not in ARCHITECTURES:
        raise ValueError(f"unknown model {name!r}; choose from: {', '.join(ARCHITECTURES)}")
    if isinstance(length, bool) or not isinstance(length, int) or length < (3 if name == "cnn" else 1):
        raise ValueError(f"length must be an integer >= {3 if name == 'cnn' else 1} for the {name}, got {length!r}")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return ARCHITECTURES[name](length)
