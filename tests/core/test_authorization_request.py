"""Authorization requests and redirects: PKCE S256, state, extra parameters, provider errors."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from workbench.core.auth import pkce
from workbench.core.auth.authorization import (
    AuthorizationError,
    authorization_request,
    read_redirect,
)
from workbench.core.errors import InputError
from workbench.core.loopback import LoopbackRedirect, loopback_port_and_path


def test_the_s256_challenge_matches_rfc_7636_appendix_b() -> None:
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert pkce.challenge(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_verifiers_and_states_are_fresh_and_well_formed() -> None:
    verifiers = {pkce.new_verifier() for _ in range(50)}
    assert len(verifiers) == 50
    assert all(43 <= len(v) <= 128 and v.replace("-", "").replace("_", "").isalnum()
               for v in verifiers)
    assert pkce.new_state() != pkce.new_state()


def test_the_url_carries_our_parameters_and_extras_cannot_override_them() -> None:
    request = authorization_request(
        "https://login.example.test/authorize?tenant=acme&state=old", "cid",
        "http://127.0.0.1:4711/callback", "openid api:read",
        {"prompt": "consent", "access_type": "offline", "state": "forged",
         "code_challenge_method": "plain", "audience": ""})
    query = parse_qs(urlsplit(request.url).query)
    assert query["tenant"] == ["acme"]
    assert query["response_type"] == ["code"] and query["client_id"] == ["cid"]
    assert query["state"] == [request.state]
    assert query["code_challenge_method"] == ["S256"]
    assert query["code_challenge"] == [pkce.challenge(request.code_verifier)]
    assert query["prompt"] == ["consent"] and query["access_type"] == ["offline"]
    assert "audience" not in query
    assert query["scope"] == ["openid api:read"]
    assert ("redirect_uri", "http://127.0.0.1:4711/callback") in request.parameters()


def test_a_redirect_gives_its_code_only_with_the_right_state() -> None:
    request = authorization_request("https://idp.test/auth", "cid", "http://127.0.0.1/cb")
    ok = f"http://127.0.0.1/cb?code=abc&state={request.state}"
    assert read_redirect(ok, request) == "abc"
    for bad in ("http://127.0.0.1/cb?code=abc", "http://127.0.0.1/cb?code=abc&state=x"):
        with pytest.raises(AuthorizationError) as raised:
            read_redirect(bad, request)
        assert raised.value.error == "state_mismatch"


@pytest.mark.parametrize(("error", "words"), [
    ("access_denied", "declined"), ("invalid_scope", "scope"),
    ("interaction_required", "interact"), ("something_new", "refused")])
def test_provider_errors_are_explained(error: str, words: str) -> None:
    request = authorization_request("https://idp.test/auth", "cid", "http://127.0.0.1/cb")
    url = (f"http://127.0.0.1/cb?error={error}&error_description=Nope+because"
           f"&state={request.state}")
    with pytest.raises(AuthorizationError) as raised:
        read_redirect(url, request)
    assert raised.value.error == error
    assert words in str(raised.value) and "Nope because" in str(raised.value)


def test_loopback_redirects_are_recognised() -> None:
    assert loopback_port_and_path("http://127.0.0.1/callback") == (0, "/callback")
    assert loopback_port_and_path("http://127.0.0.1:8400/cb") == (8400, "/cb")
    with pytest.raises(InputError):
        loopback_port_and_path("https://app.example.test/oauth/callback")


async def test_the_listener_takes_one_redirect_and_nothing_else() -> None:
    async with await LoopbackRedirect("/cb").start() as loopback:
        assert loopback.redirect_uri.startswith("http://127.0.0.1:")
        async with httpx.AsyncClient() as browser:
            assert (await browser.get(loopback.redirect_uri.replace("/cb", "/x"))).status_code \
                == 404
            first = await browser.get(loopback.redirect_uri + "?code=c1&state=s")
            second = await browser.get(loopback.redirect_uri + "?code=c2&state=s")
        assert first.status_code == 200 and "close this tab" in first.text
        assert second.status_code == 410
        assert await loopback.wait(1) == loopback.redirect_uri + "?code=c1&state=s"
