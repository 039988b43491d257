"""Loading connector files: every shipped one loads, and every broken one says where and why."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from workbench.core.auth.plugins import vendor_scheme
from workbench.core.config import (
    LoadedConnector,
    bundled_connectors_dir,
    discover_connectors,
    load_connector,
    load_connector_text,
)
from workbench.core.config.manifest import is_manifest_path
from workbench.core.config.model import Authentication, Parameter
from workbench.core.connector_files import is_platform_text
from workbench.core.errors import ConfigError, ConfigProblem

BUNDLED = bundled_connectors_dir()
SEED_CONNECTORS = {
    "github.yaml": "/user",
    "jira_cloud.yaml": "/myself",
    "jenkins.yaml": "/me/api/json",
    "openai.yaml": "/models",
    "openweather.yaml": "/weather",
    "salesforce.yaml": "/limits",
    "google_sheets.yaml": "/spreadsheets/{{%spreadsheet_id%}}",
    "legacy_keymap.yaml": "/status",
    "public_api.yaml": "/status",
}


def _doc(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def _problems(text: str) -> list[ConfigProblem]:
    with pytest.raises(ConfigError) as caught:
        load_connector_text(_doc(text), "broken.yaml")
    return caught.value.problems


def _oauth(settings: str) -> str:
    """An oauth2 connector whose `oauth2_settings` body (8-space indented lines) is given."""
    return (
        "interface_parameters:\n"
        "  section:\n"
        "    source:\n"
        '      - name: "api_credentials"\n'
        '        type: "authentication"\n'
        '        auth_type: "oauth2"\n'
        "        oauth2_settings:\n"
        f"{textwrap.indent(_doc(settings), ' ' * 10)}"
        "        fields:\n"
        '          - name: "client_id"\n'
        "connector:\n"
        '  name: "Example"\n'
        '  base_url: "https://api.example.com"\n'
    )


# -- the shipped connectors ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", [p for p in discover_connectors(BUNDLED) if not is_platform_text(p.read_text())],
    ids=lambda p: p.relative_to(BUNDLED).as_posix()
)
def test_every_bundled_connector_loads(path: Path) -> None:
    loaded = load_connector(path)
    if is_manifest_path(path):  # JSON has no schema comment; a vendor scheme brings its check
        auth = loaded.blueprint.authentication
        vendor = vendor_scheme(auth.auth_type if auth else None)
        assert loaded.blueprint.check_steps or (vendor and vendor.check)
        return
    assert loaded.blueprint.check_steps, "each shipped connector carries a validation step"
    assert all("{{%BASE_URL%}}" in step.endpoint for step in loaded.blueprint.check_steps)
    assert loaded.text.startswith("# yaml-language-server: $schema=")


@pytest.mark.parametrize(("name", "endpoint"), SEED_CONNECTORS.items())
def test_the_seed_examples_are_shipped_with_a_light_check_step(name: str, endpoint: str) -> None:
    loaded = load_connector(bundled_connectors_dir() / name)
    assert loaded.blueprint.check_steps[0].endpoint == "{{%BASE_URL%}}" + endpoint


def test_shipped_connectors_keep_the_seed_settings() -> None:
    folder = bundled_connectors_dir()
    sheets = load_connector(folder / "google_sheets.yaml").blueprint
    assert sheets.check_steps[0].query_params == {"fields": "spreadsheetId"}
    assert [p.name for p in sheets.parameters] == ["spreadsheet_id"]
    auth = sheets.authentication
    assert auth is not None and auth.oauth2_settings is not None
    assert auth.oauth2_settings.grant_type == "refresh_token"
    legacy = load_connector(folder / "legacy_keymap.yaml").blueprint.authentication
    assert legacy is not None
    assert legacy.key_map() == {"access_token": "bearerToken", "expires_in": "validFor"}
    weather = load_connector(folder / "openweather.yaml").blueprint
    assert weather.check_steps[0].query_params == {"q": "London"}
    assert weather.authentication is not None and weather.authentication.location == "query_param"
    assert load_connector(folder / "public_api.yaml").blueprint.authentication is None


# -- one problem, exactly placed ----------------------------------------------------------------


def test_a_missing_required_key_points_at_its_parent() -> None:
    [problem] = _problems(_oauth('grant_type: "client_credentials"\n'))
    assert (problem.line, problem.column) == (7, 9)
    assert problem.where == "interface_parameters.section.source[0].oauth2_settings"
    assert problem.message == "missing required key 'token_url'"
    assert problem.source_line == "        oauth2_settings:"


def test_a_wrong_enum_value_lists_the_choices() -> None:
    [problem] = _problems(_oauth('grant_type: "client_credential"\ntoken_url: "https://t"\n'))
    assert (problem.line, problem.column) == (8, 23)
    assert problem.where == "interface_parameters.section.source[0].oauth2_settings.grant_type"
    assert problem.message.startswith(
        "grant_type must be one of client_credentials, refresh_token, authorization_code, "
        "password, jwt_bearer, not 'client_credential'"
    )
    assert problem.message.endswith("did you mean 'client_credentials'?")


def test_a_misspelled_key_is_named_and_its_missing_twin_not_reported_again() -> None:
    [problem] = _problems(_oauth('grant_type: "client_credentials"\ntokn_url: "https://t"\n'))
    assert (problem.line, problem.column) == (9, 11)
    assert problem.where == "interface_parameters.section.source[0].oauth2_settings.tokn_url"
    assert problem.message == "unknown key 'tokn_url'; did you mean 'token_url'?"


@pytest.mark.parametrize(
    ("text", "key", "meant"),
    [
        ("connector:\n  name: a\n  base_ur: b\n", "base_ur", "base_url"),
        (
            "interface_parameters:\n  section:\n    source:\n      - name: a\n"
            "        type: authentication\n        auth_typ: bearer\n"
            "connector:\n  name: a\n  base_url: b\n",
            "auth_typ",
            "auth_type",
        ),
        (
            "interface_parameters:\n  section:\n    source:\n      - name: a\n"
            "        type: authentication\n        auth_type: bearer\n        fields:\n"
            "          - name: bearer_token\n            is_encypted: true\n"
            "connector:\n  name: a\n  base_url: b\n",
            "is_encypted",
            "is_encrypted",
        ),
    ],
)
def test_misspellings_at_every_level(text: str, key: str, meant: str) -> None:
    messages = [p.message for p in _problems(text)]
    assert messages == [f"unknown key '{key}'; did you mean '{meant}'?"]


def test_a_duplicate_key_is_a_problem() -> None:
    [problem] = _problems(
        """
        connector:
          name: "a"
          base_url: "https://one"
          base_url: "https://two"
        """
    )
    assert (problem.line, problem.column) == (4, 3)
    assert problem.message == "duplicate key 'base_url' (already set on line 3)"


def test_an_unknown_placeholder_in_base_url_points_at_the_placeholder() -> None:
    [problem] = _problems(
        """
        interface_parameters:
          section:
            source:
              - name: "your_domain"
        connector:
          name: "Jira"
          base_url: "https://{your_domian}.atlassian.net"
        """
    )
    assert (problem.line, problem.column) == (7, 22)
    assert problem.where == "connector.base_url"
    assert problem.message == (
        "placeholder {your_domian} names no parameter; did you mean 'your_domain'?"
    )


def test_unknown_placeholders_in_a_step_are_reported() -> None:
    problems = _problems(
        """
        connector:
          name: "a"
          base_url: "https://x"
        pre_run_configurations:
          steps:
            - name: "check"
              endpoint: "{{%BASE_URL%}}/sheets/{{%sheet_id%}}"
              query_params:
                fields: "{{%fields%}}"
        """
    )
    assert [(p.line, p.column, p.where, p.message) for p in problems] == [
        (
            7,
            40,
            "pre_run_configurations.steps[0].endpoint",
            "placeholder {{%sheet_id%}} names no parameter",
        ),
        (
            9,
            18,
            "pre_run_configurations.steps[0].query_params.fields",
            "placeholder {{%fields%}} names no parameter",
        ),
    ]


def test_base_url_auth_fields_and_step_variables_are_known_placeholders() -> None:
    loaded = load_connector_text(
        _doc(
            """
            interface_parameters:
              section:
                source:
                  - name: "auth"
                    type: "authentication"
                    auth_type: "basic_http"
            connector:
              name: "a"
              base_url: "https://x"
              variables_metadata:
                account: {format: json}
            pre_run_configurations:
              steps:
                - name: "who"
                  endpoint: "{{%BASE_URL%}}/u/{{%username%}}/{{%account%}}/{{%team%}}"
                  variables_output:
                    - variable_name: "team"
                      response_location: "data"
            """
        )
    )
    assert loaded.blueprint.check_steps[0].name == "who"


# -- several problems at once -------------------------------------------------------------------


def test_every_problem_in_the_file_is_reported_at_once_in_file_order() -> None:
    with pytest.raises(ConfigError) as caught:
        load_connector_text(
            _doc(
                """
                interface_parameters:
                  section:
                    source:
                      - name: "auth"
                        type: "authentication"
                        auth_type: "oauth2"
                        oauth2_settings:
                          grant_type: "client_credential"
                          tokn_url: "https://t"
                connector:
                  name: "a"
                  base_url: "https://{tenant}.example.com"
                  base_url: "https://{tenant}.example.com"
                pre_run_configurations:
                  steps:
                    - name: "no endpoint"
                    - endpoint: "{{%BASE_URL%}}/x"
                      http_method: "FETCH"
                """
            ),
            "many.yaml",
        )
    error = caught.value
    assert [(p.line, p.column) for p in error.problems] == [
        (8, 23), (9, 11), (13, 3), (13, 22), (16, 7), (18, 20)
    ]  # fmt: skip
    assert [p.message.split(";")[0] for p in error.problems] == [
        "grant_type must be one of client_credentials, refresh_token, authorization_code, "
        "password, jwt_bearer, not 'client_credential'",
        "unknown key 'tokn_url'",
        "duplicate key 'base_url' (already set on line 12)",
        "placeholder {tenant} names no parameter",
        "a rest step needs an endpoint",
        "http_method must be one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS, not 'FETCH'",
    ]
    rendered = str(error)
    assert rendered.count("many.yaml:") == 6
    assert (
        "many.yaml:9:11: interface_parameters.section.source[0].oauth2_settings.tokn_url: "
        "unknown key 'tokn_url'; did you mean 'token_url'?\n"
        '              tokn_url: "https://t"\n'
        "              ^\n"
    ) in rendered


# -- what YAML would have got wrong, and what we keep -------------------------------------------


def test_yaml_1_1_words_and_octal_looking_numbers_stay_text() -> None:
    loaded = load_connector_text(
        _doc(
            """
            interface_parameters:
              section:
                source:
                  - name: "country"
                    value: NO
                  - name: "feature"
                    value: on
                  - name: "mode"
                    value: 0755
            connector:
              name: "a"
              base_url: "https://x"
            pre_run_configurations:
              steps:
                - endpoint: "{{%BASE_URL%}}/x"
                  query_params:
                    verbose: no
                    since: 1:20
            """
        )
    )
    values = {p.name: p.value for p in loaded.blueprint.parameters}
    assert values == {"country": "NO", "feature": "on", "mode": "0755"}
    assert loaded.blueprint.check_steps[0].query_params == {"verbose": "no", "since": "1:20"}


def test_keys_the_format_has_but_we_do_not_interpret_are_kept() -> None:
    loaded = load_connector_text(
        _doc(
            """
            connector:
              name: "a"
              base_url: "https://x"
              default_retry_strategy:
                429: {max_attempts: 5, retry_interval: 60}
              variables_metadata:
                next_page: {format: json, storage_name: results}
            steps:
              - name: "report"
                type: "rest"
                endpoint: "{{%BASE_URL%}}/data"
                pagination:
                  type: cursor
                  token_location: response
                  token_path: "$.next_cursor"
            multi-reports:
              - name: "one"
            pre_run_configurations:
              steps:
                - endpoint: "{{%BASE_URL%}}/me"
                  pagination: {type: page}
                  variables_output:
                    - variable_name: "me"
            """
        )
    )
    blueprint = loaded.blueprint
    assert blueprint.model_extra is not None
    assert blueprint.model_extra["steps"][0]["pagination"]["token_path"] == "$.next_cursor"
    assert blueprint.model_extra["multi-reports"] == [{"name": "one"}]
    connector_extra = blueprint.connector.model_extra or {}
    assert connector_extra["variables_metadata"]["next_page"]["storage_name"] == "results"
    assert connector_extra["default_retry_strategy"][429]["max_attempts"] == 5
    assert (blueprint.check_steps[0].model_extra or {})["pagination"] == {"type": "page"}


def test_unrelated_unknown_keys_are_not_called_misspellings() -> None:
    loaded = load_connector_text(
        _doc(
            """
            interface_parameters:
              section:
                source:
                  - name: "auth"
                    type: "authentication"
                    auth_type: "oauth2"
                    oauth2_settings:
                      grant_type: "authorization_code"
                      token_url: "https://t"
                      prompt: "consent"
                      access_type: "offline"
            connector:
              name: "a"
              base_url: "https://x"
            post_run_configurations:
              steps: []
            """
        )
    )
    auth = loaded.blueprint.authentication
    assert isinstance(auth, Authentication) and auth.oauth2_settings is not None
    assert auth.oauth2_settings.extra_authorization_params() == {
        "prompt": "consent",
        "access_type": "offline",
    }


def test_a_mistyped_authentication_type_still_reads_as_authentication() -> None:
    [problem] = _problems(
        """
        interface_parameters:
          section:
            source:
              - name: "auth"
                type: "authentcation"
                auth_type: "bearer"
        connector:
          name: "a"
          base_url: "https://x"
        """
    )
    assert (problem.line, problem.column) == (5, 15)
    assert problem.message == "type must be 'authentication', not 'authentcation'"


# -- files, folders and empty documents ---------------------------------------------------------


def test_a_missing_file_is_a_problem_not_a_traceback(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_connector(tmp_path / "nope.yaml")
    [problem] = caught.value.problems
    assert problem.message == "file not found"
    assert problem.path.endswith("nope.yaml")


def test_a_folder_and_non_utf8_bytes_are_problems(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="is a folder"):
        load_connector(tmp_path)
    bad = tmp_path / "latin1.yaml"
    bad.write_bytes(b'connector:\n  name: "Caf\xe9"\n')
    with pytest.raises(ConfigError) as caught:
        load_connector(bad)
    [problem] = caught.value.problems
    assert (problem.line, problem.column) == (2, 13)
    assert "not UTF-8" in problem.message


def test_a_file_without_a_connector_block_says_so() -> None:
    [problem] = _problems("steps: []\n")
    assert (problem.line, problem.column, problem.where) == (1, 1, "")
    assert problem.format() == (
        "broken.yaml:1:1: missing required key 'connector'\n    steps: []\n    ^"
    )


def test_an_empty_file_and_a_non_mapping_document_are_problems() -> None:
    [empty] = _problems("# nothing yet\n")
    assert empty.message.startswith("the file is empty")
    [listed] = _problems("- connector\n")
    assert (listed.line, listed.column) == (1, 1)
    assert listed.message == "the top level must be a mapping (key: value lines), not a list"


def test_load_connector_reads_a_file(tmp_path: Path) -> None:
    file = tmp_path / "mine.yml"
    file.write_text('\ufeffconnector:\n  name: "Mine"\n  base_url: "https://x"\n', "utf-8")
    loaded = load_connector(file)
    assert isinstance(loaded, LoadedConnector)
    assert loaded.path == file and loaded.name == "Mine"
    assert loaded.positions.locate(("connector", "base_url"))[1].value.line == 3
    assert isinstance(load_connector_text("connector: {name: a, base_url: b}"), LoadedConnector)
    assert not any(isinstance(p, Parameter) for p in loaded.blueprint.parameters)


def test_discover_connectors_finds_yaml_files_recursively_in_order(tmp_path: Path) -> None:
    for name in ("b.yaml", "a.yml", "sub/c.YAML", "notes.txt", ".hidden/d.yaml", "schema.json"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x: 1\n")
    found = [p.relative_to(tmp_path).as_posix() for p in discover_connectors(tmp_path)]
    assert found == ["a.yml", "b.yaml", "sub/c.YAML"]
    assert discover_connectors(tmp_path / "missing") == []


def test_bundled_connectors_dir_is_the_repo_folder_unless_overridden(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("WORKBENCH_CONNECTORS", raising=False)
    repo_root = Path(__file__).resolve().parents[2]
    assert bundled_connectors_dir() == repo_root / "connectors"
    monkeypatch.setenv("WORKBENCH_CONNECTORS", str(tmp_path))
    assert bundled_connectors_dir() == tmp_path
