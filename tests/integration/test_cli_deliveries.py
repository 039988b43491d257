"""`workbench job` and `workbench link` as a support engineer runs them, against stand-ins
that deliver rudely (faults.md § Deliveries), and what they may claim: real subprocesses,
real servers on 127.0.0.1, stdin not a terminal."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.support.cli import Run, workbench
from workbench.sandbox import deck as deck_stand_in
from workbench.sandbox import stackone
from workbench.sandbox import stackone as stackone_stand_in
from workbench.sandbox.customer import complete_link
from workbench.sandbox.server import SandboxServer, start_sandbox

DECK_KEYS = {"x-deck-client-id": deck_stand_in.CLIENT_ID,
             "x-deck-secret": deck_stand_in.SECRET}
NO_KEYCHAIN = {"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}


@pytest.fixture
async def sandbox() -> AsyncIterator[SandboxServer]:
    async with await start_sandbox() as running:
        yield running


async def deliveries(url: str, mode: str, **request: object) -> None:
    async with httpx.AsyncClient() as client:
        answer = await client.put(url + "/sandbox/deliveries", json={"mode": mode},
                                  **request)  # type: ignore[arg-type]
    assert answer.status_code == 200, answer.text


async def job(sandbox: SandboxServer, *args: str, env: dict[str, str] | None = None) -> Run:
    return await workbench("job", "sandbox_deck", "--set",
                           f"base_url={sandbox.url}/deck/api/v1", "--timeout", "10", *args,
                           env=env)


def report(run: Run) -> dict:  # type: ignore[type-arg]
    return dict(json.loads(run.stdout[run.stdout.index("{"):]))


async def test_a_wrong_answer_through_copies_is_mfa_invalid_with_a_hint(
        sandbox: SandboxServer) -> None:
    await deliveries(sandbox.url + "/deck/api/v1", "twice,no-id", headers=DECK_KEYS)
    run = await job(sandbox, "--input", "username=mfa", "--input", "password=pw",
                    "--mfa-answer", "000000", "--json")
    assert run.code == 1, run.stderr
    result = report(run)
    assert result["outcome"] == "mfa_invalid", result
    assert result["hint"].startswith("The source refused the --mfa-answer given")
    assert run.stderr.count("Deck asks:") == 2  # the question, then "not right"; no copy
    assert "not right" in run.stderr


async def test_a_right_answer_through_late_copies_connects(sandbox: SandboxServer) -> None:
    await deliveries(sandbox.url + "/deck/api/v1", "late=3,no-id", headers=DECK_KEYS)
    run = await job(sandbox, "--input", "username=mfa", "--input", "password=pw",
                    "--mfa-answer", deck_stand_in.MFA_ANSWER)
    assert run.code == 0, run.stdout + run.stderr
    assert "PASS connected" in run.stdout and run.stderr.count("Deck asks:") == 1
    assert "Webhook unverified (Standard Webhooks): no webhook-id" in run.stdout


async def test_a_silent_deck_is_told_from_the_status(sandbox: SandboxServer) -> None:
    await deliveries(sandbox.url + "/deck/api/v1", "silent", headers=DECK_KEYS)
    run = await job(sandbox, "--input", "username=ada", "--input", "password=pw")
    assert run.code == 0, run.stdout + run.stderr
    assert "No webhook came: the result is the job's status, polled from the API." in run.stdout
    assert "PASS connected: Connected: Deck returned an access token (from the job's status" \
        in run.stdout
    assert "access-sandbox-" not in run.stdout + run.stderr


async def test_a_silent_deck_during_the_question_times_out_clearly(
        sandbox: SandboxServer) -> None:
    await deliveries(sandbox.url + "/deck/api/v1", "silent", headers=DECK_KEYS)
    run = await workbench("job", "sandbox_deck", "--set",
                          f"base_url={sandbox.url}/deck/api/v1", "--timeout", "1",
                          "--input", "username=mfa", "--input", "password=pw", "--json")
    assert run.code == 1
    result = report(run)
    assert result["outcome"] == "no_webhook" and result["payload"] == {"status": "Running"}
    assert "webhook URL reaches this machine" in result["hint"]


async def test_save_token_without_a_keychain_does_not_claim_it_was_saved(
        sandbox: SandboxServer) -> None:
    run = await job(sandbox, "--input", "username=ada", "--input", "password=pw",
                    "--save-token", env=NO_KEYCHAIN)
    assert run.code == 0, run.stderr
    assert "saved in" not in run.stderr
    assert "The access token was not saved: there is no usable keychain" in run.stderr


async def test_link_copies_are_one_link(sandbox: SandboxServer) -> None:
    await deliveries(sandbox.url + "/stackone", "twice,no-id",
                     auth=httpx.BasicAuth(stackone_stand_in.API_KEY, ""))
    process = asyncio.ensure_future(workbench(
        "link", "sandbox_stackone", "--set", f"base_url={sandbox.url}/stackone", "--timeout",
        "10", "--field", "origin_owner_id=owner-twice", "--json"))
    state = sandbox.state(stackone.STATE)
    for _ in range(200):
        if state.sessions:
            session = next(iter(state.sessions.values())).body
            await complete_link(session["auth_link_url"], "customer-key")
            break
        await asyncio.sleep(0.05)
    run = await process
    assert run.code == 0, run.stderr
    result = report(run)
    assert result["outcome"] == "verified" and result["via"] == "webhook"
    assert result["webhook"]["verification"] == "verified" and result["hint"] == ""


async def test_nobody_linking_says_what_to_check(sandbox: SandboxServer) -> None:
    run = await workbench("link", "sandbox_stackone", "--set",
                          f"base_url={sandbox.url}/stackone", "--timeout", "1")
    assert run.code == 1
    assert "hint: Nobody finished the link in time" in run.stderr


async def test_sandbox_on_a_taken_port_says_so_and_exits_2() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        run = await workbench("sandbox", "--port", str(port), timeout=30)
    assert run.code == 2, run.stdout + run.stderr
    assert f"port {port} on 127.0.0.1 is in use" in run.stderr
    assert f"pick another with --port {port + 1}" in run.stderr
    assert "Traceback" not in run.stderr and "OSError" not in run.stderr


async def test_a_job_told_from_the_status_is_one_valid_json_object(
        sandbox: SandboxServer) -> None:
    """`via: status` is part of the published schema (it was webhook|poll only)."""
    from tests.support.json_output import one_object

    await deliveries(sandbox.url + "/deck/api/v1", "silent", headers=DECK_KEYS)
    data = one_object(await job(sandbox, "--input", "username=ada", "--input", "password=pw",
                                "--json"))
    assert data["outcome"] == "connected" and data["via"] == "status"
