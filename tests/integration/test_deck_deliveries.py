"""Deck jobs against a rude stand-in (faults.md § Deliveries): webhooks that come twice, with no
id, late, before the 202, retried because the receiver answered slowly, slowly or never."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx
import pytest

from tests.support.slow_tunnel import SlowTunnel
from workbench.core.events import EventLog
from workbench.core.platforms.deck import DeckClient, JobOutcome, run_job
from workbench.core.transport import TransportSettings, create_client
from workbench.core.webhooks import StandardWebhooks, WebhookReceiver
from workbench.sandbox import deck as deck_stand_in
from workbench.sandbox.server import SandboxServer, start_sandbox

SOURCE = "src-bank-of-sandbox"
KEYS = {"x-deck-client-id": deck_stand_in.CLIENT_ID, "x-deck-secret": deck_stand_in.SECRET}


@dataclass
class Rig:
    sandbox: SandboxServer
    deck: DeckClient
    receiver: WebhookReceiver
    log: EventLog
    asked: list[str] = field(default_factory=list)  # each question the flow put to the user

    @property
    def api(self) -> str:
        return self.sandbox.url + "/deck/api/v1"

    async def deliveries(self, mode: str) -> None:
        """Tell the stand-in how to deliver the next jobs' webhooks."""
        async with httpx.AsyncClient() as client:
            answer = await client.put(self.api + "/sandbox/deliveries", json={"mode": mode},
                                      headers=KEYS)
        assert answer.status_code == 200, answer.text

    def answers(self, given: tuple[str | None, ...], think: float):  # type: ignore[no-untyped-def]
        """An MFA answerer that gives `given` in turn after `think` seconds, noting what it
        was asked."""
        queue = list(given)

        async def answer(outcome: JobOutcome) -> str | None:
            self.asked.append(f"{outcome.kind}: {outcome.payload.get('question')}")
            await asyncio.sleep(think)
            return queue.pop(0) if queue else None

        return answer

    async def ensure(self, *, webhook_url: str = "", timeout: float = 5,
                     poll_interval: float = 2.0, answers: tuple[str | None, ...] = (),
                     think: float = 0.0, **given: str) -> JobOutcome:
        body = {"source_guid": SOURCE, "username": "ada", "password": "right",
                "webhook_url": webhook_url or self.receiver.url + "/deck", **given}
        return await run_job(self.deck, self.receiver, "EnsureConnection", body, timeout,
                             answer_mfa=self.answers(answers, think) if answers else None,
                             poll_interval=poll_interval)

    def webhook_messages(self) -> list[str]:
        return [e.message for e in self.log if e.kind == "webhook"]

    async def duplicates(self, at_least: int) -> list[str]:
        """The log's webhook lines marked duplicate, once `at_least` of them came (copies
        may still be on their way when the flow has ended)."""
        for _ in range(100):
            found = [m for m in self.webhook_messages() if "duplicate" in m]
            if len(found) >= at_least:
                return found
            await asyncio.sleep(0.05)
        return found


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    log = EventLog()
    checks = [StandardWebhooks([deck_stand_in.WEBHOOK_SECRET])]
    async with await start_sandbox() as sandbox, \
            await WebhookReceiver(log, checks).start() as receiver, \
            create_client(log, TransportSettings(timeout=5)) as client:
        deck = DeckClient(client, sandbox.url + "/deck/api/v1", deck_stand_in.CLIENT_ID,
                          deck_stand_in.SECRET, log.redactor)
        yield Rig(sandbox, deck, receiver, log)


@pytest.mark.parametrize("mode", ["twice,no-id", "twice"])
async def test_a_question_delivered_twice_is_one_question(rig: Rig, mode: str) -> None:
    """The bug: the copy of MfaRequired was taken for a new question after the wrong answer,
    and the run stopped at `mfa`; a wrong answer never reached `mfa_invalid`."""
    await rig.deliveries(mode)
    outcome = await rig.ensure(username="mfa", answers=("000000",))
    assert outcome.kind == "mfa_invalid", rig.asked
    assert rig.asked == ["mfa: Enter the 6-digit code we sent to a***@example.com",
                         "mfa_invalid: That code was not right; try again (2 tries left)."]
    assert outcome.hint and "refused the answer" in outcome.hint
    duplicates = await rig.duplicates(2)
    assert len(duplicates) == 2  # each copy is still in the log, marked
    same = "same body; the sender gave no id" if "no-id" in mode else "same id msg_"
    assert all(same in m for m in duplicates)


async def test_wrong_then_right_answer_through_copies_connects(rig: Rig) -> None:
    await rig.deliveries("twice,no-id")
    outcome = await rig.ensure(username="mfa", answers=("000000", "111111",
                                                        deck_stand_in.MFA_ANSWER))
    assert outcome.kind == "connected" and outcome.access_token.startswith("access-sandbox-")
    assert [a.split(":")[0] for a in rig.asked] == ["mfa", "mfa_invalid", "mfa_invalid"]
    assert "2 tries left" in rig.asked[1] and "1 try left" in rig.asked[2]


async def test_a_late_copy_of_the_question_after_the_answer_is_not_a_new_question(
        rig: Rig) -> None:
    """`late`: each copy comes after the next webhook — the question's copy after the answer's
    result, the result's copy after the next answer's."""
    await rig.deliveries("late=5,no-id")
    outcome = await rig.ensure(username="mfa", answers=("000000", deck_stand_in.MFA_ANSWER))
    assert outcome.kind == "connected", rig.asked
    assert [a.split(":")[0] for a in rig.asked] == ["mfa", "mfa_invalid"]


async def test_results_that_beat_the_202_are_taken(rig: Rig) -> None:
    await rig.deliveries("early,twice")
    outcome = await rig.ensure(username="mfa", answers=("000000", deck_stand_in.MFA_ANSWER))
    assert outcome.kind == "connected", rig.asked
    assert [a.split(":")[0] for a in rig.asked] == ["mfa", "mfa_invalid"]
    submit = next(e for e in rig.log if e.step == "EnsureConnection" and e.kind == "request")
    first_webhook = next(e for e in rig.log if e.kind == "webhook")
    assert first_webhook.id < submit.id  # the question was logged before the 202 came back


async def test_retries_after_a_slow_answer_are_one_event(rig: Rig) -> None:
    """Deck resends when the receiver's 2xx takes too long (10 s; here 0.3 s behind a tunnel
    that holds answers back 0.6 s): every copy arrives, keeps its id, and counts once."""
    await rig.deliveries("retry-timeout=0.3")
    port = int(rig.receiver.url.rsplit(":", 1)[1])
    async with await SlowTunnel(port, delay=0.6).start() as tunnel:
        outcome = await rig.ensure(username="mfa", webhook_url=tunnel.url + "/deck",
                                   answers=("000000", deck_stand_in.MFA_ANSWER), think=1.0)
    assert outcome.kind == "connected", rig.asked
    assert [a.split(":")[0] for a in rig.asked] == ["mfa", "mfa_invalid"]
    assert len(await rig.duplicates(2)) >= 2  # the retries came while the user thought


async def test_a_copy_of_an_older_jobs_webhook_is_not_taken(rig: Rig) -> None:
    await rig.deliveries("late=30")
    first = await rig.ensure()
    assert first.kind == "connected"
    given = {"access_token": first.access_token}
    second = await run_job(rig.deck, rig.receiver, "FetchDocuments", given, timeout=5)
    assert second.kind == "completed" and second.job_guid != first.job_guid
    assert second.payload["webhook_code"] == "FetchDocuments"


async def test_a_silent_sender_falls_back_to_the_jobs_status_and_output(rig: Rig) -> None:
    await rig.deliveries("silent")
    outcome = await rig.ensure(timeout=10, poll_interval=0.2)
    assert outcome.kind == "connected" and outcome.via == "status"
    assert outcome.access_token.startswith("access-sandbox-")
    assert "no webhook came" in outcome.summary("EnsureConnection")
    assert rig.webhook_messages() == []


async def test_a_silent_sender_during_a_question_times_out_clearly(rig: Rig) -> None:
    await rig.deliveries("silent")
    outcome = await rig.ensure(username="mfa", timeout=0.8, poll_interval=0.2)
    assert outcome.kind == "no_webhook" and outcome.status == "Running"
    assert "No webhook arrived; the job's status is 'Running'" in outcome.summary("x")
    assert "webhook URL reaches this machine" in outcome.hint


async def test_a_slow_sender_within_the_timeout_is_waited_for(rig: Rig) -> None:
    await rig.deliveries("delay=0.5")
    outcome = await rig.ensure(timeout=5)
    assert outcome.kind == "connected" and outcome.via == "webhook"
    assert outcome.delivery is not None and outcome.delivery.verification.status == "verified"


async def test_a_deck_v1_webhook_without_id_is_unverified_but_used(rig: Rig) -> None:
    await rig.deliveries("no-id")
    outcome = await rig.ensure()
    assert outcome.kind == "connected" and outcome.delivery is not None
    check = outcome.delivery.verification
    assert check.status == "unverified" and "no webhook-id" in check.detail



async def test_malformed_deliveries_for_the_job_are_logged_and_passed_over(rig: Rig) -> None:
    """While the real webhook is slow, junk that names the job arrives: cut-off JSON, JSON
    nested thousands deep, a body that is not UTF-8, a non-ASCII signature. Each is in the
    log with a flag; the job is still told by its real webhook."""
    await rig.deliveries("delay=1.0")
    from workbench.sandbox import deck

    state = rig.sandbox.state(deck.STATE)

    async def junk() -> None:
        while not state.jobs:
            await asyncio.sleep(0.02)
        guid = next(iter(state.jobs))
        start = f'{{"job_guid": "{guid}", "webhook_code": "EnsureConnection", '.encode()
        bodies = [start + b'"output": {"access_token": "forged"',
                  start + b'"output": ' + b"[" * 5000 + b"]" * 5000 + b"}",
                  start.replace(b"Ensure", b"\xffnsure") + b'"output": {}}']
        async with httpx.AsyncClient() as sender:
            for body in bodies:
                await sender.post(rig.receiver.url + "/deck", content=body,
                                  headers={"content-type": "application/json"})
            await sender.post(rig.receiver.url + "/deck", content=start + b'"x": 1}',
                              headers=[(b"webhook-id", b"m"), (b"webhook-timestamp", b"1"),
                                       (b"webhook-signature", "v1,ä".encode())])

    sending = asyncio.ensure_future(junk())
    outcome = await rig.ensure(timeout=5)
    await sending
    assert outcome.kind == "connected" and outcome.access_token.startswith("access-sandbox-")
    assert outcome.delivery is not None and outcome.delivery.verification.status == "verified"
    messages = rig.webhook_messages()
    assert any("not JSON" in m for m in messages)
    assert any("nested" in m for m in messages)
    assert any("not UTF-8" in m for m in messages)
    assert any(m.startswith("invalid") for m in messages)


async def test_webhooks_with_an_invalid_signature_are_not_believed(rig: Rig) -> None:
    """A wrong signing secret (or a forger): the webhook proves nothing, so the job is told
    from Deck's own API instead, and the log says why the webhook was passed over."""
    rig.receiver.checks = [StandardWebhooks(["whsec_" + "d3Jvbmctc2VjcmV0"])]
    outcome = await rig.ensure(timeout=10, poll_interval=0.2)
    assert outcome.kind == "connected" and outcome.via == "status"
    notes = [e.message for e in rig.log if e.kind == "note"]
    assert any("invalid signature proves nothing" in n and "signing secret" in n
               for n in notes)
