"""The negative control: a check that passes with a wrong secret too proves nothing."""

from __future__ import annotations

import pytest
from aiohttp import web

from tests.support.connectors import auth_connector, blueprint, check, oauth_entry
from tests.support.recording_server import RecordingServer, Seen
from workbench.core.negative_control import wrong_like
from workbench.sandbox import credentials
from workbench.sandbox.server import start_sandbox

API_KEY = """
    - name: auth
      type: authentication
      auth_type: api_key
      location: header
"""
KEY = "k3y-0123456789abcdefABCDEF"
VALUES = {"key_name": "X-API-Key", "key_value": KEY}


def _checks_the_key(seen: Seen) -> web.Response:
    ok = seen.header("X-API-Key") == KEY
    return web.json_response({"me": "ada"} if ok else {"message": "Invalid API key"},
                             status=200 if ok else 401)


async def test_an_api_that_accepts_any_key_makes_the_pass_unproven(
        server: RecordingServer) -> None:
    server.json("GET", "/me", {"me": "anyone"})  # a mock, a cache, a public page
    result = await check(auth_connector(API_KEY), {"url": server.url, **VALUES},
                         negative_control=True)
    verdict = result.verdict
    assert verdict.outcome == "unproven" and not verdict.ok
    assert "With a wrong key_value the check passed too" in verdict.summary
    assert "does not check credentials" in verdict.summary
    assert "a pass proves nothing" in verdict.summary
    assert verdict.hint
    assert verdict.negative_control is not None
    assert verdict.negative_control.secret == "key_value"
    assert verdict.negative_control.conclusion == "unproven"
    sent = [s.header("X-API-Key") for s in server.requests_to("/me")]
    assert sent[0] == KEY and sent[1] != KEY
    assert len(sent[1] or "") == len(KEY)  # the same shape: a format check must look it up
    assert [e.step for e in result.events][-2:] == ["negative control", "Who am I"]


async def test_an_api_that_refuses_the_wrong_key_proves_the_pass(
        server: RecordingServer) -> None:
    server.route("GET", "/me", _checks_the_key)
    verdict = (await check(auth_connector(API_KEY), {"url": server.url, **VALUES},
                           negative_control=True)).verdict
    assert verdict.ok and verdict.outcome == "ok"
    assert not verdict.warnings
    assert verdict.negative_control is not None
    assert verdict.negative_control.conclusion == "proven"
    assert verdict.negative_control.status == 401
    assert "with a wrong key_value the check failed as it should" in (
        verdict.negative_control.summary)
    assert verdict.to_dict()["negative_control"]["conclusion"] == "proven"


async def test_without_the_flag_there_is_no_second_run(server: RecordingServer) -> None:
    server.json("GET", "/me", {"me": "anyone"})
    verdict = (await check(auth_connector(API_KEY), {"url": server.url, **VALUES})).verdict
    assert verdict.ok and verdict.negative_control is None
    assert len(server.requests_to("/me")) == 1


async def test_a_failing_check_runs_no_control(server: RecordingServer) -> None:
    server.json("GET", "/me", {}, status=401)
    verdict = (await check(auth_connector(API_KEY), {"url": server.url, **VALUES},
                           negative_control=True)).verdict
    assert verdict.outcome == "unauthorized" and verdict.negative_control is None
    assert len(server.requests_to("/me")) == 1


async def test_a_control_that_fails_for_another_reason_is_inconclusive(
        server: RecordingServer) -> None:
    def me(seen: Seen) -> web.Response:
        if seen.header("X-API-Key") == KEY:
            return web.json_response({"me": "ada"})
        return web.Response(status=503, text="maintenance")

    server.route("GET", "/me", me)
    verdict = (await check(auth_connector(API_KEY), {"url": server.url, **VALUES},
                           negative_control=True)).verdict
    assert verdict.ok  # the pass stands, with a warning that it was not proven
    assert verdict.negative_control is not None
    assert verdict.negative_control.conclusion == "inconclusive"
    assert any("inconclusive" in w and "server_error" in w for w in verdict.warnings)


async def test_oauth2_sends_a_wrong_access_token_and_no_token_request(
        server: RecordingServer) -> None:
    """The token endpoint is real (it checks the secret); the API takes any token."""
    def token(seen: Seen) -> web.Response:
        if seen.form.get("client_secret") != "cs":
            return web.json_response({"error": "invalid_client"}, status=401)
        return web.json_response({"access_token": "at-real-0123456789", "expires_in": 3600})

    server.route("POST", "/token", token)
    server.json("GET", "/me", {"me": "anyone"})
    bp = auth_connector(oauth_entry("client_credentials", basic=False))
    verdict = (await check(bp, {"url": server.url, "client_id": "c", "client_secret": "cs"},
                           negative_control=True)).verdict
    assert verdict.outcome == "unproven"
    assert "With a wrong access token" in verdict.summary
    assert len(server.requests_to("/token")) == 1  # the control asked for no token
    real, control = [s.header("Authorization") for s in server.requests_to("/me")]
    assert real == "Bearer at-real-0123456789"
    assert control is not None and control.startswith("Bearer ") and control != real
    assert len(control) == len(real)


async def test_the_control_never_spends_a_rotating_refresh_token() -> None:
    """Against the sandbox, which rotates refresh tokens and checks every token: the control
    proves the API checks tokens, and the refresh token rotated by the real run still works."""
    from tests.support.connectors import blueprint as load
    from workbench.core.config import bundled_connectors_dir

    path = bundled_connectors_dir() / "sandbox" / "sandbox_oauth2_refresh_token.yaml"
    bp = load(path.read_text())
    async with await start_sandbox("127.0.0.1", 0) as sandbox:
        first = await check(bp, {"sandbox_url": sandbox.url}, negative_control=True)
        assert first.verdict.ok, first.verdict
        assert first.verdict.negative_control is not None
        assert first.verdict.negative_control.conclusion == "proven"
        token_requests = [e for e in first.events if e.kind == "token"]
        assert len(token_requests) == 1
        assert first.token is not None and first.token.refresh_token
        again = await check(bp, {"sandbox_url": sandbox.url,
                                 "refresh_token": first.token.refresh_token})
        assert again.verdict.ok, again.verdict


async def test_basic_auth_gets_a_wrong_password_and_bearer_a_wrong_token(
        server: RecordingServer) -> None:
    server.json("GET", "/me", {"me": "anyone"})
    basic = auth_connector("""
        - name: auth
          type: authentication
          auth_type: basic_http
    """)
    verdict = (await check(basic, {"url": server.url, "username": "ada",
                                   "password": credentials.BASIC_PASSWORD},
                           negative_control=True)).verdict
    assert verdict.negative_control is not None and verdict.negative_control.secret == "password"
    bearer = auth_connector("""
        - name: auth
          type: authentication
          auth_type: bearer
    """)
    verdict = (await check(bearer, {"url": server.url, "bearer_token": "t0ken-abc"},
                           negative_control=True)).verdict
    assert verdict.negative_control is not None
    assert verdict.negative_control.secret == "bearer_token"


async def test_a_connector_without_credentials_says_there_is_nothing_to_get_wrong(
        server: RecordingServer) -> None:
    server.json("GET", "/", {"hello": "world"})
    bp = blueprint(f"""
        connector:
          name: Public
          base_url: "{server.url}"
    """)
    verdict = (await check(bp, {}, negative_control=True)).verdict
    assert verdict.ok
    assert verdict.negative_control is not None
    assert verdict.negative_control.conclusion == "skipped"
    assert any("sends no credentials" in w for w in verdict.warnings)


def test_a_wrong_value_keeps_the_shape_and_differs_everywhere() -> None:
    real = "eyJhbGciOi.J9-ab_CD.0123"
    wrong = wrong_like(real)
    assert len(wrong) == len(real)
    for a, b in zip(real, wrong, strict=True):
        if a.isalnum():
            assert a != b and a.isdigit() == b.isdigit() and a.isupper() == b.isupper()
        else:
            assert a == b
    assert wrong_like("--") == "wrong---"


@pytest.mark.parametrize(("folder", "secret"), [("sesam-tripletex", "consumer_token"),
                                                ("sesam-webcrm", "api_key")])
async def test_vendor_schemes_get_their_first_secret_wrong(folder: str, secret: str) -> None:
    from workbench.core.config import bundled_connectors_dir, load_connector

    bp = load_connector(bundled_connectors_dir() / "sandbox" / folder / "manifest.json").blueprint
    async with await start_sandbox("127.0.0.1", 0) as sandbox:
        verdict = (await check(bp, {"sandbox_url": sandbox.url}, negative_control=True)).verdict
    assert verdict.ok, verdict
    assert verdict.negative_control is not None
    assert verdict.negative_control.secret == secret
    assert verdict.negative_control.conclusion == "proven", verdict.negative_control


async def test_the_wrong_access_token_goes_in_the_real_token_s_scheme(
        server: RecordingServer) -> None:
    server.json("POST", "/token", {"access_token": "at-777", "token_type": "Token"})
    server.json("GET", "/me", {})
    bp = auth_connector(oauth_entry("client_credentials", basic=False))
    await check(bp, {"url": server.url, "client_id": "c", "client_secret": "s"},
                negative_control=True)
    real, control = [s.header("Authorization") for s in server.requests_to("/me")]
    assert real == "Token at-777"
    assert control is not None and control.startswith("Token ") and control != real
