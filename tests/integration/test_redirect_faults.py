"""The loopback listener and the whole login against rude stand-ins (faults.md: OAuth providers
and the browser): stray requests, forged and stale redirects, duplicated parameters, error
redirects with and without state, a second redirect, codes refused at the exchange."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from aiohttp import web

from tests.support.login_browser import Browser, Visit, log_in, notes, provider
from tests.support.recording_server import RecordingServer, Seen

STRAYS: list[Visit] = [("GET", "{root}/favicon.ico"), ("GET", "{root}/"),
                       ("HEAD", "{cb}?code=head-code&state={state}"),
                       ("POST", "{cb}?code=post-code&state={state}"),
                       ("GET", "{root}/callback/other?code=x&state={state}")]
FORGED: list[Visit] = [("GET", "{cb}"), ("GET", "{cb}?code=forged-1&state=WRONG"),
                       ("GET", "{cb}?code=forged-2"),
                       ("GET", "{cb}?code=forged-3&state=WRONG&state={state}"),
                       ("GET", "{cb}?code=forged-4&state={state}&state={state}")]


async def test_strays_and_forged_redirects_do_not_take_the_genuine_ones_place(
        server: RecordingServer, tmp_path: Path) -> None:
    provider(server)
    browser = Browser([*STRAYS, *FORGED, ("GET", "{cb}?code=genuine-code&state={state}")])
    result, log = await log_in(server.url, tmp_path, browser)
    assert result.verdict.ok, result.verdict
    (exchange,) = server.requests_to("/token")
    assert exchange.form["code"] == "genuine-code"
    statuses = [status for status, _ in browser.pages]
    assert statuses == [404] * len(STRAYS) + [400] * len(FORGED) + [200]
    for _status, page in browser.pages[len(STRAYS):-1]:
        assert "Not the answer to this login" in page and "keeps waiting" in page
        assert "exchanging" not in page
    assert any("twice" in page for _status, page in browser.pages)
    assert "exchanging the code" in browser.pages[-1][1]
    ignored = notes(log, "Ignored a redirect")
    assert len(ignored) == len(FORGED)
    assert all("forged-" not in note for note in ignored)  # codes stay redacted in the log
    assert any(e.message.startswith("Ignored a redirect") for e in result.events)


async def test_only_forged_redirects_end_in_a_timeout_that_says_they_were_ignored(
        server: RecordingServer, tmp_path: Path) -> None:
    provider(server)
    browser = Browser([("GET", "{cb}?code=forged&state=WRONG")])
    result, _log = await log_in(server.url, tmp_path, browser, timeout=1.5)
    verdict = result.verdict
    assert verdict.outcome == "network" and verdict.network == "timeout"
    assert "1 other redirect(s) were ignored" in verdict.summary
    assert not server.requests_to("/token")


async def test_an_error_redirect_without_state_shows_the_providers_error_as_unverifiable(
        server: RecordingServer, tmp_path: Path) -> None:
    provider(server)
    browser = Browser([("GET", "{cb}?error=access_denied&error_description=Alice+said+%22no%22"
                               "+%26+left&error_uri=https%3A%2F%2Fidp.test%2Fwhy")])
    result, _log = await log_in(server.url, tmp_path, browser)
    verdict = result.verdict
    assert verdict.outcome == "token_error" and verdict.oauth_error == "access_denied"
    assert verdict.oauth_error_description == 'Alice said "no" & left'
    assert 'Alice said "no" & left' in verdict.summary and "https://idp.test/why" in verdict.summary
    assert "state" in verdict.summary and "may be forged" in verdict.summary
    assert "consent" in verdict.hint and "forged" in verdict.hint
    status, page = browser.pages[0]
    assert status == 200 and "Authorization was not granted" in page
    assert "&quot;no&quot; &amp; left" in page  # the provider's text, escaped, not markup
    assert not server.requests_to("/token")


@pytest.mark.parametrize(("error", "hint_words"), [
    ("temporarily_unavailable", "Wait a few minutes"), ("invalid_scope", "scopes"),
    ("login_required", "prompt")])
async def test_an_error_redirect_with_state_is_this_logins_answer(
        server: RecordingServer, tmp_path: Path, error: str, hint_words: str) -> None:
    provider(server)
    browser = Browser([("GET", f"{{cb}}?error={error}&state={{state}}")])
    result, _log = await log_in(server.url, tmp_path, browser)
    verdict = result.verdict
    assert verdict.oauth_error == error and hint_words in verdict.hint
    assert "forged" not in verdict.summary


@pytest.mark.parametrize(("query", "error"), [
    ("code=one&code=two&state={state}", "duplicate_parameter"),
    ("state={state}", "no_code")])
async def test_this_logins_broken_answer_is_refused_and_ends_the_wait(
        server: RecordingServer, tmp_path: Path, query: str, error: str) -> None:
    provider(server)
    browser = Browser([("GET", "{cb}?" + query)])
    result, _log = await log_in(server.url, tmp_path, browser)
    assert result.verdict.oauth_error == error
    status, page = browser.pages[0]
    assert status == 400 and "Refused" in page and "exchanges nothing" in page
    assert not server.requests_to("/token")


async def test_a_second_redirect_after_the_first_is_answered_honestly(
        server: RecordingServer, tmp_path: Path) -> None:
    """The user reloads the landing tab while the app is still exchanging the code."""
    reloads: list[tuple[int, str]] = []
    browser = Browser([("GET", "{cb}?code=only-once&state={state}")])

    async def token(_seen: Seen) -> web.Response:
        state = browser.query["state"][0]
        landing = browser.query["redirect_uri"][0] + f"?code=only-once&state={state}"
        async with httpx.AsyncClient() as reload:
            answer = await reload.get(landing)
        reloads.append((answer.status_code, answer.text))
        return web.json_response({"access_token": "at-second-redirect", "expires_in": 60})

    provider(server, token)
    result, _log = await log_in(server.url, tmp_path, browser)
    assert result.verdict.ok
    ((status, page),) = reloads
    assert status == 410 and "already took the answer" in page and "not used" in page
    assert len(server.requests_to("/token")) == 1


@pytest.mark.parametrize(("description", "cause"), [
    ("authorization code already used", "single-use"), ("code expired", "expired")])
async def test_a_replayed_or_expired_code_is_refused_at_the_exchange(
        server: RecordingServer, tmp_path: Path, description: str, cause: str) -> None:
    provider(server, lambda _s: web.json_response(
        {"error": "invalid_grant", "error_description": description}, status=400))
    browser = Browser([("GET", "{cb}?code=dead-code&state={state}")])
    result, _log = await log_in(server.url, tmp_path, browser)
    verdict = result.verdict
    assert verdict.outcome == "token_error" and verdict.oauth_error == "invalid_grant"
    assert cause in verdict.hint and "Authorize again" in verdict.hint


@pytest.mark.parametrize("url", ["http://[::1", "not a url", "ftp://idp.test/auth",
                                 "http://idp.test/a\x00b", "https:///auth"])
async def test_an_authorization_url_that_is_no_web_address_is_a_clear_config_error(
        tmp_path: Path, url: str) -> None:
    from tests.support.oidc import login_connector
    from workbench.core.authorize import authorize_and_check
    from workbench.core.config import load_connector
    from workbench.core.events import EventLog

    path = tmp_path / "login.yaml"
    path.write_text(login_connector("http://127.0.0.1:9", "cid"))
    opened: list[str] = []
    result = await authorize_and_check(load_connector(path).blueprint, {}, EventLog(),
                                       opened.append, authorization_url=url, timeout=1)
    assert result.verdict.outcome == "config_error"
    assert "not a web address" in result.verdict.summary and not opened


async def test_broken_network_settings_are_a_config_error_before_the_browser_opens(
        tmp_path: Path) -> None:
    from tests.support.oidc import login_connector
    from workbench.core.authorize import authorize_and_check
    from workbench.core.check import CheckOptions
    from workbench.core.config import load_connector
    from workbench.core.events import EventLog
    from workbench.core.transport import TransportSettings

    path = tmp_path / "login.yaml"
    path.write_text(login_connector("http://127.0.0.1:9", "cid"))
    opened: list[str] = []
    settings = TransportSettings(ca_bundle=str(tmp_path / "missing-ca.pem"))
    result = await authorize_and_check(load_connector(path).blueprint, {}, EventLog(),
                                       opened.append, CheckOptions(settings=settings), timeout=1)
    assert result.verdict.outcome == "config_error"
    assert "CA bundle not found" in result.verdict.summary and not opened
