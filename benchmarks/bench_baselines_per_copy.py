"""The cost of training each copy with its own kernels (the determinism of seeds), side by side.

``mnist1d_baselines.models`` computes every matrix product, and the GRU's recurrence, once
per copy, so that a seed trains to the same bits alone or in a stack of any size. Before,
one batched product (``torch.bmm``) served all copies, and the GRU ran all copies' steps
together; that is faster, but ``bmm`` splits its reduction by the number of copies and
threads, so seeds in a stack rounded differently from seeds alone. This script trains the
same models and seeds both ways, alternating within each repeat, and reports the median
wall time of each, their ratio, and whether each way's seeds match their runs alone.

    python benchmarks/bench_baselines_per_copy.py                   # 300 steps, 3 seeds
    python benchmarks/bench_baselines_per_copy.py --steps 1000 --seeds 5 --threads 2
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import time

import torch

from mnist1d_baselines import MODELS, models
from mnist1d_baselines.train import fit, initial
from mnist1d_core import PRESETS, generate


def batched_dense(h, weight, bias):
    """The previous products: one ``baddbmm`` for all copies."""
    return torch.baddbmm(bias.unsqueeze(1), h, weight.transpose(1, 2))


def batched_gru(x, w_ih, w_hh, b_ih, b_hh):
    """The previous recurrence: every copy's steps in the same kernels (x (S, B, T))."""
    hidden, copies = models.GRU_HIDDEN, len(w_hh)
    series = torch.stack([x, x.flip(-1)], dim=1)[..., None]  # (S, 2, B, T, 1)
    inputs = (series * w_ih[:, :, None, None, :, 0] + b_ih[:, :, None, None, :]).flatten(0, 1)
    w_hh, b_hh = w_hh.flatten(0, 1).transpose(1, 2), b_hh.flatten(0, 1).unsqueeze(1)
    h, states = x.new_zeros(copies * 2, x.shape[1], hidden), []
    for t in range(x.shape[2]):
        recurrent = torch.baddbmm(b_hh, h, w_hh)
        step = inputs[:, :, t]
        r, z = torch.sigmoid(step[..., : 2 * hidden] + recurrent[..., : 2 * hidden]).chunk(2, dim=-1)
        n = torch.tanh(step[..., 2 * hidden :] + r * recurrent[..., 2 * hidden :])
        h = n + z * (h - n)
        states.append(h)
    forward, backward = torch.stack(states, dim=2).unflatten(0, (copies, 2)).unbind(1)
    return torch.cat([forward, backward.flip(2)], dim=-1)


@contextlib.contextmanager
def batched_products():
    """``models`` as it was: batched products and recurrence for the whole stack."""
    saved = models._dense, models._per_copy
    models._dense = batched_dense

    def per_copy(function, *stacks):
        if function is models._bidirectional_gru:
            return batched_gru(*stacks)
        return saved[1](function, *stacks)

    models._per_copy = per_copy
    try:
        yield
    finally:
        models._dense, models._per_copy = saved


def train(x, y, seeds, steps, names):
    stacks = initial(names, seeds, length=x.shape[1])
    fit(stacks, x, y, steps=steps)
    return stacks


def matches_alone(x, y, seeds, steps, names, together) -> bool:
    for i, seed in enumerate(seeds):
        alone = train(x, y, (seed,), steps, names)
        for name in names:
            if any(not torch.equal(together[name][k][i], p[0]) for k, p in alone[name].items()):
                return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=MODELS)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    data = generate(PRESETS["canonical"])
    x, y = torch.tensor(data.train.x, dtype=torch.float32), torch.tensor(data.train.y)
    seeds = tuple(range(args.seeds))
    ways = {"batched products (before)": batched_products, "per-copy products (now)": contextlib.nullcontext}
    print(f"torch {torch.__version__}, {args.threads} thread(s), {args.seeds} seeds, {args.steps} steps")
    for name in args.models:
        times: dict[str, list[float]] = {way: [] for way in ways}
        for _ in range(args.repeats):
            for way, context in ways.items():
                with context():
                    started = time.perf_counter()
                    train(x, y, seeds, args.steps, [name])
                    times[way].append(time.perf_counter() - started)
        exact = {}
        for way, context in ways.items():
            with context():
                exact[way] = matches_alone(x, y, seeds, min(args.steps, 25), [name], train(x, y, seeds, 25, [name]))
        before, now = (statistics.median(times[way]) for way in ways)
        print(
            f"{name:6}  before {before:7.2f} s (seeds alone = stacked: {exact[next(iter(ways))]})  "
            f"now {now:7.2f} s (= {exact['per-copy products (now)']})  now/before {now / before:.2f}"
        )


if __name__ == "__main__":
    main()
