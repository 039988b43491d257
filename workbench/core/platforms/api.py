"""One JSON call to a platform's API through the recorded client, with errors in plain words.

Every refusal gets a stable `outcome` (the same words `check` uses for a connector) and a
hint that is never empty: the platform's own hint for its error code or status when it has
one, else the outcome's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from workbench.core.bodies import BodyTooLarge
from workbench.core.errors import WorkbenchError
from workbench.core.transport import classify, tag
from workbench.core.verdict import Outcome

OUTCOME_HINTS = {
    "network": "The platform never answered: check the base URL, this machine's network and "
               "any proxy in between.",
    "unauthorized": "The platform refused the keys (401): check them, and that they belong to "
                    "this environment.",
    "forbidden": "The keys were accepted but may not do this (403): check their permissions.",
    "not_found": "The platform does not know this path or object (404): check the base URL "
                 "and the id in the request.",
    "suspended": "The account is suspended or expired (412): the customer must reconnect it.",
    "rate_limited": "Too many requests (429): wait a moment, then try again.",
    "server_error": "The platform failed on its side (5xx): try again later; if it persists, "
                    "contact its support with the time of the request.",
    "bad_request": "The platform refused the request as malformed (4xx): the message says "
                   "which input; fix it and try again.",
    "too_large": "The answer was far larger than any platform answer (it was cut at the log's "
                 "body cap): the base URL probably points at a file server or a stream.",
    "unexpected_answer": "The answer was not the platform's JSON: the base URL probably points "
                         "at something else (a web page, a proxy's login page).",
}


class PlatformError(WorkbenchError):
    """A platform refused a request (or never answered); `hint` says what to do about it."""

    def __init__(self, message: str, *, code: str = "", status: int | None = None,
                 hint: str = "") -> None:
        super().__init__(message)
        self.code, self.status = code, status
        self.hint = hint or OUTCOME_HINTS.get(self.outcome, "")

    @property
    def outcome(self) -> Outcome:
        """network, unauthorized, forbidden, not_found, suspended, rate_limited,
        server_error, bad_request or unexpected_answer."""
        return error_outcome(self.status)


def error_outcome(status: int | None) -> Outcome:
    """The outcome for an HTTP status (None: no response at all)."""
    if status is None:
        return "network"
    known: dict[int, Outcome] = {401: "unauthorized", 403: "forbidden", 404: "not_found",
                                 412: "suspended", 429: "rate_limited"}
    if status in known:
        return known[status]
    if status >= 500:
        return "server_error"
    return "bad_request" if status >= 400 else "unexpected_answer"


async def call_json(client: httpx.AsyncClient, method: str, url: str, *, flow: str, step: str,
                    hints: Mapping[str, str], **kwargs: Any) -> Any:
    """The JSON answer of a 2xx response; anything else raises PlatformError.

    `hints` is looked up by the body's error code first, then by the HTTP status ("412").
    """
    try:
        response = await client.request(method, url, extensions=tag(flow, step), **kwargs)
    except httpx.TransportError as exc:
        failure = classify(exc, url)
        raise PlatformError(f"{step}: {failure.detail}", code=failure.kind,
                            hint=failure.hint) from None
    try:
        data = response.json()
    except BodyTooLarge as exc:
        raise PlatformError(f"{step}: {exc}", code="too_large", status=response.status_code,
                            hint=OUTCOME_HINTS["too_large"]) from None
    except ValueError:
        data = None
    if response.status_code < 400 and data is not None:
        return data
    body = data if isinstance(data, dict) else {}
    code = str(body.get("error_code") or body.get("code") or "")
    message = str(body.get("error_message") or body.get("message")
                  or _no_json(response))
    hint = hints.get(code) or hints.get(str(response.status_code), "")
    raise PlatformError(f"{step}: {message}", code=code, status=response.status_code,
                        hint=hint)


def _no_json(response: httpx.Response) -> str:
    kind = response.headers.get("content-type", "no content type").split(";")[0]
    if response.status_code < 400:
        return f"the answer was not JSON ({kind}); is the base URL the platform's API?"
    return f"HTTP {response.status_code} {response.reason_phrase} ({kind})"
