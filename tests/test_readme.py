"""The README is a front page that says what the code does: short, its commands CI's, its
fingerprints the registry's, its citation the package's; the rest is in the docs."""

import importlib.util
import re
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10 (the oldest session)
    import tomli as tomllib

from mnist1d_core import CITATION, DEFAULT, PARAMETER_NAMES, PRESETS, SPLITS
from mnist1d_core.fingerprint import registry

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
GENERATOR_GUIDE = (ROOT / "docs" / "guide" / "generator.md").read_text()


def test_readme_is_short():
    assert README.count("\n") <= 400, f"README.md has {README.count(chr(10))} lines, at most 400"
    assert len(README) <= 25_000, f"README.md has {len(README)} characters, at most 25,000"


def test_readme_links_only_to_files_that_exist():
    for target in re.findall(r"\]\(((?:docs|assets)/[^)#]+)", README):
        assert (ROOT / target).is_file(), f"README.md links to {target}, which does not exist"


def test_ci_runs_the_readmes_test_command():
    commands = re.findall(r"^(python3 scripts/dev\.py \w+)", README, re.M)
    assert commands[:2] == ["python3 scripts/dev.py main", "python3 scripts/dev.py test"]
    assert "python3 scripts/dev.py test" in (ROOT / ".ci" / "run").read_text()


def test_readme_names_every_extra():
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    listed = re.findall(r"^\| `([\w-]+)` \|", README, re.M)
    assert set(extras) <= set(listed), f"extras missing from the README's table: {set(extras) - set(listed)}"


def test_the_command_table_lists_every_command():
    hooks = docs_hooks()  # the source of the command-line page
    listed = re.findall(r"^\| `mnist1d (\w+)", README, re.M)
    assert hooks.commands() and sorted(listed) == sorted(hooks.commands())


def test_fingerprint_table_is_the_registry():
    rows = re.findall(r"^\| (\w+) \| (train|test) \| (\d+) \| `([0-9a-f]{64})` \|$", GENERATOR_GUIDE, re.M)
    expected = [
        (name, split, str(registry()[name, split].num_examples), registry()[name, split].sha256)
        for name in PRESETS
        for split in SPLITS
    ]
    assert rows == expected


def docs_hooks():
    """``docs/hooks.py``, which renders the command-line page and the parameter table."""
    spec = importlib.util.spec_from_file_location("docs_hooks", ROOT / "docs" / "hooks.py")
    hooks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hooks)
    return hooks


def test_the_parameter_table_is_rendered_from_the_core():
    """The generator guide holds no hand-written table that could drift: the site's build puts
    the core's own there, with every parameter and its default."""
    hooks = docs_hooks()
    assert hooks.PARAMETERS_MARKER in GENERATOR_GUIDE and "| `num_samples` |" not in GENERATOR_GUIDE
    rendered = hooks.on_page_markdown(GENERATOR_GUIDE)
    rows = re.findall(r"^\| `(\w+)` \| [^|]+ \| `([^`]+)` \|", rendered, re.M)
    assert [name for name, _ in rows] == list(PARAMETER_NAMES)
    for name, default in rows:
        assert default == repr(getattr(DEFAULT, name)), name


def test_cites_the_papers_bibtex():
    assert CITATION in README
