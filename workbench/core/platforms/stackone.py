"""StackOne (platforms.md §2): the account file, its key, connect sessions and the API client.

The key is the Basic auth username with an empty password. A connect session gives a token and
an `auth_link_url` for the customer; what follows (the wait for the linked account and its
verification) is `stackone_link`. `PLATFORM` is what the registry finds.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import httpx
from pydantic import Field

from workbench.core.formspec import FormField, FormSpec
from workbench.core.platforms.account import PlatformAccount, webhook_secret_field
from workbench.core.platforms.api import PlatformError, call_json
from workbench.core.platforms.claims import VIA_SCHEMA, WEBHOOK_PART_SCHEMA
from workbench.core.platforms.registry import Command, Platform, StandIn
from workbench.core.redaction import Redactor
from workbench.core.webhooks.signatures import HmacBodySignature, SignatureCheck

FLOW = "stackone"
URL = "https://api.stackone.com"
CATEGORIES = ("ats", "hris", "hris-legacy", "crm", "iam", "marketing", "lms", "stackone",
              "documents", "ticketing", "screening", "messaging", "accounting", "scheduling")
DURATIONS = ("30 minutes", "1 hour", "1 day", "5 days", "7 days", "30 days")

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


class StackOneAccount(PlatformAccount):
    """A StackOne project: its API key, and the defaults of a connect session."""

    platform: Literal["stackone"]
    base_url: str = URL
    api_key: str = ""
    origin_owner_id: str = ""
    origin_owner_name: str = ""
    categories: list[str] = Field(default_factory=list)
    unified_check: str = "hris/employees"
    # The local stand-in has no dashboard: tell it where to deliver webhooks.
    register_webhook: bool = False


def keys_form(account: StackOneAccount) -> FormSpec:
    """The project's key as a form (file values are the defaults)."""
    return FormSpec((
        FormField("base_url", "Base URL", required=True, default=account.base_url,
                  help="https://api.stackone.com, or the local stand-in."),
        FormField("api_key", "API key", "secret", "authentication", required=True,
                  default=account.api_key,
                  help="Sent as the Basic auth username with an empty password."),
        webhook_secret_field(account),
    ), auth_type="stackone")


class StackOneSignature(HmacBodySignature):
    """StackOne: `x-stackone-signature` = base64url(HMAC-SHA256(secret, raw body))."""

    name = "StackOne signature"
    header = "x-stackone-signature"


def client(account: StackOneAccount, values: Mapping[str, str], http: httpx.AsyncClient,
           redactor: Redactor) -> StackOneClient:
    """The project's API client on `http`: the keys form's values, else the file's."""
    keys = keys_form(account).with_defaults(values)
    return StackOneClient(http, keys["base_url"], keys["api_key"], redactor)


async def check_key(stackone: StackOneClient) -> None:
    await stackone.check_key()


def webhook_checks(secrets: str) -> list[SignatureCheck]:
    return [StackOneSignature(secrets.split())]


PLATFORM = Platform(
    name="stackone", title="StackOne", account=StackOneAccount, form=keys_form, client=client,
    check_keys=check_key, webhook_checks=webhook_checks, keys_label="StackOne API key",
    webhook_path="/stackone", outcomes=("verified", "refused", "no_account", "suspended"),
    commands=(Command(
        "link", "create a StackOne connect session and wait for the linked account",
        "workbench.cli_stackone", required=("session", "account_id", "via", "account"),
        properties={"session": {"type": ["object", "null"]},
                    "account_id": {"type": ["string", "null"]},
                    "via": VIA_SCHEMA, "webhook": WEBHOOK_PART_SCHEMA,
                    "account": {"type": ["object", "null"]}}),),
    panel="workbench.qt.stackone_panel:StackOnePanel",
    stand_in=StandIn("/stackone", "workbench.sandbox.stackone:create_stackone_app",
                     "workbench.sandbox.stackone:demo"))
