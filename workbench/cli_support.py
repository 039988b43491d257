"""The support commands: `workbench har diagnose FILE`, `workbench diff A B`, and what
`workbench check` does after the check itself: the network details (-v, --json) and
`--bundle out.zip`.

Both read files a customer or a colleague sent; every value shown is redacted. With --json
the command leaves its object in `args.report` and `cli.main` prints it (the one JSON object
on stdout, whatever happens); the text report goes to stdout otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from workbench import __version__
from workbench.cli import FAILED, PASSED, USAGE
from workbench.core.bundle import BundleContents, write_bundle
from workbench.core.clock_skew import server_skews
from workbench.core.diagnosis.findings import Finding
from workbench.core.diagnosis.flow import json_of
from workbench.core.diagnosis.har_file import HarDiagnosis, diagnose_har
from workbench.core.discovery import DiscoveryReport, discover, jwks_of, verify_tokens
from workbench.core.errors import ConfigError, InputError
from workbench.core.events import Event, EventLog
from workbench.core.json_report import error_report, report
from workbench.core.junit import CheckedConnector
from workbench.core.network_facts import facts_for
from workbench.core.network_report import build_report, probe_chain
from workbench.core.network_settings import TransportSettings
from workbench.core.redaction import Redactor
from workbench.core.run_diff import RunDiff, diff_runs
from workbench.core.run_files import read_run
from workbench.core.support_schema import DIFFERENT, FINDINGS
from workbench.core.transport import create_client
from workbench.core.wire_secrets import learn_secrets


def cmd_check(args: argparse.Namespace, redactor: Redactor) -> int:
    """`check`, then its network details (-v, --json) and, with --bundle, the bundle."""
    from workbench.cli_commands import cmd_check as check

    discovered = None if args.no_discovery else _discover(args, redactor)
    code = check(args, redactor)
    checked: list[CheckedConnector] = getattr(args, "checked", [])
    if discovered is not None:
        _after_discovery(args, redactor, discovered, checked)
    _network_details(args, checked)
    if args.bundle and checked:
        code = _bundle(args, redactor, checked, code)
    return code


def _discover(args: argparse.Namespace, redactor: Redactor) -> Discovered | None:
    """Before the check sends a credential: the provider's metadata against the connector."""
    from workbench.cli_commands import given_values, network_settings, resolve_connector
    from workbench.core.config import load_connector
    from workbench.core.formspec import form_spec
    from workbench.core.templates import fill

    if len(args.connector) != 1:
        return None
    try:
        loaded = load_connector(resolve_connector(args.connector[0]))
        entry = loaded.blueprint.authentication
        if entry is None or entry.oauth2_settings is None:
            return None
        spec = form_spec(loaded.blueprint)
        values = spec.with_defaults(given_values(spec, loaded.blueprint.connector.name,
                                                 args.set or []))
        token_url = args.token_url or fill(entry.oauth2_settings.token_url, values,
                                           what="token_url")
        settings = network_settings(args)
    except (ConfigError, InputError):
        return None  # the check itself says what is wrong
    log = EventLog(redactor=redactor)

    async def run() -> DiscoveryReport:
        async with create_client(log, settings) as client:
            return await discover(client, loaded.blueprint, values, token_url)

    found = asyncio.run(run())
    if not args.json and found.metadata:
        print(f"Provider metadata: {found.metadata_url} (issuer {found.issuer})")
        for finding in found.findings:
            if finding.severity != "info" or finding.code == "endpoints_filled":
                print(f"  {finding.severity}: {finding.title}. {finding.hint}".rstrip())
    return Discovered(found, values.get("client_id", ""), settings)


@dataclass
class Discovered:
    report: DiscoveryReport
    client_id: str
    settings: TransportSettings


def _after_discovery(args: argparse.Namespace, redactor: Redactor, discovered: Discovered,
                     checked: list[CheckedConnector]) -> None:
    """The run's JWTs against the provider's keys; everything into the report."""
    found = discovered.report
    jwt_findings: list[Finding] = []
    if found.metadata and checked:
        events = list(checked[0].events)
        tokens = issued_jwts(events)
        if tokens:
            log = EventLog(redactor=redactor)

            async def keys() -> dict[str, Any] | None:
                async with create_client(log, discovered.settings) as client:
                    return await jwks_of(client, found)

            jwks = asyncio.run(keys())
            host = urlsplit(found.issuer).netloc
            skew = server_skews(events).get(host, 0.0)
            jwt_findings = verify_tokens(tokens, jwks, found.issuer,
                                         client_id=discovered.client_id, skew=skew) \
                if jwks else [Finding("jwks_missing", "warning", "The provider publishes no "
                                      "usable JWKS, so its JWTs cannot be verified", "")]
    if not args.json:
        for finding in jwt_findings:
            print(f"{finding.severity}: {finding.title}. {finding.hint}".rstrip())
    if args.report is not None:
        args.report["discovery"] = {**found.to_dict(),
                                    "jwt": [f.to_dict() for f in jwt_findings]}
        args.report.setdefault("warnings", []).extend(
            f.title for f in (*found.findings, *jwt_findings) if f.severity != "info")


def issued_jwts(events: list[Event]) -> dict[str, str]:
    """The JWTs the run's token responses issued (access_token, id_token), newest wins."""
    tokens: dict[str, str] = {}
    for event in events:
        if event.kind != "token" or not event.status or not 200 <= event.status < 300:
            continue
        data = json_of(event.response_body)
        if isinstance(data, dict):
            tokens.update({name: str(data[name]) for name in ("access_token", "id_token")
                           if isinstance(data.get(name), str)})
    return tokens


def _network_details(args: argparse.Namespace, checked: list[CheckedConnector]) -> None:
    reports = [_network(run.events) for run in checked]
    if args.report is not None:
        results = args.report.get("results")
        if isinstance(results, list) and len(results) == len(reports):
            for result, found in zip(results, reports, strict=True):
                result["connections"] = found
        elif reports:
            args.report["connections"] = reports[0]
    if args.verbose and not args.json:
        for found in reports:
            if found:
                print("Network:")
            for item in found:
                print(f"  #{item['step']} {item['method']} {item['url']}")
                print("\n".join(f"      {line}" for line in item["lines"]))


def _network(events: list[Event] | Any) -> list[dict[str, Any]]:
    found = []
    for number, event in enumerate(events, 1):
        facts = facts_for(event) if event.method else None
        if facts is None:
            continue
        refused = not facts.chain and facts.scheme == "https" and (
            "certificate" in event.error.lower() or "tls" in event.error.lower())
        # A refused certificate leaves no chain: fetch it again, unverified, to name its CA.
        chain = asyncio.run(probe_chain(facts.host, facts.port)) if refused else None
        built = build_report(facts, chain=chain)
        found.append({"step": number, "id": event.id, "method": event.method,
                      "url": event.url, **built.to_dict(), "lines": built.lines()})
    return found


def _bundle(args: argparse.Namespace, redactor: Redactor, checked: list[CheckedConnector],
            code: int) -> int:
    from workbench.cli_commands import network_settings

    events = [event for run in checked for event in run.events]
    verdicts = [{"connector": run.name, "path": run.path, **run.verdict.to_dict()}
                for run in checked]
    first = Path(checked[0].path)
    contents = BundleContents(events, redactor, __version__, network_settings(args), verdicts,
                              first if first.is_file() else None, _secret_names(first))
    try:
        manifest = write_bundle(args.bundle, contents)
    except OSError as exc:
        print(f"error: the bundle could not be written to {args.bundle}: "
              f"{exc.strerror or exc}", file=sys.stderr)
        if args.report is not None:
            args.report["warnings"].append(f"The bundle could not be written to {args.bundle}.")
            args.report.update(exit_code=max(code, USAGE), ok=False)
        return max(code, USAGE)
    masked = sum(r["count"] for r in manifest["redactions"])
    print(f"Support bundle written to {args.bundle} ({len(manifest['files'])} files, "
          f"{masked} values masked; see manifest.json inside).", file=sys.stderr)
    if args.report is not None:
        args.report["bundle"] = str(args.bundle)
    return code


def _secret_names(path: Path) -> list[str]:
    from workbench.core.config import load_connector
    from workbench.core.formspec import form_spec

    try:
        return form_spec(load_connector(path).blueprint).secret_names
    except (ConfigError, InputError, OSError):
        return []


_MARKS = {"error": "ERROR", "warning": "WARN ", "info": "INFO "}


def cmd_har(args: argparse.Namespace, redactor: Redactor) -> int:
    """`har diagnose FILE`: the auth flow in a HAR and what went wrong in it."""
    try:
        result = diagnose_har(args.file, redactor)
    except InputError as exc:
        return _fail(args, redactor, f"{args.file}: {exc}",
                     "Export the HAR again from the browser's network panel (Save all as HAR).")
    findings = result.diagnosis.findings
    errors = [f for f in findings if f.severity == "error"]
    code = FAILED if errors else PASSED
    summary = (f"{len(errors)} problem{'s' if len(errors) != 1 else ''} in the auth flow: "
               f"{errors[0].title}" if errors else
               f"No errors in {len(result.capture.entries)} entries"
               + (f" ({len(findings)} warnings)" if findings else ""))
    events = result.capture.events
    args.report = report(
        "har", redactor, ok=not errors, outcome=FINDINGS if errors else "ok", summary=summary,
        hint=errors[0].hint if errors else "", exit_code=code,
        warnings=[*result.capture.warnings,
                  *(f.title for f in findings if f.severity != "error")],
        steps=[events[index] for _role, index in result.diagnosis.outline],
        **{k: v for k, v in result.to_dict(str(args.file)).items() if k != "warnings"})
    if not args.json:
        print(_har_text(result, str(args.file)))
    return code


def cmd_diff(args: argparse.Namespace, redactor: Redactor) -> int:
    """`diff A B`: two runs (HARs, session exports, bundles) compared step by step."""
    try:
        a, b = read_run(args.a), read_run(args.b)
    except InputError as exc:
        return _fail(args, redactor, str(exc), "Give two HARs, session exports (.json) or "
                     "support bundles (.zip).")
    for event in (*a.events, *b.events):
        learn_secrets(redactor, event)  # nothing either file carries is shown
    diff = diff_runs(a.events, b.events, redactor, a_name=str(args.a), b_name=str(args.b))
    differences = diff.differences
    code = FAILED if differences else PASSED
    first = differences[0] if differences else None
    summary = (f"{len(differences)} difference{'s' if len(differences) != 1 else ''}; first: "
               f"{first.step} {first.field}" if first else "No differences that matter")
    args.report = report("diff", redactor, ok=not differences,
                         outcome=DIFFERENT if differences else "ok", summary=summary,
                         hint="Make run B match run A where they differ, starting with the "
                         "first difference." if differences else "", exit_code=code,
                         **diff.to_dict())
    if not args.json:
        print(_diff_text(diff, show_all=args.all))
    return code


# -- text -----------------------------------------------------------------------------------

def _har_text(result: HarDiagnosis, source: str) -> str:
    capture, events = result.capture, result.capture.events
    made_by = capture.browser or capture.creator or "unknown tool"
    lines = [f"HAR {source} ({made_by}, {len(events)} entries)"]
    lines += [f"warning: {w}" for w in capture.warnings]
    if result.diagnosis.outline:
        lines.append("Auth flow:")
        for role, index in result.diagnosis.outline:
            event = events[index]
            status = event.status if event.status is not None else (event.error or "no answer")
            lines.append(f"  #{index + 1:<4} {role:<10} {event.method} "
                         f"{_short(event.url)} -> {status!s}")
    else:
        lines.append("No auth flow found (no authorization, token or authenticated request).")
    findings = result.diagnosis.findings
    lines.append("Findings:" if findings else "No problems found.")
    lines += [_finding_text(f) for f in findings]
    counts = {s: sum(f.severity == s for f in findings) for s in ("error", "warning")}
    lines.append(f"{counts['error']} error(s), {counts['warning']} warning(s)")
    return "\n".join(lines)


def _finding_text(finding: Finding) -> str:
    where = ", ".join(f"#{n + 1}" for n in finding.entries)
    return (f"  {_MARKS[finding.severity]} {finding.code} (entries {where or '-'})\n"
            f"        {finding.title}\n        hint: {finding.hint}")


def _diff_text(diff: RunDiff, *, show_all: bool) -> str:
    lines = [f"A: {diff.a_name}", f"B: {diff.b_name}"]
    step = ""
    for row in diff.rows:
        if not show_all and not row.matters:
            continue
        if row.step != step:
            step = row.step
            lines.append(step)
        mark = "=" if row.same else ("~" if row.per_login else "≠")
        if row.secret:
            lines.append(f"  {mark} {row.field}")
            continue
        lines.append(f"  {mark} {row.field}: A {_quoted(row.a)}  B {_quoted(row.b)}")
    count = len(diff.differences)
    lines.append("No differences that matter." if not count else f"{count} difference(s).")
    if not show_all:
        lines.append("(--all shows the fields that are the same too)")
    return "\n".join(lines)


def _quoted(value: str) -> str:
    return f"“{_short(value)}”" if value else "(absent)"


def _short(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _fail(args: argparse.Namespace, redactor: Redactor, message: str, hint: str) -> int:
    args.report = error_report(args.command, redactor, "config_error", message, USAGE, hint)
    print(f"error: {message}", file=sys.stderr)
    return USAGE
