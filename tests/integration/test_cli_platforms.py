"""`workbench job`, `workbench link` and `check` on platform accounts, as a support engineer
runs them against the local sandbox: real subprocesses, real servers on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator

import pytest

from tests.support.cli import Run, workbench
from workbench.sandbox import deck as deck_stand_in
from workbench.sandbox import stackone as stackone_stand_in
from workbench.sandbox.customer import complete_link
from workbench.sandbox.server import SandboxServer, start_sandbox


@pytest.fixture
async def sandbox() -> AsyncIterator[SandboxServer]:
    async with await start_sandbox() as running:
        yield running


async def job(sandbox: SandboxServer, *args: str) -> Run:
    return await workbench("job", "sandbox_deck", "--set",
                           f"base_url={sandbox.url}/deck/api/v1", "--timeout", "10", *args)


async def test_ensure_connection_connects_by_signed_webhook(sandbox: SandboxServer) -> None:
    run = await job(sandbox, "--input", "username=ada", "--input", "password=s3cret-pass")
    assert run.code == 0, run.stderr
    assert "Webhook verified (Standard Webhooks)." in run.stdout
    assert re.search(r"PASS connected: Connected: Deck returned an access token\. \(job ",
                     run.stdout)
    assert "access-sandbox-" not in run.stdout + run.stderr
    assert "s3cret-pass" not in run.stdout + run.stderr
    assert deck_stand_in.SECRET not in run.stdout + run.stderr


async def test_json_outcome_and_the_mfa_answer(sandbox: SandboxServer) -> None:
    run = await job(sandbox, "--input", "username=mfa", "--input", "password=pw",
                    "--mfa-answer", deck_stand_in.MFA_ANSWER, "--json")
    assert run.code == 0, run.stderr
    report = json.loads(run.stdout)  # only the object: the timeline goes to stderr
    assert report["outcome"] == "connected" and report["webhook"]["verification"] == "verified"
    assert report["payload"]["output"]["access_token"] == "[redacted]"
    assert "Deck asks: Enter the 6-digit code" in run.stderr
    assert "[mfa answer] POST" in run.stderr
    assert deck_stand_in.MFA_ANSWER not in run.stdout + run.stderr


async def test_mfa_without_an_answer_stops_at_the_question(sandbox: SandboxServer) -> None:
    run = await job(sandbox, "--input", "username=mfa", "--input", "password=pw")
    assert run.code == 1
    assert "FAIL mfa: Stopped at the security question: stdin is not a terminal and no " \
        "--mfa-answer was given." in run.stdout
    assert "hint: The source asks a security question, and stdin is not a terminal, so " \
        "nobody could be asked: run again with --mfa-answer CODE" in run.stdout


async def test_failures_are_exit_1_with_a_hint(sandbox: SandboxServer) -> None:
    wrong = await job(sandbox, "--input", "username=bob", "--input", "password=wrong")
    assert wrong.code == 1
    assert "FAIL failed: EnsureConnection failed: InvalidCredentials." in wrong.stdout
    assert "hint: The source rejected the username or password" in wrong.stdout
    keys = await job(sandbox, "--set", "secret=not-the-secret", "--input", "username=x")
    assert keys.code == 1 and "INVALID_API_KEYS" not in keys.stderr
    assert "hint: The client id or secret is wrong for this environment" in keys.stdout
    dead = await job(sandbox, "--code", "FetchDocuments", "--input", "access_token=gone")
    assert dead.code == 1 and "run EnsureConnection again" in dead.stdout


async def test_usage_errors_are_exit_2(sandbox: SandboxServer) -> None:
    missing = await workbench("job", "deck", "--input", "source_guid=x")
    assert missing.code == 2 and "needs client_id (required), secret (required)" in missing.stderr
    no_source = await workbench("job", "deck", "--set", "client_id=a", "--set", "secret=b")
    assert no_source.code == 2 and "EnsureConnection needs source_guid" in no_source.stderr
    other = await workbench("job", "sandbox_stackone")
    assert other.code == 2 and "not a deck account file" in other.stderr
    outside = await workbench("job", "sandbox_deck", "--listen", "0.0.0.0:9000")
    assert outside.code == 2 and "127.0.0.1 only" in outside.stderr
    unknown = await workbench("job", "sandbox_deck", "--set", "client_secret=x")
    assert unknown.code == 2
    assert "Sandbox: Deck jobs has no field 'client_secret'; its fields are: environment" \
        in unknown.stderr
    bad_json = await job(sandbox, "--input-json", "[1, 2")
    assert bad_json.code == 2 and "--input-json is not JSON" in bad_json.stderr


async def test_check_on_platform_accounts(sandbox: SandboxServer) -> None:
    deck = await workbench("check", "sandbox_deck", "--set",
                           f"base_url={sandbox.url}/deck/api/v1")
    assert deck.code == 0 and "PASS ok: Deck accepted the keys." in deck.stdout
    stackone = await workbench("check", "sandbox_stackone", "--set",
                               f"base_url={sandbox.url}/stackone", "--set", "api_key=nope")
    assert stackone.code == 1 and "FAIL unauthorized" in stackone.stdout
    assert "empty password" in stackone.stdout and "nope" not in stackone.stdout


async def link_with_customer(sandbox: SandboxServer, customer_key: str, *args: str) -> Run:
    """Run `workbench link` and, once it prints the link, play the customer."""
    process = asyncio.ensure_future(workbench(
        "link", "sandbox_stackone", "--set", f"base_url={sandbox.url}/stackone", "--timeout",
        "10", "--field", "origin_owner_id=owner-" + customer_key, *args))
    accounts_before = len(_accounts(sandbox))
    for _ in range(200):
        sessions = _sessions(sandbox)
        if sessions and len(_accounts(sandbox)) == accounts_before:
            link = sessions[-1]["auth_link_url"]
            if "owner-" + customer_key == sessions[-1]["origin_owner_id"]:
                await complete_link(link, customer_key)
                break
        await asyncio.sleep(0.05)
    return await process


def _state(sandbox: SandboxServer):  # type: ignore[no-untyped-def]
    from workbench.sandbox import stackone

    return sandbox.state(stackone.STATE)


def _sessions(sandbox: SandboxServer) -> list[dict]:  # type: ignore[type-arg]
    return [s.body for s in _state(sandbox).sessions.values()]


def _accounts(sandbox: SandboxServer) -> list[dict]:  # type: ignore[type-arg]
    return list(_state(sandbox).accounts.values())


async def test_link_waits_for_account_created_and_verifies(sandbox: SandboxServer) -> None:
    run = await link_with_customer(sandbox, "customer-key-1")
    assert run.code == 0, run.stdout + run.stderr
    assert "Send this link to the customer" in run.stderr
    assert "Webhook verified (StackOne signature)." in run.stdout
    assert "linked (via webhook); provider bamboohr, status active" in run.stdout
    assert "PASS verified" in run.stdout
    assert stackone_stand_in.API_KEY not in run.stdout + run.stderr


async def test_an_expired_account_is_explained_as_412(sandbox: SandboxServer) -> None:
    run = await link_with_customer(sandbox, "expired", "--json")
    assert run.code == 1, run.stderr
    report = json.loads(run.stdout)
    assert report["status"] == 412 and report["account"]["status"] == "expired"
    assert report["outcome"] == "suspended" and not report["ok"]
    assert "suspended or expired" in report["hint"] and "reconnect" in report["hint"]


async def test_nobody_links_within_the_timeout(sandbox: SandboxServer) -> None:
    run = await workbench("link", "sandbox_stackone", "--set",
                          f"base_url={sandbox.url}/stackone", "--timeout", "1")
    assert run.code == 1 and "no account linked for customer-42 within 1 s" in run.stderr


async def test_link_field_errors_are_usage_errors() -> None:
    bad = await workbench("link", "sandbox_stackone", "--field", "categories=hris,payroll")
    assert bad.code == 2 and "unknown categories: payroll" in bad.stderr
    when = await workbench("link", "sandbox_stackone", "--field", "expires_in=soon")
    assert when.code == 2 and "is not a duration" in when.stderr
