"""Sesam manifest.json: loaded into the Blueprint model, forms per scheme, positioned errors."""

from __future__ import annotations

import pytest

from workbench.core.config import LoadedConnector, load_connector_text
from workbench.core.errors import ConfigError
from workbench.core.formspec import form_spec
from workbench.core.sesam import received_secrets


def load(text: str) -> LoadedConnector:
    return load_connector_text(text, "acme/manifest.json")


def problems(text: str) -> list[tuple[int, int, str]]:
    with pytest.raises(ConfigError) as caught:
        load(text)
    return [(p.line, p.column, p.message) for p in caught.value.problems]


def test_each_scheme_asks_for_the_secrets_sesam_requires() -> None:
    required = {
        '"auth": "api_key"': ["key_value"],
        '"auth": "api_key", "auth_variant": "tripletex"': ["environment", "consumer_token",
                                                           "employee_token"],
        '"auth": "api_key", "auth_variant": "jwt"': ["api_key"],
        '"auth": "oauth2", "oauth2": {"login_url": "https://x/a", "token_url": "https://x/t"}':
            ["client_id", "code", "redirect_uri"],
        '"auth": "oauth2", "auth_variant": "superoffice-ticket", "oauth2": {"token_url": '
        '"https://sod.superoffice.com/login/common/oauth/tokens"}':
            ["environment", "client_id", "client_secret", "private_key"],
    }
    for auth, names in required.items():
        spec = form_spec(load("{" + auth + "}").blueprint)
        assert [f.name for f in spec.fields if f.required and f.group == "authentication"
                and f.name not in ("key_name",)] == names, auth


def test_superoffice_manifest_without_a_variant_is_recognised_by_its_token_host() -> None:
    text = ('{"auth": "oauth2", "oauth2": {"login_url": '
            '"https://sod.superoffice.com/login/common/oauth/authorize", "token_url": '
            '"https://sod.superoffice.com/login/common/oauth/tokens", "scopes": ["openid"]}}')
    assert load(text).blueprint.authentication.auth_type == "superoffice-ticket"


def test_broken_json_names_line_and_column() -> None:
    assert problems('{\n  "auth": "api_key",\n  "datatypes": {,}\n}') == [
        (3, 17, "not valid JSON: Expecting property name enclosed in double quotes")]


def test_unknown_variant_is_placed_on_its_line_and_lists_what_is_installed() -> None:
    found = problems('{\n  "auth": "api_key",\n\t"auth_variant": "service_account"\n}')
    assert len(found) == 1
    line, column, message = found[0]
    assert (line, column) == (3, 18)
    assert "auth_variant 'service_account' is not installed" in message
    assert "jwt, superoffice-ticket, tripletex" in message


def test_wrong_auth_value_and_missing_oauth2_block_are_explained() -> None:
    (line, column, message), = problems('{"datatypes": {},\n "auth": "oauth"}')
    assert (line, column) == (2, 10) and "oauth2" in message and "api_key" in message
    (_, _, message), = problems('{"auth": "oauth2"}')
    assert "oauth2 block with token_url" in message


def test_a_variant_with_the_wrong_auth_is_refused() -> None:
    (_, _, message), = problems('{"auth": "oauth2", "auth_variant": "tripletex", '
                                '"oauth2": {"token_url": "https://x/t"}}')
    assert "tripletex goes with auth api_key" in message


def test_api_key_use_and_what_the_system_receives() -> None:
    loaded = load('{"auth": "api_key", "workbench": {"base_url": "https://api.example", '
                  '"api_key": {"location": "query_param", "name": "key"}, "check": "GET /me"}}')
    blueprint = loaded.blueprint
    assert blueprint.authentication.location == "query_param"
    assert blueprint.check_steps[0].endpoint == "{{%BASE_URL%}}/me"
    given = received_secrets(blueprint, {"key_name": "key", "key_value": "s3cret"})
    assert [(s.name, s.present, s.masked) for s in given] == [
        ("api_key", True, "•••• (6 characters)")]
    empty = received_secrets(blueprint, {"key_name": "key", "key_value": ""})
    assert [(s.name, s.missing_because) for s in empty] == [("api_key", "empty in the form")]


def test_a_plain_blueprint_receives_nothing() -> None:
    text = 'connector: {name: x, base_url: "https://x"}\n'
    assert received_secrets(load_connector_text(text, "x.yaml").blueprint, {}) == []
