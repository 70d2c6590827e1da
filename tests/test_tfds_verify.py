"""`verify_directory` on a prepared TFDS folder, TFRecord or ArrayRecord: what it checks,
and damage it names."""

import json
import shutil

import pytest

tfds = pytest.importorskip("tensorflow_datasets")

from mnist1d_builders import verify  # noqa: E402
from mnist1d_builders.integrity import IntegrityError  # noqa: E402
from mnist1d_builders.tfds import prepare, verify_directory  # noqa: E402
from mnist1d_core import MNIST1DConfig  # noqa: E402


@pytest.fixture(scope="module", params=["tfrecord", "array_record"])
def prepared(request, tmp_path_factory):
    return prepare(MNIST1DConfig(num_samples=300, seed=5), tmp_path_factory.mktemp("tfds"), file_format=request.param)


@pytest.fixture
def shard(prepared):
    """The name of the train shard, in the folder's format."""
    return f"mnist1d-train.{json.loads((prepared / 'dataset_info.json').read_text())['fileFormat']}-00000-of-00001"


@pytest.fixture
def copy(prepared, tmp_path):
    """A copy of the prepared folder, to damage."""
    return shutil.copytree(prepared, tmp_path / "copy")


def test_a_sound_folder_passes_every_check(prepared, shard):
    lines = verify_directory(prepared)
    assert lines == verify.verify_directory(prepared)  # `mnist1d verify` dispatches here for both formats
    assert lines[0] == "metadata.json: all 2 shards re-hashed and intact"
    assert sorted(line.split()[1] for line in lines[1:3]) == [shard.replace("train", "test"), shard]
    for line, split, n in zip(lines[3:], ("train", "test"), (240, 60)):
        assert line.startswith(f"{split}: {n} examples of length 40, content fingerprint ")
        assert line.endswith("matches metadata.json (custom-num_samples_300-seed_5 has no registered fingerprint)")
    assert len(lines) == 5


def test_a_flipped_byte_in_a_shard_is_named(copy, shard):
    data = bytearray((copy / shard).read_bytes())
    data[len(data) // 2] ^= 1
    (copy / shard).write_bytes(bytes(data))
    with pytest.raises(IntegrityError, match=f"{shard}: SHA-256 differs"):
        verify_directory(copy)


def test_a_missing_shard_is_named(copy, shard):
    (copy / shard).unlink()
    with pytest.raises(IntegrityError, match=f"{shard}: listed in metadata.json but missing"):
        verify_directory(copy)


def test_content_that_disagrees_with_its_recorded_fingerprint_is_named(copy, shard):
    metadata = json.loads((copy / "metadata.json").read_text())
    metadata["content_fingerprints"]["train"] = "0" * 64
    (copy / "metadata.json").write_text(json.dumps(metadata))
    with pytest.raises(IntegrityError, match=f"{shard}: content fingerprint .* of split train differs"):
        verify_directory(copy)


def test_a_folder_without_metadata_is_refused(copy):
    (copy / "metadata.json").unlink()
    with pytest.raises(IntegrityError, match="metadata.json: missing"):
        verify_directory(copy)


def test_a_folder_claiming_to_be_a_preset_is_checked_against_the_registry(copy, shard):
    metadata = json.loads((copy / "metadata.json").read_text())
    metadata["mnist1d_config"] = MNIST1DConfig().to_dict()  # canonical's parameters, not this content's
    (copy / "metadata.json").write_text(json.dumps(metadata))
    with pytest.raises(IntegrityError, match=f"{shard}: canonical/train: content fingerprint .* registered"):
        verify_directory(copy)


def test_fingerprints_must_cover_every_split(copy):
    metadata = json.loads((copy / "metadata.json").read_text())
    del metadata["content_fingerprints"]["test"]
    (copy / "metadata.json").write_text(json.dumps(metadata))
    with pytest.raises(IntegrityError, match=r"metadata.json: fingerprints recorded for splits \['train'\]"):
        verify_directory(copy)
