"""Checks against servers that redirect rudely: relative and absolute Locations, loops, a chain
of 30, another origin (another port on 127.0.0.1), 303 after a POST, an HTML login page.

Every hop is a real request to a real server on 127.0.0.1; the servers record what they got,
so "credentials were dropped" is proven by what the other origin received.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from tests.support.cli import workbench
from tests.support.connectors import auth_connector, check, oauth_entry
from tests.support.recording_server import RecordingServer, Seen
from workbench.core.events import Event, EventLog
from workbench.core.har import to_har
from workbench.core.network_settings import TransportSettings
from workbench.core.redirects import MAX_REDIRECTS

BEARER = """
    - name: auth
      type: authentication
      auth_type: bearer
"""
API_KEY_HEADER = """
    - name: auth
      type: authentication
      auth_type: api_key
      location: header
"""
API_KEY_QUERY = """
    - name: auth
      type: authentication
      auth_type: api_key
      location: query_param
"""
BASIC = """
    - name: auth
      type: authentication
      auth_type: basic_http
"""
TOKEN = "t0ken-BEARER-5ecret"
KEY = "KEY-9f8e7d6c5b4a"
PASSWORD = "open-5esame-pw"
ACCESS = "ACCESS-from-the-token-endpoint"
CLIENT_SECRET = "CLIENT-5ECRET-xyz"


@pytest.fixture
async def other() -> AsyncIterator[RecordingServer]:
    """A second server: same host, another port, so another origin."""
    running = await RecordingServer().start()
    yield running
    await running.close()


def redirect(location: str, status: int = 302, **headers: str) -> web.Response:
    # A body on a redirect, as real servers send ("Moved. Click here.")
    return web.Response(status=status, text=f"<a href='{location}'>moved</a>",
                        content_type="text/html", headers={"Location": location, **headers})


def hops(events: list[Event], step: str = "Who am I") -> list[Event]:
    return [e for e in events if e.kind == "request" and e.step.startswith(step)]


def notes(events: list[Event]) -> list[str]:
    return [e.message for e in events if e.kind == "note"]


async def test_relative_and_absolute_locations_are_followed_hop_by_hop(
        server: RecordingServer) -> None:
    server.route("GET", "/me", lambda _s: redirect("next/one"))  # relative, no leading slash
    server.route("GET", "/next/one", lambda _s: redirect(f"{server.url}/final?page=1", 301))
    server.route("GET", "/final", lambda _s: redirect("//" + server.url.split("//")[1] + "/end",
                                                      308))  # scheme-relative
    server.json("GET", "/end", {"me": "ada"})
    log = EventLog()
    result = await check(auth_connector(BEARER), {"url": server.url, "bearer_token": TOKEN}, log)

    assert result.verdict.ok, result.verdict
    assert [s.path for s in server.seen] == ["/me", "/next/one", "/final", "/end"]
    # Same origin all along: the token goes with every hop.
    assert all(s.header("Authorization") == f"Bearer {TOKEN}" for s in server.seen)
    recorded = hops(result.events)
    assert [e.redirect for e in recorded] == [0, 1, 2, 3]
    assert [e.status for e in recorded] == [302, 301, 308, 200]
    assert recorded[1].step == "Who am I (redirect 1)"
    assert recorded[2].url == f"{server.url}/final?page=1"
    har = to_har(log, log.redactor, creator_version="test")["log"]["entries"]
    assert [entry["response"]["status"] for entry in har] == [302, 301, 308, 200]
    assert har[0]["response"]["redirectURL"] == "next/one"
    assert [entry["_workbench"]["redirect"] for entry in har] == [0, 1, 2, 3]
    assert "Redirect 3 of 'Who am I' (308 from" in har[3]["comment"]


async def test_a_redirect_loop_stops_with_its_own_verdict(server: RecordingServer) -> None:
    server.route("GET", "/me", lambda _s: redirect("/a"))
    server.route("GET", "/a", lambda _s: redirect(f"{server.url}/b", 307))
    server.route("GET", "/b", lambda _s: redirect("/a", 301))
    result = await check(auth_connector(BEARER), {"url": server.url, "bearer_token": TOKEN})

    verdict = result.verdict
    assert verdict.outcome == "network" and verdict.network == "redirect_loop", verdict
    assert "/a → /b → /a" in verdict.summary
    assert "loop" in verdict.hint.lower()
    assert [s.path for s in server.seen] == ["/me", "/a", "/b"]  # /a is not asked twice
    assert any("Stopped following redirects" in n for n in notes(result.events))


async def test_a_chain_of_30_stops_at_the_limit(server: RecordingServer) -> None:
    for number in range(30):
        server.route("GET", f"/hop/{number}",
                     lambda _s, n=number: redirect(f"/hop/{n + 1}"))  # type: ignore[misc]
    server.json("GET", "/hop/30", {"finally": True})
    result = await check(auth_connector(BEARER, steps="""\
        pre_run_configurations:
          steps:
            - name: "Who am I"
              type: rest
              endpoint: "{{%BASE_URL%}}/hop/0"
        """), {"url": server.url, "bearer_token": TOKEN})

    verdict = result.verdict
    assert verdict.outcome == "network" and verdict.network == "too_many_redirects", verdict
    assert f"more than {MAX_REDIRECTS} redirects" in verdict.summary
    assert len(server.seen) == MAX_REDIRECTS + 1
    assert len(hops(result.events)) == MAX_REDIRECTS + 1


@pytest.mark.parametrize(("auth", "values", "secret_header", "secret"), [
    (BEARER, {"bearer_token": TOKEN}, "Authorization", TOKEN),
    (BASIC, {"username": "ada", "password": PASSWORD}, "Authorization", "Basic "),
    (API_KEY_HEADER, {"key_name": "X-API-Key", "key_value": KEY}, "X-API-Key", KEY),
    (API_KEY_QUERY, {"key_name": "api_key", "key_value": KEY}, None, KEY),
], ids=["bearer", "basic", "api-key-header", "api-key-query"])
async def test_credentials_are_dropped_on_a_redirect_to_another_origin(
        server: RecordingServer, other: RecordingServer, auth: str, values: dict[str, str],
        secret_header: str | None, secret: str) -> None:
    def me(seen: Seen) -> web.Response:
        # Rude: the Location echoes the query it got (the API key with it) and sets a cookie.
        query = "&".join(f"{k}={v}" for k, v in seen.query.items())
        return redirect(f"{other.url}/landing?{query}&page=2", 302,
                        **{"Set-Cookie": "session=SESSION-c00kie-42; Path=/"})

    server.route("GET", "/me", me)
    other.json("GET", "/landing", {"welcome": True})
    log = EventLog()
    result = await check(auth_connector(auth), {"url": server.url, **values}, log)

    assert result.verdict.ok, result.verdict
    first = server.seen[0]
    if secret_header:
        assert secret in (first.header(secret_header) or "")  # it did go to its own origin
    landed = other.seen[0]
    assert landed.path == "/landing" and landed.query.get("page") == "2"
    for name in ("Authorization", "X-API-Key", "Cookie", "Proxy-Authorization"):
        assert landed.header(name) is None, name
    assert KEY not in json.dumps(landed.query) and "api_key" not in landed.query
    note = next(n for n in notes(result.events) if "another origin" in n)
    assert other.url in note
    assert (secret_header or "query parameter api_key") in note
    assert "Cookie" in note  # the cookie the first origin set stays with it


async def test_a_redirect_to_https_on_the_same_host_is_another_origin_too(
        server: RecordingServer) -> None:
    # Nothing listens for TLS there; what matters is what was (not) sent, so look at the log.
    port = int(server.url.rsplit(":", 1)[1])
    server.route("GET", "/me", lambda _s: redirect(f"https://127.0.0.1:{port}/me"))
    log = EventLog()
    await check(auth_connector(BEARER), {"url": server.url, "bearer_token": TOKEN}, log)
    second = hops(list(log))[1]
    assert second.url.startswith("https://")
    assert second.header("Authorization", response=False) is None


async def test_the_oauth2_token_is_not_carried_to_another_origin(
        server: RecordingServer, other: RecordingServer) -> None:
    server.json("POST", "/token", {"access_token": ACCESS, "token_type": "Bearer",
                                   "expires_in": 3600})
    server.route("GET", "/me", lambda _s: redirect(f"{other.url}/me", 307))
    other.json("GET", "/me", {"error": "who are you?"}, status=401)
    result = await check(auth_connector(oauth_entry("client_credentials", basic=True)),
                         {"url": server.url, "client_id": "cid",
                          "client_secret": CLIENT_SECRET})

    # OAuth2Flow renews once after the 401 and sends the request again: to the first origin,
    # which redirects again; the other origin never sees a token, either time.
    assert result.verdict.outcome == "unauthorized", result.verdict
    assert [s.header("Authorization") for s in server.requests_to("/me")] == [
        f"Bearer {ACCESS}"] * 2
    assert len(other.seen) == 2
    assert all(s.header("Authorization") is None for s in other.seen)
    assert all(ACCESS not in json.dumps(s.headers) for s in other.seen)


async def test_a_token_request_is_not_re_sent_with_its_secret_to_another_origin(
        server: RecordingServer, other: RecordingServer) -> None:
    server.route("POST", "/token", lambda _s: redirect(f"{other.url}/token", 307))
    other.json("POST", "/token", {"access_token": "stolen", "token_type": "Bearer"})
    result = await check(auth_connector(oauth_entry("client_credentials", basic=False)),
                         {"url": server.url, "client_id": "cid",
                          "client_secret": CLIENT_SECRET})

    verdict = result.verdict
    assert verdict.outcome == "network" and verdict.network == "unsafe_redirect", verdict
    assert "client_secret" in verdict.summary and CLIENT_SECRET not in verdict.summary
    assert other.seen == []


@pytest.mark.parametrize(("status", "method", "body_kept"), [
    (301, "GET", False), (302, "GET", False), (303, "GET", False),
    (307, "POST", True), (308, "POST", True),
])
async def test_the_method_after_a_redirect_of_a_post(
        server: RecordingServer, status: int, method: str, body_kept: bool) -> None:
    server.route("POST", "/search", lambda _s: redirect("/results", status))
    server.route("GET", "/results", lambda _s: web.json_response({"found": 1}))
    server.route("POST", "/results", lambda _s: web.json_response({"found": 1}))
    result = await check(auth_connector(BEARER, steps="""\
        pre_run_configurations:
          steps:
            - name: "Who am I"
              type: rest
              http_method: POST
              endpoint: "{{%BASE_URL%}}/search"
              body: {"query": "ada"}
        """), {"url": server.url, "bearer_token": TOKEN})

    assert result.verdict.ok, result.verdict
    posted, followed = server.seen
    assert json.loads(posted.body) == {"query": "ada"}
    assert followed.method == method
    if body_kept:
        assert json.loads(followed.body) == {"query": "ada"}
        assert followed.header("Content-Type") == "application/json"
    else:
        assert followed.body == b""
        assert followed.header("Content-Type") is None
        assert followed.header("Content-Length") in (None, "0")
    assert hops(result.events)[1].method == method


async def test_a_redirect_to_a_login_page_that_answers_200_warns(
        server: RecordingServer) -> None:
    server.route("GET", "/me", lambda _s: redirect("/sso/login?return=%2Fme"))
    server.route("GET", "/sso/login", lambda _s: web.Response(
        text="<html><title>Sign in</title><form>…</form></html>", content_type="text/html"))
    result = await check(auth_connector(BEARER), {"url": server.url, "bearer_token": TOKEN})

    assert result.verdict.ok
    assert any("redirected to an HTML page" in w and "/sso/login" in w
               for w in result.verdict.warnings), result.verdict.warnings


async def test_with_redirects_off_the_3xx_is_the_answer(server: RecordingServer) -> None:
    server.route("GET", "/me", lambda _s: redirect("/elsewhere"))
    result = await check(auth_connector(BEARER), {"url": server.url, "bearer_token": TOKEN},
                         settings=TransportSettings(timeout=5, follow_redirects=False))

    assert result.verdict.status == 302
    assert "/elsewhere" in result.verdict.hint and "not followed" in result.verdict.hint
    assert [s.path for s in server.seen] == ["/me"]
    assert not notes(result.events)


async def test_a_location_that_is_no_url_is_a_bad_redirect(server: RecordingServer) -> None:
    server.route("GET", "/me", lambda _s: redirect("http://[::1"))
    result = await check(auth_connector(BEARER), {"url": server.url, "bearer_token": TOKEN})
    assert result.verdict.network == "bad_redirect", result.verdict
    assert "Location" in result.verdict.hint


async def test_the_cli_follows_redirects_and_reports_one_json_object(
        server: RecordingServer, other: RecordingServer, tmp_path: Path) -> None:
    server.route("GET", "/me", lambda _s: redirect(f"{other.url}/me?api_key={KEY}"))
    other.json("GET", "/me", {"error": "no key"}, status=401)
    path = tmp_path / "key.yaml"
    path.write_text(textwrap.dedent("""\
        interface_parameters:
          section:
            source:
              - name: url
                type: string
              - name: auth
                type: authentication
                auth_type: api_key
                location: query_param
        connector:
          name: Key API
          base_url: "{url}"
        pre_run_configurations:
          steps:
            - name: whoami
              type: rest
              endpoint: "{{%BASE_URL%}}/me"
        """))
    run = await workbench("check", str(path), "--json", "--set", f"url={server.url}",
                          "--set", "key_name=api_key", "--set", f"key_value={KEY}")
    assert run.code == 1, run.stderr  # a failed check, not an internal error (3)
    data = json.loads(run.stdout)
    assert data["outcome"] == "unauthorized"
    assert [step["response"]["status"] for step in data["steps"] if step["kind"] == "request"] \
        == [302, 401]
    assert KEY not in run.stdout + run.stderr
    assert KEY not in json.dumps(other.seen[0].query)


async def test_a_token_request_redirected_as_a_get_leaves_its_basic_header_behind(
        server: RecordingServer, other: RecordingServer) -> None:
    server.route("POST", "/token", lambda _s: redirect(f"{other.url}/oauth/token", 302))
    other.json("GET", "/oauth/token", {"error": "invalid_request"}, status=400)
    result = await check(auth_connector(oauth_entry("client_credentials", basic=True)),
                         {"url": server.url, "client_id": "cid",
                          "client_secret": CLIENT_SECRET})

    assert result.verdict.outcome == "token_error", result.verdict
    (landed,) = other.seen
    assert landed.method == "GET" and landed.body == b""
    assert landed.header("Authorization") is None
    assert CLIENT_SECRET not in json.dumps(landed.headers) + landed.body.decode()
    assert any("Authorization" in n and "another origin" in n for n in notes(result.events))


async def test_coming_back_with_a_new_session_cookie_is_not_a_loop(
        server: RecordingServer) -> None:
    def me(seen: Seen) -> web.Response:
        if "session=ok" in (seen.header("Cookie") or ""):
            return web.json_response({"me": "ada"})
        return redirect("/sso/start")

    server.route("GET", "/me", me)
    server.route("GET", "/sso/start", lambda _s: redirect(
        "/me", 302, **{"Set-Cookie": "session=ok; Path=/"}))
    result = await check(auth_connector(BEARER), {"url": server.url, "bearer_token": TOKEN})
    assert result.verdict.ok, result.verdict
    assert [s.path for s in server.seen] == ["/me", "/sso/start", "/me"]
