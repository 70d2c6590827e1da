"""`verify_directory` on a prepared TFDS folder, TFRecord or ArrayRecord: every file a loader
reads is covered, the build's identity is bound, exactly the recorded files, the right file
blamed, one line and exit status 1 for any damage; normal use never fails it."""

import json
import re
import shutil
import subprocess

import numpy as np
import pytest

tfds = pytest.importorskip("tensorflow_datasets")

from mnist1d_builders import verify  # noqa: E402
from mnist1d_builders.integrity import IntegrityError, write_sha256sums  # noqa: E402
from mnist1d_builders.tfds import MNIST1DBuilderConfig, prepare, verify_directory  # noqa: E402
from mnist1d_builders.tfds.mnist1d.mnist1d_dataset_builder import read_batches  # noqa: E402
from mnist1d_cli import main  # noqa: E402
from mnist1d_core import PRESETS, SPLITS, MNIST1DConfig, fingerprint  # noqa: E402

SMALL = MNIST1DConfig(num_samples=300, seed=5)
FORMATS = ["tfrecord", "array_record"]


@pytest.fixture(scope="module", params=FORMATS)
def prepared(request, tmp_path_factory):
    return prepare(SMALL, tmp_path_factory.mktemp("tfds"), file_format=request.param)


@pytest.fixture(scope="module", params=FORMATS)
def canonical(request, tmp_path_factory):
    return prepare(PRESETS["canonical"], tmp_path_factory.mktemp("canonical"), file_format=request.param)


def copy_of(folder, tmp_path):
    """A copy of a build, to damage, at its place: <data_dir>/mnist1d/<config>/<version>."""
    return shutil.copytree(folder, tmp_path / "mnist1d" / folder.parent.name / folder.name)


def shard(folder, split="train"):
    (path,) = folder.glob(f"mnist1d-{split}.*-00000-of-00001")
    return path


def edit_json(path, change):
    content = json.loads(path.read_text())
    change(content)
    path.write_text(json.dumps(content))


def rerecord(folder):
    """SHA256SUMS made again for the folder's files, as someone covering up an edit would."""
    write_sha256sums(folder, [p for p in folder.iterdir() if p.name != "SHA256SUMS"])


def damage_is_named(folder, capsys, *names):
    """`mnist1d verify` exits 1 with one line naming each of ``names``; returns that line."""
    assert main(["verify", str(folder)]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1 and "Traceback" not in captured.err
    for name in names:
        assert str(name) in captured.err, captured.err
    return captured.err


def test_a_sound_build_passes_with_every_file_covered(prepared):
    lines = verify_directory(prepared)
    assert lines == verify.verify_directory(prepared)  # `mnist1d verify` dispatches here for both formats
    names = sorted(p.name for p in prepared.iterdir() if p.name != "SHA256SUMS")
    assert names == sorted(
        [
            "LICENSE",
            "dataset_info.json",
            "features.json",
            "metadata.json",
            shard(prepared).name,
            shard(prepared, "test").name,
        ]
    )
    assert lines[0] == "SHA256SUMS: all 6 files re-hashed and intact"
    assert sorted(line.split()[1] for line in lines[1:7]) == names
    for line, split, n in zip(lines[7:], SPLITS, (240, 60)):
        assert line.startswith(f"{split}: {n} examples of length 40, content fingerprint ")
        assert line.endswith("matches metadata.json (custom-num_samples_300-seed_5 has no registered fingerprint)")
    assert len(lines) == 9
    # The usual tool reads the record too.
    subprocess.run(["sha256sum", "--quiet", "-c", "SHA256SUMS"], cwd=prepared, check=True)


@pytest.mark.parametrize(
    "name, edit",
    [
        ("dataset_info.json", lambda info: info["splits"][0].update(shardLengths=["200"])),
        (
            "features.json",
            lambda features: features["featuresDict"]["features"]["x"]["tensor"]["shape"].update(dimensions=["20"]),
        ),
        ("metadata.json", lambda metadata: metadata["mnist1d_config"].update(seed=6)),
    ],
)
def test_an_edit_to_a_file_the_loaders_read_is_damage(prepared, tmp_path, capsys, name, edit):
    folder = copy_of(prepared, tmp_path)
    edit_json(folder / name, edit)
    message = damage_is_named(folder, capsys, folder / name)
    assert message == (
        f"mnist1d: error: {folder / name}: its SHA-256 differs from the one SHA256SUMS records; "
        f"the file or {folder / 'SHA256SUMS'} is damaged\n"
    )


def test_seed_42_to_43_in_a_presets_metadata_is_damage_even_with_the_checksums_redone(canonical, tmp_path, capsys):
    assert (
        sum(
            line.endswith("matches metadata.json and the registry (canonical)") for line in verify_directory(canonical)
        )
        == 2
    )
    folder = copy_of(canonical, tmp_path)
    edit_json(folder / "metadata.json", lambda metadata: metadata["mnist1d_config"].update(seed=43))
    damage_is_named(folder, capsys, folder / "metadata.json")
    rerecord(folder)  # the registry check cannot be switched off by a name the parameters give
    assert damage_is_named(folder, capsys, folder / "metadata.json") == (
        f"mnist1d: error: {folder / 'metadata.json'}: its parameters are those of 'custom-seed_43', unlike the other "
        "two of metadata.json, dataset_info.json and the folder's place\n"
    )


def test_the_config_name_dataset_info_json_records_is_bound(canonical, tmp_path, capsys):
    folder = copy_of(canonical, tmp_path)
    edit_json(folder / "dataset_info.json", lambda info: info.update(configName="custom-seed_43"))
    rerecord(folder)
    damage_is_named(folder, capsys, folder / "dataset_info.json", "names the config 'custom-seed_43'")


def test_a_build_moved_to_another_config_folder_is_not_that_config(canonical, tmp_path, capsys):
    folder = shutil.copytree(canonical, tmp_path / "mnist1d" / "custom-seed_43" / "1.0.0")
    damage_is_named(folder, capsys, f"{folder}: is the folder of config 'custom-seed_43'")
    elsewhere = shutil.copytree(canonical, tmp_path / "copy")
    damage_is_named(elsewhere, capsys, f"{elsewhere}: is the folder of config '{tmp_path.name}'")


def test_a_presets_content_under_another_name_is_damage(canonical, tmp_path, capsys):
    # Every name changed together, checksums redone: the content still says what it is.
    folder = shutil.copytree(canonical, tmp_path / "mnist1d" / "custom-seed_43" / "1.0.0")
    edit_json(folder / "metadata.json", lambda metadata: metadata["mnist1d_config"].update(seed=43))
    edit_json(folder / "dataset_info.json", lambda info: info.update(configName="custom-seed_43"))
    rerecord(folder)
    assert damage_is_named(folder, capsys, folder / "metadata.json") == (
        f"mnist1d: error: {folder / 'metadata.json'}: the content of train is the registered canonical/train, "
        "but the build says custom-seed_43/train\n"
    )


def test_a_fingerprint_that_disagrees_with_intact_shards_blames_the_record(canonical, tmp_path, capsys):
    folder = copy_of(canonical, tmp_path)
    edit_json(folder / "metadata.json", lambda metadata: metadata["content_fingerprints"].update(test="0" * 64))
    rerecord(folder)
    damage_is_named(
        folder,
        capsys,
        f"{folder / 'metadata.json'}: records the content fingerprint {'0' * 64} for "
        "test, but its shards hold the registered content of canonical/test: metadata.json is damaged",
    )


def test_a_stray_shard_is_damage(prepared, tmp_path, capsys):
    folder = copy_of(prepared, tmp_path)
    stray = folder / shard(folder).name.replace("00000-of-00001", "00001-of-00002")
    shutil.copy(shard(folder), stray)
    damage_is_named(folder, capsys, f"{stray}: a file that SHA256SUMS does not list")


def test_a_flipped_digest_in_sha256sums_blames_sha256sums_not_the_intact_shard(prepared, tmp_path, capsys):
    folder = copy_of(prepared, tmp_path)
    name = shard(folder).name
    sums = (folder / "SHA256SUMS").read_text()
    digest = re.search(rf"^([0-9a-f]{{64}})  {name}$", sums, re.M).group(1)
    (folder / "SHA256SUMS").write_text(
        sums.replace(digest, digest[:10] + ("1" if digest[10] == "0" else "0") + digest[11:])
    )
    assert damage_is_named(folder, capsys, folder / "SHA256SUMS") == (
        f"mnist1d: error: {folder / 'SHA256SUMS'}: the SHA-256 it records for {name} is neither that file's nor the "
        "one metadata.json records; SHA256SUMS is damaged\n"
    )


def test_a_flipped_byte_in_a_shard_blames_the_shard(prepared, tmp_path, capsys):
    folder = copy_of(prepared, tmp_path)
    data = bytearray(shard(folder).read_bytes())
    data[len(data) // 3] ^= 1
    shard(folder).write_bytes(bytes(data))
    assert damage_is_named(folder, capsys, shard(folder)) == (
        f"mnist1d: error: {shard(folder)}: its SHA-256 differs from the one SHA256SUMS and metadata.json record; "
        "the file is damaged\n"
    )


@pytest.mark.parametrize(
    "name, text, message",
    [
        ("dataset_info.json", "{not json", "not a dataset_info.json TFDS can read"),
        ("dataset_info.json", '{"name": "mnist1d"}', "TFDS cannot open the build it describes"),
        ("features.json", "[]", "not a features.json TFDS can read"),
        ("metadata.json", "{not json", "not the metadata of an MNIST-1D build"),
        ("metadata.json", '{"mnist1d_config": {"seed": "x"}}', "not the metadata of an MNIST-1D build"),
    ],
)
def test_invalid_metadata_files_are_one_line_naming_them(prepared, tmp_path, capsys, name, text, message):
    folder = copy_of(prepared, tmp_path)
    (folder / name).write_text(text)
    damage_is_named(folder, capsys, folder / name)  # by its checksum
    rerecord(folder)
    damage_is_named(folder, capsys, message)  # and by its content, without a traceback


def test_edited_shard_lengths_name_dataset_info_json(prepared, tmp_path, capsys):
    folder = copy_of(prepared, tmp_path)
    edit_json(folder / "dataset_info.json", lambda info: info["splits"][0].update(shardLengths=["200"]))
    rerecord(folder)
    assert damage_is_named(folder, capsys, folder / "dataset_info.json") == (
        f"mnist1d: error: {folder / 'dataset_info.json'}: split train does not have the 240 examples of "
        "'custom-num_samples_300-seed_5'\n"
    )


def test_a_malformed_sha256sums_is_named(prepared, tmp_path, capsys):
    folder = copy_of(prepared, tmp_path)
    (folder / "SHA256SUMS").write_text("not a checksum line\n")
    damage_is_named(folder, capsys, f"{folder / 'SHA256SUMS'}: line 1 is not")


def loaded_fingerprints(folder, file_format):
    """Each split's fingerprint as TFDS's own loader returns it."""
    builder = tfds.builder_from_directory(folder)
    found = {}
    for split in SPLITS:
        if file_format == "tfrecord":
            data = tfds.as_numpy(builder.as_dataset(split=split, batch_size=-1))
        else:
            data = next(read_batches(builder.as_data_source(split), batch_size=10**6))
        found[split] = fingerprint(data["x"], data["y"])
    return found


def test_no_flipped_byte_anywhere_is_called_intact_unless_it_loads_the_same(prepared, tmp_path):
    # Every file of the folder, a byte flipped at several places: verify names that file (or
    # SHA256SUMS), or TFDS's loader still returns exactly the recorded content.
    file_format = json.loads((prepared / "dataset_info.json").read_text())["fileFormat"]
    recorded = json.loads((prepared / "metadata.json").read_text())["content_fingerprints"]
    for path in sorted(prepared.iterdir()):
        size = path.stat().st_size
        for position in sorted({0, 1, 64 % size, size // 3, size // 2, size - 2, size - 1}):
            folder = copy_of(prepared, tmp_path / f"{path.name}-{position}")
            data = bytearray((folder / path.name).read_bytes())
            data[position] ^= 0x01
            (folder / path.name).write_bytes(bytes(data))
            try:
                verify_directory(folder)
            except IntegrityError as error:
                assert str(folder / path.name) in str(error) or "SHA256SUMS" in str(error), (
                    path.name,
                    position,
                    error,
                )
            else:
                assert loaded_fingerprints(folder, file_format) == recorded, (path.name, position)


def test_normal_use_never_makes_an_intact_build_fail(prepared, tmp_path):
    folder = copy_of(prepared, tmp_path)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    file_format = json.loads((folder / "dataset_info.json").read_text())["fileFormat"]
    kwargs = {"config": MNIST1DBuilderConfig(SMALL)}
    for split in SPLITS:
        loaded = tfds.load("mnist1d", split=split, data_dir=tmp_path, builder_kwargs=kwargs)
        frame = tfds.as_dataframe(loaded.take(5))
        assert len(frame) == 5 and list(frame.columns) == ["x", "y"]
        x, y = tfds.as_numpy(
            tfds.load(
                "mnist1d", split=split, data_dir=tmp_path, builder_kwargs=kwargs, batch_size=-1, as_supervised=True
            )
        )
        assert fingerprint(x, y) == json.loads((folder / "metadata.json").read_text())["content_fingerprints"][split]
    builder = tfds.builder_from_directory(folder)
    if file_format == "array_record":
        source = tfds.data_source("mnist1d", split="train", data_dir=tmp_path, builder_kwargs=kwargs)
        assert source[3]["x"].shape == (40,) and len(builder.as_data_source("test")) == 60
    else:
        assert len(list(builder.as_dataset(split="test"))) == 60
    tfds.builder("mnist1d", data_dir=tmp_path, config=MNIST1DBuilderConfig(SMALL)).download_and_prepare()  # reused
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before
    assert verify_directory(folder)[0] == "SHA256SUMS: all 6 files re-hashed and intact"
    assert np.isfinite(frame["x"].iloc[0]).all()
