"""`syncs` is the pure layer: it imports nothing from the app (`integration_app`) and nothing of Django, at
module level or inside a function; the app gives it clients, a store and callbacks instead."""

import ast
from pathlib import Path

import syncs

FORBIDDEN = ("integration_app", "django")
SYNCS = Path(syncs.__file__).parent


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
