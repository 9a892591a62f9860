"""The import graph, read from the source with `ast` (imports inside functions count too):
apps depend on each other in one direction, and no module imports itself through others."""

import ast
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
# The project package (settings, urls, Celery app) sits above every app: apps never import it.
PROJECT_PACKAGE = "allervers"
# Bottom to top: an app may import only the apps listed before it.
LAYERS = [
    "accounts",
    "outbox",
    "catalogue",
    "enrolment",
    "website",
    "providers",
    "backoffice",
    "demo",
]


def _python_files(package: str) -> list[Path]:
    return [
        path
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.relative_to(ROOT).parts
    ]


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imported_modules(path: Path) -> set[str]:
    """Every module `path` imports, resolved to absolute dotted names."""
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    imported = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module
            imported.add(prefix)
            # `from . import views` imports a module; `from .models import X` a name.
            imported.update(f"{prefix}.{alias.name}" for alias in node.names)
    return imported


def _local_packages() -> list[str]:
    return [*LAYERS, PROJECT_PACKAGE]


def _module_graph() -> dict[str, set[str]]:
    files = [path for package in _local_packages() for path in _python_files(package)]
    modules = {_module_name(path): path for path in files}
    return {
        name: {target for target in _imported_modules(path) if target in modules and target != name}
        for name, path in modules.items()
    }


def _app_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {app: set() for app in _local_packages()}
    for module, targets in _module_graph().items():
        app = module.split(".")[0]
        graph[app].update(target.split(".")[0] for target in targets)
        graph[app].discard(app)
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph, or None."""
    visiting, done = [], set()

    def visit(node):
        if node in visiting:
            return [*visiting[visiting.index(node) :], node]
        if node in done:
            return None
        visiting.append(node)
        for target in sorted(graph.get(node, ())):
            found = visit(target)
            if found:
                return found
        visiting.pop()
        done.add(node)
        return None

    for node in sorted(graph):
        found = visit(node)
        if found:
            return found
    return None


def test_every_app_is_in_a_layer():
    apps = {name.split(".")[0] for name in settings.INSTALLED_APPS if (ROOT / name).is_dir()}
    assert apps <= set(LAYERS)


def test_apps_import_each_other_in_one_direction():
    graph = _app_graph()
    assert _cycle(graph) is None
    for app in LAYERS:
        below = set(LAYERS[: LAYERS.index(app)])
        assert graph[app] <= below, f"{app} imports {sorted(graph[app] - below)} from above"


def test_no_app_imports_the_project_package():
    graph = _app_graph()
    assert [app for app in LAYERS if PROJECT_PACKAGE in graph[app]] == []


def test_no_module_imports_itself_through_others():
    assert _cycle(_module_graph()) is None


def test_the_cycle_finder_finds_a_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None
