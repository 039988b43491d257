"""Platforms are registry entries: core, CLI, GUI and sandbox find them by name in the registry,
and nothing outside a platform's own modules imports them or spells their name."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import tomllib

from workbench.core.platforms.registry import Platform, load_target, platform, platforms

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "workbench"
# Helpers only one platform uses, beside the modules its Platform value names.
HELPERS = {"deck": {"workbench.qt.mfa_dialog"}, "stackone": {"workbench.sandbox.customer"}}


def _module(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def _modules() -> dict[str, ast.Module]:
    return {_module(p): ast.parse(p.read_text(encoding="utf-8"))
            for p in PACKAGE.rglob("*.py")}


def own_modules(found: Platform) -> set[str]:
    """The platform's core module and its siblings (deck_connection), and every module its
    Platform value names: panel, stand-in, CLI commands."""
    core = found.account.__module__
    named = {core, *(c.module for c in found.commands)}
    for target in (found.panel, *((found.stand_in.app, found.stand_in.demo)
                                  if found.stand_in else ())):
        if target:
            named.add(target.partition(":")[0])
    siblings = {m for m in _modules() if m.startswith(core + "_")}
    return named | siblings | HELPERS.get(found.name, set())


def _imports(tree: ast.Module) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{a.name}" for a in node.names}
    return found


def _strings(tree: ast.Module) -> set[str]:
    """String constants, docstrings left out (prose may mention a platform)."""
    docstrings = {id(body[0].value) for node in ast.walk(tree)
                  if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef
                                | ast.AsyncFunctionDef)
                  and (body := node.body) and isinstance(body[0], ast.Expr)
                  and isinstance(body[0].value, ast.Constant)}
    return {node.value for node in ast.walk(tree) if isinstance(node, ast.Constant)
            and isinstance(node.value, str) and id(node) not in docstrings}


def test_the_registry_finds_what_pyproject_declares() -> None:
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "entry-points"]["workbench.platforms"]
    assert set(platforms()) == set(declared), (
        "the installed metadata is stale: reinstall (pip install -e .) so the "
        "workbench.platforms entry points are known")
    for name, target in declared.items():
        assert platforms()[name] is load_target(target)


@pytest.mark.parametrize("name", ["deck", "stackone"])
def test_every_part_a_platform_names_can_be_loaded(name: str) -> None:
    found = platform(name)
    assert found is not None and found.name == name and found.label == f"{found.title} account"
    assert found.panel and found.stand_in and found.commands
    assert callable(load_target(found.panel)) and callable(load_target(found.stand_in.app))
    assert callable(load_target(found.stand_in.demo))
    for command in found.commands:
        module = load_target(command.module)
        assert module.DESCRIPTION and callable(module.run) and callable(module.add_arguments)


@pytest.mark.parametrize("name", ["deck", "stackone"])
def test_nothing_outside_a_platforms_own_modules_imports_it(name: str) -> None:
    found = platform(name)
    assert found is not None
    own = own_modules(found)
    offenders = sorted(
        f"{module} imports {imported}"
        for module, tree in _modules().items() if module not in own
        for imported in _imports(tree) if imported in own)
    assert offenders == []


@pytest.mark.parametrize("name", ["deck", "stackone"])
def test_nothing_outside_a_platforms_own_modules_spells_its_name(name: str) -> None:
    found = platform(name)
    assert found is not None
    own = own_modules(found)
    offenders = sorted(module for module, tree in _modules().items()
                       if module not in own and name in _strings(tree))
    assert offenders == []
