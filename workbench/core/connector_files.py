"""Any file of the library: a Blueprint connector, or a platform account (`platform:` key)."""

from __future__ import annotations

import os
import re
from pathlib import Path

from workbench.core.config.loader import LoadedConnector, load_connector_text, read_connector
from workbench.core.platforms.account import LoadedPlatform, load_platform_text

AnyLoaded = LoadedConnector | LoadedPlatform
# A top-level `platform:` key (column 1) marks a platform account; Blueprints never have one.
_PLATFORM_KEY = re.compile(r"^platform\s*:", re.MULTILINE)


def is_platform_text(text: str) -> bool:
    return _PLATFORM_KEY.search(text) is not None


def load_file(path: str | os.PathLike[str]) -> AnyLoaded:
    """Load a connector or platform account file; any problem is a ConfigError."""
    file = Path(path)
    text = read_connector(file)
    if is_platform_text(text):
        return load_platform_text(text, file)
    return load_connector_text(text, file)
