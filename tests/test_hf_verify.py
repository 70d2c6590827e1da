"""``mnist1d verify`` of a ``datasets`` build: right about every file ``load_dataset`` reads.

No false "intact" (any change to what the loader reads is damage, and no edit of the names
switches the registry check off), no false "damaged" (normal use of a build never makes it
fail), the right file blamed, exit status 1 and one line for any damage.
"""

import json
import shutil
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

datasets = pytest.importorskip("datasets")

import golden  # noqa: E402

import mnist1d_builders.hf as hf  # noqa: E402
from mnist1d_builders.record.manifest import IntegrityError, sha256_file  # noqa: E402
from mnist1d_cli import main  # noqa: E402
from mnist1d_core import PRESETS, fingerprint  # noqa: E402

MANIFEST = "MANIFEST.json"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """A canonical build, made once: its root folder (the cache layout under it)."""
    root = tmp_path_factory.mktemp("built")
    hf.prepare(PRESETS["canonical"], root)
    return root


@pytest.fixture
def folder(built, tmp_path) -> Path:
    """A fresh copy of the build, in the same cache layout, for a test to damage."""
    root = tmp_path / "root"
    shutil.copytree(built, root)
    return root / "mnist1d" / "canonical" / str(hf.VERSION) / hf.CODE_HASH


def resum(folder: Path) -> None:
    """Record again, in MANIFEST.json, the SHA-256 of the files as they are now: damage that the
    checksums alone cannot see."""
    edit_json(
        folder / MANIFEST,
        lambda v: v.update(files={f.name: sha256_file(f) for f in sorted(folder.iterdir()) if f.name != MANIFEST}),
    )


def edit_json(path: Path, change) -> None:
    value = json.loads(path.read_text())
    change(value)
    path.write_text(json.dumps(value))


def damage(folder: Path) -> str:
    with pytest.raises(IntegrityError) as error:
        hf.verify_directory(folder)
    return str(error.value)


def loaded(folder: Path):
    """What load_dataset returns from the build's folder (it reuses the build, never rebuilds it)."""
    ds = datasets.load_dataset("mnist1d", "canonical", cache_dir=str(folder.parents[3]))
    assert ds.cache_files["train"][0]["filename"].startswith(str(folder))
    return ds


def test_an_intact_build_lists_every_file_the_identity_and_the_content(folder):
    lines = hf.verify_directory(folder)
    assert lines[0] == f"{MANIFEST}: all 4 files re-hashed and intact"
    assert [line.split()[-1] for line in lines[1:5]] == [
        "LICENSE",
        "dataset_info.json",
        "mnist1d-test.arrow",
        "mnist1d-train.arrow",
    ]
    assert (
        lines[5] == "identity: canonical 1.0.0, agreed by MANIFEST.json, dataset_info.json and its place in the cache"
    )
    assert lines[6].startswith(f"train: 4000 examples of length 40, content fingerprint {golden.TRAIN_FINGERPRINT}")
    assert lines[6].endswith("matches MANIFEST.json and the registry (canonical)")
    assert lines[7].startswith(f"test: 1000 examples of length 40, content fingerprint {golden.TEST_FINGERPRINT}")
    assert lines[8] == "t: the time axis of canonical, re-derived"


def test_editing_the_split_sizes_load_dataset_uses_is_damage(folder):
    info = folder / "dataset_info.json"
    edit_json(info, lambda v: v["splits"]["train"].update(num_examples=3000))
    assert loaded(folder)["train"].num_rows == 3000  # what the issue found: the loader believes the file
    assert damage(folder).startswith(f"{info}: its SHA-256 differs from the one {MANIFEST} records")
    resum(folder)  # even with consistent checksums, the sizes are bound to the parameters
    assert damage(folder) == (
        f"{info}: records 3000 examples of train in the shards ['mnist1d-train.arrow']; "
        "canonical has 4000, in the shards MANIFEST.json lists"
    )


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda v: v["features"]["y"].update(names=list("abcdefghij")), "its features are not those of canonical"),
        (lambda v: v["features"]["x"].update(length=20), "its features are not those of canonical"),
        (lambda v: v.update(config_name="shuffled"), "records builder and config ('mnist1d', 'shuffled')"),
        (
            lambda v: v["splits"]["train"].update(shard_lengths=[2000, 2000]),
            "records 4000 examples of train in the shards ['mnist1d-train-00000-of-00002.arrow', ",
        ),
        (lambda v: v["splits"].pop("test"), "records the splits ['train'], not ['train', 'test']"),
        (lambda v: v.update(splits=5), "not a valid dataset_info.json"),
    ],
)
def test_every_field_of_dataset_info_that_changes_what_loads_is_bound(folder, edit, message):
    info = folder / "dataset_info.json"
    edit_json(info, edit)
    resum(folder)
    found = damage(folder)
    assert found.startswith(f"{info}: ") and message in found


def test_no_edit_switches_the_registry_check_off(folder, tmp_path):
    """Relabel canonical as a custom config, one record after another: each step is caught."""
    custom = "custom-seed_43"
    manifest, info = folder / MANIFEST, folder / "dataset_info.json"
    edit_json(manifest, lambda v: v["parameters"].update(seed=43))
    assert damage(folder) == (
        f"{manifest}: not a valid MANIFEST.json (config 'canonical', but the parameters are those of '{custom}')"
    )
    edit_json(manifest, lambda v: v.update(config=custom))
    assert damage(folder).startswith(f"{info}: records builder and config ('mnist1d', 'canonical')")
    edit_json(info, lambda v: v.update(config_name=custom))
    resum(folder)
    assert damage(folder) == (
        f"{folder}: its place in the cache says canonical 1.0.0, but the build is {custom} "
        "1.0.0; load_dataset would serve it under the wrong config"
    )
    moved = tmp_path / "elsewhere"  # out of the cache layout, every record says custom-seed_43
    folder.rename(moved)
    assert damage(moved) == (
        f"{moved / 'mnist1d-train.arrow'}: hold the registered content of canonical/train, but MANIFEST.json "
        f"says {custom}/train; a preset's data must carry its name"
    )


def test_a_wrong_fingerprint_record_of_a_preset_is_blamed_on_the_record(folder):
    manifest = folder / MANIFEST
    manifest.write_text(manifest.read_text().replace(golden.TEST_FINGERPRINT, "0" * 64))
    # the shards are as the manifest's SHA-256 says: the registry is the witness
    assert damage(folder) == (
        f"{manifest}: records (1000, '{'0' * 64}') for test, but its shards hold the "
        "registered content of canonical/test: MANIFEST.json is damaged"
    )


def test_a_preset_whose_content_changed_fails_against_the_registry_even_if_every_record_agrees(folder):
    shard = folder / "mnist1d-test.arrow"
    table = pa.ipc.open_stream(shard.read_bytes()).read_all()
    x = table.column("x").combine_chunks()
    values = x.flatten().to_numpy().copy()
    values[0] += 1
    changed = table.set_column(0, "x", pa.FixedSizeListArray.from_arrays(pa.array(values), 40))
    with pa.OSFile(str(shard), "wb") as sink, pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(changed)
    test = changed.to_pydict()
    digest = fingerprint(np.array(test["x"], dtype=np.float32), np.array(test["y"]))
    manifest = folder / MANIFEST
    manifest.write_text(manifest.read_text().replace(golden.TEST_FINGERPRINT, digest))
    resum(folder)
    assert damage(folder) == (
        f"{shard}: content fingerprint {digest} of canonical/test is not the registered "
        f"{golden.TEST_FINGERPRINT}: the data is not the published data"
    )


def test_a_stray_shard_named_like_the_builds_is_damage(folder):
    stray = folder / "mnist1d-train-00001-00000-of-NNNNN.arrow"  # what a killed num_proc=2 run used to leave
    shutil.copy(folder / "mnist1d-train.arrow", stray)
    assert damage(folder) == (
        f"{stray}: a file that {MANIFEST} does not list; a loader could read it as part of the "
        "dataset: remove it if it is not"
    )
    stray.rename(folder / "mnist1d-train-00001-of-00002.arrow")
    resum(folder)  # listed, but no split reads it
    assert damage(folder) == (
        f"{folder / 'mnist1d-train-00001-of-00002.arrow'}: a shard that no split of MANIFEST.json lists"
    )


@pytest.mark.filterwarnings("ignore:Specifying null_placement:FutureWarning")  # datasets 5.2 sorting on pyarrow 26
def test_normal_use_never_makes_an_intact_build_fail(folder):
    ds = loaded(folder)
    train = ds["train"]
    train.map(lambda row: {"z": row["y"] * 2}).filter(lambda row: row["z"] > 6)
    train.map(lambda batch: {"z": batch["y"]}, batched=True)
    train.shuffle(seed=1).flatten_indices()
    train.sort("y")
    assert train.with_format("numpy")[:3]["x"].shape == (3, 40) and len(train.to_pandas()) == 4000
    assert len(list(train.to_iterable_dataset().take(5))) == 5
    assert next(iter(datasets.load_dataset("mnist1d", split="test", streaming=True, cache_dir=str(folder.parents[3]))))
    (folder / "tmpk2v8xq1a").write_bytes(b"a map in progress")  # what a map interrupted leaves
    lines = hf.verify_directory(folder)
    ignored = [line for line in lines if line.startswith("ignored: ")]
    assert len([line for line in ignored if line.startswith("ignored: cache-")]) >= 4
    assert all(
        line.endswith("(datasets' cache of a map, filter, shuffle or sort result; load_dataset never reads it)")
        for line in ignored
        if line.startswith("ignored: cache-")
    )
    assert "ignored: tmpk2v8xq1a (datasets' temporary file of a map or filter in progress)" in ignored
    assert not any("/" in line.split()[1] for line in ignored)
    ds.cleanup_cache_files()
    assert not any(line.startswith("ignored: cache-") for line in hf.verify_directory(folder))


def wrong_digest_for(folder: Path, name: str) -> Path:
    edit_json(folder / MANIFEST, lambda v: v["files"].update({name: "f" * 64}))
    return folder / MANIFEST


def test_a_wrong_digest_for_an_intact_shard_blames_sha256sums(folder):
    sums = wrong_digest_for(folder, "mnist1d-train.arrow")
    assert damage(folder) == (
        f"{sums}: the SHA-256 it records for mnist1d-train.arrow is not the file's, yet train "
        f"still has the recorded content: {MANIFEST} is damaged, or bytes of "
        "mnist1d-train.arrow outside the data are"
    )


def test_a_wrong_digest_for_another_file_says_plainly_that_either_may_be_damaged(folder):
    sums = wrong_digest_for(folder, "dataset_info.json")
    assert damage(folder) == (
        f"{folder / 'dataset_info.json'}: its SHA-256 differs from the one {MANIFEST} records; "
        f"the file or {sums.name} is damaged"
    )


@pytest.mark.parametrize(
    "name, bad, message",
    [
        (MANIFEST, "not JSON\n", "not JSON (Expecting value at line 1, column 1)"),
        (MANIFEST, b"\xff\xfe\x00", "not UTF-8 text (byte 0)"),
        (
            MANIFEST,
            '{"format": "mnist1d-manifest"}',
            "not a valid MANIFEST.json (format 'mnist1d-manifest' schema 'None')",
        ),
        ("dataset_info.json", '{"splits": ', "not JSON (Expecting value at line 1, column 12)"),
        ("dataset_info.json", "[1, 2]", "not a JSON object"),
    ],
)
def test_a_malformed_record_is_damage_exit_1_in_one_line_naming_it(folder, capsys, name, bad, message):
    path = folder / name
    (path.write_bytes if isinstance(bad, bytes) else path.write_text)(bad)
    if name != MANIFEST:
        resum(folder)
    assert main(["verify", str(folder)]) == 1
    out, err = capsys.readouterr()
    assert out == "" and err.startswith(f"mnist1d: error: {path}: ") and message in err and err.count("\n") == 1


# --- one flipped byte anywhere ---------------------------------------------------------


@pytest.mark.parametrize("rewrite_sums", [False, True], ids=["sums kept", "sums rewritten"])
def test_one_flipped_byte_anywhere_is_named_or_loads_exactly_as_recorded(built, tmp_path, rewrite_sums):
    """For every file and several positions in it: either verify names that file (or
    MANIFEST.json), or load_dataset returns exactly the recorded content, features and sizes.
    With the checksums rewritten after the flip, only the content and identity checks stand."""
    names = sorted(f.name for f in (built / "mnist1d" / "canonical" / str(hf.VERSION) / hf.CODE_HASH).iterdir())
    outcomes = {"named": 0, "loads as recorded": []}
    for name in names:
        if rewrite_sums and name == MANIFEST:
            continue
        size = (built / "mnist1d" / "canonical" / str(hf.VERSION) / hf.CODE_HASH / name).stat().st_size
        for position in sorted({0, size // 3, size // 2, 2 * size // 3, size - 1}):
            case = tmp_path / f"{name}-{position}"
            shutil.copytree(built, case)
            folder = case / "mnist1d" / "canonical" / str(hf.VERSION) / hf.CODE_HASH
            data = bytearray((folder / name).read_bytes())
            data[position] ^= 0x01
            (folder / name).write_bytes(data)
            if rewrite_sums:
                resum(folder)
            try:
                hf.verify_directory(folder)
            except IntegrityError as error:
                named = str(error).split(": ")[0]
                assert named in (str(folder / name), str(folder / MANIFEST)), (name, position, error)
                outcomes["named"] += 1
            else:
                ds = loaded(folder)
                for split, digest, size_ in (
                    ("train", golden.TRAIN_FINGERPRINT, 4000),
                    ("test", golden.TEST_FINGERPRINT, 1000),
                ):
                    part = ds[split].with_format("numpy")[:]
                    assert (fingerprint(part["x"], part["y"]), ds[split].num_rows) == (digest, size_), (name, position)
                    assert ds[split].features == hf.features(40) and part["x"].dtype == np.float32, (name, position)
                outcomes["loads as recorded"].append((name, position))
            shutil.rmtree(case)
    assert outcomes["named"] >= (20 if not rewrite_sums else 10), outcomes  # 4 files (and the manifest) x 5 places
    if not rewrite_sums:  # every byte the loader reads is covered
        assert outcomes["loads as recorded"] == [], outcomes


def test_manifest_parameters_out_of_range_name_the_manifest(folder, capsys):
    edit_json(folder / MANIFEST, lambda v: v["parameters"].update(seed=-1))
    assert damage(folder) == f"{folder / MANIFEST}: not a valid MANIFEST.json (seed must be in 0..4294967295, got -1)"


def test_an_edited_time_axis_is_named(folder):
    edit_json(folder / MANIFEST, lambda v: v["t"].__setitem__(0, 0.5))
    assert damage(folder) == f"{folder / MANIFEST}: its t is not the time axis canonical has"
