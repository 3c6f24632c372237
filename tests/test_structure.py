"""The layering the code keeps, read from its source with `ast`.

Only store/search/ imports whoosh (and its query-text and marker modules do
not); widgets never import the store; the store never imports the app; and
only store/search/whoosh_private.py touches Whoosh's private attributes.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEARCH = ROOT / "store" / "search"
WHOOSH_PRIVATE = SEARCH / "whoosh_private.py"
# Names of Whoosh internals that whoosh_private.py borrows: nowhere else may say them.
BORROWED_NAMES = (
    "MAIN_WRITELOCK", "writelock", "_exclude", "_read_ids", "_next_block", "_new_task",
    "deleted_docs_set", "subsearchers", "_ids", "jobqueue", "resultqueue", "subargs",
)


def sources(*packages: str) -> list[Path]:
    return sorted(path for package in packages for path in (ROOT / package).rglob("*.py"))


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path) -> set[str]:
    """Every module the file imports, relative imports made absolute."""
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            module = ".".join([*base, node.module] if node.module else base)
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def imports_package(path: Path, package: str) -> bool:
    return any(name == package or name.startswith(package + ".") for name in imported_modules(path))


def relative(paths) -> list[str]:
    return [str(path.relative_to(ROOT)) for path in paths]


def test_the_sources_are_found():
    assert WHOOSH_PRIVATE in sources("store") and len(sources("store", "tui")) > 10


def test_only_store_search_imports_whoosh():
    offenders = [p for p in sources("store", "tui") if imports_package(p, "whoosh") and SEARCH not in p.parents]
    assert relative(offenders) == []


@pytest.mark.parametrize("name", ["query_text.py", "marker.py", "__init__.py"])
def test_query_text_and_marker_need_no_whoosh(name):
    assert not imports_package(SEARCH / name, "whoosh")


def test_the_query_text_module_loads_without_whoosh():
    script = "import sys, store.search, store.search.query_text, store.search.marker; print('whoosh' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, check=True).stdout
    assert out.strip() == "False"


def test_widgets_never_import_the_store():
    offenders = [p for p in sources("tui") if "widgets" in p.relative_to(ROOT).parts and imports_package(p, "store")]
    assert relative(offenders) == []


def test_the_store_never_imports_the_app():
    assert relative(p for p in sources("store") if imports_package(p, "tui")) == []


def test_borrowed_whoosh_names_appear_only_in_whoosh_private():
    offenders = {
        str(path.relative_to(ROOT)): [name for name in BORROWED_NAMES if f" {name} " in _code_text(path)]
        for path in sources("store", "tui")
        if path != WHOOSH_PRIVATE
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_no_private_attribute_is_reached_outside_whoosh_private():
    """Under store/search, `x._name` only on self or cls, and no class derived
    from a Whoosh class overrides a private method."""
    found = []
    for path in sources("store/search"):
        if path == WHOOSH_PRIVATE:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        whoosh_names = _names_from_whoosh(tree)
        own = {"self", "cls"} | _plain_module_names(tree)  # os._exit is no Whoosh internal
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and _private(node.attr):
                if not (isinstance(node.value, ast.Name) and node.value.id in own):
                    found.append(f"{path.name}:{node.lineno} .{node.attr}")
            if isinstance(node, ast.ClassDef) and any(_root_name(base) in whoosh_names for base in node.bases):
                found += [
                    f"{path.name}:{item.lineno} {node.name}.{item.name} overrides a Whoosh internal"
                    for item in node.body
                    if isinstance(item, ast.FunctionDef) and _private(item.name)
                ]
    assert found == []


def test_search_modules_stay_short():
    lengths = {path.name: len(path.read_text(encoding="utf-8").splitlines()) for path in sources("store/search")}
    assert {name: n for name, n in lengths.items() if n >= 400} == {}


def _private(name: str) -> bool:
    return name.startswith("_") and not name.endswith("__")


def _root_name(node: ast.expr) -> str | None:
    while isinstance(node, ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _names_from_whoosh(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "whoosh":
            names.update(alias.asname or alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update((a.asname or a.name).split(".")[0] for a in node.names if a.name.split(".")[0] == "whoosh")
    return names


def _plain_module_names(tree: ast.Module) -> set[str]:
    """Names bound by `import x` of modules other than whoosh (the standard library's)."""
    return {
        (alias.asname or alias.name).split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
        if alias.name.split(".")[0] != "whoosh"
    }


def _code_text(path: Path) -> str:
    """The file's names and attributes, without its strings, comments and docstrings."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    words = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            words.append(node.attr)
        elif isinstance(node, ast.Name):
            words.append(node.id)
        elif isinstance(node, ast.alias):
            words.append(node.name)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            words.append(node.name)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in BORROWED_NAMES:
            words.append(node.value)  # a borrowed name passed as a string (a lock's name)
    return " ".join(f" {word} " for word in words)
