"""TFDS with the sharded algorithm: blocks written as they are made, and on Apache Beam
(`tfds build --beam_pipeline_options=...`) with the same content as the plain build, in
TFRecord and ArrayRecord."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

tfds = pytest.importorskip("tensorflow_datasets")
beam = pytest.importorskip("apache_beam")

from mnist1d_builders.tfds import Builder, MNIST1DBuilderConfig, prepare, verify_directory  # noqa: E402
from mnist1d_builders.tfds.mnist1d.mnist1d_dataset_builder import read_batches  # noqa: E402
from mnist1d_builders.tfds.verify import UnrecordedBuild  # noqa: E402
from mnist1d_core import MNIST1DConfig, fingerprint, generate  # noqa: E402

SHARDED = MNIST1DConfig(num_samples=3000, seed=5, algorithm="sharded")  # 3 train blocks, 1 test block
BEAM_OPTIONS = "runner=DirectRunner,direct_num_workers=2,direct_running_mode=multi_processing"
FORMATS = ["tfrecord", "array_record"]


def core_fingerprints(config):
    data = generate(config)
    return {split: fingerprint(data.split(split).x, data.split(split).y) for split in ("train", "test")}


def recorded(folder: Path) -> dict:
    splits = json.loads((folder / "MANIFEST.json").read_text())["splits"]
    return {split: record["fingerprint"] for split, record in splits.items()}


def loaded(folder: Path) -> dict:
    """Each split's fingerprint as TFDS's loader reads it back from the shards."""
    builder = tfds.builder_from_directory(folder)
    found = {}
    for split in ("train", "test"):
        if builder.info.file_format == tfds.core.FileFormat.ARRAY_RECORD:
            data = next(read_batches(builder.as_data_source(split), batch_size=10**6))
        else:
            data = tfds.as_numpy(builder.as_dataset(split=split, batch_size=-1))
        found[split] = fingerprint(data["x"], data["y"])
    return found


#: TFDS's own command line, as its console script runs it (the script may not be on PATH).
TFDS_CLI = [
    sys.executable,
    "-c",
    "import sys; from importlib.metadata import entry_points; "
    "(cli,) = entry_points(group='console_scripts', name='tfds'); sys.argv[0] = 'tfds'; sys.exit(cli.load()())",
]


@pytest.mark.parametrize("file_format", FORMATS)
def test_plain_build_writes_the_cores_blocks_in_order(tmp_path, file_format):
    folder = prepare(SHARDED, tmp_path, file_format=file_format)
    assert recorded(folder) == core_fingerprints(SHARDED)
    assert sorted(p.name for p in folder.glob(f"*.{file_format}*")) == [
        f"mnist1d-{split}.{file_format}-00000-of-00001" for split in ("test", "train")
    ]
    assert all("re-read from" in line for line in verify_directory(folder)[-3:-1])  # content re-read from the shards


def test_beam_multiprocessing_gives_the_plain_builds_content(tmp_path):
    plain = prepare(SHARDED, tmp_path / "plain")
    builder = Builder(config=MNIST1DBuilderConfig(SHARDED), data_dir=tmp_path / "beam")
    options = beam.options.pipeline_options.PipelineOptions(["--" + option for option in BEAM_OPTIONS.split(",")])
    builder.download_and_prepare(download_config=tfds.download.DownloadConfig(beam_options=options))
    folder = Path(builder.data_dir)
    assert loaded(folder) == recorded(plain) == core_fingerprints(SHARDED)  # the shards Beam wrote
    with pytest.raises(UnrecordedBuild):  # TFDS's own entry point keeps no record
        verify_directory(folder)


def test_tfds_build_command_on_beam_with_a_custom_config_as_array_record(tmp_path):
    # The README's commands: a custom variant as a JSON config, written by two Beam workers,
    # as ArrayRecord (TFRecord on Beam: the test above).
    config = json.dumps({"num_samples": 3000, "seed": 5, "algorithm": "sharded"})
    subprocess.run(
        [
            *TFDS_CLI,
            "build",
            "--imports",
            "mnist1d_builders.tfds",
            "mnist1d",
            "--config",
            config,
            "--data_dir",
            tmp_path,
            f"--beam_pipeline_options={BEAM_OPTIONS}",
            "--file_format",
            "array_record",
        ],
        check=True,
        capture_output=True,
    )
    folder = tmp_path / "mnist1d" / SHARDED.name / "1.0.0"
    assert sorted(p.name for p in folder.glob("mnist1d-*")) == [
        f"mnist1d-{split}.array_record-00000-of-00001" for split in ("test", "train")
    ]
    assert loaded(folder) == core_fingerprints(SHARDED)
    # `mnist1d build` builds it again, with its record, in its place.
    assert prepare(SHARDED, tmp_path, file_format="array_record") == folder
    assert recorded(folder) == core_fingerprints(SHARDED)
    verify_directory(folder)
