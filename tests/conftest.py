"""Shared by every test: an environment of the suite's own, nothing may reach the network,
and Ctrl-C reaches child processes.

The environment: whatever the shell holds (TensorFlow's log level, the Hugging Face
libraries' offline switches, token, endpoint and caches, TFDS's data folder, PYTHONWARNINGS,
a home that cannot be written), the suite runs the same. The variables that change what the
frameworks do are removed, and every cache and home folder points into a temporary folder of
this process (each pytest-xdist worker has its own), removed at its end. The tests' child
processes inherit it; a test that depends on one of those variables sets it itself.

Connections to loopback stay allowed (local worker processes talk over it); any other
address fails the test that tries it. ``refuse_network`` installs the same guard in a
process of its own (test_docs.py runs the docs in one).
"""

import atexit
import gc
import ipaddress
import os
import shutil
import signal
import socket
import sys
import tempfile
import warnings
from pathlib import Path

import hypothesis
import pytest

# Hypothesis draws the same examples on every run, so that CI never passes or fails by the
# draw; an example it once found is kept in its test as an explicit case.
hypothesis.settings.register_profile("deterministic", derandomize=True)
hypothesis.settings.load_profile("deterministic")

# Read by the frameworks at import: set before any test module imports them.
_SET_BY_USERS = ("HF_", "HUGGINGFACE_", "TFDS_", "TF_CPP_", "TF_ENABLE_", "XDG_", "MPLCONFIGDIR", "KERAS_HOME")
for _name in [name for name in os.environ if name.startswith(_SET_BY_USERS)] + ["PYTHONWARNINGS"]:
    os.environ.pop(_name, None)
_HOME = Path(tempfile.mkdtemp(prefix="mnist1d-tests-home-"))
atexit.register(shutil.rmtree, _HOME, ignore_errors=True)
os.environ.update(
    HOME=str(_HOME),  # ~/.keras, ~/.apache_beam, ~/.config/matplotlib, ~/.cache/... land here
    XDG_CACHE_HOME=str(_HOME / ".cache"),
    XDG_CONFIG_HOME=str(_HOME / ".config"),
    HF_HOME=str(_HOME / ".cache" / "huggingface"),
    TFDS_DATA_DIR=str(_HOME / "tensorflow_datasets"),
    MPLCONFIGDIR=str(_HOME / ".config" / "matplotlib"),
)
if sys.warnoptions:  # PYTHONWARNINGS or -W: the suite's filters (pytest's, pyproject.toml's) decide instead
    sys.warnoptions.clear()
    warnings.resetwarnings()

# The Ctrl-C tests send SIGINT to the commands they start, as a terminal would. A suite run in
# the background (`cmd &` from a script, nohup) starts with SIGINT ignored, which every child
# inherits: their Ctrl-C would never arrive. A handler, unlike "ignored", is reset to the
# default in a child, so with Python's own here, children start as they would from a terminal.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


# The files that take longest, longest first (measured with --durations). pytest-xdist's
# --dist loadfile hands whole files to its workers in the collection's order: these first, the
# rest after them by their number of tests, so that no long file starts last while the other
# workers have nothing left to do.
LONGEST_FIRST = [
    "test_docs.py",
    "test_tfds_robust.py",
    "test_baselines.py",
    "test_tfds_sharded.py",
    "test_tfds_builder.py",
    "test_tfds_verify.py",
    "test_hf_cli.py",
    "test_environment.py",
    "test_cli_benchmark.py",
    "test_hub_verify.py",
    "test_hf_robust.py",
    "test_hub_faults.py",
    "test_cli_quiet.py",
]
assert all((Path(__file__).with_name(name)).is_file() for name in LONGEST_FIRST), "update LONGEST_FIRST"


def pytest_configure(config):
    if hasattr(config.option, "loadscopereorder"):  # pytest-xdist's own order (most tests first): ours instead
        config.option.loadscopereorder = False


def pytest_collection_modifyitems(items):
    files = {}
    for item in items:
        files.setdefault(item.path.name, []).append(item)
    rank = {name: index for index, name in enumerate(LONGEST_FIRST)}
    order = sorted(files, key=lambda name: (rank.get(name, len(rank)), -len(files[name])))
    items[:] = [item for name in order for item in files[name]]


def pytest_collection_finish(session):
    # Collecting the suite imports TensorFlow, torch, datasets and jax: some 700,000 objects
    # that live until the end. Frozen (kept out of the collector's sight), they no longer make
    # each full collection take most of a second: mnist1d_cli.main runs one for every failure
    # it tells, and the suite tells hundreds. What the tests create is collected as before.
    gc.collect()
    gc.freeze()


def pytest_runtest_setup(item):
    # The same for what tests import later (TensorFlow loads much of itself on first use), once
    # it is many objects: what survives a full collection here lives on, or is a test's module
    # fixture, freed with its module's end unless it is in a reference cycle.
    if len(gc.get_objects(generation=2)) > 100_000:
        gc.collect()
        gc.freeze()


def loopback_only(connect):
    """``socket.socket.connect`` that refuses every address but loopback."""

    def guarded(sock, address):
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address[0]):
            raise OSError(f"network access attempted in a test: {address}")
        return connect(sock, address)

    return guarded


def refuse_network():
    socket.socket.connect = loopback_only(socket.socket.connect)


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    monkeypatch.setattr(socket.socket, "connect", loopback_only(socket.socket.connect))


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


@pytest.fixture
def hub_offline(monkeypatch):
    """The Hugging Face libraries in offline mode, as their users set it: the environment
    variables, and the constants they read at import."""
    import datasets
    import huggingface_hub

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", True)


@pytest.fixture
def nest():
    """Makes a file ``depth`` folders below a folder; removes what is left of the trees afterwards
    (pytest's own clean-up, ``shutil.rmtree``, recurses and would fail on them)."""
    from mnist1d_core.files import remove  # iterative: safe for the trees made here

    made = []

    def make(folder: Path, depth: int = 1500) -> Path:
        bottom = folder
        bottom.mkdir(exist_ok=True)
        made.append(folder)
        for _ in range(depth):  # one by one: mkdir(parents=True) recurses too
            bottom = bottom / "a"
            bottom.mkdir()
        (bottom / "file").write_text("x")
        return bottom / "file"

    yield make
    for folder in made:
        remove(folder)
