"""Every shipped connector passes with the right credentials and fails with wrong ones.

Each runs through the real CLI against a local server that checks what the real API checks:
the auth on the wire, the default headers and the validation step's path and query.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field

import pytest
from aiohttp import web

from tests.support.cli import workbench
from tests.support.recording_server import RecordingServer, Seen


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@dataclass
class Case:
    path: str  # the validation step's path, under the server's prefix
    good: dict[str, str]
    wrong: dict[str, str]
    accepts: object  # Seen -> bool: does the API accept this request?
    prefix: str = ""  # the base URL's path, kept when the host is swapped for the local server
    token: dict[str, object] | None = None  # a token endpoint's JSON, for OAuth2 connectors
    wrong_outcome: str = "unauthorized"
    base_param: str | None = None  # a parameter that *is* the base URL (jenkins_url)
    query: dict[str, str] = field(default_factory=dict)


def _bearer(expected: str):  # type: ignore[no-untyped-def]
    return lambda seen: seen.header("Authorization") == f"Bearer {expected}"


CASES = {
    "github": Case(
        "/user", {"bearer_token": "ghp_good"}, {"bearer_token": "ghp_bad"},
        lambda s: s.header("Authorization") == "Bearer ghp_good"
        and s.header("Accept") == "application/vnd.github+json"
        and s.header("X-GitHub-Api-Version") == "2022-11-28",
    ),
    "jira_cloud": Case(
        "/myself",
        {"your_domain": "acme", "username": "ada@acme.test", "password": "jira-token"},
        {"your_domain": "acme", "username": "ada@acme.test", "password": "account-password"},
        lambda s: s.header("Authorization") == _basic("ada@acme.test", "jira-token")
        and s.header("Accept") == "application/json",
        prefix="/rest/api/3",
    ),
    "jenkins": Case(
        "/me/api/json", {"username": "ada", "password": "11aa"},
        {"username": "ada", "password": "nope"},
        lambda s: s.header("Authorization") == _basic("ada", "11aa"),
        base_param="jenkins_url", prefix="/jenkins",
    ),
    "openai": Case(
        "/models", {"key_value": "Bearer sk-good"}, {"key_value": "sk-good"},
        lambda s: s.header("Authorization") == "Bearer sk-good",
        prefix="/v1",
    ),
    "openweather": Case(
        "/weather", {"key_value": "owm-good"}, {"key_value": "owm-bad"},
        lambda s: s.query == {"q": "London", "appid": "owm-good"},
        prefix="/data/2.5",
    ),
    "salesforce": Case(
        "/limits",
        {"salesforce_domain": "acme", "client_id": "ck", "client_secret": "cs-good"},
        {"salesforce_domain": "acme", "client_id": "ck", "client_secret": "cs-bad"},
        _bearer("sf-access"), prefix="/services/data/v58.0",
        token={"access_token": "sf-access", "token_type": "Bearer",
               "instance_url": "https://acme.my.salesforce.com"},
        wrong_outcome="token_error",
    ),
    "google_sheets": Case(
        "/spreadsheets/sheet-1",
        {"spreadsheet_id": "sheet-1", "client_id": "gid", "client_secret": "gs-good",
         "refresh_token": "1//rt"},
        {"spreadsheet_id": "sheet-1", "client_id": "gid", "client_secret": "gs-bad",
         "refresh_token": "1//rt"},
        lambda s: _bearer("ya29.good")(s) and s.query == {"fields": "spreadsheetId"},
        prefix="/v4", token={"access_token": "ya29.good", "expires_in": 3599,
                             "token_type": "Bearer", "scope": "spreadsheets.readonly"},
        wrong_outcome="token_error",
    ),
    "legacy_keymap": Case(
        "/status", {"client_id": "lc", "client_secret": "ls-good"},
        {"client_id": "lc", "client_secret": "ls-bad"},
        _bearer("legacy-token"), prefix="/v1",
        token={"bearerToken": "legacy-token", "validFor": 3600},
        wrong_outcome="token_error",
    ),
    "public_api": Case("/status", {}, {}, lambda s: True, prefix="/v1",
                       wrong_outcome="server_error"),
}

GOOD_SECRETS = ("cs-good", "gs-good", "ls-good")


def _serve(server: RecordingServer, case: Case, healthy: bool) -> None:
    def api(seen: Seen) -> web.Response:
        if not healthy:
            return web.json_response({"error": "maintenance"}, status=503)
        ok = case.accepts(seen)  # type: ignore[operator]
        return web.json_response({"ok": ok}, status=200 if ok else 401)

    server.route("GET", case.prefix + case.path, api)
    if case.token is not None:
        def token(seen: Seen) -> web.Response:
            if seen.form.get("client_secret") not in GOOD_SECRETS:
                return web.json_response({"error": "invalid_client"}, status=401)
            return web.json_response(case.token)

        server.route("POST", "/token", token)


async def _check(server: RecordingServer, name: str, case: Case, values: dict[str, str]):  # type: ignore[no-untyped-def]
    args = ["check", name]
    for key, value in values.items():
        args += ["--set", f"{key}={value}"]
    if case.base_param:
        args += ["--set", f"{case.base_param}={server.url}{case.prefix}"]
    else:
        args += ["--base-url", server.url + case.prefix]
    if case.token is not None:
        args += ["--token-url", f"{server.url}/token"]
    return await workbench(*args)


@pytest.mark.parametrize("name", sorted(CASES))
async def test_shipped_connector_passes(server: RecordingServer, name: str) -> None:
    case = CASES[name]
    _serve(server, case, healthy=True)
    run = await _check(server, name, case, case.good)
    assert run.code == 0, run.stdout + run.stderr
    assert "PASS ok" in run.stdout
    assert server.requests_to(case.prefix + case.path)


@pytest.mark.parametrize("name", sorted(CASES))
async def test_shipped_connector_fails_with_the_right_outcome(
    server: RecordingServer, name: str
) -> None:
    case = CASES[name]
    _serve(server, case, healthy=name != "public_api")
    run = await _check(server, name, case, case.wrong)
    assert run.code == 1, run.stdout + run.stderr
    assert f"FAIL {case.wrong_outcome}" in run.stdout
    assert "hint:" in run.stdout


async def test_every_shipped_connector_has_a_case() -> None:
    from workbench.core.config import bundled_connectors_dir

    shipped = {p.stem for p in bundled_connectors_dir().glob("*.yaml")}
    assert shipped == set(CASES)
