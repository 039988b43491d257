"""The JSON Schema of `--json` output (docs/json-output.schema.json is this, generated).

The outcome and command enums are derived from the code (the verdict's Outcome, the outcome
words and commands of the installed platforms, the command line's own outcomes), so the
schema cannot drift from what is printed;
a test compares the published file with `json_output_schema()`. Objects allow keys beyond
those listed: a schema_version promises that listed keys keep their name and meaning, and new
keys may appear (consumers ignore what they do not know).
"""

from __future__ import annotations

import json
import typing
from typing import Any

from workbench.core.events import EventKind
from workbench.core.json_report import (
    CLI_OUTCOMES,
    SCHEMA_VERSION,
    commands,
    platform_outcomes,
)
from workbench.core.platforms.registry import platforms
from workbench.core.support_schema import (
    SUPPORT_OUTCOMES,
    support_properties,
    support_requirements,
)
from workbench.core.verdict import Outcome

SCHEMA_ID = "https://connection-workbench.example/json-output.schema.json"


def outcomes() -> list[str]:
    """Every outcome any command may print, in a stable order."""
    found: list[str] = []
    for name in (*typing.get_args(Outcome), *platform_outcomes(), *SUPPORT_OUTCOMES,
                 *CLI_OUTCOMES):
        if name not in found:
            found.append(name)
    return found


def _nullable(kind: str) -> dict[str, Any]:
    return {"type": [kind, "null"]}


_STRINGS = {"type": "array", "items": {"type": "string"}}
_HEADERS = {"type": "array", "items": {"type": "array", "items": {"type": "string"},
                                        "minItems": 2, "maxItems": 2}}


def _event() -> dict[str, Any]:
    return {
        "type": "object",
        "description": "One recorded exchange, webhook or note, redacted (Event.render).",
        "required": ["id", "time", "kind", "flow", "step", "method", "url", "request",
                     "response", "duration_ms", "error", "message"],
        "properties": {
            "id": {"type": "integer"},
            "time": {"type": "number", "description": "epoch seconds"},
            "kind": {"enum": list(typing.get_args(EventKind))},
            "flow": {"type": "string"},
            "step": {"type": "string"},
            "method": {"type": "string"},
            "url": {"type": "string"},
            "request": {"type": "object", "required": ["headers", "body"],
                        "properties": {"headers": _HEADERS, "body": {"type": "string"}}},
            "response": {
                "oneOf": [{"type": "null"}, {
                    "type": "object", "required": ["status", "reason", "headers", "body"],
                    "properties": {"status": {"type": "integer"}, "reason": {"type": "string"},
                                   "headers": _HEADERS, "body": {"type": "string"}}}]},
            "duration_ms": _nullable("number"),
            "error": {"type": "string"},
            "message": {"type": "string"},
        },
    }


def _token() -> dict[str, Any]:
    masked = {"const": "[redacted]"}
    return {
        "oneOf": [{"type": "null"}, {
            "type": "object",
            "description": "The token obtained or used, never its value.",
            "required": ["token_type", "access_token", "refresh_token", "id_token",
                         "expires_in", "scope"],
            "properties": {
                "token_type": {"type": "string"},
                "access_token": masked,
                "refresh_token": {"oneOf": [masked, {"type": "null"}]},
                "id_token": {"oneOf": [masked, {"type": "null"}]},
                "expires_in": _nullable("integer"),
                "scope": _nullable("string"),
                "source": {"enum": ["fetched", "refreshed", "reused"],
                           "description": "whether this run fetched, refreshed or reused it"},
                "obtained_at": {"type": ["number", "string"],
                                "description": "when the token was obtained"},
            },
        }],
    }


def _problem() -> dict[str, Any]:
    return {"type": "object", "required": ["path", "line", "column", "where", "message"],
            "properties": {"path": {"type": "string"}, "line": {"type": "integer"},
                           "column": {"type": "integer"}, "where": {"type": "string"},
                           "message": {"type": "string"}}}


def _for(command: str, required: list[str]) -> dict[str, Any]:
    """`required` once `command` ran (exit code 0 or 1), not for usage or internal errors, nor
    for the summary object of several connectors (each of its `results` has them)."""
    return {"if": {"required": ["command", "exit_code"],
                   "properties": {"command": {"const": command}, "exit_code": {"enum": [0, 1]}},
                   "not": {"required": ["results"]}},
            "then": {"required": required}}


def json_output_schema() -> dict[str, Any]:
    """The JSON Schema (2020-12) of every object `workbench … --json` prints."""
    added = [c for p in platforms().values() for c in p.commands]
    names = commands()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "Connection Workbench --json output",
        "description": f"Exactly one such object is printed on stdout by {', '.join(names[:-1])} "
                       f"and {names[-1]} with --json, whatever happens. See docs/json-output.md.",
        "type": "object",
        "required": ["schema_version", "command", "ok", "outcome", "summary", "hint",
                     "warnings", "steps", "connector", "exit_code"],
        "properties": {
            "schema_version": {"const": SCHEMA_VERSION},
            "command": {"enum": [*names, None],
                        "description": "null when the command line named none"},
            "ok": {"type": "boolean"},
            "outcome": {"enum": outcomes()},
            "summary": {"type": "string"},
            "hint": {"type": "string"},
            "warnings": _STRINGS,
            "steps": {"type": "array", "items": {"$ref": "#/$defs/event"}},
            "connector": {"oneOf": [{"type": "null"}, {
                "type": "object", "required": ["name", "path"],
                "properties": {"name": {"type": "string"}, "path": {"type": "string"}}}]},
            "exit_code": {"enum": [0, 1, 2, 3],
                          "description": "0 passed, 1 failed, 2 config or usage error, 3 bug"},
            "problems": {"type": "array", "items": {"$ref": "#/$defs/problem"}},
            # check and authorize
            "status": _nullable("integer"),
            "retry_after": _nullable("string"),
            "network": _nullable("string"),
            "oauth_error": _nullable("string"),
            "oauth_error_description": _nullable("string"),
            "token": {"$ref": "#/$defs/token"},
            "system_receives": {"type": "array", "items": {
                "type": "object", "required": ["name", "present", "length"],
                "properties": {"name": {"type": "string"}, "present": {"type": "boolean"},
                               "length": {"type": "integer"},
                               "missing_because": _nullable("string")}}},
            "negative_control": {"type": ["object", "null"],
                                 "description": "the rerun with a wrong secret, if asked"},
            "results": {"type": "array", "items": {"$ref": "#"},
                        "description": "check with several connectors: one object each"},
            # the platforms' commands (job, link)
            **{k: v for c in added for k, v in c.properties.items()},
            # token introspect|revoke
            "action": {"enum": ["introspect", "revoke"]},
            "introspection": {"type": ["object", "null"], "required": ["active"],
                              "description": "the provider's RFC 7662 answer, redacted"},
            # validate
            "files": {"type": "array", "items": {
                "type": "object", "required": ["path", "ok", "name", "problems"],
                "properties": {"path": {"type": "string"}, "ok": {"type": "boolean"},
                               "name": _nullable("string"),
                               "kind": {"enum": ["connector", "platform", None]},
                               "problems": {"type": "array",
                                            "items": {"$ref": "#/$defs/problem"}}}}},
            # har diagnose, diff
            **support_properties(),
        },
        "allOf": [
            _for("check", ["status", "oauth_error", "token"]),
            _for("authorize", ["status", "oauth_error", "token"]),
            *(_for(c.name, list(c.required)) for c in added),
            _for("validate", ["files"]),
            *(_for(command, keys) for command, keys in support_requirements().items()),
            _for("token", ["action", "introspection", "token", "oauth_error"]),
        ],
        "$defs": {"event": _event(), "token": _token(), "problem": _problem()},
    }


def schema_text() -> str:
    """The schema as published in docs/json-output.schema.json."""
    return json.dumps(json_output_schema(), indent=2) + "\n"
