"""Token endpoints that misbehave are explained in plain words, never a traceback."""

from __future__ import annotations

import pytest
from aiohttp import web

from tests.support.connectors import auth_connector, check, oauth_entry
from tests.support.recording_server import RecordingServer


def _connector(basic: bool = False, grant: str = "client_credentials"):  # type: ignore[no-untyped-def]
    extra = """
            - name: refresh_token
              is_encrypted: true""" if grant == "refresh_token" else ""
    return auth_connector(oauth_entry(grant, basic, extra, scopes="api:read"))


VALUES = {"client_id": "cid", "client_secret": "csecret", "refresh_token": "rt-old"}


async def _run(server: RecordingServer, basic: bool = False, grant: str = "client_credentials"):  # type: ignore[no-untyped-def]
    values = {"url": server.url, **VALUES}
    if grant != "refresh_token":
        values.pop("refresh_token")
    return (await check(_connector(basic, grant), values)).verdict


async def test_rfc6749_invalid_client_suggests_the_other_placement(server: RecordingServer) -> None:
    server.json("POST", "/token", {"error": "invalid_client",
                                   "error_description": "Client authentication failed"},
                status=401)
    verdict = await _run(server, basic=False)
    assert verdict.outcome == "token_error"
    assert verdict.oauth_error == "invalid_client"
    assert verdict.oauth_error_description == "Client authentication failed"
    assert "is_basic_auth: true" in verdict.hint
    verdict = await _run(server, basic=True)
    assert "is_basic_auth: false" in verdict.hint


async def test_invalid_grant_on_refresh_says_expired_or_revoked(server: RecordingServer) -> None:
    server.json("POST", "/token", {"error": "invalid_grant"}, status=400)
    verdict = await _run(server, grant="refresh_token")
    assert verdict.outcome == "token_error"
    assert "expired or revoked" in verdict.hint


async def test_invalid_scope_names_the_scopes(server: RecordingServer) -> None:
    server.json("POST", "/token", {"error": "invalid_scope"}, status=400)
    verdict = await _run(server)
    assert "api:read" in verdict.hint


async def test_html_500_is_called_an_html_page(server: RecordingServer) -> None:
    server.route("POST", "/token", lambda _s: web.Response(
        status=500, text="<html><head><title>Gateway Error</title></head><body>x</body></html>",
        content_type="text/html"))
    verdict = await _run(server)
    assert verdict.outcome == "token_error"
    assert verdict.status == 500
    assert "HTML page" in verdict.summary and "Gateway Error" in verdict.summary


async def test_html_200_login_page_is_not_a_token(server: RecordingServer) -> None:
    server.route("POST", "/token", lambda _s: web.Response(
        text="<!doctype html><title>Sign in</title>", content_type="text/html"))
    verdict = await _run(server)
    assert verdict.outcome == "token_error"
    assert "token_url may point at a login" in verdict.summary


async def test_garbage_body_is_quoted(server: RecordingServer) -> None:
    server.route("POST", "/token", lambda _s: web.Response(
        text="%%% not a token %%%", content_type="text/plain"))
    verdict = await _run(server)
    assert verdict.outcome == "token_error"
    assert "neither JSON nor form-encoded" in verdict.summary
    assert "not a token" in verdict.summary


async def test_missing_access_token_suggests_key_map(server: RecordingServer) -> None:
    server.json("POST", "/token", {"accessToken": "x", "expiresIn": 10})
    verdict = await _run(server)
    assert verdict.outcome == "token_error"
    assert "accessToken, expiresIn" in verdict.summary
    assert "key_map" in verdict.hint


async def test_plain_400_without_oauth_error(server: RecordingServer) -> None:
    server.route("POST", "/token", lambda _s: web.Response(status=400, text="",
                                                           content_type="text/plain"))
    verdict = await _run(server)
    assert verdict.outcome == "token_error"
    assert "empty body" in verdict.summary
    assert "grant_type and token_url" in verdict.hint


async def test_token_url_404(server: RecordingServer) -> None:
    verdict = await _run(server)  # no /token route: the server answers 404 JSON
    assert verdict.outcome == "token_error"
    assert verdict.status == 404
    assert "token_url looks wrong" in verdict.hint


@pytest.mark.parametrize("status", [200, 400])
async def test_error_in_a_200_body_is_still_an_error(server: RecordingServer, status: int) -> None:
    server.json("POST", "/token", {"error": "access_denied"}, status=status)
    verdict = await _run(server)
    assert verdict.outcome == "token_error"
    assert verdict.oauth_error == "access_denied"
