"""Reading HARs the way Chromium and Firefox write them, and redacting them on import."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.har_shapes import chromium, firefox, har
from workbench.core.diagnosis.har_file import diagnose_har
from workbench.core.errors import InputError
from workbench.core.har_import import read_har, redact_entries
from workbench.core.redaction import Redactor

FIXTURES = Path(__file__).parents[1] / "fixtures" / "har"
CHROMIUM = FIXTURES / "chromium_redirect_mismatch.har"
FIREFOX = FIXTURES / "firefox_samesite_audience.har"
# Planted in the fixtures: a password, an auth code, a PKCE verifier, a session cookie, an
# API key, a refresh token, a JWT access token's signature.
PLANTED = ("Hunter2-secret-pw", "SplxlOBeZQQYbYS6WxSbIA-a1", "dBjftJeZ4CVP-mB92K27uhbUJU1p1r",
           "IDPSESSION-4f9a2c7e1b", "AK-live-7f3e9c2b1a", "Correct-Horse-Battery-9",
           "RT-0a9b8c7d6e5f-ffx", "RT-1b2c3d4e5f6a-new", "CORR-7d8c6b5a4f3e", "CODE-ffx-8b7a6c5d",
           "c2lnbmF0dXJlLWJ5dGVzLW5vdC1yZWFs")


def test_chromium_shapes_are_read() -> None:
    capture = read_har(CHROMIUM)
    assert capture.creator == "WebInspector 537.36"
    assert len(capture.entries) == 8 and not capture.warnings
    first, authorize = capture.entries[0], capture.entries[1]
    assert first.server_ip == "2606:4700::6810:84e5"  # brackets gone
    assert first.resource_type == "document" and first.initiator == "other"
    assert first.timings["dns"] == 11.3
    assert authorize.initiator == "script"
    # Set-Cookie joined by a newline: two headers
    cookies = [v for k, v in authorize.event.response_headers if k == "set-cookie"]
    assert [c.split("=")[0] for c in cookies] == ["idp_session", "idp_lang"]
    favicon = capture.entries[6]
    assert favicon.event.response_body == b"\x89PNG\r\n\x1a\n"  # base64 decoded
    assert favicon.from_cache == "memory"
    plan = capture.entries[7]
    assert json.loads(plan.event.response_body) == {"name": "Ada", "plan": "pro"}  # gunzipped
    assert any("gzip" in note for note in plan.notes)
    assert capture.entries[0].event.time == pytest.approx(1796200198.1)


def test_firefox_shapes_are_read() -> None:
    capture = read_har(FIREFOX)
    assert capture.browser == "Firefox 133.0"
    login = capture.entries[2].event
    # params only, no text: the form is rebuilt
    assert b"username=grace%40example.org" in login.request_body
    assert login.header("content-type", response=False) == "application/x-www-form-urlencoded"
    assert capture.entries[0].event.time == pytest.approx(1796200190.0)  # +01:00 offset
    assert capture.entries[0].connection == "443"


def test_a_request_without_answer_keeps_its_error() -> None:
    capture = read_har(har(chromium("GET", "https://api.example.com/x", error="net::ERR_FAILED")))
    event = capture.entries[0].event
    assert event.status is None and event.error == "net::ERR_FAILED"


@pytest.mark.parametrize(("content", "said"), [
    (b"<html>not a har</html>", "not JSON"),
    (b'{"log": {"version": "1.2"}}', "no log.entries"),
    (b"[1, 2, 3]", "no log.entries"),
    (b"\xff\xfe{}", "not UTF-8"),
    (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
])
def test_what_is_not_a_har_is_said_plainly(content: bytes, said: str) -> None:
    with pytest.raises(InputError, match=said):
        read_har(content)


def test_a_broken_entry_is_skipped_and_named() -> None:
    good = chromium("GET", "https://api.example.com/ok")
    capture = read_har(har({"startedDateTime": "x"}, good, "junk"))
    assert len(capture.entries) == 1
    assert capture.warnings == ["entry 1 skipped: it has no 'request'",
                                "entry 3 skipped: it is not shaped like a HAR entry"]


def test_a_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read"):
        read_har(tmp_path / "absent.har")


def test_a_bom_is_fine() -> None:
    assert len(read_har(b"\xef\xbb\xbf" + har(firefox("GET", "https://a.example/"))).entries) == 1


@pytest.mark.parametrize("fixture", [CHROMIUM, FIREFOX])
def test_import_redacts_every_planted_secret(fixture: Path) -> None:
    result = diagnose_har(fixture, Redactor())
    shown = json.dumps([e.render(None) for e in result.capture.events]) + json.dumps(
        result.to_dict())
    for secret in PLANTED:
        assert secret not in shown
    assert "[redacted]" in shown
    assert result.originals == []  # nothing unredacted is kept


def test_the_original_is_kept_only_when_asked() -> None:
    capture = read_har(CHROMIUM)
    originals = redact_entries(capture.entries, Redactor(), keep_original=True)
    assert "Hunter2-secret-pw" in originals[2].request_body.decode()
    assert "Hunter2-secret-pw" not in capture.entries[2].event.request_body.decode()
    assert capture.entries[2].event is not originals[2]


def test_a_secret_learned_in_one_entry_is_masked_in_every_other() -> None:
    # The code arrives in a redirect's Location, then shows up echoed in a later page.
    redirect = chromium("GET", "https://idp.example/authorize?response_type=code&client_id=c",
                        status=302, response_headers={
                            "location": "https://app.example/cb?code=ECHOED-CODE-77&state=s1"})
    echo = chromium("GET", "https://app.example/help", at=1, body="your code ECHOED-CODE-77",
                    mime="text/plain")
    capture = read_har(har(redirect, echo))
    redact_entries(capture.entries, Redactor())
    assert b"ECHOED-CODE-77" not in capture.entries[1].event.response_body
