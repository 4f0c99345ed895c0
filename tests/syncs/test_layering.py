"""`syncs` is the pure layer: it imports nothing from the app (`integration_app`) and nothing of Django, at
module level or inside a function; the app gives it clients, a store and callbacks instead. Its modules
import one another without a circle."""

import ast
from pathlib import Path

import syncs

FORBIDDEN = ("integration_app", "django")
SYNCS = Path(syncs.__file__).parent


def module_name(path: Path) -> str:
    parts = path.relative_to(SYNCS.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def syncs_imports(path: Path) -> set[str]:
    """The modules of `syncs` that `path` imports (relative imports resolved), anywhere in it."""
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            found.update(f"{module}.{alias.name}" for alias in node.names)
            found.add(module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def imported_modules(source: str) -> list[tuple[int, str]]:
    """(line, module) of every absolute import in `source`, wherever it stands, and of every module named
    to `importlib.import_module` or `__import__`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Call) and _names_import(node.func) and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.append((node.lineno, first.value))
    return found


def _names_import(func: ast.expr) -> bool:
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    return name in ("import_module", "__import__")


def forbidden_imports(source: str) -> list[tuple[int, str]]:
    return [
        (line, module)
        for line, module in imported_modules(source)
        if any(module == top or module.startswith(top + ".") for top in FORBIDDEN)
    ]


def test_no_module_of_syncs_imports_the_app_or_django():
    modules = sorted(SYNCS.rglob("*.py"))
    assert len(modules) > 20  # the walk found the package
    offences = [
        f"{path.relative_to(SYNCS.parent)}:{line} imports {module}"
        for path in modules
        for line, module in forbidden_imports(path.read_text())
    ]
    assert offences == []


def test_the_walk_finds_imports_hidden_in_functions():
    source = (
        "import json\n"
        "def later():\n"
        "    from integration_app.models import Shop\n"
        "    import django.db\n"
        "    return importlib.import_module('integration_app.notifications')\n"
        "from .store import Store\n"
    )
    assert forbidden_imports(source) == [
        (3, "integration_app.models"),
        (4, "django.db"),
        (5, "integration_app.notifications"),
    ]


def test_the_modules_of_syncs_import_one_another_without_a_circle():
    modules = {module_name(path): path for path in SYNCS.rglob("*.py")}
    graph = {name: sorted(syncs_imports(path) & modules.keys() - {name}) for name, path in modules.items()}
    done: set[str] = set()

    def circle_from(name: str, trail: list[str]) -> list[str]:
        if name in trail:
            return [*trail[trail.index(name) :], name]
        if name in done:
            return []
        for imported in graph[name]:
            circle = circle_from(imported, [*trail, name])
            if circle:
                return circle
        done.add(name)
        return []

    assert [circle for name in sorted(graph) if (circle := circle_from(name, []))] == []
