"""Placeholders with stray punctuation: `validate` points at them, a check never sends them."""

from __future__ import annotations

import pytest

from tests.support.recording_server import RecordingServer
from workbench.core.check import run_check
from workbench.core.config import load_connector_text
from workbench.core.config.model import Blueprint
from workbench.core.errors import ConfigError, InputError
from workbench.core.events import EventLog
from workbench.core.templates import fill, malformed_placeholders

CONNECTOR = """\
interface_parameters:
  section:
    source:
      - name: "sandbox_url"
        type: "string"
        value: "http://127.0.0.1:9"
connector:
  name: "Stray"
  base_url: "{base}"
pre_run_configurations:
  steps:
    - name: "me"
      endpoint: "{endpoint}"
      body: '{body}'
"""


def problems(base: str = "{sandbox_url}/api", endpoint: str = "{{%BASE_URL%}}/me",
             body: str = '{"ok": true}') -> list[tuple[int, int, str]]:
    text = CONNECTOR.format(base=base, endpoint=endpoint, body=body)
    with pytest.raises(ConfigError) as caught:
        load_connector_text(text, "stray.yaml")
    return [(p.line, p.column, p.message) for p in caught.value.problems]


@pytest.mark.parametrize(("base", "column", "written", "meant"), [
    ("{sandbox_url,}/api", 14, "{sandbox_url,}", "{sandbox_url}"),
    ("{ sandbox_url }/api", 14, "{ sandbox_url }", "{sandbox_url}"),
    ("{sandbox_url;}/api", 14, "{sandbox_url;}", "{sandbox_url}"),
    ("{$sandbox_url}/api", 14, "{$sandbox_url}", "{sandbox_url}"),
    ("{{sandbox_url}}/api", 14, "{{sandbox_url}}", "{{%sandbox_url%}}"),
    ("https://x.test/{sandbox_ur,}", 29, "{sandbox_ur,}", "{sandbox_url}"),
])
def test_stray_punctuation_in_base_url_is_reported_with_a_did_you_mean(
        base: str, column: int, written: str, meant: str) -> None:
    [(line, col, message)] = problems(base=base)
    assert (line, col) == (9, column)
    assert written in message and f"did you mean {meant}?" in message


@pytest.mark.parametrize(("endpoint", "written", "meant"), [
    ("{{%BASE_URL,%}}/me", "{{%BASE_URL,%}}", "{{%BASE_URL%}}"),
    ("{{% BASE_URL. %}}/me", "{{% BASE_URL. %}}", "{{%BASE_URL%}}"),
    ("{{%BASE_URL%}/me", "{{%BASE_URL%}", "{{%BASE_URL%}}"),
    ("{%BASE_URL%}}/me", "{%BASE_URL%}}", "{{%BASE_URL%}}"),
    ("{{BASE_URL}}/me", "{{BASE_URL}}", "{{%BASE_URL%}}"),
    ("{{%BASE_URL/me", "{{%BASE_URL", "{{%BASE_URL%}}"),
])
def test_stray_punctuation_in_a_step_is_reported_at_its_column(
        endpoint: str, written: str, meant: str) -> None:
    [(line, col, message)] = problems(endpoint=endpoint)
    assert (line, col) == (13, 18)
    assert written in message and f"did you mean {meant}?" in message


@pytest.mark.parametrize(("base", "column", "words"), [
    ("{sandbox_url/api", 14, "never closed"),
    ("http://{sandbox_url", 21, "never closed"),
    ("sandbox_url}/api", 14, "no '{'"),
    ("http://x.test/sandbox_url%}}", 28, "no '{'"),
])
def test_unbalanced_braces_are_reported(base: str, column: int, words: str) -> None:
    [(line, col, message)] = problems(base=base)
    assert (line, col) == (9, column)
    assert words in message and "did you mean {" in message


def test_braces_of_json_in_a_body_are_not_placeholders() -> None:
    body = '{"filter": {"ids": [1, 2]}, "name": "{sandbox_url}", "a": {"b": "c"}}'
    text = CONNECTOR.format(base="{sandbox_url}/api", endpoint="{{%BASE_URL%}}/me", body=body)
    loaded = load_connector_text(text, "json-body.yaml")
    assert loaded.blueprint.check_steps[0].body == body


def test_a_malformed_placeholder_in_a_body_is_reported() -> None:
    [(line, _col, message)] = problems(body='{"url": "{{%BASE_URL,%}}"}')
    assert line == 14 and "did you mean {{%BASE_URL%}}?" in message


def test_fill_refuses_what_it_cannot_substitute_instead_of_passing_it_on() -> None:
    values = {"sandbox_url": "http://127.0.0.1:9", "BASE_URL": "http://127.0.0.1:9"}
    for template in ("{sandbox_url,}/api", "{{%BASE_URL,%}}/me", "{sandbox_url/api",
                     "{{BASE_URL}}/me"):
        with pytest.raises(InputError) as caught:
            fill(template, values, what="base_url")
        assert "base_url" in str(caught.value) and "did you mean" in str(caught.value)
    assert fill("{sandbox_url}/api", values) == "http://127.0.0.1:9/api"
    assert fill('{"a": {"b": 1}}', values) == '{"a": {"b": 1}}'
    assert fill("/{unknown}", values) == "/{unknown}"  # single braces of other text stay
    braces_in_a_value = {"password": "p{a}ss}{password}", "a": "no"}
    assert fill("{{%password%}}", braces_in_a_value) == "p{a}ss}{password}"  # never rescanned


def test_malformed_placeholders_are_found_with_offsets() -> None:
    found = malformed_placeholders("https://{host,}.test/{{%BASE_URL,%}}", {"host"})
    assert [(m.offset, m.written, m.meant) for m in found] == [
        (8, "{host,}", "{host}"), (21, "{{%BASE_URL,%}}", "{{%BASE_URL%}}")]


async def test_a_check_never_sends_a_placeholder_it_could_not_fill() -> None:
    """A Blueprint that bypassed `validate` (built in code, or an --endpoint option) still
    never puts `{sandbox_url,}` into a URL: the check stops with a config error."""
    server = await RecordingServer().start()
    try:
        server.json("GET", "/api/me", {"ok": True})
        for base, endpoint in (("{sandbox_url,}/api", "{{%BASE_URL%}}/me"),
                               ("{sandbox_url}/api", "{{%BASE_URL,%}}/me"),
                               ("{sandbox_url}/api", "{{%BASE_URL%}/me")):
            blueprint = Blueprint.model_validate({
                "interface_parameters": {"section": {"source": [
                    {"name": "sandbox_url", "type": "string", "value": server.url}]}},
                "connector": {"name": "Stray", "base_url": base},
                "pre_run_configurations": {"steps": [{"name": "me", "endpoint": endpoint}]},
            })
            result = await run_check(blueprint, {}, EventLog())
            assert result.verdict.outcome == "config_error", (base, endpoint)
            assert "did you mean" in result.verdict.summary
        assert server.seen == []
        good = blueprint.model_copy(update={"pre_run_configurations": None})
        assert (await run_check(good, {}, EventLog())).verdict.outcome != "config_error"
    finally:
        await server.close()
