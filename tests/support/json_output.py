"""Every --json answer is exactly one object that the published JSON Schema accepts."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import jsonschema

from tests.support.cli import ROOT, Run

SCHEMA_FILE = ROOT / "docs" / "json-output.schema.json"


@cache
def validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def one_object(run: Run) -> dict[str, Any]:
    """stdout holds one JSON object and nothing else, valid by the schema; its exit code is
    the process's."""
    try:
        data = json.loads(run.stdout)
    except ValueError as exc:
        raise AssertionError(f"stdout is not one JSON object ({exc}):\n{run.stdout[:2000]}\n"
                             f"stderr:\n{run.stderr[-2000:]}") from None
    assert isinstance(data, dict), run.stdout[:500]
    validate(data)
    assert data["exit_code"] == run.code, (data["exit_code"], run.code, run.stderr[-1000:])
    return data


def validate(data: dict[str, Any]) -> None:
    errors = sorted(validator().iter_errors(data), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])
