"""A local stand-in for StackOne's platform API (platforms.md §2): connect sessions, a hosted
auth link, linked accounts, a few unified endpoints and a signed `account.created` webhook.

JSON routes want HTTP Basic with `API_KEY` as username and an empty password.
On the hosted page, API key `wrong` is rejected and `expired` links an account that answers 412.
A session with `account_id` opens that account in edit mode: finishing it updates the account
(`account.updated`) instead of creating one. `PUT /dashboard/webhook` stands in for the dashboard
setting that says where webhooks go; `PUT /sandbox/deliveries {"mode": "twice,no-id"}` makes
the webhooks of later sessions come as a rude sender's do (webhook_sender.py).
"""

from __future__ import annotations

import asyncio
import html
import itertools
import json
import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import httpx
from aiohttp import BasicAuth, web
from yarl import URL

from workbench.core.events import EventLog
from workbench.core.platforms.claims import RunReport
from workbench.core.platforms.stackone import PLATFORM, StackOneAccount
from workbench.core.platforms.stackone_link import link_and_verify
from workbench.core.webhooks import WebhookReceiver
from workbench.core.webhooks.signatures import hmac_body_signature
from workbench.sandbox.background import Background
from workbench.sandbox.customer import complete_link
from workbench.sandbox.webhook_sender import DeliveryMode, WebhookSender

API_KEY = "sandbox-stackone-key-6d2e"
"""API key for this stand-in: HTTP Basic with the key as username, empty password (demo)."""

WEBHOOK_SECRET = "sandbox-stackone-signing-secret-93ab"
"""This stand-in signs `account.created` with this (`x-stackone-signature`)."""

CATEGORIES = ("ats", "hris", "hris-legacy", "crm", "iam", "marketing", "lms", "stackone",
              "documents", "ticketing", "screening", "messaging", "accounting", "scheduling")
PROVIDERS = {"hris": ("bamboohr", "hibob", "personio"), "ats": ("greenhouse", "lever"),
             "crm": ("hubspot", "salesforce")}
GENERIC_PROVIDER = "demo"
SAMPLES: dict[str, list[dict[str, Any]]] = {
    "hris/employees": [{"id": "emp_1", "first_name": "Ada", "last_name": "Lovelace"},
                       {"id": "emp_2", "first_name": "Alan", "last_name": "Turing"}],
    "hris/companies": [{"id": "com_1", "name": "Analytical Engines Ltd"},
                       {"id": "com_2", "name": "Bletchley Works"}],
    "ats/candidates": [{"id": "can_1", "first_name": "Grace", "last_name": "Hopper"},
                       {"id": "can_2", "first_name": "Edsger", "last_name": "Dijkstra"}],
    "ats/jobs": [{"id": "job_1", "title": "Compiler Engineer", "status": "open"},
                 {"id": "job_2", "title": "Data Analyst", "status": "closed"}],
    "crm/contacts": [{"id": "con_1", "first_name": "Margaret", "email": "margaret@example.com"},
                     {"id": "con_2", "first_name": "Claude", "email": "claude@example.com"}],
}
LOCAL_HOSTS = {"127.0.0.1", "::1", "localhost"}
PUBLIC_ROUTES = {"hosted", "hosted_submit"}  # the end user's page needs no API key


@dataclass
class Session:
    body: dict[str, Any]
    expires_at: float
    multiple: bool
    used: bool = False
    mode: DeliveryMode = field(default_factory=DeliveryMode)


@dataclass
class StackOneState:
    background: Background
    sender: WebhookSender
    mode: DeliveryMode = field(default_factory=DeliveryMode)  # for sessions created from now
    sessions: dict[str, Session] = field(default_factory=dict)  # token → session
    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)  # oldest first
    webhook_url: str | None = None
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))


STATE = web.AppKey("stackone_state", StackOneState)


def create_stackone_app() -> web.Application:
    app = web.Application(middlewares=[_key_required])
    background = Background(app)
    app[STATE] = StackOneState(background, WebhookSender(_render, background, "evt_"))
    app.router.add_get("/dashboard/webhook", _get_webhook)
    app.router.add_put("/dashboard/webhook", _put_webhook)
    app.router.add_get("/sandbox/deliveries", _get_mode)
    app.router.add_put("/sandbox/deliveries", _put_mode)
    app.router.add_post("/connect_sessions", _create_session)
    app.router.add_post("/connect_sessions/authenticate", _authenticate)
    app.router.add_get("/embedded/integrations", _hosted_page, name="hosted")
    app.router.add_post("/embedded/integrations", _hosted_submit, name="hosted_submit")
    app.router.add_get("/accounts", _list_accounts)
    app.router.add_get("/accounts/{id}", _account)
    app.router.add_delete("/accounts/{id}", _account)
    app.router.add_get("/unified/{category}/{resource}", _unified)
    return app


def _now() -> float:
    """The clock; tests replace it to expire sessions without waiting."""
    return time.time()


def _iso(moment: float | None = None) -> str:
    return datetime.fromtimestamp(_now() if moment is None else moment, timezone.utc).isoformat()


@web.middleware
async def _key_required(request: web.Request, handler: Any) -> web.StreamResponse:
    if request.match_info.route.name in PUBLIC_ROUTES:
        return await handler(request)
    try:
        auth = BasicAuth.decode(request.headers.get("Authorization", ""))
    except ValueError:
        auth = None
    if auth is None or auth.login != API_KEY or auth.password:
        return _error(401, "Unauthorized: send the API key as the Basic username with an "
                      "empty password")
    try:
        return await handler(request)
    except web.HTTPException as exc:  # unknown routes and methods answer in StackOne's shape
        return _error(exc.status, exc.reason)


async def _get_webhook(request: web.Request) -> web.Response:
    return web.json_response({"url": request.app[STATE].webhook_url})


async def _put_webhook(request: web.Request) -> web.Response:
    body = await _json_body(request)
    url = URL(str(body.get("url") or ""))
    if url.scheme not in ("http", "https") or url.host not in LOCAL_HOSTS:
        return _error(400, "url must be an http(s) URL on 127.0.0.1, [::1] or localhost")
    request.app[STATE].webhook_url = str(url)
    return web.json_response({"url": str(url)})


async def _get_mode(request: web.Request) -> web.Response:
    return web.json_response({"mode": str(request.app[STATE].mode)})


async def _put_mode(request: web.Request) -> web.Response:
    body = await _json_body(request)
    try:
        mode = DeliveryMode.parse(str(body.get("mode", "")))
    except ValueError as exc:
        return _error(400, str(exc))
    request.app[STATE].mode = mode
    return web.json_response({"mode": str(mode)})


async def _create_session(request: web.Request) -> web.Response:
    state = request.app[STATE]
    body = await _json_body(request)
    for name in ("origin_owner_id", "origin_owner_name"):
        if not isinstance(body.get(name), str) or not body[name]:
            return _error(400, f"{name} is required")
    categories = body.get("categories") or []
    if not isinstance(categories, list):
        return _error(400, "categories must be a list")
    for category in categories:
        if category not in CATEGORIES:
            return _error(400, f"Unknown category {category!r}; use one of "
                          f"{', '.join(CATEGORIES)}")
    expires_in = body.get("expires_in", 1800)
    if type(expires_in) is not int or not 1 <= expires_in <= 31536000:
        return _error(400, "expires_in must be a whole number of seconds from 1 to 31536000")
    if not isinstance(body.get("metadata", {}), dict):
        return _error(400, "metadata must be an object")
    if body.get("type") not in (None, "PRODUCTION", "TEST"):
        return _error(400, "type must be PRODUCTION or TEST")
    if body.get("account_id") is not None and body["account_id"] not in state.accounts:
        return _error(404, f"Account {body['account_id']} not found")
    token, created = secrets.token_urlsafe(32), _iso()
    link = request.app.router["hosted"].url_for().with_query(token=token)
    session = {
        "id": next(state.ids), "organization_id": "org-sandbox", "project_id": "proj-sandbox",
        "origin_owner_id": body["origin_owner_id"], "origin_owner_name": body["origin_owner_name"],
        "origin_username": body.get("origin_username"), "created_at": created, "token": token,
        "auth_link_url": str(request.url.origin().join(link)), "categories": categories,
        "provider": body.get("provider"), "provider_version": body.get("provider_version"),
        "account_id": body.get("account_id"), "label": body.get("label"),
        "metadata": body.get("metadata"), "external_trigger_token": secrets.token_urlsafe(24),
        "type": body.get("type"), "integration_id": body.get("integration_id"),
        "latest_connection_attempt": {
            "id": f"att_{secrets.token_hex(8)}", "created_at": created, "updated_at": created,
            "status": "pending", "account_secure_id": None, "oauth_error_code": None,
            "oauth_error_description": None}}
    state.sessions[token] = Session(session, _now() + expires_in, bool(body.get("multiple")),
                                    mode=state.mode)
    return web.json_response(session, status=201)


async def _authenticate(request: web.Request) -> web.Response:
    body = await _json_body(request)
    session = request.app[STATE].sessions.get(str(body.get("token") or ""))
    if session is None:
        return _error(404, "Connect session not found for this token")
    if _now() >= session.expires_at:
        return _error(401, "The connect session has expired; create a new one")
    return web.json_response(session.body, status=201)


async def _hosted_page(request: web.Request) -> web.Response:
    session, refusal = _usable(request, request.query.get("token", ""))
    return refusal or _page(200, session, request.path)


async def _hosted_submit(request: web.Request) -> web.Response:
    form = await request.post()
    session, refusal = _usable(request, str(form.get("token", "")))
    if refusal:
        return refusal
    provider, api_key = str(form.get("provider", "")), str(form.get("api_key", ""))
    if provider not in _providers(session.body) or not api_key:
        return _page(400, session, request.path, "Choose a provider and enter its API key.")
    attempt = session.body["latest_connection_attempt"]
    attempt["updated_at"] = now = _iso()
    if api_key == "wrong":
        attempt.update(status="failed", oauth_error_code="invalid_credentials",
                       oauth_error_description="The provider rejected these credentials")
        return _page(401, session, request.path, "The provider rejected these credentials.")
    state = request.app[STATE]
    edited = state.accounts.get(str(session.body.get("account_id")))
    account = edited or {
        "id": f"acc_{secrets.token_hex(8)}", "status_reasons": [],
        "origin_owner_id": session.body["origin_owner_id"],
        "origin_owner_name": session.body["origin_owner_name"],
        "origin_username": session.body["origin_username"], "label": session.body["label"],
        "type": session.body["type"] or "PRODUCTION", "credentials": {}, "created_at": now}
    account.update(provider=provider, status="active", status_reasons=[], updated_at=now)
    if api_key == "expired":
        account["status"] = "expired"
        account["status_reasons"] = [{"code": "credentials_expired", "timestamp": now,
                                      "description": "The provider credentials have expired"}]
    state.accounts[account["id"]] = account
    session.used = True
    attempt.update(status="success", account_secure_id=account["id"], oauth_error_code=None,
                   oauth_error_description=None)
    if state.webhook_url:
        event = "account.updated" if edited else "account.created"
        state.background.later(state.sender.send(state.webhook_url, _event(event, account),
                                                 session.mode))
    return _html(200, "Connected", f"<p>Connected to {html.escape(provider)}. "
                 "You can close this window.</p>")


def _usable(request: web.Request, token: str) -> tuple[Session, web.Response | None]:
    """The session behind `token`, or the page that says why its link cannot be used."""
    session = request.app[STATE].sessions.get(token)
    if session is None:
        return Session({}, 0, False), _html(404, "Link not found",
                                            "<p>This link is not valid.</p>")
    if _now() >= session.expires_at:
        return session, _html(410, "Link expired", "<p>This link has expired.</p>")
    if session.used and not session.multiple:
        return session, _html(410, "Link already used", "<p>This link has already been used."
                              "</p>")
    return session, None


def _providers(session: dict[str, Any]) -> list[str]:
    if session.get("provider"):
        return [str(session["provider"])]
    categories = session.get("categories") or [*PROVIDERS, "other"]
    names = [p for c in categories for p in PROVIDERS.get(c, (GENERIC_PROVIDER,))]
    return list(dict.fromkeys(names))


def _page(status: int, session: Session, action: str, problem: str = "") -> web.Response:
    """The connect form, with `problem` shown above it when the last try went wrong."""
    providers = _providers(session.body)
    only = len(providers) == 1
    choices = "".join(
        f'<div><input type="radio" name="provider" id="provider-{html.escape(p)}" '
        f'value="{html.escape(p)}"{" checked" if only else ""} required>'
        f'<label for="provider-{html.escape(p)}">{html.escape(p)}</label></div>'
        for p in providers)
    alert = f'<p role="alert" id="error">{html.escape(problem)}</p>' if problem else ""
    return _html(status, "Connect your account", f"""
<p>Connecting for {html.escape(str(session.body["origin_owner_name"]))}.</p>{alert}
<form method="post" action="{html.escape(action)}">
<input type="hidden" name="token" value="{html.escape(session.body["token"])}">
<fieldset><legend>Provider</legend>{choices}</fieldset>
<p><label for="api_key">API key</label>
<input type="password" name="api_key" id="api_key" autocomplete="off" required></p>
<button type="submit" id="connect">Connect</button>
</form>""")


def _html(status: int, title: str, body: str) -> web.Response:
    page = (f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
            f"<title>{html.escape(title)}</title></head><body><main>"
            f"<h1>{html.escape(title)}</h1>{body}</main></body></html>")
    return web.Response(status=status, text=page, content_type="text/html")


async def _list_accounts(request: web.Request) -> web.Response:
    wanted = {k: request.query[k] for k in ("origin_owner_id", "provider", "status")
              if k in request.query}
    accounts = [a for a in reversed(request.app[STATE].accounts.values())
                if all(a.get(k) == v for k, v in wanted.items())]
    return web.json_response({"data": accounts})


async def _account(request: web.Request) -> web.Response:
    accounts, account_id = request.app[STATE].accounts, request.match_info["id"]
    account = accounts.pop(account_id, None) if request.method == "DELETE" else (
        accounts.get(account_id))
    if account is None:
        return _error(404, f"Account {account_id} not found")
    return web.json_response(account)


async def _unified(request: web.Request) -> web.Response:
    account_id = request.headers.get("x-account-id")
    if not account_id:
        return _error(400, "x-account-id header is required for unified requests")
    account = request.app[STATE].accounts.get(account_id)
    if account is None:
        return _error(404, f"Account {account_id} not found")
    if account["status"] != "active":
        return _error(412, f"The account is {account['status']}: the provider no longer accepts "
                      "its credentials; reconnect it through a new connect session")
    records = SAMPLES.get(f"{request.match_info['category']}/{request.match_info['resource']}")
    if records is None:
        return _error(404, f"Unknown unified resource {request.match_info['category']}/"
                      f"{request.match_info['resource']}")
    return web.json_response({"data": records, "next": None, "raw": None})


def _event(event: str, account: dict[str, Any]) -> dict[str, Any]:
    """An account event's payload, as the account is now (its id is added when sent)."""
    owner = {k: account[k] for k in ("origin_owner_id", "origin_owner_name", "origin_username")}
    return {"event": event, "account_id": account["id"], "provider": account["provider"],
            **owner, "created_at": account["created_at"], "updated_at": account["updated_at"],
            "data": {"id": account["id"], "provider": account["provider"],
                     "origin_owner_id": account["origin_owner_id"],
                     "status": account["status"]}}


def _render(payload: dict[str, Any], event_id: str | None) -> tuple[bytes, dict[str, str]]:
    """StackOne's signed body; with an id in the body and `x-request-id`, unless told none."""
    body = json.dumps({"event": payload["event"], **({"id": event_id} if event_id else {}),
                       **payload}).encode()
    headers = {"content-type": "application/json",
               "x-stackone-signature": hmac_body_signature(WEBHOOK_SECRET,
                                                          body)}
    if event_id:
        headers["x-request-id"] = event_id
    return body, headers


async def demo(account: StackOneAccount, url: str, receiver: WebhookReceiver,
               http: httpx.AsyncClient, log: EventLog) -> RunReport:
    """`workbench demo`: a link against this stand-in at `url`, which the demo's own
    "customer" completes on the hosted page."""
    stackone = PLATFORM.client(account, {"base_url": url}, http, log.redactor)
    pending: list[asyncio.Task[Any]] = []
    link = await link_and_verify(
        stackone, receiver, {"origin_owner_id": "demo-customer",
                             "origin_owner_name": "Demo customer"}, 10,
        lambda s: pending.append(asyncio.ensure_future(complete_link(s.auth_link_url))),
        unified_path=account.unified_check, register_webhook=PLATFORM.webhook_url(receiver.url))
    await asyncio.gather(*pending, return_exceptions=True)
    return link.report(account.unified_check)


async def _json_body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise web.HTTPBadRequest(reason="Send the body as a JSON object") from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(reason="Send the body as a JSON object")
    return body


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"statusCode": status, "message": message,
                              "timestamp": _iso()}, status=status)
