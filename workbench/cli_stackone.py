"""`workbench link`: create a StackOne connect session, print its auth link for the customer,
wait for the account they link (webhook or account list), then verify it.

With --json the timeline and prompts go to stderr and the one object to stdout (json_report).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Mapping
from typing import Any

from workbench.cli import FAILED
from workbench.cli_commands import parse_pairs
from workbench.cli_platforms import (
    finish,
    load_account,
    print_timeline,
    receiver_and_client,
    redacted,
    refused_usage,
    webhook_target,
)
from workbench.core.errors import ConfigError, InputError
from workbench.core.events import EventLog
from workbench.core.json_report import connector_ref, report
from workbench.core.platforms.account import LoadedPlatform
from workbench.core.platforms.claims import webhook_part
from workbench.core.platforms.stackone import (
    ConnectSession,
    StackOneAccount,
    connect_session_form,
    session_request,
)
from workbench.core.platforms.stackone_link import NO_ACCOUNT_HINT, LinkResult, link_and_verify
from workbench.core.redaction import Redactor

DESCRIPTION = (
    "Create a connect session, print its auth link for the customer, wait for account.created "
    "(or poll GET /accounts), then verify the account and one unified request with "
    "x-account-id. Exit 0 when verified, 1 on failure, 2 on usage errors.")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `workbench link` beside every platform command's."""
    parser.add_argument("--field", action="append", metavar="NAME=VALUE",
                        help="a connect session field (repeatable): origin_owner_id, "
                        "origin_owner_name, origin_username, categories (a,b), provider, "
                        "expires_in (1800, 30m, 5 days), account_id, label, type, multiple, "
                        "integration_id, metadata (JSON)")
    parser.add_argument("--open", action="store_true", help="open the link in the browser")


def run(args: argparse.Namespace, redactor: Redactor) -> int:
    """Link and verify an account; 0 when it answers unified requests."""
    try:
        loaded, keys = load_account(args)
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
        return refused_usage(args, redactor, exc)
    log = EventLog(redactor=redactor)
    try:
        result = asyncio.run(_link(args, loaded, keys, body, log))
    except TimeoutError as exc:
        print_timeline(log, redactor)
        print(f"FAIL no_account: {exc}", file=sys.stderr)
        print(f"hint: {NO_ACCOUNT_HINT}", file=sys.stderr)
        args.report = report(
            "link", redactor, ok=False, outcome="no_account", summary=str(exc).capitalize(),
            hint=NO_ACCOUNT_HINT, steps=log, connector=connector_ref(loaded.name,
                                                                     str(loaded.path)),
            exit_code=FAILED, session=None, account_id=None, via=None, account=None)
        return FAILED
    print_timeline(log, redactor)
    linked, error = result.linked, result.error
    return finish(
        args, redactor, loaded, result.report(account.unified_check), log,
        session=redacted(result.session.data if result.session else None, redactor),
        account_id=linked.account_id if linked else None, via=linked.via if linked else None,
        webhook=webhook_part(linked.delivery if linked else None, duplicate=False),
        account=redacted(result.account, redactor) if result.account else None,
        status=error.status if error else None)


async def _link(args: argparse.Namespace, loaded: LoadedPlatform, keys: Mapping[str, str],
                body: dict[str, Any], log: EventLog) -> LinkResult:
    account = loaded.account
    assert isinstance(account, StackOneAccount)
    async with receiver_and_client(args, loaded, keys, log) as (receiver, stackone):
        target = webhook_target(args, loaded.plugin, receiver)
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
