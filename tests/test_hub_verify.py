"""``mnist1d verify`` of a Hub export: right about everything ``load_dataset(folder, config)``
reads, no false "intact", no false "damaged", the right file named, exit status 1 in one line.

Many cases edit a file *and re-record SHA256SUMS*, as a person "fixing" the checksums
would: the checksums then agree, and what is left to catch the edit is the rest of verify.
"""

import dataclasses
import shutil
from pathlib import Path

import pytest

datasets = pytest.importorskip("datasets")

import pyarrow.parquet as pq  # noqa: E402

from mnist1d_builders import hub  # noqa: E402
from mnist1d_builders.hub import exporter, parquet, summary  # noqa: E402
from mnist1d_builders.integrity import IntegrityError, write_sha256sums  # noqa: E402
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
    """Write SHA256SUMS again for what the folder holds now."""
    write_sha256sums(folder, [p for p in folder.rglob("*") if p.is_file() and p.name != "SHA256SUMS"])


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
            f"fingerprint {registry()['canonical', split].sha256} re-read from canonical/{split}-00000-of-00001.parquet: "
            "matches README.md and the registry (canonical)"
        ) in out


def test_a_changed_byte_of_a_shard_names_the_shard(canonical, capsys):
    data = bytearray(shard(canonical).read_bytes())
    data[len(data) // 2] ^= 1
    shard(canonical).write_bytes(bytes(data))
    assert damaged(canonical, capsys) == (
        f"{shard(canonical)}: its SHA-256 differs from the one SHA256SUMS records; "
        f"the file or {canonical / 'SHA256SUMS'} is damaged"
    )


@pytest.mark.parametrize(
    "change, message",
    [
        (
            lambda text: text.replace("  README.md", " README.md"),
            "{sums}: line 1 is not '<sha256>  <file>' for a new file",
        ),
        (lambda text: text + "garbage\n", "{sums}: line 5 is not '<sha256>  <file>' for a new file"),
        (lambda text: "", "{sums}: lists no file; SHA256SUMS is damaged"),
        (
            lambda text: "0" * 64 + text[64:],
            "{card}: its SHA-256 differs from the one SHA256SUMS records; the file or {sums} is damaged",
        ),
    ],
)
def test_a_damaged_sha256sums_is_named(custom, capsys, change, message):
    sums = custom / "SHA256SUMS"
    sums.write_text(change(sums.read_text()))
    assert damaged(custom, capsys).startswith(message.format(sums=sums, card=custom / "README.md"))


def test_an_unreadable_sha256sums_is_named(custom, capsys):
    (custom / "SHA256SUMS").write_bytes(b"\xff\xfe")
    assert damaged(custom, capsys).startswith(f"{custom / 'SHA256SUMS'}: unreadable")
    (custom / "SHA256SUMS").unlink()
    assert damaged(custom, capsys) == f"{custom / 'SHA256SUMS'}: missing, so the files cannot be checked"


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
    rerecord(custom)
    assert (
        damaged(custom, capsys) == f"{custom / 'README.md'}: its fingerprints table has no row for {CUSTOM.name}/train"
    )


def test_an_unreadable_shard_is_named(custom, capsys):
    path = shard(custom, CUSTOM.name)
    path.write_bytes(path.read_bytes()[:-100])
    rerecord(custom)
    assert damaged(custom, capsys).startswith(
        f"{path}: not a readable MNIST-1D Parquet shard with its 'mnist1d' record ("
    )


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
    assert damaged(canonical, capsys) == (
        f"{canonical / name}: a file that SHA256SUMS does not list; a loader "
        "could read it as part of the dataset: remove it if it is not"
    )
    rerecord(canonical)
    assert damaged(canonical, capsys) == (
        f"{canonical / name}: listed in SHA256SUMS, but an export has no such file "
        "(a loader could read it as part of the dataset): remove it if it is not"
    )


# --- exactly the recorded files -----------------------------------------------------------------


def test_a_stray_shard_named_like_the_exports_is_damage(canonical, capsys):
    stray = canonical / "canonical" / "train-00001-of-00002.parquet"
    shutil.copyfile(shard(canonical), stray)
    assert damaged(canonical, capsys).startswith(f"{stray}: a file that SHA256SUMS does not list")
    rerecord(canonical)
    assert damaged(canonical, capsys) == (
        f"{stray}: a stray shard beside train-00000-of-00001.parquet, which says canonical/train has 1 shard(s)"
    )


def test_a_missing_shard_is_named(canonical, capsys, monkeypatch):
    monkeypatch.setattr(datasets.config, "MAX_SHARD_SIZE", "400KB")  # canonical train: 2 shards
    two = canonical.parent / "two"
    hub.export(two, [PRESETS["canonical"]])
    (two / "canonical" / "train-00001-of-00002.parquet").unlink()
    rerecord(two)
    assert damaged(two, capsys) == (
        f"{two / 'canonical' / 'train-00001-of-00002.parquet'}: missing (not listed in "
        "SHA256SUMS); canonical/train has 2 shards"
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
    assert "ignored: .git/objects/pack.parquet (git's own files, in a clone of the Hub repository)\n" in out
    assert "ignored: .cache/huggingface/download/README.md.metadata (huggingface_hub's download metadata)\n" in out


# --- a bound identity ---------------------------------------------------------------------------


def test_a_config_renamed_in_the_card_and_its_folder_is_damage_of_the_shards(canonical, capsys):
    (canonical / "canonical").rename(canonical / "custom-seed_43")
    text = (canonical / "README.md").read_text().replace("canonical", "custom-seed_43")
    (canonical / "README.md").write_text(text)
    rerecord(canonical)
    assert damaged(canonical, capsys) == (
        f"{canonical / 'custom-seed_43' / 'test-00000-of-00001.parquet'}: records "
        "config canonical, but lies in folder custom-seed_43"
    )


def test_a_shard_named_for_the_other_split_is_named(canonical, capsys):
    train, test = shard(canonical), shard(canonical, split="test")
    train.rename(canonical / "swap")
    test.rename(train)
    (canonical / "swap").rename(test)
    rerecord(canonical)
    assert damaged(canonical, capsys) == f"{test}: records split 'train', but is named a test shard"


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
        f"{path}: hold the registered content of canonical/train, but record "
        "custom-seed_43/train; a preset's data must carry its name"
    )


def test_a_preset_name_over_other_content_is_damage_of_the_shards(tmp_path, capsys, monkeypatch):
    forged(tmp_path / "E", monkeypatch, claimed=PRESETS["canonical"], content=PRESETS["canonical"].replace(seed=43))
    message = damaged(tmp_path / "E", capsys)
    assert message.startswith(f"{tmp_path / 'E' / 'canonical' / 'train-00000-of-00001.parquet'}: canonical/train: ")
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
    edit(canonical / "README.md", f"`{digest}`", f"`{'0' * 64}`")
    rerecord(canonical)
    assert damaged(canonical, capsys) == (
        f"{canonical / 'README.md'}: its fingerprint of canonical/train is {'0' * 64}, "
        f"the Parquet files hold {digest}, the registered content: the card is damaged"
    )


def test_a_custom_fingerprint_that_disagrees_names_both(custom, capsys):
    digest = next(row for row in (custom / "README.md").read_text().splitlines() if f"`{CUSTOM.name}` | train" in row)
    digest = digest.split("`")[3]
    edit(custom / "README.md", f"`{digest}`", f"`{'0' * 64}`")
    rerecord(custom)
    assert damaged(custom, capsys) == (
        f"{shard(custom, CUSTOM.name)}: hold content fingerprint {digest}, but "
        f"{custom / 'README.md'} records {'0' * 64} for {CUSTOM.name}/train: the shards "
        "or the card are damaged"
    )


def test_a_parameter_edited_on_the_card_is_damage_of_the_card(custom, capsys):
    edit(custom / "README.md", "| `seed` | **`3`** |", "| `seed` | **`4`** |")
    rerecord(custom)
    assert damaged(custom, capsys) == (
        f"{custom / 'README.md'}: its tables lack the row '| `seed` | **`3`** |', which the Parquet files hold"
    )


def test_a_shard_whose_content_was_replaced_names_the_shard(canonical, capsys):
    path = shard(canonical, split="test")
    table = pq.read_table(path)
    parquet.write_shard(table.slice(0, 999), str(path), config=PRESETS["canonical"], split="test")
    rerecord(canonical)
    assert damaged(canonical, capsys) == (
        f"{path}: hold 999 examples of length 40, but canonical/test has 1000 of length 40"
    )


# --- the general test -----------------------------------------------------------------------------


@pytest.mark.parametrize("rerecorded", [False, True], ids=["as recorded", "checksums re-recorded"])
def test_any_changed_byte_is_named_or_loads_as_recorded(exports, tmp_path, capsys, rerecorded):
    """Flip one byte of every file at several places: either verify names that file (or
    SHA256SUMS, or the card), or load_dataset returns exactly the recorded fingerprints."""
    original = exports / "custom"
    recorded = {split: registry_or_card(original, split) for split in ("train", "test")}
    outcomes = {"named": 0, "intact": 0}
    for relative in sorted(p.relative_to(original).as_posix() for p in original.rglob("*") if p.is_file()):
        if rerecorded and relative == "SHA256SUMS":
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
                assert named in (str(folder / relative), str(folder / "SHA256SUMS"), str(folder / "README.md")) or (
                    ": listed in SHA256SUMS but missing" in message
                ), (relative, position, message)
                outcomes["named"] += 1
            else:
                assert status == 0, message
                assert loaded_fingerprints(folder, CUSTOM.name, tmp_path / "cache") == recorded, (relative, position)
                outcomes["intact"] += 1
            shutil.rmtree(folder)
    if rerecorded:  # changes the checksums no longer catch: the rest of verify, or harmless ones
        assert outcomes["named"] > 5 and outcomes["intact"] > 5, outcomes
    else:
        assert outcomes["intact"] == 0, outcomes


def registry_or_card(folder: Path, split: str) -> str:
    """The fingerprint the export records for ``split``: its card's."""
    row = next(row for row in (folder / "README.md").read_text().splitlines() if f"`{CUSTOM.name}` | {split} |" in row)
    return row.split("`")[3]


def test_verify_export_raises_integrity_errors_only(custom):
    (custom / "README.md").write_text("---\n: [\n---\n")
    rerecord(custom)
    with pytest.raises(IntegrityError, match="not a readable dataset card"):
        hub.verify_export(custom)


@pytest.mark.parametrize("stray", ["cache-0123.arrow", "mnist1d-train.tfrecord-00000-of-00001"])
def test_mnist1d_verify_names_a_stray_in_an_export_not_another_formats_files(canonical, capsys, stray):
    # The export's own files tell its format: a stray of another format is named as the stray.
    (canonical / stray).write_bytes(b"x")
    assert main(["verify", str(canonical)]) == 1
    assert capsys.readouterr().err.startswith(
        f"mnist1d: error: {canonical / stray}: a file that SHA256SUMS does not list"
    )
