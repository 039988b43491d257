"""DPoP (RFC 9449) against the real oidc-provider, which requires its nonce: token requests
and the userinfo API each answer use_dpop_nonce first, and only a bound proof passes."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from tests.integration.test_oauth_code_flow import authorize
from tests.support.connectors import auth_connector, blueprint, check
from tests.support.oidc import Provider, login_connector, running_provider
from tests.support.recording_server import RecordingServer
from tests.support.resource_server import protect
from workbench.core.events import EventLog
from workbench.core.jwt import decode_jwt

CLIENT = {"client_id": "workbench-dpop", "client_secret": "workbench-dpop-secret"}


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    with running_provider() as running:
        yield running


@pytest.fixture
async def api(provider: Provider) -> AsyncIterator[RecordingServer]:
    running = await RecordingServer().start()
    protect(running, provider)
    yield running
    await running.close()


def client_credentials(provider: Provider, dpop: bool) -> Any:
    return auth_connector(f"""
        - name: auth
          type: authentication
          auth_type: oauth2
          oauth2_settings:
            grant_type: client_credentials
            token_url: "{provider.token_url}"
            is_basic_auth: true
            scopes: "api:read"
            dpop: {"true" if dpop else "false"}
    """)


async def test_a_token_request_meets_the_nonce_and_gets_a_bound_token(
        provider: Provider, api: RecordingServer) -> None:
    result = await check(client_credentials(provider, True), {"url": api.url, **CLIENT})
    assert result.verdict.ok, result.verdict
    tokens = [e for e in result.events if e.kind == "token"]
    assert [e.status for e in tokens] == [400, 200]
    assert json.loads(tokens[0].response_body)["error"] == "use_dpop_nonce"
    proofs = [decode_jwt(dict(e.request_headers)["DPoP"]) for e in tokens]
    assert all(p is not None and p.header["typ"] == "dpop+jwt" for p in proofs)
    first, second = (p.claims for p in proofs if p is not None)
    assert first is not None and second is not None
    assert "nonce" not in first and second["nonce"]
    assert second["htm"] == "POST" and second["htu"] == provider.token_url
    assert first["jti"] != second["jti"]
    assert result.token is not None and result.token.token_type == "DPoP"
    calls = api.requests_to("/me")
    assert len(calls) == 2, "the API's own nonce was asked for, then met"
    assert all(c.header("authorization").startswith("DPoP ") for c in calls)
    async with httpx.AsyncClient() as client:  # the provider's own view of the binding
        seen = (await client.post(f"{provider.issuer}/token/introspection",
                                  data={"token": result.token.access_token},
                                  auth=("workbench", "workbench-secret"))).json()
    assert seen["active"] and seen["cnf"]["jkt"] == result.token.dpop.thumbprint  # type: ignore[union-attr]
    notes = " ".join(e.message for e in result.events if e.kind == "note")
    assert "token endpoint asked for a DPoP nonce" in notes
    assert "API asked for a DPoP nonce" in notes


async def test_a_client_that_must_use_dpop_is_told_so(provider: Provider,
                                                      api: RecordingServer) -> None:
    verdict = (await check(client_credentials(provider, False), {"url": api.url, **CLIENT})).verdict
    assert verdict.outcome == "token_error"
    assert "dpop: true" in verdict.hint


async def test_the_api_gets_a_proof_bound_to_the_token_and_its_nonce(provider: Provider) -> None:
    code, redirect_uri, verifier = await authorize(provider, client_id="workbench-dpop")
    text = login_connector(provider.issuer, "workbench-dpop", redirect_uri,
                           extra="          dpop: true\n")
    log = EventLog()
    result = await check(blueprint(text), {"code": code, "client_secret": CLIENT["client_secret"]},
                         log, code_verifier=verifier)
    assert result.verdict.ok, result.verdict
    calls = [e for e in result.events if e.kind == "request" and e.url.endswith("/me")]
    # userinfo shares the token endpoint's origin, so the nonce learned there is already good
    assert [e.status for e in calls] == [200]
    proof = decode_jwt(dict(calls[0].request_headers)["DPoP"])
    assert proof is not None and proof.claims is not None
    assert proof.claims["ath"] and proof.claims["nonce"] and proof.claims["htm"] == "GET"
    assert dict(calls[0].request_headers)["Authorization"].startswith("DPoP ")
    rendered = str(log.rendered())
    assert result.token is not None and result.token.access_token not in rendered
    assert dict(calls[0].request_headers)["DPoP"] not in rendered
