"""Renewing a token on request (the token view's Refresh): only the token endpoint is called."""

from __future__ import annotations

from tests.support.connectors import auth_connector, oauth_entry
from tests.support.recording_server import RecordingServer
from workbench.core.auth import TokenSet
from workbench.core.check import CheckOptions, renew_token
from workbench.core.events import EventLog
from workbench.core.transport import TransportSettings

SETTINGS = TransportSettings(timeout=5.0, connect_timeout=2.0)


async def test_refresh_uses_the_tokens_refresh_token(server: RecordingServer) -> None:
    server.json("POST", "/token", {"access_token": "new-at", "expires_in": 60,
                                   "refresh_token": "rt-2"})
    bp = auth_connector(oauth_entry("client_credentials", basic=False))
    old = TokenSet("old-at", refresh_token="rt-1")
    saved: list[TokenSet] = []
    result = await renew_token(bp, {"url": server.url, "client_id": "cid", "client_secret": "cs"},
                               EventLog(), CheckOptions(settings=SETTINGS, token=old,
                                                        on_token=saved.append))
    assert result.verdict.ok, result.verdict
    assert "refreshed" in result.verdict.summary
    assert result.token is not None and result.token.access_token == "new-at"
    assert [t.refresh_token for t in saved] == ["rt-2"]
    (seen,) = server.seen  # no validation step ran
    assert seen.path == "/token"
    assert seen.form["grant_type"] == "refresh_token"
    assert seen.form["refresh_token"] == "rt-1"


async def test_without_a_refresh_token_the_grant_runs_again(server: RecordingServer) -> None:
    server.json("POST", "/token", {"access_token": "cc-at", "expires_in": 60})
    bp = auth_connector(oauth_entry("client_credentials", basic=False))
    result = await renew_token(bp, {"url": server.url, "client_id": "cid", "client_secret": "cs"},
                               EventLog(), CheckOptions(settings=SETTINGS))
    assert result.verdict.ok and "obtained" in result.verdict.summary
    assert server.seen[0].form["grant_type"] == "client_credentials"


async def test_a_refused_refresh_is_a_token_error_in_plain_words(server: RecordingServer) -> None:
    server.json("POST", "/token", {"error": "invalid_grant"}, status=400)
    bp = auth_connector(oauth_entry("client_credentials", basic=False))
    result = await renew_token(bp, {"url": server.url, "client_id": "cid", "client_secret": "cs"},
                               EventLog(), CheckOptions(settings=SETTINGS,
                                                        token=TokenSet("a", refresh_token="r")))
    assert result.verdict.outcome == "token_error"
    assert result.verdict.oauth_error == "invalid_grant"
    assert result.token is None


async def test_bearer_connectors_have_nothing_to_renew(server: RecordingServer) -> None:
    bp = auth_connector("""
        - name: auth
          type: authentication
          auth_type: bearer
    """)
    result = await renew_token(bp, {"url": server.url, "bearer_token": "t"}, EventLog(),
                               CheckOptions(settings=SETTINGS))
    assert result.verdict.outcome == "config_error"
    assert not server.seen
