"""Requests too large for the machine are refused before any work, in one line; bounds on
every integer parameter keep impossible sizes away from numpy."""

import importlib
import re
import resource
import subprocess
import sys
import time

import numpy as np
import pytest

from mnist1d_core import DEFAULT, MNIST1DConfig, generate, resources
from mnist1d_core.config import MAX_LENGTH, MAX_SAMPLES, MAX_TRANSLATION
from mnist1d_core.resources import InsufficientResources

# The peak resident size of this process image: VmHWM. (ru_maxrss would not do: Linux carries
# it over exec from the parent, here a pytest process far larger than the measurement.)
PEAK = """
import sys
from mnist1d_core import MNIST1DConfig, generate, resources

def peak():
    line = next(l for l in open("/proc/self/status") if l.startswith("VmHWM:"))
    return int(line.split()[1]) * 1024

config = MNIST1DConfig(num_samples=int(sys.argv[1]), final_seq_length=int(sys.argv[2]), algorithm=sys.argv[3])
generate(MNIST1DConfig(num_samples=20, algorithm=sys.argv[3]))  # imports and caches warm
before = peak()
generate(config)
print(peak() - before, resources.memory_bytes(config))
"""


@pytest.mark.parametrize("algorithm", ["paper", "sharded"])
@pytest.mark.parametrize("length", [40, 200])
def test_the_memory_estimate_bounds_the_measured_peak(algorithm, length):
    result = subprocess.run(
        [sys.executable, "-c", PEAK, "200000", str(length), algorithm], capture_output=True, text=True, check=True
    )
    peak, estimate = map(int, result.stdout.split())
    assert peak <= estimate <= 2 * peak + 2 * resources.BATCH_BYTES, (peak, estimate)


def test_too_large_a_request_is_refused_before_any_work(monkeypatch):
    monkeypatch.setattr(resources, "available_memory", lambda: 4 * 10**9)
    config = DEFAULT.replace(num_samples=80_000_000)
    calls = []
    with pytest.raises(InsufficientResources) as error:
        generate(config, progress=lambda done, total: calls.append(done))
    assert calls == []
    needed = resources.size(resources.memory_bytes(config))
    assert needed == "81.3 GB"  # 3 copies of 80M x (40 float64 + 1 int64 label), and the rest
    assert str(error.value).startswith(
        f"num_samples=80000000: generating the whole set in memory needs about {needed}, "
        "but 4.0 GB is available; use algorithm='sharded'"
    )
    assert isinstance(error.value, ValueError)  # bad input for this machine: the command line's exit status 2


def test_under_ulimit_the_refusal_comes_at_once():
    # 8,000,000 examples under a 4 GB address-space limit: the authors' code (and this one,
    # unchecked) worked 79 s before failing. Checked, it is refused before generating.
    code = (
        "from mnist1d_core import MNIST1DConfig, generate\n"
        "try:\n    generate(MNIST1DConfig(num_samples=8_000_000))\n"
        "except ValueError as error:\n    print(error)\n"
    )
    limit = 4 * 2**30

    def limited():
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, preexec_fn=limited)
    assert time.perf_counter() - start < 20
    assert re.match(
        r"num_samples=8000000: generating the whole set in memory needs about 8\.2 GB, "
        r"but [34]\.\d GB is available",
        result.stdout,
    ), result.stdout + result.stderr


def test_disk_is_checked_against_the_nearest_existing_folder(tmp_path, monkeypatch):
    config = DEFAULT.replace(num_samples=10**10, algorithm="sharded")
    resources.check_disk(tmp_path / "not" / "yet", 1000, config, "a build")  # fits: no error
    monkeypatch.setattr(resources.shutil, "disk_usage", lambda path: type("Usage", (), {"free": 67 * 10**9}))
    with pytest.raises(
        InsufficientResources,
        match=r"^num_samples=10000000000: a build needs about 1.3 TB of disk, "
        rf"but {tmp_path} has 67.0 GB free$",
    ):
        resources.check_disk(tmp_path / "not" / "yet", 1_300_000_000_000, config, "a build")


def test_sizes_print_in_decimal_units():
    assert [resources.size(n) for n in (999, 1000, 1536, 77_400_000_000, 10**18)] == [
        "999 bytes",
        "1.0 KB",
        "1.5 KB",
        "77.4 GB",
        "1000.0 PB",
    ]


@pytest.mark.parametrize(
    "changes, message",
    [
        (dict(num_samples=MAX_SAMPLES + 1), f"num_samples must be in 10..{MAX_SAMPLES}, got {MAX_SAMPLES + 1}"),
        (dict(max_translation=10**20), f"max_translation must be in 1..{MAX_TRANSLATION}, got {10**20}"),
        (dict(final_seq_length=MAX_LENGTH + 1), f"final_seq_length must be in 2..{MAX_LENGTH}, got {MAX_LENGTH + 1}"),
        (dict(template_len=10**9), f"template_len must be in 1..{MAX_LENGTH}, got {10**9}"),
        (dict(padding=(0, 10**12)), f"padding[1] must be in 0..{MAX_LENGTH}, got {10**12}"),
        (dict(template_len=MAX_LENGTH, padding=(0, 1)), f"template_len + padding[1] must be in 2..{MAX_LENGTH}"),
    ],
)
def test_every_integer_parameter_has_an_upper_bound(changes, message):
    with pytest.raises(ValueError, match=message.replace("+", r"\+").replace(".", r"\.").replace("[", r"\[")):
        DEFAULT.replace(**changes)


def test_the_largest_sizes_are_accepted_and_stay_exact():
    config = MNIST1DConfig(num_samples=MAX_SAMPLES, max_translation=MAX_TRANSLATION, algorithm="sharded")
    assert config.num_train + config.num_test == MAX_SAMPLES and config.num_train == int(0.8 * MAX_SAMPLES)


def test_long_signals_use_smaller_batches_and_the_same_numbers(monkeypatch):
    config = DEFAULT.replace(num_samples=300, template_len=1000, final_seq_length=500)
    whole = generate(config)
    monkeypatch.setattr(resources, "BATCH_BYTES", 10 * 8 * 1060 * 7)  # 7 examples per batch
    generate_module = importlib.import_module("mnist1d_core.generate")  # the package's `generate` is the function
    monkeypatch.setattr(generate_module, "BATCH_BYTES", resources.BATCH_BYTES)
    assert generate_module.batch_size(config) == 7
    batched = generate(config)
    assert np.array_equal(whole.train.x, batched.train.x) and np.array_equal(whole.test.y, batched.test.y)
