"""The same config gives the same content through TFDS, the core, the registry and `datasets`."""

import importlib

import pytest

tfds = pytest.importorskip("tensorflow_datasets")

from mnist1d_builders.tfds import prepare  # noqa: E402
from mnist1d_core import PRESETS, SPLITS, MNIST1DConfig, fingerprint, generate  # noqa: E402

registry = importlib.import_module("mnist1d_core.fingerprint").registry

CONFIGS = {
    "canonical": PRESETS["canonical"],
    "shuffled": PRESETS["shuffled"],
    "custom": MNIST1DConfig(num_samples=1234, train_split=0.7, padding=(30, 70), final_seq_length=32, seed=11),
    "sharded": MNIST1DConfig(num_samples=2500, algorithm="sharded", seed=4),  # several blocks per split
}


def tfds_fingerprints(config, data_dir):
    """Each split's fingerprint, re-read from the TFRecord shards."""
    builder = tfds.builder_from_directory(prepare(config, data_dir))
    fingerprints = {}
    for split in SPLITS:
        data = tfds.as_numpy(builder.as_dataset(split=split, batch_size=-1))
        fingerprints[split] = fingerprint(data["x"], data["y"])
    assert fingerprints == builder.info.metadata["content_fingerprints"]
    return fingerprints


@pytest.fixture(scope="module")
def tfds_content(tmp_path_factory):
    """name -> TFDS fingerprints, each config prepared once for both tests."""
    prepared = {}

    def get(name):
        if name not in prepared:
            prepared[name] = tfds_fingerprints(CONFIGS[name], tmp_path_factory.mktemp(name))
        return prepared[name]

    return get


@pytest.mark.parametrize("name", CONFIGS)
def test_tfds_content_equals_the_cores(name, tfds_content):
    core = generate(CONFIGS[name])
    expected = {split: fingerprint(core.split(split).x, core.split(split).y) for split in SPLITS}
    assert tfds_content(name) == expected
    if name in PRESETS:
        assert expected == {split: registry()[(name, split)].sha256 for split in SPLITS}


@pytest.mark.parametrize("name", CONFIGS)
def test_tfds_content_equals_the_datasets_builds(name, tfds_content, tmp_path):
    pytest.importorskip("datasets")  # the hf extra
    from mnist1d_builders.hf import Mnist1d

    config = CONFIGS[name]
    builder = Mnist1d(cache_dir=str(tmp_path), **config.to_dict())
    builder.download_and_prepare()
    hf = {}
    for split in SPLITS:
        data = builder.as_dataset(split=split).with_format("numpy")
        hf[split] = fingerprint(data["x"], data["y"])
    assert tfds_content(name) == hf
