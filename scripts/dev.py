"""Set up the project's virtual environment and run its main job or its tests.

    python3 scripts/dev.py main   # build canonical MNIST-1D for datasets and TFDS, print where and its checksums
    python3 scripts/dev.py test   # run the test suite

Needs only python3 (with venv and pip). Idempotent: the environment in .venv is made
once and reinstalled only when pyproject.toml changes.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
PYTHON = VENV / "bin" / "python"
STAMP = VENV / ".installed"  # hash of what was installed, to skip an unchanged reinstall
EXTRAS = "all,test"
CONSTRAINTS = ROOT / "scripts" / "constraints.txt"  # pins for this environment only, see the file
OUT = ROOT / "out"


def ensure_environment() -> None:
    if sys.version_info < (3, 10):  # noqa: UP036  (run by any python3, before requires-python applies)
        sys.exit(f"this project needs Python 3.10 or later; {sys.executable} is {sys.version.split()[0]}")
    if not PYTHON.exists():
        print(f"creating {VENV}", flush=True)
        try:
            venv.create(VENV, with_pip=True)
        except (OSError, subprocess.CalledProcessError) as error:
            shutil.rmtree(VENV, ignore_errors=True)  # the next run starts anew, not from half an environment
            sys.exit(
                f"could not create {VENV} ({error}); python3's venv and ensurepip modules are needed "
                "(Debian, Ubuntu: apt install python3-venv)"
            )
    wanted = hashlib.sha256(
        (ROOT / "pyproject.toml").read_bytes() + CONSTRAINTS.read_bytes() + EXTRAS.encode()
    ).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    print(f"installing the project with extras [{EXTRAS}] into {VENV} (first time: several minutes)", flush=True)
    subprocess.run(
        [
            PYTHON,
            "-m",
            "pip",
            "install",
            "--disable-pip-version-check",
            "-q",
            "--constraint",
            CONSTRAINTS,
            "-e",
            f".[{EXTRAS}]",
        ],
        cwd=ROOT,
        check=True,
    )
    STAMP.write_text(wanted)


def run(*args: str | Path) -> None:
    subprocess.run([str(a) for a in args], cwd=ROOT, check=True)


def main_job() -> None:
    OUT.mkdir(exist_ok=True)
    # The canonical dataset through both builders. A second run finds the builds in out/
    # and reuses them; `mnist1d build` re-verifies them either way.
    for framework in ("hf", "tfds"):
        run(
            VENV / "bin" / "mnist1d",
            "build",
            "--framework",
            framework,
            "--config",
            "canonical",
            "--data-dir",
            OUT / framework,
        )


def tests() -> None:
    # pytest-xdist: on every core, at most four (each worker holds TensorFlow, torch and datasets);
    # a test file on one worker, so that its module-scoped builds are made once.
    run(PYTHON, "-m", "pytest", "-q", "-n", "auto", "--maxprocesses", "4", "--dist", "loadfile")


def main() -> None:
    jobs = {"main": main_job, "test": tests}
    if len(sys.argv) != 2 or sys.argv[1] not in jobs:
        sys.exit(f"usage: python3 scripts/dev.py {{{'|'.join(jobs)}}}")
    ensure_environment()
    try:
        jobs[sys.argv[1]]()
    except subprocess.CalledProcessError as error:
        sys.exit(error.returncode)


if __name__ == "__main__":
    main()
