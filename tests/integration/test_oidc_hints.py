"""The real oidc-provider's refusals get the hints for what they mean."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.test_oauth_code_flow import authorize
from tests.support.connectors import blueprint, check
from tests.support.oidc import CLIENT_ID, CLIENT_SECRET, Provider, login_connector, running_provider


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    with running_provider() as running:
        yield running


async def test_a_replayed_code_is_named_with_the_provider_s_own_words(
        provider: Provider) -> None:
    code, redirect_uri, verifier = await authorize(provider)
    bp = blueprint(login_connector(provider.issuer, CLIENT_ID, redirect_uri))
    values = {"client_secret": CLIENT_SECRET, "code": code}
    first = await check(bp, values, code_verifier=verifier)
    assert first.verdict.ok, first.verdict
    assert first.token_source == "fetched"
    replay = (await check(bp, values, code_verifier=verifier)).verdict
    assert replay.outcome == "token_error"
    assert replay.oauth_error_description == "grant request is invalid"
    assert "“grant request is invalid”" in replay.hint
    assert "used already or expired" in replay.hint and "Authorize again" in replay.hint


async def test_a_wrong_client_secret_at_the_real_provider(provider: Provider) -> None:
    code, redirect_uri, verifier = await authorize(provider)
    bp = blueprint(login_connector(provider.issuer, CLIENT_ID, redirect_uri))
    verdict = (await check(bp, {"client_secret": "not-the-secret", "code": code},
                           code_verifier=verifier)).verdict
    assert verdict.oauth_error == "invalid_client"
    assert "client id or secret was rejected" in verdict.hint
