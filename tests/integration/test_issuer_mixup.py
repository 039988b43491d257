"""RFC 9207 mix-up defence: a redirect must come from the issuer this login was started at.

Against the real oidc-provider (which advertises and sends `iss`) and against stand-ins with
metadata in either well-known place, none at all, metadata that lies or hangs."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest
from aiohttp import web

from tests.support.login_browser import Browser, log_in, notes, provider
from tests.support.oidc import (
    CLIENT_ID,
    CLIENT_SECRET,
    Provider,
    log_in_and_consent,
    running_provider,
)
from tests.support.recording_server import RecordingServer, Seen
from workbench.core.auth import issuer as issuer_module

CONSENT = "          prompt: consent\n"


@pytest.fixture(scope="module")
def oidc() -> Iterator[Provider]:
    with running_provider() as running:
        yield running


def rewritten(landing: str, **changes: str | None) -> str:
    """`landing` with response parameters replaced (None drops one)."""
    parts = urlsplit(landing)
    pairs = [(k, v) for k, v in parse_qsl(parts.query) if k not in changes]
    pairs += [(k, v) for k, v in changes.items() if v is not None]
    return urlunsplit(parts._replace(query=urlencode(pairs)))


def person(change: Callable[[str], str] = lambda landing: landing) -> Browser:
    """A person who logs in at the real provider; `change` is what a forger does to the
    redirect before it reaches the app."""
    async def at_provider(url: str) -> str:
        return change(await asyncio.to_thread(log_in_and_consent, url))
    return Browser([("GET", "{landing}")], log_in=at_provider)


async def test_the_genuine_login_carries_the_providers_iss_and_passes(
        oidc: Provider, tmp_path: Path) -> None:
    browser = person()
    result, log = await log_in(oidc.issuer, tmp_path, browser, extra=CONSENT,
                               client_id=CLIENT_ID, secret=CLIENT_SECRET)
    assert result.verdict.ok, result.verdict
    assert dict(parse_qsl(urlsplit(browser.landing).query))["iss"] == oidc.issuer
    (learned,) = notes(log, "Issuer ")
    assert oidc.issuer in learned and "openid-configuration" in learned
    assert "promises 'iss'" in learned
    assert [e.step for e in log if e.kind == "request"][:1] == ["provider metadata"]


@pytest.mark.parametrize(("change", "error", "words"), [
    ({"iss": "https://attacker.example"}, "issuer_mismatch", "https://attacker.example"),
    ({"iss": None}, "issuer_missing", "authorization_response_iss_parameter_supported")])
async def test_a_forged_iss_or_a_dropped_one_is_refused_before_any_exchange(
        oidc: Provider, tmp_path: Path, change: dict[str, str | None], error: str,
        words: str) -> None:
    browser = person(lambda landing: rewritten(landing, **change))
    result, log = await log_in(oidc.issuer, tmp_path, browser, extra=CONSENT,
                               client_id=CLIENT_ID, secret=CLIENT_SECRET)
    verdict = result.verdict
    assert verdict.outcome == "token_error" and verdict.oauth_error == error
    assert words in verdict.summary and "Nothing was exchanged" in verdict.summary
    assert not [e for e in log if e.step == "code exchange"]
    ((status, page),) = browser.pages
    assert status == 400 and "Refused" in page and "exchanging" not in page
    if error == "issuer_mismatch":
        assert "mix-up" in verdict.hint


def metadata(server: RecordingServer, path: str, *, promises: bool = True,
             issuer: str | None = None, endpoint: str | None = None) -> None:
    server.json("GET", path, {
        "issuer": issuer or server.url, "authorization_endpoint": endpoint or f"{server.url}/auth",
        "token_endpoint": f"{server.url}/token",
        "authorization_response_iss_parameter_supported": promises})


def answer(iss: str | None) -> Browser:
    extra = f"&iss={iss}" if iss is not None else ""
    return Browser([("GET", "{cb}?code=stand-in-code&state={state}" + extra)])


async def test_rfc_8414_metadata_alone_is_enough_to_refuse_a_missing_iss(
        server: RecordingServer, tmp_path: Path) -> None:
    provider(server)
    metadata(server, "/.well-known/oauth-authorization-server")
    result, _log = await log_in(server.url, tmp_path, answer(None))
    assert result.verdict.oauth_error == "issuer_missing"
    assert [s.path for s in server.seen][:2] == ["/.well-known/openid-configuration",
                                                "/.well-known/oauth-authorization-server"]
    result, _log = await log_in(server.url, tmp_path, answer(server.url))
    assert result.verdict.ok


async def test_without_metadata_an_unknown_issuer_is_noted_not_refused(
        server: RecordingServer, tmp_path: Path) -> None:
    provider(server)
    result, log = await log_in(server.url, tmp_path, answer("https://elsewhere.example"))
    assert result.verdict.ok
    assert notes(log, "No provider metadata")
    (unchecked,) = notes(log, "The redirect names issuer")
    assert "https://elsewhere.example" in unchecked and "could not be checked" in unchecked


async def test_a_configured_issuer_is_held_to_without_metadata(
        server: RecordingServer, tmp_path: Path) -> None:
    provider(server)
    configured = '          issuer: "{issuer}/tenant-a"\n'
    result, _log = await log_in(server.url, tmp_path, answer("https://elsewhere.example"),
                                extra=configured)
    assert result.verdict.oauth_error == "issuer_mismatch"
    assert f"{server.url}/tenant-a" in result.verdict.summary
    assert "/tenant-a/.well-known/openid-configuration" in {s.path for s in server.seen}
    result, _log = await log_in(server.url, tmp_path, answer(f"{server.url}/tenant-a"),
                                extra=configured)
    assert result.verdict.ok
    result, _log = await log_in(server.url, tmp_path, answer(None), extra=configured)
    assert result.verdict.ok  # nothing promised iss: a redirect without it is fine


@pytest.mark.parametrize("lie", ["another issuer", "another authorization endpoint"])
async def test_metadata_for_another_server_is_ignored_not_trusted(
        server: RecordingServer, tmp_path: Path, lie: str) -> None:
    provider(server)
    if lie == "another issuer":
        metadata(server, "/.well-known/openid-configuration", issuer="https://other.example")
    else:
        metadata(server, "/.well-known/openid-configuration",
                 endpoint=f"{server.url}/realms/other/auth")
    result, log = await log_in(server.url, tmp_path, answer(None))
    assert result.verdict.ok  # the promise was another server's: no false refusal
    (ignored,) = notes(log, "Provider metadata at")
    assert "ignored" in ignored


async def test_metadata_that_never_answers_delays_the_login_only_briefly(
        server: RecordingServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(issuer_module, "METADATA_TIMEOUT", 0.5)

    released = asyncio.Event()

    async def hang(_seen: Seen) -> web.Response:
        await asyncio.wait_for(released.wait(), 30)
        return web.Response(text="late")

    provider(server)
    server.route("GET", "/.well-known/openid-configuration", hang)
    started = asyncio.get_running_loop().time()
    try:
        result, log = await log_in(server.url, tmp_path, answer(server.url))
    finally:
        released.set()  # let the server close
    assert result.verdict.ok
    assert asyncio.get_running_loop().time() - started < 5
    assert notes(log, "No provider metadata")
    assert "/.well-known/oauth-authorization-server" not in {s.path for s in server.seen}
