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
``torch.func.stack_module_state``), on one shared input batch: convolutions as strided
windows times matrices, the GRU as a hand-written cell running both directions together.
That is what the fast training uses; the tests check that the two agree. Sizes follow the
signal length, so variants with other lengths work (theirs hard-code 40).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from mnist1d_core.config import NUM_CLASSES

MLP_WIDTH = 256
CNN_CHANNELS = 25
CNN_KERNELS = (5, 3, 3)
CNN_STRIDE = 2
CNN_PADDING = 1
GRU_HIDDEN = 6


def _shared_dense(x: Tensor, weight: Tensor, bias: Tensor) -> Tensor:
    """One input for all copies: x (B, I), weight (S, O, I), bias (S, O) -> (S, B, O).

    Still one product per copy (not one wide product for all): each copy's arithmetic is
    then the same however many copies run together, so a seed's result does not depend
    on how many seeds or models train beside it.
    """
    return _dense(x.expand(len(weight), *x.shape), weight, bias)


def _dense(h: Tensor, weight: Tensor, bias: Tensor) -> Tensor:
    """Each copy its own input: h (S, B, I), weight (S, O, I), bias (S, O) -> (S, B, O)."""
    return torch.baddbmm(bias.unsqueeze(1), h, weight.transpose(1, 2))


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
        batch = len(x)
        windows = _windows(x.unsqueeze(-1), CNN_KERNELS[0])  # (B, T1, taps)
        h = _shared_dense(windows.flatten(0, 1), params["conv1.weight"].flatten(2), params["conv1.bias"])
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
        # Direction 0 reads x forwards, direction 1 reads it backwards; both advance in
        # the same loop, S copies x 2 directions as one batch of small matrix products.
        # Gates in torch's order (reset r, update z, new n):
        #   r, z = sigmoid(W_i{r,z} x + b_i{r,z} + W_h{r,z} h + b_h{r,z})
        #   n = tanh(W_in x + b_in + r * (W_hn h + b_hn)); h' = (1 - z) * n + z * h
        def both(name: str) -> Tensor:  # (S, 2, ...): the two directions side by side
            return torch.stack([params[f"gru.{name}_l0"], params[f"gru.{name}_l0_reverse"]], dim=1)

        w_ih, w_hh, b_ih, b_hh = both("weight_ih"), both("weight_hh"), both("bias_ih"), both("bias_hh")
        copies, hidden = w_hh.shape[0], GRU_HIDDEN
        batch, length = x.shape
        # One input value per step, so the input projection is a product with a column.
        series = torch.stack([x, x.flip(1)])[None, :, :, :, None]  # (1, 2, B, T, 1)
        inputs = (series * w_ih[:, :, None, None, :, 0] + b_ih[:, :, None, None, :]).flatten(0, 1)
        w_hh, b_hh = w_hh.flatten(0, 1).transpose(1, 2), b_hh.flatten(0, 1).unsqueeze(1)
        h = x.new_zeros(copies * 2, batch, hidden)
        states = []
        for t in range(length):
            recurrent = torch.baddbmm(b_hh, h, w_hh)
            step = inputs[:, :, t]
            r, z = torch.sigmoid(step[..., : 2 * hidden] + recurrent[..., : 2 * hidden]).chunk(2, dim=-1)
            n = torch.tanh(step[..., 2 * hidden :] + r * recurrent[..., 2 * hidden :])
            h = n + z * (h - n)
            states.append(h)
        states = torch.stack(states, dim=2).unflatten(0, (copies, 2))  # (S, 2, B, T, H)
        forward, backward = states[:, 0], states[:, 1].flip(2)  # backward back in time order
        outputs = torch.cat([forward, backward], dim=-1)  # (S, B, T, 2H), as nn.GRU lays them out
        return _dense(outputs.flatten(2), params["linear.weight"], params["linear.bias"])


#: Model name -> class, in the paper's table order.
ARCHITECTURES: dict[str, type[nn.Module]] = {"linear": Linear, "mlp": MLP, "cnn": CNN, "gru": GRU}


def build(name: str, *, seed: int, length: int) -> nn.Module:
    """Model ``name`` for signals of ``length``, initialised as ``torch.manual_seed(seed)``
    then the authors' constructor would; the caller's torch random state is left as it was."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return ARCHITECTURES[name](length)
