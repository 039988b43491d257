"""The authorization code flow against a real OpenID Provider: PKCE S256, state, loopback."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.support.oidc import (
    CLIENT_ID,
    CLIENT_SECRET,
    PUBLIC_CLIENT_ID,
    SCOPE,
    Provider,
    log_in_and_consent,
    running_provider,
)
from workbench.core.auth import OAuth2Flow
from workbench.core.auth.authorization import (
    AuthorizationError,
    UnrelatedRedirect,
    authorization_request,
    read_redirect,
)
from workbench.core.auth.oauth2 import OAuth2Grant
from workbench.core.auth.token_endpoint import ClientCredentials
from workbench.core.errors import TokenEndpointError
from workbench.core.events import EventLog
from workbench.core.loopback import LoopbackRedirect
from workbench.core.transport import TransportSettings, create_client


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    with running_provider() as running:
        yield running


def exchange_grant(provider: Provider, code: str, redirect_uri: str, verifier: str,
                   client_id: str = CLIENT_ID, secret: str = CLIENT_SECRET) -> OAuth2Grant:
    return OAuth2Grant("authorization_code", provider.token_url,
                       ClientCredentials(client_id, secret, in_basic_header=bool(secret)),
                       code=code, redirect_uri=redirect_uri, code_verifier=verifier)


async def authorize(provider: Provider, client_id: str = CLIENT_ID) -> tuple[str, str, str]:
    """Run the browser part through a real loopback listener: (code, redirect_uri, verifier)."""
    async with await LoopbackRedirect().start() as loopback:
        request = authorization_request(provider.authorization_url, client_id,
                                        loopback.redirect_uri, SCOPE, {"prompt": "consent"})
        landing = await asyncio.to_thread(log_in_and_consent, request.url)
        async with httpx.AsyncClient() as browser:  # the browser follows the last redirect
            page = await browser.get(landing)
        assert page.status_code == 200 and "close this tab" in page.text
        redirect = await loopback.wait(5)
        return read_redirect(redirect, request), request.redirect_uri, request.code_verifier


async def test_code_with_pkce_through_the_loopback_gives_tokens(provider: Provider) -> None:
    code, redirect_uri, verifier = await authorize(provider)
    log = EventLog()
    flow = OAuth2Flow(exchange_grant(provider, code, redirect_uri, verifier),
                      redactor=log.redactor)
    async with create_client(log, TransportSettings(timeout=10)) as client:
        token = await flow.fetch_token(client)
        assert token.access_token and token.refresh_token
        refreshed = await flow.fetch_token(client)  # a refresh, with the refresh token
    assert refreshed.access_token != token.access_token
    rendered = str(log.rendered())
    assert code not in rendered and verifier not in rendered and token.access_token not in rendered


async def test_a_public_client_uses_pkce_alone(provider: Provider) -> None:
    code, redirect_uri, verifier = await authorize(provider, PUBLIC_CLIENT_ID)
    flow = OAuth2Flow(exchange_grant(provider, code, redirect_uri, verifier,
                                     PUBLIC_CLIENT_ID, ""))
    async with create_client(EventLog(), TransportSettings(timeout=10)) as client:
        assert (await flow.fetch_token(client)).access_token


async def test_a_wrong_verifier_and_a_replayed_code_are_refused(provider: Provider) -> None:
    code, redirect_uri, verifier = await authorize(provider)
    async with create_client(EventLog(), TransportSettings(timeout=10)) as client:
        wrong = OAuth2Flow(exchange_grant(provider, code, redirect_uri, verifier[::-1]))
        with pytest.raises(TokenEndpointError) as refused:
            await wrong.fetch_token(client)
        assert "invalid_grant" in str(refused.value)
    code, redirect_uri, verifier = await authorize(provider)
    async with create_client(EventLog(), TransportSettings(timeout=10)) as client:
        first = OAuth2Flow(exchange_grant(provider, code, redirect_uri, verifier))
        await first.fetch_token(client)
        replay = OAuth2Flow(exchange_grant(provider, code, redirect_uri, verifier))
        with pytest.raises(TokenEndpointError) as replayed:
            await replay.fetch_token(client)
        assert "invalid_grant" in str(replayed.value)


async def test_a_stale_tabs_redirect_is_refused_and_the_genuine_one_still_gets_through(
        provider: Provider) -> None:
    """A login started earlier (another state) lands first: the page says it was not used,
    and the listener keeps waiting for this login's answer."""
    async with await LoopbackRedirect().start() as loopback:
        request = authorization_request(provider.authorization_url, CLIENT_ID,
                                        loopback.redirect_uri, SCOPE, {"prompt": "consent"})
        stale = authorization_request(provider.authorization_url, CLIENT_ID,
                                      loopback.redirect_uri, SCOPE, {"prompt": "consent"})
        loopback.expect(lambda url: read_redirect(url, request))
        stale_landing = await asyncio.to_thread(log_in_and_consent, stale.url)
        genuine_landing = await asyncio.to_thread(log_in_and_consent, request.url)
        async with httpx.AsyncClient() as browser:
            refused = await browser.get(stale_landing)
            assert refused.status_code == 400
            assert "Not the answer to this login" in refused.text
            assert "exchanging" not in refused.text and "keeps waiting" in refused.text
            accepted = await browser.get(genuine_landing)
        assert accepted.status_code == 200 and "exchanging the code" in accepted.text
        assert await loopback.wait(5) == genuine_landing
    assert parse_qs(urlsplit(stale_landing).query)["code"]
    with pytest.raises(UnrelatedRedirect) as mismatch:
        read_redirect(stale_landing, request)
    assert mismatch.value.error == "state_mismatch"


async def test_the_provider_insists_on_pkce(provider: Provider) -> None:
    request = authorization_request(provider.authorization_url, CLIENT_ID,
                                    "http://127.0.0.1:9/callback", SCOPE)
    no_pkce = request.url.replace("code_challenge_method=S256", "").replace(
        "code_challenge=", "dropped=")
    async with httpx.AsyncClient() as browser:
        answer = await browser.get(no_pkce)
    location = answer.headers.get("location", "")
    assert "error=invalid_request" in location
    with pytest.raises(AuthorizationError) as refused:
        read_redirect(location, request)
    assert "malformed" in str(refused.value)
