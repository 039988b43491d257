"""Nothing under workbench/core imports Qt: the core must run (and be tested) without a display."""

from __future__ import annotations

import ast
from pathlib import Path

import workbench.core

QT_MODULES = {"PySide6", "qasync", "shiboken6"}
CORE = Path(workbench.core.__file__).resolve().parent


def _imported_roots(tree: ast.AST) -> set[tuple[str, int]]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {(alias.name.split(".")[0], node.lineno) for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add((node.module.split(".")[0], node.lineno))
    return found


def test_no_module_under_core_imports_qt() -> None:
    files = sorted(CORE.rglob("*.py"))
    assert len(files) > 3
    offenders = [
        f"{path.relative_to(CORE.parent)}:{line}: imports {module}"
        for path in files
        for module, line in sorted(_imported_roots(ast.parse(path.read_text("utf-8"))))
        if module in QT_MODULES
    ]
    assert offenders == []
