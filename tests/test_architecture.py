"""The house's rules (docs/architecture.md), read from the source: which room may import which, no import
circle between files (imports inside functions count: hiding a circle there is still a circle), and the
size limits that keep each module readable."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ROOMS = ("connectors", "syncs", "integration_app")
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
# What each top-level package must never import.
FORBIDDEN = {
    "connectors": ("integration_app", "syncs", "django"),
    "syncs": ("integration_app", "django"),
}


def _modules() -> dict[str, Path]:
    found = {}
    for room in ROOMS:
        for path in (ROOT / room).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


MODULES = _modules()


def _imports(name: str, source: str, is_package: bool = False) -> set[str]:
    """Every module `name` imports anywhere in its code (inside functions too, and modules named to
    `import_module` or `__import__`), relative imports resolved."""
    package = name if is_package else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and _names_import(node.func) and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.add(first.value)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names if f"{base}.{alias.name}" in MODULES)
    return found


def _names_import(func: ast.expr) -> bool:
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    return name in ("import_module", "__import__")


IMPORTS = {
    name: _imports(name, path.read_text(), path.name == "__init__.py") for name, path in MODULES.items()
}


@pytest.mark.parametrize("room", sorted(FORBIDDEN))
def test_rooms_import_only_what_they_may(room):
    in_room = [name for name in IMPORTS if name.split(".")[0] == room]
    assert len(in_room) > 20  # the walk found the room
    breaches = [
        f"{name} imports {target}"
        for name in in_room
        for target in sorted(IMPORTS[name])
        if target.split(".")[0] in FORBIDDEN[room]
    ]
    assert breaches == []


def test_the_walk_finds_imports_hidden_in_functions():
    source = (
        "import json\n"
        "def later():\n"
        "    from integration_app.models import Shop\n"
        "    import django.db\n"
        "    return importlib.import_module('integration_app.notifications')\n"
        "from .store import Store\n"
    )
    assert _imports("syncs.job", source) == {
        "json",
        "integration_app.models",
        "django.db",
        "integration_app.notifications",
        "syncs.store",
    }


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_circle_between_files():
    # A package's __init__ that only gathers its modules is not a file a circle runs through.
    graph = {
        name: {t for t in targets if t in MODULES and MODULES[t].name != "__init__.py"}
        for name, targets in IMPORTS.items()
        if MODULES[name].name != "__init__.py"
    }
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_circle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_modules_and_functions_stay_small():
    too_long = []
    for name, path in MODULES.items():
        text = path.read_text()
        if len(text.splitlines()) > MAX_MODULE_LINES:
            too_long.append(f"{name}: {len(text.splitlines())} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    too_long.append(f"{name}.{node.name}: {length} lines")
    assert too_long == []
