"""The paper's baselines (mnist1d_baselines): what they measure, how they train, and the API.

Training runs at reduced steps (tens to hundreds instead of 8000) so the file takes
seconds; benchmarks/bench_baselines_table.py runs the full recipe.
"""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import torch

from mnist1d_baselines import MODELS, PAPER_ACCURACY, Results, benchmark
from mnist1d_baselines import models as baseline_models
from mnist1d_baselines import train as training
from mnist1d_baselines.resources import memory_bytes, share_out
from mnist1d_core import PRESETS, generate
from mnist1d_core.resources import InsufficientResources

pytestmark = pytest.mark.ml  # torch throughout


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """Models called directly run on torch's threads: one here, as benchmark() trains by default
    (on a busy machine, two threads make these small models many times slower)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def canonical():
    return generate(PRESETS["canonical"])


@pytest.fixture(scope="module")
def shuffled():
    return generate(PRESETS["shuffled"])


def run(data, **options):
    return benchmark(data.train.x, data.train.y, data.test.x, data.test.y, **options)


# --- what the baselines measure -------------------------------------------------------

ORDERING_OPTIONS = dict(models=("linear", "mlp", "cnn"), seeds=2, steps=300)


@pytest.fixture(scope="module")
def canonical_results(canonical):
    return run(canonical, **ORDERING_OPTIONS)


@pytest.fixture(scope="module")
def shuffled_results(shuffled):
    return run(shuffled, **ORDERING_OPTIONS)


def test_ordering_on_canonical(canonical_results):
    # At 300 steps (measured): about 31 / 59 / 77%; the paper's 8000 give 32 / 68 / 94%.
    r = canonical_results
    assert r.mean("linear") + 5 < r.mean("mlp") and r.mean("mlp") + 5 < r.mean("cnn")
    assert 20 < r.mean("linear") < 40  # far above chance (10%), far below the others


def test_shuffling_the_time_axis_hurts_only_the_cnn(canonical_results, shuffled_results):
    drop = {m: canonical_results.mean(m) - shuffled_results.mean(m) for m in ORDERING_OPTIONS["models"]}
    assert drop["cnn"] > 10
    # A fixed permutation of the inputs is nothing to a model without an order prior.
    assert abs(drop["linear"]) < 5 and abs(drop["mlp"]) < 5
    assert shuffled_results.mean("cnn") < shuffled_results.mean("mlp")


# --- how they train -----------------------------------------------------------------


def tensors(data):
    return (
        torch.tensor(data.train.x, dtype=torch.float32),
        torch.tensor(data.train.y),
        torch.tensor(data.test.x, dtype=torch.float32),
        torch.tensor(data.test.y),
    )


def test_batched_training_follows_the_authors_loop_parameter_for_parameter(canonical):
    # After a few steps the batched models hold the parameters the one-model-at-a-time loop
    # reaches, up to float rounding (the products and kernels differ, so the last bits do).
    x_train, y_train, _, _ = tensors(canonical)
    stacks = training.initial(MODELS, (0, 1), length=40)
    training.fit(stacks, x_train, y_train, steps=10)
    for name in MODELS:
        for i, seed in enumerate((0, 1)):
            reference = training.fit_one(name, seed, x_train, y_train, steps=10)
            for key, param in reference.named_parameters():
                torch.testing.assert_close(stacks[name][key][i], param.detach(), rtol=1e-4, atol=1e-5)


def test_batched_training_gives_the_authors_loops_accuracies(canonical):
    # Over hundreds of steps the rounding differences grow (Adam turns a near-zero gradient's
    # last-bit noise into a full-size step), so parameters drift apart while the accuracies
    # stay within noise: measured at 200-300 steps, at most 0.5 points apart; allowed: 2.
    x_train, y_train, x_test, y_test = tensors(canonical)
    stacks = training.initial(MODELS, (0,), length=40)
    training.fit(stacks, x_train, y_train, steps=200)
    for name in MODELS:
        batched = training.accuracies(name, stacks[name], x_test, y_test)[0]
        reference = training.accuracy_one(training.fit_one(name, 0, x_train, y_train, steps=200), x_test, y_test)
        assert abs(batched - reference) <= 2.0, (name, batched, reference)


@pytest.mark.parametrize("length", [40, 7])
@pytest.mark.parametrize("name", MODELS)
def test_stacked_forward_is_the_authors_forward(name, length):
    copies = [baseline_models.build(name, seed=seed, length=length) for seed in range(3)]
    stack, _ = torch.func.stack_module_state(copies)
    x = torch.randn(17, length, generator=torch.Generator().manual_seed(0))
    logits = baseline_models.ARCHITECTURES[name].stacked_forward(stack, x)
    assert logits.shape == (3, 17, 10)
    for i, model in enumerate(copies):
        torch.testing.assert_close(logits[i], model(x), rtol=1e-5, atol=1e-5)


def test_parameter_counts_are_the_authors():
    # As their notebook prints them (mnist1d-classification.ipynb): LinearBase 410,
    # ConvBase 5,210, GRUBase 5,134; the MLP at width 256 (theirs runs at 100: 15,210).
    counts = {
        name: sum(p.numel() for p in baseline_models.build(name, seed=0, length=40).parameters()) for name in MODELS
    }
    assert counts == {"linear": 410, "mlp": 40 * 256 + 256 + 256 * 256 + 256 + 256 * 10 + 10, "cnn": 5210, "gru": 5134}


def test_the_models_are_public_and_documented():
    import mnist1d_baselines

    for name, cls in zip(MODELS, ("Linear", "MLP", "CNN", "GRU")):
        assert cls in mnist1d_baselines.__all__ and getattr(mnist1d_baselines, cls).__doc__
        model = mnist1d_baselines.build(name, 40, seed=1)
        assert type(model) is getattr(mnist1d_baselines, cls)
        assert model(torch.zeros(2, 40)).shape == (2, 10)
    assert "build" in mnist1d_baselines.__all__ and mnist1d_baselines.build.__doc__
    same = [mnist1d_baselines.build("mlp", seed=3).linear1.weight for _ in range(2)]
    assert torch.equal(*same)
    with pytest.raises(ValueError, match="unknown model 'resnet'; choose from: linear, mlp, cnn, gru"):
        mnist1d_baselines.build("resnet")
    with pytest.raises(ValueError, match="length must be an integer >= 3 for the cnn, got 2"):
        mnist1d_baselines.build("cnn", 2)


def test_batches_are_taken_in_order_and_wrap_as_the_authors_slicing_does():
    x, y = torch.arange(250.0).unsqueeze(1), torch.arange(250)
    starts = [int(training.batch(step, x, y)[0][0, 0]) for step in range(6)]
    sizes = [len(training.batch(step, x, y)[1]) for step in range(6)]
    assert starts == [0, 100, 200, 50, 150, 0] and sizes == [100, 100, 50, 100, 100, 100]


# --- determinism --------------------------------------------------------------------

DETERMINISM_OPTIONS = dict(models=MODELS, seeds=2, steps=30)


def test_same_seed_same_accuracies(canonical):
    first, second = run(canonical, **DETERMINISM_OPTIONS), run(canonical, **DETERMINISM_OPTIONS)
    assert first.runs == second.runs
    assert first.runs["cnn"][0] != first.runs["cnn"][1]  # and the seeds do differ


def test_same_accuracies_in_another_process(canonical):
    code = (
        "import json; from mnist1d_core import PRESETS, generate; from mnist1d_baselines import benchmark\n"
        "d = generate(PRESETS['canonical'])\n"
        f"r = benchmark(d.train.x, d.train.y, d.test.x, d.test.y, **{DETERMINISM_OPTIONS!r})\n"
        "print(r.to_json())"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert Results.from_dict(json.loads(out)).runs == run(canonical, **DETERMINISM_OPTIONS).runs


def test_a_seed_is_the_same_whatever_trains_beside_it(canonical):
    everything = run(canonical, models=MODELS, seeds=3, steps=30)
    alone = run(canonical, models=("cnn",), seeds=1, steps=30)
    pair = run(canonical, models=("gru", "linear"), seeds=2, steps=30)
    assert alone.runs["cnn"] == everything.runs["cnn"][:1]
    assert pair.runs["gru"] == everything.runs["gru"][:2] and pair.runs["linear"] == everything.runs["linear"][:2]


def test_a_seed_trains_to_the_same_bits_whatever_the_number_of_seeds(canonical):
    # Accuracies after tens of steps hide last-bit differences that hundreds of steps grow
    # into points, so the parameters themselves are compared: each seed trained alone
    # against all trained together. (torch.bmm over a stack of 3 rounded a CNN copy's weight
    # gradient differently from a stack of 1: the products are now computed per copy.)
    x_train, y_train, _, _ = tensors(canonical)
    together = training.initial(MODELS, (0, 1, 2), length=40)
    training.fit(together, x_train, y_train, steps=25)
    for i, seed in enumerate((0, 1, 2)):
        alone = training.initial(MODELS, (seed,), length=40)
        training.fit(alone, x_train, y_train, steps=25)
        for name in MODELS:
            for key, param in alone[name].items():
                assert torch.equal(together[name][key][i], param[0]), (seed, name, key)


# Trains seeds 0-2 together and each alone, twice, on 500 examples; prints whether every
# seed's parameters match to the bit, and whether the repeat gave the same bits.
KERNEL_PATH_CHECK = """
import torch
from mnist1d_core import PRESETS, generate
from mnist1d_baselines import MODELS, train
d = generate(PRESETS["canonical"])
x, y = torch.tensor(d.train.x[:500], dtype=torch.float32), torch.tensor(d.train.y[:500])
def fit(seeds):
    stacks = train.initial(MODELS, seeds, length=40)
    train.fit(stacks, x, y, steps=6)
    return stacks
together, again = fit((0, 1, 2)), fit((0, 1, 2))
alone = [fit((seed,)) for seed in (0, 1, 2)]
print(all(torch.equal(together[m][k][i], alone[i][m][k][0]) for i in range(3) for m in MODELS for k in together[m]))
print(all(torch.equal(together[m][k], again[m][k]) for m in MODELS for k in together[m]))
"""


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize(
    "kernels",
    [{}, {"ATEN_CPU_CAPABILITY": "default"}, {"ATEN_CPU_CAPABILITY": "avx2"}, {"ONEDNN_MAX_CPU_ISA": "AVX2"}],
    ids=["default", "aten-default", "aten-avx2", "onednn-avx2"],
)
def test_a_seed_trains_to_the_same_bits_on_every_kernel_path(kernels, threads):
    # ATen's scalar, AVX2 and (where the processor has it, by default) AVX-512 kernels, and
    # oneDNN limited to AVX2: the promise must not depend on the processor CI gets.
    inherited = {k: v for k, v in os.environ.items() if k not in ("ATEN_CPU_CAPABILITY", "ONEDNN_MAX_CPU_ISA")}
    env = {**inherited, "OMP_NUM_THREADS": str(threads), **kernels}
    out = subprocess.run(
        [sys.executable, "-c", KERNEL_PATH_CHECK], env=env, capture_output=True, text=True, timeout=600
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["True", "True"], (kernels, threads)


def test_the_optimizer_keeps_torchs_adam_defaults():
    defaults = torch.optim.Adam([torch.zeros(1, requires_grad=True)]).defaults
    assert (defaults["betas"], defaults["eps"], defaults["weight_decay"]) == (
        training.ADAM_BETAS,
        training.ADAM_EPS,
        0,
    )


def test_any_number_of_workers_gives_the_same_results(canonical):
    alone = run(canonical, **DETERMINISM_OPTIONS).runs
    for workers in (2, 3, 2):  # repeated: the workers' timing must not matter
        assert run(canonical, **DETERMINISM_OPTIONS, workers=workers).runs == alone


def test_progress_counts_the_steps_of_every_worker(canonical):
    calls = []
    run(canonical, models=("linear", "mlp"), seeds=1, steps=7, workers=2, progress=lambda *call: calls.append(call))
    assert calls == [(done, 14) for done in range(1, 15)]  # two groups' steps, one at a time


def test_models_are_shared_out_between_workers_by_cost():
    assert share_out(["linear", "mlp", "cnn"], 2) == [["cnn"], ["linear", "mlp"]]
    assert share_out(list(MODELS), 2) == [["gru"], ["linear", "mlp", "cnn"]]
    assert share_out(["mlp", "linear"], 5) == [["mlp"], ["linear"]]
    assert share_out(list(MODELS), 1) == [list(MODELS)]


@pytest.mark.parametrize("interruption", [ValueError("stop"), KeyboardInterrupt()])
def test_an_error_in_one_worker_stops_the_others(canonical, interruption):
    calls = []

    def progress(done, total):
        calls.append(done)
        if done == 5:
            raise interruption

    with pytest.raises(type(interruption)):
        run(canonical, models=("linear", "mlp"), seeds=1, steps=10_000, workers=2, progress=progress)
    assert len(calls) < 20  # not 20,000: the other worker stopped at its next step


def test_float64_data_and_its_float32_copy_give_the_same_results(canonical):
    as_float32 = benchmark(
        canonical.train.x.astype(np.float32),
        canonical.train.y,
        canonical.test.x.astype(np.float32),
        canonical.test.y,
        models=("mlp",),
        seeds=1,
        steps=30,
    )
    assert as_float32.runs == run(canonical, models=("mlp",), seeds=1, steps=30).runs


def test_leaves_torch_threads_and_random_state_as_they_were(canonical):
    threads, state = torch.get_num_threads(), torch.random.get_rng_state()
    results = run(canonical, models=("linear",), seeds=1, steps=5, threads=2)
    assert results.threads == 2
    assert torch.get_num_threads() == threads and torch.equal(torch.random.get_rng_state(), state)


def test_progress_is_reported_after_every_step(canonical):
    calls = []
    run(canonical, models=("linear",), seeds=1, steps=7, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(done, 7) for done in range(1, 8)]


# --- results: JSON and tables -----------------------------------------------------------


@pytest.fixture(scope="module")
def small_results(canonical):
    return run(canonical, models=("linear", "cnn"), seeds=3, steps=20, config=PRESETS["canonical"])


def test_json_layout(small_results):
    data = json.loads(small_results.to_json())
    assert set(data) == {"config", "results", "steps", "seeds", "metric", "threads", "versions"}
    assert data["config"] == json.loads(json.dumps(PRESETS["canonical"].to_dict()))
    assert (data["steps"], data["seeds"], data["threads"]) == (20, 3, 1)
    assert set(data["versions"]) == {"mnist1d-datasets", "torch", "numpy"}
    assert data["versions"]["torch"] == torch.__version__ and data["versions"]["numpy"] == np.__version__
    assert list(data["results"]) == ["linear", "cnn"]
    for entry in data["results"].values():
        assert set(entry) == {"mean", "std", "runs"} and len(entry["runs"]) == 3
        assert all(0 <= a <= 100 for a in entry["runs"])
        assert entry["mean"] == pytest.approx(np.mean(entry["runs"]))
        assert entry["std"] == pytest.approx(np.std(entry["runs"]))


def test_json_reads_back(small_results):
    assert Results.from_dict(json.loads(small_results.to_json())) == small_results
    with pytest.raises(ValueError, match="not a benchmark results layout"):
        Results.from_dict({"results": {}})


def test_tables(small_results):
    text = small_results.table().splitlines()
    assert text[0].split()[:3] == ["model", "test", "accuracy"]
    assert text[1].startswith("logistic regression") and text[2].startswith("CNN")
    assert small_results.summary("cnn") in text[2]
    markdown = small_results.markdown(PAPER_ACCURACY["shuffled"])
    assert "| model | test accuracy (%) | paper (%) |" in markdown
    assert f"| CNN | {small_results.summary('cnn')} | 56 |" in markdown
    assert "over 3 seeds, 20 steps each" in markdown and f"torch {torch.__version__}" in markdown
    assert "paper" not in small_results.markdown()


# --- bad input, refused before any work ------------------------------------------------------


def valid(data):
    return dict(x_train=data.train.x, y_train=data.train.y, x_test=data.test.x, y_test=data.test.y)


BAD = [
    (dict(models=("linear", "resnet")), ValueError, "unknown model 'resnet' in models"),
    (dict(models="cnn"), TypeError, "models must be a sequence of model names"),
    (dict(models=()), ValueError, "models must name at least one model"),
    (dict(models=("cnn", "cnn")), ValueError, "models names a model twice"),
    (dict(seeds=0), ValueError, "seeds must be >= 1, got 0"),
    (dict(seeds=2.0), TypeError, "seeds must be an integer, got 2.0"),
    (dict(steps=0), ValueError, "steps must be >= 1, got 0"),
    (dict(steps=True), TypeError, "steps must be an integer, got True"),
    (dict(threads=0), ValueError, "threads must be >= 1, got 0"),
    (dict(workers=0), ValueError, "workers must be >= 1, got 0"),
    (dict(config=object()), TypeError, "config must be an MNIST1DConfig, a mapping or None"),
    (dict(config={"when": object()}), TypeError, "config must be JSON-serialisable"),
    (dict(progress="bar"), TypeError, "progress must be callable, got 'bar'"),
]


@pytest.mark.parametrize("change, error, message", BAD, ids=[m for _, _, m in BAD])
def test_bad_options(canonical, change, error, message):
    with pytest.raises(error, match=message):
        benchmark(**valid(canonical), **change)


def test_more_copies_than_memory_holds_are_refused_before_training(canonical, monkeypatch):
    monkeypatch.setattr(training, "train", lambda *a, **k: pytest.fail("trained despite too little memory"))
    with pytest.raises(
        InsufficientResources,
        match=r"^seeds=10000000: training mlp gru x 10000000 seeds needs "
        r"about [\d.]+ TB of memory, but [\d.]+ [KMGT]B is available; "
        r"use fewer seeds or models$",
    ):
        benchmark(**valid(canonical), models=("mlp", "gru"), seeds=10_000_000)


def test_the_memory_estimate_bounds_what_training_takes():
    # The growth of peak RSS from 1 to 9 copies of every model, against the estimate for 8.
    # VmHWM, the peak of this process's own memory: ru_maxrss would include the parent's (the
    # test run's) from before the exec.
    code = (
        "import sys; from pathlib import Path; from mnist1d_core import PRESETS, generate\n"
        "from mnist1d_baselines import benchmark\n"
        "def peak(): return next(int(l.split()[1]) for l in Path('/proc/self/status').read_text().splitlines()"
        " if l.startswith('VmHWM:'))\n"
        "d = generate(PRESETS['canonical']); before = peak()\n"
        "benchmark(d.train.x, d.train.y, d.test.x, d.test.y, seeds=int(sys.argv[1]), steps=3)\n"
        "print(1024 * (peak() - before))"
    )
    grown = {
        seeds: int(
            subprocess.run([sys.executable, "-c", code, str(seeds)], check=True, capture_output=True, text=True).stdout
        )
        for seeds in (1, 9)
    }
    estimate = memory_bytes(MODELS, 8, length=40, test_examples=1000)
    assert 0 < grown[9] - grown[1] <= estimate, (grown, estimate)
    assert estimate < 3 * (grown[9] - grown[1])  # an upper estimate, not a wild one


def test_running_out_of_memory_while_training_is_a_memory_error(canonical, monkeypatch):
    def allocator_fails(*args, **kwargs):
        raise RuntimeError(
            "[enforce fail at alloc_cpu.cpp:117] data. DefaultCPUAllocator: can't allocate memory: "
            "you tried to allocate 4000000000 bytes. Error code 12 (Cannot allocate memory)"
        )

    monkeypatch.setattr(training, "train", allocator_fails)
    with pytest.raises(MemoryError, match="DefaultCPUAllocator: can't allocate memory"):
        benchmark(**valid(canonical), models=("linear",), seeds=1, steps=1)


def test_bad_arrays(canonical):
    x, y, xt = canonical.train.x, canonical.train.y, canonical.test.x
    cases = [
        (dict(x_train=x[0]), ValueError, r"x_train must be a non-empty 2-D array .* got shape \(40,\)"),
        (dict(x_train=x[:0]), ValueError, r"x_train must be a non-empty 2-D array .* got shape \(0, 40\)"),
        (dict(x_train=x > 0), TypeError, "x_train must hold real numbers, got dtype bool"),
        (dict(x_test=xt[:, :39]), ValueError, "x_test has signals of length 39, x_train of length 40"),
        (dict(x_train=np.where(x == x[0, 0], np.nan, x)), ValueError, "x_train holds values that are not finite"),
        (dict(x_train=x * 1e39), ValueError, "x_train holds values that are not finite as float32"),
        (dict(y_train=y[:-1]), ValueError, r"y_train must have shape \(4000,\), one label per signal"),
        (dict(y_train=y.astype(float)), TypeError, "y_train must hold integer labels, got dtype float64"),
        (dict(y_test=canonical.test.y + 1), ValueError, "y_test must hold labels 0-9, got 10"),
        (dict(x_train=x[:, :2], x_test=xt[:, :2]), ValueError, "the cnn needs signals of length >= 3"),
    ]
    for change, error, message in cases:
        with pytest.raises(error, match=message):
            benchmark(**{**valid(canonical), **change})


def test_short_signals_are_fine_without_the_cnn(canonical):
    x, xt = canonical.train.x[:, :2], canonical.test.x[:, :2]
    results = benchmark(x, canonical.train.y, xt, canonical.test.y, models=("linear", "gru"), seeds=1, steps=3)
    assert set(results.runs) == {"linear", "gru"}


NO_TORCH = "import sys; sys.modules['torch'] = None\n"  # `import torch` now fails, as when it is missing


def python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)


def test_missing_torch_names_the_extra():
    out = python(
        NO_TORCH + "import numpy as np; from mnist1d_baselines import benchmark\n"
        "benchmark(np.zeros((10, 40)), np.zeros(10, int), np.zeros((10, 40)), np.zeros(10, int))"
    )
    assert out.returncode == 1
    assert out.stderr.strip().splitlines()[-1] == (
        f"ImportError: the baselines need torch (>= {pyproject_torch_minimum()}), which is not installed: "
        "pip install 'mnist1d-datasets[benchmark]'"
    )


def pyproject_torch_minimum() -> str:
    import re
    from pathlib import Path

    import tomllib

    pyproject = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())
    (requirement,) = [r for r in pyproject["project"]["optional-dependencies"]["benchmark"] if r.startswith("torch")]
    return re.fullmatch(r"torch>=([\d.]+)", requirement)[1]


def test_one_torch_minimum_the_extras_floor():
    from mnist1d_baselines.benchmark import torch_minimum

    assert torch_minimum() == pyproject_torch_minimum()


def test_arguments_are_checked_before_torch_is_needed():
    out = python(
        NO_TORCH + "import numpy as np; from mnist1d_baselines import benchmark\n"
        "benchmark(np.zeros((10, 40)), np.zeros(10, int), np.zeros((10, 40)), np.zeros(10, int), seeds=0)"
    )
    assert out.stderr.strip().splitlines()[-1] == "ValueError: seeds must be >= 1, got 0"


def test_the_core_the_builders_and_importing_the_baselines_load_no_torch():
    out = python(
        "import sys, mnist1d_core, mnist1d_builders, mnist1d_builders.hf, mnist1d_baselines\n"
        "from mnist1d_core import PRESETS, generate; generate(PRESETS['canonical'])\n"
        "print(sorted(m for m in sys.modules if m == 'torch' or m.startswith('torch.')))"
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


# --- Results.from_dict: only what benchmark() could have measured -----------------------------


@pytest.mark.parametrize(
    "change, error, message",
    [
        ({"results": {"cnn": {"runs": "55"}}}, TypeError, "results.cnn.runs must be a non-empty list of accuracies"),
        ({"results": {"cnn": {"runs": [50, "50", 50]}}}, TypeError, "results.cnn.runs must hold numbers, got '50'"),
        ({"results": {"cnn": {"runs": [float("nan")] * 3}}}, ValueError, r"in \[0, 100\], got nan"),
        ({"results": {"cnn": {"runs": [10**400] * 3}}}, ValueError, r"in \[0, 100\], got 1000"),  # no OverflowError
        ({"results": {"gpt": {"runs": [50] * 3}}}, ValueError, "unknown model 'gpt'"),
        ({"seeds": 0}, ValueError, "seeds must be an integer >= 1, got 0"),
        ({"steps": True}, ValueError, "steps must be an integer >= 1, got True"),
        ({"threads": 1.5}, ValueError, "threads must be an integer >= 1, got 1.5"),
        ({"config": "canonical"}, TypeError, "config must be an object or null, got 'canonical'"),
        ({"versions": None}, TypeError, "versions must be an object, got None"),
    ],
)
def test_from_dict_refuses_what_no_benchmark_writes(small_results, change, error, message):
    with pytest.raises(error, match=f"^not a benchmark results layout: .*{message}"):
        Results.from_dict({**small_results.to_dict(), **change})


def test_from_dict_names_a_missing_field(small_results):
    data = small_results.to_dict()
    del data["steps"]
    with pytest.raises(ValueError, match="^not a benchmark results layout: no 'steps' field$"):
        Results.from_dict(data)
    del data["seeds"]  # optional: the runs tell
    assert Results.from_dict({**data, "steps": 20}) == small_results
