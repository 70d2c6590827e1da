"""The Hugging Face ``datasets`` builder, end to end in temporary caches with the network off."""

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

datasets = pytest.importorskip("datasets")

import golden  # noqa: E402

import mnist1d_builders.hf as hf  # noqa: E402
import mnist1d_core  # noqa: E402
from mnist1d_builders.hf import mnist1d as hf_builder  # noqa: E402
from mnist1d_builders.hf.preparing import build  # noqa: E402
from mnist1d_builders.record.manifest import IntegrityError, sha256_file  # noqa: E402
from mnist1d_builders.record.verify import UnrecordedBuild, verify_directory  # noqa: E402
from mnist1d_cli import main  # noqa: E402
from mnist1d_core import PRESETS, FingerprintMismatch, MNIST1DConfig, fingerprint, generate  # noqa: E402
from mnist1d_core.fingerprint import registry  # noqa: E402


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return str(tmp_path_factory.mktemp("hf_cache"))


@pytest.fixture(scope="module")
def canonical(cache):
    """``load_dataset`` into an empty cache: ``datasets``' own build."""
    return datasets.load_dataset("mnist1d", cache_dir=cache)


@pytest.fixture(scope="module")
def prepared(tmp_path_factory) -> Path:
    """A recorded build of canonical (``mnist1d build``): its folder."""
    return hf.prepare(PRESETS["canonical"], tmp_path_factory.mktemp("prepared"))


def numpy_split(ds):
    data = ds.with_format("numpy")[:]
    return data["x"], data["y"]


def shard_folder(ds) -> Path:
    return Path(ds.cache_files[0]["filename"]).parent


def recorded(folder: Path) -> list[list[str]]:
    """The splits a build's MANIFEST.json records: config, split, rows, length, fingerprint, shards."""
    manifest = json.loads((folder / "MANIFEST.json").read_text())
    return [
        [
            manifest["config"],
            split,
            str(s["num_rows"]),
            str(len(manifest["t"])),
            s["fingerprint"],
            ",".join(s["shards"]),
        ]
        for split, s in manifest["splits"].items()
    ]


def test_canonical_is_the_default_and_equals_the_frozen_data(canonical):
    assert canonical["train"].info.config_name == "canonical"
    train_x, train_y = numpy_split(canonical["train"])
    test_x, test_y = numpy_split(canonical["test"])
    assert train_x.shape == (golden.TRAIN_SIZE, golden.SEQ_LENGTH) and train_x.dtype == np.float32
    assert test_x.shape == (golden.TEST_SIZE, golden.SEQ_LENGTH) and train_y.dtype == np.int64
    assert fingerprint(train_x, train_y) == golden.TRAIN_FINGERPRINT
    assert fingerprint(test_x, test_y) == golden.TEST_FINGERPRINT
    np.testing.assert_array_equal(train_x[0], np.float32(golden.TRAIN_X_FIRST_ROW))
    np.testing.assert_array_equal(test_x[-1], np.float32(golden.TEST_X_LAST_ROW))
    assert train_y[:20].tolist() == golden.TRAIN_LABELS_HEAD
    assert np.bincount(test_y).tolist() == golden.TEST_CLASS_COUNTS


def test_features_and_info(canonical):
    info = canonical["train"].info
    assert info.features == datasets.Features(
        {
            "x": datasets.List(datasets.Value("float32"), length=40),
            "y": datasets.ClassLabel(names=[str(d) for d in range(10)]),
        }
    )
    assert canonical["train"].features["y"].int2str(3) == "3"
    assert list(canonical) == ["train", "test"]
    assert info.citation == mnist1d_core.CITATION and "Greydanus, Sam and Kobak, Dmitry" in info.citation
    assert info.homepage == "https://github.com/greydanus/mnist1d" and info.license == "apache-2.0"
    assert "MNIST-1D" in info.description and "'seed': 42" in info.description
    assert (info.supervised_keys.input, info.supervised_keys.output) == ("x", "y")
    assert str(info.version) == str(hf.VERSION)


def test_shuffled_equals_the_core_and_the_registry(cache):
    ds = datasets.load_dataset("mnist1d", "shuffled", cache_dir=cache)
    core = generate(PRESETS["shuffled"])
    for split in ("train", "test"):
        digest = fingerprint(*numpy_split(ds[split]))
        assert digest == fingerprint(core.split(split).x, core.split(split).y)
        assert digest == registry()[("shuffled", split)].sha256
    assert fingerprint(*numpy_split(ds["train"])) != golden.TRAIN_FINGERPRINT


def test_custom_variant_by_keywords_equals_the_core(cache):
    ds = datasets.load_dataset(
        "mnist1d", "shuffled", seed=7, num_samples=300, padding=[10, 20], final_seq_length=24, cache_dir=cache
    )
    config = MNIST1DConfig(seed=7, num_samples=300, padding=(10, 20), final_seq_length=24, shuffle_seq=True)
    core = generate(config)
    assert ds["train"].info.config_name == config.name
    assert ds["train"].features["x"].length == 24
    for split in ("train", "test"):
        x, y = numpy_split(ds[split])
        np.testing.assert_array_equal(x, core.split(split).x.astype(np.float32))
        np.testing.assert_array_equal(y, core.split(split).y)


def test_cache_entries_are_keyed_by_every_parameter_and_the_code(cache, canonical):
    canonical_dir = shard_folder(canonical["train"])
    assert canonical_dir == Path(cache, "mnist1d", "canonical", str(hf.VERSION), hf.CODE_HASH)
    # The same parameters spelled differently share the entry; different ones never do.
    same = datasets.load_dataset("mnist1d", "canonical", seed=42, cache_dir=cache)
    assert shard_folder(same["train"]) == canonical_dir
    seven = datasets.load_dataset("mnist1d", "canonical", seed=7, num_samples=100, cache_dir=cache)
    eight = datasets.load_dataset("mnist1d", "canonical", seed=8, num_samples=100, cache_dir=cache)
    assert shard_folder(seven["train"]).parts[-3] == "custom-num_samples_100-seed_7"
    assert shard_folder(eight["train"]).parts[-3] == "custom-num_samples_100-seed_8"
    assert fingerprint(*numpy_split(seven["train"])) != fingerprint(*numpy_split(eight["train"]))
    # The direct builder class uses the same entry as load_dataset.
    assert Path(hf.Mnist1d(config_name="canonical", cache_dir=cache, hash=hf.CODE_HASH).cache_dir) == canonical_dir


def test_code_hash_changes_with_any_byte_of_the_generator(tmp_path, monkeypatch):
    import mnist1d_core

    copy = tmp_path / "mnist1d_core"
    shutil.copytree(Path(mnist1d_core.__file__).parent, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(hf_builder.resources, "files", lambda package: copy)
    assert hf_builder._code_hash() == hf.CODE_HASH
    (copy / "transforms.py").write_bytes((copy / "transforms.py").read_bytes() + b"\n")
    assert hf_builder._code_hash() != hf.CODE_HASH


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"seed": -1}, ValueError, "seed must be in 0..4294967295, got -1"),
        ({"num_samples": 5.5}, TypeError, "num_samples must be an integer, got 5.5"),
        ({"padding": [9, 3]}, ValueError, r"padding must have low <= high, got \(9, 3\)"),
        ({"seeds": 3}, ValueError, "doesn't have a 'seeds' key"),
        ({"name": "paper"}, ValueError, r"BuilderConfig 'paper' not found. Available: \['canonical', 'shuffled'\]"),
        ({"features": datasets.Features({"x": datasets.Value("int8")})}, ValueError, "features are fixed"),
    ],
)
def test_invalid_values_fail_before_anything_is_written(tmp_path, kwargs, error, message):
    kwargs = dict(kwargs)
    name = kwargs.pop("name", "canonical")
    with pytest.raises(error, match=message):
        datasets.load_dataset("mnist1d", name, cache_dir=str(tmp_path / "cache"), **kwargs)
    assert list(tmp_path.iterdir()) == []


def test_load_dataset_builds_as_datasets_does_unrecorded_and_mnist1d_build_records_it(tmp_path, capsys):
    config = MNIST1DConfig(num_samples=300, seed=5)
    cache = tmp_path / "cache"
    loaded = datasets.load_dataset("mnist1d", "canonical", cache_dir=str(cache), **config.non_default())
    folder = shard_folder(loaded["train"])
    assert folder == hf.build_folder(config, cache)  # the place mnist1d build keeps it
    assert sorted(p.name for p in folder.iterdir()) == [
        "LICENSE",
        "dataset_info.json",
        "mnist1d-test.arrow",
        "mnist1d-train.arrow",
    ]
    recorded_folder = build(hf.Mnist1d, config, hf.build_folder(config, tmp_path / "recorded"))
    assert [fingerprint(*numpy_split(loaded[split])) for split in ("train", "test")] == [
        row[4] for row in recorded(recorded_folder)
    ]
    # datasets keeps no record: verify names the build as such, with the status of TFDS's own builds.
    with pytest.raises(UnrecordedBuild, match=re.escape(f"{folder}: prepared by datasets itself (load_dataset")):
        verify_directory(folder)
    for path in (folder, cache):
        assert main(["verify", str(path)]) == 2  # no record to check: neither damaged nor intact
        err = capsys.readouterr().err
        assert "`mnist1d build --framework hf`" in err and "damaged" not in err.lower() and "intact" not in err
    # mnist1d build records it in its place, and load_dataset then reads that build.
    assert main(["build", "--num-samples", "300", "--seed", "5", "--data-dir", str(cache)]) == 0
    assert capsys.readouterr().out.startswith(f"{config.name} (hf): {folder}\n")
    manifest = (folder / "MANIFEST.json").read_bytes()
    again = datasets.load_dataset("mnist1d", "canonical", cache_dir=str(cache), **config.non_default())
    assert shard_folder(again["test"]) == folder and (folder / "MANIFEST.json").read_bytes() == manifest
    assert fingerprint(*numpy_split(again["test"])) == recorded(recorded_folder)[1][4]
    assert verify_directory(folder)[0] == "MANIFEST.json: all 4 files re-hashed and intact"


def test_the_builders_own_entry_point_is_datasets_own_in_any_format(tmp_path):
    builder = hf.Mnist1d(cache_dir=str(tmp_path), hash=hf.CODE_HASH, num_samples=100)
    builder.download_and_prepare(file_format="parquet")
    folder = Path(builder.cache_dir)
    assert sorted(p.suffix for p in folder.iterdir()) == ["", ".json", ".parquet", ".parquet"]
    with pytest.raises(UnrecordedBuild, match="prepared by datasets itself"):
        verify_directory(folder)
    assert hf.prepare(MNIST1DConfig(num_samples=100), tmp_path) == folder  # built again, as Arrow, recorded
    assert sorted(p.name for p in folder.glob("*.arrow")) == ["mnist1d-test.arrow", "mnist1d-train.arrow"]
    assert not list(folder.glob("*.parquet")) and verify_directory(folder)


def test_the_manifest_records_every_file_the_parameters_and_the_fingerprints(prepared):
    folder = prepared
    manifest = json.loads((folder / "MANIFEST.json").read_text())
    # dataset_info.json too: the sizes and features load_dataset uses
    assert manifest["files"] == {
        name: sha256_file(folder / name)
        for name in ("LICENSE", "dataset_info.json", "mnist1d-test.arrow", "mnist1d-train.arrow")
    }
    assert sorted(p.name for p in folder.iterdir()) == sorted([*manifest["files"], "MANIFEST.json"])
    assert (manifest["layout"], manifest["config"], manifest["release"]) == ("datasets", "canonical", "1.0.0")
    assert MNIST1DConfig.from_dict(manifest["parameters"]) == PRESETS["canonical"]
    assert recorded(folder) == [
        ["canonical", "train", "4000", "40", golden.TRAIN_FINGERPRINT, "mnist1d-train.arrow"],
        ["canonical", "test", "1000", "40", golden.TEST_FINGERPRINT, "mnist1d-test.arrow"],
    ]
    np.testing.assert_array_equal(manifest["t"], generate(PRESETS["canonical"]).t)
    templates = mnist1d_core.templates()  # the ten digits, readable with json alone (issue 23)
    np.testing.assert_array_equal(manifest["templates"]["x"], templates.x)
    np.testing.assert_array_equal(manifest["templates"]["t"], templates.t)
    assert manifest["templates"]["y"] == templates.y.tolist()


def test_a_preset_that_differs_from_the_registry_fails_and_keeps_the_previous_build(prepared, monkeypatch):
    folder = prepared

    def drifted(config, progress=None):
        data = generate(config, progress=progress)
        data.test.x[0, 0] += 1e-3
        return data

    monkeypatch.setattr(hf_builder, "generate", drifted)
    with pytest.raises(
        FingerprintMismatch, match="canonical/test: content fingerprint .* differs from the registered"
    ):
        hf.prepare(PRESETS["canonical"], folder.parents[3], force=True)
    assert [p.name for p in folder.parent.iterdir() if p.name.startswith(".")] == []  # no staging left
    assert any("matches MANIFEST.json and the registry" in line for line in verify_directory(folder))


def test_num_proc_and_shards_do_not_change_the_content(tmp_path, monkeypatch):
    config = MNIST1DConfig(num_samples=2000, seed=5)
    one = hf.Mnist1d(cache_dir=str(tmp_path / "one"), **config.to_dict())
    one.download_and_prepare(num_proc=1)
    monkeypatch.setattr(hf_builder, "ROWS_PER_TABLE", 100)  # shards are cut between tables
    many = hf.Mnist1d(cache_dir=str(tmp_path / "many"), **config.to_dict())
    many.download_and_prepare(num_proc=2, max_shard_size="20KB")
    assert len(list(Path(many.cache_dir).glob("mnist1d-train-*-of-*.arrow"))) > 1
    content = [fingerprint(*numpy_split(one.as_dataset(split))) for split in ("train", "test")]
    assert [fingerprint(*numpy_split(many.as_dataset(split))) for split in ("train", "test")] == content
    # The recorded build, cut in shards the same way, records that content.
    folder = build(hf.Mnist1d, config, hf.build_folder(config, tmp_path / "recorded"), max_shard_size="20KB")
    assert len(list(folder.glob("mnist1d-train-*-of-*.arrow"))) > 1
    assert [row[4] for row in recorded(folder)] == content
    assert len([line for line in verify_directory(folder) if line.startswith(("train:", "test:"))]) == 2


def test_the_sharded_algorithm_spreads_blocks_over_processes(tmp_path, monkeypatch):
    config = MNIST1DConfig(algorithm="sharded", num_samples=5000, seed=5)  # train: 4 blocks (4 jobs), test: 1
    core = generate(config)
    expected = [fingerprint(core.split(split).x, core.split(split).y) for split in ("train", "test")]
    records = []
    for num_proc in (1, 2, 4):
        cache = tmp_path / f"proc{num_proc}"
        folder = build(hf.Mnist1d, config, hf.build_folder(config, cache), num_proc=num_proc)
        assert len(list(folder.glob("mnist1d-train*.arrow"))) == num_proc  # each process wrote its shard
        loaded = datasets.load_dataset("mnist1d", "canonical", cache_dir=str(cache), **config.non_default())
        assert shard_folder(loaded["train"]) == folder  # the recorded build, read as it is
        found = [fingerprint(*numpy_split(loaded[split])) for split in ("train", "test")]
        assert found == expected, num_proc
        records.append([row[:5] for row in recorded(folder)])
        verify_directory(folder)
    assert records[0] == records[1] == records[2]


def test_streaming_the_sharded_algorithm_generates_blocks_on_the_fly():
    config = MNIST1DConfig(algorithm="sharded", num_samples=2500, seed=4)
    rows = list(datasets.load_dataset("mnist1d", "canonical", split="train", streaming=True, **config.non_default()))
    core = generate(config).train
    streamed = np.array([row["x"] for row in rows], dtype=np.float32), np.array([row["y"] for row in rows])
    assert fingerprint(*streamed) == fingerprint(core.x, core.y)


def test_verify_names_the_shard_whose_content_changed_even_with_rewritten_sums(tmp_path):
    folder = hf.prepare(MNIST1DConfig(num_samples=200), tmp_path)
    shard = folder / "mnist1d-test.arrow"
    data = bytearray(shard.read_bytes())
    data[len(data) // 2] ^= 0x01
    shard.write_bytes(data)
    # Someone "repairs" the manifest's SHA-256: the content fingerprint still catches the change.
    manifest = json.loads((folder / "MANIFEST.json").read_text())
    manifest["files"]["mnist1d-test.arrow"] = sha256_file(shard)
    (folder / "MANIFEST.json").write_text(json.dumps(manifest))
    with pytest.raises(IntegrityError, match=re.escape(str(shard))):
        verify_directory(folder)


def test_streaming_yields_the_core_data():
    ds = datasets.load_dataset("mnist1d", "canonical", num_samples=100, seed=3, split="test", streaming=True)
    rows = list(ds)
    core = generate(MNIST1DConfig(num_samples=100, seed=3)).test
    assert len(rows) == len(core)
    np.testing.assert_array_equal(np.array([r["x"] for r in rows], dtype=np.float32), core.x.astype(np.float32))
    assert [r["y"] for r in rows] == core.y.tolist()


def test_tensorflow_format(canonical):
    tf = pytest.importorskip("tensorflow")
    batch = canonical["test"].with_format("tensorflow")[:8]
    assert isinstance(batch["x"], tf.Tensor) and batch["x"].dtype == tf.float32 and batch["x"].shape == (8, 40)
    assert batch["y"].dtype == tf.int64 and batch["y"].numpy().tolist() == golden.TEST_LABELS_HEAD[:8]


@pytest.mark.ml
def test_torch_format(canonical):
    import torch

    batch = canonical["test"].with_format("torch")[:8]
    assert batch["x"].dtype == torch.float32 and tuple(batch["x"].shape) == (8, 40)
    np.testing.assert_array_equal(batch["x"].numpy(), canonical["test"].with_format("numpy")[:8]["x"])
    assert batch["y"].dtype == torch.int64 and batch["y"].tolist() == golden.TEST_LABELS_HEAD[:8]


@pytest.mark.ml
def test_jax_format(canonical):
    import jax.numpy as jnp

    batch = canonical["test"].with_format("jax")[:8]
    assert batch["x"].dtype == jnp.float32 and batch["x"].shape == (8, 40)
    np.testing.assert_array_equal(np.asarray(batch["x"]), canonical["test"].with_format("numpy")[:8]["x"])
    assert batch["y"].tolist() == golden.TEST_LABELS_HEAD[:8]
