"""Authorization requests and redirects: PKCE S256, state, extra parameters, provider errors."""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest

from workbench.core.auth import pkce
from workbench.core.auth.authorization import (
    AuthorizationError,
    AuthorizationRequest,
    UnrelatedRedirect,
    authorization_request,
    read_redirect,
)
from workbench.core.auth.issuer import ExpectedIssuer
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


# -- what a hostile or broken redirect looks like (faults.md: OAuth providers and the browser) --

IDP = "https://idp.test"
PROMISED = ExpectedIssuer(IDP, required=True, source="the metadata at https://idp.test")


def fresh_request() -> AuthorizationRequest:
    return authorization_request(f"{IDP}/auth", "cid", "http://127.0.0.1/cb")


@pytest.mark.parametrize("query", [
    "code=abc&state=WRONG&state={state}", "code=abc&state={state}&state={state}",
    "code=abc&state={state}&state=WRONG"])
def test_a_duplicated_state_is_ignored_as_tampered(query: str) -> None:
    request = fresh_request()
    with pytest.raises(UnrelatedRedirect) as raised:
        read_redirect("http://127.0.0.1/cb?" + query.format(state=request.state), request)
    assert raised.value.error == "duplicate_parameter"
    assert "state" in str(raised.value) and "twice" in str(raised.value)


@pytest.mark.parametrize(("name", "twice"), [
    ("code", "code=abc&code=other"), ("iss", f"code=abc&iss={IDP}&iss={IDP}"),
    ("error", "error=access_denied&error=server_error")])
def test_a_duplicated_code_iss_or_error_is_refused(name: str, twice: str) -> None:
    request = fresh_request()
    url = f"http://127.0.0.1/cb?state={request.state}&{twice}"
    if name != "iss":
        url += f"&iss={IDP}"
    with pytest.raises(AuthorizationError) as raised:
        read_redirect(url, request, PROMISED)
    assert not isinstance(raised.value, UnrelatedRedirect)  # ours, but tampered: final
    assert raised.value.error == "duplicate_parameter"
    assert f"'{name}'" in str(raised.value) and "Nothing was exchanged" in str(raised.value)


def test_the_issuer_the_metadata_names_is_accepted() -> None:
    request = fresh_request()
    url = f"http://127.0.0.1/cb?code=abc&state={request.state}&iss=https%3A%2F%2Fidp.test"
    assert read_redirect(url, request, PROMISED) == "abc"


def test_another_issuer_is_a_mix_up_and_refused() -> None:
    request = fresh_request()
    url = f"http://127.0.0.1/cb?code=abc&state={request.state}&iss=https://evil.test"
    for expected in (PROMISED, ExpectedIssuer(IDP, required=False, source="the connector")):
        with pytest.raises(AuthorizationError) as raised:
            read_redirect(url, request, expected)
        assert raised.value.error == "issuer_mismatch"
        assert "https://evil.test" in str(raised.value) and IDP in str(raised.value)
        assert "mix-up" in raised.value.hint


def test_a_missing_iss_is_refused_only_when_the_provider_promises_it() -> None:
    request = fresh_request()
    url = f"http://127.0.0.1/cb?code=abc&state={request.state}"
    with pytest.raises(AuthorizationError) as raised:
        read_redirect(url, request, PROMISED)
    assert raised.value.error == "issuer_missing"
    assert "authorization_response_iss_parameter_supported" in str(raised.value)
    assert read_redirect(url, request, ExpectedIssuer(IDP, required=False)) == "abc"
    assert read_redirect(url, request) == "abc"  # no metadata, no issuer known: nothing to hold


def test_without_a_known_issuer_any_iss_passes() -> None:
    request = fresh_request()
    url = f"http://127.0.0.1/cb?code=abc&state={request.state}&iss=https://whoever.test"
    assert read_redirect(url, request, ExpectedIssuer()) == "abc"


def test_an_error_without_state_shows_the_providers_error_and_says_it_is_unverifiable() -> None:
    request = fresh_request()
    url = ("http://127.0.0.1/cb?error=access_denied&error_description=User+said+no"
           "&error_uri=https%3A%2F%2Fidp.test%2Fhelp%2Fdenied")
    with pytest.raises(AuthorizationError) as raised:
        read_redirect(url, request, PROMISED)
    error = raised.value
    assert not isinstance(error, UnrelatedRedirect)
    assert error.error == "access_denied" and error.unverifiable
    assert error.description == "User said no" and error.uri == "https://idp.test/help/denied"
    message = str(error)
    assert "declined" in message and '"User said no"' in message
    assert "https://idp.test/help/denied" in message
    assert "no state" in message and "forged" in message
    assert "state" not in (error.error or "")


@pytest.mark.parametrize(("error", "hint_words"), [
    ("access_denied", "consent"), ("invalid_scope", "scopes"),
    ("unauthorized_client", "grant"), ("invalid_request", "redirect_uri"),
    ("server_error", "later"), ("temporarily_unavailable", "minutes"),
    ("consent_required", "prompt"), ("login_required", "prompt"),
    ("interaction_required", "prompt"), ("made_up_error", "documentation")])
def test_each_provider_error_gets_its_own_hint(error: str, hint_words: str) -> None:
    request = fresh_request()
    url = f"http://127.0.0.1/cb?error={error}&state={request.state}&iss={IDP}"
    with pytest.raises(AuthorizationError) as raised:
        read_redirect(url, request, PROMISED)
    assert raised.value.error == error and not raised.value.unverifiable
    assert hint_words in raised.value.hint


def test_provider_text_is_quoted_and_kept_short_not_interpreted() -> None:
    request = fresh_request()
    long_text = "<b>bold</b>\n" + "x" * 5000
    url = f"http://127.0.0.1/cb?{urlencode({'error': 'server_error', 'state': request.state})}"
    url += "&" + urlencode({"error_description": long_text})
    with pytest.raises(AuthorizationError) as raised:
        read_redirect(url, request)
    message = str(raised.value)
    assert '"<b>bold</b> xxx' in message  # shown as written, one line
    assert "\n" not in message and len(message) < 1200


def test_an_error_with_a_stale_state_is_not_this_logins_answer() -> None:
    request = fresh_request()
    with pytest.raises(UnrelatedRedirect) as raised:
        read_redirect("http://127.0.0.1/cb?error=access_denied&state=stale", request)
    assert raised.value.error == "state_mismatch"


def test_a_redirect_without_state_and_without_an_error_is_not_this_logins() -> None:
    request = fresh_request()
    for query in ("code=abc", ""):
        with pytest.raises(UnrelatedRedirect) as raised:
            read_redirect(f"http://127.0.0.1/cb?{query}", request)
        assert raised.value.error == "state_mismatch"
