"""The connector format as a JSON Schema, derived from the model, for editors and other tools.

`connectors/connector.schema.json` is generated from here (`write_schema`); a test fails when the
committed copy is stale. Connector files point editors at it with a first line of
`# yaml-language-server: $schema=connector.schema.json`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from workbench.core.config.model import Blueprint

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_ID = "urn:connection-workbench:schema:connector"
SCHEMA_FILENAME = "connector.schema.json"
PLATFORM_SCHEMA_ID = "urn:connection-workbench:schema:platform"
PLATFORM_SCHEMA_FILENAME = "platform.schema.json"


def connector_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of a Blueprint connector file."""
    body = Blueprint.model_json_schema(mode="validation")
    body.pop("title", None)
    body.pop("description", None)
    return {
        "$schema": SCHEMA_DIALECT,
        "$id": SCHEMA_ID,
        "title": "Blueprint connector",
        "description": (
            "A Boomi Data Integration (Rivery) Blueprint connector file as Connection Workbench "
            "reads it. Keys beyond the ones described here are allowed and kept."
        ),
        **body,
    }


def platform_schema() -> dict[str, Any]:
    """JSON Schema of a platform account file: one of the installed platforms' accounts."""
    from typing import Union

    from pydantic import TypeAdapter

    from workbench.core.platforms.registry import platforms

    installed = list(platforms().values())
    one_of: Any = Union[tuple(p.account for p in installed)]  # noqa: UP007
    body = TypeAdapter(one_of).json_schema(mode="validation")
    titles = [p.title for p in installed]
    named = " or ".join(filter(None, [", ".join(titles[:-1]), *titles[-1:]]))
    article = "An" if named[:1] in "AEIOU" else "A"
    return {"$schema": SCHEMA_DIALECT, "$id": PLATFORM_SCHEMA_ID,
            "title": "Platform account",
            "description": f"{article} {named} account as Connection Workbench reads it.",
            **body}


def render_schema(schema: dict[str, Any] | None = None) -> str:
    """A schema as the committed file holds it: 2-space indent, trailing newline."""
    return json.dumps(schema or connector_schema(), indent=2, ensure_ascii=False) + "\n"


def write_schema(path: str | os.PathLike[str]) -> Path:
    """Write the schemas to `path` (a file, or a folder to hold connector.schema.json and
    platform.schema.json)."""
    target = Path(path)
    if target.is_dir():
        (target / PLATFORM_SCHEMA_FILENAME).write_text(render_schema(platform_schema()),
                                                      encoding="utf-8")
        target = target / SCHEMA_FILENAME
    target.write_text(render_schema(), encoding="utf-8")
    return target
