"""The store's shape: modules that import each other one way, that use each
other's public names only, and a `Library` that stays a thin facade."""

from __future__ import annotations

import ast
from pathlib import Path

STORE = Path(__file__).resolve().parent.parent / "store"


def _store_imports(path: Path) -> list[tuple[str, list[str]]]:
    """(store module, names taken from it) for every import in `path`, at any depth
    (those under `if TYPE_CHECKING:` are for type checkers only, and left out)."""
    tree = ast.parse(path.read_text())
    typing_only = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            typing_only.update(id(child) for child in ast.walk(node))
    found = []
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            names = [alias.name for alias in node.names]
            if node.module:
                found.append((node.module.split(".")[0], names))
            else:
                found.extend((name, []) for name in names)  # from . import meta
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("store."):
            found.append((node.module.split(".")[1], [alias.name for alias in node.names]))
    return found


def _graph() -> dict[str, set[str]]:
    return {path.stem: {module for module, _ in _store_imports(path)} for path in STORE.glob("*.py")}


def test_store_modules_import_each_other_one_way():
    graph = _graph()
    cycles = []

    def visit(module: str, path: list[str]) -> None:
        for imported in sorted(graph.get(module, ())):
            if imported in path:
                cycles.append(path[path.index(imported):] + [imported])
            elif imported in graph:
                visit(imported, path + [imported])

    for module in graph:
        visit(module, [module])
    assert cycles == []


def test_no_module_takes_another_ones_private_names():
    taken = [
        (path.name, module, name)
        for path in STORE.glob("*.py")
        for module, names in _store_imports(path)
        for name in names
        if name.startswith("_")
    ]
    assert taken == []


def test_library_is_a_thin_facade_and_the_store_never_imports_the_app():
    assert len((STORE / "library.py").read_text().splitlines()) < 300
    for path in STORE.glob("*.py"):
        assert "import tui" not in path.read_text() and "from tui" not in path.read_text(), path.name
