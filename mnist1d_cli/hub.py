"""``mnist1d export``, ``publish`` and ``card``: the Hugging Face Hub release."""

from __future__ import annotations

import argparse
import sys

from .benchmark import add_training_arguments, check_training_arguments, sweep_configs, swept, train
from .errors import UsageError
from .options import (
    ProgressBar,
    add_presets_arguments,
    check_output_file,
    configs_from_arguments,
    file_argument,
    path_argument,
)


def _add_export(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "export",
        conflict_handler="resolve",
        help="write a Hub-ready folder: Parquet, card, manifests",
        description=(
            "Write MNIST-1D configs (default: every named preset; custom parameters too) into a new folder "
            "laid out as the Hugging Face Hub expects: <config>/<split>-0000i-of-0000n.parquet, README.md (the "
            "dataset card, whose YAML lists the configs, their files and their fingerprints) and a MANIFEST.json per "
            "config (parameters, row counts, fingerprints, every file's SHA-256). "
            "datasets.load_dataset(DIR, CONFIG) reads it. A preset's content must match the registry; the "
            "folder appears only when complete."
        ),
    )
    add_presets_arguments(p)
    p.add_argument(
        "--out", type=path_argument, required=True, metavar="DIR", help="the folder to write (new, or empty)"
    )
    p.add_argument("--repo", metavar="OWNER/NAME", help="the Hub repository to name in the card's loading example")
    p.add_argument(
        "--benchmark",
        action="store_true",
        help="also train the paper's baselines on every config "
        "(as `mnist1d benchmark` does) and put their test accuracy on the card; needs torch",
    )
    p.add_argument(
        "--benchmark-sweep",
        metavar="PARAM=V1,...",
        help="train the paper's baselines on each value of one generator parameter, on top of every config "
        "(as `mnist1d benchmark --sweep` does), and put a table on the card: one row per value, one column "
        "per model; needs torch",
    )
    add_training_arguments(p)
    p.set_defaults(run=_run_export)


def _run_export(args: argparse.Namespace) -> None:
    configs = configs_from_arguments(args)
    if args.benchmark and args.benchmark_sweep is not None:
        raise UsageError("--benchmark and --benchmark-sweep: give one (a config's card shows one table)")
    sweeping = args.benchmark_sweep is not None
    check_training_arguments(args, training=args.benchmark or sweeping)  # bad values are refused even when unused
    sweeps = {c.name: (c, *sweep_configs(args, c, "--benchmark-sweep")) for c in configs if sweeping}
    results = {}

    def export() -> list[str]:
        from mnist1d_builders.hub import check_export, export

        check_export(args.out, configs, repo_id=args.repo)  # every cheap check, before any training
        if args.benchmark:
            results.update((config.name, _trained(args, config)) for config in configs)
        for name, (config, parameter, _, swept_configs) in sweeps.items():
            results[name] = swept(args, config, parameter, swept_configs)
        measured = {name: entry.to_dict() for name, entry in results.items()}  # the card takes plain data
        return export(args.out, configs, repo_id=args.repo, progress=ProgressBar, results=measured or None)

    checked = export()
    # Printed once the folder is written: a reader that goes away (`| head`) must not cost it.
    for name, measured in results.items():
        print(f"{name}:\n{measured.table()}")
    print(f"wrote {args.out.resolve()}: {', '.join(dict.fromkeys(config.name for config in configs))}")
    for line in checked:
        print(f"  {line}")


def _trained(args: argparse.Namespace, config):
    from mnist1d_core import generate

    data = generate(config, progress=ProgressBar(f"generating {config.name}"))
    return train(args, config, data.train.x, data.train.y, data.test.x, data.test.y)


def _add_publish(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "publish",
        conflict_handler="resolve",
        help="upload the export to the Hub and tag the release",
        description=(
            "Export (as `mnist1d export`) into a temporary folder, upload it to the Hugging Face Hub dataset "
            "repository OWNER/NAME and tag that commit vX.Y.Z. Refuses data that disagrees with the fingerprint "
            "registry, and a tag vX.Y.Z that already holds other files. Needs a token with write access "
            "(HF_TOKEN, or `hf auth login`), except with --dry-run, which prints the plan and uses no network."
        ),
    )
    add_presets_arguments(p)
    p.add_argument("--repo", required=True, metavar="OWNER/NAME", help="the Hub dataset repository")
    p.add_argument("--version", required=True, metavar="X.Y.Z", help="the release, tagged vX.Y.Z")
    p.add_argument("--dry-run", action="store_true", help="print what would be uploaded and tagged; upload nothing")
    p.set_defaults(run=_run_publish)


def _run_publish(args: argparse.Namespace) -> None:
    configs = configs_from_arguments(args)

    from mnist1d_builders.hub import publish

    publish(args.repo, args.version, configs, dry_run=args.dry_run, progress=ProgressBar)


def _add_card(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "card",
        help="render the dataset card of the named presets",
        description=(
            "Render the Hugging Face dataset card of the named presets, with its generated parts (YAML, sizes, "
            "fingerprints). The committed dataset_card.md is its output: mnist1d card --out dataset_card.md --force"
        ),
    )
    p.add_argument("--out", type=file_argument, metavar="FILE", help="write the card here (default: standard output)")
    p.add_argument("--force", action="store_true", help="overwrite an existing output file")
    p.set_defaults(run=_run_card)


def _run_card(args: argparse.Namespace) -> None:
    if args.out is not None:
        check_output_file("--out", args.out, force=args.force)

    from mnist1d_builders.hub import preset_card, write_preset_card

    if args.out is None:
        sys.stdout.write(preset_card())
    else:
        write_preset_card(args.out)
        print(f"wrote {args.out.resolve()}")


COMMANDS = [_add_export, _add_publish, _add_card]
