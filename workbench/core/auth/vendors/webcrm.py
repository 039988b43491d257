"""webCRM (Sesam's `jwt` variant): the application token buys a one-hour JWT used as Bearer.

`POST /Auth/ApiLogin` takes the token as `authCode`. webCRM's own pages disagree on where it
goes, so the header is tried first and the form body second; the form that worked is kept.
A 401 means the JWT ran out: log in again once. A 429 says how long to wait in its body
(`RetryAfterSeconds`); short waits are honoured, long ones reported.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator, Generator, Mapping
from typing import Any

import httpx

from workbench.core.auth import AuthContext
from workbench.core.auth.plugins import VendorScheme, json_body
from workbench.core.config.model import Authentication
from workbench.core.errors import InputError, TokenEndpointError
from workbench.core.formspec import FormField
from workbench.core.redaction import Redactor
from workbench.core.templates import fill
from workbench.core.transport import tag
from workbench.core.verdict import Verdict

DEFAULT_LOGIN_URL = "https://api.webcrm.com/Auth/ApiLogin"
DEFAULT_HEADER_KEY = "authCode"
TOKEN_LIFETIME = 3600
MAX_WAIT = 30.0  # longer waits are reported rather than slept through
MAX_RETRIES = 2
LOGIN_FORMS = ("header", "body")


class WebcrmLogin(httpx.Auth):
    """Bearer JWT from ApiLogin; logs in again after a 401 and waits out short 429s."""

    requires_response_body = True

    def __init__(self, login_url: str, api_key: str, *, header_key: str = DEFAULT_HEADER_KEY,
                 redactor: Redactor | None = None, max_wait: float = MAX_WAIT) -> None:
        self._login_url = login_url
        self._api_key = api_key
        self._header_key = header_key
        self._redactor = redactor
        self._max_wait = max_wait
        self._lock = asyncio.Lock()
        self.forms: tuple[str, ...] = LOGIN_FORMS
        self.access_token: str | None = None
        self.refresh_token: str | None = None
        self.expires_at = 0.0
        self.logins = 0

    def login_request(self, form: str) -> httpx.Request:
        step = f"login ({'authCode header' if form == 'header' else 'form body'})"
        extensions = tag("webcrm", step, "token")
        if form == "header":
            return httpx.Request("POST", self._login_url, extensions=extensions,
                                 headers={self._header_key: self._api_key})
        return httpx.Request("POST", self._login_url, extensions=extensions,
                             data={self._header_key: self._api_key})

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        fresh = False
        async with self._lock:
            if self.access_token is None or self.expires_at <= time.time() + 60:
                await self._login_steps_done((yield self.login_request(self.forms[0])), 0)
                if self.access_token is None:
                    await self._login_steps_done((yield self.login_request(self.forms[1])), 1)
                fresh = True
        request.headers["Authorization"] = f"Bearer {self.access_token}"
        response = yield request
        for _ in range(MAX_RETRIES):
            if response.status_code == 401 and not fresh:
                async with self._lock:
                    self.access_token = None
                    await self._login_steps_done((yield self.login_request(self.forms[0])), 0)
                fresh = True
            elif response.status_code == 429:
                wait = retry_after(response)
                if wait is None or wait > self._max_wait:
                    return
                await asyncio.sleep(wait)
            else:
                return
            request.headers["Authorization"] = f"Bearer {self.access_token}"
            response = yield request

    async def _login_steps_done(self, response: httpx.Response, attempt: int) -> None:
        """Take a login answer; a refusal of the header form lets the body form try next."""
        await response.aread()
        payload = json_body(response)
        token = payload.get("AccessToken") if isinstance(payload, dict) else None
        if response.is_success and isinstance(token, str) and token:
            self._remember(payload)
            self.forms = (self.forms[attempt], *[f for f in self.forms if f != self.forms[attempt]])
            return
        if attempt + 1 < len(self.forms) and response.status_code in (400, 401, 415):
            return  # the other form may be the one this server wants
        message = payload.get("Message") if isinstance(payload, dict) else None
        tried = " then ".join("the authCode header" if f == "header" else "the form body"
                              for f in self.forms[: attempt + 1])
        raise TokenEndpointError(
            f"webCRM refused the login ({response.status_code}"
            f"{': ' + str(message) if message else ''}); tried {tried}. Check the application "
            "token (api_key): it is a GUID from webCRM's API settings.",
            status=response.status_code)

    def _remember(self, payload: Mapping[str, Any]) -> None:
        self.access_token = str(payload["AccessToken"])
        refresh = payload.get("RefreshToken")
        self.refresh_token = str(refresh) if refresh else None
        lifetime = payload.get("AccessTokenExpiresIn") or payload.get("ExpiresIn")
        seconds = float(lifetime) if isinstance(lifetime, int | float) else TOKEN_LIFETIME
        self.expires_at = time.time() + seconds
        self.logins += 1
        if self._redactor is not None:
            self._redactor.add_value(self.access_token)
            self._redactor.add_value(self.refresh_token)

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        raise RuntimeError("WebcrmLogin runs on the async client only")


def retry_after(response: httpx.Response) -> float | None:
    """Seconds a 429 asks to wait: webCRM's `RetryAfterSeconds`, else a Retry-After header."""
    payload = json_body(response)
    for value in (payload.get("RetryAfterSeconds") if isinstance(payload, dict) else None,
                  response.headers.get("Retry-After")):
        try:
            return max(float(value), 0.0) if value is not None else None
        except (TypeError, ValueError):
            continue
    return None


def _jwt_block(entry: Authentication) -> dict[str, Any]:
    block = (entry.model_extra or {}).get("jwt")
    return block if isinstance(block, dict) else {}


def login_url(entry: Authentication, values: Mapping[str, str]) -> str:
    login = str(_jwt_block(entry).get("login_url") or DEFAULT_LOGIN_URL)
    return fill(login, values, what="jwt.login_url")


def base_url(entry: Authentication, values: Mapping[str, str]) -> str:
    """The API root: the login URL without its `/Auth/ApiLogin` path."""
    login = login_url(entry, values)
    cut = login.lower().rfind("/auth/")
    if cut < 0:
        raise InputError(f"jwt.login_url {login!r} does not end in /Auth/ApiLogin")
    return login[:cut]


def _build(entry: Authentication, values: Mapping[str, str], ctx: AuthContext) -> httpx.Auth:
    block = _jwt_block(entry)
    header_key = str(block.get("jwt_header_key") or DEFAULT_HEADER_KEY)
    ctx.redactor.add_header(header_key)
    ctx.redactor.add_key(header_key)
    ctx.redactor.add_value(values.get("api_key"))
    return WebcrmLogin(login_url(entry, values), values["api_key"], header_key=header_key,
                       redactor=ctx.redactor)


def _received(values: Mapping[str, str], auth: httpx.Auth | None) -> Mapping[str, str]:
    if not isinstance(auth, WebcrmLogin):
        return {"jwt_access_token": "", "jwt_refresh_token": ""}
    return {"jwt_access_token": auth.access_token or "",
            "jwt_refresh_token": auth.refresh_token or ""}


def _hint(verdict: Verdict, values: Mapping[str, str]) -> str | None:
    if verdict.outcome == "rate_limited":
        return ("webCRM is rate limiting this token; its answer says how long to wait "
                "(RetryAfterSeconds). Try again after that.")
    return None


SCHEME = VendorScheme(
    name="jwt",
    title="JWT from an application token (webCRM)",
    fields=(FormField("api_key", "Application token", "secret", required=True,
                      help="The application token used to request the JWT (webCRM: a GUID "
                           "from the API settings)."),),
    build=_build,
    check="GET Persons?Page=1&Size=1",
    base_url=base_url,
    injected=("jwt_access_token", "jwt_refresh_token"),
    received=_received,
    hint=_hint,
)
