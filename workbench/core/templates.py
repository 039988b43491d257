"""Blueprint placeholders: `{param}` in base_url, `{{%param%}}` and `{{%BASE_URL%}}` in steps."""

from __future__ import annotations

import re
from collections.abc import Mapping

from workbench.core.errors import InputError

BASE_URL = "BASE_URL"
_DOUBLE = re.compile(r"\{\{%\s*([A-Za-z_][\w.-]*)\s*%\}\}")
_SINGLE = re.compile(r"(?<!\{)\{([A-Za-z_]\w*)\}(?!\})")


def placeholders(text: str) -> set[str]:
    """Names referenced in `text`, in either syntax."""
    return set(_DOUBLE.findall(text)) | set(_SINGLE.findall(text))


def fill(text: str, values: Mapping[str, str], *, what: str = "value") -> str:
    """Substitute both syntaxes. A `{{%name%}}` with no value is an error; a `{name}` that is
    not a known value stays as written (single braces also appear in JSON bodies)."""
    missing: list[str] = []

    def double(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            missing.append(name)
            return match.group(0)
        return values[name]

    def single(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in values:
            return values[name]
        return match.group(0)

    result = _SINGLE.sub(single, _DOUBLE.sub(double, text))
    if missing:
        names = ", ".join(sorted(set(missing)))
        raise InputError(f"{what} uses {names}, which has no value")
    return result


def join_url(base_url: str, endpoint: str) -> str:
    """An endpoint as written in a step: absolute, or relative to the base URL."""
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", endpoint):
        return endpoint
    if not endpoint:
        return base_url
    return base_url.rstrip("/") + "/" + endpoint.lstrip("/")
