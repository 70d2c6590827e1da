"""``mnist1d verify`` of a Hub export: right about everything ``load_dataset(folder, config)``
reads, no false "intact", no false "damaged", the right file named, exit status 1 in one line.

Many cases edit a file *and re-record the SHA-256 in MANIFEST.json*, as a person "fixing" the
checksums would: the checksums then agree, and what is left to catch the edit is the rest of verify.
"""

import dataclasses
import json
import os
import shutil
from pathlib import Path

import pytest

datasets = pytest.importorskip("datasets")

import pyarrow.parquet as pq  # noqa: E402

from mnist1d_builders import hub  # noqa: E402
from mnist1d_builders.hub import exporter, parquet, summary  # noqa: E402
from mnist1d_builders.record.manifest import IntegrityError, sha256_file  # noqa: E402
from mnist1d_cli import main  # noqa: E402
from mnist1d_core import PRESETS, MNIST1DConfig, fingerprint  # noqa: E402
from mnist1d_core.fingerprint import registry  # noqa: E402

CUSTOM = MNIST1DConfig(num_samples=100, seed=3)


@pytest.fixture(autouse=True)
def offline(hub_offline):
    datasets.disable_progress_bars()


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    """Two exports made once, copied by each test: canonical (a preset) and a small custom one."""
    folder = tmp_path_factory.mktemp("exports")
    hub.export(folder / "canonical", [PRESETS["canonical"]])
    hub.export(folder / "custom", [CUSTOM])
    return folder


@pytest.fixture
def canonical(exports, tmp_path):
    return Path(shutil.copytree(exports / "canonical", tmp_path / "E"))


@pytest.fixture
def custom(exports, tmp_path):
    return Path(shutil.copytree(exports / "custom", tmp_path / "E"))


def rerecord(folder: Path) -> None:
    """Record again, in each config's MANIFEST.json, the SHA-256 of what its folder holds now."""
    for manifest in folder.glob("*/MANIFEST.json"):
        try:
            record = json.loads(manifest.read_text())
        except ValueError:
            continue  # a damaged manifest stays damaged
        files = sorted(p for p in manifest.parent.iterdir() if p.is_file() and p.name != "MANIFEST.json")
        record["files"] = {p.name: sha256_file(p) for p in files}
        manifest.write_text(json.dumps(record))


def verify(folder: Path, capsys) -> tuple[int, str]:
    """``mnist1d verify``: its status and, when damaged, its one line."""
    status = main(["verify", str(folder)])
    out, err = capsys.readouterr()
    if status == 0:
        assert err == "" and out.startswith(f"{folder}: intact\n"), err
        return status, out
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return status, err.removeprefix("mnist1d: error: ").rstrip("\n")


def damaged(folder: Path, capsys) -> str:
    status, message = verify(folder, capsys)
    assert status == 1, message
    return message


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def shard(folder: Path, config: str = "canonical", split: str = "train") -> Path:
    return folder / config / f"{split}-00000-of-00001.parquet"


def loaded_fingerprints(folder: Path, config: str, cache: Path) -> dict[str, str]:
    ds = datasets.load_dataset(str(folder), config, cache_dir=str(cache)).with_format("numpy")
    return {split: fingerprint(ds[split][:]["x"], ds[split][:]["y"]) for split in ds}


# --- the checksums -----------------------------------------------------------------------


def test_an_intact_export_verifies(canonical, capsys):
    status, out = verify(canonical, capsys)
    assert status == 0
    for split in ("train", "test"):
        assert (
            f"canonical/{split}: {registry()['canonical', split].num_examples} examples of length 40, content "
            f"fingerprint {registry()['canonical', split].sha256} re-read from {split}-00000-of-00001.parquet: "
            "matches MANIFEST.json and the registry (canonical)"
        ) in out


def test_a_changed_byte_of_a_shard_names_the_shard(canonical, capsys):
    data = bytearray(shard(canonical).read_bytes())
    data[len(data) // 2] ^= 1
    shard(canonical).write_bytes(bytes(data))
    assert damaged(canonical, capsys) == (
        f"{shard(canonical)}: damaged: its SHA-256 differs from the one MANIFEST.json records, "
        "and so does the content of train"
    )


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda text: text[:-3], "{manifest}: not JSON (Expecting "),
        (lambda text: "", "{manifest}: not JSON (Expecting value at line "),
        (
            lambda text: text.replace('"layout": "hub"', '"layout": "tfds"'),
            "{manifest}: not a valid MANIFEST.json (layout 'tfds', not 'hub')",
        ),
        (
            lambda text: text.replace('"num_rows": 80', '"num_rows": 8e1'),
            "{manifest}: not a valid MANIFEST.json (num_rows '80.0'",
        ),
    ],
)
def test_a_damaged_manifest_is_named(custom, capsys, change, message):
    manifest = custom / CUSTOM.name / "MANIFEST.json"
    manifest.write_text(change(json.dumps(json.loads(manifest.read_text()))))
    assert damaged(custom, capsys).startswith(message.format(manifest=manifest))


def test_a_digest_changed_in_the_manifest_names_the_manifest(custom, capsys):
    manifest = custom / CUSTOM.name / "MANIFEST.json"
    record = json.loads(manifest.read_text())
    record["files"]["train-00000-of-00001.parquet"] = "0" * 64
    manifest.write_text(json.dumps(record))
    assert damaged(custom, capsys) == (
        f"{manifest}: the SHA-256 it records for train-00000-of-00001.parquet is not the file's, yet train still "
        "has the recorded content: MANIFEST.json is damaged, or bytes of train-00000-of-00001.parquet outside the data are"
    )


def test_a_missing_manifest_is_named(custom, capsys):
    (custom / CUSTOM.name / "MANIFEST.json").unlink()
    assert damaged(custom, capsys) == (
        f"{custom / CUSTOM.name / 'MANIFEST.json'}: missing, so the folder {CUSTOM.name} cannot be checked"
    )


def test_an_export_of_release_0_1_0_is_named_as_such(custom, capsys):
    (custom / CUSTOM.name / "MANIFEST.json").unlink()
    (custom / "SHA256SUMS").write_text("")
    status, message = verify(custom, capsys)
    assert status == 2 and message == (
        f"{custom}: exported by mnist1d-datasets 0.1.0 (it keeps SHA256SUMS and Parquet-footer records, not "
        "MANIFEST.json per config); this release does not read those records: export it again"
    )


@pytest.mark.parametrize(
    "content", [b"\xff\xfe not utf-8", b"---\nconfigs: [unclosed\n---\n", b"---\n- a list\n---\n"]
)
def test_an_unreadable_or_malformed_card_is_named(custom, capsys, content):
    (custom / "README.md").write_bytes(content)
    rerecord(custom)
    assert damaged(custom, capsys).startswith(f"{custom / 'README.md'}: not a readable dataset card (")


def test_a_card_without_yaml_is_named(custom, capsys):
    (custom / "README.md").write_text("# MNIST-1D\n")
    rerecord(custom)
    assert damaged(custom, capsys) == (
        f"{custom / 'README.md'}: has no YAML metadata block, so load_dataset would find no configs in it"
    )
    (custom / "README.md").write_text("---\nlicense: mit\n---\n# MNIST-1D\n")
    assert damaged(custom, capsys).startswith(
        f"{custom / 'README.md'}: its YAML `configs` is not what an export writes"
    )


def test_an_unreadable_shard_is_named(custom, capsys):
    path = shard(custom, CUSTOM.name)
    path.write_bytes(path.read_bytes()[:-100])
    rerecord(custom)
    assert damaged(custom, capsys).startswith(f"{path}: not a readable MNIST-1D Parquet shard (")


# --- coverage: what the loader reads ----------------------------------------------------------


@pytest.mark.parametrize(
    "old, new, key",
    [
        ("    num_examples: 4000", "    num_examples: 3000", "dataset_info"),
        ("    length: 40", "    length: 41", "dataset_info"),
        ("    list: float32", "    list: float64", "dataset_info"),
        ("  download_size: ", "  download_size: 1", "dataset_info"),
        ("    path: canonical/train-*", "    path: canonical/*-*", "configs"),
        ("  default: true", "  default: true\n  filters:\n  - [y, '==', 3]", "configs"),
        ("  default: true", "  default: true\n  features: {x: {dtype: float64, _type: Value}}", "configs"),
        ("configs:\n- config_name: canonical", "configs:\n- config_name: shuffled", "configs"),
    ],
)
def test_an_edit_of_the_yaml_the_loader_reads_is_damage_of_the_card(canonical, capsys, old, new, key):
    edit(canonical / "README.md", old, new)
    rerecord(canonical)
    assert damaged(canonical, capsys).startswith(
        f"{canonical / 'README.md'}: its YAML `{key}` is not what an export writes for the Parquet files here"
    )


def test_such_an_edit_changes_what_load_dataset_returns(canonical, tmp_path):
    # Why the card's YAML is covered: two consistent edits, and the loader silently returns the
    # test examples as the train split.
    edit(canonical / "README.md", "    path: canonical/train-*", "    path: canonical/test-*")
    edit(canonical / "README.md", "    num_examples: 4000", "    num_examples: 1000")
    rerecord(canonical)
    loaded = loaded_fingerprints(canonical, "canonical", tmp_path / "cache")
    assert loaded["train"] == registry()["canonical", "test"].sha256


@pytest.mark.parametrize("name", [".huggingface.yaml", "dataset_infos.json", "canonical/train-extra.parquet"])
def test_another_file_the_loader_would_read_is_damage_listed_or_not(canonical, capsys, name):
    (canonical / name).write_text("configs:\n- config_name: canonical\n  data_files: canonical/test-*\n")
    listed_by = "MANIFEST.json does not list" if name.startswith("canonical/") else "no MANIFEST.json lists"
    assert damaged(canonical, capsys) == (
        f"{canonical / name}: a file that {listed_by}; a loader could read it as part of the dataset: remove it if it is not"
    )
    rerecord(canonical)
    if name.startswith("canonical/"):  # recorded in the config's manifest: still no file of an export
        assert damaged(canonical, capsys) == (
            f"{canonical / name}: listed in MANIFEST.json, but an export has no such file"
        )


# --- exactly the recorded files -----------------------------------------------------------------


def test_a_stray_shard_named_like_the_exports_is_damage(canonical, capsys):
    stray = canonical / "canonical" / "train-00001-of-00002.parquet"
    shutil.copyfile(shard(canonical), stray)
    assert damaged(canonical, capsys).startswith(f"{stray}: a file that MANIFEST.json does not list")
    rerecord(canonical)
    assert damaged(canonical, capsys) == f"{stray}: listed in MANIFEST.json, but an export has no such file"


def test_a_missing_shard_is_named(canonical, capsys, monkeypatch):
    monkeypatch.setattr(datasets.config, "MAX_SHARD_SIZE", "400KB")  # canonical train: 2 shards
    two = canonical.parent / "two"
    hub.export(two, [PRESETS["canonical"]])
    (two / "canonical" / "train-00001-of-00002.parquet").unlink()
    rerecord(two)
    assert damaged(two, capsys) == (
        f"{two / 'canonical' / 'train-00001-of-00002.parquet'}: missing; MANIFEST.json lists it as a shard of train"
    )


def test_normal_use_never_makes_an_intact_export_fail(canonical, capsys, tmp_path):
    ds = datasets.load_dataset(str(canonical), "canonical", cache_dir=str(tmp_path / "cache"))
    ds["train"].map(lambda row: {"z": row["y"] + 1}).filter(lambda row: row["y"] == 3).to_pandas()
    ds["test"].with_format("numpy")[:]
    next(iter(datasets.load_dataset(str(canonical), "canonical", streaming=True)["train"]))
    # what a clone or a download of the Hub repository adds
    (canonical / ".git" / "objects").mkdir(parents=True)
    (canonical / ".git" / "objects" / "pack.parquet").write_bytes(shard(canonical).read_bytes())
    (canonical / ".gitattributes").write_text("*.parquet filter=lfs\n")
    (canonical / ".cache" / "huggingface" / "download").mkdir(parents=True)
    (canonical / ".cache" / "huggingface" / "download" / "README.md.metadata").write_text("x\n")
    status, out = verify(canonical, capsys)
    assert status == 0
    assert "ignored: .gitattributes (written by the Hub into every repository)\n" in out
    assert "ignored: .git (git's own files, in a clone of the Hub repository)\n" in out
    assert "ignored: .cache (huggingface_hub's download metadata)\n" in out


# --- a bound identity ---------------------------------------------------------------------------


def test_a_config_renamed_in_the_card_and_its_folder_is_damage_of_the_shards(canonical, capsys):
    (canonical / "canonical").rename(canonical / "custom-seed_43")
    text = (canonical / "README.md").read_text().replace("canonical", "custom-seed_43")
    (canonical / "README.md").write_text(text)
    rerecord(canonical)
    assert damaged(canonical, capsys) == (
        f"{canonical / 'custom-seed_43' / 'MANIFEST.json'}: records config canonical, but lies in folder custom-seed_43"
    )


def test_a_shard_named_for_the_other_split_is_named(canonical, capsys):
    train, test = shard(canonical), shard(canonical, split="test")
    train.rename(canonical / "swap")
    test.rename(train)
    (canonical / "swap").rename(test)
    rerecord(canonical)
    message = damaged(canonical, capsys)  # train's shard now holds the test examples
    assert message.startswith(f"{train}: hold 1000 examples of length 40 with content fingerprint ")
    assert message.endswith(
        f"not the 4000 with {registry()['canonical', 'train'].sha256} that MANIFEST.json records for train: damaged"
    )


def forged(folder: Path, monkeypatch, claimed: MNIST1DConfig, content: MNIST1DConfig) -> None:
    """An export whose every record (shards, card, checksums) claims ``claimed`` but holds
    ``content``'s data: what consistent edits of every file would make."""
    real = exporter.generate
    monkeypatch.setattr(
        exporter, "generate", lambda config, progress=None: dataclasses.replace(real(content), config=config)
    )
    monkeypatch.setattr(summary, "check_fingerprint", lambda name, split, digest: False)
    monkeypatch.setattr(exporter, "verify_export", lambda folder: [])
    hub.export(folder, [claimed])
    monkeypatch.undo()


def test_a_presets_content_under_another_name_is_damage(tmp_path, capsys, monkeypatch):
    # Every record says custom-seed_43; the content is canonical's: the registry check cannot be
    # switched off by renaming, because registered content is recognised by its fingerprint.
    forged(tmp_path / "E", monkeypatch, claimed=PRESETS["canonical"].replace(seed=43), content=PRESETS["canonical"])
    path = tmp_path / "E" / "custom-seed_43" / "train-00000-of-00001.parquet"
    assert damaged(tmp_path / "E", capsys) == (
        f"{path}: hold the registered content of canonical/train, but MANIFEST.json "
        "says custom-seed_43/train; a preset's data must carry its name"
    )


def test_a_preset_name_over_other_content_is_damage_of_the_shards(tmp_path, capsys, monkeypatch):
    forged(tmp_path / "E", monkeypatch, claimed=PRESETS["canonical"], content=PRESETS["canonical"].replace(seed=43))
    message = damaged(tmp_path / "E", capsys)
    assert message.startswith(f"{tmp_path / 'E' / 'canonical' / 'train-00000-of-00001.parquet'}: content fingerprint ")
    assert registry()["canonical", "train"].sha256 in message


def test_a_custom_config_that_makes_a_presets_data_is_intact(tmp_path, capsys):
    # num_samples=5005 floors to canonical's 5000 examples: the same data under its own name.
    config = PRESETS["canonical"].replace(num_samples=5005)
    hub.export(tmp_path / "E", [config])
    status, out = verify(tmp_path / "E", capsys)
    assert status == 0 and registry()["canonical", "train"].sha256 in out


# --- blame the right file -----------------------------------------------------------------------


def test_a_presets_fingerprint_edited_on_the_card_blames_the_card(canonical, capsys):
    digest = registry()["canonical", "train"].sha256
    edit(canonical / "README.md", f"fingerprint: {digest}", f"fingerprint: {'0' * 64}")
    assert damaged(canonical, capsys) == (
        f"{canonical / 'README.md'}: its YAML `mnist1d` does not state what the manifests record "
        "(config canonical); the card is damaged"
    )


def test_a_custom_fingerprint_that_disagrees_names_both(custom, capsys):
    manifest = custom / CUSTOM.name / "MANIFEST.json"
    record = json.loads(manifest.read_text())
    digest = record["splits"]["train"]["fingerprint"]
    record["splits"]["train"]["fingerprint"] = "0" * 64
    manifest.write_text(json.dumps(record))
    assert damaged(custom, capsys) == (
        f"{shard(custom, CUSTOM.name)}: hold 80 examples of length 40 with content fingerprint {digest}, not "
        f"the 80 with {'0' * 64} that MANIFEST.json records for train: the shards or MANIFEST.json are damaged"
    )


def test_a_parameter_edited_on_the_card_is_damage_of_the_card(custom, capsys):
    edit(custom / "README.md", "        seed: 3\n", "        seed: 4\n")
    assert damaged(custom, capsys) == (
        f"{custom / 'README.md'}: its YAML `mnist1d` does not state what the manifests record "
        f"(config {CUSTOM.name}); the card is damaged"
    )
    edit(custom / "README.md", "        seed: 4\n", "        seed: 3\n")
    edit(custom / "README.md", "| `seed` | **`3`** |", "| `seed` | **`4`** |")  # the prose: not a record
    assert verify(custom, capsys)[0] == 0


def test_a_shard_whose_content_was_replaced_names_the_shard(canonical, capsys):
    path = shard(canonical, split="test")
    table = pq.read_table(path)
    parquet.write_shard(table.slice(0, 999), str(path))
    rerecord(canonical)
    assert damaged(canonical, capsys).startswith(f"{path}: hold 999 examples of length 40 with content fingerprint ")


# --- the general test -----------------------------------------------------------------------------


@pytest.mark.parametrize("rerecorded", [False, True], ids=["as recorded", "checksums re-recorded"])
def test_any_changed_byte_is_named_or_loads_as_recorded(exports, tmp_path, capsys, rerecorded):
    """Flip one byte of every file at several places: either verify names that file (or
    its MANIFEST.json, or the card), or load_dataset returns exactly the recorded fingerprints."""
    original = exports / "custom"
    recorded = {split: registry_or_card(original, split) for split in ("train", "test")}
    outcomes = {"named": 0, "intact": 0}
    for relative in sorted(p.relative_to(original).as_posix() for p in original.rglob("*") if p.is_file()):
        if rerecorded and relative.endswith("MANIFEST.json"):
            continue  # re-recording would undo the change
        size = (original / relative).stat().st_size
        for position in sorted({0, 1, size // 5, 2 * size // 5, 3 * size // 5, 4 * size // 5, size - 2, size - 1}):
            folder = Path(shutil.copytree(original, tmp_path / f"{relative.replace('/', '_')}-{position}"))
            data = bytearray((folder / relative).read_bytes())
            data[position] ^= 0x10
            (folder / relative).write_bytes(bytes(data))
            if rerecorded:
                rerecord(folder)
            status, message = verify(folder, capsys)
            if status == 1:
                named = message.split(": ")[0]
                manifest = str(folder / Path(relative).parent / "MANIFEST.json")
                assert named in (str(folder / relative), manifest, str(folder / "README.md")), (
                    relative,
                    position,
                    message,
                )
                outcomes["named"] += 1
            else:
                assert status == 0, message
                assert loaded_fingerprints(folder, CUSTOM.name, tmp_path / "cache") == recorded, (relative, position)
                outcomes["intact"] += 1
                outcomes.setdefault("intact files", set()).add(relative)
            shutil.rmtree(folder)
    if rerecorded:  # changes the checksums no longer catch: the rest of verify, or harmless ones
        assert outcomes["named"] > 5 and outcomes["intact"] > 5, outcomes
    else:  # only the card's prose and its figure may change without damage: no loader reads them
        assert outcomes.get("intact files", set()) <= {"README.md", "assets/mnist1d_examples.png"}, outcomes


def registry_or_card(folder: Path, split: str) -> str:
    """The fingerprint the export records for ``split``: its manifest's."""
    return json.loads((folder / CUSTOM.name / "MANIFEST.json").read_text())["splits"][split]["fingerprint"]


def test_verify_export_raises_integrity_errors_only(custom):
    (custom / "README.md").write_text("---\n: [\n---\n")
    with pytest.raises(IntegrityError, match="not a readable dataset card"):
        hub.verify_export(custom)


@pytest.mark.parametrize("stray", ["cache-0123.arrow", "mnist1d-train.tfrecord-00000-of-00001"])
def test_mnist1d_verify_names_a_stray_in_an_export_not_another_formats_files(canonical, capsys, stray):
    # The export's own files tell its format: a stray of another format is named as the stray.
    (canonical / stray).write_bytes(b"x")
    assert main(["verify", str(canonical)]) == 1
    assert capsys.readouterr().err.startswith(
        f"mnist1d: error: {canonical / stray}: a file that no MANIFEST.json lists"
    )


# --- what the loaders would read: symlinks, special files, bounds (issue 21) ----------------------


def test_a_config_folder_replaced_by_a_symlink_with_mixed_shards_is_refused(canonical, capsys, tmp_path):
    """The review's false "intact": canonical/ a symlink to a folder holding the same shards plus
    another split's shard, inside the export (.git/x) or outside it."""
    for target in (canonical / ".git" / "x", tmp_path / "outside"):
        shutil.copytree(canonical / "canonical", target)
        shutil.copyfile(shard(canonical), target / "train-00000-of-00002.parquet")
        shutil.rmtree(canonical / "canonical") if not (canonical / "canonical").is_symlink() else (
            canonical / "canonical"
        ).unlink()
        (canonical / "canonical").symlink_to(target)
        assert damaged(canonical, capsys) == (
            f"{canonical / 'canonical'}: a symlink; an export holds its own files, so it is refused"
        )


def test_benchmark_from_an_export_with_a_symlinked_config_reads_nothing(canonical, capsys, tmp_path):
    from mnist1d_builders.record.read import read_splits

    shutil.copytree(canonical / "canonical", tmp_path / "outside")
    shutil.rmtree(canonical / "canonical")
    (canonical / "canonical").symlink_to(tmp_path / "outside")
    with pytest.raises(IntegrityError, match="a symlink"):
        read_splits(canonical, "canonical")


@pytest.mark.parametrize("record", ["README.md", "canonical/MANIFEST.json", "canonical/train-00000-of-00001.parquet"])
def test_every_record_as_a_fifo_is_refused_without_a_hang(canonical, capsys, record):
    (canonical / record).unlink()
    os.mkfifo(canonical / record)
    assert damaged(canonical, capsys) == f"{canonical / record}: a FIFO, not a file; nothing was read from it"


@pytest.mark.parametrize("record", ["README.md", "canonical/MANIFEST.json", "canonical/train-00000-of-00001.parquet"])
def test_every_record_as_a_symlink_out_is_refused(canonical, capsys, tmp_path, record):
    shutil.copyfile(canonical / record, tmp_path / "copy")
    (canonical / record).unlink()
    (canonical / record).symlink_to(tmp_path / "copy")
    assert "a symlink" in damaged(canonical, capsys)


@pytest.mark.parametrize("record, limit", [("README.md", "8,388,608"), ("canonical/MANIFEST.json", "8,388,608")])
def test_a_huge_record_is_refused_after_a_bounded_read(canonical, capsys, record, limit):
    with open(canonical / record, "ab") as f:
        f.truncate(2**24)
    assert damaged(canonical, capsys) == f"{canonical / record}: 16,777,216 bytes, more than the {limit} it may hold"


def test_deeply_nested_records_give_one_line(canonical, capsys):
    (canonical / "canonical" / "MANIFEST.json").write_text("[" * 100_000 + "]" * 100_000)
    assert (
        damaged(canonical, capsys) == f"{canonical / 'canonical' / 'MANIFEST.json'}: JSON nested deeper than 8 levels"
    )


def test_deeply_nested_card_yaml_gives_one_line(canonical, capsys):
    text = (canonical / "README.md").read_text()
    (canonical / "README.md").write_text(text.replace("---\n", "---\nx: " + "[" * 5000 + "]" * 5000 + "\n", 1))
    assert damaged(canonical, capsys).startswith(f"{canonical / 'README.md'}: ")


def test_an_export_whose_path_load_dataset_cannot_read_is_refused(exports, tmp_path, capsys):
    odd = Path(shutil.copytree(exports / "custom", tmp_path / "x[1]"))
    assert main(["verify", str(odd)]) == 2
    assert "load_dataset reads a folder by a glob pattern" in capsys.readouterr().err
