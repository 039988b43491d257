"""`workbench job` (Deck) and `workbench link` (StackOne): submit, receive the webhook, report.

Both start the local webhook receiver, print a redacted timeline of every request and
delivery, and exit 0 on success, 1 on a failed job or link, 2 on config or usage errors.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Mapping
from typing import Any

from workbench.cli import FAILED, PASSED, USAGE
from workbench.cli_commands import (
    given_values,
    network_settings,
    parse_pairs,
    resolve_connector,
)
from workbench.core.connector_files import load_file
from workbench.core.errors import ConfigError, InputError
from workbench.core.events import EventLog
from workbench.core.library import connector_id_for
from workbench.core.platforms.account import (
    DeckAccount,
    LoadedPlatform,
    StackOneAccount,
    deck_base_url,
)
from workbench.core.platforms.api import PlatformError
from workbench.core.platforms.deck import (
    DeckClient,
    JobOutcome,
    ensure_connection_form,
    job_input,
    run_job,
)
from workbench.core.platforms.keys import check_keys, webhook_checks
from workbench.core.platforms.stackone import (
    ConnectSession,
    LinkResult,
    StackOneClient,
    connect_session_form,
    link_and_verify,
    session_request,
)
from workbench.core.redaction import Redactor
from workbench.core.report import timeline_line
from workbench.core.secrets import SecretStore
from workbench.core.transport import create_client
from workbench.core.webhooks import WebhookReceiver

ACCESS_TOKEN = "access_token"


def cmd_job(args: argparse.Namespace, redactor: Redactor) -> int:
    prepared = _prepare(args, "deck")
    if prepared is None:
        return USAGE
    loaded, keys = prepared
    try:
        given: dict[str, Any] = dict(parse_pairs(args.input or [], "--input"))
        if args.input_json:
            given.update(_json_object(args.input_json))
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return USAGE
    if args.code == "EnsureConnection":
        assert isinstance(loaded.account, DeckAccount)
        spec = ensure_connection_form(loaded.account.source_guid)
        given = {**{k: v for k, v in spec.with_defaults({}).items() if v}, **given}
        missing = [n for n in spec.problems({k: str(v) for k, v in given.items()})]
        if missing:
            print(f"error: EnsureConnection needs {', '.join(missing)}: give it with "
                  "--input NAME=VALUE", file=sys.stderr)
            return USAGE
    elif not given.get(ACCESS_TOKEN):
        stored = SecretStore().get(connector_id_for(loaded.path), ACCESS_TOKEN)
        if stored:
            given[ACCESS_TOKEN] = stored
            print("Using the access token saved in the keychain.", file=sys.stderr)
    log = EventLog(redactor=redactor)
    outcome = asyncio.run(_job(args, loaded, keys, given, log))
    _print_timeline(log, redactor)
    if isinstance(outcome, PlatformError):
        return _print_platform_error(outcome, redactor, args.json)
    if outcome.kind == "connected" and args.save_token:
        store = SecretStore()
        store.set(connector_id_for(loaded.path), ACCESS_TOKEN, outcome.access_token)
        where = "the keychain" if store.available else "memory only (no keychain)"
        print(f"Access token saved in {where}.", file=sys.stderr)
    _print_job(outcome, redactor, args.json)
    return PASSED if outcome.ok else FAILED


async def _job(args: argparse.Namespace, loaded: LoadedPlatform, keys: Mapping[str, str],
               given: dict[str, Any], log: EventLog) -> JobOutcome | PlatformError:
    checks = webhook_checks(loaded.account, keys.get("webhook_secret", ""))
    async with await WebhookReceiver(log, checks).start(args.listen) as receiver, \
            create_client(log, network_settings(args, args.request_timeout)) as client:
        if args.code == "EnsureConnection" or "webhook_url" in given:
            given.setdefault("webhook_url", args.webhook_url or receiver.url + "/deck")
        deck = DeckClient(client, deck_base_url(keys["environment"], keys.get("base_url", "")),
                          keys["client_id"], keys["secret"], log.redactor)
        body = job_input(given) if args.code == "EnsureConnection" else given
        try:
            return await run_job(deck, receiver, args.code, body, args.timeout,
                                 answer_mfa=_mfa_answerer(args), sandbox_outcome=args.simulate)
        except PlatformError as exc:
            return exc


def _mfa_answerer(args: argparse.Namespace) -> Any:
    answers = [args.mfa_answer] if args.mfa_answer else []

    async def answer(outcome: JobOutcome) -> str | None:
        question = str(outcome.payload.get("question", "Security question"))
        digits = outcome.payload.get("answer_expected_digits")
        print(f"Deck asks: {question}" + (f" ({digits} digits)" if digits else ""),
              file=sys.stderr, flush=True)
        if answers:
            return answers.pop(0)
        if not sys.stdin.isatty():
            return None
        return (await asyncio.to_thread(input, "Answer: ")).strip() or None

    return answer


def cmd_link(args: argparse.Namespace, redactor: Redactor) -> int:
    prepared = _prepare(args, "stackone")
    if prepared is None:
        return USAGE
    loaded, keys = prepared
    assert isinstance(loaded.account, StackOneAccount)
    account = loaded.account
    spec = connect_session_form(account.origin_owner_id, account.origin_owner_name,
                                tuple(account.categories))
    try:
        values = spec.with_defaults(parse_pairs(args.field or [], "--field", spec.names,
                                                  "A connect session"))
        missing = spec.problems(values)
        if missing:
            raise InputError("; ".join(f"{n}: {p}" for n, p in missing.items())
                             + " (give them with --field NAME=VALUE)")
        body = session_request(values)
    except (InputError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return USAGE
    log = EventLog(redactor=redactor)
    try:
        result = asyncio.run(_link(args, account, keys, body, log))
    except TimeoutError as exc:
        _print_timeline(log, redactor)
        print(f"FAIL no_account: {exc}", file=sys.stderr)
        return FAILED
    _print_timeline(log, redactor)
    if result.error is not None and result.session is None:
        return _print_platform_error(result.error, redactor, args.json)
    _print_link(result, redactor, args.json)
    return PASSED if result.ok else FAILED


async def _link(args: argparse.Namespace, account: StackOneAccount, keys: Mapping[str, str],
                body: dict[str, Any], log: EventLog) -> LinkResult:
    checks = webhook_checks(account, keys.get("webhook_secret", ""))
    async with await WebhookReceiver(log, checks).start(args.listen) as receiver, \
            create_client(log, network_settings(args, args.request_timeout)) as client:
        stackone = StackOneClient(client, keys["base_url"], keys["api_key"], log.redactor)
        target = args.webhook_url or receiver.url + "/stackone"
        return await link_and_verify(
            stackone, receiver, body, args.timeout, lambda s: _show_link(s, args.open),
            unified_path=account.unified_check,
            register_webhook=target if account.register_webhook else "")


def _show_link(session: ConnectSession, open_browser: bool) -> None:
    print(f"Send this link to the customer (it works once):\n\n  {session.auth_link_url}\n",
          file=sys.stderr, flush=True)
    if open_browser:
        import webbrowser

        webbrowser.open(session.auth_link_url)
    print("Waiting for account.created (and polling the account list)…", file=sys.stderr,
          flush=True)


def check_platform(args: argparse.Namespace, redactor: Redactor) -> int:
    """`workbench check` on a platform account: do the keys work?"""
    try:
        loaded = load_file(resolve_connector(args.connector))
    except ConfigError as exc:
        print(str(exc), file=sys.stderr)
        return USAGE
    assert isinstance(loaded, LoadedPlatform)
    prepared = _prepare(args, loaded.platform)
    if prepared is None:
        return USAGE
    log = EventLog(redactor=redactor)
    verdict = asyncio.run(check_keys(loaded.account, prepared[1], log, network_settings(args)))
    if args.json:
        print(json.dumps({**verdict.to_dict(), "summary": redactor.text(verdict.summary),
                          "connector": {"name": loaded.name, "path": str(loaded.path)}},
                         indent=2))
        return PASSED if verdict.ok else FAILED
    print(f"Checking {loaded.name}  ({loaded.path})")
    _print_timeline(log, redactor)
    print(f"{'PASS' if verdict.ok else 'FAIL'} {verdict.outcome}: "
          f"{redactor.text(verdict.summary)}")
    if verdict.hint:
        print(f"hint: {verdict.hint}")
    return PASSED if verdict.ok else FAILED


async def demo_platform(loaded: LoadedPlatform, sandbox_url: str, redactor: Redactor) -> bool:
    """The whole flow against the sandbox: an EnsureConnection, or a link the demo's own
    "customer" completes on the hosted page."""
    from workbench.sandbox.customer import complete_link

    account = loaded.account
    log = EventLog(redactor=redactor)
    async with await WebhookReceiver(log, webhook_checks(account, account.webhook_secret)).start() \
            as receiver, create_client(log) as http:
        if isinstance(account, DeckAccount):
            deck = DeckClient(http, sandbox_url + "/deck/api/v1", account.client_id,
                              account.secret, log.redactor)
            body = job_input({"source_guid": account.source_guid, "username": "demo",
                              "password": "demo", "webhook_url": receiver.url + "/deck"})
            try:
                job = await run_job(deck, receiver, "EnsureConnection", body, 10)
            except PlatformError as exc:
                _print_timeline(log, redactor)
                _print_platform_error(exc, redactor, False)
                return False
            _print_timeline(log, redactor)
            _print_job(job, redactor, False)
            print()
            return job.ok
        else:
            stackone = StackOneClient(http, sandbox_url + "/stackone", account.api_key,
                                      log.redactor)
            pending: list[asyncio.Task[Any]] = []
            link = await link_and_verify(
                stackone, receiver, {"origin_owner_id": "demo-customer",
                                     "origin_owner_name": "Demo customer"}, 10,
                lambda s: pending.append(asyncio.ensure_future(complete_link(s.auth_link_url))),
                unified_path=account.unified_check, register_webhook=receiver.url + "/stackone")
            await asyncio.gather(*pending, return_exceptions=True)
            _print_timeline(log, redactor)
            _print_link(link, redactor, False)
            print()
            return link.ok


# -- loading and values ---------------------------------------------------------------------


def _prepare(args: argparse.Namespace, platform: str
             ) -> tuple[LoadedPlatform, dict[str, str]] | None:
    """The platform account and its key values (file defaults, WB_* env, --set)."""
    try:
        loaded = load_file(resolve_connector(args.connector))
        if not isinstance(loaded, LoadedPlatform) or loaded.platform != platform:
            command = "job" if platform == "deck" else "link"
            raise InputError(f"{args.connector} is not a {platform} account file; `workbench "
                             f"{command}` needs one with `platform: {platform}`")
        spec = loaded.form
        values = spec.with_defaults(given_values(spec, loaded.name, args.set or []))
        missing = spec.problems(values)
        if missing:
            names = ", ".join(f"{n} ({p})" for n, p in missing.items())
            raise InputError(f"{loaded.name} needs {names}: give them with --set NAME=VALUE "
                             "or WB_<NAME> environment variables")
        return loaded, values
    except ConfigError as exc:
        print(str(exc), file=sys.stderr)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
    return None


def _json_object(text: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise InputError(f"--input-json is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise InputError("--input-json must be a JSON object ({…})")
    return data


# -- reporting ------------------------------------------------------------------------------


def _redacted(data: Any, redactor: Redactor) -> Any:
    return json.loads(redactor.body(json.dumps(data), "application/json"))


def _print_timeline(log: EventLog, redactor: Redactor) -> None:
    for number, event in enumerate(log, 1):
        print(timeline_line(number, event, redactor))


def _print_platform_error(error: PlatformError, redactor: Redactor, as_json: bool) -> int:
    if as_json:
        print(json.dumps({"ok": False, "outcome": "refused", "code": error.code,
                          "status": error.status, "summary": redactor.text(str(error)),
                          "hint": error.hint}, indent=2))
    else:
        print(f"FAIL refused: {redactor.text(str(error))}")
        if error.hint:
            print(f"hint: {error.hint}")
    return FAILED


def _print_job(outcome: JobOutcome, redactor: Redactor, as_json: bool) -> None:
    delivery = outcome.delivery
    webhook = None if delivery is None else {
        "verification": delivery.verification.status, "scheme": delivery.verification.scheme,
        "detail": delivery.verification.detail, "duplicate": delivery.duplicate}
    if as_json:
        print(json.dumps({"ok": outcome.ok, "outcome": outcome.kind, "job_guid": outcome.job_guid,
                          "error_code": outcome.error_code, "hint": outcome.hint,
                          "payload": _redacted(outcome.payload, redactor), "webhook": webhook},
                         indent=2))
        return
    if webhook is not None:
        print(f"webhook: {webhook['verification']} ({webhook['scheme']})"
              + (f", {webhook['detail']}" if webhook["detail"] else ""))
    mark = "PASS" if outcome.ok else "FAIL"
    summary = {"connected": f"connected; access token {redactor.text(outcome.access_token)}",
               "completed": "the job completed",
               "failed": f"the job failed: {outcome.error_code or outcome.payload}",
               "mfa": "stopped at the security question (give --mfa-answer)",
               "mfa_invalid": "the security answer was wrong",
               "no_webhook": f"no webhook; job status {outcome.payload.get('status')!r}"}
    print(f"{mark} {outcome.kind}: {summary[outcome.kind]} (job {outcome.job_guid})")
    if outcome.hint:
        print(f"hint: {outcome.hint}")


def _print_link(result: LinkResult, redactor: Redactor, as_json: bool) -> None:
    account = result.account or {}
    error = result.error
    delivery = result.linked.delivery if result.linked else None
    if as_json:
        print(json.dumps({
            "ok": result.ok, "outcome": "verified" if result.ok else "refused",
            "session": _redacted(result.session.data if result.session else None, redactor),
            "account_id": result.linked.account_id if result.linked else None,
            "via": result.linked.via if result.linked else None,
            "webhook": None if delivery is None else delivery.verification.status,
            "account": _redacted(account, redactor) or None,
            "summary": redactor.text(str(error)) if error else "",
            "hint": error.hint if error else "", "status": error.status if error else None},
            indent=2))
        return
    if delivery is not None:
        check = delivery.verification
        print(f"webhook: {check.status} ({check.scheme})"
              + (f", {check.detail}" if check.detail and check.status != "verified" else ""))
    if result.linked is not None:
        print(f"account {result.linked.account_id} linked (via {result.linked.via}); provider "
              f"{account.get('provider', '?')}, status {account.get('status', '?')}")
    if error is not None:
        print(f"FAIL refused: {redactor.text(str(error))}")
        if error.hint:
            print(f"hint: {error.hint}")
        return
    print("PASS verified: the account answers unified requests")
