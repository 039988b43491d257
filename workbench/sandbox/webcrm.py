"""A strict local stand-in for webCRM's REST API (platforms.md §4), playing api.webcrm.com.

`POST /Auth/ApiLogin` takes the application token as `authCode`, in an HTTP header, a form body,
or either (webCRM's own pages disagree, so the accepted form is switchable), and answers with a
bearer access token that lives an hour. Control routes under `/_sandbox` expire tokens, inject
429s and count logins, so a client's re-login and back-off can be proven against a real server.
"""

from __future__ import annotations

import json
import secrets
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

from workbench.sandbox import credentials
from workbench.sandbox.http_auth import split_authorization

ACCESS_TOKEN_LIFETIME = 3600
LOGIN_FORMS = ("header", "body", "both")
MAX_PAGE_SIZE = 500
_FORM = "application/x-www-form-urlencoded"

ROUTES = (
    ("POST", "/webcrm/Auth/ApiLogin", "webCRM: authCode (header and/or form body) → AccessToken"),
    ("GET", "/webcrm/Persons", "webCRM: Authorization: Bearer <AccessToken>; Page, Size"),
    ("GET", "/webcrm/Organisations", "webCRM: same auth, organisations"),
    ("PUT", "/webcrm/_sandbox/login-form", 'webCRM sandbox control: {"accept": '
     '"header"|"body"|"both"}'),
    ("POST", "/webcrm/_sandbox/expire-tokens", "webCRM sandbox control: invalidate access tokens"),
    ("POST", "/webcrm/_sandbox/rate-limit", 'webCRM sandbox control: {"requests": n, '
     '"retry_after": s} → next n API calls get 429'),
    ("GET", "/webcrm/_sandbox/stats", "webCRM sandbox control: logins by form, API calls, 429s"),
)
"""(method, path, what it is) of each route, for the index page."""

PERSONS = [{"PersonId": n, "PersonFirstName": first, "PersonLastName": last,
            "PersonEmail": f"{first.lower()}@example.com", "PersonOrganisationId": org}
           for n, first, last, org in ((1, "Ingrid", "Berg", 1), (2, "Lars", "Holm", 1),
                                       (3, "Sofie", "Dahl", 2))]
ORGANISATIONS = [{"OrganisationId": n, "OrganisationName": name, "OrganisationCity": city}
                 for n, name, city in ((1, "Nordlys AS", "Oslo"), (2, "Havbris ApS", "Aarhus"))]


@dataclass
class WebCrmState:
    """Everything the stand-in remembers; tests read `logins` to prove a re-login happened."""

    login_form: str
    access_token_lifetime: int
    tokens: dict[str, float] = field(default_factory=dict)  # access token → expires at
    logins: Counter[str] = field(default_factory=Counter)  # successful logins by form
    api_requests: int = 0
    rate_limited: int = 0  # 429s sent
    throttle_next: int = 0
    retry_after: int = 0

    def stats(self) -> dict[str, Any]:
        return {"logins": {form: self.logins[form] for form in ("header", "body")},
                "api_requests": self.api_requests, "rate_limited": self.rate_limited,
                "login_form": self.login_form}


STATE = web.AppKey("webcrm_state", WebCrmState)


def create_webcrm_app(
    login_form: str = "both", *, access_token_lifetime: int = ACCESS_TOKEN_LIFETIME
) -> web.Application:
    """The stand-in to mount at `/webcrm`; `login_form` says where ApiLogin reads authCode."""
    if login_form not in LOGIN_FORMS:
        raise ValueError(f"login_form must be one of {', '.join(LOGIN_FORMS)}")
    if access_token_lifetime < 1:
        raise ValueError("access_token_lifetime is whole seconds, at least 1")
    app = web.Application(middlewares=[_message_errors])
    app[STATE] = WebCrmState(login_form, access_token_lifetime)
    # ASP.NET ignores path case; Sesam's webCRM manifest spells the login URL in lower case.
    for path in ("/Auth/ApiLogin", "/auth/apilogin"):
        app.router.add_post(path, _api_login)
    app.router.add_get("/Persons", _list(PERSONS))
    app.router.add_get("/Organisations", _list(ORGANISATIONS))
    app.router.add_put("/_sandbox/login-form", _set_login_form)
    app.router.add_post("/_sandbox/expire-tokens", _expire_tokens)
    app.router.add_post("/_sandbox/rate-limit", _rate_limit)
    app.router.add_get("/_sandbox/stats", _stats)
    return app


def _now() -> float:
    """The clock; tests replace it to expire tokens without waiting."""
    return time.time()


class Refusal(Exception):
    """A webCRM error answer: `{"Message": …}` with an HTTP status."""

    def __init__(self, status: int, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status, self.body = status, {"Message": message, **extra}


@web.middleware
async def _message_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except Refusal as refusal:
        return web.json_response(refusal.body, status=refusal.status)
    except web.HTTPException as exc:  # unknown routes and methods, in webCRM's shape
        allow = {"Allow": exc.headers["Allow"]} if "Allow" in exc.headers else {}
        return web.json_response({"Message": f"{exc.reason}: {request.method} {request.path}"},
                                 status=exc.status, headers=allow)


async def _api_login(request: web.Request) -> web.Response:
    state = request.app[STATE]
    in_header = request.headers.get("authCode")
    in_body = await _form_auth_code(request)
    accepts_header, accepts_body = state.login_form != "body", state.login_form != "header"
    given, form = (in_header, "header") if accepts_header and in_header is not None else (
        (in_body, "body") if accepts_body and in_body is not None else (None, ""))
    if given is None:
        raise Refusal(400, _where_expected(state.login_form, request, in_header, in_body))
    if (accepts_header and accepts_body and in_header is not None and in_body is not None
            and in_header != in_body):
        raise Refusal(400, "authCode was sent in both the header and the body, with different "
                      "values; send it once.")
    if not secrets.compare_digest(given, credentials.WEBCRM_API_KEY):
        raise Refusal(401, f"The authCode sent in the {form} is not a valid API token.")
    state.logins[form] += 1
    token = secrets.token_urlsafe(48)
    state.tokens[token] = _now() + state.access_token_lifetime
    return web.json_response({"AccessToken": token,
                              "AccessTokenExpiresIn": state.access_token_lifetime,
                              "AccessTokenType": "Bearer",
                              "RefreshToken": secrets.token_urlsafe(48)})


async def _form_auth_code(request: web.Request) -> str | None:
    """authCode from a form body, or None when the body is no form or lacks it."""
    if request.content_type != _FORM:
        return None
    value = (await request.post()).get("authCode")
    return None if value is None else str(value)


def _where_expected(login_form: str, request: web.Request, in_header: str | None,
                    in_body: str | None) -> str:
    expected = {"header": "an HTTP header `authCode: <token>`",
                "body": f"a form body `authCode=<token>` ({_FORM})",
                "both": f"an HTTP header `authCode: <token>` or a form body `authCode=<token>` "
                        f"({_FORM})"}[login_form]
    found = ""
    if in_header is not None:
        found = " It was found in the header, which this server does not read."
    elif in_body is not None:
        found = " It was found in the form body, which this server does not read."
    elif "authCode" in request.query:
        found = " It was found in the query string, which webCRM never reads."
    elif request.content_type == "application/json":
        found = " The body is JSON; webCRM reads a form body only."
    elif request.content_type not in ("", "application/octet-stream", _FORM):
        found = f" The body is {request.content_type}, not {_FORM}."
    return f"authCode is missing: expected {expected}.{found}"


def _list(records: list[dict[str, Any]]) -> Handler:
    async def handler(request: web.Request) -> web.StreamResponse:
        _require_token(request)
        page, size = _whole(request, "Page", 1), _whole(request, "Size", 50)
        if size > MAX_PAGE_SIZE:
            raise Refusal(400, f"Size may be at most {MAX_PAGE_SIZE}.")
        return web.json_response(records[(page - 1) * size: page * size])
    return handler


def _whole(request: web.Request, name: str, default: int) -> int:
    value = request.query.get(name, str(default))
    if not value.isdigit() or int(value) < 1:
        raise Refusal(400, f"{name} must be a whole number from 1, got {value!r}.")
    return int(value)


def _require_token(request: web.Request) -> None:
    """Count the call, answer 429 while throttled, then check the bearer token."""
    state = request.app[STATE]
    state.api_requests += 1
    if state.throttle_next > 0:
        state.throttle_next -= 1
        state.rate_limited += 1
        raise Refusal(429, "Too many requests", RetryAfterSeconds=state.retry_after)
    scheme, token = split_authorization(request.headers.get("Authorization", ""))
    if scheme.lower() != "bearer" or not token:
        raise Refusal(401, "Authorization has been denied for this request: send "
                      "`Authorization: Bearer <AccessToken>` from POST /Auth/ApiLogin.")
    expires_at = state.tokens.get(token)
    if expires_at is None:
        raise Refusal(401, "Authorization has been denied for this request: the access token "
                      "is unknown or was invalidated; log in again.")
    if _now() >= expires_at:
        del state.tokens[token]
        raise Refusal(401, "Authorization has been denied for this request: the access token "
                      "has expired; log in again.")


async def _json_object(request: web.Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.text())
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise Refusal(400, "Send a JSON object.")
    return body


async def _set_login_form(request: web.Request) -> web.Response:
    accept = (await _json_object(request)).get("accept")
    if accept not in LOGIN_FORMS:
        raise Refusal(400, f"accept must be one of {', '.join(LOGIN_FORMS)}.")
    request.app[STATE].login_form = accept
    return web.json_response({"accept": accept})


async def _expire_tokens(request: web.Request) -> web.Response:
    tokens = request.app[STATE].tokens
    count = len(tokens)
    tokens.clear()
    return web.json_response({"expired": count})


async def _rate_limit(request: web.Request) -> web.Response:
    body = await _json_object(request)
    requests, retry_after = body.get("requests"), body.get("retry_after")
    if type(requests) is not int or requests < 0 or type(retry_after) is not int or retry_after < 0:
        raise Refusal(400, "Send {\"requests\": n, \"retry_after\": seconds} as whole numbers.")
    state = request.app[STATE]
    state.throttle_next, state.retry_after = requests, retry_after
    return web.json_response({"requests": requests, "retry_after": retry_after})


async def _stats(request: web.Request) -> web.Response:
    return web.json_response(request.app[STATE].stats())
