"""The supported versions, tested: the test suite on the oldest and on the newest set.

    python3 scripts/dev.py test          # first: the whole suite, on Python 3.11 (what CI runs first)
    .venv/bin/python -m nox              # then both sessions below (CI runs them too)
    .venv/bin/python -m nox -s oldest    # one of them

- ``oldest``: Python 3.10 with every declared floor pinned (``tests/constraints-oldest.txt``,
  which a test keeps equal to pyproject.toml's floors);
- ``newest``: Python 3.13, the newest with wheels of every extra's packages (TensorFlow's
  among them), and the newest release of each within the declared ranges.

Both install the ``hf``, ``tfds`` and ``plot`` extras and the test tools, not torch, jax or
grain: PyPI's Linux torch is a CUDA build of several GB. The tests that need them (marked
``ml``) run in the main suite only, on Python 3.11 with the CPU build of torch.

The interpreters come from pyenv where it is installed (``pyenv install 3.10 3.13``), or
from PATH; none is downloaded. The sessions install with uv where it is installed (the
``test`` extra brings it), else pip; a session's environment is kept in ``.nox`` and reused
by the next run (``--reuse-venv=no`` makes it anew), which re-installs only what changed.
The suite runs on every core (pytest-xdist), as ``scripts/dev.py test`` runs it.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import nox
import tomllib
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent
OLDEST, NEWEST = "3.10", "3.13"
_REPORTED = (
    "numpy",
    "scipy",
    "datasets",
    "pyarrow",
    "huggingface_hub",
    "filelock",
    "pyyaml",
    "tensorflow-datasets",
    "tensorflow-cpu",
    "apache-beam",
    "mlcroissant",
    "matplotlib",
)
# torch, jax or grain at import
ML_MODULES = [
    "tests/test_baselines.py",
    "tests/test_baselines_curves.py",
    "tests/test_cli_benchmark.py",
    "tests/test_cli_export_sweep.py",
    "tests/test_torch_dataset.py",
    "tests/test_jax_grain.py",
]
# pytest-xdist, as scripts/dev.py test runs the suite: on every core, at most four, a file per worker.
PARALLEL = ["-n", "auto", "--maxprocesses", "4", "--dist", "loadfile"]

nox.options.sessions = ["oldest", "newest"]
nox.options.error_on_missing_interpreters = True  # a missing Python fails, never passes by skipping
# TensorFlow and its company are about 1.5 GB a session: installed by uv (parallel downloads,
# a cache of unpacked wheels) they take a fraction of pip's time, and a kept session none.
nox.options.default_venv_backend = "uv|virtualenv"
nox.options.reuse_venv = "yes"
os.environ.setdefault("UV_PYTHON_DOWNLOADS", "never")  # the interpreters of this machine, or a failure


def _pyenv_interpreters() -> None:
    """Put pyenv's installed Pythons on PATH, so ``python3.10`` finds its 3.10.x."""
    try:
        root = subprocess.run(["pyenv", "root"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return
    for version in (OLDEST, NEWEST):
        found = sorted(
            Path(root, "versions").glob(f"{version}.*"),
            key=lambda p: [int(n) for n in p.name.split(".") if n.isdigit()],
        )
        if found:
            os.environ["PATH"] = f"{found[-1] / 'bin'}{os.pathsep}{os.environ['PATH']}"


_pyenv_interpreters()


def _test_tools() -> list[str]:
    """The ``test`` extra's requirements, but for the package's own extras, torch, jax, grain,
    and the tools that run the sessions (nox, uv) or CI's lint (ruff)."""
    extra = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["test"]
    skipped = {"mnist1d-datasets", "torch", "jax", "grain", "nox", "uv", "ruff"}
    return [r for r in extra if Requirement(r).name not in skipped]


def _suite(session: nox.Session, *constraints: str) -> None:
    session.install(*constraints, "-e", ".[hf,tfds,tfds-cli,plot]", *_test_tools())
    # What the session tests, for the log (README "Supported versions").
    session.run(
        "python",
        "-c",
        "import sys, importlib.metadata as m; print('Python ' + sys.version.split()[0], *("
        f"f'{{n}} {{m.version(n)}}' for n in {_REPORTED!r}), sep=', ')",
    )
    ignored = [f"--ignore={m}" for m in ML_MODULES]
    session.run("python", "-m", "pytest", "-q", *PARALLEL, "-m", "not ml", *ignored, *session.posargs)


@nox.session(python=OLDEST)
def oldest(session: nox.Session) -> None:
    """The declared floors, on the oldest Python."""
    _suite(session, "--constraint", "tests/constraints-oldest.txt")


@nox.session(python=NEWEST)
def newest(session: nox.Session) -> None:
    """The newest releases within the declared ranges, on the newest Python."""
    _suite(session)
