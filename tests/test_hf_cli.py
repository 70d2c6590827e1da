"""``mnist1d build`` and ``mnist1d verify``: location, checksums, one changed byte, errors."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("datasets")


def mnist1d(*args, home: Path, python: tuple = ("-m", "mnist1d_cli")):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "HUGGINGFACE_"))}
    env.update(HF_DATASETS_OFFLINE="1", HF_HUB_OFFLINE="1", HF_HOME=str(home))
    return subprocess.run([sys.executable, *python, *args], capture_output=True, text=True, env=env)


def test_build_prints_where_and_checksums_then_verify_finds_one_changed_byte(tmp_path):
    data_dir = tmp_path / "data"
    built = mnist1d("build", "--num-samples", "200", "--seed", "3", "--data-dir", str(data_dir), home=tmp_path)
    assert built.returncode == 0, built.stderr
    first, *checked = built.stdout.splitlines()
    name, folder = first.split(" (hf): ")
    folder = Path(folder)
    assert name == "custom-num_samples_200-seed_3"
    assert folder.parent.parent.parent == data_dir / "mnist1d"
    files = json.loads((folder / "MANIFEST.json").read_text())["files"]
    assert len(files) == 4 and all(f"    {digest}  {name}" in checked for name, digest in files.items())
    assert any(line.startswith("  train: 160 examples of length 40, content fingerprint") for line in checked)

    verified = mnist1d("verify", str(folder), home=tmp_path)
    assert verified.returncode == 0, verified.stderr
    assert verified.stdout.splitlines() == [f"{folder}: intact", *checked]

    shard = folder / "mnist1d-train.arrow"
    data = bytearray(shard.read_bytes())
    data[len(data) // 2] ^= 0x40
    shard.write_bytes(data)
    damaged = mnist1d("verify", str(folder), home=tmp_path)
    assert damaged.returncode == 1 and damaged.stdout == ""
    assert damaged.stderr == (
        f"mnist1d: error: {shard}: damaged: its SHA-256 differs from the one MANIFEST.json "
        "records, and so does the content of train\n"
    )


def test_build_refuses_bad_parameters_before_any_work(tmp_path):
    result = mnist1d("build", "--seed", "-1", "--data-dir", str(tmp_path / "data"), home=tmp_path)
    assert result.returncode == 2
    assert result.stderr == "mnist1d: error: seed must be in 0..4294967295, got -1\n"
    assert not (tmp_path / "data").exists()


def test_verify_of_a_folder_that_is_not_a_build_says_what_verify_accepts(tmp_path):
    result = mnist1d("verify", str(tmp_path), home=tmp_path)
    assert result.returncode == 2 and result.stderr == (
        f"mnist1d: error: {tmp_path}: holds no MNIST-1D build; verify accepts a build folder of `mnist1d build` "
        "(it holds MANIFEST.json), an export of `mnist1d export`, a folder holding such builds, an .npz of "
        "`mnist1d generate`, or a copy of the authors' mnist1d_data.pkl\n"
    )


def test_verify_of_a_data_dir_verifies_and_lists_every_build_under_it(tmp_path):
    data_dir = tmp_path / "data"
    for seed in ("3", "4"):
        built = mnist1d("build", "--num-samples", "200", "--seed", seed, "--data-dir", str(data_dir), home=tmp_path)
        assert built.returncode == 0, built.stderr
    verified = mnist1d("verify", str(data_dir), home=tmp_path)
    assert verified.returncode == 0, verified.stderr
    lines = verified.stdout.splitlines()
    assert lines[:2] == [f"{data_dir}: intact", "  2 builds, all intact:"]
    folders = sorted(data_dir.glob("mnist1d/*/1.0.0/*[!k]"))  # not the lock files
    assert [line.split(": ")[0].strip() for line in lines[2:]] == [str(f) for f in folders]
    (folders[1] / "LICENSE").write_text("changed")
    damaged = mnist1d("verify", str(data_dir), home=tmp_path)
    assert damaged.returncode == 1 and damaged.stderr.startswith(
        f"mnist1d: error: 1 of the 2 builds under {data_dir} failed: {folders[1] / 'LICENSE'}: its SHA-256 differs"
    )


def test_verify_of_an_npz_of_generate_rederives_its_fingerprints(tmp_path):
    out = tmp_path / "mnist1d-canonical.npz"
    assert mnist1d("generate", "--out", str(out), home=tmp_path).returncode == 0
    verified = mnist1d("verify", str(out), home=tmp_path)
    assert verified.returncode == 0, verified.stderr
    assert verified.stdout.splitlines()[-1] == "  registry: matches the registered canonical"
    assert "re-derived from its arrays" in verified.stdout
    with open(out, "r+b") as f:  # one byte of the stored train signals
        f.seek(2000)
        byte = f.read(1)
        f.seek(2000)
        f.write(bytes([byte[0] ^ 0x01]))
    damaged = mnist1d("verify", str(out), home=tmp_path)
    assert damaged.returncode == 1 and damaged.stderr.startswith(f"mnist1d: error: {out}: ")


def test_build_without_the_framework_installed_says_which_extra(tmp_path):
    without_datasets = (
        "-c",
        "import sys; sys.modules['datasets'] = None; from mnist1d_cli import main; sys.exit(main(sys.argv[1:]))",
    )
    result = mnist1d("build", "--data-dir", str(tmp_path / "data"), home=tmp_path, python=without_datasets)
    assert result.returncode == 2 and result.stdout == ""
    assert (
        result.stderr.startswith("mnist1d: error: import of datasets halted")
        and "mnist1d-datasets[hf]" in result.stderr
    )
    assert not (tmp_path / "data").exists()


def test_build_with_the_tfds_framework(tmp_path):
    pytest.importorskip("tensorflow_datasets")
    built = mnist1d("build", "--framework", "tfds", "--num-samples", "100", "--data-dir", str(tmp_path), home=tmp_path)
    assert built.returncode == 0, built.stderr
    first, *checked = built.stdout.splitlines()  # TFDS's own messages went to stderr
    name, folder = first.split(" (tfds): ")
    assert name == "custom-num_samples_100" and Path(folder).is_relative_to(tmp_path)
    assert any("fingerprint" in line for line in checked)
    verified = mnist1d("verify", folder, home=tmp_path)
    assert verified.returncode == 0 and verified.stdout.splitlines() == [f"{folder}: intact", *checked]


def test_build_with_the_tfds_framework_as_array_record_then_verify_finds_one_changed_byte(tmp_path):
    pytest.importorskip("tensorflow_datasets")
    built = mnist1d(
        "build",
        "--framework",
        "tfds",
        "--file-format",
        "array_record",
        "--num-samples",
        "100",
        "--data-dir",
        str(tmp_path),
        home=tmp_path,
    )
    assert built.returncode == 0, built.stderr
    first, *checked = built.stdout.splitlines()
    folder = Path(first.split(" (tfds): ")[1])
    shard = folder / "mnist1d-train.array_record-00000-of-00001"
    assert any(line.endswith(f"  {shard.name}") for line in checked)
    assert any(f"re-read from {shard.name}: matches MANIFEST.json" in line for line in checked)
    verified = mnist1d("verify", str(folder), home=tmp_path)
    assert verified.returncode == 0 and verified.stdout.splitlines() == [f"{folder}: intact", *checked]

    data = bytearray(shard.read_bytes())
    data[len(data) // 2] ^= 0x40
    shard.write_bytes(data)
    damaged = mnist1d("verify", str(folder), home=tmp_path)
    assert damaged.returncode == 1 and damaged.stdout == ""
    assert damaged.stderr == (
        f"mnist1d: error: {shard}: damaged: its SHA-256 differs from the one MANIFEST.json records, "
        "and so does the content of train\n"
    )

    # The same folder asked for in the other format: refused, one line, the build kept.
    other = mnist1d("build", "--framework", "tfds", "--num-samples", "100", "--data-dir", str(tmp_path), home=tmp_path)
    assert other.returncode == 2 and other.stdout == ""
    assert other.stderr.splitlines()[-1] == (
        f"mnist1d: error: file_format='tfrecord': {folder} already holds custom-num_samples_100 as array_record; "
        "build with --force to replace it, add tfrecord with `tfds convert_format`, or use another data dir"
    )
    assert shard.is_file()


def test_file_format_is_for_the_tfds_framework_only(tmp_path):
    result = mnist1d("build", "--file-format", "array_record", "--data-dir", str(tmp_path / "data"), home=tmp_path)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == "mnist1d: error: --file-format array_record is for --framework tfds, not hf\n"
    assert not (tmp_path / "data").exists()


def test_a_first_build_is_quiet_in_a_log(tmp_path):
    """No progress bar when stderr is a file, and no warning, with processes or without."""
    for args in (["--seed", "9"], ["--algorithm", "sharded", "--num-samples", "5000", "--num-proc", "2"]):
        built = mnist1d("build", *args, "--data-dir", str(tmp_path / "data"), home=tmp_path)
        assert built.returncode == 0 and built.stderr == "", built.stderr
