"""The TFDS builder: names, configs, features, order, metadata, errors, `tfds build`."""

import hashlib
import importlib
import importlib.metadata
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

tfds = pytest.importorskip("tensorflow_datasets")

from mnist1d_builders.tfds import Builder, MNIST1DBuilderConfig, prepare, verify_directory  # noqa: E402
from mnist1d_core import CITATION, PRESETS, RELEASES, SPLITS, FingerprintMismatch, MNIST1DConfig, fingerprint, generate  # noqa: E402

SMALL = MNIST1DConfig(num_samples=200, seed=3)
# The module, not the function mnist1d_core.fingerprint that shadows it.
fingerprint_module = importlib.import_module("mnist1d_core.fingerprint")


def read_split(builder, split):
    """A whole split as numpy arrays, in stored order."""
    data = tfds.as_numpy(builder.as_dataset(split=split, batch_size=-1))
    return data["x"], data["y"]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    """A data dir holding the prepared canonical dataset."""
    root = tmp_path_factory.mktemp("tfds")
    prepare(PRESETS["canonical"], root)
    return root


def test_load_by_name_is_canonical_in_the_cores_order(data_dir):
    expected = generate(PRESETS["canonical"])
    for name in ("mnist1d", "mnist1d/canonical", "mnist1d/canonical:1.0.0"):
        splits = tfds.load(name, data_dir=data_dir, batch_size=-1, as_supervised=True)
        for split in SPLITS:
            x, y = tfds.as_numpy(splits[split])
            assert x.dtype == np.float32 and x.shape == (len(expected.split(split)), 40)
            np.testing.assert_array_equal(x, expected.split(split).x.astype(np.float32))
            np.testing.assert_array_equal(y, expected.split(split).y)


def test_load_shuffled_by_name(tmp_path):
    x, y = tfds.as_numpy(
        tfds.load("mnist1d/shuffled", split="test", data_dir=tmp_path, batch_size=-1, as_supervised=True)
    )
    assert fingerprint(x, y) == fingerprint_module.registry()[("shuffled", "test")].sha256


def test_info_features_version_and_metadata(data_dir):
    builder = tfds.builder("mnist1d", data_dir=data_dir)
    info = builder.info
    assert builder.builder_config.name == "canonical" and str(info.version) == "1.0.0"
    assert [str(v) for v in Builder.RELEASE_NOTES] == [release.version for release in RELEASES]
    assert isinstance(info.features["x"], tfds.features.Tensor)
    assert info.features["x"].shape == (40,) and info.features["x"].dtype == np.float32
    assert info.features["y"].num_classes == 10
    assert info.supervised_keys == ("x", "y") and info.disable_shuffling
    assert "MNIST-1D" in info.description
    # TFDS reads CITATIONS.bib beside the builder: it must stay the project's one BibTeX.
    assert info.citation == CITATION.strip()

    # The metadata is kept with the data, also without the builder's code.
    metadata = tfds.builder_from_directory(builder.data_dir).info.metadata
    assert MNIST1DConfig.from_dict(metadata["mnist1d_config"]) == PRESETS["canonical"]
    for split in SPLITS:
        entry = fingerprint_module.registry()[("canonical", split)]
        assert metadata["content_fingerprints"][split] == entry.sha256
    shards = sorted(Path(builder.data_dir).glob("*.tfrecord*"))
    assert len(shards) == 2
    assert metadata["shard_sha256"] == {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in shards}


def test_custom_configs_are_named_by_their_parameters(tmp_path):
    config = MNIST1DBuilderConfig(SMALL, final_seq_length=20, shuffle_seq=True)
    assert config.name == "custom-num_samples_200-shuffle_seq_true-final_seq_length_20-seed_3"
    assert config.params == SMALL.replace(final_seq_length=20, shuffle_seq=True)
    assert MNIST1DBuilderConfig(seed=7).name != MNIST1DBuilderConfig(seed=8).name

    builder = tfds.builder("mnist1d", config=config, data_dir=tmp_path)
    builder.download_and_prepare()
    assert Path(builder.data_dir) == tmp_path / "mnist1d" / config.name / "1.0.0"
    assert builder.info.features["x"].shape == (20,)
    expected = generate(config.params)
    for split in SPLITS:
        x, y = read_split(builder, split)
        assert fingerprint(x, y) == fingerprint(expected.split(split).x, expected.split(split).y)

    # Another variant goes to its own folder, and reads back its own data.
    other = tfds.builder("mnist1d", config=MNIST1DBuilderConfig(SMALL, final_seq_length=20), data_dir=tmp_path)
    other.download_and_prepare()
    assert other.data_dir != builder.data_dir
    assert fingerprint(*read_split(other, "test")) != fingerprint(*read_split(builder, "test"))


def test_a_config_equal_to_a_preset_is_that_preset(tmp_path):
    builder = tfds.builder("mnist1d", config=MNIST1DBuilderConfig(shuffle_seq=True), data_dir=tmp_path)
    assert builder.builder_config is Builder.builder_configs["shuffled"]
    assert [c.name for c in Builder.BUILDER_CONFIGS] == list(PRESETS)


@pytest.mark.parametrize(
    "changes", [{"num_samples": 5}, {"seed": -1}, {"padding": (9, 3)}, {"shuffle_seq": "yes"}, {"colour": 1}]
)
def test_bad_parameters_fail_with_the_cores_error_before_a_builder_exists(changes):
    with pytest.raises((ValueError, TypeError)) as core_error:
        PRESETS["canonical"].replace(**changes)
    with pytest.raises(core_error.type, match=re.escape(str(core_error.value))):
        MNIST1DBuilderConfig(**changes)


def test_a_preset_that_differs_from_the_registry_fails_and_leaves_no_dataset(tmp_path, monkeypatch):
    registry = dict(fingerprint_module.registry())
    registry[("canonical", "test")] = registry[("canonical", "test")]._replace(sha256="0" * 64)
    monkeypatch.setattr(fingerprint_module, "registry", lambda: registry)
    with pytest.raises(FingerprintMismatch, match="canonical/test: content fingerprint"):
        prepare(PRESETS["canonical"], tmp_path)
    assert list((tmp_path / "mnist1d" / "canonical").iterdir()) == []  # TFDS removed its incomplete folder


PARQUET_REFUSED = "file_format='parquet' is refused: TFDS 4.9.10 silently drops rows when it writes Parquet"


@pytest.mark.parametrize(
    "file_format, message",
    [
        ("parquet", re.escape(PARQUET_REFUSED)),
        ("riegeli", "file_format must be 'tfrecord' or 'array_record', got 'riegeli'"),
    ],
)
def test_other_file_formats_are_refused_before_anything_is_written(tmp_path, file_format, message):
    builder = tfds.builder("mnist1d", config=MNIST1DBuilderConfig(SMALL), data_dir=tmp_path)
    with pytest.raises(ValueError, match=message):
        builder.download_and_prepare(file_format=file_format)
    with pytest.raises(ValueError, match=message):  # TFDS's builder keyword (also `tfds build --file_format`)
        tfds.load(
            "mnist1d",
            data_dir=tmp_path,
            builder_kwargs={"config": MNIST1DBuilderConfig(SMALL), "file_format": file_format},
        )
    with pytest.raises(ValueError, match=message):
        prepare(SMALL, tmp_path, file_format=file_format)
    assert list(tmp_path.iterdir()) == []


def test_a_parquet_data_source_is_refused_before_anything_is_written(tmp_path):
    # Parquet is one of TFDS's random-access formats: tfds.data_source would write it.
    with pytest.raises(ValueError, match=re.escape(PARQUET_REFUSED)):
        tfds.data_source("mnist1d", data_dir=tmp_path, builder_kwargs={"file_format": "parquet"})
    assert list(tmp_path.iterdir()) == []


def test_prepares_with_progress_bars_off(tmp_path):
    tfds.disable_progress_bar()
    try:
        assert (prepare(SMALL, tmp_path) / "metadata.json").is_file()
    finally:
        tfds.enable_progress_bar()


def test_mock_data_serves_examples_of_the_right_shape():
    with tfds.testing.mock_data(num_examples=3):
        examples = list(tfds.as_numpy(tfds.load("mnist1d", split="train")))
    assert len(examples) == 3
    assert all(e["x"].shape == (40,) and e["x"].dtype == np.float32 and 0 <= e["y"] < 10 for e in examples)


def test_tfds_build_command(tmp_path):
    # The command documented in the README; tfds's CLI needs apache-beam and mlcroissant.
    tfds_cli = Path(sys.executable).parent / "tfds"
    subprocess.run(
        [
            tfds_cli,
            "build",
            "--imports",
            "mnist1d_builders.tfds",
            "mnist1d",
            "--config",
            "canonical",
            "--data_dir",
            tmp_path,
        ],
        check=True,
        capture_output=True,
    )
    lines = verify_directory(tmp_path / "mnist1d" / "canonical" / "1.0.0")
    assert sum(line.endswith("matches metadata.json and the registry (canonical)") for line in lines) == 2


def test_core_and_datasets_builder_import_without_tensorflow():
    code = (
        "import sys, importlib.util, mnist1d_core, mnist1d_builders, mnist1d_builders.integrity\n"
        "if importlib.util.find_spec('mnist1d_builders.hf'): import mnist1d_builders.hf\n"
        "leaked = sorted(m for m in ('tensorflow', 'tensorflow_datasets') if m in sys.modules)\n"
        "assert not leaked, leaked"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_tensorflow_is_required_only_by_the_tfds_extra():
    requirements = importlib.metadata.requires("mnist1d-datasets")
    tensorflow = [r for r in requirements if r.lower().startswith("tensorflow")]
    assert tensorflow and all('extra == "tfds"' in r for r in tensorflow)
