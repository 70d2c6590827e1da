"""A ``datasets`` build under hostile conditions (issue 21): every record as a FIFO, a symlink
out, a huge file or deep nesting; a record turned into a folder; an unreadable file; ``--force``
while others read. Verify never hangs, never says "intact" of what a loader would read
differently, blames the right file, and ``--force`` repairs every such state."""

import json
import os
import shutil
import threading
from pathlib import Path

import pytest

datasets = pytest.importorskip("datasets")

import mnist1d_builders.hf as hf  # noqa: E402
from mnist1d_builders.record.manifest import IntegrityError, LegacyBuild  # noqa: E402
from mnist1d_cli import main  # noqa: E402
from mnist1d_core import MNIST1DConfig  # noqa: E402

CONFIG = MNIST1DConfig(num_samples=200, seed=5)
RECORDS = ["MANIFEST.json", "dataset_info.json", "LICENSE", "mnist1d-train.arrow"]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("built")
    hf.prepare(CONFIG, root)
    return root


@pytest.fixture
def root(built, tmp_path) -> Path:
    return Path(shutil.copytree(built, tmp_path / "root"))


def folder_of(root: Path) -> Path:
    return hf.build_folder(CONFIG, root)


def cli(capsys, *args) -> tuple[int, str, str]:
    status = main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


def damage(folder: Path) -> str:
    with pytest.raises(IntegrityError) as error:
        hf.verify_directory(folder)
    return str(error.value)


@pytest.mark.parametrize("record", RECORDS)
def test_every_record_as_a_fifo_is_refused_at_once_and_force_repairs_it(root, capsys, record):
    folder = folder_of(root)
    (folder / record).unlink()
    os.mkfifo(folder / record)
    assert damage(folder) == f"{folder / record}: a FIFO, not a file; nothing was read from it"  # and no hang
    status, out, err = cli(capsys, "build", "--num-samples", "200", "--seed", "5", "--data-dir", str(root))
    assert status == 1 and err.endswith("the existing build is damaged: rebuild it with --force\n")
    status, out, err = cli(capsys, "build", "--num-samples", "200", "--seed", "5", "--data-dir", str(root), "--force")
    assert status == 0, err
    assert (folder / record).is_file()


@pytest.mark.parametrize("record", RECORDS)
def test_every_record_as_a_symlink_out_is_refused(root, tmp_path, record):
    folder = folder_of(root)
    shutil.copyfile(folder / record, tmp_path / "outside")
    (folder / record).unlink()
    (folder / record).symlink_to(tmp_path / "outside")
    assert damage(folder) == f"{folder / record}: a symlink; a build holds its own files, so it is refused"


def test_a_build_folder_that_is_a_symlink_is_named_with_its_target(root, tmp_path):
    (tmp_path / "link").symlink_to(folder_of(root))
    assert (
        damage(tmp_path / "link")
        == f"{tmp_path / 'link'}: a symlink; verify the folder it points to, {folder_of(root)}"
    )


@pytest.mark.parametrize("record", ["MANIFEST.json", "dataset_info.json"])
def test_a_huge_record_is_refused_after_a_bounded_read(root, record):
    folder = folder_of(root)
    with open(folder / record, "ab") as f:
        f.truncate(3 * 2**30)  # sparse: 3 GB that take no disk
    if record != "MANIFEST.json":  # recorded consistently: only the size cap stands
        manifest = json.loads((folder / "MANIFEST.json").read_text())
        manifest["files"].pop(record)
        (folder / "MANIFEST.json").write_text(json.dumps(manifest))
        with pytest.raises(IntegrityError, match="a file that MANIFEST.json does not list"):
            hf.verify_directory(folder)
    else:
        assert damage(folder) == f"{folder / record}: 3,221,225,472 bytes, more than the 8,388,608 it may hold"


def test_deep_nesting_and_huge_integers_in_the_manifest_give_one_line(root):
    folder = folder_of(root)
    (folder / "MANIFEST.json").write_text("[" * 100_000 + "]" * 100_000)
    assert damage(folder) == f"{folder / 'MANIFEST.json'}: JSON nested deeper than 8 levels"
    (folder / "MANIFEST.json").write_text('{"parameters": {"seed": ' + "7" * 5000 + "}}")
    found = damage(folder)
    assert found == f"{folder / 'MANIFEST.json'}: a JSON integer of 5,000 digits, over 20"


def test_dataset_info_as_a_folder_is_damage_and_force_repairs_it(root, capsys):
    folder = folder_of(root)
    (folder / "dataset_info.json").unlink()
    (folder / "dataset_info.json").mkdir()
    assert damage(folder) == f"{folder / 'dataset_info.json'}: a folder, not a file; nothing was read from it"
    status, _, err = cli(capsys, "build", "--num-samples", "200", "--seed", "5", "--data-dir", str(root), "--force")
    assert status == 0, err
    assert (folder / "dataset_info.json").is_file()


def test_an_unreadable_file_is_a_fault_naming_it_not_damage(root, capsys, monkeypatch):
    folder = folder_of(root)
    real_open = os.open

    def denied(path, *args, **kwargs):  # what chmod 0 does to a user other than root
        if Path(path) == folder / "LICENSE":
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", denied)
    status, out, err = cli(capsys, "verify", str(folder))
    assert (status, out) == (1, "")
    assert (
        err
        == f"mnist1d: error: {folder / 'LICENSE'}: permission denied; check the permissions, or choose another location\n"
    )


def test_a_build_of_release_0_1_0_is_named_as_such_never_intact_or_damaged(root, capsys):
    folder = folder_of(root)
    (folder / "MANIFEST.json").unlink()
    for name in ("PARAMETERS.json", "FINGERPRINTS.tsv", "SHA256SUMS"):
        (folder / name).write_text("")
    with pytest.raises(LegacyBuild):
        hf.verify_directory(folder)
    status, _, err = cli(capsys, "verify", str(folder))
    assert status == 2 and err == (
        f"mnist1d: error: {folder}: made by mnist1d-datasets 0.1.0 (it keeps PARAMETERS.json, FINGERPRINTS.tsv, "
        "SHA256SUMS, not MANIFEST.json); mnist1d-datasets 0.2.0 does not read those records: rebuild it with --force\n"
    )
    assert "damaged" not in err


def test_force_replaces_a_build_without_a_moment_where_it_is_missing(root, monkeypatch):
    folder, seen, stop = folder_of(root), [], threading.Event()
    real_rename = os.rename

    def rename(source, target, *args, **kwargs):  # after every rename, the build must be in place
        real_rename(source, target, *args, **kwargs)
        seen.append(os.path.isfile(folder / "MANIFEST.json"))

    monkeypatch.setattr(os, "rename", rename)

    def watch() -> None:  # a concurrent reader, looking as often as it can
        while not stop.is_set():
            seen.append(os.path.isfile(folder / "MANIFEST.json") and os.path.isfile(folder / "mnist1d-train.arrow"))

    before = (folder / "MANIFEST.json").stat().st_ino
    reader = threading.Thread(target=watch)
    reader.start()
    try:
        hf.prepare(CONFIG, root, force=True)
    finally:
        stop.set()
        reader.join()
    assert (folder / "MANIFEST.json").stat().st_ino != before  # replaced, by a new build
    assert len(seen) > 100 and all(seen)
    assert [p.name for p in folder.parent.iterdir() if ".staging-" in p.name] == []
    assert hf.verify_directory(folder)[-1] == "t: 40 values recorded (re-derived only at a preset's size)"


def test_verify_during_force_sees_the_old_build_or_the_new_one_never_parts_of_both(root):
    folder, results, done = folder_of(root), [], threading.Event()

    def rebuild() -> None:
        try:
            for _ in range(3):
                hf.prepare(CONFIG, root, force=True)
        finally:
            done.set()

    builder = threading.Thread(target=rebuild)
    builder.start()
    try:
        while not done.is_set():
            try:
                hf.verify_directory(folder)
                results.append("intact")
            except IntegrityError as error:
                results.append(str(error))
    finally:
        builder.join()
    assert results and set(results) == {"intact"}, results[:3]
