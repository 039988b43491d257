"""The `--json` parts of `har diagnose` and `diff`, for the published JSON Schema.

Kept beside the support commands so json_report_schema only has to include them: the
commands, the outcomes they add (`findings`: a HAR shows errors; `different`: two runs differ
in something that matters) and the keys each object carries.
"""

from __future__ import annotations

from typing import Any

SUPPORT_COMMANDS = ("har", "diff")
FINDINGS, DIFFERENT = "findings", "different"
SUPPORT_OUTCOMES = (FINDINGS, DIFFERENT)


def _finding() -> dict[str, Any]:
    return {"type": "object", "required": ["code", "severity", "title", "hint", "entries"],
            "properties": {"code": {"type": "string"},
                           "severity": {"enum": ["error", "warning", "info"]},
                           "title": {"type": "string"}, "hint": {"type": "string"},
                           "entries": {"type": "array", "items": {"type": "integer"},
                                       "description": "1-based HAR entry numbers"}}}


def _row() -> dict[str, Any]:
    return {"type": "object", "required": ["step", "field", "a", "b", "same", "secret",
                                           "per_login", "matters"],
            "properties": {"step": {"type": "string"}, "field": {"type": "string"},
                           "a": {"type": "string"}, "b": {"type": "string"},
                           "same": {"type": "boolean"}, "secret": {"type": "boolean"},
                           "per_login": {"type": "boolean"}, "matters": {"type": "boolean"}}}


def support_properties() -> dict[str, Any]:
    """Keys of `har diagnose --json` (file … findings) and `diff --json` (a … rows)."""
    return {
        "file": {"type": "string"},
        "creator": {"type": "string"},
        "browser": {"type": "string"},
        "entries": {"type": "integer"},
        "flow": {"type": "array", "items": {
            "type": "object", "required": ["role", "entry", "method", "url", "status"],
            "properties": {"role": {"type": "string"}, "entry": {"type": "integer"},
                           "method": {"type": "string"}, "url": {"type": "string"},
                           "status": {"type": ["integer", "null"]}}}},
        "findings": {"type": "array", "items": _finding()},
        "a": {"type": "string"},
        "b": {"type": "string"},
        "same": {"type": "boolean"},
        "differences": {"type": "integer"},
        "rows": {"type": "array", "items": _row()},
        # check: per request, the network laid bare; --bundle: where the bundle went
        "connections": {"type": "array", "items": {
            "type": "object", "required": ["step", "host", "port", "address", "tls_version",
                                           "chain", "trusted_by", "proxy", "warnings"],
            "properties": {"step": {"type": "integer"}, "host": {"type": "string"},
                           "port": {"type": "integer"}, "address": {"type": "string"},
                           "dns": {"type": "array", "items": {"type": "string"}},
                           "tls_version": {"type": "string"}, "cipher": {"type": "string"},
                           "chain": {"type": "array", "items": {"type": "object"}},
                           "host_matches": {"type": ["boolean", "null"]},
                           "trusted_by": {"type": "string"}, "private_ca": {"type": "boolean"},
                           "proxy": {"type": "string"}, "proxy_source": {"type": "string"},
                           "no_proxy": {"type": "string"},
                           "warnings": {"type": "array", "items": {"type": "string"}}}}},
        "bundle": {"type": "string"},
        "discovery": {"type": "object", "required": ["metadata_url", "issuer", "findings"],
                      "description": "the provider's metadata against the connector, and the "
                      "run's JWTs against its keys",
                      "properties": {"metadata_url": {"type": "string"},
                                     "issuer": {"type": "string"},
                                     "filled": {"type": "object"},
                                     "findings": {"type": "array", "items": _finding()},
                                     "jwt": {"type": "array", "items": _finding()}}},
    }


def support_requirements() -> dict[str, list[str]]:
    """command → the keys its object has once it ran."""
    return {"har": ["file", "entries", "flow", "findings"],
            "diff": ["a", "b", "same", "differences", "rows"]}
