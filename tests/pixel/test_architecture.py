"""The pixel's structure: no import circle inside the app (the services queue the send by task name,
never through pixel.tasks), no module over 400 lines, and every error class the pixel defines derives
from the project's one base (core.errors.ServiceError)."""

from __future__ import annotations

import ast
import inspect
import pkgutil
from importlib import import_module
from pathlib import Path

import pixel
from core.errors import ServiceError

PIXEL_DIR = Path(pixel.__file__).parent
MAX_MODULE_LINES = 400


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for path in PIXEL_DIR.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        parts = path.relative_to(PIXEL_DIR.parent).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _nodes_outside_type_checking(tree: ast.AST) -> list[ast.AST]:
    nodes: list[ast.AST] = []
    todo = [tree]
    while todo:
        node = todo.pop()
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue  # type-only imports run nowhere
        nodes.append(node)
        todo.extend(ast.iter_child_nodes(node))
    return nodes


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The pixel modules `name` imports, at the top or inside a function (TYPE_CHECKING blocks aside):
    an import deferred into a function still makes the two modules depend on each other."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    deps: set[str] = set()
    for node in _nodes_outside_type_checking(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            targets = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        else:
            continue
        for target in targets:
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name:
                deps.add(target)
    return deps


def test_no_import_circle_inside_the_pixel() -> None:
    modules = _modules()
    graph = {name: _imports(name, path, modules) for name, path in modules.items()}
    assert "pixel.services" not in graph["pixel.dispatch"] and "pixel.tasks" not in graph["pixel.dispatch"]
    assert "pixel.tasks" not in set().union(*(graph[m] for m in graph if m.startswith("pixel.services")))

    def reaches(start: str, goal: str) -> bool:
        seen, todo = set(), [start]
        while todo:
            current = todo.pop()
            for dep in graph[current]:
                if dep == goal:
                    return True
                if dep not in seen:
                    seen.add(dep)
                    todo.append(dep)
        return False

    circles = sorted(name for name in graph if reaches(name, name))
    assert circles == []


def test_pixel_modules_stay_small() -> None:
    sizes = {name: len(path.read_text().splitlines()) for name, path in _modules().items()}
    assert {name: n for name, n in sizes.items() if n > MAX_MODULE_LINES} == {}


def test_pixel_error_classes_derive_from_service_error() -> None:
    names = [m.name for m in pkgutil.walk_packages(pixel.__path__, "pixel.") if ".migrations" not in m.name]
    errors = [
        cls
        for name in names
        for _attr, cls in inspect.getmembers(import_module(name), inspect.isclass)
        if issubclass(cls, Exception) and cls.__module__.startswith("pixel.")
    ]
    assert [cls for cls in errors if not issubclass(cls, ServiceError)] == []
