"""Platform accounts on the command line, whatever the platform: the commands the installed
platforms add (`workbench job`, `workbench link`), `check` on an account file (do the keys
work?) and `demo` against a platform's sandbox stand-in.

A platform's own command lives in its CLI module (`Command.module`); what every command shares
is here: loading the account and its keys, the local webhook receiver and the recorded client,
the redacted timeline, and the end of the run as text or as the one --json object. Commands
exit 0 on success, 1 on a failed run, 2 on config or usage errors.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import json
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any

from workbench.cli import FAILED, PASSED
from workbench.cli_commands import (
    CheckRun,
    given_values,
    network_settings,
    problem_run,
    resolve_connector,
)
from workbench.core.connector_files import load_file
from workbench.core.errors import ConfigError, InputError
from workbench.core.events import EventLog
from workbench.core.json_report import connector_ref, report, verdict_report
from workbench.core.junit import CheckedConnector
from workbench.core.platforms.account import LoadedPlatform
from workbench.core.platforms.api import PlatformError
from workbench.core.platforms.claims import RunReport
from workbench.core.platforms.keys import check_keys
from workbench.core.platforms.registry import Platform, load_target, platforms
from workbench.core.redaction import Redactor
from workbench.core.report import timeline_line
from workbench.core.transport import create_client
from workbench.core.webhooks import WebhookReceiver

CommonArguments = Callable[[argparse.ArgumentParser, str], None]


def add_commands(sub: Any, common: CommonArguments) -> None:
    """A subcommand for each command of each installed platform; `common` adds what every
    platform command takes (the account, --set, the receiver, --json, the network)."""
    for found in platforms().values():
        for command in found.commands:
            module = importlib.import_module(command.module)
            parser = sub.add_parser(command.name, help=command.help,
                                    description=module.DESCRIPTION)
            common(parser, found.title)
            module.add_arguments(parser)
            parser.set_defaults(run=module.run, platform=found.name)


# -- loading and values ---------------------------------------------------------------------


def load_account(args: argparse.Namespace) -> tuple[LoadedPlatform, dict[str, str]]:
    """The account file of the command's platform and its key values (ConfigError,
    InputError)."""
    loaded = load_file(resolve_connector(args.connector))
    if not isinstance(loaded, LoadedPlatform) or loaded.platform != args.platform:
        raise InputError(f"{args.connector} is not a {args.platform} account file; `workbench "
                         f"{args.command}` needs one with `platform: {args.platform}`")
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


def refused_usage(args: argparse.Namespace, redactor: Redactor, exc: Exception) -> int:
    """A usage or file problem before anything was sent: said, and as the --json object."""
    if not isinstance(exc, ConfigError | InputError):
        exc = InputError(str(exc))
    run = problem_run(args, redactor, args.connector, exc, args.command)
    args.report = run.report
    return run.code


def json_object(text: str, option: str) -> dict[str, Any]:
    """`option`'s value as a JSON object (InputError if it is not one)."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise InputError(f"{option} is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise InputError(f"{option} must be a JSON object ({{…}})")
    return data


@contextlib.asynccontextmanager
async def receiver_and_client(args: argparse.Namespace, loaded: LoadedPlatform,
                              keys: Mapping[str, str], log: EventLog
                              ) -> AsyncIterator[tuple[WebhookReceiver, Any]]:
    """The local receiver, checking webhooks the way the platform signs them, and the
    platform's API client on the recorded transport."""
    found = loaded.plugin
    checks = found.webhook_checks(keys.get("webhook_secret", ""))
    async with await WebhookReceiver(log, checks).start(args.listen) as receiver, \
            create_client(log, network_settings(args, args.request_timeout)) as http:
        yield receiver, found.client(loaded.account, keys, http, log.redactor)


def webhook_target(args: argparse.Namespace, found: Platform, receiver: WebhookReceiver) -> str:
    """Where the platform should deliver: --webhook-url, else the local receiver."""
    return str(args.webhook_url or found.webhook_url(receiver.url))


# -- reporting ------------------------------------------------------------------------------


def redacted(data: Any, redactor: Redactor) -> Any:
    """JSON data with secrets masked, by value and by key (a payload's access_token)."""
    return json.loads(redactor.body(json.dumps(data), "application/json"))


def print_timeline(log: EventLog, redactor: Redactor) -> None:
    for number, event in enumerate(log, 1):
        print(timeline_line(number, event, redactor))


def print_report(run: RunReport) -> None:
    for line in run.lines():
        print(line)


def finish(args: argparse.Namespace, redactor: Redactor, loaded: LoadedPlatform,
           run: RunReport, log: EventLog, **parts: Any) -> int:
    """The end of a platform command: the verdict as text (unless --json) and the --json
    object with the command's own `parts`; the exit code."""
    code = PASSED if run.ok else FAILED
    if not args.json:
        print_report(run)
    args.report = report(args.command, redactor, ok=run.ok, outcome=run.outcome,
                         summary=run.summary, hint=run.hint, steps=log,
                         connector=connector_ref(loaded.name, str(loaded.path)),
                         exit_code=code, **parts)
    return code


# -- check and demo -------------------------------------------------------------------------


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
        print_timeline(log, redactor)
        print(f"{'PASS' if verdict.ok else 'FAIL'} {verdict.outcome}: {verdict.summary}")
        if verdict.hint:
            print(f"hint: {verdict.hint}")
    events = list(log)
    return CheckRun(code, verdict_report(verdict, events, redactor, ref, code),
                    CheckedConnector(ref["name"], ref["path"], verdict, events))


async def demo_platform(loaded: LoadedPlatform, sandbox_url: str, redactor: Redactor) -> bool:
    """The platform's whole flow against its sandbox stand-in (its `StandIn.demo`)."""
    found = loaded.plugin
    if found.stand_in is None or not found.stand_in.demo:
        print(f"{found.title} has no sandbox demo.\n")
        return True
    demo = load_target(found.stand_in.demo)
    account = loaded.account
    log = EventLog(redactor=redactor)
    checks = found.webhook_checks(account.webhook_secret)
    async with await WebhookReceiver(log, checks).start() as receiver, \
            create_client(log) as http:
        try:
            run: RunReport = await demo(account, sandbox_url + found.stand_in.mount, receiver,
                                        http, log)
        except PlatformError as exc:
            run = RunReport.refused(exc)
    print_timeline(log, redactor)
    print_report(run)
    print()
    return run.ok
