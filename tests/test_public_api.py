"""The package uses only the public API of the libraries it builds on, and overrides only the
frameworks' protocol methods (issue 19); the builders and the baselines do not import each other
(issue 20).

Read from the source (``ast``), so the test needs none of the frameworks installed:

- no import of a private module or name of ``datasets``, ``tensorflow_datasets``,
  ``huggingface_hub``, ``pyarrow`` or ``numpy`` (``x._y``, ``from x import _y``), nor of the
  internals that issue 19 found (``datasets.builder.Key`` and the like);
- no attribute access through those modules to a private name (``np._core``);
- in a class derived from a framework's builder, config or info class, no method with a private
  name but the protocol's, and no read of a private attribute of the framework (``self._cache_dir``);
- in a builder (``datasets``' ``DatasetBuilder``, ``ArrowBasedBuilder``, ``GeneratorBasedBuilder``,
  TFDS's ``GeneratorBasedBuilder``), no method at all but the protocol's and dunders: no override
  of the public API either (``download_and_prepare``, ``as_dataset``), and properties and
  attributes only under names the framework's builder does not have;
- no assignment into a framework's module but in the one registration hook.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ["mnist1d_core", "builders", "mnist1d_baselines", "mnist1d_cli"]
LIBRARIES = {"datasets", "tensorflow_datasets", "huggingface_hub", "pyarrow", "numpy"}
#: Public-looking names that are internals (issue 19): absent from some releases, or undocumented.
INTERNALS = {
    "datasets.builder.Key",
    "datasets.arrow_writer.get_writer_batch_size_from_data_size",
    "datasets.utils.py_utils.convert_file_size_to_int",
    "tensorflow_datasets.core.utils.file_utils",
}
#: The frameworks' protocol: the only private-named methods a subclass may define.
PROTOCOL = {
    "DatasetBuilder": {"_info", "_split_generators", "_generate_tables", "_generate_examples"},
    "BuilderConfig": {"__post_init__"},
    "DatasetInfo": set(),
}
#: Public names of the frameworks' builders, methods and attributes (datasets' DatasetBuilder,
#: TFDS's GeneratorBasedBuilder): a builder that defines one overrides the framework's.
BUILDER_API = {
    *("as_dataset", "as_streaming_dataset", "builder_configs", "cache_dir", "download_and_prepare"),
    *("get_imported_module_dir", "info", "config", "config_id", "config_kwargs", "dataset_name", "hash"),
    *("base_path", "repo_id", "storage_options", "token", "dl_manager", "name", "version", "versions"),
    *("as_data_source", "assert_is_not_blocked", "blocked_versions", "builder_config", "builder_config_cls"),
    *("builder_config_name", "canonical_version", "code_path", "data_dir", "data_dir_root", "data_path"),
    *("dataset_info_from_configs", "default_builder_config", "get_builder_config", "get_file_spec"),
    *("get_default_builder_config", "get_metadata", "get_reference", "is_blocked", "is_prepared"),
    *("pkg_dir_path", "read_text_file", "read_tfrecord_as_dataset", "read_tfrecord_as_examples"),
    *("read_tfrecord_beam", "release_notes", "supported_versions", "url_infos"),
    *("manual_download_instructions", "download_post_processing_resources"),  # datasets 4.0
}
#: Decorators that make a method an attribute (allowed in a builder under a name of its own).
PROPERTIES = {"property", "functools.cached_property", "cached_property"}
#: The one place allowed to assign into a framework's module: load_dataset("mnist1d").
REGISTRATION = ROOT / "builders" / "hf" / "registration.py"


def sources() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


def where(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def private(name: str) -> bool:
    return any(
        part.startswith("_") and not (part.startswith("__") and part.endswith("__")) for part in name.split(".")
    )


def framework_aliases(tree: ast.AST) -> dict[str, str]:
    """Local names bound to the libraries' modules or names: ``np`` -> ``numpy``."""
    aliases = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in LIBRARIES:
                    aliases[alias.asname or alias.name.split(".")[0]] = (
                        alias.name if alias.asname else alias.name.split(".")[0]
                    )
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").split(".")[0] in LIBRARIES:
            for alias in node.names:
                aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return aliases


def dotted(node: ast.AST) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return ".".join([node.id, *reversed(parts)])
    return None


def violations(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    aliases, found = framework_aliases(tree), []
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names if a.name.split(".")[0] in LIBRARIES]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").split(".")[0] in LIBRARIES:
            names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
        elif isinstance(node, ast.Attribute) and (name := dotted(node)) and name.split(".")[0] in aliases:
            names = [aliases[name.split(".")[0]] + name[len(name.split(".")[0]) :]]
        for name in names:
            if private(name) or name in INTERNALS:
                found.append(f"{where(path)}:{node.lineno}: {name}")
        if isinstance(node, ast.Assign) and path != REGISTRATION:
            for target in node.targets:
                name = dotted(target) if isinstance(target, ast.Attribute) else None
                if name and name.split(".")[0] in aliases:
                    found.append(f"{where(path)}:{node.lineno}: assigns {name}")
    return found + hook_overrides(path, tree, aliases)


def framework_kind(cls: ast.ClassDef, aliases: dict[str, str]) -> str | None:
    """``DatasetBuilder``, ``BuilderConfig`` or ``DatasetInfo`` if ``cls`` derives from a
    framework's class of that kind (by the base's last name), else None."""
    for base in cls.bases:
        name = dotted(base) or ""
        first, _, rest = name.partition(".")
        if first not in aliases:
            continue
        resolved = aliases[first] + (f".{rest}" if rest else "")
        if resolved.split(".")[0] not in LIBRARIES:
            continue
        last = resolved.rsplit(".", 1)[-1]
        for kind, ending in (
            ("BuilderConfig", "BuilderConfig"),
            ("DatasetInfo", "DatasetInfo"),
            ("DatasetBuilder", "Builder"),
        ):
            if last.endswith(ending):
                return kind
    return None


def dunder(name: str) -> bool:
    return name.startswith("__") and name.endswith("__")


def builder_members(cls: ast.ClassDef) -> list[tuple[int, str]]:
    """What a builder class defines beyond its protocol: any other method, and properties or
    attributes (of the class, or ``self.x = ...``) under a name of the framework's builder."""
    found = []
    for item in cls.body:
        if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
            name = item.name
            if dunder(name) or name in PROTOCOL["DatasetBuilder"]:
                continue
            decorators = {dotted(d) or "" for d in item.decorator_list}
            is_property = decorators & PROPERTIES or any(d.endswith((".setter", ".deleter")) for d in decorators)
            if name in BUILDER_API:
                found.append((item.lineno, f"{cls.name}.{name} overrides the framework's public {name}"))
            elif private(name):
                found.append((item.lineno, f"{cls.name}.{name} overrides a hook"))
            elif not is_property:
                found.append((item.lineno, f"{cls.name}.{name} is not a protocol method"))
        elif isinstance(item, (ast.Assign, ast.AnnAssign)) and (item.value is not None):
            targets = item.targets if isinstance(item, ast.Assign) else [item.target]
            for t in targets:
                if isinstance(t, ast.Name) and t.id in BUILDER_API:
                    found.append((item.lineno, f"{cls.name}.{t.id} overrides the framework's public {t.id}"))
    for node in ast.walk(cls):
        if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            for t in node.targets if isinstance(node, ast.Assign) else [node.target]:
                if (
                    isinstance(t, ast.Attribute)
                    and isinstance(t.value, ast.Name)
                    and t.value.id == "self"
                    and t.attr in BUILDER_API
                ):
                    found.append((node.lineno, f"{cls.name} sets self.{t.attr}, the framework's"))
    return found


def hook_overrides(path: Path, tree: ast.AST, aliases: dict[str, str]) -> list[str]:
    """Methods of framework subclasses outside the protocol (for builders, any; for configs and
    infos, private ones), and reads of private attributes the module itself never sets."""
    own = {
        t.attr
        for node in ast.walk(tree)
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign))
        for t in (node.targets if isinstance(node, ast.Assign) else [node.target])
        if isinstance(t, ast.Attribute)
    }
    found = []
    for cls in (n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)):
        kind = framework_kind(cls, aliases)
        if kind is None:
            continue
        if kind == "DatasetBuilder":
            found += [f"{where(path)}:{line}: {member}" for line, member in builder_members(cls)]
        else:
            for item in cls.body:
                if isinstance(item, ast.FunctionDef) and private(item.name) and item.name not in PROTOCOL[kind]:
                    found.append(f"{where(path)}:{item.lineno}: {cls.name}.{item.name} overrides a hook")
        for node in ast.walk(cls):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id == "self"
                and private(node.attr)
                and node.attr not in own
                and not (isinstance(node.ctx, ast.Load) and node.attr in PROTOCOL[kind])
            ):
                found.append(f"{where(path)}:{node.lineno}: {cls.name} reads self.{node.attr}")
    return found


@pytest.mark.parametrize("path", sources(), ids=lambda p: str(p.relative_to(ROOT)))
def test_only_public_api_and_only_protocol_hooks(path):
    assert violations(path) == []


def test_the_checker_finds_what_issue_19_found(tmp_path):
    """The rules catch each kind of private use that the package had."""
    bad = tmp_path / "bad.py"
    bad.write_text(
        "import datasets\nimport numpy as np\nfrom datasets.builder import Key\n"
        "from datasets.utils._filelock import FileLock\nimport datasets.load\n"
        "x = np._core.multiarray\n"
        "datasets.load.dataset_module_factory = None\n"
        "class B(datasets.ArrowBasedBuilder):\n"
        "    def _info(self): ...\n"
        "    def _prepare_split(self, g): return self._output_dir\n"
        "    def download_and_prepare(self, output_dir=None, **kwargs): ...\n"
        "    def as_streaming_dataset(self, split=None): ...\n"
        "    def __init__(self, *args, **kwargs): ...\n"
        "    @property\n"
        "    def templates(self): ...\n"
        "    @property\n"
        "    def cache_dir(self): ...\n"
        "    def helper(self): self.info = None\n"
        "class G(datasets.GeneratorBasedBuilder):\n"
        "    def _generate_examples(self): ...\n"
        "    def as_dataset(self, split=None): ...\n"
        "import tensorflow_datasets as tfds\n"
        "class T(tfds.core.GeneratorBasedBuilder):\n"
        "    def _generate_splits(self): ...\n"
        "    def as_data_source(self, split=None): ...\n"
        "class C(datasets.BuilderConfig):\n"
        "    def create_config_id(self, config_kwargs, custom_features=None): ...\n"
        "    def _resolve_data_files(self, base_path, download_config): ...\n"
    )
    found = "\n".join(violations(bad))
    for expected in (
        "datasets.builder.Key",
        "datasets.utils._filelock",
        "numpy._core.multiarray",
        "assigns datasets.load.dataset_module_factory",
        "B._prepare_split overrides a hook",
        "B reads self._output_dir",
        "B.download_and_prepare overrides the framework's public download_and_prepare",
        "B.as_streaming_dataset overrides the framework's public as_streaming_dataset",
        "B.cache_dir overrides the framework's public cache_dir",
        "B.helper is not a protocol method",
        "B sets self.info, the framework's",
        "G.as_dataset overrides the framework's public as_dataset",
        "T._generate_splits overrides a hook",
        "T.as_data_source overrides the framework's public as_data_source",
        "C._resolve_data_files overrides a hook",
    ):
        assert expected in found, (expected, found)
    for allowed in ("B._info", "B.__init__", "B.templates", "G._generate_examples", "C.create_config_id"):
        assert allowed not in found, (allowed, found)


@pytest.mark.parametrize(
    "module, classes",
    [
        ("datasets", ["DatasetBuilder", "ArrowBasedBuilder", "GeneratorBasedBuilder"]),
        ("tensorflow_datasets", ["core.GeneratorBasedBuilder"]),
    ],
)
def test_the_builders_public_api_is_known_to_the_checker(module, classes):
    """A name the installed framework's builder gained is caught as an override too."""
    framework = pytest.importorskip(module)
    for name in classes:
        cls = framework
        for part in name.split("."):
            cls = getattr(cls, part)
        public = {n for n in dir(cls) if not n.startswith("_") and not n.isupper()}
        assert public <= BUILDER_API, sorted(public - BUILDER_API)


def test_the_registration_hook_is_the_only_patch_and_lives_in_one_module():
    patching = [p for p in sources() if "dataset_module_factory =" in p.read_text()]
    assert patching == [REGISTRATION]


def test_builders_and_baselines_do_not_import_each_other():
    def imported(path: Path) -> set[str]:
        tree = ast.parse(path.read_text())
        names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        names |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.level == 0}
        return {name.split(".")[0] for name in names}

    # builders/plot.py draws benchmark results: it moves out of the builders with the plotting command.
    builders = [p for p in (ROOT / "builders").rglob("*.py") if p.name != "plot.py"]
    assert [str(p) for p in builders if "mnist1d_baselines" in imported(p)] == []
    baselines = (ROOT / "mnist1d_baselines").rglob("*.py")
    assert [str(p) for p in baselines if "mnist1d_builders" in imported(p)] == []
