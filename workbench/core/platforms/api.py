"""One JSON call to a platform's API through the recorded client, with errors in plain words."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from workbench.core.errors import WorkbenchError
from workbench.core.transport import classify, tag


class PlatformError(WorkbenchError):
    """A platform refused a request (or never answered); `hint` says what to do about it."""

    def __init__(self, message: str, *, code: str = "", status: int | None = None,
                 hint: str = "") -> None:
        super().__init__(message)
        self.code, self.status, self.hint = code, status, hint


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
