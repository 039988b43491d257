"""What gets masked, and what deliberately stays visible for debugging."""

from __future__ import annotations

import json
import logging

from workbench.core.redaction import REDACTED, RedactingFilter, Redactor


def test_authorization_keeps_its_scheme_only() -> None:
    redactor = Redactor()
    assert redactor.header("Authorization", "Bearer abc.def") == f"Bearer {REDACTED}"
    assert redactor.header("authorization", "weird-token") == REDACTED
    assert redactor.header("X-Api-Key", "k") == REDACTED
    assert redactor.header("Accept", "application/json") == "application/json"


def test_connector_specific_header_and_query_names() -> None:
    redactor = Redactor(headers=["X-Tenant-Key"], keys=["sig"])
    assert redactor.header("x-tenant-key", "v") == REDACTED
    assert redactor.url("https://h.test/p?sig=abc&q=1") == f"https://h.test/p?sig={REDACTED}&q=1"


def test_url_userinfo_and_location_headers() -> None:
    redactor = Redactor()
    assert redactor.url("http://ada:pw@h.test/") == f"http://ada:{REDACTED}@h.test/"
    location = redactor.header("Location", "http://127.0.0.1:5/cb?code=AUTHCODE1&state=s1")
    assert "AUTHCODE1" not in location and "state=s1" in location


def test_json_by_key_and_code_only_in_forms() -> None:
    redactor = Redactor()
    body = json.loads(redactor.body('{"access_token": "t1", "code": 401, "nested": '
                                    '[{"password": "p"}], "empty": {"token": ""}}'))
    assert body == {"access_token": REDACTED, "code": 401, "nested": [{"password": REDACTED}],
                    "empty": {"token": ""}}
    form = redactor.body("grant_type=authorization_code&code=abc&redirect_uri=x",
                         "application/x-www-form-urlencoded")
    assert form == f"grant_type=authorization_code&code={REDACTED}&redirect_uri=x"


def test_known_values_in_all_their_forms() -> None:
    redactor = Redactor(values=["s3cr+t/val"])
    redactor.add_basic_credentials("ada", "pa55word")
    text = redactor.text("raw s3cr+t/val, encoded s3cr%2Bt%2Fval, basic YWRhOnBhNTV3b3Jk")
    assert "s3cr" not in text and "YWRh" not in text
    assert Redactor(values=["abc"]).text("abc") == "abc"  # too short to mask by value


def test_logging_filter_scrubs_messages_and_tracebacks(caplog) -> None:  # type: ignore[no-untyped-def]
    redactor = Redactor(values=["hunter22"])
    logger = logging.getLogger("test.redaction")
    handler = logging.StreamHandler()
    handler.addFilter(RedactingFilter(redactor))
    record = logger.makeRecord("t", logging.ERROR, __file__, 1, "pw=%s", ("hunter22",), None)
    try:
        raise ValueError("bad hunter22")
    except ValueError:
        import sys
        record.exc_info = sys.exc_info()
    assert handler.filter(record)
    assert "hunter22" not in record.getMessage()
    assert record.exc_text and "hunter22" not in record.exc_text
