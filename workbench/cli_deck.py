"""`workbench job`: submit a Deck job and follow it to its end through the webhooks with its
`job_guid` (or, failing those, its status); security questions are asked on the terminal.

With --json the timeline and prompts go to stderr and the one object to stdout (json_report).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Mapping
from typing import Any

from workbench.cli_commands import parse_pairs
from workbench.cli_platforms import (
    finish,
    json_object,
    load_account,
    print_timeline,
    receiver_and_client,
    redacted,
    refused_usage,
    webhook_target,
)
from workbench.core.errors import ConfigError, InputError
from workbench.core.events import EventLog
from workbench.core.library import connector_id_for
from workbench.core.platforms.account import LoadedPlatform
from workbench.core.platforms.api import PlatformError
from workbench.core.platforms.claims import RunReport, token_words, webhook_part
from workbench.core.platforms.deck import (
    DeckAccount,
    JobOutcome,
    ensure_connection_form,
    job_input,
    run_job,
)
from workbench.core.redaction import Redactor
from workbench.core.secrets import SecretStore

DESCRIPTION = (
    "Start the local webhook receiver, submit the job (EnsureConnection by default) with the "
    "account's keys, wait for the webhook with the same job_guid (or ask the job's status), and "
    "print the redacted outcome. Exit 0 on success, 1 on a failed job, 2 on config or usage "
    "errors.")
ENSURE = "EnsureConnection"
ACCESS_TOKEN = "access_token"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `workbench job` beside every platform command's."""
    parser.add_argument("--code", default=ENSURE, help="the job code (default "
                        "EnsureConnection; CloseConnection, FetchDocuments, …)")
    parser.add_argument("--input", action="append", metavar="NAME=VALUE",
                        help="a job input (repeatable): source_guid, username, password, "
                        "external_id, access_token, webhook_url, account_id, …")
    parser.add_argument("--input-json", metavar="JSON", help="more input as one JSON object")
    parser.add_argument("--mfa-answer", help="the answer to a security question (else asked "
                        "on the terminal)")
    parser.add_argument("--simulate", default="", metavar="OUTCOME",
                        help="Deck sandbox simulation (x-deck-sandbox), e.g. job-failed")
    parser.add_argument("--save-token", action="store_true",
                        help="save the new access token in the keychain for later jobs")


def run(args: argparse.Namespace, redactor: Redactor) -> int:
    """Submit the job, follow it, report; 0 when it went well."""
    try:
        loaded, keys = load_account(args)
        given = _given(args, loaded)
    except (ConfigError, InputError) as exc:
        return refused_usage(args, redactor, exc)
    if args.code != ENSURE and not given.get(ACCESS_TOKEN):
        stored = SecretStore().get(connector_id_for(loaded.path), ACCESS_TOKEN)
        if stored:
            given[ACCESS_TOKEN] = stored
            print("Using the access token saved in the keychain.", file=sys.stderr)
    log = EventLog(redactor=redactor)
    outcome = asyncio.run(_job(args, loaded, keys, given, log))
    print_timeline(log, redactor)
    if isinstance(outcome, PlatformError):
        return finish(args, redactor, loaded, RunReport.refused(outcome), log,
                      job_code=args.code, job_guid=None, error_code=outcome.code or None,
                      status=outcome.status, payload=None, webhook=None)
    outcome.no_prompt = not sys.stdin.isatty()  # the hint then says to pass --mfa-answer
    if outcome.kind == "connected" and args.save_token:
        store = SecretStore()
        store.set(connector_id_for(loaded.path), ACCESS_TOKEN, outcome.access_token)
        print(token_words(store, in_app=False), file=sys.stderr)
    return finish(args, redactor, loaded, outcome.report(args.code), log, job_code=args.code,
                  job_guid=outcome.job_guid, error_code=outcome.error_code or None,
                  payload=redacted(outcome.payload, redactor),
                  webhook=webhook_part(outcome.delivery), via=outcome.via)


def _given(args: argparse.Namespace, loaded: LoadedPlatform) -> dict[str, Any]:
    """The job's input from --input and --input-json; EnsureConnection's with the form's
    defaults, and every required input present (InputError)."""
    given: dict[str, Any] = dict(parse_pairs(args.input or [], "--input"))
    if args.input_json:
        given.update(json_object(args.input_json, "--input-json"))
    if args.code == ENSURE:
        assert isinstance(loaded.account, DeckAccount)
        spec = ensure_connection_form(loaded.account.source_guid)
        given = {**{k: v for k, v in spec.with_defaults({}).items() if v}, **given}
        missing = list(spec.problems({k: str(v) for k, v in given.items()}))
        if missing:
            raise InputError(f"EnsureConnection needs {', '.join(missing)}: give it with "
                             "--input NAME=VALUE")
    return given


async def _job(args: argparse.Namespace, loaded: LoadedPlatform, keys: Mapping[str, str],
               given: dict[str, Any], log: EventLog) -> JobOutcome | PlatformError:
    async with receiver_and_client(args, loaded, keys, log) as (receiver, deck):
        if args.code == ENSURE or "webhook_url" in given:
            given.setdefault("webhook_url", webhook_target(args, loaded.plugin, receiver))
        body = job_input(given) if args.code == ENSURE else given
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
