"""The suite passes whatever the environment holds (tests/conftest.py gives it one of its own):
TensorFlow's log level, the Hugging Face libraries' offline switches, token, endpoint and
caches, TFDS's data folder, PYTHONWARNINGS, a home that cannot be written."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# As a user's shell may hold them. A folder under /dev/null cannot be made, even by root.
HOSTILE = {
    "TF_CPP_MIN_LOG_LEVEL": "3",
    "TF_ENABLE_ONEDNN_OPTS": "1",
    "HF_HUB_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "HF_HOME": "/dev/null/huggingface",
    "HF_DATASETS_CACHE": "/dev/null/datasets",
    "HF_TOKEN": "hf_not_a_token",
    "HF_ENDPOINT": "http://127.0.0.1:9",
    "TFDS_DATA_DIR": "/dev/null/tensorflow_datasets",
    "PYTHONWARNINGS": "error",
    "HOME": "/dev/null/home",
    "XDG_CACHE_HOME": "/dev/null/cache",
    "MPLCONFIGDIR": "/dev/null/matplotlib",
}

# A test of each kind that reads those variables: TensorFlow's logging, the command line on
# the Hub, a datasets build in the default cache, a TFDS load, and this module's own check.
SUBSET = [
    "tests/test_environment.py::test_the_suite_runs_in_an_environment_of_its_own",
    "tests/test_cli_quiet.py::test_tensorflow_errors_still_show_under_the_quiet_setting",
    "tests/test_hub_publish.py::test_the_command_with_a_token_and_no_network_says_one_line",
    "tests/test_hf_builder.py::test_streaming_yields_the_core_data",
    "tests/test_tfds_builder.py::test_load_shuffled_by_name",
]


def test_the_suite_runs_in_an_environment_of_its_own():
    import datasets
    import huggingface_hub
    from tensorflow_datasets.core import constants as tfds_constants

    home = Path(os.environ["HOME"])
    assert home.name.startswith("mnist1d-tests-home-") and os.access(home, os.W_OK)
    # (not TF_CPP_MIN_LOG_LEVEL: importing mnist1d_cli sets it, where a user has not)
    assert not {"HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "HF_TOKEN", "HF_ENDPOINT", "PYTHONWARNINGS"} & set(os.environ)
    assert not sys.warnoptions
    assert not huggingface_hub.constants.HF_HUB_OFFLINE and not datasets.config.HF_HUB_OFFLINE
    assert huggingface_hub.constants.ENDPOINT == "https://huggingface.co"
    for folder in (datasets.config.HF_DATASETS_CACHE, huggingface_hub.constants.HF_HUB_CACHE, tfds_constants.DATA_DIR):
        assert Path(folder).is_relative_to(home), folder


def test_a_hostile_environment_changes_no_result():
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")} | HOSTILE  # not this run's worker
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *SUBSET],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0 and f"{len(SUBSET)} passed" in result.stdout, result.stdout[-5000:] + result.stderr
