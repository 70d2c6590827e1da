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
- Test evaluations during training only when asked (``eval_every``; they evaluate every
  250 steps), which do not change training; no checkpoints.
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

import dataclasses
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait

import torch
import torch.nn.functional as F
from torch import Tensor
from torch.func import stack_module_state
from torch.optim.adam import adam

from mnist1d_core.generate import Progress

from .models import ARCHITECTURES, build
from .resources import BATCH_SIZE, EVAL_CHUNK, share_out

LEARNING_RATE = 1e-2
ADAM_BETAS, ADAM_EPS = (0.9, 0.999), 1e-8  # torch.optim.Adam's defaults, which the authors keep


def batch(step: int, x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
    """The training batch of ``step``: rows from ``step * 100 % n``, in order."""
    start = step * BATCH_SIZE % len(x)
    return x[start : start + BATCH_SIZE], y[start : start + BATCH_SIZE]


Stack = dict[str, Tensor]
"""The parameters of S models of one architecture, stacked: name -> (S, ...) tensor."""

Data = tuple[Tensor, Tensor, Tensor, Tensor]
"""One dataset: x_train (n, length) float32, y_train (n,) int64, x_test, y_test."""


@dataclasses.dataclass
class Measured:
    """One model's measurements on one dataset, per seed: the final test accuracy (%),
    and, when evaluated during training, the test accuracy and mean loss at ``steps``."""

    final: list[float]
    steps: list[int] = dataclasses.field(default_factory=list)
    accuracy: list[list[float]] = dataclasses.field(default_factory=list)
    loss: list[list[float]] = dataclasses.field(default_factory=list)


def train(
    models: Sequence[str],
    seeds: Sequence[int],
    datasets: Sequence[Data],
    *,
    steps: int,
    threads: int,
    workers: int = 1,
    eval_every: int | None = None,
    progress: Progress | None = None,
) -> list[dict[str, Measured]]:
    """Train every model for every seed on every dataset; measure each on its test set.

    Returns, per dataset, model name -> :class:`Measured`. With ``eval_every``, the test
    accuracy and loss are also measured after every ``eval_every`` steps and after the last
    (which is then the final accuracy); measuring reads the parameters, never changes them.

    Datasets whose signals have the same length and whose batches have the same sizes
    train together, as one stack of datasets x seeds copies per model, each copy on its
    own dataset's batches (:func:`fit`); the others one group after another.
    With ``workers`` > 1 the models are shared out, whole, between that many threads, each
    running :func:`fit` on its group: torch releases the interpreter lock in its kernels,
    so the groups train in parallel, and a model's arithmetic does not depend on what
    trains beside it, so the results are the same for any number of workers.
    The initial parameters are drawn first, in the calling thread (the draws use torch's
    global generator, which threads would otherwise share). ``threads`` is torch's
    intra-op threads, set in each worker (OpenMP keeps that setting per thread).
    ``progress(done, total)`` counts the steps of all groups.
    """
    together = _trainable_together(datasets)
    stacks = [initial(models, list(seeds) * len(group), length=datasets[group[0]][0].shape[1]) for group in together]
    groups = share_out(models, workers)
    counter = _StepCounter(progress, total=steps * len(groups) * len(together))

    def work(group: Sequence[str]) -> dict[tuple[int, str], Measured]:
        torch.set_num_threads(threads)
        measured = {}
        for indices, stack in zip(together, stacks):
            mine = {name: stack[name] for name in group}
            data = [datasets[i] for i in indices]
            for i, by_model in zip(indices, _fit_and_measure(mine, data, len(seeds), steps, eval_every, counter.step)):
                measured.update({(i, name): value for name, value in by_model.items()})
        return measured

    if len(groups) == 1:
        measured = work(groups[0])
    else:
        with ThreadPoolExecutor(len(groups), thread_name_prefix="mnist1d-baselines") as pool:
            futures = [pool.submit(work, group) for group in groups]
            try:
                finished, _ = wait(futures, return_when=FIRST_EXCEPTION)  # all of them, unless one failed
                for future in finished:
                    future.result()  # raises a worker's error
            except BaseException:  # an error or Ctrl-C: the other workers stop after their current step
                counter.cancelled.set()
                raise
            measured = {key: value for future in futures for key, value in future.result().items()}
    return [{name: measured[i, name] for name in models} for i in range(len(datasets))]


def _trainable_together(datasets: Sequence[Data]) -> list[list[int]]:
    """Indices of the datasets, grouped by signal length and batch sizes (all 100 when the
    train split is a multiple of 100; else they depend on its size)."""
    groups: dict[tuple[int, int], list[int]] = {}
    for i, (x_train, *_) in enumerate(datasets):
        n, length = x_train.shape
        groups.setdefault((length, 0 if n % BATCH_SIZE == 0 else n), []).append(i)
    return list(groups.values())


def _fit_and_measure(
    stacks: dict[str, Stack], datasets: Sequence[Data], seeds: int, steps: int, eval_every: int | None, progress
) -> list[dict[str, Measured]]:
    """Train stacks of datasets x seeds copies (dataset-major), measuring each dataset's
    copies on its test set; returns, per dataset, model -> Measured."""
    measured = [{name: Measured(final=[]) for name in stacks} for _ in datasets]

    def evaluate(step: int) -> None:
        for d, (_, _, x_test, y_test) in enumerate(datasets):
            for name, stack in stacks.items():
                accuracy, loss = measure(
                    name, {k: p[d * seeds : (d + 1) * seeds] for k, p in stack.items()}, x_test, y_test
                )
                entry = measured[d][name]
                entry.steps.append(step)
                entry.accuracy.append(accuracy)
                entry.loss.append(loss)

    x_train = [x for x, *_ in datasets] if len(datasets) > 1 else datasets[0][0]
    y_train = [y for _, y, *_ in datasets] if len(datasets) > 1 else datasets[0][1]
    during = evaluate if eval_every is not None else None
    fit(stacks, x_train, y_train, steps=steps, progress=progress, eval_every=eval_every, evaluate=during)
    if eval_every is None:
        evaluate(steps)
    for by_model in measured:
        for entry in by_model.values():
            entry.final = entry.accuracy[-1]
            if eval_every is None:
                entry.steps, entry.accuracy, entry.loss = [], [], []
            else:  # per seed, not per evaluation
                entry.accuracy, entry.loss = (
                    [list(a) for a in zip(*entry.accuracy)],
                    [list(a) for a in zip(*entry.loss)],
                )
    return measured


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


def initial(models: Sequence[str], seeds: Sequence[int], *, length: int) -> dict[str, Stack]:
    """Each model's initial parameters for each seed (as ``models.build`` draws them), stacked
    in ``seeds`` order: model name -> Stack of S = len(seeds) copies."""
    return {name: stack_module_state([build(name, seed=seed, length=length) for seed in seeds])[0] for name in models}


def fit(
    stacks: dict[str, Stack],
    x_train: Tensor | Sequence[Tensor],
    y_train: Tensor | Sequence[Tensor],
    *,
    steps: int,
    progress: Progress | None = None,
    eval_every: int | None = None,
    evaluate: Callable[[int], None] | None = None,
) -> None:
    """Train stacked models together, in place.

    Parameters
    ----------
    stacks : dict of str to Stack
        Model name (``models.ARCHITECTURES``) -> the parameters of its copies, e.g. from
        :func:`initial`; every stack has the same number of copies.
    x_train : Tensor or sequence of Tensor
        (n, length) float32 signals, shared by all copies; or one such tensor per dataset,
        the copies then split evenly between them in order (dataset-major), and every
        dataset's batches of the same size.
    y_train : Tensor or sequence of Tensor
        (n,) int64 labels in 0-9, as x_train.
    steps : int
        Optimizer updates.
    progress : callable, optional
        Called as ``progress(steps_done, steps)`` after each update.
    eval_every, evaluate : int and callable, optional
        ``evaluate(steps_done)`` is called after every ``eval_every`` updates and after the
        last; it must not change the parameters.
    """
    optimizer = PerCopyAdam([p for stack in stacks.values() for p in stack.values()])
    copies = len(next(iter(next(iter(stacks.values())).values())))
    for step in range(steps):
        x, y = _batches(step, x_train, y_train, copies)
        # The sum over models of each one's mean loss: each gets its own gradient.
        loss = sum(
            F.cross_entropy(logits.flatten(0, 1), y, reduction="sum")
            for logits in (ARCHITECTURES[name].stacked_forward(stack, x) for name, stack in stacks.items())
        )
        (loss / x.shape[-2]).backward()
        optimizer.step()
        if evaluate is not None and ((step + 1) % eval_every == 0 or step + 1 == steps):
            evaluate(step + 1)
        if progress is not None:
            progress(step + 1, steps)


def _batches(step: int, x_train, y_train, copies: int) -> tuple[Tensor, Tensor]:
    """The inputs of ``step``, (B, length) shared or (copies, B, length) per copy, and the
    copies' labels, flattened to (copies x B,)."""
    if isinstance(x_train, Tensor):
        x, y = batch(step, x_train, y_train)
        return x, y.repeat(copies)
    xs, ys = zip(*(batch(step, x, y) for x, y in zip(x_train, y_train)))
    each = copies // len(xs)
    return torch.stack(xs).repeat_interleave(each, dim=0), torch.stack(ys).repeat_interleave(each, dim=0).flatten()


class PerCopyAdam:
    """torch's Adam (its defaults, learning rate 1e-2, fused: the fastest on the CPU) on
    stacked parameters, each copy updated as a tensor of its own.

    The fused kernel runs over a tensor's elements in vector lanes and finishes the last few
    with scalar code, which rounds differently. Over a whole stack, which copy those last
    elements belong to depends on how many copies there are, so a seed's result would
    depend on the number of seeds. Each copy's slice of the stack, a view, is exactly the
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
    return measure(name, stack, x_test, y_test)[0]


def measure(name: str, stack: Stack, x_test: Tensor, y_test: Tensor) -> tuple[list[float], list[float]]:
    """Test accuracy (%) and mean cross-entropy of each model of ``stack``."""
    with torch.no_grad():
        return _measure(lambda x: ARCHITECTURES[name].stacked_forward(stack, x), x_test, y_test)


def _measure(logits: Callable[[Tensor], Tensor], x: Tensor, y: Tensor) -> tuple[list[float], list[float]]:
    """From ``logits(x)``, (S, len(x), 10) for S models, each one's accuracy (%) and mean
    loss on (x, y)."""
    correct, loss = 0, 0
    for i in range(0, len(x), EVAL_CHUNK):
        out, labels = logits(x[i : i + EVAL_CHUNK]), y[i : i + EVAL_CHUNK]
        correct = correct + (out.argmax(-1) == labels).sum(-1)
        losses = F.cross_entropy(out.flatten(0, 1), labels.repeat(len(out)), reduction="none")
        loss = loss + losses.unflatten(0, (len(out), -1)).double().sum(-1)
    return [100.0 * int(c) / len(y) for c in correct], [float(v) / len(y) for v in loss]


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
        return _measure(lambda x: model(x).unsqueeze(0), x_test, y_test)[0][0]
