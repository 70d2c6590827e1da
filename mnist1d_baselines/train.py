"""The authors' training recipe, for many models at once.

Read from ``notebooks/train.py`` of github.com/greydanus/mnist1d (no code copied), and
followed: Adam (learning rate 1e-2, torch's default betas and eps, no weight decay) on the
mean cross-entropy of batches of 100 taken in order, the batch of step ``s`` being the
training rows ``[s * 100 % n, s * 100 % n + 100)`` (cut at the end, as their slicing does,
so with ``n`` not a multiple of 100 the batches shift from one pass to the next), no
shuffling; then the accuracy (%) on the whole test set. Inputs are float32 (their
``torch.Tensor(...)``), labels int64. Where this differs from their code:

- ``steps`` is the number of updates; their loop makes ``total_steps + 1`` (8001 for 8000).
  8000 is their ``get_model_args`` default; their classification notebook sets 6000.
- No intermediate evaluations or checkpoints (they evaluate every 250 steps, which does
  not change training): only the final test accuracy is measured.
- Their notebooks seed numpy and Python but not torch (``mnist1d.utils.set_seed``), so
  their initialisation is not reproducible; here a model of seed ``s`` starts from the
  parameters ``torch.manual_seed(s)`` and its constructor draw (see ``models.build``).
  The data order is the same for every seed: a seed sets the initialisation only.

:func:`fit` trains every model and seed of a run together: their parameters stacked
per architecture, one forward per architecture on the shared batch, one backward through
the sum of the models' losses and one Adam step for all. Each model's loss depends only on
its own parameters; its products and recurrence run per copy (``models``) and Adam
updates each copy as a tensor of its own (:class:`PerCopyAdam`). So a copy's arithmetic is
the same kernels on the same shapes whatever trains beside it: a seed reaches the same
parameters, bit for bit, alone or among any number of seeds and models, on a given
machine, torch build and thread count. Only the order of floating-point operations
differs from :func:`fit_one`, the authors' loop one model at a time, which the tests
compare it with (equal within rounding, accuracies within noise).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait

import torch
import torch.nn.functional as F
from torch import Tensor
from torch.func import stack_module_state
from torch.optim.adam import adam

from mnist1d_core.generate import Progress
from mnist1d_core.resources import InsufficientResources, available_memory, size

from .models import ARCHITECTURES, build

LEARNING_RATE = 1e-2
ADAM_BETAS, ADAM_EPS = (0.9, 0.999), 1e-8  # torch.optim.Adam's defaults, which the authors keep
BATCH_SIZE = 100
#: Test examples per forward pass when measuring accuracy: bounds memory on large test sets.
EVAL_CHUNK = 4096
#: Training time per seed and step of each model, relative (measured at one thread): used
#: only to share the models out evenly between workers.
COST = {"linear": 1, "mlp": 10, "cnn": 12, "gru": 40}


#: Memory of one trained copy (one model, one seed), from the growth of peak RSS with the
#: number of seeds (torch 2.13 CPU; signals of 40 and 400 steps; 10, 1000 and 5000 test
#: examples), rounded up: 32 bytes per parameter (its value, gradient, Adam's two moments and
#: the copies stacking makes), with a + b x length parameters, plus the larger of a training
#: batch's activations and an evaluation chunk's, c + d x length bytes per example each.
_MEMORY = {  # model: (a, b), (training c, d), (evaluation c, d)
    "linear": ((10, 10), (0, 0), (64, 0)),
    "mlp": ((68_618, 256), (4_000, 0), (4_000, 8)),
    "cnn": ((3_960, 32), (0, 800), (0, 320)),
    "gru": ((334, 120), (0, 2_000), (0, 480)),
}


def memory_bytes(models: Sequence[str], seeds: int, *, length: int, test_examples: int) -> int:
    """Peak memory (an upper estimate) of training ``models`` x ``seeds`` copies on signals
    of ``length`` and then measuring them on ``test_examples``: every copy is held at once."""
    chunk = min(EVAL_CHUNK, test_examples)
    total = 0
    for name in models:
        (a, b), (train_c, train_d), (eval_c, eval_d) = _MEMORY[name]
        activations = max(BATCH_SIZE * (train_c + train_d * length), chunk * (eval_c + eval_d * length))
        total += seeds * (32 * (a + b * length) + activations)
    return total


def check_memory(models: Sequence[str], seeds: int, *, length: int, test_examples: int) -> None:
    """Refuse, before any training, a run whose copies do not fit in memory."""
    needed, available = memory_bytes(models, seeds, length=length, test_examples=test_examples), available_memory()
    if available is not None and needed > available:
        raise InsufficientResources(
            f"seeds={seeds}: training {' '.join(models)} x {seeds} seeds needs about {size(needed)} of memory, "
            f"but {size(available)} is available; use fewer seeds or models"
        )


def batch(step: int, x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
    """The training batch of ``step``: rows from ``step * 100 % n``, in order."""
    start = step * BATCH_SIZE % len(x)
    return x[start : start + BATCH_SIZE], y[start : start + BATCH_SIZE]


Stack = dict[str, Tensor]
"""The parameters of S models of one architecture, stacked: name -> (S, ...) tensor."""


def train(
    models: Sequence[str],
    seeds: Sequence[int],
    x_train: Tensor,
    y_train: Tensor,
    x_test: Tensor,
    y_test: Tensor,
    *,
    steps: int,
    threads: int,
    workers: int = 1,
    progress: Progress | None = None,
) -> dict[str, list[float]]:
    """Train every model for every seed; return each one's test accuracy in percent.

    With ``workers`` > 1 the models are shared out, whole, between that many threads, each
    running :func:`fit` on its group: torch releases the interpreter lock in its kernels,
    so the groups train in parallel, and a model's arithmetic does not depend on what
    trains beside it, so the results are the same for any number of workers.
    The initial parameters are drawn first, in the calling thread (the draws use torch's
    global generator, which threads would otherwise share). ``threads`` is torch's
    intra-op threads, set in each worker (OpenMP keeps that setting per thread).
    ``progress(done, total)`` counts the steps of all groups: total = steps x groups.
    Other arguments as :func:`fit`'s; x_test, y_test as x_train, y_train.
    """
    stacks = initial(models, seeds, length=x_train.shape[1])
    groups = _share_out(models, workers)
    counter = _StepCounter(progress, total=steps * len(groups))

    def work(group: Sequence[str]) -> dict[str, list[float]]:
        torch.set_num_threads(threads)
        fit({name: stacks[name] for name in group}, x_train, y_train, steps=steps, progress=counter.step)
        return {name: accuracies(name, stacks[name], x_test, y_test) for name in group}

    if len(groups) == 1:
        return work(groups[0])
    with ThreadPoolExecutor(len(groups), thread_name_prefix="mnist1d-baselines") as pool:
        futures = [pool.submit(work, group) for group in groups]
        try:
            finished, _ = wait(futures, return_when=FIRST_EXCEPTION)  # all of them, unless one failed
            for future in finished:
                future.result()  # raises a worker's error
            return {name: runs for future in futures for name, runs in future.result().items()}
        except BaseException:  # an error or Ctrl-C: the other workers stop after their current step
            counter.cancel()
            raise


def _share_out(models: Sequence[str], workers: int) -> list[list[str]]:
    """At most ``workers`` groups of about equal cost: each model, costliest first, to the
    cheapest group so far."""
    groups: list[list[str]] = [[] for _ in range(min(workers, len(models)))]
    for name in sorted(models, key=COST.__getitem__, reverse=True):
        min(groups, key=lambda group: sum(COST[m] for m in group)).append(name)
    return [sorted(group, key=list(models).index) for group in groups]


class _Cancelled(Exception):
    """Stops a worker after another one failed or was interrupted."""


class _StepCounter:
    """Steps done by all workers, reported as ``progress(done, total)`` one at a time."""

    def __init__(self, progress: Progress | None, *, total: int) -> None:
        self.progress, self.total, self.done = progress, total, 0
        self.lock, self.cancelled = threading.Lock(), threading.Event()

    def step(self, _done: int, _steps: int) -> None:
        if self.cancelled.is_set():
            raise _Cancelled
        with self.lock:
            self.done += 1
            if self.progress is not None:
                self.progress(self.done, self.total)

    def cancel(self) -> None:
        self.cancelled.set()


def initial(models: Sequence[str], seeds: Sequence[int], *, length: int) -> dict[str, Stack]:
    """Each model's initial parameters for each seed (as ``models.build`` draws them), stacked
    in ``seeds`` order: model name -> Stack of S = len(seeds) copies."""
    return {name: stack_module_state([build(name, seed=seed, length=length) for seed in seeds])[0] for name in models}


def fit(
    stacks: dict[str, Stack], x_train: Tensor, y_train: Tensor, *, steps: int, progress: Progress | None = None
) -> None:
    """Train stacked models together, in place.

    Parameters
    ----------
    stacks : dict of str to Stack
        Model name (``models.ARCHITECTURES``) -> the parameters of its copies, e.g. from
        :func:`initial`.
    x_train : Tensor
        (n, length) float32 signals.
    y_train : Tensor
        (n,) int64 labels in 0-9.
    steps : int
        Optimizer updates.
    progress : callable, optional
        Called as ``progress(steps_done, steps)`` after each update.
    """
    optimizer = PerCopyAdam([p for stack in stacks.values() for p in stack.values()])
    for step in range(steps):
        x, y = batch(step, x_train, y_train)
        # The sum over models of each one's mean loss: each gets its own gradient.
        loss = sum(
            F.cross_entropy(logits.flatten(0, 1), y.repeat(len(logits)), reduction="sum")
            for logits in (ARCHITECTURES[name].stacked_forward(stack, x) for name, stack in stacks.items())
        )
        (loss / len(y)).backward()
        optimizer.step()
        if progress is not None:
            progress(step + 1, steps)


class PerCopyAdam:
    """torch's Adam (its defaults, learning rate 1e-2, fused: the fastest on the CPU) on
    stacked parameters, each copy updated as a tensor of its own.

    The fused kernel runs over a tensor's elements in vector lanes and finishes the last few
    with scalar code, which rounds differently. Over a whole stack, which copy those last
    elements belong to depends on how many copies there are, so a seed's result would
    depend on the number of seeds (measured: every architecture's last copy differed from
    the same seed trained alone). Each copy's slice of the stack, a view, is exactly the
    tensor it would be alone; the update is as fast.
    """

    def __init__(self, stacks: Sequence[Tensor]) -> None:
        self.stacks = list(stacks)
        self.copies = self._per_copy([p.detach() for p in self.stacks])
        self.exp_avgs = [torch.zeros_like(c) for c in self.copies]
        self.exp_avg_sqs = [torch.zeros_like(c) for c in self.copies]
        self.steps = [torch.zeros((), dtype=torch.float32) for _ in self.copies]  # one each: the kernel adds 1 to each

    @staticmethod
    def _per_copy(stacks: Sequence[Tensor]) -> list[Tensor]:
        return [copy for stack in stacks for copy in stack.unbind()]

    def step(self) -> None:
        """One update from the gradients of the last backward pass, which it then clears."""
        grads = self._per_copy([p.grad for p in self.stacks])
        adam(
            self.copies,
            grads,
            self.exp_avgs,
            self.exp_avg_sqs,
            [],
            self.steps,
            fused=True,
            amsgrad=False,
            beta1=ADAM_BETAS[0],
            beta2=ADAM_BETAS[1],
            lr=LEARNING_RATE,
            weight_decay=0.0,
            eps=ADAM_EPS,
            maximize=False,
        )
        for p in self.stacks:
            p.grad = None


def accuracies(name: str, stack: Stack, x_test: Tensor, y_test: Tensor) -> list[float]:
    """Test accuracy in percent of each model of ``stack`` (architecture ``name``)."""
    with torch.no_grad():
        return _accuracies(lambda x: ARCHITECTURES[name].stacked_forward(stack, x), x_test, y_test)


def _accuracies(logits: Callable[[Tensor], Tensor], x: Tensor, y: Tensor) -> list[float]:
    """From ``logits(x)``, (S, len(x), 10) for S models, each one's accuracy (%) on (x, y)."""
    correct = sum(
        (logits(x[i : i + EVAL_CHUNK]).argmax(-1) == y[i : i + EVAL_CHUNK]).sum(-1)
        for i in range(0, len(x), EVAL_CHUNK)
    )
    return [100.0 * int(c) / len(y) for c in correct]


def fit_one(name: str, seed: int, x_train: Tensor, y_train: Tensor, *, steps: int) -> torch.nn.Module:
    """The authors' loop, one model and one seed at a time: their modules' own forward
    (torch's convolution and GRU kernels), torch's default Adam, one update per batch.

    The reference that :func:`fit` is tested against (tests/test_baselines.py) and timed
    against (benchmarks/bench_baselines_speed.py). Arguments as :func:`fit`'s.
    """
    model = build(name, seed=seed, length=x_train.shape[1])
    optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    for step in range(steps):
        x, y = batch(step, x_train, y_train)
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    return model


def accuracy_one(model: torch.nn.Module, x_test: Tensor, y_test: Tensor) -> float:
    """Test accuracy in percent of one model."""
    with torch.no_grad():
        return _accuracies(lambda x: model(x).unsqueeze(0), x_test, y_test)[0]
