"""Our Standard Webhooks check against vectors made by the spec's reference library
(`standardwebhooks` on PyPI), both ways: it signs and we verify, we sign and it verifies."""

from __future__ import annotations

import base64
import datetime
import secrets
from dataclasses import dataclass, field

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from workbench.core.webhooks import StandardWebhooks
from workbench.core.webhooks.signatures import standard_webhooks_headers


@dataclass
class Sent:
    body: bytes
    headers: dict[str, str]
    query: dict[str, str] = field(default_factory=dict)

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


def _secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


BODIES = ['{"job_guid":"a1","output":{"access_token":"access-sandbox-1"}}', "{}",
          '{"text":"caf\\u00e9 \\u2603 ünïcödé"}', " leading space and trailing ", "x" * 5000]


@pytest.mark.parametrize("body", BODIES)
def test_signatures_of_the_reference_library_verify(body: str) -> None:
    secret = _secret()
    now = datetime.datetime.now(tz=datetime.timezone.utc)
    signature = Webhook(secret).sign("msg_2Lg0", now, body)
    sent = Sent(body.encode(), {"webhook-id": "msg_2Lg0",
                                "webhook-timestamp": str(int(now.timestamp())),
                                "webhook-signature": signature})
    assert StandardWebhooks([secret]).verify(sent).status == "verified"
    tampered = Sent(body.encode() + b" ", sent.headers)
    assert StandardWebhooks([secret]).verify(tampered).status == "invalid"
    assert StandardWebhooks([_secret()]).verify(sent).status == "invalid"
    rotated = StandardWebhooks([_secret(), secret])  # the old secret still counts
    assert rotated.verify(sent).status == "verified"


@pytest.mark.parametrize("body", BODIES)
def test_our_signatures_pass_the_reference_library(body: str) -> None:
    secret = _secret()
    headers = standard_webhooks_headers(secret, "msg_ours", body.encode())
    Webhook(secret).verify(body.encode(), headers, json_parse=False)  # raises if wrong
    with pytest.raises(WebhookVerificationError):
        Webhook(_secret()).verify(body.encode(), headers, json_parse=False)


def test_several_signatures_in_one_header_and_stale_timestamps() -> None:
    secret, other = _secret(), _secret()
    now = datetime.datetime.now(tz=datetime.timezone.utc)
    body = '{"webhook_code":"EnsureConnection"}'
    both = f"{Webhook(other).sign('m', now, body)} {Webhook(secret).sign('m', now, body)}"
    sent = Sent(body.encode(), {"webhook-id": "m", "webhook-timestamp":
                                str(int(now.timestamp())), "webhook-signature": both})
    assert StandardWebhooks([secret]).verify(sent).status == "verified"
    old = now - datetime.timedelta(minutes=10)
    stale = Sent(body.encode(), {"webhook-id": "m", "webhook-timestamp":
                                 str(int(old.timestamp())),
                                 "webhook-signature": Webhook(secret).sign("m", old, body)})
    result = StandardWebhooks([secret]).verify(stale)
    assert result.status == "invalid" and "replay" in result.detail
    with pytest.raises(WebhookVerificationError):  # the reference library refuses it too
        Webhook(secret).verify(body.encode(), {k: v for k, v in stale.headers.items()})
