"""The headless commands behind `workbench check|validate|schema|sandbox|demo`.

Kept apart from `workbench.cli` so that opening the GUI does not import them first.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from pathlib import Path

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
from workbench.core.redaction import Redactor
from workbench.core.report import check_json, check_text
from workbench.core.transport import TransportSettings


def _load_run(args: argparse.Namespace) -> tuple[LoadedConnector, dict[str, str],
                                                  TransportSettings] | None:
    """The connector, its given values and the network settings; None (said) on a problem."""
    try:
        loaded = load_connector(resolve_connector(args.connector))
        return loaded, given_values(form_spec(loaded.blueprint), loaded.blueprint.connector.name,
                                    args.set or []), network_settings(args)
    except ConfigError as exc:
        print(str(exc), file=sys.stderr)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
    return None


def cmd_check(args: argparse.Namespace, redactor: Redactor) -> int:
    if _is_platform_file(args.connector):
        from workbench.cli_platforms import check_platform

        return check_platform(args, redactor)
    prepared = _load_run(args)
    if prepared is None:
        return USAGE
    loaded, given, settings = prepared
    log = EventLog(redactor=redactor)
    options = CheckOptions(
        endpoint=args.endpoint, base_url=args.base_url, token_url=args.token_url,
        settings=settings, negative_control=args.negative_control,
    )
    result = asyncio.run(run_check(loaded.blueprint, given, log, options))
    _print_result(result, loaded, redactor, args)
    if result.verdict.outcome == "config_error":
        if not args.json:
            names = ", ".join(env_name(n) for n in form_spec(loaded.blueprint).names)
            print(f"Give values with --set NAME=VALUE or environment variables ({names}).",
                  file=sys.stderr)
        return USAGE
    return PASSED if result.verdict.ok else FAILED


def cmd_authorize(args: argparse.Namespace, redactor: Redactor) -> int:
    if args.browser == "embedded" and not args.device:
        from workbench.cli import _no_display

        problem = _no_display()
        if problem:
            print(problem.replace("the window", "the login window"), file=sys.stderr)
            return USAGE
    prepared = _load_run(args)
    if prepared is None:
        return USAGE
    loaded, given, settings = prepared
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
        return PASSED  # tokens obtained; the check's verdict is printed either way
    return USAGE if result.verdict.outcome == "config_error" else FAILED


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
    failed = 0
    for path in _expand(args.paths):
        try:
            loaded = load_file(path)
        except ConfigError as exc:
            failed += 1
            print(str(exc), file=sys.stderr)
        else:
            print(f"ok    {path}  ({loaded.name})")
            for warning in file_cleartext_warnings(loaded):
                print(f"warning: {warning}", file=sys.stderr)
    return USAGE if failed else PASSED


def cmd_schema(args: argparse.Namespace, redactor: Redactor) -> int:
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


def given_values(spec: FormSpec, owner: str, pairs: list[str]) -> dict[str, str]:
    """Values from WB_* environment variables, overridden by --set NAME=VALUE."""
    values = {n: os.environ[env_name(n)] for n in spec.names if env_name(n) in os.environ}
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
    connector = {"name": loaded.blueprint.connector.name, "path": str(loaded.path)}
    if args.json:
        print(json.dumps(check_json(result, redactor, connector=connector), indent=2))
        return
    print(f"Checking {connector['name']}  ({connector['path']})")
    print(check_text(result, redactor, verbose=args.verbose))


def _expand(paths: list[str]) -> list[Path]:
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        found += discover_connectors(path) if path.is_dir() else [path]
    return found
