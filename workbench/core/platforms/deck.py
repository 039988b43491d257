"""Deck's v1 jobs API (platforms.md §1): submit a job, then learn its outcome from the webhook
that carries the same `job_guid` (or, failing that, from the job's status)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx

from workbench.core.formspec import FormField, FormSpec
from workbench.core.platforms.api import PlatformError, call_json
from workbench.core.redaction import Redactor
from workbench.core.webhooks import Delivery, WebhookReceiver

FLOW = "deck"
NO_WEBHOOK_JOBS = ("CloseConnection",)  # "No webhook is returned"
MfaAnswerer = Callable[["JobOutcome"], Awaitable[str | None]]

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
    "MfaCodeInvalid": "The answer to the security question was wrong: ask the customer again.",
    "MfaTimeout": "Nobody answered the security question in time: run EnsureConnection again.",
    "Timeout": "The source took too long: try again later.",
    "JobFailed": "The job ran but the source could not complete it: the message says why; "
                 "try again, or check the input.",
    "Unexpected": "The source failed on its side: try again; if it persists, contact Deck with "
                  "the job_guid.",
}


DeckError = PlatformError


@dataclass
class JobOutcome:
    """What a job's webhook (or status) said."""

    kind: Literal["connected", "mfa", "mfa_invalid", "failed", "completed", "no_webhook"]
    job_guid: str
    payload: dict[str, Any] = field(default_factory=dict)
    delivery: Delivery | None = None

    @property
    def access_token(self) -> str:
        output = self.payload.get("output")
        return str(output.get("access_token", "")) if isinstance(output, dict) else ""

    @property
    def error_code(self) -> str:
        error = self.payload.get("error")
        if isinstance(error, dict):
            return str(error.get("error_code", ""))
        output = self.payload.get("output")
        failed = isinstance(output, dict) and output.get("success") is False
        return str(output.get("error_category", "JobFailed")) if failed else ""  # type: ignore[union-attr]

    @property
    def hint(self) -> str:
        if self.kind == "no_webhook":
            return ("No webhook arrived for this job: check that the webhook URL reaches this "
                    "machine (a tunnel's public URL in Settings), then look at the job in Deck.")
        if self.kind == "mfa":
            return "The source asks a security question: answer it (POST /jobs/mfa/answer)."
        return HINTS.get(self.error_code, "")

    @property
    def ok(self) -> bool:
        return self.kind in ("connected", "completed")


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

    async def _call(self, method: str, path: str, step: str, **kwargs: Any) -> dict[str, Any]:
        headers = {**self._headers, **kwargs.pop("headers", {})}
        data = await call_json(self._client, method, self._base + path, flow=FLOW, step=step,
                               hints=HINTS, headers=headers, **kwargs)
        if not isinstance(data, dict):
            raise DeckError(f"{step}: Deck answered with {type(data).__name__}, not an object")
        return data


async def run_job(deck: DeckClient, receiver: WebhookReceiver, job_code: str,
                  job_input: Mapping[str, Any], timeout: float, *,
                  answer_mfa: MfaAnswerer | None = None, sandbox_outcome: str = "") -> JobOutcome:
    """Submit a job and follow it to its end. Security questions go to `answer_mfa`; without
    one (or when it gives no answer) the run stops at the question."""
    guid = await deck.submit(job_code, job_input, sandbox_outcome)
    if job_code in NO_WEBHOOK_JOBS:
        return JobOutcome("completed", guid, {"status": await deck.status(guid)})
    seen = 0
    while True:
        outcome = await wait_for_job(receiver, deck, guid, timeout, after=seen)
        deck.redactor.add_value(outcome.access_token or None)
        seen += 1
        if outcome.kind not in ("mfa", "mfa_invalid") or answer_mfa is None:
            return outcome
        answer = await answer_mfa(outcome)
        if not answer:
            return outcome
        await deck.answer_mfa(guid, answer)


async def wait_for_job(receiver: WebhookReceiver, deck: DeckClient, job_guid: str,
                       timeout: float, after: int = 0) -> JobOutcome:
    """The next webhook for `job_guid` (the `after`+1-th one); on timeout, the job's status."""
    seen = 0

    def ours(delivery: Delivery) -> bool:
        nonlocal seen
        data = delivery.json()
        if not (isinstance(data, dict) and data.get("job_guid") == job_guid):
            return False
        seen += 1
        return seen > after

    try:
        delivery = await receiver.wait_for(ours, timeout)
    except TimeoutError:
        status = await deck.status(job_guid)
        kind: Literal["failed", "completed", "no_webhook"] = (
            "failed" if status == "Failed" else "completed" if status == "Completed"
            else "no_webhook")
        return JobOutcome(kind, job_guid, {"status": status})
    return _outcome(job_guid, delivery)


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
