"""Docs that run: every Python block of the README, the dataset card and the documentation site.

A page's blocks share one namespace, like a notebook's cells, and run in a Python process of
their own; the README's blocks each run alone, in a fresh interpreter, as a reader copies
them. Either way: in a temporary working directory, with HOME, the datasets and Hub caches and
the TFDS data folder in temporary folders, and offline (HF_DATASETS_OFFLINE=1,
HF_HUB_OFFLINE=1 and the suite's socket guard), so a block can use only what it, or the
blocks before it, made. No block is skipped; a block that fails fails the test, with its line
in the traceback.

Figures: an image a page shows by a bare file name (``![...](five-minutes-examples.png)``) is
made by the page's own code, which saves it under that name in its working directory; the
test compares it with the committed copy beside the page. ``python tests/test_docs.py PAGE``
runs a page the same way and commits its figures (after a change of the page's code).

Files of the repository a page's code reads (``REPOSITORY_FILES``: a committed measurement that
a figure is drawn from) are copied to the same relative path in its working directory, as a
reader runs the page from a clone; each must exist and be named by the page.

Substitutions (``SUBSTITUTIONS``; each must still apply, so none goes stale): the Hub
repository id, ``OWNER/NAME`` in the docs and ``<owner>/<name>`` on the card, becomes a local
folder made by ``mnist1d_builders.hub.export``: ``datasets`` loads a folder with the Hub layout
offline (and ignores ``revision=`` for it), so the code runs as written without the Hub.

After some blocks a check runs in the same namespace (``CHECKS``): the examples leave what
their comments say.

The site itself is built as CI builds it, ``mkdocs build --strict``: a broken link, a missing
page or a docstring the API reference cannot render fails it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TESTS = Path(__file__).resolve().parent
DOCS = ROOT / "docs"

SUBSTITUTIONS = {
    "docs/guide/hub.md": [("OWNER/NAME", "{hub}")],
    "dataset_card.md": [("<owner>/<name>", "{hub}")],
}

# page -> files of the repository its code reads, by their path from the repository's root
REPOSITORY_FILES = {
    "docs/guide/baselines.md": ["benchmarks/results/sweep_iid_noise_scale.json"],
}

# (file, a line of the block) -> code run right after that block, in its namespace
CHECKS = {
    ("README.md", 'ds = datasets.load_dataset("mnist1d", cache_dir="out/hf")'): """
assert ds["train"].num_rows == 4000 and train.cardinality().numpy() == 4000
""",
    ("README.md", "variant = generate(MNIST1DConfig(num_samples=10_000"): """
assert variant.config.name == "custom-num_samples_10000-shuffle_seq_true-seed_7"
""",
    ("README.md", 'train = variant["train"].with_format("numpy")[:]'): """
import numpy as np
assert train["x"].shape == (8000, 40) and train["x"].dtype == np.float32 and train["y"].dtype == np.int64
""",
    ("README.md", 'x, y = tfds.as_numpy(tfds.load("mnist1d", split="train"'): """
assert x.shape == (4000, 40) and len(source) == 4000 and source[0]["x"].shape == (40,)
""",
    ("README.md", "train, test = MNIST1D(train=True), MNIST1D(train=False)"): """
accuracy = float((model(test.data).argmax(1) == test.targets).float().mean())
assert 0.35 < accuracy < 0.75, accuracy
""",
    ("README.md", 'ds = datasets.load_dataset("mnist1d").with_format("jax")'): """
assert test["x"].shape == (1000, 40) and 0.15 < float(jnp.mean(jnp.argmax(test["x"] @ w, axis=1) == test["y"])) < 0.4
""",
    ("README.md", "results = benchmark(x, y, x_test, y_test"): """
assert set(results.runs) == {"linear", "cnn"} and all(len(r) == 2 for r in results.runs.values())
""",
    ("docs/guide/generator.md", "variant = generate(MNIST1DConfig(num_samples=50_000"): """
assert variant.config.name == "custom-num_samples_50000-shuffle_seq_true-seed_7"
""",
    ("docs/guide/datasets.md", "big = datasets.load_dataset("): """
assert big["train"].num_rows == 16000 and len(first["x"]) == 40
""",
    ("docs/guide/tfds.md", "head = tfds.data_source("): """
assert len(source) == 4000 and len(head) == 400 and len(batch) == 3 and example["x"].shape == (40,)
""",
    ("docs/guide/verify.md", "damaged[-100] ^= 1"): """
assert shard.name in message, message
""",
    ("docs/guide/baselines.md", "curves = benchmark("): """
assert curves.to_dict()["curves"]["cnn"]["steps"] == [100, 200, 300]
""",
    ("docs/guide/baselines.md", "noisier = sweep("): """
assert noisier.results[1].mean("linear") < noisier.results[0].mean("linear")  # what the sweep is for
""",
    ("docs/guide/baselines.md", "measured = Sweep.from_dict("): """
assert measured.parameter == "iid_noise_scale" and measured.values == (0.0, 0.05, 0.1, 0.2, 0.4)
assert measured.results[0].mean("cnn") > 90 > measured.results[3].mean("cnn") and measured.results[4].mean("linear") == 23.1
""",
    ("docs/tutorials/five-minutes.md", "x_tf, y_tf = tfds.as_numpy("): """
assert np.array_equal(x_tf, data.train.x.astype(np.float32)) and np.array_equal(y_tf, data.train.y)
""",
    ("docs/tutorials/five-minutes.md", "for epoch in range(15):"): """
assert 75 < accuracy[-1] < 95, accuracy
""",
    ("docs/tutorials/variant.md", "results[name] = benchmark("): """
for model in ("linear", "mlp", "cnn"):  # what the page says of the figure
    assert results["noisy"].mean(model) < results["canonical"].mean(model), model
assert results["noisy"].mean("cnn") > results["noisy"].mean("mlp") + 5
""",
    ("docs/guide/hub.md", 'ds = load_dataset("OWNER/NAME", "canonical", revision="v1.0.0")'): """
assert ds["train"].num_rows == 4000 and ds["test"].num_rows == 1000
""",
    ("dataset_card.md", "hashlib.sha256("): """
from mnist1d_core.fingerprint import registry
digest = hashlib.sha256(x.astype("<f4").tobytes() + y.astype("<i8").tobytes()).hexdigest()
assert x.shape == (4000, 40) and digest == registry()["canonical", "train"].sha256
""",
}

# A page that needs torch, jax or grain runs in the main suite only (marked "ml").
NEEDS_ML = re.compile(
    r"^\s*(?:import|from) (?:torch|jax|grain|mnist1d_baselines)\b|with_format\(\"(?:torch|jax)\"\)", re.M
)
FIGURE = re.compile(r"!\[[^\]]*\]\(([\w.-]+\.png)\)")  # an image beside its page: made by its code
FIGURE_TOLERANCE = 2.0  # RMS of the pixel difference (0-255): another CPU may round a curve a pixel off


def python_blocks(path: Path) -> list[tuple[int, str]]:
    """(line of the block's first code line, its code) for each ```python block."""
    text = path.read_text()
    return [
        (text.count("\n", 0, match.start(1)) + 1, match.group(1))
        for match in re.finditer(r"^```python\n(.*?)^```", text, re.M | re.S)
    ]


def pages() -> list[str]:
    """Every Markdown file with Python in it, relative to the repository."""
    candidates = [ROOT / "README.md", ROOT / "dataset_card.md", *sorted(DOCS.rglob("*.md"))]
    return [str(p.relative_to(ROOT)) for p in candidates if python_blocks(p)]


def run(spec_file: str) -> None:
    """In the docs' own process: run the blocks (and their checks) of one file, in order."""
    import conftest

    conftest.refuse_network()
    spec = json.loads(Path(spec_file).read_text())
    namespace = {"__name__": "__main__"}
    for block in spec["blocks"]:
        start = time.perf_counter()
        # padded so that a traceback shows the line of the Markdown file
        exec(compile("\n" * (block["line"] - 1) + block["source"], spec["path"], "exec"), namespace)
        if block["check"]:
            exec(compile(block["check"], f"check after {spec['path']}:{block['line']}", "exec"), namespace)
        print(f"{spec['path']}:{block['line']}: ran in {time.perf_counter() - start:.1f} s", flush=True)


def run_blocks(name: str, blocks: list[tuple[int, str]], work: Path, hub: Path | None) -> None:
    """Run ``blocks`` of the file ``name`` in one fresh process, in the folder ``work``, offline."""
    checks = {line: check for (file, line), check in CHECKS.items() if file == name}
    spec = {"path": str(ROOT / name), "blocks": []}
    for first_line, source in blocks:
        check = "\n".join(code for line, code in checks.items() if line in source)
        for old, new in SUBSTITUTIONS.get(name, []):
            source = source.replace(old, new.format(hub=hub))
        spec["blocks"].append({"line": first_line, "source": source, "check": check})
    private = work.parent / f"{work.name}-env"
    private.mkdir()
    spec_file = private / "blocks.json"
    spec_file.write_text(json.dumps(spec))
    work.mkdir(exist_ok=True)
    for relative in REPOSITORY_FILES.get(name, []):
        (work / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / relative, work / relative)
    env = os.environ | {
        "HOME": str(private / "home"),
        "XDG_CACHE_HOME": str(private / "cache"),
        "HF_HOME": str(private / "hf"),
        "TFDS_DATA_DIR": str(private / "tensorflow_datasets"),
        "MPLBACKEND": "Agg",
        "HF_DATASETS_OFFLINE": "1",
        "HF_HUB_OFFLINE": "1",
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "TF_ENABLE_ONEDNN_OPTS": "0",
        # One thread for torch's and numpy's kernels, as mnist1d_baselines trains by default: the
        # suite runs a worker per core, and the pages' small models, given two OpenMP threads
        # that wait on each other behind another worker, train ten to forty times slower.
        "OMP_NUM_THREADS": "1",
    }
    code = f"import sys; sys.path.insert(0, {str(TESTS)!r}); import test_docs; test_docs.run(sys.argv[1])"
    result = subprocess.run(
        [sys.executable, "-c", code, str(spec_file)], cwd=work, env=env, capture_output=True, text=True, timeout=1200
    )
    print(result.stdout)  # each block's time, shown with -s or on failure
    assert result.returncode == 0, f"{name}: a block failed\n{result.stdout[-2000:]}\n{result.stderr[-6000:]}"
    assert result.stdout.count(": ran in") == len(blocks)


def test_every_substitution_and_check_applies():
    """None goes stale: each substitution still finds its text, each check its one block."""
    for name in {*SUBSTITUTIONS, *(file for file, _ in CHECKS)}:
        blocks = python_blocks(ROOT / name)
        sources = "".join(source for _, source in blocks)
        for old, _ in SUBSTITUTIONS.get(name, []):
            assert old in sources, f"substitution {old!r} no longer applies to {name}: update SUBSTITUTIONS"
        for file, line in CHECKS:
            if file == name:
                found = sum(line in source for _, source in blocks)
                assert found == 1, f"check key {line!r} must match one block of {name}"


def test_every_repository_file_a_page_reads_exists():
    for name, files in REPOSITORY_FILES.items():
        sources = "".join(source for _, source in python_blocks(ROOT / name))
        for relative in files:
            assert (ROOT / relative).is_file() and relative in sources, (name, relative)


def hub_folder(tmp_path_factory) -> Path:
    from mnist1d_builders.hub import export

    folder = tmp_path_factory.mktemp("hub") / "mnist1d"
    export(folder)
    return folder


def compare_figures(name: str, work: Path) -> None:
    """Each figure the page shows was made by its code and is the committed one."""
    from matplotlib.testing.compare import compare_images

    page = ROOT / name
    for figure in FIGURE.findall(page.read_text()):
        made, committed = work / figure, page.parent / figure
        assert made.is_file(), f"{name} shows {figure}, but its code did not save it"
        assert committed.is_file(), f"{committed} is missing: run python tests/test_docs.py {name}"
        difference = compare_images(str(committed), str(made), tol=FIGURE_TOLERANCE)
        assert difference is None, (
            f"{committed} is not what {name}'s code draws ({difference}): run python tests/test_docs.py {name}"
        )


def page_param(name: str):
    needs_ml = NEEDS_ML.search("".join(source for _, source in python_blocks(ROOT / name)))
    return pytest.param(name, marks=pytest.mark.ml) if needs_ml else name


@pytest.mark.parametrize("name", [page_param(name) for name in pages() if name != "README.md"])
def test_every_python_block_of_a_page_runs(name, tmp_path, tmp_path_factory):
    blocks = python_blocks(ROOT / name)
    needs_hub = any("{hub}" in new for _, new in SUBSTITUTIONS.get(name, []))
    run_blocks(name, blocks, tmp_path / "work", hub_folder(tmp_path_factory) if needs_hub else None)
    compare_figures(name, tmp_path / "work")


README_BLOCKS = python_blocks(ROOT / "README.md")


@pytest.mark.parametrize(
    "line, source",
    [
        pytest.param(line, source, marks=[pytest.mark.ml] if NEEDS_ML.search(source) else [])
        for line, source in README_BLOCKS
    ],
    ids=[f"README.md:{line}" for line, _ in README_BLOCKS],
)
def test_every_readme_block_runs_alone(line, source, tmp_path):
    run_blocks("README.md", [(line, source)], tmp_path / "work", None)


def test_the_tutorials_show_figures_their_code_makes():
    for tutorial in ("docs/tutorials/five-minutes.md", "docs/tutorials/variant.md"):
        assert tutorial in pages() and FIGURE.findall((ROOT / tutorial).read_text()), tutorial


def test_every_site_image_is_made_by_code():
    """The site shows only figures its pages' code makes (no hand-made or stale picture)."""
    shown = {
        (page.parent / image).resolve()
        for page in DOCS.rglob("*.md")
        for image in re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)", page.read_text())
    }
    made = {(ROOT / name).parent / figure for name in pages() for figure in FIGURE.findall((ROOT / name).read_text())}
    assert shown <= {p.resolve() for p in made}, f"images without code that makes them: {shown - made}"
    assert set(DOCS.rglob("*.png")) == made, "a committed figure no page makes"


# Needs the docs extra, which the versions sessions do not install: the main suite only.
@pytest.mark.ml
def test_the_site_builds_strictly(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env=os.environ | {"NO_MKDOCS_2_WARNING": "1"},
    )
    assert result.returncode == 0, result.stderr[-6000:]
    cli = (tmp_path / "site" / "guide" / "cli" / "index.html").read_text()
    for command in ("generate", "info", "plot", "build", "verify", "export", "publish", "card", "benchmark"):
        assert f"usage: mnist1d {command} " in cli, f"the command-line page lacks `mnist1d {command} --help`"
    reference = (tmp_path / "site" / "reference" / "core" / "index.html").read_text()
    baselines = (tmp_path / "site" / "reference" / "baselines" / "index.html").read_text()
    # the functions named like their modules (generate, benchmark, ...) are documented, not only the modules
    for name in ("MNIST1DConfig", "generate.generate", "fingerprint.fingerprint", "config.parameters_markdown"):
        assert f'id="mnist1d_core.{name}"' in reference, name
    for name in ("benchmark.benchmark", "sweep.sweep", "models.build", "plot.sweep_figure"):
        assert f'id="mnist1d_baselines.{name}"' in baselines, name
    generator = (tmp_path / "site" / "guide" / "generator" / "index.html").read_text()
    assert "<td>0..1,000,000</td>" in generator, "the parameter table is not rendered on the generator guide"


def test_the_exit_status_table_is_the_command_lines():
    """The command-line guide lists exactly the statuses ``mnist1d`` can exit with."""
    import mnist1d_core  # noqa: F401  (exit_statuses() maps the core's Damaged once it is loaded)
    from mnist1d_cli.errors import exit_statuses

    listed = re.findall(r"^\| (\d+) \|", (DOCS / "guide" / "cli.md").read_text(), re.M)
    assert sorted(map(int, listed)) == sorted({0, *(status for _, status in exit_statuses())})


def update_figures(name: str) -> None:
    """Run the page ``name`` as the test does and commit the figures it makes beside it."""
    blocks = python_blocks(ROOT / name)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "work"
        run_blocks(name, blocks, work, None)
        for figure in FIGURE.findall((ROOT / name).read_text()):
            shutil.copyfile(work / figure, (ROOT / name).parent / figure)
            print(f"wrote {(ROOT / name).parent / figure}")


if __name__ == "__main__":
    for page in sys.argv[1:]:
        update_figures(str((Path.cwd() / page).resolve().relative_to(ROOT)))
