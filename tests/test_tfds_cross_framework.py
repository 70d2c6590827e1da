"""The same config gives the same content through TFDS (TFRecord and ArrayRecord), the core,
the registry and `datasets`."""

import importlib
import json

import pytest

tfds = pytest.importorskip("tensorflow_datasets")

from mnist1d_builders.tfds import prepare  # noqa: E402
from mnist1d_builders.tfds.mnist1d.mnist1d_dataset_builder import read_batches  # noqa: E402
from mnist1d_core import PRESETS, SPLITS, MNIST1DConfig, fingerprint, generate  # noqa: E402

registry = importlib.import_module("mnist1d_core.fingerprint").registry

CONFIGS = {
    "canonical": PRESETS["canonical"],
    "shuffled": PRESETS["shuffled"],
    "custom": MNIST1DConfig(num_samples=1234, train_split=0.7, padding=(30, 70), final_seq_length=32, seed=11),
    "sharded": MNIST1DConfig(num_samples=2500, algorithm="sharded", seed=4),  # several blocks per split
}


FORMATS = ["tfrecord", "array_record"]


def tfds_fingerprints(config, data_dir, file_format):
    """Each split's fingerprint, re-read from the shards: TFRecord through tf.data,
    ArrayRecord through the data source."""
    folder = prepare(config, data_dir, file_format=file_format)
    builder = tfds.builder_from_directory(folder)
    fingerprints = {}
    for split in SPLITS:
        if file_format == "tfrecord":
            data = tfds.as_numpy(builder.as_dataset(split=split, batch_size=-1))
        else:
            data = next(
                read_batches(builder.as_data_source(split), batch_size=builder.info.splits[split].num_examples)
            )
        fingerprints[split] = fingerprint(data["x"], data["y"])
    recorded = json.loads((folder / "MANIFEST.json").read_text())["splits"]
    assert fingerprints == {split: recorded[split]["fingerprint"] for split in SPLITS}
    return fingerprints


@pytest.fixture(scope="module")
def tfds_content(tmp_path_factory):
    """(name, format) -> TFDS fingerprints, each prepared once for both tests."""
    prepared = {}

    def get(name, file_format):
        if (name, file_format) not in prepared:
            folder = tmp_path_factory.mktemp(f"{name}-{file_format}")
            prepared[name, file_format] = tfds_fingerprints(CONFIGS[name], folder, file_format)
        return prepared[name, file_format]

    return get


@pytest.fixture(scope="module")
def hf_content(tmp_path_factory):
    """name -> fingerprints of the `datasets` build, each built once."""
    pytest.importorskip("datasets")  # the hf extra
    from mnist1d_builders.hf import Mnist1d

    built = {}

    def get(name):
        if name not in built:
            builder = Mnist1d(cache_dir=str(tmp_path_factory.mktemp(f"hf-{name}")), **CONFIGS[name].to_dict())
            builder.download_and_prepare()
            built[name] = {}
            for split in SPLITS:
                data = builder.as_dataset(split=split).with_format("numpy")
                built[name][split] = fingerprint(data["x"], data["y"])
        return built[name]

    return get


@pytest.mark.parametrize("file_format", FORMATS)
@pytest.mark.parametrize("name", CONFIGS)
def test_tfds_content_equals_the_cores(name, file_format, tfds_content):
    core = generate(CONFIGS[name])
    expected = {split: fingerprint(core.split(split).x, core.split(split).y) for split in SPLITS}
    assert tfds_content(name, file_format) == expected
    if name in PRESETS:
        assert expected == {split: registry()[(name, split)].sha256 for split in SPLITS}


@pytest.mark.parametrize("file_format", FORMATS)
@pytest.mark.parametrize("name", CONFIGS)
def test_tfds_content_equals_the_datasets_builds(name, file_format, tfds_content, hf_content):
    assert tfds_content(name, file_format) == hf_content(name)
