"""The README says what the code does: its commands, fingerprints and citation."""

import re
from pathlib import Path

from mnist1d_core import CITATION, PRESETS, SPLITS
from mnist1d_core.fingerprint import registry

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def test_ci_runs_the_readmes_test_command():
    commands = re.findall(r"^(python3 scripts/dev\.py \w+)", README, re.M)
    assert commands[:2] == ["python3 scripts/dev.py main", "python3 scripts/dev.py test"]
    assert "python3 scripts/dev.py test" in (ROOT / ".ci" / "run").read_text()


def test_fingerprint_table_is_the_registry():
    rows = re.findall(r"^\| (\w+) \| (train|test) \| (\d+) \| `([0-9a-f]{64})` \|$", README, re.M)
    expected = [
        (name, split, str(registry()[name, split].num_examples), registry()[name, split].sha256)
        for name in PRESETS
        for split in SPLITS
    ]
    assert rows == expected


def test_cites_the_papers_bibtex():
    assert CITATION in README
