"""Each diagnosis finding from a hand-written capture, and none from a flow that worked."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

from tests.support.har_shapes import chromium, firefox, har
from workbench.core.auth import pkce
from workbench.core.diagnosis.har_file import HarDiagnosis, diagnose_har
from workbench.core.redaction import Redactor

FIXTURES = Path(__file__).parents[1] / "fixtures" / "har"
IDP, APP, API = "https://idp.example.com", "https://app.example.com", "https://api.example.com"
VERIFIER = "verifier-" + "v" * 50
CHALLENGE = pkce.challenge(VERIFIER)


def run(*entries: dict) -> HarDiagnosis:
    return diagnose_har(har(*entries), Redactor())


def codes(result: HarDiagnosis) -> list[str]:
    return [f.code for f in result.diagnosis.findings]


def authorize(state: str = "state-one-abc", at: float = 0, **extra: str) -> dict:
    query = {"response_type": "code", "client_id": "spa", "redirect_uri": f"{APP}/cb",
             "scope": "openid api", "state": state, "code_challenge": CHALLENGE,
             "code_challenge_method": "S256", **extra}
    query = {k: v for k, v in query.items() if v != ""}
    return chromium("GET", f"{IDP}/authorize?{urlencode(query)}", at=at, status=302,
                    response_headers={"location": f"{IDP}/login"}, resource="document")


def callback(state: str = "state-one-abc", code: str = "code-AAA-111", at: float = 2) -> dict:
    return chromium("GET", f"{APP}/cb?code={code}&state={state}", at=at, mime="text/html",
                    body="<p>ok</p>", resource="document")


def token(at: float = 3, status: int = 200, body: str = "", **form: str) -> dict:
    fields = {"grant_type": "authorization_code", "code": "code-AAA-111",
              "redirect_uri": f"{APP}/cb", "code_verifier": VERIFIER, "client_id": "spa",
              **form}
    fields = {k: v for k, v in fields.items() if v != ""}
    answer = body or '{"access_token":"opaque-token-XYZ-123","token_type":"Bearer",' \
                     '"expires_in":3600}'
    return chromium("POST", f"{IDP}/token", at=at, status=status, form=urlencode(fields),
                    body=answer)


def api(status: int = 200, at: float = 4, bearer: str = "opaque-token-XYZ-123") -> dict:
    headers = {"www-authenticate": 'Bearer error="invalid_token"'} if status == 401 else {}
    return chromium("GET", f"{API}/me", at=at, status=status,
                    request_headers={"authorization": f"Bearer {bearer}"},
                    response_headers=headers, body='{"id": 1}' if status == 200 else "")


def test_a_flow_that_worked_has_no_findings() -> None:
    result = run(authorize(), callback(), token(), api())
    assert result.diagnosis.findings == []
    assert [role for role, _ in result.diagnosis.outline] == ["authorize", "callback", "token",
                                                               "api"]


def test_state_that_changed_on_the_way() -> None:
    result = run(authorize(), callback(state="state-two-xyz"), token())
    finding = result.diagnosis.findings[0]
    assert finding.code == "state_lost" and finding.entries == (0, 1)
    assert "SameSite" in finding.hint
    assert "state-two-xyz" not in finding.title + finding.hint


def test_state_of_an_older_attempt() -> None:
    result = run(authorize("state-first"), authorize("state-second", at=1),
                 callback(state="state-first"))
    finding = next(f for f in result.diagnosis.findings if f.code == "state_lost")
    assert "older login attempt" in finding.title and finding.entries == (0, 1, 2)


def test_state_missing_on_the_way_back_and_never_sent() -> None:
    lost = run(authorize(), chromium("GET", f"{APP}/cb?code=c1&iss={IDP}", at=2))
    assert "state_lost" in codes(lost)
    never = run(authorize(state=""), chromium("GET", f"{APP}/cb?code=c1&state=x", at=2))
    assert "state_missing" in codes(never)


def test_pkce_missing_plain_and_verifier_missing() -> None:
    assert "pkce_missing" in codes(run(authorize(code_challenge="", code_challenge_method="")))
    assert "pkce_plain" in codes(run(authorize(code_challenge_method="plain")))
    assert "pkce_verifier_missing" in codes(run(authorize(), callback(), token(code_verifier="")))


def test_pkce_verifier_of_another_login() -> None:
    result = run(authorize(), callback(), token(code_verifier="another-tab-" + "w" * 50))
    finding = next(f for f in result.diagnosis.findings if f.code == "pkce_mismatch")
    assert finding.entries == (0, 2) and "SHA-256" in finding.title


def test_redirect_uri_that_differs_and_the_providers_answer() -> None:
    refused = token(status=400, redirect_uri=f"{APP}/cb/",
                    body='{"error":"invalid_grant","error_description":"redirect_uri mismatch"}')
    result = run(authorize(), callback(), refused)
    found = [f for f in result.diagnosis.findings if f.code == "redirect_uri_mismatch"]
    assert len(found) == 2
    assert "path (/cb vs /cb/)" in found[0].hint
    assert "character for character" in found[1].hint  # token_hints' own words


def test_invalid_grant_uses_the_token_hints() -> None:
    refused = token(status=400, body='{"error":"invalid_grant","error_description":'
                                     '"AADSTS70008: The provided authorization code or refresh '
                                     'token has expired due to inactivity."}')
    finding = run(authorize(), callback(), refused).diagnosis.findings[0]
    assert finding.code == "invalid_grant" and "expired" in finding.hint


def test_the_same_code_redeemed_twice() -> None:
    result = run(authorize(), callback(), token(), token(at=5, status=400, body=(
        '{"error":"invalid_grant","error_description":"grant request is invalid"}')))
    finding = next(f for f in result.diagnosis.findings if f.code == "code_reused")
    assert finding.entries == (2, 3) and "single-use" in finding.hint


def test_an_error_redirect() -> None:
    denied = chromium("GET", f"{APP}/cb?error=access_denied&error_description=User+said+no"
                      "&state=state-one-abc", at=2)
    finding = run(authorize(), denied).diagnosis.findings[0]
    assert finding.code == "authorization_error" and "declined" in finding.title


def test_the_providers_error_page_for_an_unregistered_redirect_uri() -> None:
    page = chromium("GET", f"{IDP}/authorize?response_type=code&client_id=spa&redirect_uri="
                    "https%3A%2F%2Fapp.example.com%2Fwrong&state=s", status=400, mime="text/html",
                    body="<h1>Sorry</h1><p>AADSTS50011: The redirect URI specified in the request"
                    " does not match the redirect URIs configured for the application.</p>")
    assert codes(run(page)) == ["redirect_uri_mismatch", "pkce_missing"]


def test_a_jwt_for_another_audience_refused_right_after_issue() -> None:
    result = diagnose_har(FIXTURES / "firefox_samesite_audience.har", Redactor())
    finding = next(f for f in result.diagnosis.findings if f.code == "token_refused_by_api")
    assert "https://graph.example-idp.com (its aud claim)" in finding.hint
    assert "orders.example.org" in finding.hint and finding.entries == (4, 5)


def test_an_opaque_token_refused_right_after_issue() -> None:
    finding = run(authorize(), callback(), token(), api(401)).diagnosis.findings[0]
    assert finding.code == "token_refused_by_api" and "opaque" in finding.hint


def test_an_old_token_refused_is_an_api_refusal() -> None:
    result = run(api(401, bearer="some-old-token-1"), api(401, at=9, bearer="some-old-token-1"))
    finding = result.diagnosis.findings[0]
    assert finding.code == "api_refused" and finding.entries == (0, 1)
    assert "2 times" in finding.title and "invalid_token" in finding.hint


def preflight(status: int = 204, **headers: str) -> dict:
    return chromium("OPTIONS", f"{API}/me", status=status, resource="preflight",
                    request_headers={"origin": APP, "access-control-request-method": "GET",
                                     "access-control-request-headers": "authorization"},
                    response_headers=headers)


def test_cors_preflights_that_fail() -> None:
    cases = {
        "answered 401": preflight(401),
        "no Access-Control-Allow-Origin": preflight(),
        "allows the origin https://other.example.com": preflight(
            **{"access-control-allow-origin": "https://other.example.com"}),
        "'*' does not cover Authorization": preflight(
            **{"access-control-allow-origin": "*", "access-control-allow-headers": "*"}),
    }
    for said, entry in cases.items():
        finding = run(entry, chromium("GET", f"{API}/me", at=1, error="net::ERR_FAILED"))
        first = finding.diagnosis.findings[0]
        assert first.code == "cors_preflight_failed"
        assert said in first.title + first.hint, said
        assert first.entries == (0, 1)
    ok = preflight(**{"access-control-allow-origin": APP,
                      "access-control-allow-headers": "Authorization"})
    assert run(ok).diagnosis.findings == []


def test_cookie_dropped_on_a_cross_site_form_post() -> None:
    result = diagnose_har(FIXTURES / "firefox_samesite_audience.har", Redactor())
    finding = result.diagnosis.findings[0]
    assert finding.code == "cookie_dropped_samesite" and finding.entries == (0, 3)
    assert ".AspNetCore.Correlation.oidc" in finding.title and "POST" in finding.title


def test_a_lax_cookie_on_a_cross_site_get_navigation_is_sent_and_fine() -> None:
    set_it = firefox("GET", f"{APP}/login", response_headers={
        "Set-Cookie": "sid=abc123456; Path=/; Secure; SameSite=Lax"})
    back = firefox("GET", f"{APP}/cb?code=x&state=y", at=2, request_headers={
        "Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate", "Cookie": "sid=abc123456"})
    assert "cookie_dropped_samesite" not in codes(diagnose_har(har(set_it, back), Redactor()))


def test_samesite_none_without_secure_is_rejected() -> None:
    set_it = firefox("GET", f"{APP}/login", response_headers={
        "Set-Cookie": "sid=abc123456; Path=/; SameSite=None"})
    assert codes(diagnose_har(har(set_it), Redactor())) == ["cookie_rejected"]


def test_clock_skew_from_date_headers() -> None:
    result = diagnose_har(FIXTURES / "firefox_samesite_audience.har", Redactor())
    skew = next(f for f in result.diagnosis.findings if f.code == "clock_skew")
    assert "10 min ahead" in skew.title and skew.severity == "warning"


def test_an_inspection_proxys_certificate() -> None:
    entry = chromium("GET", f"{API}/me", _securityDetails={
        "protocol": "TLS 1.3", "subjectName": "api.example.com",
        "issuer": "Zscaler Intermediate Root CA (zscaler.net)",
        "validFrom": 1796000000, "validTo": 1797000000})
    finding = run(entry).diagnosis.findings[0]
    assert finding.code == "tls_inspection" and "Zscaler" in finding.hint
    normal = chromium("GET", f"{API}/me", _securityDetails={"issuer": "R11"})
    assert run(normal).diagnosis.findings == []


def test_a_certificate_the_browser_refused() -> None:
    entry = chromium("GET", f"{API}/me", error="net::ERR_CERT_AUTHORITY_INVALID")
    assert codes(run(entry)) == ["tls_untrusted"]


def test_findings_name_no_secret() -> None:
    refused = token(status=400, client_secret="Very-Secret-Client-77",
                    body='{"error":"invalid_client","error_description":"client secret '
                         'Very-Secret-Client-77 is wrong"}')
    result = run(authorize(), callback(), refused)
    text = " ".join(f.title + f.hint for f in result.diagnosis.findings)
    assert "invalid_client" in text and "Very-Secret-Client-77" not in text
