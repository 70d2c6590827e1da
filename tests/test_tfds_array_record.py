"""TFDS ArrayRecord builds: `tfds.data_source` random access for both presets and a custom
variant; `tfds.load` once `tfds convert_format` added TFRecord shards; the record; reading
without TensorFlow."""

import hashlib
import json
import subprocess
import sys

import numpy as np
import pytest

tfds = pytest.importorskip("tensorflow_datasets")

import golden  # noqa: E402

from mnist1d_builders.tfds import MNIST1DBuilderConfig, prepare  # noqa: E402
from mnist1d_builders.tfds.mnist1d.mnist1d_dataset_builder import read_batches  # noqa: E402
from mnist1d_core import PRESETS, SPLITS, MNIST1DConfig, fingerprint, generate  # noqa: E402
from mnist1d_core.fingerprint import registry  # noqa: E402

CONFIGS = {
    "canonical": PRESETS["canonical"],
    "shuffled": PRESETS["shuffled"],
    "custom": MNIST1DConfig(num_samples=300, final_seq_length=24, shuffle_seq=True, seed=9),
}
ARRAY_RECORD = {"file_format": "array_record"}


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    """One data dir holding every config of CONFIGS, built as ArrayRecord."""
    root = tmp_path_factory.mktemp("array_record")
    for config in CONFIGS.values():
        prepare(config, root, file_format="array_record")
    return root


def builder_kwargs(name: str) -> dict:
    return {"config": MNIST1DBuilderConfig(CONFIGS[name]), **ARRAY_RECORD}


def stacked(examples) -> tuple[np.ndarray, np.ndarray]:
    return np.stack([e["x"] for e in examples]), np.array([e["y"] for e in examples])


@pytest.mark.parametrize("name", CONFIGS)
def test_data_source_gives_len_items_and_slices_equal_to_the_cores(name, data_dir):
    core = generate(CONFIGS[name])
    sources = tfds.data_source("mnist1d", data_dir=data_dir, builder_kwargs=builder_kwargs(name))
    assert set(sources) == set(SPLITS)
    for split in SPLITS:
        source, expected = sources[split], core.split(split)
        x, y = expected.x.astype(np.float32), expected.y
        assert len(source) == len(expected)
        for i in np.random.default_rng(0).choice(len(source), size=20, replace=False).tolist():
            item = source[i]
            assert item["x"].dtype == np.float32 and item["x"].shape == (CONFIGS[name].final_seq_length,)
            np.testing.assert_array_equal(item["x"], x[i])
            assert item["y"] == y[i]
        # Batched reads (what a PyTorch DataLoader asks for), and the whole split in order.
        picked = [7, 3, len(source) - 1, 0]
        np.testing.assert_array_equal(stacked(source.__getitems__(picked))[0], x[picked])
        whole_x, whole_y = stacked(source.__getitems__(range(len(source))))
        np.testing.assert_array_equal(whole_x, x)
        np.testing.assert_array_equal(whole_y, y)
    # TFDS's split slicing gives data sources over parts of a split.
    n = len(core.train)
    for split, rows in [("train[10:30]", slice(10, 30)), ("train[-10%:]", slice(n - n // 10, n))]:
        part = tfds.data_source("mnist1d", split=split, data_dir=data_dir, builder_kwargs=builder_kwargs(name))
        part_x, part_y = stacked(part.__getitems__(range(len(part))))
        np.testing.assert_array_equal(part_x, core.train.x[rows].astype(np.float32))
        np.testing.assert_array_equal(part_y, core.train.y[rows])


def test_canonical_by_name_is_the_frozen_paper_data_as_float32(data_dir):
    sources = tfds.data_source("mnist1d/canonical", data_dir=data_dir, builder_kwargs=ARRAY_RECORD)
    train = next(read_batches(sources["train"], batch_size=golden.TRAIN_SIZE))
    test = next(read_batches(sources["test"], batch_size=golden.TEST_SIZE))
    assert train["x"].dtype == np.float32 and train["x"].shape == (golden.TRAIN_SIZE, golden.SEQ_LENGTH)
    assert hashlib.sha256(train["x"].tobytes()).hexdigest() == golden.TRAIN_X_FLOAT32_SHA256
    assert hashlib.sha256(test["x"].tobytes()).hexdigest() == golden.TEST_X_FLOAT32_SHA256
    assert fingerprint(train["x"], train["y"]) == golden.TRAIN_FINGERPRINT
    assert fingerprint(test["x"], test["y"]) == golden.TEST_FINGERPRINT
    np.testing.assert_array_equal(sources["train"][0]["x"], np.float32(golden.TRAIN_X_FIRST_ROW))
    assert [sources["train"][i]["y"] for i in range(20)] == golden.TRAIN_LABELS_HEAD


def test_tfds_load_over_array_record_is_tfds_own_refusal_naming_data_sources(data_dir):
    # TFDS 4.9.10 reads ArrayRecord through data sources only: its tf.data reader refuses it, and
    # says so (`tfds convert_format` adds ArrayRecord shards to a TFRecord build: test_tfds_verify).
    with pytest.raises(NotImplementedError, match="as_data_source"):
        tfds.load("mnist1d", split="test", data_dir=data_dir, builder_kwargs=builder_kwargs("custom"))


@pytest.mark.parametrize("name", ["canonical", "custom"])
def test_the_manifest_records_the_array_record_shards_and_the_content(name, data_dir):
    folder = data_dir / "mnist1d" / CONFIGS[name].name / "1.0.0"
    manifest = json.loads((folder / "MANIFEST.json").read_text())
    shards = sorted(folder.glob("*.array_record*"))
    assert [p.name for p in shards] == [f"mnist1d-{split}.array_record-00000-of-00001" for split in ("test", "train")]
    for p in shards:
        assert manifest["files"][p.name] == hashlib.sha256(p.read_bytes()).hexdigest()
    core = generate(CONFIGS[name])
    fingerprints = {split: manifest["splits"][split]["fingerprint"] for split in SPLITS}
    assert fingerprints == {split: fingerprint(core.split(split).x, core.split(split).y) for split in SPLITS}
    if name in PRESETS:
        assert fingerprints == {split: registry()[(name, split)].sha256 for split in SPLITS}


def test_a_folder_holding_the_other_format_is_refused_and_kept(tmp_path):
    config = MNIST1DConfig(num_samples=100, seed=2)
    folder = prepare(config, tmp_path)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    with pytest.raises(
        ValueError,
        match=f"file_format='array_record': {folder} already holds {config.name} as "
        "tfrecord; build with --force to replace it, add array_record with `tfds convert_format`",
    ):
        prepare(config, tmp_path, file_format="array_record")
    with pytest.raises(ValueError, match="File format is already set to FileFormat.TFRECORD"):  # TFDS's own check
        tfds.data_source(
            "mnist1d", data_dir=tmp_path, builder_kwargs={"config": MNIST1DBuilderConfig(config), **ARRAY_RECORD}
        )
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert prepare(config, tmp_path, file_format="tfrecord") == folder  # reused


def test_builds_reads_and_verifies_without_tensorflow_installed(tmp_path, data_dir):
    code = """if True:
        import importlib.machinery, sys

        class WithoutTensorFlow(importlib.machinery.PathFinder):  # as if tensorflow were not installed
            @classmethod
            def find_spec(cls, name, path=None, target=None):
                return None if name.partition(".")[0] == "tensorflow" else super().find_spec(name, path, target)

        sys.meta_path[sys.meta_path.index(importlib.machinery.PathFinder)] = WithoutTensorFlow
        import tensorflow_datasets as tfds
        from mnist1d_builders.tfds import prepare, verify_directory
        from mnist1d_core import MNIST1DConfig

        folder = prepare(MNIST1DConfig(num_samples=100), sys.argv[1], file_format="array_record")
        assert verify_directory(folder)[-2].startswith("test: 20 examples")
        source = tfds.data_source("mnist1d", split="test", data_dir=sys.argv[2],
                                  builder_kwargs={"file_format": "array_record"})
        print(len(source), source[0]["y"], "tensorflow" in sys.modules)
    """
    result = subprocess.run([sys.executable, "-c", code, tmp_path, data_dir], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].split() == [str(golden.TEST_SIZE), str(golden.TEST_LABELS_HEAD[0]), "False"]


@pytest.mark.ml
def test_a_pytorch_data_loader_serves_the_cores_batches(data_dir):
    torch = pytest.importorskip("torch")
    source = tfds.data_source("mnist1d/shuffled", split="test", data_dir=data_dir, builder_kwargs=ARRAY_RECORD)
    batches = list(torch.utils.data.DataLoader(source, batch_size=256))
    assert [len(b["y"]) for b in batches] == [256, 256, 256, 232]
    assert batches[0]["x"].dtype == torch.float32 and batches[0]["y"].dtype == torch.int64
    expected = generate(PRESETS["shuffled"]).test
    np.testing.assert_array_equal(torch.cat([b["x"] for b in batches]).numpy(), expected.x.astype(np.float32))
    np.testing.assert_array_equal(torch.cat([b["y"] for b in batches]).numpy(), expected.y)


@pytest.mark.ml
def test_a_grain_dataset_serves_the_cores_batches(data_dir):
    grain = pytest.importorskip("grain")
    source = tfds.data_source("mnist1d/canonical", split="test", data_dir=data_dir, builder_kwargs=ARRAY_RECORD)
    batches = list(grain.MapDataset.source(source).batch(300))
    assert [len(b["y"]) for b in batches] == [300, 300, 300, 100]
    expected = generate(PRESETS["canonical"]).test
    np.testing.assert_array_equal(np.concatenate([b["x"] for b in batches]), expected.x.astype(np.float32))
    np.testing.assert_array_equal(np.concatenate([b["y"] for b in batches]), expected.y)
