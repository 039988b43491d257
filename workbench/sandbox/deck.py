"""A local stand-in for Deck's v1 jobs API (platforms.md §1): jobs answer by signed webhook.

EnsureConnection outcomes follow the credentials: password `wrong` → InvalidCredentials,
username `mfa` → MfaRequired (answer with MFA_ANSWER; three wrong answers end
the job with MfaCodeInvalid), anything else connects. The `x-deck-sandbox` header forces an
outcome by name, as Deck's sandbox simulations do.

Webhooks are delivered as a real sender may (webhook_sender.py): the `x-deck-sandbox-deliveries`
header on a submit, or `PUT /sandbox/deliveries {"mode": …}` for every later job, makes them
come twice, late, early, without an id, slowly, or not at all.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any

import httpx
from aiohttp import web

from workbench.core.events import EventLog
from workbench.core.platforms.claims import RunReport
from workbench.core.platforms.deck import PLATFORM, DeckAccount, job_input, run_job
from workbench.core.webhooks import WebhookReceiver
from workbench.core.webhooks.signatures import standard_webhooks_headers
from workbench.sandbox.background import Background
from workbench.sandbox.webhook_sender import DeliveryMode, WebhookSender

CLIENT_ID = "sandbox-deck-client-5a1f"
SECRET = "sandbox-deck-secret-c07e"
"""Keys for this stand-in (`x-deck-client-id` / `x-deck-secret`): public demo values."""

WEBHOOK_SECRET = "whsec_c2FuZGJveC1kZWNrLXdlYmhvb2stc2VjcmV0"
"""The Standard Webhooks secret this stand-in signs its webhooks with."""

MFA_ANSWER = "123456"
"""Username `mfa` makes EnsureConnection ask a question; this is the right answer."""

MODE_HEADER = "x-deck-sandbox-deliveries"
MFA_TRIES = 3


@dataclass
class Job:
    guid: str
    code: str
    input: dict[str, Any]
    status: str = "Running"
    created_at: int = field(default_factory=lambda: int(time.time()))
    output: dict[str, Any] = field(default_factory=dict)
    mfa_tries: int = 0
    mode: DeliveryMode = field(default_factory=DeliveryMode)


@dataclass
class DeckState:
    background: Background
    sender: WebhookSender
    mode: DeliveryMode = field(default_factory=DeliveryMode)  # for jobs that name none
    jobs: dict[str, Job] = field(default_factory=dict)
    connections: set[str] = field(default_factory=set)  # source_guid + username with a connection
    tokens: dict[str, str] = field(default_factory=dict)  # access_token → connection key
    # Deck keeps the webhook URL a connection was opened with for its later jobs.
    webhooks: dict[str, str] = field(default_factory=dict)  # access_token → webhook_url


STATE = web.AppKey("deck_state", DeckState)


def create_deck_app() -> web.Application:
    app = web.Application(middlewares=[_keys_required])
    background = Background(app)
    app[STATE] = DeckState(background, WebhookSender(_render, background))
    app.router.add_get("/test/api_keys", _test_keys)
    app.router.add_post("/jobs/submit", _submit)
    app.router.add_post("/jobs/mfa/answer", _mfa_answer)
    app.router.add_get("/jobs/{guid}/status", _status)
    app.router.add_get("/jobs/{guid}", _job)
    app.router.add_get("/sandbox/deliveries", _get_mode)
    app.router.add_put("/sandbox/deliveries", _put_mode)
    return app


@web.middleware
async def _keys_required(request: web.Request, handler: Any) -> web.StreamResponse:
    if (request.headers.get("x-deck-client-id") != CLIENT_ID
            or request.headers.get("x-deck-secret") != SECRET):
        return _error(401, "INVALID_API_KEYS", "The client id or secret is not valid for "
                      "this environment.")
    return await handler(request)


async def _test_keys(_request: web.Request) -> web.Response:
    return web.json_response({"message": "Your API keys are valid."})


async def _submit(request: web.Request) -> web.Response:
    state = request.app[STATE]
    try:
        body = await request.json()
        code, given = str(body["job_code"]), dict(body.get("input") or {})
    except (ValueError, KeyError, TypeError):
        return _error(400, "INVALID_REQUEST", "Send {job_code, input:{…}} as JSON.")
    try:
        mode = DeliveryMode.parse(request.headers[MODE_HEADER]) \
            if MODE_HEADER in request.headers else state.mode
    except ValueError as exc:
        return _error(400, "INVALID_REQUEST", f"{MODE_HEADER}: {exc}")
    if code != "EnsureConnection":
        token = str(given.get("access_token", ""))
        if token not in state.tokens:
            return _error(400, "INVALID_ACCESS_TOKEN", "The access_token is not a live "
                          "connection.")
        job = _new_job(state, code, {"webhook_url": state.webhooks.get(token, ""), **given},
                       mode)
        if code == "CloseConnection":  # closes at once, and Deck sends no webhook for it
            state.connections.discard(state.tokens.pop(token))
            state.webhooks.pop(token, None)
            job.status = "Completed"
        else:
            await _start(state, job, _run_job(state, job, request.headers.get(
                "x-deck-sandbox", "")))
        return web.json_response({"job_guid": job.guid, "job_code": code}, status=202)
    if not given.get("source_guid"):
        return _error(400, "INVALID_INPUT", "source_guid is required.")
    key = f"{given['source_guid']}/{given.get('username', '')}"
    if key in state.connections and not given.get("access_token"):
        return _error(400, "ACTIVE_CONNECTION_EXISTS", "A connection is already open for "
                      "these credentials; close it or pass its access_token.")
    job = _new_job(state, code, given, mode)
    outcome = request.headers.get("x-deck-sandbox") or _outcome(given)
    await _start(state, job, _run_ensure(state, job, key, outcome))
    return web.json_response({"job_guid": job.guid, "job_code": code}, status=202)


async def _start(state: DeckState, job: Job, work: Coroutine[Any, Any, None]) -> None:
    """Run the job after the answer, or (mode `early`) before it, as a racing sender may."""
    if job.mode.early:
        await work
    else:
        state.background.later(work)


def _outcome(given: dict[str, Any]) -> str:
    if given.get("password") == "wrong":
        return "InvalidCredentials"
    if given.get("username") == "mfa":
        return "MfaRequired"
    return "EnsureConnection"


async def _run_ensure(state: DeckState, job: Job, key: str, outcome: str) -> None:
    await asyncio.sleep(0.05)  # the sandbox answers quickly (inside the request if `early`)
    if outcome == "MfaRequired":
        await _deliver(state, job, {
            "question": "Enter the 6-digit code we sent to a***@example.com",
            "method_selected": "email", "answer_expected_digits": 6,
            "webhook_code": "MfaRequired"})
        return
    if outcome == "EnsureConnection":
        await _connect(state, job, key)
        return
    job.status = "Failed"
    messages = {"InvalidCredentials": "The username or password is incorrect.",
                "Unexpected": "The source failed unexpectedly."}
    await _deliver(state, job, {"error": {"error_code": outcome,
                                   "error_message": messages.get(outcome, outcome)},
                         "webhook_code": "EnsureConnection"})


async def _run_job(state: DeckState, job: Job, simulation: str) -> None:
    """Any job but EnsureConnection/CloseConnection: a small output, or the simulated failure."""
    await asyncio.sleep(0.05)
    if simulation == "job-failed":
        job.status = "Failed"
        output: dict[str, Any] = {"success": False, "error_category": "JobFailed",
                                  "message": "The source could not complete the job."}
        await _deliver(state, job, {"output": output, "webhook_code": job.code})
        return
    if simulation.startswith("error-"):
        job.status = "Failed"
        code = "".join(part.title() for part in simulation.removeprefix("error-").split("-"))
        await _deliver(state, job, {"error": {"error_code": code,
                                              "error_message": f"Simulated {code}."},
                                    "webhook_code": job.code})
        return
    job.status, job.output = "Completed", {"success": True, "items": [], "job_code": job.code}
    await _deliver(state, job, {"output": job.output, "webhook_code": job.code})


async def _connect(state: DeckState, job: Job, key: str) -> None:
    token = f"access-sandbox-{uuid.uuid4()}"
    state.connections.add(key)
    state.tokens[token] = key
    state.webhooks[token] = str(job.input.get("webhook_url") or "")
    job.status, job.output = "Completed", {"access_token": token}
    await _deliver(state, job, {"output": {"access_token": token},
                                "webhook_code": "EnsureConnection"})


async def _mfa_answer(request: web.Request) -> web.Response:
    state = request.app[STATE]
    try:
        body = await request.json()
        job = state.jobs[str(body["job_guid"])]
        answer = str(body["answer"])
    except (ValueError, KeyError, TypeError):
        return _error(400, "INVALID_REQUEST", "Send {job_guid, answer} for a running job.")
    if job.status != "Running":
        return _error(400, "JOB_NOT_RUNNING", f"The job is {job.status}; it takes no answer.")
    if answer == MFA_ANSWER:
        key = f"{job.input['source_guid']}/{job.input.get('username', '')}"
        await _start(state, job, _connect(state, job, key))
    else:
        job.mfa_tries += 1
        await _start(state, job, _wrong_answer(state, job))
    return web.json_response({"job_guid": job.guid})


async def _wrong_answer(state: DeckState, job: Job) -> None:
    left = MFA_TRIES - job.mfa_tries
    if left <= 0:
        job.status = "Failed"
        await _deliver(state, job, {"error": {"error_code": "MfaCodeInvalid", "error_message":
                                              "The security code was wrong too many times."},
                                    "webhook_code": "EnsureConnection"})
        return
    await _deliver(state, job, {"question": f"That code was not right; try again ({left} "
                                            f"{'try' if left == 1 else 'tries'} left).",
                                "method_selected": "email", "answer_expected_digits": 6,
                                "webhook_code": "MfaQuestionInvalidAnswer"})


async def _status(request: web.Request) -> web.Response:
    state = request.app[STATE]
    job = state.jobs.get(request.match_info["guid"])
    if job is None:
        return _error(404, "JOB_NOT_FOUND", "No such job.")
    return web.json_response({"job_guid": job.guid, "status": job.status,
                              "created_at": job.created_at, "updated_at": int(time.time())})


async def _job(request: web.Request) -> web.Response:
    """`GET /jobs/{id}`: the job with its output (the token, once connected)."""
    job = request.app[STATE].jobs.get(request.match_info["guid"])
    if job is None:
        return _error(404, "JOB_NOT_FOUND", "No such job.")
    return web.json_response({"job_id": job.guid, "job_code": job.code, "status": job.status,
                              "output": job.output, "source_id": job.input.get("source_guid"),
                              "created_at": job.created_at, "updated_at": int(time.time())})


async def _get_mode(request: web.Request) -> web.Response:
    return web.json_response({"mode": str(request.app[STATE].mode)})


async def _put_mode(request: web.Request) -> web.Response:
    """How webhooks of later jobs are delivered (see webhook_sender.py), e.g. "twice,no-id"."""
    try:
        body = await request.json()
        mode = DeliveryMode.parse(str(body.get("mode", "")))
    except (ValueError, AttributeError) as exc:
        return _error(400, "INVALID_REQUEST", f"Send {{\"mode\": \"twice,late,…\"}}: {exc}")
    request.app[STATE].mode = mode
    return web.json_response({"mode": str(mode)})


def _new_job(state: DeckState, code: str, given: dict[str, Any], mode: DeliveryMode) -> Job:
    job = Job(str(uuid.uuid4()), code, given, mode=mode)
    state.jobs[job.guid] = job
    return job


async def _deliver(state: DeckState, job: Job, payload: dict[str, Any]) -> None:
    """The job's webhook to its URL (none without one: the status endpoint still tells)."""
    body = {"job_guid": job.guid, **payload, "webhook_type": "Job", "environment": "Sandbox"}
    await state.sender.send(str(job.input.get("webhook_url") or ""), body, job.mode)


def _render(payload: dict[str, Any], message_id: str | None) -> tuple[bytes, dict[str, str]]:
    """Deck's body; signed per Standard Webhooks when it has an id (v1 sends neither)."""
    body = json.dumps(payload).encode()
    headers = {"content-type": "application/json"}
    if message_id:
        headers.update(standard_webhooks_headers(WEBHOOK_SECRET, message_id,
                                                 body))
    return body, headers


async def demo(account: DeckAccount, url: str, receiver: WebhookReceiver,
               http: httpx.AsyncClient, log: EventLog) -> RunReport:
    """`workbench demo`: an EnsureConnection against this stand-in at `url`."""
    deck = PLATFORM.client(account, {"base_url": url}, http, log.redactor)
    body = job_input({"source_guid": account.source_guid, "username": "demo",
                      "password": "demo", "webhook_url": PLATFORM.webhook_url(receiver.url)})
    job = await run_job(deck, receiver, "EnsureConnection", body, 10)
    return job.report("EnsureConnection")


def _error(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"error_category": "API_ERROR" if status != 401 else "AUTH_ERROR",
                              "error_code": code, "error_message": message,
                              "display_message": message}, status=status)
