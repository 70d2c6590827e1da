"""``mnist1d export``: the Hub folder layout, its card and checksums, and loading it offline."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

datasets = pytest.importorskip("datasets")

import huggingface_hub  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402

from mnist1d_builders import hub  # noqa: E402
from mnist1d_builders.hub import exporter, parquet  # noqa: E402
from mnist1d_builders.hub.summary import arrow_bytes, arrow_tables  # noqa: E402
from mnist1d_builders.record.arrow import features as hf_features  # noqa: E402
from mnist1d_cli import main  # noqa: E402
from mnist1d_core import (  # noqa: E402
    DATA_VERSION,  # noqa: E402
    PRESETS,
    FingerprintMismatch,
    MNIST1DConfig,
    fingerprint,
    generate,
    templates,
)
from mnist1d_core.fingerprint import registry  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PRESET_FILES = {
    "README.md",
    "assets/mnist1d_examples.png",
    "canonical/MANIFEST.json",
    "canonical/train-00000-of-00001.parquet",
    "canonical/test-00000-of-00001.parquet",
    "shuffled/MANIFEST.json",
    "shuffled/train-00000-of-00001.parquet",
    "shuffled/test-00000-of-00001.parquet",
}


pytestmark = pytest.mark.usefixtures("hub_offline")


@pytest.fixture(scope="module")
def presets(tmp_path_factory):
    """The default export (every named preset), made once, with what export checked."""
    out = tmp_path_factory.mktemp("export") / "mnist1d"
    return out, hub.export(out)


def files(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def content(folder: Path, config: str, cache: Path):
    ds = datasets.load_dataset(str(folder), config, cache_dir=str(cache))
    return {split: ds[split] for split in ("train", "test")}


def split_fingerprint(ds) -> str:
    data = ds.with_format("numpy")[:]
    return fingerprint(data["x"], data["y"])


def test_presets_export_has_the_hub_layout_and_checks_out(presets):
    out, checked = presets
    assert files(out) == PRESET_FILES
    for name in PRESETS:  # each config folder records its shards' SHA-256, as sha256sum computes them
        manifest = json.loads((out / name / "MANIFEST.json").read_text())
        result = subprocess.run(
            ["sha256sum", *manifest["files"]], cwd=out / name, capture_output=True, text=True, check=True
        )
        assert {line.split("  ")[1]: line.split("  ")[0] for line in result.stdout.splitlines()} == manifest["files"]
        assert set(manifest["files"]) == {f"{split}-00000-of-00001.parquet" for split in ("train", "test")}
    assert checked[0] == "canonical/MANIFEST.json: all 2 files re-hashed and intact"
    for (name, split), entry in registry().items():
        assert (
            f"{name}/{split}: {entry.num_examples} examples of length 40, content fingerprint {entry.sha256} re-read "
            f"from {split}-00000-of-00001.parquet: matches MANIFEST.json and the registry ({name})"
        ) in checked
    assert checked[-1] == "README.md: its YAML configs, dataset_info and mnist1d agree with the manifests"


def test_presets_export_readme_is_the_committed_card_and_figure(presets):
    out, _ = presets
    # The card `mnist1d card` renders with this pyarrow, download_size included; test_card
    # checks that the committed dataset_card.md is that card (its download_size apart, which
    # depends on the pyarrow that writes the Parquet).
    assert (out / "README.md").read_text() == hub.preset_card()
    assert (out / hub.FIGURE).read_bytes() == (ROOT / hub.FIGURE).read_bytes()
    manifest = out / "canonical" / "MANIFEST.json"
    assert oct(manifest.stat().st_mode & 0o777) == oct((out / "README.md").stat().st_mode & 0o777)


def test_load_dataset_reads_the_export_offline_as_the_builder_makes_it(presets, tmp_path):
    hf = pytest.importorskip("mnist1d_builders.hf")
    out, _ = presets
    for name in PRESETS:
        exported = content(out, name, tmp_path / "hub_cache")
        builder = hf.Mnist1d(config_name=name, cache_dir=str(tmp_path / "builder_cache"), hash=hf.CODE_HASH)
        builder.download_and_prepare()
        built = builder.as_dataset()
        for split, ds in exported.items():
            assert ds.features == built[split].features == hf_features(40)
            assert split_fingerprint(ds) == split_fingerprint(built[split]) == registry()[name, split].sha256
    default = datasets.load_dataset(str(out), cache_dir=str(tmp_path / "hub_cache"))
    assert split_fingerprint(default["test"]) == registry()["canonical", "test"].sha256


def test_parquet_files_are_deterministic_and_smaller_than_the_data(presets, tmp_path):
    out, _ = presets
    again = tmp_path / "again"
    hub.export(again)
    assert {f: (again / f).read_bytes() for f in PRESET_FILES} == {f: (out / f).read_bytes() for f in PRESET_FILES}
    train = out / "canonical" / "train-00000-of-00001.parquet"
    # Plain float32 signals, no dictionary: the file is no larger than the raw values.
    assert train.stat().st_size < 4000 * (40 * 4 + 8)
    schema = pq.read_schema(train)
    assert datasets.Features.from_arrow_schema(schema) == hf_features(40)


def test_custom_variant_is_named_by_its_parameters_and_loads_as_generated(tmp_path):
    config = MNIST1DConfig(num_samples=300, final_seq_length=20, seed=7)
    out = tmp_path / "custom"
    checked = hub.export(out, [config], repo_id="someone/mnist1d-short")
    name = "custom-num_samples_300-final_seq_length_20-seed_7"
    assert config.name == name
    assert {f for f in files(out) if f.endswith(".parquet")} == {
        f"{name}/train-00000-of-00001.parquet",
        f"{name}/test-00000-of-00001.parquet",
    }
    card = hub.read_card_metadata(out / "README.md")
    assert card["configs"] == [
        {
            "config_name": name,
            "default": True,
            "data_files": [{"split": "train", "path": f"{name}/train-*"}, {"split": "test", "path": f"{name}/test-*"}],
        }
    ]
    readme = (out / "README.md").read_text()
    assert f'load_dataset("someone/mnist1d-short", "{name}", revision="v{DATA_VERSION}")' in readme
    assert "| no (custom) |" in readme
    data = generate(config)
    loaded = datasets.load_dataset(str(out), cache_dir=str(tmp_path / "cache"))
    assert loaded["train"].features == hf_features(20)
    for split in ("train", "test"):
        digest = fingerprint(data.split(split).x, data.split(split).y)
        assert split_fingerprint(loaded[split]) == digest
        assert (
            f"{name}/{split}: {len(data.split(split))} examples of length 20, content fingerprint {digest} re-read "
            f"from {split}-00000-of-00001.parquet: matches MANIFEST.json ({name} has no registered fingerprint)"
            in checked
        )


def test_large_splits_are_sharded_as_push_to_hub_shards_them(tmp_path, monkeypatch):
    # datasets' own limits, in its own units ("100KB" is 100,000 bytes): canonical train,
    # 672,000 bytes in Arrow, makes int(6.72) + 1 = 7 shards, cut as Dataset.shard cuts them
    # (test, 168,000 bytes: 2 shards).
    monkeypatch.setattr(datasets.config, "MAX_SHARD_SIZE", "100KB")
    monkeypatch.setattr(datasets.config, "MAX_ROW_GROUP_SIZE", "30KB", raising=False)  # absent in datasets 4.0
    out = tmp_path / "sharded"
    hub.export(out, [PRESETS["canonical"]])
    shards = sorted((out / "canonical").glob("train-*.parquet"))
    assert [s.name for s in shards] == [f"train-{i:05d}-of-00007.parquet" for i in range(7)]
    train = datasets.Dataset(arrow_tables(generate(PRESETS["canonical"]))["train"])
    for index, shard in enumerate(shards):
        expected = train.shard(7, index, contiguous=True)
        assert pq.read_table(shard).to_pydict() == expected.data.table.to_pydict()
        # rows per group: datasets' rule, at most 30,000 bytes of Arrow (178 rows of 168 bytes)
        groups = pq.ParquetFile(shard).metadata
        assert max(groups.row_group(g).num_rows for g in range(groups.num_row_groups)) == 30_000 // 168
    loaded = datasets.load_dataset(str(out), "canonical", cache_dir=str(tmp_path / "cache"))
    assert split_fingerprint(loaded["train"]) == registry()["canonical", "train"].sha256
    assert hub.verify_export(out)[0] == "canonical/MANIFEST.json: all 9 files re-hashed and intact"


def test_the_card_yaml_is_what_push_to_hub_writes_with_the_download_size(presets):
    from datasets.info import DatasetInfosDict

    out, _ = presets
    card = huggingface_hub.DatasetCard.load(out / "README.md")
    infos = DatasetInfosDict.from_dataset_card_data(card.data)
    for name in PRESETS:
        parquet_bytes = sum(p.stat().st_size for p in (out / name).glob("*.parquet"))
        assert infos[name].download_size == parquet_bytes
        assert {s: infos[name].splits[s].num_bytes for s in ("train", "test")} == {
            s: arrow_bytes(PRESETS[name].split_size(s), 40) for s in ("train", "test")
        }
        assert infos[name].dataset_size == arrow_bytes(5000, 40)
    # the split sizes are Arrow's, as datasets counts them
    tables = arrow_tables(generate(PRESETS["canonical"]))
    assert [t.nbytes for t in tables.values()] == [arrow_bytes(4000, 40), arrow_bytes(1000, 40)]


@pytest.mark.parametrize(
    "n, category",
    [
        (1, "n<1K"),
        (999, "n<1K"),
        (1000, "1K<n<10K"),
        (5000, "1K<n<10K"),
        (10**9 - 1, "100M<n<1B"),
        (10**9, "1B<n<10B"),
        (10**11, "100B<n<1T"),
        (10**12, "n>1T"),
        (10**15, "n>1T"),
    ],
)
def test_size_categories_are_the_hubs_for_any_size(n, category):
    import json
    from importlib import resources

    official = json.loads(resources.files("datasets.utils.resources").joinpath("size_categories.json").read_text())
    assert hub.card.size_category(n) == category and category in official


def test_every_config_folder_records_itself_in_its_manifest(presets):
    out, _ = presets
    card = huggingface_hub.DatasetCard.load(out / "README.md").data.mnist1d  # what tools read
    for name, config in PRESETS.items():
        manifest = json.loads((out / name / "MANIFEST.json").read_text())
        assert (manifest["layout"], manifest["config"]) == ("hub", name)
        assert MNIST1DConfig.from_dict(manifest["parameters"]) == config
        np.testing.assert_array_equal(manifest["t"], generate(config).t)
        np.testing.assert_array_equal(manifest["templates"]["x"], templates().x)
        for split in ("train", "test"):
            shard = out / name / f"{split}-00000-of-00001.parquet"
            assert datasets.Features.from_arrow_schema(pq.read_schema(shard)) == hf_features(40)
            recorded = {k: manifest["splits"][split][k] for k in ("num_rows", "fingerprint")}
            assert recorded == card["configs"][name]["splits"][split]
            assert recorded["fingerprint"] == registry()[name, split].sha256


def test_refuses_a_folder_that_is_not_empty_and_keeps_it(tmp_path):
    out = tmp_path / "taken"
    out.mkdir()
    (out / "mine.txt").write_text("keep me")
    with pytest.raises(ValueError, match=r"output folder '.*taken' exists and is not empty"):
        hub.export(out)
    assert files(out) == {"mine.txt"} and sorted(p.name for p in tmp_path.iterdir()) == ["taken"]
    with pytest.raises(ValueError, match=r"its parent '.*missing' does not exist"):
        hub.export(tmp_path / "missing" / "out")


def test_an_empty_folder_is_filled(tmp_path):
    out = tmp_path / "empty"
    out.mkdir()
    hub.export(out, [PRESETS["shuffled"]])
    assert "shuffled/train-00000-of-00001.parquet" in files(out)


def test_a_failed_export_leaves_nothing(tmp_path, monkeypatch):
    written = []

    def fail_on_second(table, sink, **record):
        if written:
            raise OSError("disk full")
        written.append(sink)
        sink.write(b"partial")

    monkeypatch.setattr(parquet, "write_shard", fail_on_second)
    with pytest.raises(OSError, match="disk full"):
        hub.export(tmp_path / "out")
    assert written and list(tmp_path.iterdir()) == []


def test_data_that_disagrees_with_the_registry_is_refused_before_writing(tmp_path, monkeypatch):
    def tampered(config, progress=None):
        data = generate(config, progress=progress)
        data.test.x[0, 0] += 1e-3
        return data

    monkeypatch.setattr(exporter, "generate", tampered)
    with pytest.raises(FingerprintMismatch, match="canonical/test"):
        hub.export(tmp_path / "out")
    assert list(tmp_path.iterdir()) == []


def test_cli_exports_presets_changed_by_parameters(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["export", "--out", str(out), "--config", "canonical", "shuffled", "--num-samples", "200"]) == 0
    assert {f.split("/")[0] for f in files(out) if f.endswith(".parquet")} == {
        "custom-num_samples_200",
        "custom-num_samples_200-shuffle_seq_true",
    }
    assert capsys.readouterr().out.startswith(
        f"wrote {out.resolve()}: custom-num_samples_200, custom-num_samples_200-shuffle_seq_true\n"
    )


@pytest.mark.parametrize(
    "args, message",
    [
        (["--config", "mnist"], "argument --config: invalid choice: 'mnist'"),
        (["--seed", "-1"], "seed must be in 0..4294967295, got -1"),
        (["--repo", "no-owner"], "repo must be OWNER/NAME"),
    ],
)
def test_cli_refuses_bad_input_before_writing(tmp_path, capsys, args, message):
    out = tmp_path / "out"
    assert main(["export", "--out", str(out), *args]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_the_core_cli_imports_no_publishing_library():
    code = (
        "import sys, mnist1d_cli as cli; cli.build_parser();"
        "heavy = ('datasets', 'pyarrow', 'huggingface_hub', 'matplotlib', 'mnist1d_builders.hub');"
        "print([m for m in heavy if m in sys.modules])"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def no_work(config, progress=None):
    raise AssertionError("generated before the destination was checked")


def test_an_out_that_is_a_symlink_is_refused_before_any_work(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(exporter, "generate", no_work)
    (tmp_path / "empty").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "empty")
    assert main(["export", "--out", str(tmp_path / "link"), "--num-samples", "200"]) == 2
    assert capsys.readouterr().err == (
        f"mnist1d: error: output folder '{tmp_path / 'link'}' is a symlink; give the folder itself "
        f"('{tmp_path / 'empty'}')\n"
    )


def test_a_read_only_empty_out_is_refused_not_replaced(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(exporter, "generate", no_work)
    out = tmp_path / "read-only"
    out.mkdir(mode=0o555)
    monkeypatch.setattr(exporter.os, "access", lambda path, mode: Path(path) != out)  # root ignores modes
    assert main(["export", "--out", str(out), "--num-samples", "200"]) == 2
    assert (
        capsys.readouterr().err
        == f"mnist1d: error: output folder '{out}' is not writable; it would be replaced, not filled\n"
    )
    assert out.is_dir() and oct(out.stat().st_mode & 0o777) == "0o555"


def test_an_out_whose_path_load_dataset_cannot_read_is_refused(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(exporter, "generate", no_work)
    assert main(["export", "--out", str(tmp_path / "x[1]"), "--num-samples", "200"]) == 2
    assert (
        "load_dataset reads a folder by a glob pattern, so its path cannot hold [, ], * or ?"
        in capsys.readouterr().err
    )
    assert not (tmp_path / "x[1]").exists()
