"""One entry point for checking any MNIST-1D dataset folder against its checksums.

The format is recognised by the shards' file names, and that format's verifier does the
work: ``datasets`` Arrow builds (``mnist1d_builders.hf.verify``), TFDS builds
(``mnist1d_builders.tfds.verify``) and Hub exports (``mnist1d_builders.hub.verify``).
Each verifier is imported only when needed, so checking a ``datasets`` build never
loads TensorFlow.
"""

from __future__ import annotations

from pathlib import Path

from .integrity import IntegrityError


def verify_directory(directory: Path) -> list[str]:
    """Check a built dataset folder (``datasets`` Arrow, TFDS TFRecord or ArrayRecord), an
    export (``mnist1d export``: Parquet), or a copy of the authors' frozen ``mnist1d_data.pkl``.

    Returns one line per thing checked; raises :class:`IntegrityError` naming the
    damaged file. The format is recognised by its files' names.
    """
    directory = Path(directory)
    if directory.is_file():
        return _verify_frozen_pickle(directory)
    if not directory.is_dir():
        raise IntegrityError(f"{directory}: not a folder")
    # By each format's own files, most specific first: an export also holds a dataset card
    # beside its config folders, and a stray *.arrow in it must not make it look like a build.
    if (directory / "README.md").is_file() and any(directory.glob("*/*.parquet")):
        from .hub.verify import verify_export as verify
    elif any(directory.glob("mnist1d-*.tfrecord*")) or any(directory.glob("mnist1d-*.array_record*")):
        from .tfds.verify import verify_directory as verify
    elif any(directory.glob("*.arrow")):
        from .hf.verify import verify_directory as verify
    elif any(directory.glob("*/*.parquet")):
        from .hub.verify import verify_export as verify
    else:
        raise IntegrityError(
            f"{directory}: no Arrow, TFRecord, ArrayRecord or Parquet shards found; "
            "is it a built or exported MNIST-1D dataset folder?"
        )
    return verify(directory)


def _verify_frozen_pickle(path: Path) -> list[str]:
    from mnist1d_core.compat.frozen import FrozenPickleError, verify_frozen_pickle

    try:
        return verify_frozen_pickle(path)
    except FrozenPickleError as error:
        raise IntegrityError(str(error)) from None
