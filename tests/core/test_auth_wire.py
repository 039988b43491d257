"""Each auth type puts exactly the right bytes on the wire (checked by a real local server)."""

from __future__ import annotations

import base64
import time

from aiohttp import web

from tests.support.connectors import auth_connector, check, oauth_entry
from tests.support.recording_server import RecordingServer
from workbench.core.events import EventLog

ME = {"user": "ada"}


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


async def test_bearer_token_goes_in_the_authorization_header(server: RecordingServer) -> None:
    server.json("GET", "/me", ME)
    bp = auth_connector("""
        - name: auth
          type: authentication
          auth_type: bearer
          fields:
            - name: bearer_token
              is_encrypted: true
    """)
    result = await check(bp, {"url": server.url, "bearer_token": "tok-123"})
    assert result.verdict.ok, result.verdict
    assert server.seen[0].header("Authorization") == "Bearer tok-123"


async def test_basic_http_sends_base64_user_and_password(server: RecordingServer) -> None:
    server.json("GET", "/me", ME)
    bp = auth_connector("""
        - name: auth
          type: authentication
          auth_type: basic_http
          fields:
            - name: username
            - name: password
              is_encrypted: true
    """)
    result = await check(bp, {"url": server.url, "username": "ada@example.com",
                              "password": "p w:d"})
    assert result.verdict.ok
    assert server.seen[0].header("Authorization") == _basic("ada@example.com", "p w:d")


async def test_api_key_in_header_is_sent_as_given(server: RecordingServer) -> None:
    server.json("GET", "/me", ME)
    bp = auth_connector("""
        - name: auth
          type: authentication
          auth_type: api_key
          location: header
          fields:
            - name: key_name
              value: Authorization
            - name: key_value
              is_encrypted: true
    """)
    result = await check(bp, {"url": server.url, "key_value": "Bearer sk-abc"})
    assert result.verdict.ok
    seen = server.seen[0]
    assert seen.header("Authorization") == "Bearer sk-abc"
    assert seen.query == {}


async def test_api_key_in_query_param_and_not_in_headers(server: RecordingServer) -> None:
    server.json("GET", "/me", ME)
    bp = auth_connector("""
        - name: auth
          type: authentication
          auth_type: api_key
          location: query_param
          fields:
            - name: key_name
              value: appid
            - name: key_value
              is_encrypted: true
    """)
    result = await check(bp, {"url": server.url, "key_value": "k-42"})
    assert result.verdict.ok
    seen = server.seen[0]
    assert seen.query == {"appid": "k-42"}
    assert "k-42" not in str(seen.headers)


async def test_api_key_rejected_hint_names_location_and_prefix(server: RecordingServer) -> None:
    server.json("GET", "/me", {"error": "nope"}, status=401)
    bp = auth_connector("""
        - name: auth
          type: authentication
          auth_type: api_key
          location: header
          fields:
            - name: key_name
              value: Authorization
            - name: key_value
              is_encrypted: true
    """)
    result = await check(bp, {"url": server.url, "key_value": "sk-abc"})
    assert result.verdict.outcome == "unauthorized"
    # No challenge to go by: the hint says it suspects the missing scheme, and says why.
    assert "Bearer <key>" in result.verdict.hint
    assert "gave no challenge" in result.verdict.hint


def _token_then_me(server: RecordingServer, token: dict[str, object]) -> None:
    server.json("POST", "/token", token)

    def me(seen):  # type: ignore[no-untyped-def]
        if seen.header("Authorization") != f"Bearer {token.get('access_token', '')}":
            return web.json_response({"error": "bad token"}, status=401)
        return web.json_response(ME)

    server.route("GET", "/me", me)


async def test_client_credentials_in_body(server: RecordingServer) -> None:
    _token_then_me(server, {"access_token": "at-1", "token_type": "bearer", "expires_in": 3600})
    bp = auth_connector(oauth_entry("client_credentials", basic=False, scopes="read  write"))
    result = await check(bp, {"url": server.url, "client_id": "cid", "client_secret": "cs/+="})
    assert result.verdict.ok, result.verdict
    token_request = server.requests_to("/token")[0]
    assert token_request.header("Content-Type") == "application/x-www-form-urlencoded"
    assert token_request.form == {
        "grant_type": "client_credentials", "client_id": "cid", "client_secret": "cs/+=",
        "scope": "read write",
    }
    assert token_request.header("Authorization") is None
    assert result.token is not None and 3500 < (result.token.expires_in() or 0) <= 3600


async def test_client_credentials_in_basic_header(server: RecordingServer) -> None:
    _token_then_me(server, {"access_token": "at-2", "token_type": "Bearer"})
    bp = auth_connector(oauth_entry("client_credentials", basic=True))
    result = await check(bp, {"url": server.url, "client_id": "cid", "client_secret": "sec"})
    assert result.verdict.ok
    token_request = server.requests_to("/token")[0]
    assert token_request.header("Authorization") == _basic("cid", "sec")
    assert token_request.form == {"grant_type": "client_credentials"}


async def test_basic_client_auth_form_encodes_id_and_secret(server: RecordingServer) -> None:
    _token_then_me(server, {"access_token": "at-3"})
    bp = auth_connector(oauth_entry("client_credentials", basic=True))
    await check(bp, {"url": server.url, "client_id": "a b", "client_secret": "s:/"})
    assert server.requests_to("/token")[0].header("Authorization") == _basic("a%20b", "s%3A%2F")


async def test_form_encoded_token_response(server: RecordingServer) -> None:
    server.route("POST", "/token", lambda _s: web.Response(
        text="access_token=at-form&token_type=bearer&expires_in=60",
        content_type="application/x-www-form-urlencoded"))
    server.route("GET", "/me", lambda s: web.json_response(
        ME, status=200 if s.header("Authorization") == "Bearer at-form" else 401))
    bp = auth_connector(oauth_entry("client_credentials", basic=False))
    result = await check(bp, {"url": server.url, "client_id": "c", "client_secret": "s"})
    assert result.verdict.ok, result.verdict


async def test_key_map_reads_non_standard_names(server: RecordingServer) -> None:
    _token_then_me(server, {"bearerToken": "at-km", "validFor": 120})
    server.json("POST", "/token", {"bearerToken": "at-km", "validFor": 120})
    server.route("GET", "/me", lambda s: web.json_response(
        ME, status=200 if s.header("Authorization") == "Bearer at-km" else 401))
    bp = auth_connector(oauth_entry("client_credentials", basic=False, extra_fields="""
            - name: access_token
              key_map: bearerToken
            - name: expires_in
              key_map: validFor
    """))
    result = await check(bp, {"url": server.url, "client_id": "c", "client_secret": "s"})
    assert result.verdict.ok, result.verdict
    assert result.token is not None and 100 < (result.token.expires_in() or 0) <= 120


async def test_token_type_is_honoured(server: RecordingServer) -> None:
    server.json("POST", "/token", {"access_token": "at-t", "token_type": "Token"})
    server.json("GET", "/me", ME)
    bp = auth_connector(oauth_entry("client_credentials", basic=False))
    await check(bp, {"url": server.url, "client_id": "c", "client_secret": "s"})
    assert server.requests_to("/me")[0].header("Authorization") == "Token at-t"


async def test_refresh_token_grant_and_rotation(server: RecordingServer) -> None:
    _token_then_me(server, {"access_token": "at-r", "refresh_token": "rt-2", "expires_in": 3600})
    rotated = []
    bp = auth_connector(oauth_entry("refresh_token", basic=False, extra_fields="""
            - name: refresh_token
              is_encrypted: true
    """))
    result = await check(bp, {"url": server.url, "client_id": "c", "client_secret": "s",
                              "refresh_token": "rt-1"}, on_token=rotated.append)
    assert result.verdict.ok
    assert server.requests_to("/token")[0].form == {
        "grant_type": "refresh_token", "refresh_token": "rt-1", "client_id": "c",
        "client_secret": "s",
    }
    assert [t.refresh_token for t in rotated] == ["rt-2"]


async def test_authorization_code_exchange_with_pasted_code(server: RecordingServer) -> None:
    _token_then_me(server, {"access_token": "at-c", "refresh_token": "rt-c"})
    bp = auth_connector(oauth_entry("authorization_code", basic=False, extra_fields="""
            - name: code
            - name: redirect_uri
              value: "http://127.0.0.1:9/callback"
    """))
    result = await check(bp, {"url": server.url, "client_id": "c", "client_secret": "s",
                              "code": "the-code"})
    assert result.verdict.ok
    assert server.requests_to("/token")[0].form == {
        "grant_type": "authorization_code", "code": "the-code",
        "redirect_uri": "http://127.0.0.1:9/callback", "client_id": "c", "client_secret": "s",
    }


async def test_expired_token_is_renewed_before_use(server: RecordingServer) -> None:
    """A token inside the leeway is renewed before the request, not after a 401."""
    from workbench.core.auth.tokens import TokenSet

    _token_then_me(server, {"access_token": "at-new", "expires_in": 3600})
    stale = TokenSet("at-old", expires_at=time.time() + 5, obtained_at=time.time() - 3595)
    bp = auth_connector(oauth_entry("client_credentials", basic=False))
    result = await check(bp, {"url": server.url, "client_id": "c", "client_secret": "s"},
                         token=stale)
    assert result.verdict.ok
    assert len(server.requests_to("/token")) == 1
    assert [s.header("Authorization") for s in server.requests_to("/me")] == ["Bearer at-new"]


async def test_a_short_lived_token_is_not_renewed_the_moment_it_arrives(
        server: RecordingServer) -> None:
    """The 60 s leeway shrinks to half the lifetime: a 60 s token is used, not re-fetched."""
    _token_then_me(server, {"access_token": "at-short", "expires_in": 60})
    bp = auth_connector(oauth_entry("client_credentials", basic=False))
    result = await check(bp, {"url": server.url, "client_id": "c", "client_secret": "s"})
    assert result.verdict.ok
    assert len(server.requests_to("/token")) == 1
    assert [s.header("Authorization") for s in server.requests_to("/me")] == ["Bearer at-short"]


async def test_a_401_renews_the_token_once_and_retries(server: RecordingServer) -> None:
    """A server restart invalidates a token that has not expired: renew once, then retry."""
    from workbench.core.auth.tokens import TokenSet

    _token_then_me(server, {"access_token": "at-fresh", "expires_in": 3600})
    revoked = TokenSet("at-revoked", expires_at=time.time() + 3600)
    bp = auth_connector(oauth_entry("client_credentials", basic=False))
    log = EventLog()
    result = await check(bp, {"url": server.url, "client_id": "c", "client_secret": "s"}, log,
                         token=revoked)
    assert result.verdict.ok
    assert [s.header("Authorization") for s in server.requests_to("/me")] == [
        "Bearer at-revoked", "Bearer at-fresh"]
    assert [e.kind for e in result.events] == ["request", "token", "request"]
