"""Blueprint placeholders: `{param}` in base_url, `{{%param%}}` and `{{%BASE_URL%}}` in steps.

A placeholder mistyped with stray punctuation (`{sandbox_url,}`, `{{%BASE_URL,%}}`) or an
unbalanced brace matches neither syntax, so it would be sent as written. `malformed_placeholders`
finds such near misses (for `validate`, with what was meant), and `fill` refuses to return text
that still holds one. Braces that are not an attempt at a placeholder (JSON in a body) are left
alone: a near miss is braces around one name and punctuation, nothing else.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from workbench.core.errors import InputError

BASE_URL = "BASE_URL"
_NAME = r"[A-Za-z_](?:[\w.-]*\w)?"
_DOUBLE = re.compile(r"\{\{%\s*(" + _NAME + r")\s*%\}\}")
_SINGLE = re.compile(r"(?<!\{)\{([A-Za-z_]\w*)\}(?!\})")
_EITHER = re.compile(f"{_DOUBLE.pattern}|{_SINGLE.pattern}")
_BRACES = re.compile(r"\{+|\}+")
_STRAY = r"[\s%$#@&*,;:.!?+=|~^-]*"
_NEAR_MISS = re.compile(_STRAY + "(" + _NAME + ")" + _STRAY)
_UNCLOSED = re.compile(r"[\s%$]*(" + _NAME + ")")
_UNOPENED = re.compile("(" + _NAME + r")[\s%]*\Z")
_LOOK_BACK = 100  # characters searched for the name before an unopened '}'


def placeholders(text: str) -> set[str]:
    """Names referenced in `text`, in either syntax."""
    return set(_DOUBLE.findall(text)) | set(_SINGLE.findall(text))


@dataclass(frozen=True)
class Malformed:
    """A near miss at a placeholder: where it starts, as written, and what it likely means."""

    offset: int
    written: str
    meant: str
    fault: str  # "is malformed", "is never closed", …

    @property
    def message(self) -> str:
        return f"placeholder {self.written} {self.fault}; did you mean {self.meant}?"


def malformed_placeholders(text: str, known: Iterable[str] = ()) -> list[Malformed]:
    """Every near miss in `text`, in order; `known` names help guess what a typo meant."""
    if "{" not in text and "}" not in text:
        return []
    names = sorted(set(known))
    runs = list(_BRACES.finditer(text))
    found: list[Malformed] = []
    for index, run in enumerate(runs):
        after = runs[index + 1] if index + 1 < len(runs) else None
        before = runs[index - 1] if index else None
        if run.group()[0] == "{" and after is not None and after.group()[0] == "}":
            miss = _closed(text, run, after, names)
        elif run.group()[0] == "{":
            miss = _unclosed(text, run, after.start() if after else len(text), names)
        elif before is None or before.group()[0] == "}":
            miss = _unopened(text, run, before.end() if before else 0, names)
        else:
            continue  # the close of a group handled with its opening
        if miss is not None:
            found.append(miss)
    return found


def _closed(text: str, opening: re.Match[str], closing: re.Match[str],
            names: list[str]) -> Malformed | None:
    written = text[opening.start():closing.end()]
    if _DOUBLE.fullmatch(written) or _SINGLE.fullmatch(written):
        return None
    near = _NEAR_MISS.fullmatch(text, opening.end(), closing.start())
    if near is None:
        return None
    double = "%" in written or len(opening.group()) > 1
    return Malformed(opening.start(), written, _meant(near.group(1), double, names),
                     "is malformed")


def _unclosed(text: str, opening: re.Match[str], end: int, names: list[str]) -> Malformed | None:
    near = _UNCLOSED.match(text, opening.end(), end)
    if near is None:
        return None
    written = text[opening.start():near.end()]
    double = "%" in written or len(opening.group()) > 1
    return Malformed(opening.start(), written, _meant(near.group(1), double, names),
                     "is never closed")


def _unopened(text: str, closing: re.Match[str], start: int,
              names: list[str]) -> Malformed | None:
    near = _UNOPENED.search(text, max(start, closing.start() - _LOOK_BACK), closing.start())
    if near is None:
        return None
    written = text[near.start():closing.end()]
    double = "%" in written or len(closing.group()) > 1
    return Malformed(near.start(), written, _meant(near.group(1), double, names),
                     "closes with '}' but has no '{'")


def _meant(name: str, double: bool, names: list[str]) -> str:
    if names and name not in names:
        close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
        name = close[0] if close else name
    return f"{{{{%{name}%}}}}" if double else f"{{{name}}}"


def fill(text: str, values: Mapping[str, str], *, what: str = "value") -> str:
    """Substitute both syntaxes. A `{{%name%}}` with no value is an error; a `{name}` that is
    not a known value stays as written (single braces also appear in JSON bodies). A near miss
    at a placeholder is an error: it must not be sent as if it were text."""
    malformed = malformed_placeholders(text, values)
    if malformed:
        first = malformed[0]
        raise InputError(f"{what} has a malformed placeholder {first.written}; did you mean "
                         f"{first.meant}?")
    missing: list[str] = []

    def substitute(match: re.Match[str]) -> str:
        double, single = match.groups()
        name = double or single
        if name in values:
            return values[name]
        if double:
            missing.append(name)
        return match.group(0)

    result = _EITHER.sub(substitute, text)  # one pass: a value is never scanned for more
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
