"""The TFDS builder: names, configs, features, order, metadata, errors, `tfds build`; only
TFDS's protocol and public API; quiet."""

import ast
import importlib
import importlib.metadata
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

tfds = pytest.importorskip("tensorflow_datasets")

from mnist1d_builders.tfds import Builder, MNIST1DBuilderConfig, prepare, verify_directory  # noqa: E402
from mnist1d_builders.tfds.verify import UnrecordedBuild  # noqa: E402
from mnist1d_core import (  # noqa: E402
    CITATION,
    PRESETS,
    RELEASES,
    SPLITS,
    FingerprintMismatch,
    MNIST1DConfig,
    fingerprint,
    generate,
    templates,
)

PACKAGE = Path(__file__).parents[1] / "builders" / "tfds"
#: TFDS's own command line, as its console script runs it (the script may not be on PATH).
TFDS_CLI = [
    sys.executable,
    "-c",
    "import sys; from importlib.metadata import entry_points; "
    "(cli,) = entry_points(group='console_scripts', name='tfds'); sys.argv[0] = 'tfds'; sys.exit(cli.load()())",
]

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

    # The record and the metadata are kept with the data, also without the builder's code.
    folder = Path(builder.data_dir)
    manifest = json.loads((folder / "MANIFEST.json").read_text())
    assert MNIST1DConfig.from_dict(manifest["parameters"]) == PRESETS["canonical"]
    for split in SPLITS:
        entry = fingerprint_module.registry()[("canonical", split)]
        assert manifest["splits"][split]["fingerprint"] == entry.sha256
        assert manifest["splits"][split]["shards"] == [f"mnist1d-{split}.tfrecord-00000-of-00001"]
    assert not {"mnist1d_config", "content_fingerprints", "shard_sha256"} & set(
        tfds.builder_from_directory(folder).info.metadata
    )  # the manifest replaces them


def test_t_and_the_templates_are_read_back_without_this_package_equal_to_the_cores(data_dir):
    folder = data_dir / "mnist1d" / "canonical" / "1.0.0"
    core, tpl = generate(PRESETS["canonical"]), templates()
    expected_templates = {"x": tpl.x.tolist(), "t": tpl.t.tolist(), "y": tpl.y.tolist()}
    # TFDS alone, and json alone: no mnist1d package (one process, for TensorFlow's import).
    # And TFDS alone loads the build by the dataset's name: its default config is recorded.
    code = """if True:
        import json, sys
        sys.modules["mnist1d_builders"] = sys.modules["mnist1d_core"] = None
        import tensorflow_datasets as tfds
        metadata = dict(tfds.builder_from_directory(sys.argv[1]).info.metadata)
        manifest = json.load(open(sys.argv[1] + "/MANIFEST.json"))
        print(json.dumps([metadata["t"], metadata["templates"], manifest["t"], manifest["templates"]]))
        print(len(tfds.load("mnist1d", split="test", data_dir=sys.argv[2])))
    """
    result = subprocess.run([sys.executable, "-c", code, folder, data_dir], capture_output=True, text=True, check=True)
    *_, read, loaded = result.stdout.splitlines()
    metadata_t, metadata_templates, manifest_t, manifest_templates = json.loads(read)
    assert loaded == "1000"
    np.testing.assert_array_equal(np.array(metadata_t), core.t)
    np.testing.assert_array_equal(np.array(manifest_t), core.t)
    assert metadata_templates == manifest_templates == expected_templates


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
    # No build, and no staging folder: only the lock file (empty, unlocked).
    assert [p.name for p in (tmp_path / "mnist1d" / "canonical").iterdir()] == [".1.0.0.lock"]


PARQUET_REFUSED = "file_format='parquet' is refused: TFDS 4.9.10 silently drops rows when it writes Parquet"


def nothing_was_built(data_dir):
    """No version folder and no shard (TFDS's own entry points make their empty folders first)."""
    return not [p for p in data_dir.rglob("*") if p.name == "1.0.0" or p.name.startswith("mnist1d-")]


@pytest.mark.parametrize(
    "file_format, message",
    [
        ("parquet", re.escape(PARQUET_REFUSED)),
        ("riegeli", "file_format must be 'tfrecord' or 'array_record', got 'riegeli'"),
    ],
)
def test_other_file_formats_are_refused_before_anything_is_written(tmp_path, file_format, message):
    with pytest.raises(ValueError, match=message):
        prepare(SMALL, tmp_path, file_format=file_format)
    assert list(tmp_path.iterdir()) == []
    builder = tfds.builder("mnist1d", config=MNIST1DBuilderConfig(SMALL), data_dir=tmp_path)
    with pytest.raises(ValueError, match=message):
        builder.download_and_prepare(file_format=file_format)
    with pytest.raises(ValueError, match=message):  # TFDS's builder keyword (also `tfds build --file_format`)
        tfds.load(
            "mnist1d",
            data_dir=tmp_path,
            builder_kwargs={"config": MNIST1DBuilderConfig(SMALL), "file_format": file_format},
        )
    assert nothing_was_built(tmp_path)


def test_a_parquet_data_source_is_refused_before_anything_is_written(tmp_path):
    # Parquet is one of TFDS's random-access formats: tfds.data_source would write it.
    with pytest.raises(ValueError, match=re.escape(PARQUET_REFUSED)):
        tfds.data_source("mnist1d", data_dir=tmp_path, builder_kwargs={"file_format": "parquet"})
    assert nothing_was_built(tmp_path)


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
    args = ["build", "--imports", "mnist1d_builders.tfds", "mnist1d", "--config", "canonical", "--data_dir", tmp_path]
    subprocess.run([*TFDS_CLI, *map(str, args)], check=True, capture_output=True)
    folder = tmp_path / "mnist1d" / "canonical" / "1.0.0"
    x, y = tfds.as_numpy(tfds.load("mnist1d", split="test", data_dir=tmp_path, batch_size=-1, as_supervised=True))
    assert fingerprint(x, y) == fingerprint_module.registry()[("canonical", "test")].sha256
    assert tfds.builder_from_directory(folder).info.metadata["templates"]["y"] == list(range(10))
    # TFDS keeps no record: named as such, and `mnist1d build` builds it again with one.
    with pytest.raises(UnrecordedBuild, match="prepared by TFDS itself"):
        verify_directory(folder)
    assert prepare(PRESETS["canonical"], tmp_path) == folder
    lines = verify_directory(folder)
    assert sum(line.endswith("matches MANIFEST.json and the registry (canonical)") for line in lines) == 2


def test_the_builder_overrides_only_tfds_protocol_and_imports_no_private_name():
    own = {name for name, value in vars(Builder).items() if callable(value) or isinstance(value, property)}
    assert own == {"_info", "_split_generators", "_generate_examples"}
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("tensorflow_datasets"):
                raise AssertionError(f"{path}: from {node.module} import ... (use tfds.<public name>)")
            if isinstance(node, ast.Import):
                assert all(a.name == "tensorflow_datasets" for a in node.names if a.name.startswith("tensorflow")), (
                    path
                )
            if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__"):
                assert not ast.unparse(node).startswith("tfds."), f"{path}: {ast.unparse(node)}"


QUIET = """if True:
    import sys
    import tensorflow_datasets as tfds
    import mnist1d_builders.tfds
    from mnist1d_core import MNIST1DConfig

    config = mnist1d_builders.tfds.MNIST1DBuilderConfig(MNIST1DConfig(num_samples=100, seed=9))
    tfds.display_progress_bar(False)
    print(len(tfds.load("mnist1d", split="test", data_dir=sys.argv[1], builder_kwargs={"config": config})))
"""


def test_tfds_load_of_a_first_build_from_python_warns_of_nothing(tmp_path):
    environment = {k: v for k, v in os.environ.items() if k not in ("TF_CPP_MIN_LOG_LEVEL", "TF_ENABLE_ONEDNN_OPTS")}
    result = subprocess.run(
        [sys.executable, "-c", QUIET, tmp_path], capture_output=True, text=True, env=environment, check=True
    )
    assert result.stdout.splitlines()[-1] == "20"
    for noise in (
        "Variant folder",
        "has no dataset_info.json",
        "Using custom data configuration",
        "oneDNN",
        "cpu_feature_guard",
        "absl::InitializeLog",
    ):
        assert noise not in result.stderr, result.stderr


def test_tensorflow_logging_is_left_as_the_user_set_it():
    code = (
        "import os; os.environ['TF_CPP_MIN_LOG_LEVEL'] = '0'; import mnist1d_builders.tfds; "
        "print(os.environ['TF_CPP_MIN_LOG_LEVEL'], os.environ.get('TF_ENABLE_ONEDNN_OPTS'))"
    )
    environment = {k: v for k, v in os.environ.items() if k != "TF_ENABLE_ONEDNN_OPTS"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=environment, check=True)
    assert result.stdout.split() == ["0", "None"]


def test_mnist1d_build_shows_one_progress_bar_per_split_on_a_terminal_and_none_in_a_log(tmp_path):
    import fcntl
    import pty
    import struct
    import termios

    args = ["build", "--framework", "tfds", "--num-samples", "3000", "--algorithm", "sharded"]
    controller, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # tqdm draws to the width
    process = subprocess.Popen(
        [sys.executable, "-m", "mnist1d_cli", *args, "--data-dir", str(tmp_path / "tty")],
        stdout=subprocess.DEVNULL,
        stderr=terminal,
    )
    os.close(terminal)
    shown = b""
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # the terminal closed: the process ended
            break
        if not chunk:
            break
        shown += chunk
    assert process.wait(timeout=240) == 0
    os.close(controller)
    text = shown.decode(errors="replace")
    name = MNIST1DConfig(num_samples=3000, algorithm="sharded").name
    assert f"{name} train" in text and f"{name} test" in text  # ours, one per split
    assert "Shuffling" not in text and "Generating train examples" not in text and "Downloading" not in text
    logged = subprocess.run(
        [sys.executable, "-m", "mnist1d_cli", *args, "--data-dir", str(tmp_path / "log")],
        capture_output=True,
        text=True,
        check=True,
    )
    assert logged.stderr == "", logged.stderr  # a log file: no bar, no cursor codes, no chatter


def test_core_and_datasets_builder_import_without_tensorflow():
    code = (
        "import sys, importlib.util, mnist1d_core, mnist1d_builders, mnist1d_builders.record.files\n"
        "if importlib.util.find_spec('mnist1d_builders.hf'): import mnist1d_builders.hf\n"
        "leaked = sorted(m for m in ('tensorflow', 'tensorflow_datasets') if m in sys.modules)\n"
        "assert not leaked, leaked"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_tensorflow_is_required_only_by_the_tfds_extra():
    requirements = importlib.metadata.requires("mnist1d-datasets")
    tensorflow = [r for r in requirements if r.lower().startswith("tensorflow")]
    assert tensorflow and all('extra == "tfds"' in r for r in tensorflow)
