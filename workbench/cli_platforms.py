"""`workbench job` (Deck) and `workbench link` (StackOne): submit, receive the webhook, report.

Both start the local webhook receiver, print a redacted timeline of every request and
delivery, and exit 0 on success, 1 on a failed job or link, 2 on config or usage errors. With
--json the timeline and prompts go to stderr and the one object to stdout (json_report).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Mapping
from typing import Any

from workbench.cli import FAILED, PASSED
from workbench.cli_commands import (
    CheckRun,
    given_values,
    network_settings,
    parse_pairs,
    problem_run,
    resolve_connector,
)
from workbench.core.connector_files import load_file
from workbench.core.errors import ConfigError, InputError
from workbench.core.events import EventLog
from workbench.core.json_report import (
    connector_ref,
    report,
    verdict_report,
)
from workbench.core.junit import CheckedConnector
from workbench.core.library import connector_id_for
from workbench.core.platforms.account import (
    DeckAccount,
    LoadedPlatform,
    StackOneAccount,
    deck_base_url,
)
from workbench.core.platforms.api import PlatformError
from workbench.core.platforms.claims import token_words, webhook_words
from workbench.core.platforms.deck import (
    DeckClient,
    JobOutcome,
    ensure_connection_form,
    job_input,
    run_job,
)
from workbench.core.platforms.keys import check_keys, webhook_checks
from workbench.core.platforms.stackone import (
    NO_ACCOUNT_HINT,
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
    try:
        loaded, keys = _prepare(args, "deck")
        given: dict[str, Any] = dict(parse_pairs(args.input or [], "--input"))
        if args.input_json:
            given.update(_json_object(args.input_json))
        if args.code == "EnsureConnection":
            assert isinstance(loaded.account, DeckAccount)
            spec = ensure_connection_form(loaded.account.source_guid)
            given = {**{k: v for k, v in spec.with_defaults({}).items() if v}, **given}
            missing = list(spec.problems({k: str(v) for k, v in given.items()}))
            if missing:
                raise InputError(f"EnsureConnection needs {', '.join(missing)}: give it with "
                                 "--input NAME=VALUE")
    except (ConfigError, InputError) as exc:
        return _refused_usage(args, redactor, exc, "job")
    if args.code != "EnsureConnection" and not given.get(ACCESS_TOKEN):
        stored = SecretStore().get(connector_id_for(loaded.path), ACCESS_TOKEN)
        if stored:
            given[ACCESS_TOKEN] = stored
            print("Using the access token saved in the keychain.", file=sys.stderr)
    log = EventLog(redactor=redactor)
    outcome = asyncio.run(_job(args, loaded, keys, given, log))
    _print_timeline(log, redactor)
    ref = connector_ref(loaded.name, str(loaded.path))
    if isinstance(outcome, PlatformError):
        if not args.json:
            _print_platform_error(outcome)
        args.report = report("job", redactor, ok=False, outcome=outcome.outcome,
                             summary=str(outcome), hint=outcome.hint, steps=log,
                             connector=ref, exit_code=FAILED, job_code=args.code, job_guid=None,
                             error_code=outcome.code or None, status=outcome.status,
                             payload=None, webhook=None)
        return FAILED
    outcome.no_prompt = not sys.stdin.isatty()  # the hint then says to pass --mfa-answer
    if outcome.kind == "connected" and args.save_token:
        store = SecretStore()
        store.set(connector_id_for(loaded.path), ACCESS_TOKEN, outcome.access_token)
        print(token_words(store, in_app=False), file=sys.stderr)
    code = PASSED if outcome.ok else FAILED
    summary = outcome.summary(args.code)
    if not args.json:
        _print_job(outcome, summary)
    args.report = report("job", redactor, ok=outcome.ok, outcome=outcome.kind, summary=summary,
                         hint=outcome.hint, steps=log, connector=ref, exit_code=code,
                         job_code=args.code, job_guid=outcome.job_guid,
                         error_code=outcome.error_code or None,
                         payload=_redacted(outcome.payload, redactor),
                         webhook=_webhook(outcome), via=outcome.via)
    return code


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
    try:
        loaded, keys = _prepare(args, "stackone")
        assert isinstance(loaded.account, StackOneAccount)
        account = loaded.account
        spec = connect_session_form(account.origin_owner_id, account.origin_owner_name,
                                    tuple(account.categories))
        values = spec.with_defaults(parse_pairs(args.field or [], "--field", spec.names,
                                                  "A connect session"))
        missing = spec.problems(values)
        if missing:
            raise InputError("; ".join(f"{n}: {p}" for n, p in missing.items())
                             + " (give them with --field NAME=VALUE)")
        body = session_request(values)
    except (ConfigError, InputError, ValueError) as exc:
        return _refused_usage(args, redactor, exc, "link")
    log = EventLog(redactor=redactor)
    ref = connector_ref(loaded.name, str(loaded.path))
    try:
        result = asyncio.run(_link(args, account, keys, body, log))
    except TimeoutError as exc:
        _print_timeline(log, redactor)
        print(f"FAIL no_account: {exc}", file=sys.stderr)
        print(f"hint: {NO_ACCOUNT_HINT}", file=sys.stderr)
        args.report = report(
            "link", redactor, ok=False, outcome="no_account", summary=str(exc).capitalize(),
            hint=NO_ACCOUNT_HINT, steps=log, connector=ref, exit_code=FAILED, session=None,
            account_id=None, via=None, account=None)
        return FAILED
    _print_timeline(log, redactor)
    code = PASSED if result.ok else FAILED
    error = result.error
    if args.json:
        pass  # the object says it all; the timeline went to stderr
    elif error is not None and result.session is None:
        _print_platform_error(error)
    else:
        _print_link(result)
    delivery = result.linked.delivery if result.linked else None
    args.report = report(
        "link", redactor, ok=result.ok,
        outcome=result.outcome, summary=result.summary(account.unified_check),
        hint=result.hint, steps=log, connector=ref, exit_code=code,
        session=_redacted(result.session.data if result.session else None, redactor),
        account_id=result.linked.account_id if result.linked else None,
        via=result.linked.via if result.linked else None,
        webhook=None if delivery is None else {
            "verification": delivery.verification.status,
            "scheme": delivery.verification.scheme, "detail": delivery.verification.detail},
        account=_redacted(result.account, redactor) if result.account else None,
        status=error.status if error else None)
    return code


async def _link(args: argparse.Namespace, account: StackOneAccount, keys: Mapping[str, str],
                body: dict[str, Any], log: EventLog) -> LinkResult:
    checks = webhook_checks(account, keys.get("webhook_secret", ""))
    async with await WebhookReceiver(log, checks).start(args.listen) as receiver, \
            create_client(log, network_settings(args, args.request_timeout)) as client:
        stackone = StackOneClient(client, keys["base_url"], keys["api_key"], log.redactor)
        target = args.webhook_url or receiver.url + "/stackone"
        return await link_and_verify(
            stackone, receiver, body, args.timeout,
            lambda s: _show_link(s, args.open, log.redactor, bool(body.get("multiple"))),
            unified_path=account.unified_check,
            register_webhook=target if account.register_webhook else "")


def _show_link(session: ConnectSession, open_browser: bool, redactor: Redactor,
               multiple: bool = False) -> None:
    redactor.permit(session.token)  # the link is for the customer: it must be shown whole
    uses = "it works until it expires" if multiple else "it works once"
    print(f"Send this link to the customer ({uses}):\n\n  {session.auth_link_url}\n",
          file=sys.stderr, flush=True)
    if open_browser:
        import webbrowser

        webbrowser.open(session.auth_link_url)
    print("Waiting for account.created (and polling the account list)…", file=sys.stderr,
          flush=True)


def check_platform(args: argparse.Namespace, name: str, redactor: Redactor) -> CheckRun:
    """`workbench check` on a platform account: do the keys work?"""
    try:
        loaded = load_file(resolve_connector(name))
        assert isinstance(loaded, LoadedPlatform)
        keys = _keys(loaded, args, strict=len(args.connector) == 1)
    except (ConfigError, InputError) as exc:
        return problem_run(args, redactor, name, exc)
    log = EventLog(redactor=redactor)
    verdict = asyncio.run(check_keys(loaded.account, keys, log, network_settings(args)))
    code = PASSED if verdict.ok else FAILED
    ref = connector_ref(loaded.name, str(loaded.path))
    if not args.json:
        print(f"Checking {loaded.name}  ({loaded.path})")
        _print_timeline(log, redactor)
        print(f"{'PASS' if verdict.ok else 'FAIL'} {verdict.outcome}: {verdict.summary}")
        if verdict.hint:
            print(f"hint: {verdict.hint}")
    events = list(log)
    return CheckRun(code, verdict_report(verdict, events, redactor, ref, code),
                    CheckedConnector(ref["name"], ref["path"], verdict, events))


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
                _print_platform_error(exc)
                return False
            _print_timeline(log, redactor)
            _print_job(job, job.summary("EnsureConnection"))
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
            _print_link(link)
            print()
            return link.ok


# -- loading and values ---------------------------------------------------------------------


def _prepare(args: argparse.Namespace, platform: str) -> tuple[LoadedPlatform, dict[str, str]]:
    """The platform account and its key values (ConfigError, InputError)."""
    loaded = load_file(resolve_connector(args.connector))
    if not isinstance(loaded, LoadedPlatform) or loaded.platform != platform:
        command = "job" if platform == "deck" else "link"
        raise InputError(f"{args.connector} is not a {platform} account file; `workbench "
                         f"{command}` needs one with `platform: {platform}`")
    return loaded, _keys(loaded, args)


def _keys(loaded: LoadedPlatform, args: argparse.Namespace, strict: bool = True
          ) -> dict[str, str]:
    """The account's key values: file defaults, WB_* environment, --set."""
    spec = loaded.form
    values = spec.with_defaults(given_values(spec, loaded.name, args.set or [], strict))
    missing = spec.problems(values)
    if missing:
        names = ", ".join(f"{n} ({p})" for n, p in missing.items())
        raise InputError(f"{loaded.name} needs {names}: give them with --set NAME=VALUE "
                         "or WB_<NAME> environment variables")
    return values


def _refused_usage(args: argparse.Namespace, redactor: Redactor, exc: Exception,
                   command: str) -> int:
    """A usage or file problem before anything was sent: said, and as the --json object."""
    if not isinstance(exc, ConfigError | InputError):
        exc = InputError(str(exc))
    run = problem_run(args, redactor, args.connector, exc, command)
    args.report = run.report
    return run.code


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


def _print_platform_error(error: PlatformError) -> None:
    print(f"FAIL {error.outcome}: {error}")
    if error.hint:
        print(f"hint: {error.hint}")


def _webhook(outcome: JobOutcome) -> dict[str, Any] | None:
    delivery = outcome.delivery
    return None if delivery is None else {
        "verification": delivery.verification.status, "scheme": delivery.verification.scheme,
        "detail": delivery.verification.detail, "duplicate": delivery.duplicate}


def _print_job(outcome: JobOutcome, summary: str) -> None:
    if outcome.delivery is not None or outcome.via != "webhook":
        print(webhook_words(outcome.delivery, outcome.via))
    mark = "PASS" if outcome.ok else "FAIL"
    print(f"{mark} {outcome.kind}: {summary} (job {outcome.job_guid})")
    if outcome.hint:
        print(f"hint: {outcome.hint}")


def _print_link(result: LinkResult) -> None:
    account = result.account or {}
    error = result.error
    delivery = result.linked.delivery if result.linked else None
    if result.linked is not None:
        print(webhook_words(delivery, result.linked.via))
        print(f"account {result.linked.account_id} linked (via {result.linked.via}); provider "
              f"{account.get('provider', '?')}, status {account.get('status', '?')}")
    if error is not None:
        print(f"FAIL {result.outcome}: {error}")
        print(f"hint: {result.hint}")
        return
    print("PASS verified: the account answers unified requests")
