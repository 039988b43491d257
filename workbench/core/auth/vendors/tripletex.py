"""Tripletex: the consumer and employee tokens buy a session token, sent as Basic `0:<token>`.

`PUT /v2/token/session/:create` takes both tokens and an expiration date in the query string
(no body); the session token then goes as the Basic password with the company as username:
`0` for the employee's own company, or an accountant's client company id.
"""

from __future__ import annotations

import base64
from collections.abc import Generator, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx

from workbench.core.auth import AuthContext
from workbench.core.auth.plugins import VendorScheme, environment_url, json_body
from workbench.core.config.model import Authentication
from workbench.core.errors import TokenEndpointError
from workbench.core.formspec import FormField
from workbench.core.redaction import Redactor
from workbench.core.transport import tag
from workbench.core.verdict import Verdict

ENVIRONMENTS = {"production": "https://tripletex.no", "test": "https://api-test.tripletex.tech"}
CREATE_SESSION = "/v2/token/session/:create"
WHO_AM_I = "/v2/token/session/>whoAmI"
OWN_COMPANY = "0"


class TripletexSession(httpx.Auth):
    """Creates a session token once, sends Basic `<company>:<session token>`, and creates a
    new session once if the API says the session is no longer valid (401)."""

    requires_response_body = True

    def __init__(self, base_url: str, consumer_token: str, employee_token: str, *,
                 company_id: str = OWN_COMPANY, environment: str = "",
                 redactor: Redactor | None = None, valid_days: int = 1) -> None:
        self._base_url = base_url.rstrip("/")
        self._consumer_token = consumer_token
        self._employee_token = employee_token
        self._company_id = company_id.strip() or OWN_COMPANY
        self._environment = environment
        self._redactor = redactor
        self._valid_days = valid_days
        self.session_token: str | None = None

    def create_request(self) -> httpx.Request:
        expires = datetime.now(timezone.utc).date() + timedelta(days=self._valid_days)
        url = httpx.URL(self._base_url + CREATE_SESSION).copy_merge_params({
            "consumerToken": self._consumer_token,
            "employeeToken": self._employee_token,
            "expirationDate": expires.isoformat(),
        })
        return httpx.Request("PUT", url, extensions=tag("tripletex", "create session", "token"))

    def accept(self, response: httpx.Response) -> str:
        """The session token from a `:create` answer, or a TokenEndpointError in plain words."""
        payload = json_body(response)
        value = payload.get("value") if isinstance(payload, dict) else None
        token = value.get("token") if isinstance(value, dict) else None
        if response.is_success and isinstance(token, str) and token:
            if self._redactor is not None:
                self._redactor.add_value(token)
            self.session_token = token
            return token
        raise TokenEndpointError(self._refusal(response, payload), status=response.status_code)

    def _refusal(self, response: httpx.Response, payload: Any) -> str:
        message = _message(payload) or response.reason_phrase
        where = f"the {self._environment} environment" if self._environment else self._base_url
        if response.status_code in (401, 403):
            other = "production" if self._environment == "test" else "test"
            return (f"Tripletex refused the consumer or employee token on {where} ({message}). "
                    f"Tokens only work in the environment that issued them: if these come from "
                    f"a {other} account, choose the {other} environment.")
        if response.status_code == 422:
            return f"Tripletex did not accept the session request: {message}."
        if response.is_success:
            return "Tripletex answered the session request without a token at value.token."
        return f"Creating a Tripletex session failed: {response.status_code} {message}."

    def authorization(self) -> str:
        pair = f"{self._company_id}:{self.session_token}".encode()
        return "Basic " + base64.b64encode(pair).decode()

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        fresh = self.session_token is None
        if fresh:
            self.accept((yield self.create_request()))
        request.headers["Authorization"] = self.authorization()
        response = yield request
        if response.status_code == 401 and not fresh:
            self.accept((yield self.create_request()))
            request.headers["Authorization"] = self.authorization()
            yield request


def base_url(entry: Authentication, values: Mapping[str, str]) -> str:
    """The host of the chosen environment (a connector may point the names elsewhere)."""
    return environment_url(entry, values, ENVIRONMENTS, "production")


def _build(entry: Authentication, values: Mapping[str, str], ctx: AuthContext) -> httpx.Auth:
    for name in ("consumerToken", "employeeToken"):
        ctx.redactor.add_key(name)
    for name in ("consumer_token", "employee_token"):
        ctx.redactor.add_value(values.get(name))
    return TripletexSession(
        ctx.base_url or base_url(entry, values), values["consumer_token"],
        values["employee_token"], company_id=values.get("company_id", OWN_COMPANY),
        environment=values.get("environment", ""), redactor=ctx.redactor)


def _received(values: Mapping[str, str], auth: httpx.Auth | None) -> Mapping[str, str]:
    return {name: values.get(name, "") for name in ("consumer_token", "employee_token")}


def _hint(verdict: Verdict, values: Mapping[str, str]) -> str | None:
    """Tripletex's own causes; they replace the generic hints, which speak of token_url."""
    company = (values.get("company_id") or OWN_COMPANY).strip()
    if verdict.outcome == "token_error" and verdict.status in (401, 403):
        environment = values.get("environment") or "production"
        other = "test" if environment == "production" else "production"
        return (f"Choose the environment that issued these tokens: tokens of a {other} account "
                f"do not work in {environment} (nor the other way round). If the environment "
                "is right, copy both tokens again: the employee token comes from the "
                "account's administrator, the consumer token from Tripletex.")
    if verdict.status == 403 and company != OWN_COMPANY:
        return (f"Company {company} is not reachable with this employee token: use 0 for the "
                "employee's own company, or the id of a client of this accountant.")
    if verdict.status == 401:
        return ("Tripletex did not accept the session token: the session may have expired or "
                "belong to the other environment.")
    return None


def _message(payload: Any) -> str:
    if not isinstance(payload, dict):
        return ""
    parts = [str(payload.get("message") or "")]
    for item in payload.get("validationMessages") or ():
        if isinstance(item, dict):
            parts.append(f"{item.get('field')}: {item.get('message')}")
    return "; ".join(p for p in parts if p)


SCHEME = VendorScheme(
    name="tripletex",
    title="Tripletex session token",
    fields=(
        FormField("environment", "Environment", options=tuple(ENVIRONMENTS), required=True,
                  default="production",
                  help="Production (tripletex.no) or test (api-test.tripletex.tech); tokens only "
                       "work where they were issued."),
        FormField("consumer_token", "Consumer token", "secret", required=True,
                  help="The integration's consumer token (from Tripletex)."),
        FormField("employee_token", "Employee token", "secret", required=True,
                  help="The token the account's administrator created for the integration."),
        FormField("company_id", "Company", default=OWN_COMPANY,
                  help="Basic username: 0 for the employee's own company, or an accountant's "
                       "client company id."),
    ),
    build=_build,
    check=f"GET {WHO_AM_I}",
    base_url=base_url,
    injected=("consumer_token", "employee_token"),
    received=_received,
    hint=_hint,
    environments=ENVIRONMENTS,
)
