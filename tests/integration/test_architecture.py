"""The integration app's shape: it imports no channel app (catalog_sync, pixel, tiktok_shop; contract
`channel-apps`, with no exception left), no module is over 400 lines, imports sit at the top of files (a
function-level import says why on the line above) and none is optional (`except ImportError`)."""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "integration"
MAX_LINES = 400


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts)


def test_integration_imports_no_channel_app() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    contract = next(c for c in config["contracts"] if c["id"] == "channel-apps")
    assert [i for i in contract.get("ignore_imports", []) if i.startswith("integration")] == []
    lint = subprocess.run(
        [str(Path(sys.executable).parent / "lint-imports"), "--no-cache", "--contract", "channel-apps"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert lint.returncode == 0, lint.stdout + lint.stderr


def test_no_integration_module_is_over_400_lines() -> None:
    long = {
        str(p.relative_to(ROOT)): n for p in _modules() if (n := len(p.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}


def test_imports_are_at_the_top_and_none_is_optional() -> None:
    unexplained: list[str] = []
    for path in _modules():
        source = path.read_text()
        lines = source.splitlines()
        tree = ast.parse(source)
        top = {id(node) for node in tree.body}
        for node in ast.walk(tree):
            if isinstance(node, ast.Try) and _optional_import(node):
                unexplained.append(
                    f"{path.relative_to(ROOT)}:{node.lineno}: try: import ... except ImportError"
                )
            if not isinstance(node, ast.Import | ast.ImportFrom) or id(node) in top:
                continue
            if _under_type_checking(tree, node):
                continue
            if not lines[node.lineno - 2].strip().startswith("#"):
                unexplained.append(f"{path.relative_to(ROOT)}:{node.lineno}: {ast.unparse(node)}")
    assert unexplained == []


def _optional_import(node: ast.Try) -> bool:
    """`try: import x` / `except ImportError`: every app is installed, so such a branch never runs."""
    imports = any(isinstance(n, ast.Import | ast.ImportFrom) for stmt in node.body for n in ast.walk(stmt))
    return imports and any("ImportError" in ast.unparse(h.type) for h in node.handlers if h.type is not None)


def _under_type_checking(tree: ast.Module, target: ast.AST) -> bool:
    for node in tree.body:
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            if any(child is target for child in ast.walk(node)):
                return True
    return False
