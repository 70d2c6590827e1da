"""`verify_directory` on a prepared TFDS folder, TFRecord or ArrayRecord, against its MANIFEST.json:
every file a loader reads is covered, the build's identity is bound, exactly the recorded
files, the right file blamed, one line and exit status 1 for any damage; every record read
with bounds; a folder `tfds convert_format` extended verifies; normal use never fails it."""

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys

import numpy as np
import pytest

tfds = pytest.importorskip("tensorflow_datasets")

from mnist1d_builders.record import verify  # noqa: E402
from mnist1d_builders.record.manifest import IntegrityError, LegacyBuild  # noqa: E402
from mnist1d_builders.tfds import MNIST1DBuilderConfig, prepare, verify_directory  # noqa: E402
from mnist1d_builders.tfds.mnist1d.mnist1d_dataset_builder import read_batches  # noqa: E402
from mnist1d_builders.tfds.verify import UnrecordedBuild  # noqa: E402
from mnist1d_cli import main  # noqa: E402
from mnist1d_core import PRESETS, SPLITS, MNIST1DConfig, fingerprint  # noqa: E402

SMALL = MNIST1DConfig(num_samples=300, seed=5)
FORMATS = ["tfrecord", "array_record"]
RECORDS = ["MANIFEST.json", "dataset_info.json", "features.json", "metadata.json"]
#: TFDS's own command line, as its console script runs it (the script may not be on PATH).
TFDS_CLI = [
    sys.executable,
    "-c",
    "import sys; from importlib.metadata import entry_points; "
    "(cli,) = entry_points(group='console_scripts', name='tfds'); sys.argv[0] = 'tfds'; sys.exit(cli.load()())",
]


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
    """MANIFEST.json's SHA-256s made again for the folder's files, as someone covering up an edit would."""
    edit_json(
        folder / "MANIFEST.json",
        lambda manifest: manifest.update(
            files={
                p.name: hashlib.sha256(p.read_bytes()).hexdigest()
                for p in folder.iterdir()
                if p.name != "MANIFEST.json" and p.is_file()
            }
        ),
    )


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
    names = sorted(p.name for p in prepared.iterdir() if p.name != "MANIFEST.json")
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
    assert lines[0] == "MANIFEST.json: all 6 files re-hashed and intact"
    assert sorted(line.split()[1] for line in lines[1:7]) == names
    assert lines[7].startswith("dataset_info.json: mnist1d/custom-num_samples_300-seed_5/1.0.0 as ")
    for line, split, n in zip(lines[8:], SPLITS, (240, 60)):
        assert line.startswith(f"{split}: {n} examples of length 40, content fingerprint ")
        assert line.endswith("matches MANIFEST.json (custom-num_samples_300-seed_5 has no registered fingerprint)")
    assert lines[10].startswith("t: ") and len(lines) == 11
    # The record is plain JSON: hashlib alone checks it.
    manifest = json.loads((prepared / "MANIFEST.json").read_text())
    assert manifest["files"] == {name: hashlib.sha256((prepared / name).read_bytes()).hexdigest() for name in names}


@pytest.mark.parametrize(
    "name, edit",
    [
        ("dataset_info.json", lambda info: info["splits"][0].update(shardLengths=["200"])),
        (
            "features.json",
            lambda features: features["featuresDict"]["features"]["x"]["tensor"]["shape"].update(dimensions=["20"]),
        ),
        ("metadata.json", lambda metadata: metadata["t"].__setitem__(0, 1.0)),
    ],
)
def test_an_edit_to_a_file_the_loaders_read_is_damage(prepared, tmp_path, capsys, name, edit):
    folder = copy_of(prepared, tmp_path)
    edit_json(folder / name, edit)
    assert damage_is_named(folder, capsys, folder / name) == (
        f"mnist1d: error: {folder / name}: its SHA-256 differs from the one MANIFEST.json records; the file or "
        "MANIFEST.json is damaged\n"
    )


def test_seed_42_to_43_in_a_presets_manifest_is_damage(canonical, tmp_path, capsys):
    assert (
        sum(
            line.endswith("matches MANIFEST.json and the registry (canonical)") for line in verify_directory(canonical)
        )
        == 2
    )
    folder = copy_of(canonical, tmp_path)
    edit_json(folder / "MANIFEST.json", lambda manifest: manifest["parameters"].update(seed=43))
    damage_is_named(folder, capsys, folder / "MANIFEST.json", "not a valid MANIFEST.json")
    # With the config's name changed to match: the registry check cannot be switched off by a name.
    edit_json(folder / "MANIFEST.json", lambda manifest: manifest.update(config="custom-seed_43"))
    assert damage_is_named(folder, capsys, folder / "MANIFEST.json") == (
        f"mnist1d: error: {folder / 'MANIFEST.json'}: its parameters are those of 'custom-seed_43', unlike the other "
        "two of MANIFEST.json, dataset_info.json and the folder's place\n"
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
    edit_json(folder / "MANIFEST.json", lambda manifest: manifest["parameters"].update(seed=43))
    edit_json(folder / "MANIFEST.json", lambda manifest: manifest.update(config="custom-seed_43"))
    edit_json(folder / "dataset_info.json", lambda info: info.update(configName="custom-seed_43"))
    rerecord(folder)
    message = damage_is_named(folder, capsys, shard(folder))
    assert message.endswith(
        "hold the registered content of canonical/train, but MANIFEST.json says custom-seed_43/train; "
        "a preset's data must carry its name\n"
    )


def test_a_fingerprint_that_disagrees_with_intact_shards_blames_the_record(canonical, tmp_path, capsys):
    folder = copy_of(canonical, tmp_path)
    edit_json(folder / "MANIFEST.json", lambda manifest: manifest["splits"]["test"].update(fingerprint="0" * 64))
    message = damage_is_named(folder, capsys, folder / "MANIFEST.json")
    assert message.endswith("but its shards hold the registered content of canonical/test: MANIFEST.json is damaged\n")


def test_a_stray_shard_is_damage(prepared, tmp_path, capsys):
    folder = copy_of(prepared, tmp_path)
    stray = folder / shard(folder).name.replace("00000-of-00001", "00001-of-00002")
    shutil.copy(shard(folder), stray)
    damage_is_named(folder, capsys, f"{stray}: a file that MANIFEST.json does not list")


def test_a_flipped_digest_in_the_manifest_blames_the_manifest_not_the_intact_shard(prepared, tmp_path, capsys):
    folder = copy_of(prepared, tmp_path)
    name = shard(folder).name
    digest = json.loads((folder / "MANIFEST.json").read_text())["files"][name]
    flipped = digest[:10] + ("1" if digest[10] == "0" else "0") + digest[11:]
    edit_json(folder / "MANIFEST.json", lambda manifest: manifest["files"].update({name: flipped}))
    assert damage_is_named(folder, capsys, folder / "MANIFEST.json").startswith(
        f"mnist1d: error: {folder / 'MANIFEST.json'}: the SHA-256 it records for {name} is not the file's, yet train "
        "still has the recorded content: MANIFEST.json is damaged"
    )


def test_a_flipped_byte_in_a_shard_blames_the_shard(prepared, tmp_path, capsys):
    folder = copy_of(prepared, tmp_path)
    data = bytearray(shard(folder).read_bytes())
    data[len(data) // 3] ^= 1
    shard(folder).write_bytes(bytes(data))
    assert damage_is_named(folder, capsys, shard(folder)).startswith(
        f"mnist1d: error: {shard(folder)}: damaged: its SHA-256 differs from the one MANIFEST.json records"
    )


@pytest.mark.parametrize(
    "name, text, message",
    [
        ("dataset_info.json", "{not json", "not JSON (Expecting "),
        ("dataset_info.json", '{"name": "mnist1d"}', "TFDS cannot open the build it describes"),
        ("features.json", "[]", "not a JSON object"),
        ("metadata.json", "{not json", "not JSON (Expecting "),
    ],
)
def test_invalid_metadata_files_are_one_line_naming_them(prepared, tmp_path, capsys, name, text, message):
    folder = copy_of(prepared, tmp_path)
    (folder / name).write_text(text)
    damage_is_named(folder, capsys, folder / name)  # by its checksum
    rerecord(folder)
    damage_is_named(folder, capsys, folder / name, message)  # and by its content, without a traceback


def test_edited_shard_lengths_name_dataset_info_json(prepared, tmp_path, capsys):
    folder = copy_of(prepared, tmp_path)
    edit_json(folder / "dataset_info.json", lambda info: info["splits"][0].update(shardLengths=["200"]))
    rerecord(folder)
    assert damage_is_named(folder, capsys, folder / "dataset_info.json") == (
        f"mnist1d: error: {folder / 'dataset_info.json'}: split train does not have the 240 examples of "
        "'custom-num_samples_300-seed_5'\n"
    )


def test_a_malformed_manifest_is_named(prepared, tmp_path, capsys):
    folder = copy_of(prepared, tmp_path)
    (folder / "MANIFEST.json").write_text("not a manifest\n")
    damage_is_named(folder, capsys, f"{folder / 'MANIFEST.json'}: not JSON (Expecting ")


class Slow(Exception):
    pass


def bounded(function, seconds=60):
    """``function()``, failing the test if it takes longer than ``seconds`` (a read that hangs)."""

    def alarm(signum, frame):
        raise Slow(f"no answer in {seconds} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(seconds)
    try:
        return function()
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def make_fifo(path, tmp_path):
    path.unlink()
    os.mkfifo(path)


def make_symlink_out(path, tmp_path):
    outside = tmp_path / f"outside-{path.name}"
    shutil.copy(path, outside)
    path.unlink()
    path.symlink_to(outside)


def make_huge(path, tmp_path):
    with open(path, "r+b") as f:  # a valid start, then more than any record may hold
        f.seek(0, 2)
        f.write(b" " * (9 * 2**20))


def make_deep(path, tmp_path):
    path.write_text("[" * 100_000 + "]" * 100_000)


@pytest.mark.parametrize("record", RECORDS)
@pytest.mark.parametrize("attack", [make_fifo, make_symlink_out, make_huge, make_deep])
def test_every_record_as_a_fifo_a_symlink_out_a_huge_file_or_deep_nesting_is_named_in_bounded_time(
    prepared, tmp_path, record, attack
):
    folder = copy_of(prepared, tmp_path)
    attack(folder / record, tmp_path)
    if attack in (make_huge, make_deep) and record != "MANIFEST.json":
        rerecord(folder)  # covered up: only reading the record itself can tell
    with pytest.raises(IntegrityError) as error:
        bounded(lambda: verify_directory(folder))
    assert str(error.value).startswith(f"{folder / record}: ") and len(str(error.value)) < 400


def test_a_file_that_cannot_be_read_is_a_fault_naming_it_not_damage(prepared, tmp_path, capsys, monkeypatch):
    folder = copy_of(prepared, tmp_path)
    target = folder / "dataset_info.json"
    real_open = os.open

    def denied(path, *args, **kwargs):  # as chmod 000 does (tests may run as root, for whom it does not)
        if os.fspath(path) == str(target):
            raise PermissionError(13, "Permission denied", str(target))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", denied)
    with pytest.raises(PermissionError) as error:
        verify_directory(folder)
    assert error.value.filename == str(target)
    assert main(["verify", str(folder)]) == 1
    stderr = capsys.readouterr().err
    assert str(target) in stderr and "ermission denied" in stderr and "damaged" not in stderr


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


def recorded_fingerprints(folder):
    return {
        split: record["fingerprint"]
        for split, record in json.loads((folder / "MANIFEST.json").read_text())["splits"].items()
    }


def test_no_flipped_byte_anywhere_is_called_intact_unless_it_loads_the_same(prepared, tmp_path):
    # Every file of the folder, a byte flipped at several places: verify names that file (or
    # MANIFEST.json), or TFDS's loader still returns exactly the recorded content.
    file_format = json.loads((prepared / "dataset_info.json").read_text())["fileFormat"]
    recorded = recorded_fingerprints(prepared)
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
                assert str(folder / path.name) in str(error) or "MANIFEST.json" in str(error), (
                    path.name,
                    position,
                    error,
                )
            else:
                assert loaded_fingerprints(folder, file_format) == recorded, (path.name, position)


def run_tfds_cli(*args):
    subprocess.run([*TFDS_CLI, *map(str, args)], check=True, capture_output=True)


def test_a_folder_tfds_convert_format_extended_verifies_with_both_formats_checked(tmp_path, capsys):
    built = prepare(SMALL, tmp_path / "data")  # TFRecord
    run_tfds_cli("convert_format", f"--dataset_version_dir={built}", "--out_file_format=array_record")
    lines = verify_directory(built)
    added = sorted(p.name for p in built.glob("*.array_record-*"))
    assert added == [f"mnist1d-{split}.array_record-00000-of-00001" for split in ("test", "train")]
    assert lines[0].startswith("MANIFEST.json: 5 files re-hashed and intact; dataset_info.json: rewritten by tfds")
    recorded = recorded_fingerprints(built)
    for file_format in FORMATS:  # each split, from each format's shards
        for split in SPLITS:
            (line,) = [line for line in lines if line.startswith(f"{split}: ") and f".{file_format}-" in line]
            assert recorded[split] in line and "matches MANIFEST.json" in line
    # Both loaders read it: tfds.load the TFRecord shards, a data source the ArrayRecord ones (through
    # builder_from_directory: TFDS 4.9.10's registered builders drop alternativeFileFormats on reading).
    kwargs = {"config": MNIST1DBuilderConfig(SMALL)}
    assert len(tfds.builder_from_directory(built).as_data_source("test")) == 60
    assert len(tfds.load("mnist1d", split="test", data_dir=tmp_path / "data", builder_kwargs=kwargs)) == 60
    # A damaged added shard, or an edit of dataset_info.json beyond the added format, is damage.
    folder = copy_of(built, tmp_path / "damaged")
    added_shard = folder / "mnist1d-train.array_record-00000-of-00001"
    data = bytearray(added_shard.read_bytes())
    data[len(data) // 3] ^= 1
    added_shard.write_bytes(bytes(data))
    with pytest.raises(IntegrityError, match=re.escape(str(added_shard))):
        verify_directory(folder)
    folder = copy_of(built, tmp_path / "edited")
    edit_json(folder / "dataset_info.json", lambda info: info.update(description="edited"))
    with pytest.raises(IntegrityError, match=re.escape(f"{folder / 'dataset_info.json'}: not the recorded file")):
        verify_directory(folder)


def test_a_build_tfds_made_itself_is_named_as_such_and_mnist1d_build_records_it(tmp_path, capsys):
    kwargs = {"config": MNIST1DBuilderConfig(SMALL)}
    assert len(tfds.load("mnist1d", split="test", data_dir=tmp_path, builder_kwargs=kwargs)) == 60
    folder = tmp_path / "mnist1d" / SMALL.name / "1.0.0"
    with pytest.raises(UnrecordedBuild, match=re.escape(f"{folder}: prepared by TFDS itself")):
        verify_directory(folder)
    assert main(["verify", str(folder)]) == 2  # no record to check: neither damaged nor intact
    assert "damaged" not in capsys.readouterr().err
    assert main(["verify", str(tmp_path)]) == 2  # in a data dir: listed as having no record, not as damaged
    assert capsys.readouterr().err.startswith(f"mnist1d: error: 1 of the 1 builds under {tmp_path} have no record: ")
    args = ["build", "--framework", "tfds", "--num-samples", "300", "--seed", "5", "--data-dir", str(tmp_path)]
    assert main(args) == 0  # rebuilt, with its record, in its place
    assert verify_directory(folder)[0] == "MANIFEST.json: all 6 files re-hashed and intact"


def test_a_build_by_release_0_1_0_is_named_as_such(prepared, tmp_path):
    folder = copy_of(prepared, tmp_path)
    (folder / "MANIFEST.json").unlink()
    (folder / "SHA256SUMS").write_text("")
    with pytest.raises(LegacyBuild, match="made by mnist1d-datasets 0.1.0"):
        verify_directory(folder)


def test_normal_use_never_makes_an_intact_build_fail(prepared, tmp_path):
    folder = copy_of(prepared, tmp_path)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    file_format = json.loads((folder / "dataset_info.json").read_text())["fileFormat"]
    kwargs = {"config": MNIST1DBuilderConfig(SMALL)}
    builder = tfds.builder_from_directory(folder)
    if file_format == "array_record":
        source = tfds.data_source("mnist1d", split="train", data_dir=tmp_path, builder_kwargs=kwargs)
        assert source[3]["x"].shape == (40,) and len(builder.as_data_source("test")) == 60
        assert np.isfinite(source[0]["x"]).all()
    else:
        for split in SPLITS:
            loaded = tfds.load("mnist1d", split=split, data_dir=tmp_path, builder_kwargs=kwargs)
            frame = tfds.as_dataframe(loaded.take(5))
            assert len(frame) == 5 and list(frame.columns) == ["x", "y"]
            x, y = tfds.as_numpy(
                tfds.load(
                    "mnist1d", split=split, data_dir=tmp_path, builder_kwargs=kwargs, batch_size=-1, as_supervised=True
                )
            )
            assert fingerprint(x, y) == recorded_fingerprints(folder)[split]
        assert len(list(builder.as_dataset(split="test"))) == 60
        assert np.isfinite(frame["x"].iloc[0]).all()
    tfds.builder("mnist1d", data_dir=tmp_path, config=MNIST1DBuilderConfig(SMALL)).download_and_prepare()  # reused
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before
    assert verify_directory(folder)[0] == "MANIFEST.json: all 6 files re-hashed and intact"
