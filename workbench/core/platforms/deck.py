"""Deck's v1 jobs API (platforms.md §1): submit a job, then follow it to its end through the
webhooks that carry the same `job_guid` (or, failing those, through the job's status). The
account file, its keys and the `PLATFORM` the registry finds are here too.

Deck v1 delivers at least once and sends no `webhook-id`: a job is followed as a state machine
over its *distinct* events (question → answer posted → next distinct event), so a copy of the
question is never taken for a new one, whether it arrives late, early or twice.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

import httpx
from pydantic import Field

from workbench.core.formspec import FormField, FormSpec
from workbench.core.platforms.account import PlatformAccount, webhook_secret_field
from workbench.core.platforms.api import PlatformError, call_json
from workbench.core.platforms.claims import (
    VIA_SCHEMA,
    WEBHOOK_PART_SCHEMA,
    RunReport,
    webhook_words,
)
from workbench.core.platforms.registry import Command, Platform, StandIn
from workbench.core.redaction import Redactor
from workbench.core.webhooks import Delivery, StandardWebhooks, WebhookReceiver
from workbench.core.webhooks.follow import Follower
from workbench.core.webhooks.signatures import SignatureCheck

FLOW = "deck"
ENVIRONMENTS = {"sandbox": "https://sandbox.deck.co/api/v1",
                "live": "https://live.deck.co/api/v1"}
NO_WEBHOOK_JOBS = ("CloseConnection",)  # "No webhook is returned"
POLL_INTERVAL = 2.0  # how often the job's status is asked while no webhook comes
ENDED = ("Completed", "Failed", "Canceled")
MfaAnswerer = Callable[["JobOutcome"], Awaitable[str | None]]
Kind = Literal["connected", "mfa", "mfa_invalid", "failed", "completed", "no_webhook"]

# What to do about each documented error code, in plain words.
HINTS = {
    "INVALID_API_KEYS": "The client id or secret is wrong for this environment: sandbox keys "
                        "only work against sandbox, live keys only against live.",
    "ACTIVE_CONNECTION_EXISTS": "A connection is already open for these credentials: pass its "
                                "access_token, or close it (CloseConnection) first.",
    "INVALID_ACCESS_TOKEN": "The access_token is not a live connection any more: run "
                            "EnsureConnection again (with the password).",
    "NO_ACTIVE_CONNECTION": "The connection has closed (idle timeout): run EnsureConnection "
                            "again.",
    "RATE_LIMIT_EXCEEDED": "Too many requests: wait a moment before submitting again.",
    "InvalidCredentials": "The source rejected the username or password: check them with the "
                          "customer (and that the account is not locked).",
    "401": "Deck refused the keys: check the client id and secret, and the environment.",
    "MfaCodeInvalid": "The source gave up after wrong answers to its security question: run "
                      "EnsureConnection again and give the code the customer receives.",
    "MfaTimeout": "Nobody answered the security question in time: run EnsureConnection again.",
    "Timeout": "The source took too long: try again later.",
    "JobCanceled": "The job was cancelled before it finished: submit it again.",
    "JobFailed": "The job ran but the source could not complete it: the message says why; "
                 "try again, or check the input.",
    "Unexpected": "The source failed on its side: try again; if it persists, contact Deck with "
                  "the job_guid.",
}
FAILED_HINT = ("The job failed and Deck said no more (its status, read because no webhook "
               "came): look the job_guid up in Deck's dashboard, and make the webhook reach "
               "this machine to see the error code next time.")
MFA_HINT = ("The source asks a security question and no answer was given: run the job again "
            "and enter the code the customer receives.")
MFA_NO_TERMINAL_HINT = ("The source asks a security question, and stdin is not a terminal, so "
                        "nobody could be asked: run again with --mfa-answer CODE (the code the "
                        "customer receives), or in a terminal to be asked.")
MFA_INVALID_HINT = ("The source refused the answer and asks again: get the current code from "
                    "the customer and answer before the question times out.")
MFA_INVALID_NO_TERMINAL_HINT = ("The source refused the --mfa-answer given and asks again: run "
                                "again with the customer's current code in --mfa-answer.")
NO_WEBHOOK_HINT = ("No webhook for this job reached the receiver: check that the webhook URL "
                   "reaches this machine (a tunnel's public URL in Settings, or --webhook-url), "
                   "then look at the job in Deck.")


DeckError = PlatformError


class DeckAccount(PlatformAccount):
    """A Deck v1 account: keys per environment, and what EnsureConnection usually needs."""

    platform: Literal["deck"]
    environment: Literal["sandbox", "live"] = "sandbox"
    base_url: str = ""
    client_id: str = ""
    secret: str = ""
    source_guid: str = ""
    # Deck's pages disagree (10 minutes in the headless guide, 1 hour elsewhere): a setting.
    connection_idle_minutes: int = Field(10, ge=1, le=1440)


def base_url(environment: str, override: str = "") -> str:
    """The API base: the override when given, else the environment's documented URL."""
    return (override.strip() or ENVIRONMENTS.get(environment, "")).rstrip("/")


def keys_form(account: DeckAccount) -> FormSpec:
    """The account's keys as a form (file values are the defaults)."""
    return FormSpec((
        FormField("environment", "Environment", "text", default=account.environment,
                  required=True, options=tuple(ENVIRONMENTS),
                  help="Sandbox keys work only against sandbox, live keys only against live."),
        FormField("base_url", "Base URL", default=account.base_url,
                  help="Leave empty for the environment's URL; set it for a local stand-in."),
        FormField("client_id", "Client id", group="authentication", required=True,
                  default=account.client_id, help="Sent as x-deck-client-id."),
        FormField("secret", "Secret", "secret", "authentication", required=True,
                  default=account.secret, help="Sent as x-deck-secret."),
        webhook_secret_field(account, "Deck's v2 webhooks are signed per Standard Webhooks "
                             "(whsec_…); v1 documents no signature."),
    ), auth_type="deck")


@dataclass
class JobOutcome:
    """What a job's webhook (or, without one, its status) said."""

    kind: Kind
    job_guid: str
    payload: dict[str, Any] = field(default_factory=dict)
    delivery: Delivery | None = None
    via: Literal["webhook", "status"] = "webhook"
    no_prompt: bool = False  # nobody could be asked the security question (not a terminal)

    @property
    def access_token(self) -> str:
        output = self.payload.get("output")
        return str(output.get("access_token", "")) if isinstance(output, dict) else ""

    @property
    def status(self) -> str:
        """The job's status as Deck reported it, when it was asked (else "")."""
        return str(self.payload.get("status", ""))

    @property
    def error_code(self) -> str:
        error = self.payload.get("error")
        if isinstance(error, dict):
            return str(error.get("error_code", ""))
        output = self.payload.get("output")
        failed = isinstance(output, dict) and output.get("success") is False
        if failed:
            return str(output.get("error_category", "JobFailed"))  # type: ignore[union-attr]
        return "JobCanceled" if self.status == "Canceled" else ""

    @property
    def hint(self) -> str:
        """What to do next; empty only when the job went well."""
        if self.kind == "no_webhook":
            return NO_WEBHOOK_HINT
        if self.kind == "mfa":
            return MFA_NO_TERMINAL_HINT if self.no_prompt else MFA_HINT
        if self.kind == "mfa_invalid":
            return MFA_INVALID_NO_TERMINAL_HINT if self.no_prompt else MFA_INVALID_HINT
        if self.kind == "failed":
            return HINTS.get(self.error_code, FAILED_HINT)
        return ""

    @property
    def ok(self) -> bool:
        return self.kind in ("connected", "completed")

    def summary(self, code: str) -> str:
        """One line on how the job `code` ended (never the token itself)."""
        by_status = " (from the job's status: no webhook came)" if self.via == "status" else ""
        return {
            "connected": f"Connected: Deck returned an access token{by_status}.",
            "completed": f"{code} completed{by_status}.",
            "failed": f"{code} failed: {self.error_code or 'status ' + repr(self.status)}"
                      f"{by_status}.",
            "mfa": "Stopped at the security question: "
                   + ("stdin is not a terminal and no --mfa-answer was given."
                      if self.no_prompt else "no answer was given."),
            "mfa_invalid": "The answer to the security question was wrong.",
            "no_webhook": f"No webhook arrived; the job's status is {self.status or 'unknown'!r}.",
        }[self.kind]

    def report(self, code: str) -> RunReport:
        """How the job `code` ended, for the CLI and the app."""
        summary = self.summary(code)
        return RunReport(self.ok, self.kind, summary, self.hint,
                         webhook_words(self.delivery, self.via),
                         headline=f"{summary} (job {self.job_guid})")


class DeckClient:
    """Deck's jobs endpoints through the app's recorded client; keys go in Deck's headers."""

    def __init__(self, client: httpx.AsyncClient, base_url: str, client_id: str, secret: str,
                 redactor: Redactor) -> None:
        self._client = client
        self._base = base_url.rstrip("/")
        self.redactor = redactor
        redactor.add_value(secret)
        redactor.add_header("x-deck-secret")
        redactor.add_key("answer")  # a security answer is a one-time secret
        self._headers = {"x-deck-client-id": client_id, "x-deck-secret": secret}

    async def check_keys(self) -> None:
        """`GET /test/api_keys`: the cheapest proof the keys work (raises DeckError if not)."""
        await self._call("GET", "/test/api_keys", "check keys")

    async def submit(self, job_code: str, job_input: Mapping[str, Any],
                     sandbox_outcome: str = "") -> str:
        """Submit a job; its `job_guid` (202)."""
        headers = {"x-deck-sandbox": sandbox_outcome} if sandbox_outcome else {}
        data = await self._call("POST", "/jobs/submit", job_code,
                                json={"job_code": job_code, "input": dict(job_input)},
                                headers=headers)
        return str(data["job_guid"])

    async def answer_mfa(self, job_guid: str, answer: str) -> None:
        await self._call("POST", "/jobs/mfa/answer", "mfa answer",
                         json={"job_guid": job_guid, "answer": answer})

    async def status(self, job_guid: str) -> str:
        data = await self._call("GET", f"/jobs/{job_guid}/status", "job status")
        return str(data.get("status", ""))

    async def job(self, job_guid: str) -> dict[str, Any]:
        """`GET /jobs/{id}`: the job with its output (the token, once connected)."""
        return await self._call("GET", f"/jobs/{job_guid}", "job")

    async def _call(self, method: str, path: str, step: str, **kwargs: Any) -> dict[str, Any]:
        headers = {**self._headers, **kwargs.pop("headers", {})}
        data = await call_json(self._client, method, self._base + path, flow=FLOW, step=step,
                               hints=HINTS, headers=headers, **kwargs)
        if not isinstance(data, dict):
            raise DeckError(f"{step}: Deck answered with {type(data).__name__}, not an object")
        return data


async def run_job(deck: DeckClient, receiver: WebhookReceiver, job_code: str,
                  job_input: Mapping[str, Any], timeout: float, *,
                  answer_mfa: MfaAnswerer | None = None, sandbox_outcome: str = "",
                  poll_interval: float = POLL_INTERVAL) -> JobOutcome:
    """Submit a job and follow it to its end. Security questions go to `answer_mfa`; without
    one (or when it gives no answer) the run stops at the question. Only this job's distinct
    events count: the receiver is marked before the submit (a result may beat the 202)."""
    since = receiver.mark()
    guid = await deck.submit(job_code, job_input, sandbox_outcome)
    if job_code in NO_WEBHOOK_JOBS:
        return JobOutcome("completed", guid, {"status": await deck.status(guid)})
    events = job_events(receiver, guid, since)
    while True:
        outcome = await wait_for_job(events, deck, guid, timeout, poll_interval)
        deck.redactor.add_value(outcome.access_token or None)
        if outcome.kind not in ("mfa", "mfa_invalid") or answer_mfa is None:
            return outcome
        answer = await answer_mfa(outcome)
        if not answer:
            return outcome
        await deck.answer_mfa(guid, answer)


def job_events(receiver: WebhookReceiver, job_guid: str, since: int) -> Follower:
    """The distinct webhooks for `job_guid` received after the mark `since`."""

    def ours(delivery: Delivery) -> bool:
        data = delivery.json()
        return isinstance(data, dict) and data.get("job_guid") == job_guid

    return Follower(receiver, ours, since)


async def wait_for_job(events: Follower, deck: DeckClient, job_guid: str, timeout: float,
                       poll_interval: float = POLL_INTERVAL) -> JobOutcome:
    """The job's next distinct event. While none comes its status is polled: a job that has
    ended with no webhook is told from its status (and output); one still running after
    `timeout` seconds is `no_webhook`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    webhook = asyncio.ensure_future(events.next(timeout))
    ended_seen = False
    try:
        while not webhook.done() and loop.time() < deadline:
            wait = min(poll_interval / 2 if ended_seen else poll_interval,
                       deadline - loop.time())
            await asyncio.wait({webhook}, timeout=max(wait, 0))
            if webhook.done():
                break
            status = await _status(deck, job_guid)
            if status in ENDED:
                if ended_seen:  # ended, and its webhook is still not here: believe the status
                    return await _from_status(deck, job_guid, status)
                ended_seen = True
        if webhook.done() and webhook.exception() is None:
            return _outcome(job_guid, webhook.result())
    finally:
        webhook.cancel()
        with contextlib.suppress(BaseException):
            await webhook
    status = await _status(deck, job_guid)
    if status in ENDED:
        return await _from_status(deck, job_guid, status)
    return JobOutcome("no_webhook", job_guid, {"status": status}, via="status")


async def _status(deck: DeckClient, job_guid: str) -> str:
    """The job's status, or "" when Deck would not say (the wait goes on regardless)."""
    try:
        return await deck.status(job_guid)
    except PlatformError:
        return ""


async def _from_status(deck: DeckClient, job_guid: str, status: str) -> JobOutcome:
    """An ended job told by `GET /jobs/{id}` (its output), or by its status alone."""
    try:
        job = await deck.job(job_guid)
    except PlatformError:
        job = {}
    output = job.get("output") if isinstance(job.get("output"), dict) else None
    payload: dict[str, Any] = {"status": status, **({"output": output} if output else {})}
    outcome = JobOutcome("completed" if status == "Completed" else "failed", job_guid,
                         payload, via="status")
    if outcome.access_token:
        outcome.kind = "connected"
    elif status == "Completed" and job.get("job_code") == "EnsureConnection":
        outcome.kind = "no_webhook"  # connected, but the token comes only by webhook
    return outcome


def _outcome(job_guid: str, delivery: Delivery) -> JobOutcome:
    payload = delivery.json()
    code = payload.get("webhook_code")
    if code == "MfaRequired":
        return JobOutcome("mfa", job_guid, payload, delivery)
    if code == "MfaQuestionInvalidAnswer":
        return JobOutcome("mfa_invalid", job_guid, payload, delivery)
    outcome = JobOutcome("completed", job_guid, payload, delivery)
    if outcome.error_code:
        outcome.kind = "failed"
        return outcome
    if outcome.access_token:
        outcome.kind = "connected"
    return outcome


def ensure_connection_form(source_guid: str = "", webhook_url: str = "") -> FormSpec:
    """Every EnsureConnection input of Deck's headless guide, as a form."""
    return FormSpec((
        FormField("source_guid", "Source guid", required=True, default=source_guid,
                  help="The source (bank, utility, portal) to log in to."),
        FormField("username", "Username", help="The customer's login; empty for sources "
                  "with no authentication."),
        FormField("password", "Password", "secret", help="Not needed when an access_token "
                  "from an earlier connection is given."),
        FormField("external_id", "External id", help="Your own id for this customer."),
        FormField("access_token", "Access token", "secret",
                  help="From an earlier EnsureConnection: reconnects without the password."),
        FormField("webhook_url", "Webhook URL", default=webhook_url,
                  help="Where Deck sends the result; overrides the Dashboard's URL."),
        FormField("account_id", "Account id", help="Picks one account when the credentials "
                  "reach several."),
    ))


def job_input(values: Mapping[str, str]) -> dict[str, str]:
    """EnsureConnection's input from the form: username and password always present (Deck
    wants empty strings for sources with no auth), other empty fields left out."""
    given = {k: v for k, v in values.items() if v.strip()}
    return {"username": "", "password": "", **given}


def client(account: DeckAccount, values: Mapping[str, str], http: httpx.AsyncClient,
           redactor: Redactor) -> DeckClient:
    """The account's API client on `http`: the keys form's values, else the file's."""
    keys = keys_form(account).with_defaults(values)
    return DeckClient(http, base_url(keys["environment"], keys["base_url"]), keys["client_id"],
                      keys["secret"], redactor)


async def check_keys(deck: DeckClient) -> None:
    await deck.check_keys()


def webhook_checks(secrets: str) -> list[SignatureCheck]:
    """Deck signs per Standard Webhooks (v2); v1's unsigned deliveries stay `unverified`."""
    return [StandardWebhooks(secrets.split())]


PLATFORM = Platform(
    name="deck", title="Deck", account=DeckAccount, form=keys_form, client=client,
    check_keys=check_keys, webhook_checks=webhook_checks, keys_label="Deck API keys",
    webhook_path="/deck", outcomes=(*get_args(Kind), "refused"),
    commands=(Command(
        "job", "submit a Deck job and wait for its webhook", "workbench.cli_deck",
        required=("job_code", "job_guid", "webhook", "payload"),
        properties={"job_code": {"type": "string"}, "job_guid": {"type": ["string", "null"]},
                    "error_code": {"type": ["string", "null"]},
                    "payload": {"description": "the webhook's (or status's) payload, redacted"},
                    "webhook": WEBHOOK_PART_SCHEMA, "via": VIA_SCHEMA}),),
    panel="workbench.qt.deck_panel:DeckPanel",
    stand_in=StandIn("/deck/api/v1", "workbench.sandbox.deck:create_deck_app",
                     "workbench.sandbox.deck:demo"))
