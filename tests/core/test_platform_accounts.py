"""Platform account files, connect-session fields and durations."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from workbench.core.connector_files import load_file
from workbench.core.errors import ConfigError
from workbench.core.library import ConnectorLibrary
from workbench.core.platforms.account import LoadedPlatform, load_platform_text
from workbench.core.platforms.deck import DeckAccount, ensure_connection_form, job_input
from workbench.core.platforms.stackone import parse_duration, session_request

ROOT = Path(__file__).resolve().parents[2] / "connectors"


def test_bundled_accounts_load_as_platforms_and_sit_in_the_library() -> None:
    deck = load_file(ROOT / "sandbox" / "sandbox_deck.yaml")
    assert isinstance(deck, LoadedPlatform) and isinstance(deck.account, DeckAccount)
    assert deck.form.names == ["environment", "base_url", "client_id", "secret", "webhook_secret"]
    assert deck.form.field("secret").secret  # type: ignore[union-attr]
    library = ConnectorLibrary()
    library.add(ROOT, "bundled")
    labels = {e.name: e.auth_label for e in library.entries() if e.platform}
    assert labels["Sandbox: StackOne link"] == "StackOne account"
    assert labels["Deck account"] == "Deck account"
    assert all(e.ok for e in library.entries())


def test_broken_account_files_name_line_and_column() -> None:
    text = textwrap.dedent("""\
        platform: deck
        name: My Deck
        enviroment: sandbox
        connection_idle_minutes: soon
        """)
    with pytest.raises(ConfigError) as raised:
        load_platform_text(text, "deck.yaml")
    problems = raised.value.problems
    assert (problems[0].line, problems[0].column) == (3, 1)
    assert "unknown key 'enviroment'; did you mean 'environment'?" in problems[0].message
    with pytest.raises(ConfigError) as wrong_value:
        load_platform_text("platform: deck\nname: x\nenvironment: prod\n", "deck.yaml")
    problem = wrong_value.value.problems[0]
    assert (problem.line, problem.column) == (3, 14)
    assert "must be one of sandbox, live" in problem.message
    with pytest.raises(ConfigError) as unknown:
        load_platform_text("platform: plaid\nname: x\n", "p.yaml")
    assert "platform must be one of deck, stackone" in unknown.value.problems[0].message
    with pytest.raises(ConfigError) as nameless:
        load_platform_text("platform: stackone\n", "p.yaml")
    assert "missing required key 'name'" in nameless.value.problems[0].message


@pytest.mark.parametrize(("text", "seconds"), [
    ("1800", 1800), ("30m", 1800), ("30 minutes", 1800), ("1 hour", 3600), ("5 days", 432000),
    ("1h 30m", 5400), ("7d", 604800), ("2 weeks", 1209600)])
def test_durations_read_the_way_people_write_them(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["soon", "5 fortnights", "", "3 days and more"])
def test_durations_that_are_not(text: str) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


def test_session_request_types_each_field() -> None:
    body = session_request({"origin_owner_id": "c-1", "origin_owner_name": "Acme",
                            "categories": "hris, ats", "expires_in": "5 days",
                            "multiple": "true", "metadata": '{"plan": "pro"}', "label": ""})
    assert body == {"origin_owner_id": "c-1", "origin_owner_name": "Acme",
                    "categories": ["hris", "ats"], "expires_in": 432000, "multiple": True,
                    "metadata": {"plan": "pro"}}
    with pytest.raises(ValueError, match="unknown categories: payroll"):
        session_request({"categories": "payroll"})
    with pytest.raises(ValueError, match="metadata must be a JSON object"):
        session_request({"metadata": "[1]"})


def test_ensure_connection_input_keeps_empty_credentials_and_drops_other_blanks() -> None:
    spec = ensure_connection_form("src-1", "http://127.0.0.1:1/deck")
    assert spec.names == ["source_guid", "username", "password", "external_id", "access_token",
                          "webhook_url", "account_id"]
    values = spec.with_defaults({"external_id": " "})
    assert job_input(values) == {"username": "", "password": "", "source_guid": "src-1",
                                 "webhook_url": "http://127.0.0.1:1/deck"}


def test_the_cli_files_values_under_the_same_id_as_the_app(tmp_path: Path) -> None:
    from workbench.core.library import connector_id_for

    library = ConnectorLibrary()
    library.add(ROOT, "bundled")
    deck = library.get(ROOT / "sandbox" / "sandbox_deck.yaml")
    assert deck is not None
    assert connector_id_for(ROOT / "sandbox" / ".." / "sandbox" / "sandbox_deck.yaml") == \
        deck.connector_id == "bundled/sandbox/sandbox_deck.yaml"
    mine = tmp_path / "deck.yaml"
    assert connector_id_for(mine) == library.add_file(mine).connector_id == str(mine)
