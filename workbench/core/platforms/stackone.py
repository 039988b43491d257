"""StackOne (platforms.md §2): connect sessions and auth links, then the linked account.

The key is the Basic auth username with an empty password. A connect session gives a token and
an `auth_link_url` for the customer; when they finish, StackOne sends `account.created` (or
`account.updated` when the session reopened an account). The account is then checked with
`GET /accounts/{id}` and one unified request with `x-account-id`; a 412 there is `suspended`.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import httpx

from workbench.core.formspec import FormField, FormSpec
from workbench.core.platforms.api import PlatformError, call_json
from workbench.core.redaction import Redactor
from workbench.core.webhooks import Delivery, WebhookReceiver
from workbench.core.webhooks.follow import Follower

FLOW = "stackone"
CATEGORIES = ("ats", "hris", "hris-legacy", "crm", "iam", "marketing", "lms", "stackone",
              "documents", "ticketing", "screening", "messaging", "accounting", "scheduling")
DURATIONS = ("30 minutes", "1 hour", "1 day", "5 days", "7 days", "30 days")
POLL_INTERVAL = 2.0

HINTS = {
    "401": "StackOne refused the API key: it goes as the Basic username with an empty "
           "password; check it is this project's key.",
    "403": "The key lacks a scope this request needs: check the key's permissions.",
    "404": "Not found: for account calls, the account id is wrong or the account was deleted.",
    "412": "The linked account is suspended or expired: the customer must reconnect it "
           "(create a new connect session with account_id to open it in edit mode).",
    "429": "Too many requests: wait a moment and retry.",
}

_UNITS = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60, "h": 3600,
          "hour": 3600, "d": 86400, "day": 86400, "w": 604800, "week": 604800}


class FieldError(ValueError):
    """A form value that cannot go in the request; `field` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def parse_duration(text: str) -> int:
    """Seconds from `1800`, `30m`, `30 minutes`, `5 days`, `1h 30m`; ValueError otherwise."""
    cleaned = text.strip().lower()
    if cleaned.isdigit():
        return int(cleaned)
    parts = re.findall(r"(\d+)\s*([a-z]+)", cleaned)
    if not parts or re.sub(r"(\d+)\s*([a-z]+)", "", cleaned).strip(" ,"):
        raise ValueError(f"{text!r} is not a duration (try 1800, 30m, 5 days)")
    total = 0
    for number, unit in parts:
        seconds = _UNITS.get(unit.removesuffix("s") if unit not in _UNITS else unit)
        if seconds is None:
            raise ValueError(f"{unit!r} is not a unit (s, m, h, d, w)")
        total += int(number) * seconds
    return total


def connect_session_form(owner_id: str = "", owner_name: str = "",
                         categories: tuple[str, ...] = ()) -> FormSpec:
    """Every field of a connect session request, as a form."""
    return FormSpec((
        FormField("origin_owner_id", "Origin owner id", required=True, default=owner_id,
                  help="Your id for the customer (tenant) who links the account."),
        FormField("origin_owner_name", "Origin owner name", required=True, default=owner_name,
                  help="The customer's name, shown in the hub."),
        FormField("origin_username", "Origin username", help="Who at the customer links it."),
        FormField("categories", "Categories", "list", default=",".join(categories),
                  help="Comma-separated: " + ", ".join(CATEGORIES)),
        FormField("provider", "Provider", help="Skip the provider choice (e.g. bamboohr)."),
        FormField("expires_in", "Link expires in", default="30 minutes", suggestions=DURATIONS,
                  help="How long the link works: 1800, 30m, 5 days…"),
        FormField("account_id", "Account id", help="Open an existing account in edit mode."),
        FormField("label", "Label"),
        FormField("type", "Type", options=("PRODUCTION", "TEST")),
        FormField("multiple", "Allow several accounts", "boolean", default="false"),
        FormField("integration_id", "Integration id", help="Alias: connector_profile_id."),
        FormField("metadata", "Metadata (JSON)", help='A JSON object, e.g. {"plan": "pro"}'),
    ))


def session_request(values: Mapping[str, str]) -> dict[str, Any]:
    """The JSON body of `POST /connect_sessions` from form values (FieldError if malformed)."""
    body: dict[str, Any] = {}
    for name, raw in values.items():
        value = raw.strip()
        if not value:
            continue
        if name == "categories":
            chosen = [c.strip() for c in value.split(",") if c.strip()]
            unknown = [c for c in chosen if c not in CATEGORIES]
            if unknown:
                raise FieldError(name, f"unknown categories: {', '.join(unknown)}")
            body[name] = chosen
        elif name == "expires_in":
            try:
                body[name] = parse_duration(value)
            except ValueError as exc:
                raise FieldError(name, str(exc)) from None
        elif name == "multiple":
            body[name] = value.lower() == "true"
        elif name == "metadata":
            try:
                body[name] = json.loads(value)
            except ValueError as exc:
                raise FieldError(name, f"metadata is not JSON: {exc}") from None
            if not isinstance(body[name], dict):
                raise FieldError(name, "metadata must be a JSON object ({…})")
        else:
            body[name] = value
    return body


@dataclass(frozen=True)
class ConnectSession:
    """A created connect session: what the customer needs is `auth_link_url`."""

    data: dict[str, Any]

    @property
    def token(self) -> str:
        return str(self.data.get("token", ""))

    @property
    def auth_link_url(self) -> str:
        return str(self.data.get("auth_link_url", ""))

    @property
    def origin_owner_id(self) -> str:
        return str(self.data.get("origin_owner_id", ""))


@dataclass(frozen=True)
class LinkedAccount:
    """How the account arrived: by `account.created` webhook or by polling the account list."""

    account_id: str
    via: Literal["webhook", "poll"]
    delivery: Delivery | None = None


class StackOneClient:
    """StackOne's platform and unified endpoints through the app's recorded client."""

    def __init__(self, client: httpx.AsyncClient, base_url: str, api_key: str,
                 redactor: Redactor) -> None:
        self._client = client
        self._base = base_url.rstrip("/")
        redactor.add_value(api_key)
        basic = base64.b64encode(f"{api_key}:".encode()).decode()
        redactor.add_value(basic)
        self._headers = {"Authorization": f"Basic {basic}", "Accept": "application/json"}

    async def check_key(self) -> None:
        """`GET /accounts`: the cheapest call that proves the key (raises PlatformError)."""
        await self._call("GET", "/accounts", "check key", params={"page_size": "1"})

    async def register_webhook(self, url: str) -> None:
        """Local stand-in only: tell it where to deliver, as StackOne's dashboard setting does."""
        await self._call("PUT", "/dashboard/webhook", "register webhook", json={"url": url})

    async def create_session(self, body: Mapping[str, Any]) -> ConnectSession:
        data = await self._call("POST", "/connect_sessions", "create connect session",
                                json=dict(body))
        return ConnectSession(data)

    async def accounts(self, origin_owner_id: str = "") -> list[dict[str, Any]]:
        params = {"origin_owner_id": origin_owner_id} if origin_owner_id else {}
        data = await self._call("GET", "/accounts", "list accounts", params=params)
        items = data.get("data", []) if isinstance(data, dict) else data
        return [a for a in items if isinstance(a, dict)] if isinstance(items, list) else []

    async def account(self, account_id: str) -> dict[str, Any]:
        data = await self._call("GET", f"/accounts/{account_id}", "get account")
        if not isinstance(data, dict):
            raise PlatformError("get account: StackOne answered with something not an object")
        return data

    async def unified(self, path: str, account_id: str) -> Any:
        """One unified request (e.g. `hris/employees`) on behalf of the linked account."""
        return await self._call("GET", f"/unified/{path.strip('/')}", f"unified {path}",
                                headers={"x-account-id": account_id})

    async def _call(self, method: str, path: str, step: str, **kwargs: Any) -> Any:
        headers = {**self._headers, **kwargs.pop("headers", {})}
        return await call_json(self._client, method, self._base + path, flow=FLOW, step=step,
                               hints=HINTS, headers=headers, **kwargs)


NO_ACCOUNT_HINT = ("Nobody finished the link in time: check that the customer got the link "
                   "and completed it (send it again, or create a new one if it expired), and "
                   "that the webhook URL reaches this machine; the account list was polled "
                   "meanwhile and showed no new or changed account either.")
LINK_EXPIRED_HINT = "The link has expired unused: create a new one and send it to the customer."
LINK_EVENTS = ("account.created", "account.updated")


@dataclass
class LinkResult:
    """A link from session to verified account; `error` says where it stopped."""

    session: ConnectSession | None = None
    linked: LinkedAccount | None = None
    account: dict[str, Any] | None = None
    unified: Any = None
    error: PlatformError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.account is not None and self.unified is not None

    @property
    def outcome(self) -> str:
        """`verified`, or why not: the platform error's outcome (`suspended` for a 412)."""
        if self.ok:
            return "verified"
        return self.error.outcome if self.error is not None else "no_account"

    @property
    def hint(self) -> str:
        if self.ok:
            return ""
        return self.error.hint if self.error is not None else NO_ACCOUNT_HINT

    def summary(self, unified_path: str) -> str:
        """One line on how the link ended."""
        if self.error is not None:
            return str(self.error)
        if not self.ok:
            return "No account was linked."
        rows = self.unified.get("data") if isinstance(self.unified, dict) else None
        count = f" ({len(rows)} records)" if isinstance(rows, list) else ""
        return f"Account linked and verified: {unified_path} answered{count}."


async def link_and_verify(stackone: StackOneClient, receiver: WebhookReceiver | None,
                          body: Mapping[str, Any], timeout: float,
                          on_session: Callable[[ConnectSession], None], *,
                          unified_path: str = "hris/employees", register_webhook: str = "",
                          poll_interval: float = POLL_INTERVAL) -> LinkResult:
    """Create a connect session, hand its link to `on_session`, wait for the account, then
    verify it (`GET /accounts/{id}` and one unified request). TimeoutError if nobody links.

    Only this session counts: the owner's accounts are listed and the receiver is marked
    before the session is created, so an account that was already there (unchanged), or a
    webhook received earlier (or a copy of one), is never taken for the new link."""
    result = LinkResult()
    try:
        if register_webhook:
            await stackone.register_webhook(register_webhook)
        owner = str(body.get("origin_owner_id", ""))
        before = {str(a.get("id")): change_marker(a) for a in await stackone.accounts(owner)}
        since = receiver.mark() if receiver is not None else 0
        result.session = await stackone.create_session(body)
        on_session(result.session)
        result.linked = await wait_for_account(receiver, stackone, owner, timeout,
                                               before=before, since=since,
                                               poll_interval=poll_interval)
        result.account = await stackone.account(result.linked.account_id)
        result.unified = await stackone.unified(unified_path, result.linked.account_id)
    except PlatformError as exc:
        result.error = exc
    return result


def change_marker(account: Mapping[str, Any]) -> str:
    """What changes when an account is linked again: its update time and status."""
    return f"{account.get('updated_at')}|{account.get('status')}"


async def wait_for_account(receiver: WebhookReceiver | None, stackone: StackOneClient,
                           origin_owner_id: str, timeout: float, *,
                           before: Mapping[str, str] | None = None, since: int = 0,
                           poll_interval: float = POLL_INTERVAL) -> LinkedAccount:
    """The account the customer links: an `account.created`/`account.updated` webhook for this
    owner received after the mark `since`, or an account in `GET /accounts?origin_owner_id=`
    that is new or changed since `before` (id → change marker), whichever comes first.
    TimeoutError if none."""
    known = dict(before or {})

    def for_owner(delivery: Delivery) -> bool:
        data = delivery.json()
        return (isinstance(data, dict) and data.get("event") in LINK_EVENTS
                and _owner(data) == origin_owner_id)

    async def by_webhook() -> LinkedAccount:
        assert receiver is not None
        events = Follower(receiver, for_owner, since)
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            delivery = await events.next(max(deadline - asyncio.get_running_loop().time(), 0))
            data = delivery.json()
            inner = data.get("data") if isinstance(data.get("data"), dict) else {}
            account_id = str(data.get("account_id") or inner.get("id"))
            if account_id in known and await _unchanged(stackone, account_id,
                                                         known[account_id]):
                receiver.note(f"Ignored {data.get('event')} for {account_id}: the account was "
                              "there before this link and has not changed (a left-over "
                              "delivery).")
                continue
            return LinkedAccount(account_id, "webhook", delivery)

    async def by_polling() -> LinkedAccount:
        while True:
            await asyncio.sleep(poll_interval)
            for account in await stackone.accounts(origin_owner_id):
                account_id = str(account.get("id"))
                if known.get(account_id) != change_marker(account):
                    return LinkedAccount(account_id, "poll")

    tasks = [asyncio.ensure_future(by_polling())]
    if receiver is not None:
        tasks.append(asyncio.ensure_future(by_webhook()))
    try:
        done, _pending = await asyncio.wait(tasks, timeout=timeout,
                                            return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            if task.exception() is None:
                return task.result()
        failed = next(iter(done), None)
        if failed is not None and isinstance(failed.exception(), PlatformError):
            raise failed.exception()  # type: ignore[misc]
        raise TimeoutError(f"no account linked for {origin_owner_id} within {timeout:g} s")
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(BaseException):
                await task


async def _unchanged(stackone: StackOneClient, account_id: str, marker: str) -> bool:
    """Whether a known account is as it was before the link (or gone: not linked now)."""
    try:
        return change_marker(await stackone.account(account_id)) == marker
    except PlatformError as exc:
        if exc.status == 404:
            return True
        raise


def _owner(data: Mapping[str, Any]) -> str:
    inner = data.get("data")
    if "origin_owner_id" in data:
        return str(data["origin_owner_id"])
    return str(inner.get("origin_owner_id", "")) if isinstance(inner, dict) else ""
