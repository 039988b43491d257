"""`workbench token introspect|revoke CONNECTOR`: ask the provider about a token (RFC 7662) or
revoke it (RFC 7009), authenticating as the connector's client.

The token is `--token`, else `WB_TOKEN`, else one obtained now through the connector's grant.
Exit codes: 0 active (introspect) or revoked, 1 inactive or refused, 2 config or usage error.
"""

from __future__ import annotations

import argparse
import asyncio
import os

from workbench.cli import FAILED, PASSED, USAGE, env_name
from workbench.cli_commands import (
    given_values,
    network_settings,
    problem_run,
    resolve_connector,
)
from workbench.core.check import CheckOptions
from workbench.core.config import load_connector
from workbench.core.errors import ConfigError, InputError
from workbench.core.events import EventLog
from workbench.core.formspec import form_spec
from workbench.core.json_report import connector_ref, report, verdict_parts
from workbench.core.redaction import Redactor
from workbench.core.report import check_text
from workbench.core.token_admin import TokenActionResult, token_action

TOKEN_ENV = env_name("token")


def cmd_token(args: argparse.Namespace, redactor: Redactor) -> int:
    """Introspect or revoke, print what the provider said, and the verdict."""
    try:
        loaded = load_connector(resolve_connector(args.connector))
        given = given_values(form_spec(loaded.blueprint), loaded.blueprint.connector.name,
                             args.set or [])
        settings = network_settings(args)
    except (ConfigError, InputError) as exc:
        run = problem_run(args, redactor, args.connector, exc, command="token")
        args.report = run.report
        return run.code
    token = args.token or os.environ.get(TOKEN_ENV, "")
    redactor.add_value(token or None)
    log = EventLog(redactor=redactor)
    options = CheckOptions(token_url=args.token_url, settings=settings)
    result = asyncio.run(token_action(loaded.blueprint, given, log, options, args.action,
                                      token=token, hint=args.token_type_hint))
    verdict = result.verdict
    code = USAGE if verdict.outcome == "config_error" else (PASSED if verdict.ok else FAILED)
    ref = connector_ref(loaded.blueprint.connector.name, str(loaded.path))
    args.report = report("token", redactor, ok=verdict.ok, outcome=verdict.outcome,
                         summary=verdict.summary, hint=verdict.hint, warnings=verdict.warnings,
                         steps=result.events, connector=ref, exit_code=code,
                         **verdict_parts(verdict), action=args.action,
                         introspection=_introspection(result),
                         token=result.token.summary() if result.token else None)
    if not args.json:
        _print(result, loaded.blueprint.connector.name, redactor, args.verbose)
    return code


def _introspection(result: TokenActionResult) -> dict[str, object] | None:
    seen = result.introspection
    return None if seen is None else {"active": seen.active, **seen.claims}


def _print(result: TokenActionResult, name: str, redactor: Redactor, verbose: bool) -> None:
    print(f"Token {result.action}: {name}")
    print(check_text(result, redactor, verbose=verbose))
