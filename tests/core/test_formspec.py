"""The form a connector implies: fields, secrets, required marks, defaults and help."""

from __future__ import annotations

from tests.support.connectors import auth_connector, blueprint, oauth_entry
from workbench.core.formspec import form_spec


def test_fields_an_auth_type_needs_are_implied_and_secret() -> None:
    spec = form_spec(auth_connector("""
        - name: auth
          type: authentication
          auth_type: basic_http
    """))
    assert spec.names == ["url", "username", "password"]
    assert spec.secret_names == ["password"]
    assert spec.field("username").help  # type: ignore[union-attr]


def test_well_known_secrets_stay_secret_without_is_encrypted() -> None:
    spec = form_spec(auth_connector("""
        - name: auth
          type: authentication
          auth_type: oauth2
          oauth2_settings:
            grant_type: refresh_token
            token_url: "{url}/token"
          fields:
            - name: client_id
            - name: client_secret
            - name: refresh_token
    """))
    assert spec.secret_names == ["client_secret", "refresh_token"]


def test_required_marks_follow_the_grant() -> None:
    cc = form_spec(auth_connector(oauth_entry("client_credentials", False)))
    code = form_spec(auth_connector(oauth_entry("authorization_code", False)))
    assert cc.field("client_secret").required  # type: ignore[union-attr]
    assert not code.field("client_secret").required  # type: ignore[union-attr]
    assert {"code", "redirect_uri"} <= set(code.names)
    assert code.problems({"url": "u", "client_id": "c"}) == {"code": "required",
                                                             "redirect_uri": "required"}


def test_key_map_fields_are_not_inputs() -> None:
    spec = form_spec(auth_connector(oauth_entry("client_credentials", False, """
            - name: access_token
              key_map: bearerToken
            - name: expires_in
              key_map: validFor
    """)))
    assert "access_token" not in spec.names and "expires_in" not in spec.names
    assert spec.response_key_map == {"access_token": "bearerToken", "expires_in": "validFor"}


def test_parameters_used_by_base_url_or_steps_are_required_with_defaults_and_kinds() -> None:
    spec = form_spec(blueprint("""
        interface_parameters:
          section:
            source:
              - name: domain
                type: string
              - name: sheet
                type: string
              - name: page_size
                type: integer
                value: 50
                description: Rows per page
              - name: verbose
                type: boolean
                value: "false"
                required: false
        connector:
          name: Sheets
          base_url: "https://{domain}.example.test"
        pre_run_configurations:
          steps:
            - type: rest
              endpoint: "{{%BASE_URL%}}/sheets/{{%sheet%}}"
    """))
    assert [f.required for f in spec.fields] == [True, True, False, False]
    page = spec.field("page_size")
    assert page is not None and page.kind == "integer" and page.default == "50"
    assert page.help == "Rows per page"
    values = spec.with_defaults({"domain": "acme"})
    assert spec.problems(values) == {"sheet": "required"}
    assert spec.problems({**values, "sheet": "s", "page_size": "many"}) == {
        "page_size": "must be a whole number"}


def test_token_response_names_are_not_placeholders_a_step_may_use() -> None:
    """validate must not accept what the check cannot fill at run time."""
    import pytest

    from workbench.core.errors import ConfigError

    text = """
        interface_parameters:
          section:
            source:
              - name: auth
                type: authentication
                auth_type: oauth2
                oauth2_settings: {grant_type: client_credentials, token_url: "https://t.test"}
                fields:
                  - name: access_token
                    key_map: bearerToken
        connector: {name: X, base_url: "https://x.test"}
        pre_run_configurations:
          steps:
            - type: rest
              endpoint: "{{%BASE_URL%}}/u/{{%client_id%}}?t={{%access_token%}}"
    """
    with pytest.raises(ConfigError) as caught:
        blueprint(text)
    messages = [problem.message for problem in caught.value.problems]
    assert len(messages) == 1 and "{{%access_token%}} names no parameter" in messages[0]
