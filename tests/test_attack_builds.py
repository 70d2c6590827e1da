"""A hostile review of ``datasets`` builds, Hub exports and ``.npz`` files (issue 21, issue 25
items 4 and 6): states a user or a copy can leave that verify once judged wrongly.

- ``mnist1d verify DIR`` of a data dir must not pass over a build it cannot recognise: one with
  no ``MANIFEST.json`` (``load_dataset`` still reads it), or one reached through a symlink. A
  build with ``dataset_info.json`` but no manifest is what ``load_dataset`` makes itself: it is
  named unrecorded (exit status 1), and ``mnist1d build`` builds it again with its record.
- ``mnist1d build`` over a folder that lost every file must say it is damaged, not that the
  folder holds no build.
- An export without its card is an export: ``load_dataset(folder)`` would read every config's
  shards as one dataset, so verify must not call its config folders intact one by one.
- An ``.npz`` whose header announces an enormous array is named, without reading it; one whose
  labels are not whole numbers is not "intact".
"""

import io
import os
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest

datasets = pytest.importorskip("datasets")

import mnist1d_builders.hf as hf  # noqa: E402
from mnist1d_builders import hub  # noqa: E402
from mnist1d_builders.record import staging  # noqa: E402
from mnist1d_cli import main  # noqa: E402
from mnist1d_core import MNIST1DConfig  # noqa: E402

CONFIG = MNIST1DConfig(num_samples=200, seed=5)
OTHER = MNIST1DConfig(num_samples=200, seed=6)


@pytest.fixture(autouse=True)
def offline(hub_offline):
    datasets.disable_progress_bars()


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("built")
    hf.prepare(CONFIG, root / "data")
    hf.prepare(OTHER, root / "data")
    hub.export(root / "export", [CONFIG, OTHER])
    return root


@pytest.fixture
def data_dir(built, tmp_path) -> Path:
    return Path(shutil.copytree(built / "data", tmp_path / "data"))


@pytest.fixture
def export(built, tmp_path) -> Path:
    return Path(shutil.copytree(built / "export", tmp_path / "export"))


def cli(capsys, *args) -> tuple[int, str, str]:
    status = main([str(a) for a in args])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return status, out, err


# --- a folder holding builds ---------------------------------------------------------------


def test_a_build_without_its_manifest_fails_a_data_dirs_verify_named_unrecorded(data_dir, capsys):
    folder = hf.build_folder(OTHER, data_dir)
    (folder / "MANIFEST.json").unlink()  # as load_dataset leaves a build it makes
    status, out, err = cli(capsys, "verify", data_dir)
    assert status == 2 and out == ""  # nothing damaged; one build verify cannot check
    assert err == (
        f"mnist1d: error: 1 of the 2 builds under {data_dir} have no record: {folder}: prepared by datasets itself "
        "(load_dataset, load_dataset_builder), which keeps no MANIFEST.json, so it cannot be checked: `mnist1d "
        "build --framework hf` with its parameters and data dir rebuilds it with one; the other 1 are intact\n"
    )
    (hf.build_folder(CONFIG, data_dir) / "LICENSE").write_text("changed")  # damage comes first, the rest named
    status, out, err = cli(capsys, "verify", data_dir)
    assert status == 1 and err.startswith(f"mnist1d: error: 1 of the 2 builds under {data_dir} failed: ")
    assert err.endswith(
        f"(1 of the 2 builds under {data_dir} have no record: {folder}: prepared by datasets itself "
        "(load_dataset, load_dataset_builder), which keeps no MANIFEST.json, so it cannot be checked: "
        "`mnist1d build --framework hf` with its parameters and data dir rebuilds it with one)\n"
    )


def test_the_cache_datasets_makes_of_an_export_named_mnist1d_is_no_build_of_this_package(export, capsys, tmp_path):
    named = export.rename(tmp_path / "mnist1d")  # datasets names its cache folder after the export's
    datasets.load_dataset(str(named), CONFIG.name, cache_dir=str(tmp_path / "cache"))
    assert sorted(tmp_path.glob("cache/mnist1d/*/*/*/mnist1d-train.arrow"))  # shards named like a build's
    status, _, err = cli(capsys, "verify", tmp_path / "cache")
    assert status == 2 and "holds no MNIST-1D build" in err


@pytest.mark.parametrize("level", ["config", "build"])
def test_a_build_reached_through_a_symlink_is_not_passed_over(data_dir, tmp_path, capsys, level):
    folder = hf.build_folder(OTHER, data_dir)
    link = folder.parent.parent if level == "config" else folder
    moved = tmp_path / "elsewhere" / link.name
    moved.parent.mkdir()
    shutil.move(link, moved)
    link.symlink_to(moved, target_is_directory=True)
    status, out, err = cli(capsys, "verify", data_dir)
    assert status == 1 and out == ""
    assert f"1 of the 2 builds under {data_dir} failed: {link}: a symlink" in err


def test_a_symlink_loop_under_a_data_dir_ends(data_dir, capsys):
    (data_dir / "mnist1d" / "loop").symlink_to(data_dir, target_is_directory=True)
    status, _, err = cli(capsys, "verify", data_dir)
    assert status == 1 and f"{data_dir / 'mnist1d' / 'loop'}: a symlink" in err


def test_build_over_a_build_without_its_manifest_builds_it_again_with_one(data_dir, capsys):
    folder = hf.build_folder(CONFIG, data_dir)
    (folder / "MANIFEST.json").unlink()
    (folder / "mnist1d-train-00001-of-00002.arrow").write_bytes(b"a stray shard")  # unrecorded: nothing vouches
    status, out, err = cli(capsys, "build", "--num-samples", "200", "--seed", "5", "--data-dir", data_dir)
    assert status == 0 and out.startswith(f"{CONFIG.name} (hf): {folder}\n"), err
    assert sorted(p.name for p in folder.iterdir()) == [
        "LICENSE",
        "MANIFEST.json",
        "dataset_info.json",
        "mnist1d-test.arrow",
        "mnist1d-train.arrow",
    ]


def test_build_over_a_build_that_lost_every_file_says_damaged_and_force_repairs(data_dir, capsys):
    folder = hf.build_folder(CONFIG, data_dir)
    for path in folder.iterdir():
        path.unlink()
    args = ["build", "--num-samples", "200", "--seed", "5", "--data-dir", data_dir]
    status, _, err = cli(capsys, *args)
    assert status == 1
    assert err.startswith(f"mnist1d: error: {folder / 'MANIFEST.json'}: missing")
    assert err.endswith("the existing build is damaged: rebuild it with --force\n")
    status, out, _ = cli(capsys, *args, "--force")
    assert status == 0 and out.startswith(f"{CONFIG.name} (hf): {folder}\n")
    assert (folder / "MANIFEST.json").is_file()


# --- an export -------------------------------------------------------------------------------


def test_an_export_without_its_card_is_not_called_intact(export, capsys, tmp_path):
    (export / "README.md").unlink()
    loaded = datasets.load_dataset(str(export), cache_dir=str(tmp_path / "cache"))
    assert loaded["train"].num_rows == 2 * CONFIG.split_size("train")  # the configs mixed
    status, out, err = cli(capsys, "verify", export)
    assert status == 1 and out == ""
    assert err.startswith(f"mnist1d: error: {export / 'README.md'}: missing")


# --- an .npz of `mnist1d generate` -----------------------------------------------------------


@pytest.fixture
def npz(tmp_path, capsys) -> Path:
    out = tmp_path / "g.npz"
    assert cli(capsys, "generate", "--num-samples", "200", "--seed", "5", "--out", out)[0] == 0
    return out


def rewrite(path: Path, **members: bytes) -> None:
    with np.load(path) as arrays:
        contents = {name: arrays[name] for name in arrays.files}
    with zipfile.ZipFile(path, "w") as z:
        for name, array in contents.items():
            buffer = io.BytesIO()
            np.save(buffer, array)
            z.writestr(f"{name}.npy", members.get(name, buffer.getvalue()))


def test_an_npz_announcing_an_enormous_array_is_named_without_reading_it(npz, capsys):
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f4", "fortran_order": False, "shape": (10**6, 10**6)})
    rewrite(npz, x=header.getvalue() + bytes(64))
    status, out, err = cli(capsys, "verify", npz)
    assert status == 1 and out == ""
    assert err.startswith(f"mnist1d: error: {npz}: damaged, or not an .npz of `mnist1d generate` (x: ")


@pytest.mark.parametrize("change", ["labels", "signals"])
def test_an_npz_whose_arrays_are_not_numbers_of_the_right_kind_is_not_intact(npz, capsys, change):
    with np.load(npz) as arrays:
        y, x = arrays["y"], arrays["x"]
    buffer = io.BytesIO()
    np.save(buffer, y + 0.5 if change == "labels" else x.astype("U8"))
    rewrite(npz, **{"y" if change == "labels" else "x": buffer.getvalue()})
    status, out, err = cli(capsys, "verify", npz)
    assert status == 1 and out == ""
    assert err.startswith(f"mnist1d: error: {npz}: damaged, or not an .npz of `mnist1d generate`")


def test_a_symlinked_export_card_or_a_fifo_card_stays_refused(export, capsys):
    (export / "README.md").unlink()
    os.mkfifo(export / "README.md")
    status, _, err = cli(capsys, "verify", export)
    assert status == 1 and f"{export / 'README.md'}: a FIFO" in err


# --- what a killed build leaves beside its target ---------------------------------------------


@pytest.mark.parametrize("points_to", ["a folder", "a file"])
def test_a_staging_leftover_that_is_a_symlink_is_removed_without_walking_its_target(
    data_dir, tmp_path, monkeypatch, points_to
):
    folder = hf.build_folder(CONFIG, data_dir)
    target = tmp_path / "elsewhere"  # a symlink to / once made the build walk the whole file system
    if points_to == "a file":
        target.write_text("kept")
    else:
        (target / "inside").mkdir(parents=True)
        (target / "inside" / "file").write_text("kept")
    leftover = folder.with_name(f".{folder.name}.staging-0123456789ab")
    leftover.symlink_to(target)
    walked = []
    tree = staging.tree
    monkeypatch.setattr(staging, "tree", lambda folder: walked.append(folder) or tree(folder))
    assert hf.prepare(CONFIG, data_dir, force=True) == folder
    assert leftover not in walked
    assert not os.path.lexists(leftover) and (target / ("" if points_to == "a file" else "inside/file")).exists()
    assert hf.verify_directory(folder)


# --- what an error message shows -------------------------------------------------------------


@pytest.mark.parametrize("name", ["stray\nsecond line", "\x1b[2J\x1b[31mred", "tab\there\r"])
def test_a_file_name_with_control_characters_gives_one_escaped_line(data_dir, capsys, name):
    folder = hf.build_folder(CONFIG, data_dir)
    (folder / name).write_text("x")
    status, out, err = cli(capsys, "verify", folder)
    assert status == 1 and out == ""
    assert err.count("\n") == 1 and "\x1b" not in err and "\r" not in err and "\t" not in err
    assert err.startswith(f"mnist1d: error: {folder}/{name.encode('unicode_escape').decode()}: a file that")


def test_a_name_verify_ignores_is_listed_escaped(data_dir, capsys):
    folder = hf.build_folder(CONFIG, data_dir)
    (folder / "cache-\x1b[2J\n.arrow").write_text("x")  # a name datasets' cache pattern matches: ignored
    status, out, _ = cli(capsys, "verify", folder)
    assert status == 0 and "\x1b" not in out
    assert "  ignored: cache-\\x1b[2J\\n.arrow (datasets' cache" in out


# --- trees nested deeper than Python's recursion limit ---------------------------------------


def test_a_deep_tree_in_a_build_is_named_not_a_recursion_error(data_dir, capsys, nest):
    folder = hf.build_folder(CONFIG, data_dir)
    stray = nest(folder / "cache-deep")
    status, out, err = cli(capsys, "verify", folder)
    assert status == 1 and err == f"mnist1d: error: {stray}: a file that MANIFEST.json does not list; " + (
        "a loader could read it as part of the dataset: remove it if it is not\n"
    )
    status, out, err = cli(capsys, "verify", data_dir)
    assert status == 1 and f"1 of the 2 builds under {data_dir} failed: {stray}: a file" in err


def test_a_deep_tree_beside_builds_or_in_an_export_gives_one_line(data_dir, export, capsys, nest):
    nest(data_dir / "deep")
    status, out, _ = cli(capsys, "verify", data_dir)
    assert status == 0 and out.splitlines()[1] == "  2 builds, all intact:"
    stray = nest(export / CONFIG.name / "deep")
    status, out, err = cli(capsys, "verify", export)
    assert status == 1 and err.startswith(f"mnist1d: error: {stray}: a file that MANIFEST.json does not list")


def test_a_deep_staging_leftover_is_removed(data_dir, nest):
    folder = hf.build_folder(CONFIG, data_dir)
    leftover = folder.with_name(f".{folder.name}.staging-0123456789ab")
    nest(leftover)
    assert hf.prepare(CONFIG, data_dir, force=True) == folder
    assert not os.path.lexists(leftover)


@pytest.mark.parametrize("kind", ["file", "fifo"])
def test_a_file_in_the_place_of_a_build_is_named_as_such_and_force_repairs_it(data_dir, capsys, kind):
    folder = hf.build_folder(CONFIG, data_dir)
    staging.remove(folder)
    folder.write_bytes(b"\x80\x04not a build") if kind == "file" else os.mkfifo(folder)
    args = ["build", "--num-samples", "200", "--seed", "5", "--data-dir", data_dir]
    status, _, err = cli(capsys, *args)
    assert status == 1 and err == (
        f"mnist1d: error: {folder}: not a folder, where the build's folder belongs; "
        "the existing build is damaged: rebuild it with --force\n"
    )
    assert cli(capsys, *args, "--force")[0] == 0 and hf.verify_directory(folder)


def test_a_config_folder_of_an_export_is_read_as_verify_judged_it(export):
    from mnist1d_builders.record.read import read_splits

    assert hf.verify_directory(export / CONFIG.name)  # intact on its own, as load_dataset(folder) reads it
    params, splits = read_splits(export / CONFIG.name)
    whole_params, whole = read_splits(export, CONFIG.name)
    assert params == whole_params == CONFIG
    for split in splits:
        assert all(np.array_equal(a, b) for a, b in zip(splits[split], whole[split]))


def test_a_subfolder_that_cannot_be_listed_is_a_fault_naming_it_not_passed_over(data_dir, capsys, monkeypatch):
    folder = hf.build_folder(CONFIG, data_dir)
    locked = folder / "cache-sub"
    locked.mkdir()
    scandir = os.scandir

    def refusing(path):
        if Path(path) == locked:  # as chmod 000 would, for a user who is not root
            raise PermissionError(13, "Permission denied", str(path))
        return scandir(path)

    monkeypatch.setattr(os, "scandir", refusing)
    status, out, err = cli(capsys, "verify", folder)
    assert status == 1 and out == ""
    assert err == f"mnist1d: error: {locked}: permission denied; check the permissions, or choose another location\n"


# --- an export's card and the number of configs -----------------------------------------------


def test_a_card_whose_prose_grew_past_a_megabyte_still_verifies(export, capsys):
    with open(export / "README.md", "a") as f:
        f.write("\nNotes of the team that uses this copy.\n" * 60_000)  # 2.4 MB of prose after the YAML
    status, out, _ = cli(capsys, "verify", export)
    assert status == 0 and out.startswith(f"{export}: intact\n")


def test_more_configs_than_a_card_can_list_are_refused_before_any_work(tmp_path, capsys, monkeypatch):
    from mnist1d_builders.hub import exporter

    monkeypatch.setattr(exporter, "generate", lambda *a, **k: pytest.fail("generated before refusing"))
    configs = [MNIST1DConfig(num_samples=20, seed=seed) for seed in range(exporter.MAX_CONFIGS + 1)]
    with pytest.raises(ValueError, match=r"^configs: 1,001 configs; an export holds at most 1,000 \(its card"):
        hub.export(tmp_path / "out", configs)
    assert not (tmp_path / "out").exists()
