"""``import mnist1d_builders.hf`` makes ``load_dataset("mnist1d")`` work offline, and nothing else changes.

These tests fail if a new ``datasets`` release changes how names are resolved
(``datasets.load.dataset_module_factory``): see ``mnist1d_builders.hf.register``.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

datasets = pytest.importorskip("datasets")

import golden  # noqa: E402

import mnist1d_builders.hf as hf  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]

OFFLINE_SCRIPT = r"""
import json
import datasets
import mnist1d_builders.hf
from mnist1d_core import fingerprint

canonical = datasets.load_dataset("mnist1d")["train"].with_format("numpy")[:]
custom = datasets.load_dataset("mnist1d", "canonical", seed=7, num_samples=100)
print(json.dumps({
    "configs": datasets.get_dataset_config_names("mnist1d"),
    "canonical": fingerprint(canonical["x"], canonical["y"]),
    "custom": custom["train"].info.config_name,
    "shards": custom["train"].cache_files[0]["filename"],
}))
"""


def offline_env(hf_home: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "HUGGINGFACE_"))}
    return {**env, "HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1", "HF_HOME": str(hf_home)}


def test_load_dataset_by_name_offline_in_a_fresh_process(tmp_path):
    work = tmp_path / "work"
    (work / "mnist1d").mkdir(parents=True)  # a local folder of that name does not shadow the dataset
    (work / "mnist1d" / "data.csv").write_text("a,b\n1,2\n")
    result = subprocess.run(
        [sys.executable, "-c", OFFLINE_SCRIPT],
        cwd=work,
        env=offline_env(tmp_path / "hf"),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, (
        f"load_dataset('mnist1d') no longer works offline with datasets {datasets.__version__}; "
        f"see mnist1d_builders.hf.register():\n{result.stderr}"
    )
    out = json.loads(result.stdout.splitlines()[-1])
    assert out["configs"] == ["canonical", "shuffled"]
    assert out["canonical"] == golden.TRAIN_FINGERPRINT
    assert out["custom"] == "custom-num_samples_100-seed_7"
    assert Path(out["shards"]).is_relative_to(tmp_path / "hf" / "datasets" / "mnist1d" / out["custom"])


def test_config_names_and_the_builder_class_resolve_in_process():
    assert datasets.get_dataset_config_names("mnist1d") == ["canonical", "shuffled"]
    assert datasets.get_dataset_default_config_name("mnist1d") == "canonical"
    builder = datasets.load_dataset_builder("mnist1d", "shuffled", seed=3)
    assert type(builder) is hf.Mnist1d and builder.config.params.shuffle_seq and builder.config.params.seed == 3


def test_other_names_still_resolve_as_datasets_does(tmp_path, monkeypatch):
    (tmp_path / "mnist1d").mkdir()
    (tmp_path / "mnist1d" / "data.csv").write_text("a,b\n1,2\n3,4\n")
    monkeypatch.chdir(tmp_path)
    local = datasets.load_dataset("./mnist1d", split="train", cache_dir=str(tmp_path / "cache"))
    assert local.column_names == ["a", "b"] and local.num_rows == 2


def test_registration_is_idempotent():
    wrapped = datasets.load.dataset_module_factory, datasets.inspect.dataset_module_factory
    hf.register()
    assert (datasets.load.dataset_module_factory, datasets.inspect.dataset_module_factory) == wrapped
    assert all(getattr(factory, "resolves_mnist1d", False) for factory in wrapped)


@pytest.mark.parametrize("argument", ["revision", "data_files", "data_dir"])
def test_arguments_the_name_cannot_honour_are_refused_by_name(argument):
    with pytest.raises(ValueError, match=f"cannot honour {argument};"):
        datasets.load_dataset("mnist1d", **{argument: "v9.9.9"})


FIRST_SCRIPT = r"""
import sys
import datasets.commands.test, datasets.inspect  # imported first: they hold the factory by name
import mnist1d_builders.hf
print(datasets.inspect.get_dataset_config_names("mnist1d"))
print(datasets.commands.test.dataset_module_factory("mnist1d").module_path)
print(sorted(name for name in sys.modules if name.startswith("mnist1d_builders")))
"""


def test_the_name_works_when_datasets_modules_were_imported_first(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", FIRST_SCRIPT], env=offline_env(tmp_path), capture_output=True, text=True, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[:2] == ["['canonical', 'shuffled']", "mnist1d_builders.hf.mnist1d"]


ONLY_SCRIPT = r"""
import datasets.load
factory = datasets.load.dataset_module_factory
import mnist1d_builders.record.verify, mnist1d_builders.hub, mnist1d_builders.record.arrow, mnist1d_builders.record.read
print(datasets.load.dataset_module_factory is factory)
"""


def test_only_importing_mnist1d_builders_hf_registers_the_name(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", ONLY_SCRIPT], env=offline_env(tmp_path), capture_output=True, text=True, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True"]
