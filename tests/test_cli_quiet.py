"""The command line says what a person wants to read: TensorFlow's C++ logging stays quiet,
while real errors still show. Each test sets TensorFlow's logging variables itself: a user's
shell often holds them (TF_CPP_MIN_LOG_LEVEL=3)."""

import os
import subprocess
import sys

NOISE = (
    "oneDNN",
    "cpu_feature_guard",
    "absl::InitializeLog",
    "This TensorFlow binary is optimized",
    "Variant folder",
)  # TFDS's is_prepared() on a folder not built yet: "... has no dataset_info.json"


def python(*args, **settings):
    """``python *args`` with none of TensorFlow's logging variables set, but ``settings``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TF_CPP_", "TF_ENABLE_"))}
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, env={**env, **settings})


def test_a_tfds_build_prints_no_tensorflow_logging(tmp_path):
    result = python(
        "-m", "mnist1d_cli", "build", "--framework", "tfds", "--num-samples", "100", "--data-dir", str(tmp_path)
    )
    assert result.returncode == 0, result.stderr
    assert not [line for line in result.stderr.splitlines() if any(noise in line for noise in NOISE)], result.stderr
    assert result.stdout.splitlines()[0].startswith("custom-num_samples_100 (tfds): ")


def test_tensorflow_errors_still_show_under_the_quiet_setting():
    # The setting the command line makes: C++ INFO and WARNING lines hidden, errors kept.
    code = (
        "import os, mnist1d_cli, tensorflow as tf\n"
        "print('setting:', os.environ['TF_CPP_MIN_LOG_LEVEL'])\n"
        "try:\n    tf.reshape(tf.constant([1.0, 2.0, 3.0]), (2, 2))\nexcept tf.errors.InvalidArgumentError as error:\n"
        "    print('error:', error.message)\n"
    )
    result = python("-c", code)
    assert "setting: 2" in result.stdout, result.stdout + result.stderr  # the command line's, not the user's
    assert "Input to reshape is a tensor with 3 values" in result.stdout, result.stdout + result.stderr  # the error
    assert "INVALID_ARGUMENT" not in result.stderr, result.stderr  # TensorFlow's C++ warning of it is hidden


def test_a_users_own_setting_wins():
    code = "import os, mnist1d_cli; print(os.environ['TF_CPP_MIN_LOG_LEVEL'], os.environ['TF_ENABLE_ONEDNN_OPTS'])"
    result = python("-c", code, TF_CPP_MIN_LOG_LEVEL="3", TF_ENABLE_ONEDNN_OPTS="1")
    assert result.stdout.split() == ["3", "1"]
