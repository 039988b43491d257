"""Every platform outcome that is not ok has its own hint: never empty, never another's words."""

from __future__ import annotations

import itertools

import pytest

from workbench.core.platforms.api import OUTCOME_HINTS, PlatformError, error_outcome
from workbench.core.platforms.deck import HINTS as DECK_HINTS
from workbench.core.platforms.deck import JobOutcome
from workbench.core.platforms.stackone import HINTS as STACKONE_HINTS
from workbench.core.platforms.stackone_link import LINK_EXPIRED_HINT, NO_ACCOUNT_HINT, LinkResult

FAILING_JOBS = [
    JobOutcome("mfa", "j"),
    JobOutcome("mfa", "j", no_prompt=True),
    JobOutcome("mfa_invalid", "j"),
    JobOutcome("mfa_invalid", "j", no_prompt=True),
    JobOutcome("no_webhook", "j", {"status": "Running"}),
    JobOutcome("failed", "j", {"status": "Failed"}, via="status"),
    JobOutcome("failed", "j", {"status": "Canceled"}, via="status"),
    *(JobOutcome("failed", "j", {"error": {"error_code": code}})
      for code in DECK_HINTS if not code.isdigit() and not code.isupper()),
]


@pytest.mark.parametrize("outcome", FAILING_JOBS, ids=lambda o: f"{o.kind}-{o.error_code}"
                         f"-{o.no_prompt}")
def test_every_failing_job_has_a_hint_and_a_summary(outcome: JobOutcome) -> None:
    assert not outcome.ok
    assert outcome.hint.strip()
    assert outcome.summary("EnsureConnection").strip()


def test_mfa_without_a_terminal_names_the_option() -> None:
    assert "--mfa-answer" in JobOutcome("mfa", "j", no_prompt=True).hint
    assert "--mfa-answer" not in JobOutcome("mfa", "j").hint  # the app asks in a dialog
    assert JobOutcome("mfa_invalid", "j").hint  # it had none


def test_no_two_causes_share_a_hint() -> None:
    jobs = {f"{o.kind}/{o.error_code}/{o.no_prompt}": o.hint for o in FAILING_JOBS}
    errors = {f"status {s}": PlatformError("x", status=s).hint
              for s in (None, 200, 400, 401, 403, 404, 412, 429, 500)}
    links = {"no_account": NO_ACCOUNT_HINT, "link_expired": LINK_EXPIRED_HINT}
    vendor = {f"deck {k}": v for k, v in DECK_HINTS.items()} | {
        f"stackone {k}": v for k, v in STACKONE_HINTS.items()}
    every = {**jobs, **errors, **links, **vendor}
    assert all(hint.strip() for hint in every.values()), every
    same = [(a, b) for (a, x), (b, y) in itertools.combinations(jobs.items() | links.items()
                                                                | errors.items(), 2) if x == y]
    assert same == []
    shared = [(a, b) for (a, x), (b, y) in itertools.combinations(vendor.items(), 2) if x == y]
    assert shared == []


@pytest.mark.parametrize(("status", "outcome"), [
    (None, "network"), (401, "unauthorized"), (403, "forbidden"), (404, "not_found"),
    (412, "suspended"), (429, "rate_limited"), (500, "server_error"), (503, "server_error"),
    (400, "bad_request"), (409, "bad_request"), (200, "unexpected_answer")])
def test_platform_errors_have_stable_outcomes(status: int | None, outcome: str) -> None:
    error = PlatformError("step: message", status=status)
    assert error_outcome(status) == error.outcome == outcome
    assert error.hint == OUTCOME_HINTS.get(outcome, "")


def test_a_vendor_hint_wins_over_the_outcome_hint() -> None:
    error = PlatformError("x", status=412, hint=STACKONE_HINTS["412"])
    assert error.hint == STACKONE_HINTS["412"]
    link = LinkResult(error=error)
    assert link.outcome == "suspended" and "reconnect" in link.hint
    assert LinkResult().outcome == "no_account" and LinkResult().hint == NO_ACCOUNT_HINT


async def test_an_answer_past_the_body_cap_is_too_large_not_garbage() -> None:
    """A base URL that streams megabytes: the call says so instead of "not JSON"."""
    from aiohttp import web

    from workbench.core.events import MAX_BODY_BYTES, EventLog
    from workbench.core.platforms.api import call_json
    from workbench.core.transport import create_client

    async def huge(_request: web.Request) -> web.Response:
        return web.json_response({"data": "x" * (MAX_BODY_BYTES * 4)})

    app = web.Application()
    app.router.add_get("/accounts", huge)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        async with create_client(EventLog()) as client:
            with pytest.raises(PlatformError) as caught:
                await call_json(client, "GET", f"http://127.0.0.1:{port}/accounts",
                                flow="t", step="list accounts", hints={})
    finally:
        await runner.cleanup()
    assert caught.value.code == "too_large"
    assert "larger than" in str(caught.value) and "cut at" in caught.value.hint
