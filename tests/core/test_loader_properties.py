"""Property tests over the connector loaders: any text loads or is refused fast, with a position.

Inputs start from the bundled connectors, manifests and platform accounts and are mutated the
way hostile files are (control characters, deep nesting, aliases, huge numbers, surrogates,
wrong types in any place), or are random YAML/JSON documents and random text. The budget is
fixed and the runs are derandomized, so CI time stays at a few seconds and a failure repeats.
For a deeper, random search set WORKBENCH_PROPERTY_EXAMPLES (e.g. 5000).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.core.config import bundled_connectors_dir, discover_connectors, load_connector_text
from workbench.core.config.manifest import is_manifest_path
from workbench.core.connector_files import is_platform_text
from workbench.core.errors import ConfigError
from workbench.core.platforms.account import load_platform_text

TIME_BOUND_S = 2.0  # per load, on a loaded 2-core machine; typically milliseconds
EXPLORE = int(os.environ.get("WORKBENCH_PROPERTY_EXAMPLES", "0"))
FIXED = settings(derandomize=not EXPLORE, database=None, deadline=None,
                 max_examples=EXPLORE or 150,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

FILES = discover_connectors(bundled_connectors_dir())
TEXTS = {p.relative_to(bundled_connectors_dir()).as_posix(): p.read_text() for p in FILES}
BLUEPRINTS = sorted(k for k, t in TEXTS.items() if not is_manifest_path(k)
                    and not is_platform_text(t))
MANIFESTS = sorted(k for k in TEXTS if is_manifest_path(k))
PLATFORMS = sorted(k for k, t in TEXTS.items() if is_platform_text(t))


def load_any(name: str, text: str) -> object:
    if is_platform_text(text) and not is_manifest_path(name):
        return load_platform_text(text, name)
    return load_connector_text(text, name)


def loads_or_refuses(name: str, text: str) -> None:
    """The property: a result or a ConfigError whose problems all have a place and words, fast,
    and never the loader guard's 'internal error' (that is a bug the guard hid)."""
    started = time.perf_counter()
    try:
        load_any(name, text)
    except ConfigError as error:
        assert error.problems
        for problem in error.problems:
            assert problem.line >= 1 and problem.column >= 1, problem
            assert problem.message and "internal error" not in problem.message, problem
    elapsed = time.perf_counter() - started
    assert elapsed < TIME_BOUND_S, f"{name}: {elapsed:.2f} s for {len(text)} characters"


# -- mutating text -------------------------------------------------------------------------------

NASTY = st.sampled_from([
    "\x00", "\x01", "\x1b[31m", "\x7f", "\x85", "\u2028", "\ufeff", "\ufffe", "\ud800", "\t",
    "\r", "\r\n", ": ", " #", "- ", "? ", "&a ", "*a", "!!int ", "!!binary ", "!!timestamp ",
    "!!python/object ", "<<: *a\n", "---\n", "...\n", "'", '"', "{", "}", "[", "]", ",", "|",
    ">", "%YAML 1.1\n", "\\ud800", "\\x00", "{{%", "%}}", "{sandbox_url,}", "{{%BASE_URL,%}}",
])
NUMBERS = st.integers(1, 6_000).map(lambda n: "9" * n)
DEEP = st.integers(90, 3_000).map(lambda n: "[" * n + "]" * n)
DEEP_BLOCK = st.integers(90, 300).map(lambda n: "".join(f"\n{'  ' * i}k{i}:" for i in range(n)))
ALIASES = st.integers(2, 12).map(
    lambda n: "".join(f"\nz{i}: &z{i} [" + ", ".join([f"*z{i - 1}" if i else "x"] * 9) + "]"
                      for i in range(n)) + "\n")
INSERTS = st.one_of(NASTY, NUMBERS, DEEP, DEEP_BLOCK, ALIASES, st.text(max_size=20))


@st.composite
def mutated(draw: st.DrawFn, names: list[str]) -> tuple[str, str]:
    name = draw(st.sampled_from(names))
    text = TEXTS[name]
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(["insert", "key", "delete", "duplicate"]))
        if action == "insert":
            text = text[:at] + draw(INSERTS) + text[at:]
        elif action == "key":  # a new key beside an existing one, so the YAML stays valid
            text = _with_key(text, at, draw(INSERTS), json_text=is_manifest_path(name))
        else:
            end = min(len(text), at + draw(st.integers(1, 40)))
            text = text[:at] + (text[at:end] * 2 if action == "duplicate" else "") + text[end:]
    return name, text


def _with_key(text: str, at: int, value: str, *, json_text: bool) -> str:
    if json_text:
        brace = text.rfind("{", 0, at + 1)
        return text if brace < 0 else f'{text[:brace + 1]}"x": {value}, {text[brace + 1:]}'
    start = text.rfind("\n", 0, at) + 1
    line = text[start:text.find("\n", start) if "\n" in text[start:] else len(text)]
    indent = line[:len(line) - len(line.lstrip(" -"))].replace("-", " ")
    return f"{text[:start]}{indent}x: {value}\n{text[start:]}"


@FIXED
@given(mutated(BLUEPRINTS))
def test_mutated_blueprints_load_or_are_refused_with_a_position(case: tuple[str, str]) -> None:
    loads_or_refuses(*case)


@FIXED
@given(mutated(MANIFESTS))
def test_mutated_manifests_load_or_are_refused_with_a_position(case: tuple[str, str]) -> None:
    loads_or_refuses(*case)


@FIXED
@given(mutated(PLATFORMS))
def test_mutated_platform_accounts_load_or_are_refused_with_a_position(
        case: tuple[str, str]) -> None:
    loads_or_refuses(*case)


# -- wrong types anywhere ------------------------------------------------------------------------

SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6),
                    st.floats(allow_nan=True), st.text(max_size=12))
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)),
    max_leaves=12)


def _paths(data: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(data, dict):
        for key, value in data.items():
            found += _paths(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += _paths(value, (*path, index))
    return found


def _replaced(data: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    head, *rest = path
    copy = dict(data) if isinstance(data, dict) else list(data)
    copy[head] = _replaced(data[head], tuple(rest), value)
    return copy


@st.composite
def retyped(draw: st.DrawFn, names: list[str], dump: Callable[[Any], str]) -> tuple[str, str]:
    """A bundled file with one value, anywhere, replaced by a value of any other shape."""
    name = draw(st.sampled_from(names))
    data = yaml.safe_load(TEXTS[name])
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_paths(data)))
        data = _replaced(data, path, draw(VALUES))
    return name, dump(data)


def _yaml(data: Any) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def _json(data: Any) -> str:
    return json.dumps(data, indent=2)


@FIXED
@given(retyped(BLUEPRINTS, _yaml))
def test_blueprints_with_wrong_types_anywhere_are_validation_errors(case: tuple[str, str]) -> None:
    loads_or_refuses(*case)


@FIXED
@given(retyped(MANIFESTS, _json))
def test_manifests_with_wrong_types_anywhere_are_validation_errors(case: tuple[str, str]) -> None:
    loads_or_refuses(*case)


@FIXED
@given(retyped(PLATFORMS, _yaml))
def test_platform_accounts_with_wrong_types_anywhere_are_errors(case: tuple[str, str]) -> None:
    loads_or_refuses(*case)


# -- random documents and random text ------------------------------------------------------------


@FIXED
@given(VALUES.map(_yaml))
def test_random_yaml_documents_load_or_are_refused(text: str) -> None:
    loads_or_refuses("random.yaml", text)


@FIXED
@given(VALUES.map(_json))
def test_random_json_documents_load_or_are_refused(text: str) -> None:
    loads_or_refuses("random/manifest.json", text)


@FIXED
@given(st.text(max_size=300))
def test_random_text_loads_or_is_refused(text: str) -> None:
    loads_or_refuses("text.yaml", text)
    loads_or_refuses("text/manifest.json", text)
    loads_or_refuses("account.yaml", "platform: deck\n" + text)


def test_the_property_holds_for_the_unmutated_files() -> None:
    """The starting points themselves load: a mutation is what breaks them."""
    assert BLUEPRINTS and MANIFESTS and PLATFORMS
    for name, text in TEXTS.items():
        load_any(name, text)
    assert Path(bundled_connectors_dir()).is_dir()
