"""Checks the model cannot express: misspelled keys and placeholders that name nothing.

Both work on the plain parsed data, so they still run (and report) when validation fails.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, Discriminator, Tag

from workbench.core.auth.plugins import vendor_scheme
from workbench.core.config.findings import Finding
from workbench.core.config.model import IMPLIED_AUTH_FIELDS, RESPONSE_ONLY_KEYS, Blueprint
from workbench.core.templates import BASE_URL, malformed_placeholders, placeholders

MISSPELLING_CUTOFF = 0.8
ALWAYS_DEFINED = frozenset({BASE_URL, "current_item"})


def misspelled_keys(data: Any) -> list[Finding]:
    """Unknown keys that are plainly typos of a key the format knows at that level."""
    return list(_walk(data, Blueprint, ()))


def _walk(value: Any, annotation: Any, loc: tuple[Any, ...]) -> Iterator[Finding]:
    if isinstance(value, list):
        item_type = _list_item(annotation)
        if item_type is not None:
            for index, item in enumerate(value):
                yield from _walk(item, item_type, (*loc, index))
        return
    model = _model_for(annotation, value) if isinstance(value, dict) else None
    if model is None:
        return
    kept: frozenset[str] = getattr(model, "uninterpreted_keys", frozenset())
    known = [*model.model_fields, *kept]
    for key, child in value.items():
        if key in model.model_fields:
            yield from _walk(child, model.model_fields[key].annotation, (*loc, key))
        elif isinstance(key, str) and key not in kept:
            close = difflib.get_close_matches(key, known, n=1, cutoff=MISSPELLING_CUTOFF)
            if close and close[0] not in value:
                message = f"unknown key '{key}'; did you mean '{close[0]}'?"
                yield Finding((*loc, key), message, at_key=True, suggestion=close[0])


def _list_item(annotation: Any) -> Any:
    for option in _options(annotation):
        if get_origin(option) is list:
            return get_args(option)[0]
    return None


def _options(annotation: Any) -> tuple[Any, ...]:
    """The members of `X | Y | None`, or `(annotation,)`."""
    if get_origin(annotation) in (Union, UnionType):
        return get_args(annotation)
    return (annotation,)


def _model_for(annotation: Any, value: dict[Any, Any]) -> type[BaseModel] | None:
    """The model `value` validates against under `annotation`, following tagged unions."""
    if get_origin(annotation) is Annotated:
        base, *meta = get_args(annotation)
        choose = next((m.discriminator for m in meta if isinstance(m, Discriminator)), None)
        if callable(choose):
            tag = choose(value)
            for member in get_args(base):
                if any(isinstance(m, Tag) and m.tag == tag for m in get_args(member)[1:]):
                    return _model_for(get_args(member)[0], value)
            return None
        return _model_for(base, value)
    for option in _options(annotation):
        if isinstance(option, type) and issubclass(option, BaseModel):
            return option
    return None


def unknown_placeholders(data: dict[Any, Any]) -> list[Finding]:
    """`{name}` / `{{%name%}}` in base_url, default headers and check steps naming nothing, and
    near misses (`{name,}`, `{{%BASE_URL%}`) there and in the OAuth2 URLs."""
    known = _defined_names(data)
    findings = [Finding(loc, miss.message, needle=miss.written)
                for loc, text in [*_templated_strings(data), *_oauth2_urls(data)]
                for miss in malformed_placeholders(text, known)]
    for loc, text in _templated_strings(data):
        for name in sorted(placeholders(text) - known):
            written = _as_written(text, name)
            message = f"placeholder {written} names no parameter"
            close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
            message += f"; did you mean '{close[0]}'?" if close else ""
            findings.append(Finding(loc, message, needle=written))
    return findings


def _as_written(text: str, name: str) -> str:
    """The placeholder for `name` exactly as `text` spells it (`{{% x %}}`, `{x}`)."""
    escaped = re.escape(name)
    match = re.search(rf"\{{\{{%\s*{escaped}\s*%\}}\}}|\{{{escaped}\}}", text)
    return match.group(0) if match else name


def _entries(data: dict[Any, Any]) -> list[dict[Any, Any]]:
    section = _get(_get(data, "interface_parameters"), "section")
    source = _get(section, "source")
    return [e for e in source if isinstance(e, dict)] if isinstance(source, list) else []


def _defined_names(data: dict[Any, Any]) -> set[str]:
    """Parameters, auth fields (declared or implied), and variables the steps produce."""
    names = set(ALWAYS_DEFINED)
    for entry in _entries(data):
        if entry.get("type") != "authentication":
            if isinstance(entry.get("name"), str):
                names.add(entry["name"])
        else:
            auth_type = str(entry.get("auth_type"))
            names.update(IMPLIED_AUTH_FIELDS.get(auth_type, ()))
            vendor = vendor_scheme(auth_type)
            names.update(f.name for f in (vendor.fields if vendor else ()))
            fields = entry.get("fields")
            for item in fields if isinstance(fields, list) else []:
                name = item.get("name") if isinstance(item, dict) else None
                if isinstance(name, str) and name not in RESPONSE_ONLY_KEYS:
                    names.add(name)
    metadata = _get(_get(data, "connector"), "variables_metadata")
    names.update(k for k in (metadata if isinstance(metadata, dict) else {}) if isinstance(k, str))
    names.update(_values_of(data, ("variable_name", "item_name")))
    return names


def _values_of(value: Any, keys: tuple[str, ...]) -> Iterator[str]:
    """Every string held under one of `keys`, anywhere in the document."""
    if isinstance(value, dict):
        for key, child in value.items():
            if key in keys and isinstance(child, str):
                yield child
            yield from _values_of(child, keys)
    elif isinstance(value, list):
        for child in value:
            yield from _values_of(child, keys)


def _templated_strings(data: dict[Any, Any]) -> Iterator[tuple[tuple[Any, ...], str]]:
    connector = _get(data, "connector")
    yield from _strings(connector, ("connector",), ("base_url", "default_headers"))
    steps = _get(_get(data, "pre_run_configurations"), "steps")
    for index, step in enumerate(steps if isinstance(steps, list) else []):
        loc = ("pre_run_configurations", "steps", index)
        yield from _strings(step, loc, ("endpoint", "headers", "query_params", "body"))


def _oauth2_urls(data: dict[Any, Any]) -> Iterator[tuple[tuple[Any, ...], str]]:
    where = ("interface_parameters", "section", "source")
    source = _get(_get(_get(data, where[0]), where[1]), where[2])
    for index, entry in enumerate(source if isinstance(source, list) else []):
        yield from _strings(_get(entry, "oauth2_settings"), (*where, index, "oauth2_settings"),
                            ("token_url", "authorization_url", "device_authorization_url"))


def _strings(
    block: Any, loc: tuple[Any, ...], keys: tuple[str, ...]
) -> Iterator[tuple[tuple[Any, ...], str]]:
    for key in keys:
        value = _get(block, key)
        if isinstance(value, str):
            yield (*loc, key), value
        elif isinstance(value, dict):
            for name, item in value.items():
                if isinstance(item, str):
                    yield (*loc, key, name), item


def _get(block: Any, key: str) -> Any:
    return block.get(key) if isinstance(block, dict) else None
