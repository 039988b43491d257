"""Webhook signature checks: Standard Webhooks, StackOne, a shared query token."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from workbench.core.platforms.stackone import StackOneSignature
from workbench.core.webhooks.signatures import (
    QueryToken,
    StandardWebhooks,
    hmac_body_signature,
    overall,
    standard_webhooks_headers,
)

SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SPEC_BODY = b'{"test": 2432232314}'


@dataclass
class Sent:
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    query: Mapping[str, str] = field(default_factory=dict)

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), None)


def test_standard_webhooks_matches_the_specs_example() -> None:
    check = StandardWebhooks([SPEC_SECRET], clock=lambda: 1614265330 + 10)
    sent = Sent(SPEC_BODY, {"webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
                            "webhook-timestamp": "1614265330",
                            "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="})
    assert check.verify(sent).status == "verified"
    tampered = Sent(SPEC_BODY + b" ", sent.headers)
    assert check.verify(tampered).status == "invalid"


def test_standard_webhooks_rotation_tolerance_and_absence() -> None:
    old, new = "whsec_" + "b2xkLXNlY3JldC0xMjM0NTY3OA==", "whsec_" + "bmV3LXNlY3JldC04NzY1NDMyMQ=="
    headers = standard_webhooks_headers(old, "msg_1", b"{}", timestamp=1000)
    rotating = StandardWebhooks([new, old], clock=lambda: 1100)
    assert rotating.verify(Sent(b"{}", headers)).status == "verified"
    assert StandardWebhooks([new], clock=lambda: 1100).verify(Sent(b"{}", headers)).status \
        == "invalid"
    late = StandardWebhooks([old], clock=lambda: 1000 + 301).verify(Sent(b"{}", headers))
    assert late.status == "invalid" and "301 s off" in late.detail
    assert StandardWebhooks([old]).verify(Sent(b"{}")).status == "unverified"


def test_stackone_signature_and_query_token() -> None:
    body = b'{"event":"account.created","account_id":"acc_1"}'
    signed = Sent(body, {"x-stackone-signature": hmac_body_signature("s1gning", body)})
    assert StackOneSignature(["other", "s1gning"]).verify(signed).status == "verified"
    assert StackOneSignature(["other"]).verify(signed).status == "invalid"
    assert StackOneSignature(["s1gning"]).verify(Sent(body)).status == "unverified"
    token = QueryToken("t0ken-123")
    assert token.verify(Sent(b"", query={"token": "t0ken-123"})).status == "verified"
    assert token.verify(Sent(b"", query={"token": "nope"})).status == "invalid"


def test_overall_prefers_invalid_then_verified() -> None:
    body = b"{}"
    sent = Sent(body, {"x-stackone-signature": hmac_body_signature("s", body)},
                {"token": "wrong"})
    results = [StackOneSignature(["s"]).verify(sent), QueryToken("right").verify(sent)]
    assert overall(results).status == "invalid"
    assert overall(results[:1]).status == "verified"
    assert overall([]).status == "unverified"
