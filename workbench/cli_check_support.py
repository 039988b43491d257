"""What `workbench check` does beyond the check itself: before it, the provider's metadata
(discovery, unless --no-discovery); after it, the run's JWTs against the provider's keys, the
network laid bare per request (-v, and `connections` in --json), and `--bundle out.zip`.

`cmd_check` runs `cli_commands.cmd_check` in between, so the check itself is unchanged.
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
from workbench.cli import USAGE
from workbench.core.bundle import BundleContents, write_bundle
from workbench.core.clock_skew import server_skews
from workbench.core.diagnosis.findings import Finding
from workbench.core.diagnosis.flow import json_of
from workbench.core.discovery import DiscoveryReport, discover, jwks_of, verify_tokens
from workbench.core.errors import ConfigError, InputError
from workbench.core.events import Event, EventLog
from workbench.core.junit import CheckedConnector
from workbench.core.network_facts import facts_for
from workbench.core.network_report import build_report, probe_chain
from workbench.core.network_settings import TransportSettings
from workbench.core.redaction import Redactor
from workbench.core.transport import create_client


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
