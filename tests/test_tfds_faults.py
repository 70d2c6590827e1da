"""A disk that fills up while TFDS writes: one line naming the build, no traceback."""

import errno

import pytest
import tensorflow_datasets as tfds

from mnist1d_builders.tfds import prepare
from mnist1d_cli import main
from mnist1d_core import MNIST1DConfig

# What TFDS 4.9.10's writers raised on a full 300 KB tmpfs (both formats), shortened.
TFRECORD_FULL = (
    'ResourceExhaustedError: Failed to finalize writing of split "train": {folder}/incomplete.7LZ334_1.0.0/'
    "mnist1d-train.tfrecord-00000-of-00001; No space left on device"
)
ARRAY_RECORD_FULL = (
    'Failed to finalize writing of split "train": write() failed: No space left on device; writing '
    "{folder}/incomplete.ZIGTOR_1.0.0/mnist1d-train.array_record-00000-of-00001; at byte 303104"
)


@pytest.mark.parametrize("text", [TFRECORD_FULL, ARRAY_RECORD_FULL])
def test_a_full_disk_while_writing_is_one_line_naming_the_build(tmp_path, capsys, monkeypatch, text):
    folder = tmp_path / "mnist1d" / "custom-num_samples_100" / "1.0.0"

    def full(self, **kwargs):
        raise RuntimeError(text.format(folder=folder.parent))

    monkeypatch.setattr(tfds.core.GeneratorBasedBuilder, "download_and_prepare", full)
    with pytest.raises(OSError) as error:
        prepare(MNIST1DConfig(num_samples=100), tmp_path)
    assert (error.value.errno, error.value.filename) == (errno.ENOSPC, str(folder))
    assert main(["build", "--framework", "tfds", "--num-samples", "100", "--data-dir", str(tmp_path)]) == 1
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"mnist1d: error: {folder}: no space left on device; free some space and run the command again: "
        "it removes what this run left"
    )


def test_other_runtime_errors_are_not_mistaken_for_faults(tmp_path, monkeypatch):
    def broken(self, **kwargs):
        raise RuntimeError("something else")

    monkeypatch.setattr(tfds.core.GeneratorBasedBuilder, "download_and_prepare", broken)
    with pytest.raises(RuntimeError, match="something else"):
        prepare(MNIST1DConfig(num_samples=100), tmp_path)


def test_datasets_and_tfds_builds_never_share_a_folder(tmp_path, capsys):
    # Both frameworks keep a build under <dir>/mnist1d/<config>/<version>: one would take the
    # other's place (and --force would delete it). Each refuses the other's folder, naming it.
    version = tmp_path / "{}" / "mnist1d" / "custom-num_samples_100" / "1.0.0"
    for first, second, message in [
        (
            "hf",
            "tfds",
            "holds a datasets build of custom-num_samples_100; a TFDS build "
            "there would take its place: give TFDS a data dir of its own",
        ),
        (
            "tfds",
            "hf",
            "holds a TFDS build of custom-num_samples_100; the datasets build "
            "would go inside it: give datasets a data dir (cache_dir) of its own",
        ),
    ]:
        data_dir = tmp_path / first
        assert main(["build", "--framework", first, "--num-samples", "100", "--data-dir", str(data_dir)]) == 0
        built = contents(data_dir)
        capsys.readouterr()
        for force in ([], ["--force"]):
            assert (
                main(["build", "--framework", second, "--num-samples", "100", "--data-dir", str(data_dir), *force])
                == 2
            )
            assert (
                capsys.readouterr().err.splitlines()[-1] == f"mnist1d: error: {str(version).format(first)} {message}"
            )
        assert contents(data_dir) == built
        record = next(p for p in data_dir.rglob("*") if p.name in ("MANIFEST.json", "SHA256SUMS"))
        assert main(["verify", str(record.parent)]) == 0


def contents(folder):
    """What a folder holds, but for lock files (datasets makes its own as it starts)."""
    return sorted(p.relative_to(folder) for p in folder.rglob("*") if not p.name.endswith(".lock"))
