"""``mnist1d benchmark``: the paper's baselines trained and measured on any variant."""

from __future__ import annotations

import argparse
import os
import sys

from mnist1d_core import PRESETS, Damaged, parse_parameter

from .errors import UsageError
from .options import (
    ProgressBar,
    add_config_arguments,
    check_output_file,
    config_from_arguments,
    file_argument,
    parameter_changes,
    path_argument,
)

MODELS = ("linear", "mlp", "cnn", "gru")  # mnist1d_baselines.MODELS, without importing it for --help


def _add_benchmark(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "benchmark",
        conflict_handler="resolve",
        help="train the paper's baselines on a variant, report test accuracy",
        description=(
            "Train the paper's baselines (logistic regression, MLP, CNN, GRU) with the authors' recipe (Adam, learning "
            "rate 1e-2, batches of 100 in order) on MNIST-1D -- a preset, custom parameters, or a build or export "
            "as stored (--from, verified first) -- and report each model's final test accuracy as mean ± std "
            "over seeds. Needs torch: pip install 'mnist1d-datasets[benchmark]'."
        ),
    )
    add_config_arguments(p)
    # Any name, not only a preset's: with --from it picks one config of an export, custom ones too.
    p.add_argument(
        "--config",
        metavar="NAME",
        help=f"named preset to start from ({', '.join(PRESETS)}); with "
        "--from, the config of an export to train on (default: its only one, or canonical)",
    )
    p.add_argument(
        "--from",
        dest="source",
        type=path_argument,
        metavar="DIR",
        help="a folder made by `mnist1d build` or `mnist1d export`, trained on as stored (float32); "
        "for an export of several configs, --config names one",
    )
    add_training_arguments(p)
    p.add_argument(
        "--sweep",
        metavar="PARAM=V1,V2,...",
        help="train on each value of one dataset parameter, on top of the chosen config (e.g. "
        "iid_noise_scale=0,0.1,0.2): one row per value; every value's copies train together",
    )
    p.add_argument("--json", type=file_argument, metavar="FILE", help="also write the results as JSON")
    p.add_argument("--force", action="store_true", help="overwrite an existing --json file")
    p.set_defaults(run=_run_benchmark, config=None)  # None: canonical, or an export's only config


def add_training_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of the baselines' training (``benchmark``, ``export --benchmark``)."""
    group = parser.add_argument_group("training the baselines")
    group.add_argument(
        "--models",
        nargs="+",
        choices=MODELS,
        default=list(MODELS),
        metavar="MODEL",
        help=f"models to train (default: all: {' '.join(MODELS)})",
    )
    group.add_argument("--seeds", type=int, default=3, metavar="N", help="runs per model, seeds 0..N-1 (default: 3)")
    group.add_argument("--steps", type=int, default=8000, metavar="N", help="training steps per run (default: 8000)")
    group.add_argument(
        "--eval-every",
        type=int,
        metavar="N",
        help="also measure test accuracy and loss every N steps: learning curves in the JSON, and the best "
        "accuracy during training (selected on the test set) beside the final one; training is unchanged",
    )
    group.add_argument(
        "--workers",
        type=int,
        default=_cores(),
        metavar="N",
        help=f"threads training models in parallel (default: the cores available, {_cores()}); "
        "the results do not depend on it",
    )


def check_training_arguments(args: argparse.Namespace, *, training: bool = True) -> None:
    """Refuse bad training options before any work, and a missing torch if ``training``."""
    for name in ("seeds", "steps", "workers"):
        if getattr(args, name) < 1:
            raise UsageError(f"--{name} must be >= 1, got {getattr(args, name)}")
    if args.eval_every is not None and not 1 <= args.eval_every <= args.steps:
        raise UsageError(f"--eval-every must be between 1 and --steps ({args.steps}), got {args.eval_every}")
    if len(set(args.models)) != len(args.models):
        raise UsageError(f"--models names a model twice: {' '.join(args.models)}")
    if not training:
        return
    from mnist1d_baselines import require_torch

    require_torch()


def train(args: argparse.Namespace, config, x_train, y_train, x_test, y_test):
    """``mnist1d_baselines.benchmark`` with the command line's options, and a progress bar."""
    from mnist1d_baselines import benchmark
    from mnist1d_baselines.resources import check_memory

    check_memory(args.models, args.seeds, length=len(x_train[0]), test_examples=len(x_test))  # before the estimate
    announce(args)
    return benchmark(
        x_train,
        y_train,
        x_test,
        y_test,
        models=args.models,
        seeds=args.seeds,
        steps=args.steps,
        workers=args.workers,
        eval_every=args.eval_every,
        config=config,
        progress=ProgressBar(_label(args, config.name)),
    )


def parse_sweep(text: str, option: str = "--sweep") -> tuple[str, list]:
    """``PARAM=V1,V2,...`` -> the parameter and its values, each parsed and checked as the
    parameter's own flag (``mnist1d_core.parse_parameter``), then against the config by
    ``sweep_configs``."""
    from mnist1d_baselines.sweep import NOT_SWEPT

    name, sep, listed = text.partition("=")
    name = name.strip().replace("-", "_")
    if not sep:
        raise UsageError(f"{option} {text!r}: expected PARAM=V1,V2,... (e.g. iid_noise_scale=0,0.1,0.2)")
    if name in NOT_SWEPT:
        raise UsageError(f"{option}: {name} cannot be swept: {NOT_SWEPT[name]}")
    values = []
    for item in listed.split(","):
        if not item.strip():
            raise UsageError(f"{option} {text!r}: an empty value")
        try:
            values.append(parse_parameter(name, item))  # as the parameter's own flag parses it
        except ValueError as error:
            raise UsageError(f"{option}: {error}") from None
    return name, values


def sweep_configs(args: argparse.Namespace, config, option: str = "--sweep"):
    """The swept parameter (``option``'s value, e.g. ``--sweep`` or an export's
    ``--benchmark-sweep``), its values and their configs on top of ``config``, checked with
    the memory they need, before any work."""
    from mnist1d_baselines.sweep import sweep_configs

    parameter, values = parse_sweep(getattr(args, option[2:].replace("-", "_")), option)
    if parameter in parameter_changes(args):
        raise UsageError(f"{option} {parameter}: also given as --{parameter.replace('_', '-')}; give it once")
    try:
        configs = sweep_configs(config, parameter, values)
    except ValueError as error:
        raise UsageError(f"{option} {error}") from None
    from mnist1d_baselines.resources import check_memory

    length, test_examples = (max(getattr(c, name) for c in configs) for name in ("final_seq_length", "num_test"))
    check_memory(args.models, args.seeds, length=length, test_examples=test_examples, values=len(configs))
    return parameter, values, configs


def announce(args: argparse.Namespace, values: int = 1) -> None:
    """One line on stderr, before a run that takes more than a minute: its estimated time."""
    from mnist1d_baselines.resources import estimated_seconds

    seconds = estimated_seconds(args.models, args.seeds, steps=args.steps, values=values, workers=args.workers)
    if seconds >= 60:
        print(
            f"mnist1d: {_label(args, None, values)} x {args.steps} steps: about {_duration(seconds)} "
            "(a rough estimate; machines differ by a few times)",
            file=sys.stderr,
            flush=True,
        )


def _label(args: argparse.Namespace, name: str | None, values: int = 1) -> str:
    label = f"training {' '.join(args.models)} x {args.seeds} seed{'s' * (args.seeds > 1)}"
    label += f" x {values} values" if values > 1 else ""
    return label + (f" on {name}" if name else "")


def _duration(seconds: float) -> str:
    minutes = round(seconds / 60)
    return f"{minutes} minutes" if minutes < 120 else f"{minutes / 60:.1f} hours"


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _run_benchmark(args: argparse.Namespace) -> None:
    # Everything is checked before the data is made or read, and before any training.
    check_training_arguments(args)
    if args.json is not None:
        check_output_file("--json", args.json, force=args.force)
        if args.source is not None and args.json.resolve().is_relative_to(args.source.resolve()):
            raise UsageError(
                f"--json {str(args.json)!r} is inside the --from folder, where a file it does not "
                f"list makes it fail verification; write it elsewhere"
            )
    if args.source is None and args.config not in (None, *PRESETS):
        raise UsageError(
            f"--config {args.config!r}: not a preset; choose one of: {', '.join(PRESETS)} (with --from, "
            "any config of the export)"
        )

    if args.sweep is not None:
        if args.source is not None:
            raise UsageError("--sweep makes each value's data; it cannot train on --from's data as stored")
        config = config_from_arguments(args)
        parameter, values, configs = sweep_configs(args, config)
        results = swept(args, config, parameter, configs)
        title = f"{config.name}, {parameter} swept"
    elif args.source is not None:
        config, splits = _stored(args)
        (x_train, y_train), (x_test, y_test) = splits["train"], splits["test"]
        results = train(args, config, x_train, y_train, x_test, y_test)
        title = f"{config.name} (from {args.source})"
    else:
        from mnist1d_core import generate

        config = config_from_arguments(args)
        data = generate(config, progress=ProgressBar(f"generating {config.name}"))
        results = train(args, config, data.train.x, data.train.y, data.test.x, data.test.y)
        title = config.name

    if args.json is not None:  # first: a reader that goes away (`| head`) must not cost the run
        from mnist1d_core.files import written_atomically

        with written_atomically(args.json) as partial:
            partial.write_text(results.to_json())
    print(title)
    print(results.table())
    if args.json is not None:
        print(f"wrote {args.json.resolve()}")


def swept(args: argparse.Namespace, config, parameter: str, configs):
    """``mnist1d_baselines.sweep`` with the command line's options, on the configs that
    :func:`sweep_configs` checked (for ``export --benchmark-sweep`` too)."""
    from mnist1d_baselines import sweep

    announce(args, len(configs))
    return sweep(
        config,
        parameter,
        [getattr(c, parameter) for c in configs],
        models=args.models,
        seeds=args.seeds,
        steps=args.steps,
        workers=args.workers,
        eval_every=args.eval_every,
        progress=ProgressBar(_label(args, config.name, len(configs))),
    )


def _stored(args: argparse.Namespace):
    """The verified folder's parameters and splits, as stored. Nothing is trained on a folder
    that fails verification: damage is exit 1, a build with no record to check 2, as in verify."""
    changed = parameter_changes(args)
    if changed:
        raise UsageError(
            f"--from trains on the data as stored; parameter options do not apply "
            f"(got --{next(iter(changed)).replace('_', '-')})"
        )
    if not args.source.is_dir():
        raise UsageError(f"--from {str(args.source)!r}: not a folder")

    from mnist1d_builders.record.read import read_splits
    from mnist1d_builders.record.verify import verify_directory

    try:
        verify_directory(args.source)
        return read_splits(args.source, args.config)
    except Damaged as error:  # the same kind, so the one exit table gives verify's status
        error.args = (f"--from {args.source}: {error}",)
        raise


COMMANDS = [_add_benchmark]
