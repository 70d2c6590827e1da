"""``mnist1d generate``, ``info`` and ``plot``: the core's data, as files and pictures."""

from __future__ import annotations

import argparse
import json
import zipfile
from pathlib import Path

import numpy as np

from mnist1d_core import MNIST1D, PRESETS, SPLITS, MNIST1DConfig, __version__, check_fingerprint, fingerprint, generate
from mnist1d_core.files import written_atomically
from mnist1d_core.fingerprint import registry
from mnist1d_core.resources import check_disk

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


def _add_generate(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "generate",
        help="generate a dataset and save it as .npz",
        description=(
            "Generate MNIST-1D (a preset, or custom parameters) and save it as .npz with the "
            "authors' keys: x, y, x_test, y_test, t, templates_x, templates_t, templates_y."
        ),
    )
    add_config_arguments(p)
    p.add_argument("--out", type=file_argument, help="output file (default: ./mnist1d-<config name>.npz)")
    p.add_argument("--force", action="store_true", help="overwrite an existing output file")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(run=_run_generate)


def _run_generate(args: argparse.Namespace) -> None:
    config = config_from_arguments(args)
    out = args.out or Path(f"mnist1d-{config.name}.npz")
    if out.suffix != ".npz":
        raise UsageError(f"--out must end in .npz, got {str(out)!r}")
    check_output_file("--out", out, force=args.force)
    # float64 signals and int64 labels, as the authors' keys hold them
    check_disk(out.parent, 8 * config.num_examples * (config.final_seq_length + 1), config, f"--out {str(out)!r}")

    progress = None if args.no_progress else ProgressBar(f"generating {config.name}")
    data = generate(config, progress=progress)
    _save_npz(data, out)
    print(f"wrote {out.resolve()} ({config.name})")
    for split in SPLITS:
        part = data.split(split)
        digest = fingerprint(part.x, part.y)
        checked = " (matches the registry)" if check_fingerprint(config.name, split, digest) else ""
        print(f"  {split}: {len(part)} examples, fingerprint {digest}{checked}")


def _save_npz(data: MNIST1D, out: Path) -> None:
    """The file ``np.savez`` writes (stored, not compressed), through a ZipFile that is closed
    on failure too: numpy's own is left for the garbage collector, which on Python 3.10 then
    prints "Exception ignored" into the one-line error of, say, a full disk."""
    arrays = dict(
        x=data.train.x,
        y=data.train.y,
        x_test=data.test.x,
        y_test=data.test.y,
        t=data.t,
        templates_x=data.templates.x,
        templates_t=data.templates.t,
        templates_y=data.templates.y,
    )
    with written_atomically(out) as partial, open(partial, "wb") as f:
        with zipfile.ZipFile(f, mode="w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
            for name, array in arrays.items():
                with archive.open(f"{name}.npy", "w", force_zip64=True) as member:
                    np.lib.format.write_array(member, np.asanyarray(array), allow_pickle=False)


def _add_info(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "info",
        help="presets, parameters and fingerprints",
        description=("Show the named presets with their parameters, sizes and registered content fingerprints."),
    )
    p.add_argument("--config", choices=list(PRESETS), help="show only this preset")
    p.set_defaults(run=_run_info)


def _run_info(args: argparse.Namespace) -> None:
    names = [args.config] if args.config else list(PRESETS)
    print(f"mnist1d_core {__version__}")
    for name in names:
        config = PRESETS[name]
        print(f"\n{name}: {config.num_train} train / {config.num_test} test, length {config.final_seq_length}")
        for key, value in config.to_dict().items():
            print(f"  {key:<17} {value}")
        for split in SPLITS:
            entry = registry().get((name, split))
            print(f"  fingerprint {split:<5} {entry.sha256 if entry else '(none recorded)'}")
    print("\nfingerprint = sha256(x as float32 little-endian rows + y as int64 little-endian)")


def _add_plot(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "plot",
        help="draw examples of every class as a PNG",
        description=(
            "Draw the first train examples of every class of MNIST-1D (a preset, or custom parameters) "
            "the way the paper shows them: the signal's value left to right, time top to bottom. "
            'Needs matplotlib: pip install "mnist1d-datasets[plot]".'
        ),
    )
    add_config_arguments(p)
    p.set_defaults(config=None)  # so that --results tells a --config given from none (None reads as canonical)
    p.add_argument("--out", type=file_argument, required=True, metavar="FILE.png", help="the PNG file to write")
    p.add_argument("--per-class", type=int, default=3, metavar="N", help="examples of each class (default: 3)")
    p.add_argument("--templates", action="store_true", help="add a first row with the ten templates")
    p.add_argument(
        "--results",
        nargs="+",
        type=path_argument,
        metavar="FILE.json",
        help="instead: draw the baselines' test accuracy measured by `mnist1d benchmark --json`, files "
        "overlaid: sweeps (--sweep) as accuracy against the value; learning curves (--eval-every, in "
        "every file) as accuracy against the step; else final accuracies as bars; beside the paper's numbers",
    )
    p.add_argument("--force", action="store_true", help="overwrite an existing output file")
    p.set_defaults(run=_run_plot)


def _run_plot(args: argparse.Namespace) -> None:
    from mnist1d_builders.plot import check_can_draw, save_examples_figure

    if args.out.suffix != ".png":
        raise UsageError(f"--out must end in .png, got {str(args.out)!r}")
    check_output_file("--out", args.out, force=args.force)
    if args.results is not None:
        return _plot_results(args)
    config = config_from_arguments(args)
    check_can_draw(args.per_class, config=config)
    data = generate(config, progress=ProgressBar(f"generating {config.name}"))
    save_examples_figure(data, args.out, per_class=args.per_class, templates=args.templates)
    print(f"wrote {args.out.resolve()} ({config.name})")


def _plot_results(args: argparse.Namespace) -> None:
    from mnist1d_baselines.plot import curves_figure, results_figure, sweep_figure
    from mnist1d_builders.plot import check_can_draw, save_figure

    _refuse_dataset_options(args)
    measured = {}
    for path in args.results:  # every file is read and checked before anything is drawn
        results, label = _read_results(path)
        measured[label if label not in measured else f"{label} ({path.name})"] = results
    sweeps = {label: r for label, r in measured.items() if hasattr(r, "parameter")}
    if sweeps and len(sweeps) != len(measured):
        raise UsageError("--results: sweeps and single runs cannot share a figure; draw them apart")
    if len({s.parameter for s in sweeps.values()}) > 1:
        raise UsageError("--results: sweeps of different parameters cannot share a figure; draw them apart")
    check_can_draw()
    if sweeps:
        figure = sweep_figure(sweeps)
    elif all(r.curves is not None for r in measured.values()):
        figure = curves_figure(measured)
    else:
        figure = results_figure(measured)
    save_figure(figure, args.out)
    print(f"wrote {args.out.resolve()} ({', '.join(measured)})")


def _refuse_dataset_options(args: argparse.Namespace) -> None:
    """The results were measured on their own datasets: a dataset option would be ignored."""
    given = [f"--{name.replace('_', '-')}" for name in parameter_changes(args)]
    given += ["--config"] * (args.config is not None) + ["--templates"] * args.templates
    given += ["--per-class"] * (args.per_class != 3)
    if given:
        raise UsageError(f"--results draws measured results: the dataset options do not apply, got {' '.join(given)}")


def _read_results(path: Path):
    """The results (or sweep) in ``path`` and their label (their config's name, else the
    file's), or a UsageError naming the file and what is wrong with it."""
    from mnist1d_baselines import Results, Sweep

    if path.is_dir():
        raise UsageError(f"--results {str(path)!r} is a folder; give the name of a file")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(data, dict) and "sweep" in data:
            swept = Sweep.from_dict(data)
            return swept, _config_name(swept.results[0].config, path, without=swept.parameter)
        results = Results.from_dict(data)
        return results, _config_name(results.config, path)
    except FileNotFoundError:
        raise UsageError(f"--results {str(path)!r}: no such file") from None
    except (UnicodeDecodeError, TypeError, ValueError, RecursionError) as error:  # JSONDecodeError is a ValueError;
        # RecursionError: arrays nested thousands deep, which json cannot read
        raise UsageError(f"--results {str(path)!r}: not the JSON of `mnist1d benchmark --json` ({error})") from None


def _config_name(config, path: Path, without: str | None = None) -> str:
    """The name of the config the results were measured on; for a sweep, of the config
    they were swept from (the swept parameter at its default), else the file's stem."""
    if not config:
        return path.stem
    if without is not None:
        config = {**config, without: getattr(MNIST1DConfig(), without)}
    return MNIST1DConfig.from_dict(config).name


COMMANDS = [_add_generate, _add_info, _add_plot]
