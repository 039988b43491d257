"""A strict local stand-in for Tripletex's session-token auth (platforms.md §4), one per host.

`PUT /v2/token/session/:create` swaps a consumer token and an employee token for a session token,
read only from the query string. Other routes want HTTP Basic: the username is the company (`0` or
blank for the employee's own, or an accountant-client id), the password the session token. Each
environment is its own app with its own tokens, so test tokens fail in production.
"""

from __future__ import annotations

import base64
import itertools
import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any
from urllib.parse import parse_qs

from aiohttp import web
from aiohttp.typedefs import Handler

from workbench.sandbox import credentials
from workbench.sandbox.http_auth import MalformedCredentials, parse_basic, split_authorization


@dataclass(frozen=True)
class Environment:
    """One Tripletex host: the tokens it knows (token → id) and the employee's own company."""

    name: str
    consumers: dict[str, int]
    employees: dict[str, int]
    company_id: int
    company_name: str


ENVIRONMENTS = {
    "production": Environment("production", {credentials.TRIPLETEX_CONSUMER_TOKEN: 101},
                              {credentials.TRIPLETEX_EMPLOYEE_TOKEN: 201}, 1001, "Sandbox AS"),
    "test": Environment("test", {credentials.TRIPLETEX_TEST_CONSUMER_TOKEN: 102},
                        {credentials.TRIPLETEX_TEST_EMPLOYEE_TOKEN: 202}, 2001, "Sandbox Test AS"),
}
CLIENT_COMPANY_NAME = "Klient Regnskap AS"
_PATHS = (
    ("PUT", "/v2/token/session/:create", "Tripletex: consumer + employee token → session token "
     "(query string only)"),
    ("GET", "/v2/token/session/>whoAmI", "Tripletex: HTTP Basic 0:<sessionToken> (or client id)"),
    ("GET", "/v2/company/>withLoginAccess", "Tripletex: companies the session may log into"),
)
ROUTES = tuple((m, f"/tripletex/{env}{p}", d) for env in ENVIRONMENTS for m, p, d in _PATHS)
"""(method, path, what it is) of each route, for the index page."""

# Tripletex's numeric `code` per HTTP status (its error-code families; 4000 covers the rest).
_CODES = {401: 3000, 403: 9000, 404: 6000, 422: 15000}
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_PARAMS = ("consumerToken", "employeeToken", "expirationDate")


class Refusal(Exception):
    """An error answer in Tripletex's shape; the middleware renders it."""

    def __init__(self, status: int, message: str, developer: str = "",
                 validation: list[dict[str, str]] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.developer = status, message, developer or message
        self.validation, self.headers = validation, headers or {}


@dataclass
class Session:
    id: int
    consumer_id: int
    employee_id: int
    expires: date  # the last day the token is accepted


@dataclass
class TripletexState:
    environment: Environment
    sessions: dict[str, Session] = field(default_factory=dict)  # session token → session
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))


STATE = web.AppKey("tripletex_state", TripletexState)


def create_tripletex_app(environment: str) -> web.Application:
    """One Tripletex host (`production` or `test`) to mount at `/tripletex/<environment>`."""
    if environment not in ENVIRONMENTS:
        raise ValueError(f"environment must be one of {', '.join(ENVIRONMENTS)}")
    app = web.Application(middlewares=[_tripletex_errors])
    app[STATE] = TripletexState(ENVIRONMENTS[environment])
    # aiohttp matches the decoded path, so `>whoAmI` and `%3EwhoAmI` both land here.
    app.router.add_put("/v2/token/session/:create", _create_session)
    app.router.add_get("/v2/token/session/>whoAmI", _who_am_i)
    app.router.add_get("/v2/company/>withLoginAccess", _with_login_access)
    return app


def _today() -> date:
    """Today in UTC; tests replace it to expire sessions without waiting."""
    return datetime.now(timezone.utc).date()


async def _create_session(request: web.Request) -> web.Response:
    env = request.app[STATE].environment
    body = await request.read()
    if body:
        raise Refusal(400, "consumerToken, employeeToken and expirationDate go in the query "
                      "string, and the PUT has no body", _body_problem(request, body))
    values = {name: request.query.get(name, "") for name in _PARAMS}
    problems = [{"field": name, "message": f"The query parameter {name} is missing."}
                for name, value in values.items() if not value]
    if values["expirationDate"]:
        problem = _date_problem(values["expirationDate"])
        if problem:
            problems.append({"field": "expirationDate", "message": problem})
    if problems:
        raise Refusal(422, "Validation failed.", "; ".join(
            f"{p['field']}: {p['message']}" for p in problems), problems)
    consumer = env.consumers.get(values["consumerToken"])
    employee = env.employees.get(values["employeeToken"])
    for kind, found, value in (("consumer", consumer, values["consumerToken"]),
                               ("employee", employee, values["employeeToken"])):
        if found is None:
            raise Refusal(403, f"Invalid or unknown {kind} token.",
                          f"The {kind}Token is not known in the {env.name} environment"
                          f"{_other_environment(env, value)}.")
    assert consumer is not None and employee is not None
    state, expires = request.app[STATE], date.fromisoformat(values["expirationDate"])
    session_id = next(state.ids)
    token = base64.b64encode(json.dumps({"tokenId": session_id, "token": str(uuid.uuid4())},
                                        separators=(",", ":")).encode()).decode()
    state.sessions[token] = Session(session_id, consumer, employee, expires)
    return web.json_response({"value": {
        "id": session_id, "version": 0, "url": f"{request.url.origin()}{request.path}",
        "consumerToken": {"id": consumer}, "employeeToken": {"id": employee},
        "expirationDate": expires.isoformat(), "token": token}})


def _body_problem(request: web.Request, body: bytes) -> str:
    sent = ""
    if request.content_type == "application/x-www-form-urlencoded":
        names = [n for n in parse_qs(body.decode("utf-8", "replace")) if n in _PARAMS]
        sent = f" (form fields {', '.join(names)})" if names else " (a form body)"
    elif request.content_type == "application/json":
        sent = " (a JSON body)"
    return (f"The request carried {len(body)} body bytes{sent}. Tripletex reads the parameters "
            "only from the URL: PUT /v2/token/session/:create?consumerToken=…&employeeToken=…"
            "&expirationDate=YYYY-MM-DD with no body.")


def _date_problem(value: str) -> str | None:
    try:
        if not _DATE.fullmatch(value):
            raise ValueError
        wanted = date.fromisoformat(value)
    except ValueError:
        return f"{value!r} is not a date in the format YYYY-MM-DD."
    if wanted <= _today():
        return f"expirationDate {value} must be after today ({_today().isoformat()}, UTC)."
    return None


def _other_environment(env: Environment, token: str) -> str:
    for other in ENVIRONMENTS.values():
        if other is not env and (token in other.consumers or token in other.employees):
            return f"; it belongs to the {other.name} environment, whose tokens do not work here"
    return ""


async def _who_am_i(request: web.Request) -> web.Response:
    _session, company_id = _authenticate(request)
    return web.json_response({"value": {
        "employeeId": 1, "actualEmployeeId": 1, "companyId": company_id, "language": "en"}})


async def _with_login_access(request: web.Request) -> web.Response:
    _authenticate(request)
    env = request.app[STATE].environment
    companies = [
        {"id": env.company_id, "version": 0, "name": env.company_name,
         "organizationNumber": f"9{env.company_id:08d}"},
        {"id": int(credentials.TRIPLETEX_CLIENT_COMPANY_ID), "version": 0,
         "name": CLIENT_COMPANY_NAME, "organizationNumber": "987654321"},
    ]
    return web.json_response({"fullResultSize": len(companies), "from": 0,
                              "count": len(companies), "versionDigest": None,
                              "values": companies})


def _authenticate(request: web.Request) -> tuple[Session, int]:
    """The session behind the Basic password and the company id the username asks for."""
    env = request.app[STATE].environment
    scheme, given = split_authorization(request.headers.get("Authorization", ""))
    try:
        if scheme.lower() != "basic":
            raise MalformedCredentials(f"expected the Basic scheme, got {scheme or 'nothing'!r}")
        username, password = parse_basic(given)
    except MalformedCredentials as problem:
        raise _unauthorized(f"Send HTTP Basic with username 0 (or a client company id) and the "
                            f"session token as password: {problem}.") from None
    session = request.app[STATE].sessions.get(password)
    if session is None:
        known = {**env.consumers, **env.employees}
        hint = (" That is a consumer/employee token: exchange it at PUT /v2/token/session/"
                ":create and use the session token." if password in known else "")
        raise _unauthorized(f"The password is not a session token of the {env.name} "
                            f"environment.{hint}")
    if _today() > session.expires:
        raise _unauthorized(f"The session token expired after {session.expires.isoformat()}; "
                            "create a new one.")
    if username in ("", "0"):
        return session, env.company_id
    if username == credentials.TRIPLETEX_CLIENT_COMPANY_ID:
        return session, int(username)
    raise Refusal(403, f"Company {username!r} is not a client of this employee.",
                  f"Company {username!r} is not a client of this employee; use 0 (or blank) "
                  f"for the employee's own company or {credentials.TRIPLETEX_CLIENT_COMPANY_ID}.")


def _unauthorized(message: str) -> Refusal:
    return Refusal(401, message, headers={"WWW-Authenticate": 'Basic realm="tripletex"'})


@web.middleware
async def _tripletex_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except Refusal as refusal:
        error = refusal
    except web.HTTPMethodNotAllowed as exc:
        allowed = ", ".join(sorted(exc.allowed_methods))
        error = Refusal(405, f"HTTP {request.method} is not supported here; use {allowed}.",
                        headers={"Allow": allowed})
    except web.HTTPException as exc:
        error = Refusal(exc.status, exc.reason, f"{exc.reason}: {request.path}")
    body: dict[str, Any] = {
        "status": error.status, "code": _CODES.get(error.status, 4000), "message": error.message,
        "link": None, "developerMessage": error.developer,
        "validationMessages": error.validation, "requestId": str(uuid.uuid4())}
    return web.json_response(body, status=error.status, headers=error.headers)
