"""Every form a server may echo a secret in is masked, and the Redactor learns the secrets of
a run from the exchanges themselves (issue 14, "Redaction at one choke point")."""

from __future__ import annotations

import base64
import html
import json
import textwrap
import time
from dataclasses import dataclass, field
from urllib.parse import quote, quote_plus

import pytest

from workbench.core.events import Event, EventLog
from workbench.core.redaction import REDACTED, Redactor

SECRET = "s3cr+t/v&l=ue \"q\" <x>"  # every kind of character an encoder touches


def _forms(secret: str) -> dict[str, str]:
    raw = secret.encode()
    return {
        "plain": secret,
        "quote": quote(secret, safe=""),
        "quote lower hex": quote(secret, safe="").replace("%2F", "%2f").replace("%2B", "%2b"),
        "quote_plus": quote_plus(secret),
        "double quoted": quote(quote(secret, safe=""), safe=""),
        "base64": base64.b64encode(raw).decode(),
        "base64 unpadded": base64.b64encode(raw).decode().rstrip("="),
        "base64 url-safe": base64.urlsafe_b64encode(raw).decode(),
        "base64 inside a longer text": base64.b64encode(b"user=ada;pw=" + raw + b";x").decode(),
        "html.escape": html.escape(secret),
        "html hex refs": "".join(f"&#x{ord(c):X};" if not c.isalnum() else c for c in secret),
        "html decimal refs": "".join(f"&#{ord(c)};" if not c.isalnum() else c for c in secret),
        "html named": secret.replace("&", "&amp;").replace("/", "&sol;").replace("+", "&plus;"),
        "json": json.dumps(secret)[1:-1],
        "json escaped slash": json.dumps(secret)[1:-1].replace("/", "\\/"),
        "json unicode escapes": "".join(f"\\u{ord(c):04x}" if not c.isalnum() else c
                                        for c in secret),
        "wrapped": "\n".join(textwrap.wrap(secret, 5, drop_whitespace=False)),
        "folded header": secret[:6] + "\r\n " + secret[6:],
        "json wrapped": json.dumps(secret[:7] + "\n" + secret[7:])[1:-1],
    }


@pytest.mark.parametrize("form", sorted(_forms(SECRET)))
def test_a_known_secret_is_masked_in_every_form(form: str) -> None:
    echoed = _forms(SECRET)[form]
    redactor = Redactor(values=[SECRET])
    shown = redactor.text(f"the server said: {echoed} (end)")
    assert REDACTED in shown, f"{form}: {shown!r}"
    assert shown.startswith("the server said: ") and shown.endswith(" (end)")
    for piece in ("s3cr", "v&l", "dj9", "ue \"q"):
        assert piece not in shown.replace("the server said: ", ""), (form, shown)


def test_base64_of_a_secret_inside_a_basic_pair_is_masked() -> None:
    redactor = Redactor()
    redactor.add_basic_credentials("client-id", "CLIENT-SECRET-ab12")
    blob = base64.b64encode(b"client-id:CLIENT-SECRET-ab12").decode()
    assert redactor.text(f"Authorization was Basic {blob}") == f"Authorization was Basic {REDACTED}"


def _event(**fields: object) -> Event:
    return Event(kind="request", method="POST", url="http://127.0.0.1:9/token", **fields)  # type: ignore[arg-type]


def test_the_log_learns_basic_credentials_from_the_header_on_the_wire() -> None:
    log = EventLog()
    # RFC 6749 §2.3.1: the secret is form-encoded before base64.
    pair = f"my%20client:{quote('pa ss/wörd+1', safe='')}"
    blob = base64.b64encode(pair.encode()).decode()
    log.append(_event(request_headers=[("Authorization", f"Basic {blob}")]))
    for echoed in (blob, pair, "pa ss/wörd+1", quote("pa ss/wörd+1", safe=""),
                   base64.b64encode(b"x:pa ss/w\xc3\xb6rd+1").decode()):
        assert "pa ss" not in log.redactor.text(echoed) and blob not in log.redactor.text(echoed)
        assert REDACTED in log.redactor.text(f"echo {echoed}"), echoed


@pytest.mark.parametrize(("where", "event", "secret"), [
    ("proxy header", _event(request_headers=[("Proxy-Authorization", "Basic " + base64.b64encode(
        b"proxyuser:PROXY-PASS-9z").decode())]), "PROXY-PASS-9z"),
    ("cookie", _event(request_headers=[("Cookie", "lang=en; sid=COOKIE-SID-77aa")]),
     "COOKIE-SID-77aa"),
    ("api key header", _event(request_headers=[("X-Api-Key", "APIKEY-HDR-55")]), "APIKEY-HDR-55"),
    ("bearer", _event(request_headers=[("Authorization", "Bearer BEARER-TOK-1")]), "BEARER-TOK-1"),
    ("client_secret form", _event(request_body=b"grant_type=client_credentials&client_secret="
                                  b"FORM%2FSECRET%2B1&client_id=c"), "FORM/SECRET+1"),
    ("refresh token", _event(request_body=b"grant_type=refresh_token&refresh_token=RT-in-123"),
     "RT-in-123"),
    ("code", _event(request_body=b"grant_type=authorization_code&code=AUTHCODE-99&code_verifier="
                    b"VERIFIER-abcdefgh"), "AUTHCODE-99"),
    ("code_verifier", _event(request_body=b"code=AUTHCODE-99&code_verifier=VERIFIER-abcdefgh"),
     "VERIFIER-abcdefgh"),
    ("device_code", _event(request_body=b"grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type"
                           b"%3Adevice_code&device_code=DEVICE-CODE-42"), "DEVICE-CODE-42"),
    ("password in JSON", _event(request_body=json.dumps(
        {"job_code": "EnsureConnection", "input": {"password": "DECK-PW-8877"}}).encode()),
     "DECK-PW-8877"),
    ("access token answer", _event(status=200, response_body=json.dumps(
        {"access_token": "AT-from-server-1", "token_type": "bearer"}).encode()),
     "AT-from-server-1"),
    ("nested vendor token", _event(status=200, response_body=json.dumps(
        {"value": {"token": "TRIPLETEX-SESSION-5"}}).encode()), "TRIPLETEX-SESSION-5"),
    ("webCRM style names", _event(status=200, response_body=json.dumps(
        {"AccessToken": "WEBCRM-AT-12", "RefreshToken": "WEBCRM-RT-34"}).encode()),
     "WEBCRM-RT-34"),
    ("ticket", _event(status=200, response_body=json.dumps({"Ticket": "7T:SOTICKET-1"}).encode()),
     "7T:SOTICKET-1"),
    ("id token in a 400", _event(status=400, response_body=b'{"id_token": "IDTOK-xyz-1", "x"'),
     "IDTOK-xyz-1"),
    ("set-cookie", _event(status=200, response_headers=[("Set-Cookie",
                                                         "session=SETCOOKIE-v4l; Path=/")]),
     "SETCOOKIE-v4l"),
    ("x-auth-token", _event(status=200, response_headers=[("X-Auth-Token", "XAUTH-zz-99")]),
     "XAUTH-zz-99"),
    ("location token", _event(status=302, response_headers=[(
        "Location", "https://app.test/cb?token=LOCTOKEN-123&x=1")]), "LOCTOKEN-123"),
    ("form answer", _event(status=200, response_headers=[(
        "Content-Type", "application/x-www-form-urlencoded")],
        response_body=b"access_token=GH-FORM-TOKEN-1&scope=repo"), "GH-FORM-TOKEN-1"),
])
def test_the_log_learns_secrets_from_every_exchange(where: str, event: Event,
                                                     secret: str) -> None:
    log = EventLog()
    seen: list[str] = []
    log.subscribe(lambda e: seen.append(log.redactor.text(f"listener sees {secret}")))
    log.append(event)
    assert secret not in log.redactor.text(f"a server echoes {secret} later"), where
    assert secret not in log.redactor.text(html.escape(f"<p>{secret}</p>")), where
    assert seen and secret not in seen[0], "learned before the listeners run"


def test_learning_leaves_ordinary_values_alone() -> None:
    log = EventLog()
    log.append(_event(status=200, request_body=b"grant_type=client_credentials&scope=read",
                      response_headers=[("Set-Cookie", "lang=en")],
                      response_body=json.dumps({"token_type": "Bearer", "expires_in": 3600,
                                                "code": "invalid_grant"}).encode()))
    text = "Bearer tokens, lang=en, invalid_grant, expires_in 3600, client_credentials"
    assert log.redactor.text(text) == text


def test_secrets_in_free_text_are_masked_by_name_too() -> None:
    redactor = Redactor()
    shown = redactor.text('answered 400: {"access_token": "NEVER-SEEN-1", "error": null} '
                          'and refresh_token=NEVER-SEEN-2&x=1 and \\"client_secret\\": '
                          '\\"NEVER-SEEN-3\\" and &quot;password&quot;: &quot;NEVER-4&quot; '
                          'at http://u:NEVER-5@h.test/p?api_key=NEVER-6&page=2')
    for n in range(1, 7):
        assert f"NEVER-SEEN-{n}" not in shown and f"NEVER-{n}" not in shown, shown
    assert "page=2" in shown and '"error": null' in shown


def test_a_secret_cut_short_by_a_preview_is_masked() -> None:
    redactor = Redactor(values=["TOKEN-0123456789abcdef"])
    assert redactor.text("body: '{\"t\": \"TOKEN-0123456789a…'") == \
        f"body: '{{\"t\": \"{REDACTED}…'"
    assert redactor.text("< TOKEN-0123456789abc …(truncated)") == f"< {REDACTED} …(truncated)"
    assert redactor.text("TOKEN-0123456789ab is cut") == "TOKEN-0123456789ab is cut", \
        "a prefix in the middle of a text is not a cut"


def test_permitted_values_stay_visible() -> None:
    redactor = Redactor()
    redactor.add_value("connect-link-token-1")
    redactor.permit("connect-link-token-1")
    redactor.add_value("connect-link-token-1")
    assert redactor.text("open connect-link-token-1") == "open connect-link-token-1"


@dataclass
class _Kept:
    secret: str


@dataclass
class _Result:
    summary: str
    details: dict[str, object] = field(default_factory=dict)
    items: list[object] = field(default_factory=list)
    kept: _Kept | None = None
    error: Exception | None = None


def test_scrub_walks_dataclasses_dicts_lists_and_exceptions_but_keeps_what_it_is_told() -> None:
    redactor = Redactor(values=["DEEP-SECRET-1"])
    result = _Result("saw DEEP-SECRET-1", {"k": ["DEEP-SECRET-1", 3, None]},
                     [("DEEP-SECRET-1",)], _Kept("DEEP-SECRET-1"),
                     ValueError("bad DEEP-SECRET-1"))
    clean = redactor.scrub(result, keep=(_Kept,))
    assert "DEEP-SECRET-1" not in repr((clean.summary, clean.details, clean.items, clean.error))
    assert clean.details == {"k": [REDACTED, 3, None]} and str(clean.error) == f"bad {REDACTED}"
    assert clean.kept is result.kept and clean.kept.secret == "DEEP-SECRET-1"
    assert result.summary == "saw DEEP-SECRET-1", "the original is not changed"


def test_masking_a_256_kib_body_stays_fast(capsys: pytest.CaptureFixture[str]) -> None:
    redactor = Redactor()
    secrets = [f"SECRET-{n:02d}-{'x' * n}-abcdef" for n in range(30)]
    for secret in secrets:
        redactor.add_value(secret)
    words = json.dumps({"items": [{"id": n, "name": f"employee {n}", "token_type": "bearer",
                                   "note": "lorem ipsum dolor sit amet & more / stuff"}
                                  for n in range(2000)]})
    body = (words * 2)[:256 * 1024]
    body = body[:1000] + quote(secrets[7], safe="") + body[1000:]
    started = time.perf_counter()
    shown = redactor.body(body, "text/plain")
    clean = time.perf_counter() - started
    started = time.perf_counter()
    redactor.body(words[:256 * 1024], "application/json")
    as_json = time.perf_counter() - started
    with capsys.disabled():
        print(f"\nredacting 256 KiB with 30 secrets (x {len(redactor._patterns)} forms): "
              f"text with an echo {clean * 1000:.0f} ms, clean JSON {as_json * 1000:.0f} ms")
    assert quote(secrets[7], safe="") not in shown and REDACTED in shown
    assert clean < 1.0 and as_json < 1.0


def test_log_records_pass_every_live_redactor(caplog: pytest.LogCaptureFixture) -> None:
    """The GUI's event log has its own Redactor: the process-wide log filter knows it too."""
    import logging

    from workbench.core.redaction import RedactingFilter

    app_log = EventLog()
    app_log.append(_event(request_headers=[("Authorization", "Bearer GUI-ONLY-TOKEN-55")]))
    record = logging.getLogger("t").makeRecord("t", logging.INFO, __file__, 1,
                                               "sent %s", ("GUI-ONLY-TOKEN-55",), None)
    assert RedactingFilter(Redactor()).filter(record)
    assert record.getMessage() == f"sent {REDACTED}"
