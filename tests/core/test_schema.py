"""The connector JSON Schema is derived from the model, and the committed copy is current."""

from __future__ import annotations

import json
from pathlib import Path

from workbench.core.config import bundled_connectors_dir, connector_schema, write_schema
from workbench.core.config.schema import SCHEMA_FILENAME, render_schema

COMMITTED = Path(__file__).resolve().parents[2] / "connectors" / SCHEMA_FILENAME
REGENERATE = (
    ".venv/bin/python -c 'from workbench.core.config import write_schema; "
    'write_schema("connectors")\''
)


def test_the_committed_schema_file_is_current() -> None:
    assert COMMITTED.is_file(), f"missing {COMMITTED}; regenerate with {REGENERATE}"
    assert COMMITTED.read_text(encoding="utf-8") == render_schema(), (
        f"{COMMITTED.name} is stale; regenerate with {REGENERATE}"
    )


def test_the_schema_is_draft_2020_12_and_describes_the_format() -> None:
    schema = connector_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] and schema["title"] and schema["description"]
    assert schema["required"] == ["connector"]
    assert schema["additionalProperties"] is True  # keys we do not interpret are allowed
    oauth2 = schema["$defs"]["OAuth2Settings"]
    assert oauth2["properties"]["grant_type"]["enum"] == [
        "client_credentials",
        "refresh_token",
        "authorization_code",
        "password",
        "jwt_bearer",
    ]
    assert "private_key_jwt" in oauth2["properties"]["token_endpoint_auth_method"]["anyOf"][0][
        "enum"]
    assert set(oauth2["required"]) == {"grant_type", "token_url"}
    source_items = schema["$defs"]["Section"]["properties"]["source"]["items"]
    assert {"$ref": "#/$defs/Authentication"} in source_items["oneOf"]


def test_the_file_is_stable_json_with_two_space_indent_and_a_trailing_newline() -> None:
    text = render_schema()
    assert text == render_schema()
    assert text.endswith("}\n") and not text.endswith("\n\n")
    assert text.splitlines()[1].startswith('  "$schema"')
    assert json.loads(text) == connector_schema()


def test_write_schema_accepts_a_folder_or_a_file(tmp_path: Path) -> None:
    into_folder = write_schema(tmp_path)
    assert into_folder == tmp_path / SCHEMA_FILENAME
    named = write_schema(tmp_path / "other.json")
    assert named.read_text(encoding="utf-8") == into_folder.read_text(encoding="utf-8")


def test_shipped_connectors_point_editors_at_the_schema() -> None:
    for path in sorted(bundled_connectors_dir().glob("*.yaml")):
        first_line = path.read_text(encoding="utf-8").splitlines()[0]
        assert first_line == f"# yaml-language-server: $schema={SCHEMA_FILENAME}", path.name


def test_the_committed_platform_schema_file_is_current() -> None:
    from workbench.core.config.schema import PLATFORM_SCHEMA_FILENAME, platform_schema

    committed = bundled_connectors_dir() / PLATFORM_SCHEMA_FILENAME
    assert committed.read_text(encoding="utf-8") == render_schema(platform_schema()), (
        f"{PLATFORM_SCHEMA_FILENAME} is stale; regenerate it with {REGENERATE}")
    assert {s["$ref"].rsplit("/", 1)[1] for s in platform_schema()["anyOf"]} == {
        "DeckAccount", "StackOneAccount"}
