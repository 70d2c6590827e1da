"""mnist1d_builders.torch: MNIST1D and MNIST1DStream against the core, alone and in DataLoaders."""

import tracemalloc

import numpy as np
import pytest

torch = pytest.importorskip("torch")  # noqa: E402  (the suite's "ml" runs have torch; see pyproject.toml)

from torch.utils.data import DataLoader  # noqa: E402

from mnist1d_builders.torch import MNIST1D, MNIST1DStream  # noqa: E402
from mnist1d_core import PRESETS, MNIST1DConfig, generate, sharded  # noqa: E402

pytestmark = pytest.mark.ml

SMALL = MNIST1DConfig(num_samples=500, seed=3)  # 400 train, 100 test
# 4 train blocks and 1 test block of the sharded algorithm
STREAMED = MNIST1DConfig(num_samples=5000, seed=5, algorithm="sharded")


class Refused(Exception):
    pass


def refuse(_):
    raise Refused("no")


def as_rows(x):
    """The examples as a sorted list of bytes: equal lists are the same multiset of examples."""
    return sorted(bytes(row) for row in np.ascontiguousarray(x))


@pytest.mark.parametrize("train", [True, False])
def test_items_shapes_dtypes_and_content_are_the_cores(train):
    dataset = MNIST1D(train=train)
    core = generate(PRESETS["canonical"])
    split = core.train if train else core.test
    assert len(dataset) == len(split) == (4000 if train else 1000)
    assert dataset.data.dtype == torch.float32 and tuple(dataset.data.shape) == (len(split), 40)
    np.testing.assert_array_equal(dataset.data.numpy(), split.x.astype(np.float32))
    assert dataset.targets.dtype == torch.int64 and dataset.targets.tolist() == split.y.tolist()
    assert dataset.t.dtype == torch.float32
    np.testing.assert_array_equal(dataset.t.numpy(), core.t.astype(np.float32))
    assert dataset.classes == [str(d) for d in range(10)] and dataset.class_to_idx["7"] == 7
    for index in (0, 17, -1):
        x, y = dataset[index]
        assert x.dtype == torch.float32 and tuple(x.shape) == (40,) and type(y) is int
        np.testing.assert_array_equal(x.numpy(), split.x[index].astype(np.float32))
        assert y == split.y[index]


def test_params_replace_the_presets_and_configs_are_taken_as_they_are():
    dataset = MNIST1D(train=False, config="shuffled", num_samples=300, final_seq_length=60, seed=9)
    expected = generate(PRESETS["shuffled"].replace(num_samples=300, final_seq_length=60, seed=9)).test
    assert tuple(dataset.data.shape) == (60, 60) and dataset.config.shuffle_seq
    np.testing.assert_array_equal(dataset.data.numpy(), expected.x.astype(np.float32))
    from_config = MNIST1D(config=SMALL)
    assert from_config.config == SMALL and len(from_config) == 400


def test_transform_and_target_transform_apply_to_each_item_and_not_to_the_data():
    plain = MNIST1D(config=SMALL)

    def double_in_place(x):
        return x.mul_(2)

    dataset = MNIST1D(config=SMALL, transform=double_in_place, target_transform=lambda y: f"digit {y}")
    x, y = dataset[5]
    torch.testing.assert_close(x, plain.data[5] * 2, rtol=0, atol=0)
    assert y == f"digit {plain.targets[5].item()}"
    torch.testing.assert_close(dataset.data, plain.data, rtol=0, atol=0)  # the in-place transform changed a copy


def test_a_transform_that_raises_lets_its_exception_through():
    with pytest.raises(Refused, match="no"):
        MNIST1D(config=SMALL, transform=refuse)[0]
    with pytest.raises(Refused, match="no"):
        next(iter(DataLoader(MNIST1D(config=SMALL, target_transform=refuse), batch_size=4)))
    with pytest.raises(Refused, match="no"):
        next(iter(MNIST1DStream(STREAMED, split="test", transform=refuse)))


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"config": "paper"}, ValueError, "unknown preset 'paper'; choose one of: canonical, shuffled"),
        ({"config": 5}, TypeError, "config must be a preset name (canonical, shuffled) or an MNIST1DConfig, got 5"),
        ({"num_sample": 100}, TypeError, "unknown MNIST-1D parameter(s): 'num_sample'"),
        ({"num_samples": 5}, ValueError, "num_samples must be in 10..1000000000000000, got 5"),
        ({"train": "test"}, TypeError, "train must be True or False, got 'test'"),
        ({"transform": "normalise"}, TypeError, "transform must be callable or None, got 'normalise'"),
    ],
)
def test_bad_input_is_refused_by_name(kwargs, error, message):
    with pytest.raises(error) as caught:
        MNIST1D(**kwargs)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"split": "validation"}, ValueError, "unknown split 'validation'; choose one of: train, test"),
        ({"algorithm": "paper"}, ValueError, "MNIST1DStream makes the sharded algorithm, got algorithm='paper'"),
        ({"seed": -1}, ValueError, "seed must be in 0..4294967295, got -1"),
        ({"target_transform": 3}, TypeError, "target_transform must be callable or None, got 3"),
    ],
)
def test_bad_stream_input_is_refused_by_name(kwargs, error, message):
    with pytest.raises(error) as caught:
        MNIST1DStream(**kwargs)
    assert str(caught.value) == message


@pytest.mark.parametrize("num_workers", [0, 2])
@pytest.mark.parametrize("shuffle", [False, True])
def test_a_data_loader_serves_each_example_once(num_workers, shuffle):
    dataset = MNIST1D(config=SMALL)
    loader = DataLoader(
        dataset, batch_size=64, shuffle=shuffle, num_workers=num_workers, generator=torch.Generator().manual_seed(0)
    )
    batches = list(loader)
    assert [len(y) for _, y in batches] == [64] * 6 + [16]
    x, y = torch.cat([b[0] for b in batches]), torch.cat([b[1] for b in batches])
    assert x.dtype == torch.float32 and y.dtype == torch.int64
    index = {bytes(row): i for i, row in enumerate(dataset.data.numpy())}  # the examples are distinct
    order = torch.tensor([index[bytes(row)] for row in x.numpy()])
    assert sorted(order.tolist()) == list(range(len(dataset)))  # each example once
    assert torch.equal(y, dataset.targets[order])
    assert torch.equal(order, torch.arange(len(dataset))) != shuffle


def test_the_stream_yields_the_sharded_generators_examples_in_order():
    stream = MNIST1DStream(config=STREAMED.replace(algorithm="paper"), split="train")  # made sharded
    expected = generate(STREAMED, dtype=np.float32).train
    assert stream.config == STREAMED and stream.num_blocks == 4 and len(stream) == 4000
    examples = list(stream)
    assert all(x.dtype == torch.float32 and tuple(x.shape) == (40,) and type(y) is int for x, y in examples[:5])
    np.testing.assert_array_equal(torch.stack([x for x, _ in examples]).numpy(), expected.x)
    assert [y for _, y in examples] == expected.y.tolist()


@pytest.mark.filterwarnings("ignore:This DataLoader will create 3 worker processes")  # more than the cores, on purpose
@pytest.mark.parametrize("num_workers", [2, 3])
def test_the_streams_workers_share_the_blocks_each_example_once(num_workers):
    stream = MNIST1DStream("canonical", split="train", num_samples=5000, seed=5)
    batches = list(DataLoader(stream, batch_size=250, num_workers=num_workers))
    x = torch.cat([b[0] for b in batches]).numpy()
    y = torch.cat([b[1] for b in batches]).numpy()
    expected = generate(STREAMED, dtype=np.float32).train
    assert len(x) == len(expected.x) == 4000  # no example twice
    assert as_rows(x) == as_rows(expected.x)  # and every example
    assert as_rows(np.column_stack([x.view(np.int32), y])) == as_rows(
        np.column_stack([expected.x.view(np.int32), expected.y])
    )  # each with its label


def test_workers_beyond_the_number_of_blocks_yield_nothing():
    stream = MNIST1DStream(STREAMED, split="test")  # 1000 examples: one block
    assert stream.num_blocks == 1
    x = torch.cat([b[0] for b in DataLoader(stream, batch_size=100, num_workers=2)]).numpy()
    assert as_rows(x) == as_rows(generate(STREAMED, dtype=np.float32).test.x)


def test_a_stream_of_a_trillion_examples_starts_at_once_in_constant_memory():
    tracemalloc.start()
    try:
        stream = MNIST1DStream(num_samples=10**12)
        examples = iter(stream)
        x, y = next(examples)
        for _ in range(2500):  # into the third block
            next(examples)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(stream) == 8 * 10**11 and stream.num_blocks == 8 * 10**8
    assert peak < 50 * 2**20, f"{peak / 2**20:.0f} MB"  # the whole split would be 128 TB
    block_x, block_y = sharded.generate_block(stream.config, "train", 0)
    np.testing.assert_array_equal(x.numpy(), block_x[0].astype(np.float32))
    assert y == block_y[0]
