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
    if name in sys.modules:  # once per name: build.py imports its neighbours by these names
        return sys.modules[name]
    sys.path.insert(0, str(PACKAGING))  # the scripts import each other
    sys.path.insert(0, str(PACKAGING / "linux"))
    try:
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(PACKAGING))
        sys.path.remove(str(PACKAGING / "linux"))


bundle = load(PACKAGING / "workbench_bundle.py", "workbench_bundle")
components = load(PACKAGING / "components.py", "components")
elf_paths = load(PACKAGING / "linux/elf_paths.py", "elf_paths")
icons = load(PACKAGING / "icons.py", "icons")
linux = load(PACKAGING / "linux/build.py", "linux_build")
