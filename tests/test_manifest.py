"""``MANIFEST.json`` (``mnist1d_builders.record.manifest``): written and read back with bounds, and the
checks every format shares, exercised with a minimal format of ``.npy`` shards."""

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from mnist1d_builders.record import manifest as mf
from mnist1d_core import PRESETS, SPLITS, Fingerprinter, MNIST1DConfig, generate, templates


class NpyReader:
    """A format of one ``<split>.x.npy`` and ``<split>.y.npy`` per split."""

    layout = "datasets"
    ignore = {"cache-*": "a cache"}

    def identity(self, folder, manifest):
        return f"identity: {manifest.config}"

    def content(self, folder, manifest, split):
        content = Fingerprinter()
        content.update(np.load(folder / f"{split}.x.npy"), np.load(folder / f"{split}.y.npy"))
        return content


@pytest.fixture(scope="module")
def data():
    return generate(PRESETS["canonical"])


@pytest.fixture
def build(tmp_path, data) -> Path:
    folder = tmp_path / "build"
    folder.mkdir()
    splits = {}
    for split in SPLITS:
        part = data.split(split)
        x = part.x.astype(np.float32)
        np.save(folder / f"{split}.x.npy", x)
        np.save(folder / f"{split}.y.npy", part.y)
        content = Fingerprinter()
        content.update(x, part.y)
        splits[split] = mf.SplitRecord(len(part), content.hexdigest(), (f"{split}.x.npy", f"{split}.y.npy"))
    (folder / "LICENSE").write_text("Apache-2.0\n")
    mf.write_manifest(folder, params=data.config, layout="datasets", splits=splits, t=data.t)
    return folder


def damage(folder) -> str:
    with pytest.raises(mf.IntegrityError) as error:
        mf.verify_build(folder, NpyReader())
    return str(error.value)


def test_an_intact_build_verifies_and_its_manifest_is_plain_json(build, data):
    lines = mf.verify_build(build, NpyReader())
    assert lines[0] == "MANIFEST.json: all 5 files re-hashed and intact"
    assert lines[-3].startswith("train: 4000 examples of length 40") and lines[-3].endswith("the registry (canonical)")
    assert lines[-1] == "t: the time axis of canonical, re-derived"
    raw = json.loads((build / "MANIFEST.json").read_text())  # readable without this package
    assert raw["format"] == "mnist1d-manifest" and raw["config"] == "canonical" and raw["release"] == "1.0.0"
    assert MNIST1DConfig.from_dict(raw["parameters"]) == data.config and raw["splits"]["test"]["num_rows"] == 1000
    assert np.array_equal(raw["t"], data.t) and np.array_equal(raw["templates"]["x"], templates().x)
    assert set(raw["files"]) == {"LICENSE", *(f"{s}.{c}.npy" for s in SPLITS for c in "xy")}


def test_a_file_made_by_normal_use_is_ignored_and_any_other_is_damage(build):
    (build / "cache-1.arrow").write_bytes(b"x")
    assert "ignored: cache-1.arrow (a cache)" in mf.verify_build(build, NpyReader())
    (build / "stray.npy").write_bytes(b"x")
    assert damage(build).startswith(f"{build / 'stray.npy'}: a file that MANIFEST.json does not list")


def test_a_shard_with_other_data_is_blamed_and_a_changed_digest_names_the_manifest(build):
    x = np.load(build / "train.x.npy")
    x[0, 0] += 1
    np.save(build / "train.x.npy", x)
    assert damage(build).startswith(f"{build / 'train.x.npy'}: damaged: its SHA-256 differs")
    raw = json.loads((build / "MANIFEST.json").read_text())
    raw["files"]["train.x.npy"] = mf.sha256_file(build / "train.x.npy")  # a consistent edit
    (build / "MANIFEST.json").write_text(json.dumps(raw))
    assert "hold 4000 examples of length 40 with content fingerprint" in damage(build)


def test_editing_the_fingerprint_of_a_preset_names_the_manifest(build):
    raw = json.loads((build / "MANIFEST.json").read_text())
    raw["splits"]["train"]["fingerprint"] = "0" * 64
    (build / "MANIFEST.json").write_text(json.dumps(raw))
    assert damage(build).startswith(f"{build / 'MANIFEST.json'}: records (4000, '{'0' * 64}') for train")


@pytest.mark.parametrize("record", ["MANIFEST.json", "LICENSE", "train.x.npy"])
def test_every_record_as_a_fifo_is_refused_without_reading_it(build, record):
    (build / record).unlink()
    os.mkfifo(build / record)
    assert damage(build) == f"{build / record}: a FIFO, not a file; nothing was read from it"  # and no hang


@pytest.mark.parametrize("record", ["MANIFEST.json", "LICENSE"])
def test_every_record_as_a_symlink_out_is_refused(build, tmp_path, record):
    outside = tmp_path / "outside"
    shutil.copy(build / record, outside)
    (build / record).unlink()
    (build / record).symlink_to(outside)
    assert "a symlink" in damage(build)


def test_a_folder_that_is_a_symlink_names_its_target(build, tmp_path):
    (tmp_path / "link").symlink_to(build)
    with pytest.raises(mf.IntegrityError, match="a symlink; verify the folder it points to"):
        mf.verify_build(tmp_path / "link", NpyReader())


def test_a_huge_manifest_is_refused_after_a_bounded_read(build):
    with open(build / "MANIFEST.json", "ab") as f:
        f.truncate(mf.MAX_RECORD_BYTES + 10)
    assert "8,388,618 bytes, more than the 8,388,608 it may hold" in damage(build)


@pytest.mark.parametrize(
    "text, message",
    [
        ("[" * 100_000 + "]" * 100_000, "JSON nested deeper than 8 levels"),
        ('{"a":' * 20 + "1" + "}" * 20, "nested deeper than 8 levels"),
        ('{"a": ' + "9" * 5000 + "}", "a JSON integer of 5,000 digits, over 20"),
        ('{"a": NaN}', "'NaN' in JSON, where only finite numbers belong"),
        ('{"format": "\\u0000' + "x" * 500 + '"}', "format '\\x00xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'..."),
    ],
)
def test_hostile_json_gives_one_short_line_naming_the_manifest(build, text, message):
    (build / "MANIFEST.json").write_text(text)
    found = damage(build)
    assert found.startswith(f"{build / 'MANIFEST.json'}: ") and message in found and len(found) < 400


def test_an_unreadable_record_is_a_fault_naming_it_not_damage(build, monkeypatch):
    real_open = os.open

    def denied(path, *args, **kwargs):  # as chmod 0 would for a user other than root
        if Path(path).name == "LICENSE":
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", denied)
    with pytest.raises(PermissionError) as error:
        mf.verify_build(build, NpyReader())
    assert error.value.filename == str(build / "LICENSE")


def test_a_build_of_release_0_1_0_is_named_as_such(build):
    (build / "MANIFEST.json").unlink()
    (build / "PARAMETERS.json").write_text("{}")
    (build / "FINGERPRINTS.tsv").write_text("")
    with pytest.raises(mf.LegacyBuild) as error:
        mf.verify_build(build, NpyReader())
    assert str(error.value) == (
        f"{build}: made by mnist1d-datasets 0.1.0 (it keeps PARAMETERS.json, FINGERPRINTS.tsv, not MANIFEST.json); "
        f"mnist1d-datasets 0.2.0 does not read those records: rebuild it with --force"
    )
