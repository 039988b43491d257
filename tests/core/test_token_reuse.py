"""A kept token is reused only while every input that obtained it is unchanged; the result says
whether this run fetched, refreshed or reused its token, and when it was obtained."""

from __future__ import annotations

import time

import pytest

from tests.support.connectors import auth_connector, check, oauth_entry
from tests.support.recording_server import RecordingServer
from workbench.core.auth.tokens import TokenSet
from workbench.core.check import CheckOptions
from workbench.core.config import Blueprint
from workbench.core.token_reuse import TokenKeeper, describe_source, inputs_digest
from workbench.core.transport import TransportSettings

REFRESH = """
            - name: refresh_token
              is_encrypted: true
"""
STEPS = """
    pre_run_configurations:
      steps:
        - name: "Who am I"
          type: rest
          endpoint: "{{%BASE_URL%}}/me?team={{%team%}}"
"""
TEAM = """
    - name: team
      type: string
"""
VALUES = {"url": "http://127.0.0.1:9", "team": "support", "client_id": "cid",
          "client_secret": "cs", "refresh_token": "rt-1"}


def _connector(*, scopes: str = "api:read", basic: bool = False, token_url: str = "/token",
               key_map: str = "") -> Blueprint:
    entry = oauth_entry("refresh_token", basic, REFRESH + key_map, scopes=scopes)
    entry = entry.replace('"{url}/token"', f'"{{url}}{token_url}"')
    return auth_connector(entry, steps=STEPS, params=TEAM)


def _digest(bp: Blueprint | None = None, values: dict[str, str] | None = None,
            **options: object) -> str:
    return inputs_digest(bp or _connector(), {**VALUES, **(values or {})},
                         CheckOptions(**options))  # type: ignore[arg-type]


BASE = _digest()


@pytest.mark.parametrize(("what", "changed"), [
    ("refresh token", lambda: _digest(values={"refresh_token": "rt-typed-wrong"})),
    ("client secret", lambda: _digest(values={"client_secret": "other"})),
    ("client id", lambda: _digest(values={"client_id": "other"})),
    ("base URL value", lambda: _digest(values={"url": "http://127.0.0.1:10"})),
    ("scopes", lambda: _digest(_connector(scopes="api:read api:write"))),
    ("token URL", lambda: _digest(_connector(token_url="/oauth/token"))),
    ("client auth method", lambda: _digest(_connector(basic=True))),
    ("key_map", lambda: _digest(_connector(key_map="""
            - name: access_token
              key_map: accessToken
"""))),
    ("base URL override", lambda: _digest(base_url="http://127.0.0.1:11")),
    ("token URL override", lambda: _digest(token_url="http://127.0.0.1:11/token")),
    ("proxy", lambda: _digest(settings=TransportSettings(proxy="http://127.0.0.1:3128"))),
    ("environment proxy", lambda: _digest(settings=TransportSettings(use_env_proxy=False))),
    ("CA bundle", lambda: _digest(settings=TransportSettings(ca_bundle="/tmp/ca.pem"))),
    ("client certificate", lambda: _digest(settings=TransportSettings(client_cert="/c.pem"))),
    ("TLS verification", lambda: _digest(settings=TransportSettings(verify_tls=False))),
])
def test_every_input_that_obtains_a_token_is_in_the_digest(what: str, changed) -> None:  # type: ignore[no-untyped-def]
    assert changed() != BASE, what


def test_what_only_the_steps_use_or_timeouts_do_not_disown_a_token() -> None:
    assert _digest(values={"team": "sales"}) == BASE
    assert _digest(settings=TransportSettings(timeout=99, connect_timeout=1)) == BASE


def test_a_refresh_token_the_server_rotated_counts_as_the_one_typed() -> None:
    """The app puts the rotated refresh token in the form; kept under that, the token stays
    reusable with the new value in the form, and with nothing else."""
    bp = _connector()
    token = TokenSet("at", refresh_token="rt-2")
    kept_under = inputs_digest(bp, VALUES, CheckOptions(), token)
    assert kept_under == _digest(values={"refresh_token": "rt-2"})
    assert kept_under != BASE  # the spent rt-1 in the form again: not this token's inputs
    keeper = TokenKeeper()
    keeper.keep("c", token, kept_under)
    assert keeper.reusable("c", _digest(values={"refresh_token": "rt-2"})) is token
    assert keeper.reusable("c", _digest(values={"refresh_token": "typo"})) is None


def test_forget_only_drops_the_token_it_names() -> None:
    keeper = TokenKeeper()
    first, second = TokenSet("a"), TokenSet("b")
    keeper.keep("c", second, "d")
    keeper.forget("c", first)
    assert keeper.get("c") is second
    keeper.forget("c", second)
    assert keeper.get("c") is None


async def test_the_result_says_fetched_refreshed_or_reused(server: RecordingServer) -> None:
    server.json("POST", "/token", {"access_token": "at-new", "refresh_token": "rt-2",
                                   "expires_in": 3600})
    server.json("GET", "/me", {"me": "ada"})
    bp = _connector()
    values = {**VALUES, "url": server.url}
    refreshed = await check(bp, values)
    assert refreshed.token_source == "refreshed"
    assert refreshed.token is not None and refreshed.token_obtained_at is not None

    cc = auth_connector(oauth_entry("client_credentials", basic=False))
    fetched = await check(cc, values)
    assert fetched.token_source == "fetched"

    kept = TokenSet("at-kept", expires_at=time.time() + 3600, obtained_at=time.time() - 120)
    reused = await check(cc, values, token=kept)
    assert reused.token_source == "reused"
    assert reused.token is kept and reused.token_obtained_at == kept.obtained_at
    assert len(server.requests_to("/token")) == 2  # none for the reused token
    assert "Reused the token obtained" in describe_source(reused.token_source, reused.token)
    summary = reused.token_summary()
    assert summary is not None and summary["source"] == "reused"
    assert summary["obtained_at"].endswith("Z") and "at-kept" not in str(summary)


async def test_a_reused_token_the_api_refuses_is_marked_refused(
        server: RecordingServer) -> None:
    server.json("POST", "/token", {"access_token": "at-new", "expires_in": 3600})
    server.json("GET", "/me", {"error": "invalid_token"}, status=401)
    cc = auth_connector(oauth_entry("client_credentials", basic=False))
    kept = TokenSet("at-kept", expires_at=time.time() + 3600, obtained_at=time.time() - 60)
    result = await check(cc, {**VALUES, "url": server.url}, token=kept)
    assert result.verdict.outcome == "unauthorized"
    # The flow renewed once and the API refused the new token too: that one is refused.
    assert result.token_source == "fetched" and result.token_refused
