"""The headless commands behind `workbench check|validate|schema|sandbox|demo`.

Kept apart from `workbench.cli` so that opening the GUI does not import them first.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench.cli import FAILED, PASSED, USAGE, env_name
from workbench.core.auth.device import DeviceAuthorization
from workbench.core.authorize import authorize_and_check, device_authorize_and_check
from workbench.core.check import CheckOptions, CheckResult, run_check
from workbench.core.config import (
    LoadedConnector,
    bundled_connectors_dir,
    connector_schema,
    discover_connectors,
    load_connector,
)
from workbench.core.config.loader import read_connector
from workbench.core.config.manifest import is_manifest_path
from workbench.core.connector_files import is_platform_text, load_file
from workbench.core.errors import ConfigError, InputError
from workbench.core.events import EventLog
from workbench.core.formspec import FormSpec, form_spec
from workbench.core.insecure_urls import file_cleartext_warnings
from workbench.core.json_report import (
    check_report,
    config_error_report,
    connector_ref,
    error_report,
    problem_dict,
    report,
    several_report,
)
from workbench.core.junit import CheckedConnector, junit_xml
from workbench.core.redaction import Redactor
from workbench.core.report import check_text
from workbench.core.transport import TransportSettings
from workbench.core.verdict import config_error


@dataclass
class CheckRun:
    """One connector's check in a CLI run: its exit code, --json object and JUnit suite."""

    code: int
    report: dict[str, Any]
    checked: CheckedConnector


def problem_run(args: argparse.Namespace, redactor: Redactor, name: str,
                exc: ConfigError | InputError, command: str = "check") -> CheckRun:
    """A connector that could not be run (a broken file, a bad value): said on stderr, and
    as the --json object."""
    ref = connector_ref(name, name)
    if isinstance(exc, ConfigError):
        print(str(exc), file=sys.stderr)
        data = config_error_report(command, redactor, exc, USAGE, ref)
    else:
        print(f"error: {exc}", file=sys.stderr)
        data = error_report(command, redactor, "config_error", str(exc), USAGE, connector=ref,
                            hint="Check the command line: connector name, --set NAME=VALUE.")
    verdict = config_error(data["summary"], data["hint"])
    return CheckRun(USAGE, data, CheckedConnector(name, name, verdict))


def _load_run(args: argparse.Namespace, name: str, *, strict: bool = True
              ) -> tuple[LoadedConnector, dict[str, str], TransportSettings]:
    """The connector, its given values and the network settings (ConfigError, InputError)."""
    loaded = load_connector(resolve_connector(name))
    spec = form_spec(loaded.blueprint)
    return loaded, given_values(spec, loaded.blueprint.connector.name, args.set or [],
                                strict=strict), network_settings(args)


def cmd_check(args: argparse.Namespace, redactor: Redactor) -> int:
    names: list[str] = args.connector
    several = len(names) > 1
    unknown = _unknown_sets(args, names) if several else []
    if unknown:
        message = (f"no connector given has the field{'s' if len(unknown) > 1 else ''} "
                   f"{', '.join(map(repr, unknown))} (--set)")
        print(f"error: {message}", file=sys.stderr)
        args.report = error_report("check", redactor, "config_error", message, USAGE)
        return USAGE
    runs: list[CheckRun] = []
    for name in names:
        if several and not args.json and runs:
            print()
        runs.append(_check_one(args, name, redactor, several))
    code = max(run.code for run in runs)  # the worst of them
    if several:
        args.report = several_report("check", [run.report for run in runs], redactor, code)
        if not args.json:
            print(f"\n{args.report['summary']}")
    else:
        args.report = runs[0].report
    args.checked = [run.checked for run in runs]  # for --bundle and the network details
    if args.junit and not _write_junit(args.junit, runs, redactor):
        code = max(code, USAGE)
        args.report.update(exit_code=code, ok=False)
        args.report["warnings"].append(f"The JUnit report could not be written to {args.junit}.")
    return code


def _write_junit(path: str, runs: list[CheckRun], redactor: Redactor) -> bool:
    try:
        Path(path).write_text(junit_xml([run.checked for run in runs], redactor),
                              encoding="utf-8")
    except OSError as exc:
        print(f"error: the JUnit report could not be written to {path}: "
              f"{exc.strerror or exc}", file=sys.stderr)
        return False
    return True


def _check_one(args: argparse.Namespace, name: str, redactor: Redactor,
               several: bool) -> CheckRun:
    try:
        if _is_platform_file(name):
            from workbench.cli_platforms import check_platform

            return check_platform(args, name, redactor)
        loaded, given, settings = _load_run(args, name, strict=not several)
    except (ConfigError, InputError) as exc:
        return problem_run(args, redactor, name, exc)
    log = EventLog(redactor=redactor)
    options = CheckOptions(
        endpoint=args.endpoint, base_url=args.base_url, token_url=args.token_url,
        settings=settings, negative_control=args.negative_control,
    )
    result = asyncio.run(run_check(loaded.blueprint, given, log, options))
    code = USAGE if result.verdict.outcome == "config_error" else (
        PASSED if result.verdict.ok else FAILED)
    _print_result(result, loaded, redactor, args)
    if result.verdict.outcome == "config_error" and not args.json:
        names = ", ".join(env_name(n) for n in form_spec(loaded.blueprint).names)
        print(f"Give values with --set NAME=VALUE or environment variables ({names}).",
              file=sys.stderr)
    ref = connector_ref(loaded.blueprint.connector.name, str(loaded.path))
    return CheckRun(code, check_report(result, redactor, ref, code),
                    CheckedConnector(ref["name"], ref["path"], result.verdict, result.events))


def _unknown_sets(args: argparse.Namespace, names: list[str]) -> list[str]:
    """--set names that none of several connectors has (each takes those it has)."""
    wanted = {pair.partition("=")[0] for pair in args.set or []}
    for name in names:
        try:
            loaded = load_file(resolve_connector(name))
        except (ConfigError, InputError):
            return []  # that connector's own problem is reported when it runs
        spec = form_spec(loaded.blueprint) if isinstance(loaded, LoadedConnector) \
            else loaded.form
        wanted -= set(spec.names)
    return sorted(wanted)


def cmd_authorize(args: argparse.Namespace, redactor: Redactor) -> int:
    if args.browser == "embedded" and not args.device:
        from workbench.cli import _no_display

        problem = _no_display()
        if problem:
            message = problem.replace("the window", "the login window")
            print(message, file=sys.stderr)
            args.report = error_report("authorize", redactor, "usage_error",
                                       message.splitlines()[0], USAGE,
                                       hint="Use --browser system or --browser none.")
            return USAGE
    try:
        loaded, given, settings = _load_run(args, args.connector)
    except (ConfigError, InputError) as exc:
        run = problem_run(args, redactor, args.connector, exc, "authorize")
        args.report = run.report
        return run.code
    log = EventLog(redactor=redactor)
    options = CheckOptions(settings=settings)
    if args.device:
        result = asyncio.run(device_authorize_and_check(loaded.blueprint, given, log,
                                                        _show_device_code, options))
    elif args.browser == "embedded":
        from workbench.qt.embedded_login import login_in_embedded_browser

        result = login_in_embedded_browser(loaded.blueprint, given, log, options, args.wait,
                                           args.authorization_url)
    else:
        opener = _open_in_browser if args.browser == "system" else _print_url
        result = asyncio.run(authorize_and_check(
            loaded.blueprint, given, log, opener, options, timeout=args.wait,
            authorization_url=args.authorization_url))
    _print_result(result, loaded, redactor, args)
    if result.token is not None:
        code = PASSED  # tokens obtained; the check's verdict is printed either way
    else:
        code = USAGE if result.verdict.outcome == "config_error" else FAILED
    ref = connector_ref(loaded.blueprint.connector.name, str(loaded.path))
    args.report = check_report(result, redactor, ref, code, command="authorize")
    return code


def _show_device_code(device: DeviceAuthorization) -> None:
    import segno

    link = device.verification_uri_complete or device.verification_uri
    print(f"On any device, open {device.verification_uri} and enter the code\n\n"
          f"    {device.user_code}\n\nor open this link, or scan it:\n\n  {link}\n",
          file=sys.stderr, flush=True)
    segno.make(link, error="l").terminal(out=sys.stderr, compact=True)
    print("Waiting for the confirmation…", file=sys.stderr, flush=True)


def _print_url(url: str) -> None:
    print(f"Open this URL in a browser and log in; waiting for the redirect:\n\n  {url}\n",
          file=sys.stderr, flush=True)


def _open_in_browser(url: str) -> None:
    import webbrowser

    if not webbrowser.open(url):
        _print_url(url)  # no browser here (SSH, a container): the user opens it elsewhere
        return
    print("Opened the login page in your browser; waiting for the redirect…", file=sys.stderr,
          flush=True)


def cmd_validate(args: argparse.Namespace, redactor: Redactor) -> int:
    files: list[dict[str, Any]] = []
    warnings: list[str] = []
    for path in _expand(args.paths):
        try:
            loaded = load_file(path)
        except ConfigError as exc:
            print(str(exc), file=sys.stderr)
            files.append({"path": str(path), "ok": False, "name": None, "kind": None,
                          "problems": [problem_dict(p) for p in exc.problems]})
        else:
            print(f"ok    {path}  ({loaded.name})")
            for warning in file_cleartext_warnings(loaded):
                print(f"warning: {warning}", file=sys.stderr)
                warnings.append(f"{path}: {warning}")
            kind = "connector" if isinstance(loaded, LoadedConnector) else "platform"
            files.append({"path": str(path), "ok": True, "name": loaded.name, "kind": kind,
                          "problems": []})
    failed = [f for f in files if not f["ok"]]
    code = USAGE if failed else PASSED
    summary = (f"{len(failed)} of {len(files)} files have problems" if failed
               else f"{len(files)} file{'s' if len(files) != 1 else ''} valid")
    if not files:
        summary, code = "No connector files found there.", USAGE
    args.report = report("validate", redactor, ok=code == PASSED,
                         outcome="ok" if code == PASSED else "config_error", summary=summary,
                         hint="Fix each problem at its position." if failed else "",
                         exit_code=code, files=files, warnings=warnings)
    return code


def cmd_schema(args: argparse.Namespace, redactor: Redactor) -> int:
    if args.json_output:
        from workbench.core.json_report_schema import schema_text

        text = schema_text()
    else:
        text = json.dumps(connector_schema(), indent=2) + "\n"
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return PASSED


def cmd_sandbox(args: argparse.Namespace, redactor: Redactor) -> int:
    from workbench.sandbox import run_sandbox
    from workbench.sandbox.server import other_port, start_failure

    try:
        run_sandbox(args.host, args.port)
    except OSError as exc:
        reason = start_failure(exc, args.host, args.port)
        if reason is None:
            raise
        print(f"error: the sandbox cannot listen: {reason}; {other_port(args.port)}, and "
              "give the Sandbox connectors that port in sandbox_url", file=sys.stderr)
        return USAGE
    return PASSED


def cmd_demo(args: argparse.Namespace, redactor: Redactor) -> int:
    """Start the sandbox and check every bundled sandbox connector against it."""
    from workbench.sandbox import start_sandbox

    async def demo() -> int:
        failures = 0
        async with await start_sandbox() as sandbox:
            print(f"Sandbox listening on {sandbox.url}\n")
            for path in discover_connectors(bundled_connectors_dir() / "sandbox"):
                loaded = load_file(path)
                print(f"== {loaded.name}  ({path.name})")
                if isinstance(loaded, LoadedConnector):
                    log = EventLog(redactor=redactor)
                    result = await run_check(loaded.blueprint, {"sandbox_url": sandbox.url}, log)
                    print(check_text(result, redactor) + "\n")
                    failures += not result.verdict.ok
                else:
                    from workbench.cli_platforms import demo_platform

                    failures += not await demo_platform(loaded, sandbox.url, redactor)
        print(f"{failures} failed" if failures else "All sandbox connectors passed.")
        return FAILED if failures else PASSED

    return asyncio.run(demo())


# -- helpers --------------------------------------------------------------------------------


def resolve_connector(name: str) -> Path:
    """A path, or the name of a bundled connector (file stem or connector name)."""
    path = Path(name)
    if path.exists():
        return path
    wanted = name.lower().replace("-", "_").replace(" ", "_")
    candidates = {_short_name(c): c for c in discover_connectors(bundled_connectors_dir())}
    for short, candidate in candidates.items():
        if short.lower().replace("-", "_") == wanted:
            return candidate
    known = ", ".join(candidates)
    raise InputError(f"no connector file or bundled connector named {name!r} (bundled: {known})")


def _short_name(path: Path) -> str:
    """How a bundled connector is named on the command line: its file stem, or for a Sesam
    manifest.json its folder."""
    return path.parent.name if is_manifest_path(path) else path.stem


def _is_platform_file(name: str) -> bool:
    try:
        return is_platform_text(read_connector(resolve_connector(name)))
    except (InputError, ConfigError):
        return False  # the usual loading reports it


def given_values(spec: FormSpec, owner: str, pairs: list[str],
                 strict: bool = True) -> dict[str, str]:
    """Values from WB_* environment variables, overridden by --set NAME=VALUE; unless
    `strict`, names this form does not have are left for another connector."""
    values = {n: os.environ[env_name(n)] for n in spec.names if env_name(n) in os.environ}
    if not strict:
        pairs = [p for p in pairs if p.partition("=")[0] in spec.names or "=" not in p]
    values.update(parse_pairs(pairs, "--set", spec.names, owner))
    return values


def parse_pairs(pairs: list[str], option: str, known: list[str] | None = None,
                owner: str = "this") -> dict[str, str]:
    """NAME=VALUE options as a dict; with `known`, other names are refused."""
    values: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise InputError(f"{option} needs NAME=VALUE, got {pair!r}")
        if known is not None and name not in known:
            raise InputError(f"{owner} has no field {name!r}; its fields are: "
                             f"{', '.join(known) or 'none'}")
        values[name] = value
    return values


def network_settings(args: argparse.Namespace, timeout: float | None = None
                     ) -> TransportSettings:
    """The network options as settings; `timeout` per request (default `--timeout`)."""
    timeout = args.timeout if timeout is None else timeout
    return TransportSettings(
        timeout=timeout,
        connect_timeout=min(timeout, 10.0),
        proxy=args.proxy,
        ca_bundle=args.ca_bundle,
        client_cert=args.cert,
        client_key=args.key,
        verify_tls=not args.insecure,
    )


def _print_result(
    result: CheckResult, loaded: LoadedConnector, redactor: Redactor, args: argparse.Namespace
) -> None:
    """The human report (with --json, main prints the object; the text goes nowhere)."""
    if args.json:
        return
    print(f"Checking {loaded.blueprint.connector.name}  ({loaded.path})")
    print(check_text(result, redactor, verbose=args.verbose))


def _expand(paths: list[str]) -> list[Path]:
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        found += discover_connectors(path) if path.is_dir() else [path]
    return found
