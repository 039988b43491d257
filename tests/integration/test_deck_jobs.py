"""Deck jobs end to end against the sandbox stand-in: submit, webhook, MFA, errors."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from workbench.core.events import EventLog
from workbench.core.platforms.deck import DeckClient, DeckError, job_events, wait_for_job
from workbench.core.transport import TransportSettings, create_client
from workbench.core.webhooks import StandardWebhooks, WebhookReceiver
from workbench.sandbox import deck as deck_stand_in
from workbench.sandbox.server import start_sandbox

SOURCE = "src-bank-of-sandbox"


@dataclass
class Rig:
    deck: DeckClient
    receiver: WebhookReceiver
    log: EventLog

    def ensure_input(self, **given: str) -> dict[str, str]:
        return {"source_guid": SOURCE, "username": "ada", "password": "right",
                "webhook_url": self.receiver.url + "/deck", **given}


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    log = EventLog()
    checks = [StandardWebhooks([deck_stand_in.WEBHOOK_SECRET])]
    async with await start_sandbox() as sandbox, \
            await WebhookReceiver(log, checks).start() as receiver, \
            create_client(log, TransportSettings(timeout=5)) as client:
        deck = DeckClient(client, sandbox.url + "/deck/api/v1", deck_stand_in.CLIENT_ID,
                          deck_stand_in.SECRET, log.redactor)
        yield Rig(deck, receiver, log)


async def test_ensure_connection_delivers_an_access_token_by_signed_webhook(rig: Rig) -> None:
    await rig.deck.check_keys()
    since = rig.receiver.mark()
    guid = await rig.deck.submit("EnsureConnection", rig.ensure_input())
    outcome = await wait_for_job(job_events(rig.receiver, guid, since), rig.deck, guid, 5)
    assert outcome.kind == "connected" and outcome.access_token.startswith("access-sandbox-")
    assert outcome.delivery is not None
    assert outcome.delivery.verification.status == "verified"
    with pytest.raises(DeckError) as busy:  # a second one while the first is open
        await rig.deck.submit("EnsureConnection", rig.ensure_input())
    assert busy.value.code == "ACTIVE_CONNECTION_EXISTS" and "access_token" in busy.value.hint
    assert deck_stand_in.SECRET not in str(rig.log.rendered())


async def test_wrong_credentials_and_wrong_keys_are_explained(rig: Rig) -> None:
    since = rig.receiver.mark()
    guid = await rig.deck.submit("EnsureConnection", rig.ensure_input(password="wrong"))
    outcome = await wait_for_job(job_events(rig.receiver, guid, since), rig.deck, guid, 5)
    assert outcome.kind == "failed" and outcome.error_code == "InvalidCredentials"
    assert "username or password" in outcome.hint
    bad = DeckClient(rig.deck._client, rig.deck._base, "someone", "else", rig.log.redactor)
    with pytest.raises(DeckError) as refused:
        await bad.check_keys()
    assert refused.value.status == 401 and refused.value.code == "INVALID_API_KEYS"
    assert "sandbox keys" in refused.value.hint


async def test_mfa_question_wrong_answer_then_right_answer(rig: Rig) -> None:
    since = rig.receiver.mark()
    guid = await rig.deck.submit("EnsureConnection", rig.ensure_input(username="mfa"))
    events = job_events(rig.receiver, guid, since)
    asked = await wait_for_job(events, rig.deck, guid, 5)
    assert asked.kind == "mfa" and asked.payload["answer_expected_digits"] == 6
    await rig.deck.answer_mfa(guid, "000000")
    wrong = await wait_for_job(events, rig.deck, guid, 5)
    assert wrong.kind == "mfa_invalid"
    await rig.deck.answer_mfa(guid, deck_stand_in.MFA_ANSWER)
    done = await wait_for_job(events, rig.deck, guid, 5)
    assert done.kind == "connected" and done.access_token


async def test_without_a_webhook_the_status_tells(rig: Rig) -> None:
    given = rig.ensure_input(password="wrong")
    del given["webhook_url"]
    since = rig.receiver.mark()
    guid = await rig.deck.submit("EnsureConnection", given)
    outcome = await wait_for_job(job_events(rig.receiver, guid, since), rig.deck, guid, 0.5)
    assert outcome.kind == "failed" and outcome.payload == {"status": "Failed"}
    assert outcome.via == "status" and outcome.hint.startswith("The job failed and Deck")
