"""The supported versions are the tested ones: every declared floor is what noxfile.py's
"oldest" session pins, CI runs the sessions, and the README names what they test."""

import ast

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10 (the oldest session)
    import tomli as tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
CONSTRAINTS = (ROOT / "tests" / "constraints-oldest.txt").read_text().split("# Not floors of ours")[0]
PINNED = {
    Requirement(line).name.lower().replace("_", "-"): Version(str(next(iter(Requirement(line).specifier))).lstrip("="))
    for line in CONSTRAINTS.splitlines()
    if line.strip() and not line.startswith("#")
}


def noxfile_constant(name: str) -> str:
    tree = ast.parse((ROOT / "noxfile.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Tuple):
            for target, value in zip(node.targets[0].elts, node.value.elts):
                if target.id == name:
                    return value.value
    raise AssertionError(f"noxfile.py sets no {name}")


def declared_floors() -> dict[str, Version]:
    """Every ``>=`` floor of the dependencies and of the extras the sessions install."""
    project = PYPROJECT["project"]
    requirements = [
        *project["dependencies"],
        *(r for extra in ("hf", "tfds", "tfds-cli", "plot") for r in project["optional-dependencies"][extra]),
    ]
    floors = {}
    for line in requirements:
        requirement = Requirement(line)
        if requirement.marker is not None and not requirement.marker.evaluate({"sys_platform": "linux"}):
            continue
        for spec in requirement.specifier:
            if spec.operator == ">=":
                floors[requirement.name.lower().replace("_", "-")] = Version(spec.version)
    return floors


def test_every_floor_is_pinned_in_the_oldest_session():
    floors = declared_floors()
    assert floors, "no floors found"
    for name, floor in floors.items():
        assert name in PINNED, f"{name}>={floor} is declared but the oldest session does not pin it"
        assert PINNED[name] == floor, f"{name}: declared >={floor}, the oldest session tests {PINNED[name]}"
    assert set(PINNED) <= set(floors), f"pinned without a declared floor: {set(PINNED) - set(floors)}"


def test_the_oldest_python_is_the_declared_one():
    assert PYPROJECT["project"]["requires-python"] == f">={noxfile_constant('OLDEST')}"


def test_ci_runs_the_readme_test_command_then_the_sessions():
    ci = "\n".join(line for line in (ROOT / ".ci" / "run").read_text().splitlines() if not line.startswith("#"))
    assert "python3 scripts/dev.py test" in ci and "nox" in ci
    assert ci.index("python3 scripts/dev.py test") < ci.index("nox")


def test_the_readme_names_the_tested_versions():
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Supported versions") :]
    section = section[: section.index("\n## ", 1)]
    assert f"Python {noxfile_constant('OLDEST')}" in section and f"Python {noxfile_constant('NEWEST')}" in section
    rows = {
        cells[0].lower().replace("_", "-"): cells[1].split()[0]
        for cells in (
            [c.strip() for c in line.strip().strip("|").split("|")]
            for line in section.splitlines()
            if line.startswith("| ")
        )
    }
    assert {name: str(version) for name, version in PINNED.items()} == {
        name: version for name, version in rows.items() if name in PINNED
    }
    assert set(PINNED) <= set(rows), f"the README's table lacks {set(PINNED) - set(rows)}"


def test_no_upper_bound_on_the_frameworks():
    """A new release of a framework must reach CI's newest session, never be fenced off."""
    project = PYPROJECT["project"]
    for extra, requirements in project["optional-dependencies"].items():
        for line in requirements:
            requirement = Requirement(line)
            operators = {spec.operator for spec in requirement.specifier}
            assert not operators & {"<", "<=", "~=", "=="} or requirement.name == "mnist1d", (extra, line)


def test_one_version_source_and_a_build_system_floor_that_builds():
    import mnist1d_core

    assert "version" not in PYPROJECT["project"] and PYPROJECT["project"]["dynamic"] == ["version"]
    assert PYPROJECT["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "mnist1d_core.__version__"}
    assert Version(mnist1d_core.__version__) == Version("0.2.0")
    floor = Requirement(PYPROJECT["build-system"]["requires"][0])
    assert floor.name == "setuptools" and Version("77") in floor.specifier and Version("76.9") not in floor.specifier


def test_beam_and_croissant_are_in_their_own_extra():
    extras = PYPROJECT["project"]["optional-dependencies"]
    names = {extra: {Requirement(r).name for r in reqs} for extra, reqs in extras.items()}
    assert not {"apache-beam", "mlcroissant"} & names["tfds"]
    assert {"apache-beam", "mlcroissant"} <= names["tfds-cli"]
