"""Pydantic validation errors, said in plain words about the keys a user wrote."""

from __future__ import annotations

import difflib
import re
from typing import Any, get_args

from pydantic import Tag, ValidationError
from pydantic_core import ErrorDetails

from workbench.core.config.findings import Finding
from workbench.core.config.model import SourceEntry

# What each type error expected, in words; two of them on one value are union alternatives.
_EXPECTED = {
    "string_type": "text",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "list_type": "a list ('- ' lines)",
    "dict_type": "a mapping (key: value lines)",
    "model_type": "a mapping (key: value lines)",
    "model_attributes_type": "a mapping (key: value lines)",
}


def _tags(annotation: Any) -> frozenset[str]:
    found = {a.tag for a in get_args(annotation) if isinstance(a, Tag)}
    return frozenset(found).union(*(_tags(a) for a in get_args(annotation)))


# Union members appear in `loc` under labels (`str`, `list[str]`) or tags (`parameter`); neither
# names a key of the document.
_UNION_LABEL = re.compile(
    r"^(?:str|int|float|bool|list|dict|none|nullable|function-\w+)(?:\[.*\])?$"
)
_UNION_TAGS = _tags(SourceEntry)


def _is_label(part: Any) -> bool:
    return isinstance(part, str) and (part in _UNION_TAGS or _UNION_LABEL.match(part) is not None)


def validation_findings(exc: ValidationError) -> list[Finding]:
    """Every error of `exc` as a Finding; union alternatives for one value become one finding."""
    findings: list[Finding] = []
    expected: dict[tuple[Any, ...], list[str]] = {}
    inputs: dict[tuple[Any, ...], Any] = {}
    for error in exc.errors(include_url=False):
        loc = tuple(p for p in error["loc"] if not _is_label(p))
        kind = error["type"]
        if kind == "missing":
            key = str(loc[-1])
            findings.append(Finding(loc[:-1], f"missing required key '{key}'", True, missing=key))
        elif kind in _EXPECTED:
            expected.setdefault(loc, []).append(_EXPECTED[kind])
            inputs[loc] = error["input"]
        else:
            findings.append(Finding(loc, _message(error, loc), at_key=kind == "invalid_key"))
    for loc, wanted in expected.items():
        alternatives = " or ".join(dict.fromkeys(wanted))
        findings.append(
            Finding(loc, f"{_subject(loc)} must be {alternatives}, not {_show(inputs[loc])}")
        )
    return findings


def _message(error: ErrorDetails, loc: tuple[Any, ...]) -> str:
    kind, value = error["type"], error["input"]
    ctx = error.get("ctx") or {}
    if kind == "literal_error":
        allowed = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        if len(allowed) == 1:
            return f"{_subject(loc)} must be '{allowed[0]}', not {_show(value)}"
        text = f"{_subject(loc)} must be one of {', '.join(allowed)}, not {_show(value)}"
        close = difflib.get_close_matches(str(value), allowed, n=1, cutoff=0.75)
        return f"{text}; did you mean '{close[0]}'?" if close else text
    if kind == "invalid_key":
        return f"key {_show(value)} must be text (put it in quotes)"
    if kind in ("value_error", "assertion_error") and "error" in ctx:
        return str(ctx["error"])
    return f"{_subject(loc)}: {error['msg']}"


def _subject(loc: tuple[Any, ...]) -> str:
    """The key a message is about: `grant_type`, or `source[2]` for a list entry."""
    if len(loc) >= 2 and isinstance(loc[-1], int):
        return f"{loc[-2]}[{loc[-1]}]"
    return str(loc[-1]) if loc else "the document"


def _show(value: Any) -> str:
    """A value as the user would recognise it from the file."""
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return f"'{_clip(value)}'"
    return _clip(str(value))


def _clip(text: str, limit: int = 60) -> str:
    """A value quoted in a message is cut short: it may be kilobytes long."""
    return text if len(text) <= limit else text[:limit] + "…"
