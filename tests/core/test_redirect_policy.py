"""The redirect policy as units: origins, method changes, and the https upgrade httpx exempts."""

from __future__ import annotations

import httpx
import pytest

from workbench.core.redaction import Redactor
from workbench.core.redirects import HOP, Hop, RedirectingClient, origin, redirect_method


def test_an_origin_is_scheme_host_and_port() -> None:
    assert origin(httpx.URL("http://api.test/a")) == origin(httpx.URL("http://api.test:80/b"))
    assert origin(httpx.URL("http://api.test/")) != origin(httpx.URL("https://api.test/"))
    assert origin(httpx.URL("https://api.test/")) != origin(httpx.URL("https://api.test:8443/"))
    assert origin(httpx.URL("https://api.test/")) != origin(httpx.URL("https://www.api.test/"))


@pytest.mark.parametrize(("method", "status", "after"), [
    ("POST", 301, "GET"), ("POST", 302, "GET"), ("POST", 303, "GET"),
    ("PUT", 302, "PUT"), ("PUT", 303, "GET"), ("HEAD", 303, "HEAD"), ("DELETE", 301, "DELETE"),
    ("POST", 307, "POST"), ("POST", 308, "POST"), ("GET", 303, "GET"),
])
def test_the_method_changes_only_where_the_fetch_standard_says(
        method: str, status: int, after: str) -> None:
    assert redirect_method(method, status) == after


async def test_an_upgrade_to_https_on_the_same_host_drops_the_token_too() -> None:
    # httpx keeps Authorization for http://host -> https://host on default ports; curl and
    # browsers treat it as another origin, and so do we.
    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        if request.url.scheme == "http":
            return httpx.Response(301, headers={"Location": "https://api.test/me"})
        return httpx.Response(200, json={"me": "ada"})

    redactor = Redactor()
    redactor.add_header("X-Tenant-Key")
    async with RedirectingClient(redactor=redactor, transport=httpx.MockTransport(answer),
                                 follow_redirects=True) as client:
        await client.get("http://api.test/me", headers={
            "Authorization": "Bearer t0ken", "X-Tenant-Key": "k3y", "Accept": "text/plain"})
    upgraded = sent[1]
    assert "authorization" not in upgraded.headers and "x-tenant-key" not in upgraded.headers
    assert upgraded.headers["accept"] == "text/plain"
    hop: Hop = upgraded.extensions[HOP]
    assert hop.number == 1 and hop.origin == "https://api.test"
    assert hop.dropped == ("Authorization", "X-Tenant-Key")
