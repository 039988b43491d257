"""The packaging scripts, loaded as modules for the tests. packaging/ is not a Python package
(it would shadow the `packaging` library), so they are loaded by path."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"


def load(path: Path, name: str) -> ModuleType:
    sys.path.insert(0, str(PACKAGING))  # the scripts import each other
    try:
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(PACKAGING))


bundle = load(PACKAGING / "workbench_bundle.py", "workbench_bundle")
icons = load(PACKAGING / "icons.py", "icons")
linux = load(PACKAGING / "linux/build.py", "linux_build")
