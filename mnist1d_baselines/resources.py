"""What a run of the baselines needs: memory and time, estimated before any training.

Needs no torch, so the command line can refuse or announce a run before importing it.
"""

from __future__ import annotations

from collections.abc import Sequence

from mnist1d_core.resources import InsufficientResources, available_memory, size

BATCH_SIZE = 100
#: Test examples per forward pass when measuring accuracy: bounds memory on large test sets.
EVAL_CHUNK = 4096

#: Rough seconds per step of one copy (one model and seed) on one thread, of the order
#: benchmarks/bench_baselines_per_copy.py measures: used to share the models out evenly
#: between workers, and for the run time estimate.
SECONDS_PER_STEP = {"linear": 7e-5, "mlp": 7e-4, "cnn": 8e-4, "gru": 7e-3}


#: Memory of one trained copy (one model, one seed), from the growth of peak RSS with the
#: number of seeds (docs/notes/baselines.md), rounded up: 32 bytes per parameter (its value,
#: gradient, Adam's two moments and the copies stacking makes), with a + b x length
#: parameters, plus the larger of a training batch's activations and an evaluation chunk's,
#: c + d x length bytes per example each.
_MEMORY = {  # model: (a, b), (training c, d), (evaluation c, d)
    "linear": ((10, 10), (0, 0), (64, 0)),
    "mlp": ((68_618, 256), (4_000, 0), (4_000, 8)),
    "cnn": ((3_960, 32), (0, 800), (0, 320)),
    "gru": ((334, 120), (0, 2_000), (0, 200)),
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


def check_memory(models: Sequence[str], seeds: int, *, length: int, test_examples: int, values: int = 1) -> None:
    """Refuse, before any training, a run whose copies (``seeds`` x ``values`` of a sweep,
    for each model) do not fit in memory."""
    copies = seeds * values
    needed, available = memory_bytes(models, copies, length=length, test_examples=test_examples), available_memory()
    if available is not None and needed > available:
        what = f"{seeds} seeds" + (f" x {values} values" if values > 1 else "")
        raise InsufficientResources(
            f"seeds={seeds}: training {' '.join(models)} x {what} needs about {size(needed)} of memory, "
            f"but {size(available)} is available; use fewer {'seeds, models or values' if values > 1 else 'seeds or models'}"
        )


def estimated_seconds(models: Sequence[str], seeds: int, *, steps: int, values: int = 1, workers: int = 1) -> float:
    """A rough estimate of a run's training time on one thread per worker (from
    :data:`SECONDS_PER_STEP`; machines differ by a few times either way)."""
    groups = share_out(models, workers)
    return max(sum(SECONDS_PER_STEP[m] for m in group) for group in groups) * seeds * values * steps


def share_out(models: Sequence[str], workers: int) -> list[list[str]]:
    """At most ``workers`` groups of about equal cost: each model, costliest first, to the
    cheapest group so far."""
    groups: list[list[str]] = [[] for _ in range(min(workers, len(models)))]
    for name in sorted(models, key=SECONDS_PER_STEP.__getitem__, reverse=True):
        min(groups, key=lambda group: sum(SECONDS_PER_STEP[m] for m in group)).append(name)
    return [sorted(group, key=list(models).index) for group in groups]
