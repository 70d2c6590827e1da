"""JAX through Grain: a `datasets` split read directly (`grain.MapDataset.source(ds.with_format("numpy"))`),
beside TFDS's `tfds.data_source` route, both against the core's data."""

import numpy as np
import pytest

grain = pytest.importorskip("grain")  # noqa: E402  (the suite's "ml" runs have grain; see pyproject.toml)
datasets = pytest.importorskip("datasets")
tfds = pytest.importorskip("tensorflow_datasets")

import mnist1d_builders.tfds  # noqa: E402, F401  (registers "mnist1d" with TFDS)
from mnist1d_core import PRESETS, generate  # noqa: E402

pytestmark = pytest.mark.ml

CORE = generate(PRESETS["canonical"]).test  # 1000 examples
FEATURES = datasets.Features(  # as the datasets builder declares them
    {"x": datasets.List(datasets.Value("float32"), length=40), "y": datasets.ClassLabel(names=list("0123456789"))}
)


@pytest.fixture(scope="module")
def hf_split():
    """The canonical test split as a `datasets` Dataset, made in memory from the core's data."""
    return datasets.Dataset.from_dict({"x": CORE.x.astype(np.float32), "y": CORE.y}, features=FEATURES)


@pytest.fixture(scope="module")
def tfds_source(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("tfds")
    return tfds.data_source("mnist1d", split="test", data_dir=data_dir, builder_kwargs={"file_format": "array_record"})


def concatenated(batches):
    return np.concatenate([b["x"] for b in batches]), np.concatenate([b["y"] for b in batches])


def test_grain_reads_a_datasets_split_directly(hf_split):
    dataset = grain.MapDataset.source(hf_split.with_format("numpy"))
    assert len(dataset) == 1000
    item = dataset[7]
    assert item["x"].dtype == np.float32 and item["x"].shape == (40,) and item["y"] == CORE.y[7]
    batches = list(dataset.batch(300))
    assert [len(b["y"]) for b in batches] == [300, 300, 300, 100]
    x, y = concatenated(batches)
    assert x.dtype == np.float32 and y.dtype == np.int64
    np.testing.assert_array_equal(x, CORE.x.astype(np.float32))
    np.testing.assert_array_equal(y, CORE.y)


def test_the_datasets_and_tfds_routes_give_the_same_shuffled_batches(hf_split, tfds_source):
    def pipeline(source):
        return list(grain.MapDataset.source(source).shuffle(seed=0).batch(128))

    from_datasets, from_tfds = pipeline(hf_split.with_format("numpy")), pipeline(tfds_source)
    assert [len(b["y"]) for b in from_datasets] == [128] * 7 + [104]
    for a, b in zip(from_datasets, from_tfds, strict=True):
        np.testing.assert_array_equal(a["x"], b["x"])
        np.testing.assert_array_equal(a["y"], b["y"])
    x, y = concatenated(from_datasets)
    assert not np.array_equal(y, CORE.y)  # shuffled
    order = np.argsort([bytes(row) for row in x])
    expected = np.argsort([bytes(row) for row in CORE.x.astype(np.float32)])
    np.testing.assert_array_equal(x[order], CORE.x.astype(np.float32)[expected])  # each example once
    np.testing.assert_array_equal(y[order], CORE.y[expected])


def test_a_jax_step_runs_on_grains_batches(hf_split):
    jax = pytest.importorskip("jax")
    import jax.numpy as jnp

    batch = next(iter(grain.MapDataset.source(hf_split.with_format("numpy")).batch(100)))
    weights = jnp.zeros((40, 10))

    def loss(w, x, y):
        logits = x @ w
        return -jnp.mean(jax.nn.log_softmax(logits)[jnp.arange(len(y)), y])

    value, grad = jax.jit(jax.value_and_grad(loss))(weights, jnp.asarray(batch["x"]), jnp.asarray(batch["y"]))
    assert grad.shape == (40, 10) and grad.dtype == jnp.float32
    assert abs(float(value) - np.log(10)) < 1e-5  # zero weights: uniform predictions
