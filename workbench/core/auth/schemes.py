"""The static schemes: a bearer token or an API key, injected so nobody types a header."""

from __future__ import annotations

from collections.abc import Generator
from typing import Literal

import httpx


class BearerAuth(httpx.Auth):
    """`Authorization: Bearer <token>`."""

    def __init__(self, token: str) -> None:
        self._token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._token}"
        yield request


class ApiKeyAuth(httpx.Auth):
    """An API key in a header or a query parameter, sent exactly as given (`Bearer sk-…` too)."""

    def __init__(self, location: Literal["header", "query_param"], name: str, value: str) -> None:
        self._location = location
        self._name = name
        self._value = value

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if self._location == "header":
            request.headers[self._name] = self._value
        else:
            request.url = request.url.copy_merge_params({self._name: self._value})
        yield request
