"""Docs that run: every Python block of README.md and dataset_card.md, in order.

A file's blocks share one namespace, like a notebook's cells, and run in a Python process
of their own: in a temporary working directory, with HOME, the datasets and Hub caches and
the TFDS data folder in temporary folders, and offline (HF_DATASETS_OFFLINE=1,
HF_HUB_OFFLINE=1 and the suite's socket guard), so a block can use only what the blocks
before it made. No block is skipped; a block that fails fails the test, with its line in
the traceback.

Substitutions (``SUBSTITUTIONS``; each must still apply, so none goes stale):

- the Hub repository id, ``OWNER/NAME`` in the README and ``<owner>/<name>`` on the card,
  becomes a local folder made by ``mnist1d_builders.hub.export``: ``datasets`` loads a folder
  with the Hub layout offline (and ignores ``revision=`` for it), so the code runs as written
  without the Hub;
- the README's sharded build of ``num_samples=2_000_000`` with ``num_proc=2`` makes 20,000
  examples: the same path (two processes sharing the blocks) without writing 320 MB of Arrow.
  The other large examples are cheap as written: the 10**8-example stream and dataset are
  made only as far as they are read.

After some blocks a check runs in the same namespace (``CHECKS``): the examples leave what
their comments say.
"""

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TESTS = Path(__file__).resolve().parent

SUBSTITUTIONS = {
    "README.md": [("OWNER/NAME", "{hub}"), ("num_samples=2_000_000", "num_samples=20_000")],
    "dataset_card.md": [("<owner>/<name>", "{hub}")],
}

# (file, a line of the block) -> code run right after that block, in its namespace
CHECKS = {
    ("README.md", "import mnist1d_core.compat as mnist1d"): """
assert data["x"].shape == (8000, 40) and data["y"].shape == (8000,) and x.shape == t.shape == (40,)
lines = verify_frozen_pickle("mnist1d_data.pkl")
assert len(lines) == 4 and all("matches the registry" in line for line in lines[2:]), lines
""",
    ("README.md", 'train = ds["train"].with_format("numpy")[:]'): """
import numpy as np
assert train["x"].shape == (40000, 40) and train["x"].dtype == np.float32 and train["y"].dtype == np.int64
""",
    ("README.md", "loader = DataLoader(train, sampler=batches, batch_size=None)"): """
assert tuple(batch["x"].shape) == (100, 40) and batch["x"].dtype == torch.float32 and batch["y"].dtype == torch.int64
assert sum(len(b["y"]) for b in loader) == 4000
""",
    ("README.md", "class ShardedMNIST1D(IterableDataset):"): """
# two workers: the first 40 batches are blocks 0-3, each example once
seen = torch.cat([x for x, _ in itertools.islice(DataLoader(online, batch_size=None, num_workers=2), 40)]).numpy()
made = np.concatenate([x for x, _ in sharded.iter_blocks(online.config, "train", range(4))]).astype(np.float32)
assert seen.shape == made.shape == (4000, 40)
assert sorted(map(bytes, seen)) == sorted(map(bytes, made))
""",
    ("README.md", 'head = tfds.data_source("mnist1d", split="train[:10%]"'): """
assert len(source) == 4000 and len(head) == 400 and len(shuffled) == 1000 and len(batch) == 3
assert example["x"].shape == (40,) and example["x"].dtype == "float32" and example["y"] == 2
assert sorted(p.name for p in (DATA_DIR / "mnist1d" / "canonical" / "1.0.0").glob("mnist1d-*")) == [
    "mnist1d-test.array_record-00000-of-00001", "mnist1d-train.array_record-00000-of-00001"]
""",
    ("README.md", 'multiprocessing_context="forkserver"'): """
assert tuple(x.shape) == (32, 40) and x.dtype == torch.float32 and y.dtype == torch.int64   # the last batch
""",
    ("README.md", "dataset = grain.MapDataset.source(source)"): """
assert x.shape == (32, 40) and x.dtype == "float32" and y.dtype == "int64"   # the last batch
""",
    ("README.md", 'ds = datasets.load_dataset("mnist1d").with_format("jax")'): """
assert test["x"].shape == (1000, 40) and float(accuracy) > 0.15   # chance is 0.1
""",
    ("README.md", 'ds = load_dataset("OWNER/NAME", "canonical", revision="v1.0.0")'): """
assert ds["train"].num_rows == 4000 and ds["test"].num_rows == 1000
""",
    ("README.md", "for x, y in itertools.islice(sharded.fresh_batches("): """
assert ds["train"].num_rows == 16_000 and x.shape == (512, 40) and x.dtype == "float32"
""",
    ("dataset_card.md", "hashlib.sha256("): """
from mnist1d_core.fingerprint import registry
digest = hashlib.sha256(x.astype("<f4").tobytes() + y.astype("<i8").tobytes()).hexdigest()
assert x.shape == (4000, 40) and digest == registry()["canonical", "train"].sha256
""",
}


def python_blocks(path: Path) -> list[tuple[int, str]]:
    """(line of the block's first code line, its code) for each ```python block."""
    text = path.read_text()
    return [
        (text.count("\n", 0, match.start(1)) + 1, match.group(1))
        for match in re.finditer(r"^```python\n(.*?)^```", text, re.M | re.S)
    ]


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


@pytest.fixture(scope="module")
def hub_folder(tmp_path_factory):
    from mnist1d_builders.hub import export

    folder = tmp_path_factory.mktemp("hub") / "mnist1d"
    export(folder)
    return folder


# The README trains with PyTorch and JAX: marked "ml" (see pyproject.toml); the card needs neither.
@pytest.mark.parametrize("name", [pytest.param("README.md", marks=pytest.mark.ml), "dataset_card.md"])
def test_every_python_block_runs(name, hub_folder, tmp_path):
    path = ROOT / name
    blocks = python_blocks(path)
    assert blocks, f"{name} has no Python block"
    sources = "".join(source for _, source in blocks)
    for old, _ in SUBSTITUTIONS[name]:
        assert old in sources, f"substitution {old!r} no longer applies to {name}: update SUBSTITUTIONS"
    checks = {line: check for (file, line), check in CHECKS.items() if file == name}
    for line in checks:
        assert sum(line in source for _, source in blocks) == 1, f"check key {line!r} must match one block of {name}"

    spec = {"path": str(path), "blocks": []}
    for first_line, source in blocks:
        check = "\n".join(code for line, code in checks.items() if line in source)
        for old, new in SUBSTITUTIONS[name]:
            source = source.replace(old, new.format(hub=hub_folder))
        spec["blocks"].append({"line": first_line, "source": source, "check": check})
    spec_file = tmp_path / "blocks.json"
    spec_file.write_text(json.dumps(spec))
    work = tmp_path / "work"
    work.mkdir()
    env = os.environ | {
        "HOME": str(tmp_path / "home"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "HF_HOME": str(tmp_path / "hf"),
        "TFDS_DATA_DIR": str(tmp_path / "tensorflow_datasets"),
        "MPLBACKEND": "Agg",
        "HF_DATASETS_OFFLINE": "1",
        "HF_HUB_OFFLINE": "1",
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "TF_ENABLE_ONEDNN_OPTS": "0",
    }
    code = f"import sys; sys.path.insert(0, {str(TESTS)!r}); import test_docs; test_docs.run(sys.argv[1])"
    result = subprocess.run(
        [sys.executable, "-c", code, str(spec_file)], cwd=work, env=env, capture_output=True, text=True, timeout=900
    )
    print(result.stdout)  # each block's time, shown with -s or on failure
    assert result.returncode == 0, f"{name}: a block failed\n{result.stdout[-2000:]}\n{result.stderr[-6000:]}"
    assert result.stdout.count(": ran in") == len(blocks)
