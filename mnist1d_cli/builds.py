"""``mnist1d build`` and ``verify``: a framework's build of the data, and its checks.

Frameworks are imported only when a command runs, so ``mnist1d --help`` stays fast and
works without the extras.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path

from .errors import UsageError, one_line
from .options import add_config_arguments, check_output_folder, config_from_arguments, path_argument


def _add_build(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "build",
        help="build the dataset for Hugging Face datasets or TFDS, with checksums",
        description=(
            "Generate MNIST-1D (a preset, or custom parameters) and write it with a framework's builder: "
            "Arrow shards in the Hugging Face datasets cache (hf) or a TensorFlow Datasets folder (tfds: TFRecord, "
            "or ArrayRecord for tfds.data_source with --file-format array_record). "
            "The build's MANIFEST.json records its parameters, every file's SHA-256 and each split's content "
            "fingerprint (a preset's must match the registry); it is then re-verified, and the command prints "
            "where the dataset is and what was checked. An existing build of the same config is reused if "
            "intact; a damaged one is reported (exit status 1) and rebuilt with --force; one that the framework "
            "made itself (load_dataset, tfds.load), which has no record, is rebuilt with one. What an "
            "interrupted build left is removed."
        ),
    )
    p.add_argument(
        "--framework",
        choices=("hf", "tfds"),
        default="hf",
        help="hf: Hugging Face datasets (default); tfds: TensorFlow Datasets",
    )
    p.add_argument(
        "--file-format",
        choices=("tfrecord", "array_record"),
        help="tfds only: tfrecord (default) or array_record (random access with tfds.data_source); "
        "not parquet, which TFDS 4.9.10 writes with rows silently dropped",
    )
    add_config_arguments(p)
    p.add_argument(
        "--data-dir",
        type=path_argument,
        metavar="DIR",
        help="root folder (default: the framework's: $HF_DATASETS_CACHE or ~/tensorflow_datasets)",
    )
    p.add_argument(
        "--num-proc",
        type=int,
        metavar="N",
        help="hf only: processes that share the sharded algorithm's blocks (default: 1)",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="rebuild even if a build exists (a damaged one, say): the new one replaces it in one step when complete",
    )
    p.set_defaults(run=_run_build)


def _run_build(args: argparse.Namespace) -> None:
    config = config_from_arguments(args)  # bad parameters stop here, before any work
    if args.file_format and args.framework != "tfds":
        raise UsageError(f"--file-format {args.file_format} is for --framework tfds, not {args.framework}")
    if args.framework != "hf" and args.num_proc is not None:
        raise UsageError(f"--num-proc is for --framework hf, not {args.framework}")
    if args.num_proc is not None and args.num_proc < 1:
        raise UsageError(f"--num-proc must be at least 1, got {args.num_proc}")
    if args.data_dir is not None:
        check_output_folder("--data-dir", args.data_dir)

    def build() -> tuple[Path, list[str]]:
        from mnist1d_builders.record.manifest import IntegrityError, LegacyBuild
        from mnist1d_builders.record.verify import verify_directory

        with contextlib.redirect_stdout(sys.stderr):  # the frameworks' chatter: stdout is the result
            if args.framework == "hf":
                from mnist1d_builders.hf import prepare

                kwargs = {"num_proc": args.num_proc}
            else:
                from mnist1d_builders.tfds import prepare

                kwargs = {"file_format": args.file_format or "tfrecord"}
            try:
                path = prepare(config, args.data_dir, force=args.force, **kwargs)
                if not path.is_dir():  # verify would judge a file there as a pickle or an .npz
                    raise IntegrityError(f"{path}: not a folder, where the build's folder belongs")
                return path, verify_directory(path, "datasets" if args.framework == "hf" else None)
            except IntegrityError as error:  # an existing build, found damaged
                if args.force or isinstance(error, LegacyBuild):
                    raise
                raise IntegrityError(f"{error}; the existing build is damaged: rebuild it with --force") from None

    path, checked = build()
    print(f"{config.name} ({args.framework}): {path}")
    for line in checked:
        print(f"  {one_line(line)}")


def _add_verify(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "verify",
        help="re-check a build, an export, a folder of builds or an .npz against its record",
        description=(
            "Re-hash the files of a build folder (of `mnist1d build`, or of the builders) or an export against "
            "their MANIFEST.json (any other file is damage, but those the frameworks write in normal use, "
            "which are listed as ignored, with the reason; a symlink or a FIFO is damage), check that the "
            "recorded parameters and config name agree, and re-read the content against the recorded "
            "fingerprints and, for a preset, the registry. A folder holding builds (a --data-dir) has each "
            "verified and listed; an .npz of `mnist1d generate` has its fingerprints re-derived and looked up "
            "in the registry. Exit status 0 and what was checked if intact; 1 and one line naming the "
            "damaged file if not; 2 for a path that holds nothing verify accepts."
        ),
    )
    p.add_argument(
        "dir",
        type=path_argument,
        metavar="DIR",
        help="the folder holding the shards, as `mnist1d build` prints it (or an export folder, a folder "
        "holding builds, an .npz of `mnist1d generate`, or a copy of the authors' mnist1d_data.pkl)",
    )
    p.set_defaults(run=_run_verify)


def _run_verify(args: argparse.Namespace) -> None:
    if not args.dir.exists():
        raise UsageError(f"{str(args.dir)!r}: no such folder or file")
    if not (args.dir.is_dir() or args.dir.is_file()):
        raise UsageError(f"{str(args.dir)!r}: a device, a FIFO or a socket, not a dataset folder or file")

    from mnist1d_builders.record.verify import verify_directory

    checked = verify_directory(args.dir)
    print(f"{args.dir}: intact")
    for line in checked:
        print(f"  {one_line(line)}")


COMMANDS = [_add_build, _add_verify]
