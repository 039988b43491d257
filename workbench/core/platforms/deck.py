"""Deck's v1 jobs API (platforms.md §1): submit a job, then learn its outcome from the webhook
that carries the same `job_guid` (or, failing that, from the job's status)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx

from workbench.core.errors import WorkbenchError
from workbench.core.redaction import Redactor
from workbench.core.transport import tag
from workbench.core.webhooks import Delivery, WebhookReceiver

ENVIRONMENTS = {"sandbox": "https://sandbox.deck.co/api/v1", "live": "https://live.deck.co/api/v1"}
FLOW = "deck"

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
    "Unexpected": "The source failed on its side: try again; if it persists, contact Deck with "
                  "the job_guid.",
}


class DeckError(WorkbenchError):
    """Deck refused a request; `code` is its error_code and `hint` says what to do."""

    def __init__(self, message: str, *, code: str = "", status: int | None = None) -> None:
        super().__init__(message)
        self.code, self.status = code, status
        self.hint = HINTS.get(code, "")


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
        return str(error.get("error_code", "")) if isinstance(error, dict) else ""

    @property
    def hint(self) -> str:
        return HINTS.get(self.error_code, "")


class DeckClient:
    """Deck's jobs endpoints through the app's recorded client; keys go in Deck's headers."""

    def __init__(self, client: httpx.AsyncClient, base_url: str, client_id: str, secret: str,
                 redactor: Redactor) -> None:
        self._client = client
        self._base = base_url.rstrip("/")
        redactor.add_value(secret)
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
        response = await self._client.request(method, self._base + path, headers=headers,
                                              extensions=tag(FLOW, step), **kwargs)
        try:
            data = response.json()
        except ValueError:
            data = {}
        if response.status_code >= 400 or not isinstance(data, dict):
            body = data if isinstance(data, dict) else {}
            code = str(body.get("error_code", ""))
            message = str(body.get("error_message") or body.get("message")
                          or f"Deck answered {response.status_code}")
            raise DeckError(f"{step}: {message}", code=code, status=response.status_code)
        return data


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
    if isinstance(payload.get("error"), dict):
        return JobOutcome("failed", job_guid, payload, delivery)
    outcome = JobOutcome("completed", job_guid, payload, delivery)
    if outcome.access_token:
        outcome.kind = "connected"
    return outcome
