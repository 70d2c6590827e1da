"""The layering a reader sees in the folders holds in the code: core <- baselines <- builders <- cli.

(The baselines need only the core; the builders' dataset card shows their results, through
``mnist1d_baselines.results``, which needs no torch.)

Every import of the project's own modules, at the top of a file or inside a function, is an
edge of the import graph; no module imports a layer above its own, the graph has no cycle,
and no module is over 400 lines.
"""

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: Import package -> its folder, lowest layer first.
LAYERS = {
    "mnist1d_core": "mnist1d_core",
    "mnist1d_baselines": "mnist1d_baselines",
    "mnist1d_builders": "builders",
    "mnist1d_cli": "mnist1d_cli",
}
MAX_LINES = 400


def modules() -> dict[str, Path]:
    found = {}
    for package, folder in LAYERS.items():
        for path in sorted((ROOT / folder).rglob("*.py")):
            parts = path.relative_to(ROOT / folder).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join((package, *parts))] = path
    return found


def imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The project's modules that ``name`` imports (a package's ``__init__`` counts as the package)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            # `from package import module` imports the module; `from module import name`, the module.
            for alias in node.names:
                targets.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base)
    return {t for t in targets if t in known and t != name}


def layer(module: str) -> int:
    return list(LAYERS).index(module.split(".")[0])


GRAPH = {name: imports(name, path, set(modules())) for name, path in modules().items()}


def test_every_layer_is_found():
    assert {name.split(".")[0] for name in GRAPH} >= {"mnist1d_core", "mnist1d_builders", "mnist1d_cli"}
    assert "mnist1d_builders.hf.mnist1d" in GRAPH and "mnist1d_builders.hub.card" in GRAPH


@pytest.mark.parametrize("name", sorted(GRAPH))
def test_no_module_imports_a_layer_above_its_own(name):
    upward = sorted(target for target in GRAPH[name] if layer(target) > layer(name))
    assert not upward, f"{name} imports {upward}"


def test_the_import_graph_has_no_cycle():
    done, on_path = set(), []

    def visit(node: str) -> None:
        if node in on_path:
            cycle = on_path[on_path.index(node) :] + [node]
            pytest.fail("import cycle: " + " -> ".join(cycle))
        if node in done:
            return
        on_path.append(node)
        for target in sorted(GRAPH[node]):
            visit(target)
        on_path.pop()
        done.add(node)

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10 * len(GRAPH)))
    for node in sorted(GRAPH):
        visit(node)


def test_the_cycle_check_would_see_a_cycle(tmp_path):
    # The graph builder resolves relative imports: a two-module cycle written with them is found.
    (tmp_path / "a.py").write_text("from .b import f\n")
    (tmp_path / "b.py").write_text("def f():\n    from . import a\n")
    known = {"pkg.a", "pkg.b"}
    assert imports("pkg.a", tmp_path / "a.py", known) == {"pkg.b"}
    assert imports("pkg.b", tmp_path / "b.py", known) == {"pkg.a"}


@pytest.mark.parametrize("name", sorted(GRAPH))
def test_no_module_is_over_400_lines(name):
    lines = len(modules()[name].read_text().splitlines())
    assert lines <= MAX_LINES, f"{name}: {lines} lines"
