"""A hostile review of builds with no record: those ``load_dataset`` makes itself (no
``MANIFEST.json``), recorded builds that lost or had their record replaced, a ``load_dataset``
killed mid-build, and ``load_dataset`` racing ``mnist1d build`` on one folder.

- Damage is never disguised as "unrecorded" (exit status 2) by a record replaced with a
  symlink, a FIFO, a folder, an empty or an unreadable file: that is damage or a fault (exit 1),
  named. Damage hidden by removing ``MANIFEST.json`` is never "intact": ``benchmark --from``
  refuses it, and ``mnist1d build`` (no ``--force``) builds it again.
- A build ``load_dataset`` reads is never passed over in a data dir's "all intact", whatever its
  ``dataset_info.json`` has become.
- Normal use (``with_format``, map, filter, shuffle, a forced redownload) never makes verify cry
  "damaged".
- A ``load_dataset`` killed mid-build, or racing ``mnist1d build``, leaves nothing that the next
  ``mnist1d build`` does not complete, nor a leftover verify lists as a build.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

datasets = pytest.importorskip("datasets")

import mnist1d_builders.hf as hf  # noqa: E402
from mnist1d_cli import main  # noqa: E402
from mnist1d_core import MNIST1DConfig, fingerprint  # noqa: E402

RECORDED = MNIST1DConfig(num_samples=300, seed=5)  # built by `mnist1d build`
OWN = MNIST1DConfig(num_samples=300, seed=6)  # built by load_dataset itself
RECORDED_ARGS = ["--num-samples", "300", "--seed", "5"]
OWN_ARGS = ["--num-samples", "300", "--seed", "6"]


@pytest.fixture(autouse=True)
def quiet():
    """No progress bars of map, filter or load_dataset in the commands' stderr."""
    datasets.disable_progress_bars()
    yield
    datasets.enable_progress_bars()


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("built")
    hf.prepare(RECORDED, root)
    datasets.load_dataset("mnist1d", cache_dir=str(root), **OWN.non_default())
    return root


@pytest.fixture
def data_dir(built, tmp_path) -> Path:
    return Path(shutil.copytree(built, tmp_path / "data"))


def cli(capsys, *args) -> tuple[int, str, str]:
    status = main([str(a) for a in args])
    out, err = capsys.readouterr()
    assert "Traceback" not in err and err.count("\n") <= 1
    return status, out, err


def train_fingerprint(config: MNIST1DConfig, data_dir: Path) -> str:
    train = datasets.load_dataset("mnist1d", cache_dir=str(data_dir), split="train", **config.non_default())
    data = train.with_format("numpy")[:]
    return fingerprint(data["x"], data["y"])


def recorded_fingerprint(folder: Path) -> str:
    return json.loads((folder / "MANIFEST.json").read_text())["splits"]["train"]["fingerprint"]


def env(tmp_path: Path) -> dict:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "HUGGINGFACE_"))}
    return {**clean, "HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1", "HF_HOME": str(tmp_path / "home")}


def load_dataset_process(tmp_path: Path, data_dir: Path, num_samples: int) -> subprocess.Popen:
    """``load_dataset`` in a process of its own; it prints the train split's content fingerprint."""
    code = (
        "import datasets, mnist1d_builders.hf\nfrom mnist1d_core import fingerprint\n"
        f"train = datasets.load_dataset('mnist1d', cache_dir={str(data_dir)!r}, split='train', "
        f"num_samples={num_samples})\n"
        "data = train.with_format('numpy')[:]\nprint(fingerprint(data['x'], data['y']))\n"
    )
    return subprocess.Popen(
        [sys.executable, "-c", code],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env(tmp_path),
        start_new_session=True,
    )


# --- a record replaced: damage or a fault, named, never "unrecorded" -------------------------


@pytest.mark.parametrize("kind", ["symlink", "dangling symlink", "fifo", "folder", "empty", "permission denied"])
def test_a_manifest_replaced_by_anything_but_its_record_is_damage_never_unrecorded(
    data_dir, capsys, monkeypatch, kind
):
    folder = hf.build_folder(RECORDED, data_dir)
    manifest = folder / "MANIFEST.json"
    copy = data_dir / "copy.json"
    shutil.copy(manifest, copy)
    if kind != "permission denied":
        manifest.unlink()
    if kind == "symlink":
        manifest.symlink_to(copy)  # the very record, through a link: still refused
    elif kind == "dangling symlink":
        manifest.symlink_to(data_dir / "nowhere.json")
    elif kind == "fifo":
        os.mkfifo(manifest)  # opened without waiting: no hang
    elif kind == "folder":
        manifest.mkdir()
    elif kind == "empty":
        manifest.write_bytes(b"")
    else:
        real_open = os.open

        def denied(path, *args, **kwargs):  # what chmod 0 does to a user other than root
            if Path(path) == manifest:
                raise PermissionError(13, "Permission denied", str(path))
            return real_open(path, *args, **kwargs)

        monkeypatch.setattr(os, "open", denied)
    for path in (folder, data_dir):
        status, out, err = cli(capsys, "verify", path)
        assert (status, out) == (1, ""), err
        assert f"{manifest}: " in err and f"{folder}: prepared by datasets" not in err
    status, out, err = cli(capsys, "build", *RECORDED_ARGS, "--data-dir", data_dir)  # kept, and named
    assert (status, out) == (1, "") and f"{manifest}: " in err
    assert os.path.lexists(manifest) and (folder / "mnist1d-train.arrow").is_file()


def test_damage_hidden_by_removing_the_manifest_is_never_intact_and_build_repairs_it(data_dir, capsys):
    folder = hf.build_folder(RECORDED, data_dir)
    expected = recorded_fingerprint(folder)
    shutil.copy(hf.build_folder(OWN, data_dir) / "mnist1d-train.arrow", folder / "mnist1d-train.arrow")
    status, _, err = cli(capsys, "verify", folder)
    assert status == 1 and err.startswith(f"mnist1d: error: {folder / 'mnist1d-train.arrow'}: damaged")
    (folder / "MANIFEST.json").unlink()
    assert train_fingerprint(RECORDED, data_dir) != expected  # load_dataset serves the other data, silently
    for path in (folder, data_dir):
        status, out, err = cli(capsys, "verify", path)
        assert (status, out) == (2, "") and "intact" not in err.replace("the other 1 are intact", "")
        assert f"{folder}: prepared by datasets itself" in err
    # benchmark --from refuses it the same way (exit 2): tests/test_cli_benchmark.py, which needs torch.
    status, out, err = cli(capsys, "build", *RECORDED_ARGS, "--data-dir", data_dir)  # no --force: it had no record
    assert status == 0 and out.startswith(f"{RECORDED.name} (hf): {folder}\n"), err
    assert recorded_fingerprint(folder) == expected == train_fingerprint(RECORDED, data_dir)
    assert cli(capsys, "verify", data_dir)[0] == 2  # the other build, load_dataset's own, still has none


# --- a build load_dataset reads is never passed over -----------------------------------------


@pytest.mark.parametrize("kind", ["symlink", "fifo", "not JSON"])
def test_a_build_whose_dataset_info_is_not_its_record_is_not_passed_over_as_all_intact(data_dir, capsys, kind):
    folder = hf.build_folder(OWN, data_dir)
    info = folder / "dataset_info.json"
    copy = data_dir / "info.json"
    shutil.copy(info, copy)
    info.unlink()
    if kind == "symlink":
        info.symlink_to(copy)
        assert train_fingerprint(OWN, data_dir)  # load_dataset follows it and serves the shards
    elif kind == "fifo":
        os.mkfifo(info)
    else:
        info.write_text("{")
    status, out, err = cli(capsys, "verify", data_dir)
    assert out == "" and "all intact" not in err
    if kind == "not JSON":  # a regular file, as datasets writes it: still datasets' own, with no record
        assert status == 2 and f"{folder}: prepared by datasets itself" in err
    else:  # a symlink or a FIFO is no framework's doing
        assert status == 1 and f"1 of the 2 builds under {data_dir} failed: {folder / 'MANIFEST.json'}: missing" in err
        status, _, err = cli(capsys, "build", *OWN_ARGS, "--data-dir", data_dir)
        assert status == 1 and err.endswith("the existing build is damaged: rebuild it with --force\n")
    status, _, err = cli(capsys, "build", *OWN_ARGS, "--data-dir", data_dir, "--force")
    assert status == 0, err
    assert cli(capsys, "verify", data_dir)[0] == 0


# --- normal use is never damage --------------------------------------------------------------


def use(config: MNIST1DConfig, data_dir: Path) -> None:
    """What users do with a loaded build: formats, and the caches datasets writes beside the shards."""
    loaded = datasets.load_dataset("mnist1d", cache_dir=str(data_dir), **config.non_default())
    train = loaded["train"]
    train.with_format("numpy")[:3]
    train.map(lambda row: {"x": [v * 2 for v in row["x"]]})
    train.filter(lambda row: row["y"] < 5)
    train.shuffle(seed=0).flatten_indices()
    train.sort("y")
    train.train_test_split(test_size=0.5, seed=0)
    assert len({p.name for p in Path(train.cache_files[0]["filename"]).parent.glob("cache-*.arrow")}) >= 4


def test_normal_use_of_either_build_is_never_damage(data_dir, capsys):
    use(RECORDED, data_dir)
    use(OWN, data_dir)
    status, out, _ = cli(capsys, "verify", hf.build_folder(RECORDED, data_dir))
    assert status == 0 and "  ignored: cache-" in out
    status, out, err = cli(capsys, "verify", data_dir)
    assert (status, out) == (2, "") and "damaged" not in err and "failed" not in err
    assert err.endswith("; the other 1 are intact\n")
    assert cli(capsys, "build", *OWN_ARGS, "--data-dir", data_dir)[0] == 0  # recorded, its caches gone with the old
    assert cli(capsys, "verify", data_dir)[0] == 0


def test_a_forced_redownload_of_a_recorded_build_leaves_it_unrecorded_then_build_records_it(data_dir, capsys):
    folder = hf.build_folder(RECORDED, data_dir)
    expected = recorded_fingerprint(folder)
    datasets.load_dataset(
        "mnist1d", cache_dir=str(data_dir), download_mode="force_redownload", **RECORDED.non_default()
    )
    assert not (folder / "MANIFEST.json").exists()  # datasets replaced the folder with its own build
    status, _, err = cli(capsys, "verify", folder)
    assert status == 2 and "damaged" not in err and f"{folder}: prepared by datasets itself" in err
    assert cli(capsys, "build", *RECORDED_ARGS, "--data-dir", data_dir)[0] == 0
    assert recorded_fingerprint(folder) == expected


# --- killed, raced -----------------------------------------------------------------------------


def test_a_leftover_incomplete_folder_is_no_build_and_build_removes_it(data_dir, capsys, nest):
    folder = hf.build_folder(OWN, data_dir)
    incomplete = folder.with_name(f"{folder.name}.incomplete")
    shutil.copytree(folder, incomplete)  # killed between dataset_info.json written and the move into place
    nest(incomplete / "deep")
    nest(folder / "deep")  # anything in a build of datasets' own goes with it
    status, out, err = cli(capsys, "verify", data_dir)
    assert status == 2 and f"{folder}: prepared by" in err and str(incomplete) not in err
    assert cli(capsys, "build", *OWN_ARGS, "--data-dir", data_dir)[0] == 0
    assert not os.path.lexists(incomplete) and not (folder / "deep").exists()
    assert [p.name for p in folder.parent.iterdir() if not p.name.endswith(".lock")] == [folder.name]
    assert cli(capsys, "verify", data_dir)[0] == 0


def test_an_incomplete_folder_that_is_a_symlink_is_removed_without_touching_its_target(data_dir, capsys, tmp_path):
    folder = hf.build_folder(OWN, data_dir)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep").write_text("mine")
    folder.with_name(f"{folder.name}.incomplete").symlink_to(outside, target_is_directory=True)
    assert cli(capsys, "build", *OWN_ARGS, "--data-dir", data_dir)[0] == 0
    assert not os.path.lexists(folder.with_name(f"{folder.name}.incomplete"))
    assert (outside / "keep").read_text() == "mine"


def test_what_a_killed_tfds_load_left_is_no_build_of_a_data_dir(data_dir, capsys):
    # What tfds.load leaves when killed while it writes (seen with a SIGKILL): its incomplete
    # folder beside the version's place, holding the shard being written, and no record.
    incomplete = data_dir / "mnist1d" / OWN.name / "incomplete.0VR10L_1.0.0"
    incomplete.mkdir()
    (incomplete / "mnist1d-train.tfrecord-00000-of-00001").write_bytes(b"\0" * 1000)
    status, _, err = cli(capsys, "verify", data_dir)
    assert status == 2 and "failed" not in err and str(incomplete) not in err  # only load_dataset's own build
    assert "1 of the 2 builds" in err


def test_a_killed_load_dataset_is_completed_by_build_and_load_dataset_then_reads_it(tmp_path, capsys):
    data_dir = tmp_path / "data"
    config = MNIST1DConfig(num_samples=200_000)
    folder = hf.build_folder(config, data_dir)
    incomplete = folder.with_name(f"{folder.name}.incomplete")
    loading = load_dataset_process(tmp_path, data_dir, config.num_samples)
    deadline = time.monotonic() + 120
    while not incomplete.exists():  # datasets made its folder: the build is under way
        assert loading.poll() is None, loading.communicate()
        assert time.monotonic() < deadline, "load_dataset never started building"
        time.sleep(0.02)
    os.kill(loading.pid, signal.SIGKILL)
    assert loading.wait(timeout=60) == -signal.SIGKILL
    assert incomplete.is_dir() and not folder.exists()
    status, out, err = cli(capsys, "verify", data_dir)  # the leftover is not called damaged, nor a build
    assert status == 2 and "holds no MNIST-1D build" in err
    status, out, err = cli(capsys, "build", "--num-samples", "200000", "--data-dir", data_dir)
    assert status == 0 and out.startswith(f"{config.name} (hf): {folder}\n"), err
    assert not incomplete.exists() and (folder / "MANIFEST.json").is_file()
    status, out, _ = cli(capsys, "verify", data_dir)
    assert status == 0 and out.splitlines()[1] == "  1 builds, all intact:"
    assert train_fingerprint(config, data_dir) == recorded_fingerprint(folder)


def test_ctrl_c_of_a_build_waiting_for_load_datasets_lock_says_interrupted_and_leaves_nothing(tmp_path):
    folder = hf.build_folder(OWN, tmp_path / "data")
    folder.parent.mkdir(parents=True)
    lock = f"{folder}_builder.lock"  # the lock datasets holds while load_dataset builds this folder
    hold = f"import filelock, time\nheld = filelock.FileLock({lock!r})\nheld.acquire()\nprint(1, flush=True)\ntime.sleep(120)"
    holder = subprocess.Popen([sys.executable, "-c", hold], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "1\n"
        waiting = subprocess.Popen(
            [sys.executable, "-m", "mnist1d_cli", "build", *OWN_ARGS, "--data-dir", str(tmp_path / "data")],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env(tmp_path),
        )
        deadline = time.monotonic() + 120
        while b"libarrow" not in Path(f"/proc/{waiting.pid}/maps").read_bytes():  # datasets imported
            assert waiting.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        settled = time.monotonic() + 3
        while Path(f"/proc/{waiting.pid}/wchan").read_text() != "hrtimer_nanosleep":  # filelock's polling
            assert waiting.poll() is None and time.monotonic() < deadline
            if time.monotonic() > settled:  # a kernel that does not tell: past the imports by now
                break
            time.sleep(0.05)
        assert waiting.poll() is None
        waiting.send_signal(signal.SIGINT)
        out, err = waiting.communicate(timeout=60)
        assert (waiting.returncode, out, err) == (130, "", "mnist1d: interrupted\n"), repr(err)
        assert sorted(p.name for p in folder.parent.iterdir()) == [f"{folder.name}_builder.lock"]
    finally:
        holder.kill()
        holder.wait()


def test_load_dataset_racing_build_on_one_folder_both_succeed_and_the_build_is_recorded(tmp_path, capsys):
    data_dir = tmp_path / "data"
    config = MNIST1DConfig(num_samples=20_000)
    building = subprocess.Popen(
        [sys.executable, "-m", "mnist1d_cli", "build", "--num-samples", "20000", "--data-dir", str(data_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env(tmp_path),
    )
    loading = load_dataset_process(tmp_path, data_dir, config.num_samples)
    built_out, built_err = building.communicate(timeout=300)
    loaded_out, loaded_err = loading.communicate(timeout=300)
    assert building.returncode == 0, built_err
    assert loading.returncode == 0, loaded_err
    folder = hf.build_folder(config, data_dir)
    assert built_out.startswith(f"{config.name} (hf): {folder}\n")
    assert loaded_out.strip() == recorded_fingerprint(folder)  # whichever ran first, the same data
    status, out, _ = cli(capsys, "verify", data_dir)  # recorded either way: load_dataset's own build is rebuilt
    assert status == 0 and out.splitlines()[1] == "  1 builds, all intact:"
    assert [p.name for p in folder.parent.iterdir() if not p.name.endswith(".lock")] == [folder.name]
