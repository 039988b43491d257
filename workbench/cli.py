"""`workbench` on the command line: the same core, headless, for support engineers and CI.

Exit codes: 0 the check passed, 1 it failed, 2 a config or usage error, 3 an internal error.
This module stays light (the parser and `gui`); the commands live in `workbench.cli_commands`.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys
import typing
from collections.abc import Callable, Sequence
from pathlib import Path

from workbench import __version__
from workbench.cli_streams import RunStreams, redacting_streams
from workbench.core.redaction import RedactingFilter, Redactor

PASSED, FAILED, USAGE, INTERNAL = 0, 1, 2, 3
# The commands of the CLI itself; any other word is looked up among the installed platforms'.
CORE_COMMANDS = ("check", "authorize", "validate", "schema", "sandbox", "gui", "demo", "har",
                 "diff", "token")
USAGE_ERROR, INTERNAL_ERROR = "usage_error", "internal_error"
# Loggers whose DEBUG records carry raw header values (httpcore logs each response's headers
# before the exchange is recorded and its secrets learned): never below INFO.
RAW_HEADER_LOGGERS = ("httpcore", "hpack", "h11")
ENV_PREFIX = "WB_"


def env_name(field: str) -> str:
    """The environment variable that supplies a field: `client_secret` → `WB_CLIENT_SECRET`."""
    return ENV_PREFIX + re.sub(r"[^A-Za-z0-9]", "_", field).upper()


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    redactor = Redactor()
    redactor.add_proxy_credentials(_option_value(arguments, "--proxy"))
    json_mode = "--json" in arguments  # known before parsing: a usage error gets its object
    with redacting_streams(redactor, json_mode=json_mode) as streams:
        return _main(arguments, redactor, streams, json_mode)


def _main(arguments: list[str], redactor: Redactor, streams: RunStreams,
          json_mode: bool) -> int:
    parser = _parser(with_platforms=_needs_platforms(arguments))
    try:
        args = parser.parse_args(arguments)
    except UsageError as exc:
        if json_mode:
            command = next((a for a in arguments if a in _json_commands()), None)
            help_text = f"workbench {command} --help" if command else "workbench --help"
            _emit(streams, error_report(command, redactor, USAGE_ERROR, str(exc), USAGE,
                                        f"See {help_text}."))
        else:
            parser.print_usage(sys.stderr)
            print(f"workbench: error: {exc}", file=sys.stderr)
        return USAGE
    _setup_logging(args.log_level, redactor)
    if not getattr(args, "command", None):
        args = parser.parse_args([*arguments, "gui"])
    args.report = None
    json_mode = json_mode and bool(getattr(args, "json", False))
    try:
        code = int(args.run(args, redactor))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        code, outcome, summary = FAILED, "cancelled", "Interrupted before the run finished."
    except Exception as exc:  # the last line of defence: no traceback, no secrets
        logging.getLogger("workbench").debug("internal error", exc_info=True)
        summary = f"internal error: {type(exc).__name__}: {redactor.text(str(exc))}"
        print(summary, file=sys.stderr)
        code, outcome = INTERNAL, INTERNAL_ERROR
    else:
        outcome, summary = "", ""
    if json_mode:
        report = args.report if outcome == "" else None
        if report is None:
            report = error_report(args.command, redactor, outcome or INTERNAL_ERROR,
                                  summary or "The command printed no result (a bug).", code,
                                  _BUG_HINT if code == INTERNAL else "")
        _emit(streams, report)
    return code


_BUG_HINT = ("This is a bug in the workbench, not in the connection. Run with --log-level DEBUG "
             "for details (secrets are scrubbed) and report it.")


def error_report(command: str | None, redactor: Redactor, outcome: str, summary: str,
                 exit_code: int, hint: str = "") -> dict[str, object]:
    from workbench.core.json_report import error_report as build  # not on the GUI's way

    return build(command, redactor, outcome, summary, exit_code, hint)


def _emit(streams: RunStreams, report: dict[str, object]) -> None:
    streams.emit_json(report)


def _option_value(arguments: list[str], option: str) -> str | None:
    """`--proxy URL` or `--proxy=URL` from the raw arguments (before parsing can fail)."""
    for index, argument in enumerate(arguments):
        if argument == option and index + 1 < len(arguments):
            return arguments[index + 1]
        if argument.startswith(option + "="):
            return argument.partition("=")[2]
    return None


class UsageError(Exception):
    """The command line is wrong (argparse's complaint, without exiting)."""


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting, so --json can still print its object."""

    def error(self, message: str) -> typing.NoReturn:
        raise UsageError(message)


# -- commands -------------------------------------------------------------------------------

Command = Callable[[argparse.Namespace, Redactor], int]


def _command(name: str, module: str = "cli_commands") -> Command:
    """The headless command `name`, imported only when it runs."""

    def run(args: argparse.Namespace, redactor: Redactor) -> int:
        import importlib

        commands = importlib.import_module(f"workbench.{module}")
        command: Command = getattr(commands, f"cmd_{name}")
        return command(args, redactor)

    return run


def _cmd_gui(args: argparse.Namespace, _redactor: Redactor) -> int:
    problem = _no_display()
    if problem:
        print(problem, file=sys.stderr)
        return USAGE
    try:
        from workbench.qt.app import run_gui  # Qt only when the GUI is wanted
    except ImportError as error:  # a system library Qt needs is missing (libGL, libxkbcommon…)
        from workbench.qt.missing_library import explain

        if (message := explain(error)) is None:
            raise
        print(message, file=sys.stderr)
        return USAGE
    return run_gui([str(Path(p).resolve()) for p in args.paths], smoke=args.smoke)


def _no_display() -> str | None:
    """Why the GUI cannot open here (Qt would abort without a word), or None."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return None
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return None
    return ("error: no display to open the window on (DISPLAY and WAYLAND_DISPLAY are unset).\n"
            "Run it inside a desktop session, under xvfb-run, or with QT_QPA_PLATFORM=offscreen "
            "for a smoke test; the CLI works headless: workbench check|validate|sandbox|demo.")


def _setup_logging(level: str, redactor: Redactor) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RedactingFilter(redactor))
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in RAW_HEADER_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.INFO, root.level))


def _network_arguments(parser: argparse.ArgumentParser, timeout: str = "--timeout") -> None:
    parser.add_argument(timeout, type=float, default=30.0, help="seconds per request")
    parser.add_argument("--proxy", help="proxy URL (default: HTTPS_PROXY/HTTP_PROXY/NO_PROXY)")
    parser.add_argument("--ca-bundle", help="PEM file of extra CAs to trust")
    parser.add_argument("--cert", help="client certificate (PEM) for mutual TLS")
    parser.add_argument("--key", help="client certificate's private key (PEM)")
    parser.add_argument("--insecure", action="store_true", help="do not verify TLS certificates")


def _listen_port(text: str) -> int:
    """PORT or 127.0.0.1:PORT; any other host is refused (the receiver is loopback-only)."""
    host, _sep, port = text.rpartition(":")
    if host not in ("", "127.0.0.1", "localhost"):
        raise argparse.ArgumentTypeError("the receiver listens on 127.0.0.1 only; for webhooks "
                                         "from the internet put a tunnel in front of it and pass "
                                         "its URL with --webhook-url")
    if not port.isdigit() or int(port) > 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port (e.g. 127.0.0.1:8900)")
    return int(port)


def _needs_platforms(arguments: Sequence[str]) -> bool:
    """Whether the command line may name a platform's command (or asks for the list of all
    commands): the platforms are loaded only then, so `gui` and `check` start light."""
    words = iter(arguments)
    for word in words:
        if word == "--log-level":
            next(words, None)
        elif word in ("-h", "--help"):
            return True
        elif not word.startswith("-"):
            return word not in CORE_COMMANDS
    return False


def _json_commands() -> tuple[str, ...]:
    from workbench.core.json_report import commands

    return commands()


def _platform_commands(sub: typing.Any) -> None:
    """The commands the installed platforms add (`job`, `link`)."""
    from workbench.cli_platforms import add_commands

    add_commands(sub, _platform_arguments)


def _platform_arguments(parser: argparse.ArgumentParser, platform: str) -> None:
    parser.add_argument("connector", help=f"a {platform} account file, or a bundled one's name")
    parser.add_argument("--set", action="append", metavar="NAME=VALUE",
                        help="an account field (keys, base_url, environment); also WB_<NAME>")
    parser.add_argument("--webhook-url", help="the URL the platform should call (a tunnel's "
                        "public URL); default: the local receiver")
    parser.add_argument("--listen", type=_listen_port, default=0, metavar="HOST:PORT",
                        help="where the receiver listens (127.0.0.1 only; default a free port)")
    parser.add_argument("--timeout", type=float, default=120.0,
                        help="seconds to wait for the webhook (default 120)")
    parser.add_argument("--json", action="store_true", help="print one JSON object "
                        "(docs/json-output.md); the timeline and prompts go to stderr")
    _network_arguments(parser, "--request-timeout")


def _parser(with_platforms: bool = True) -> argparse.ArgumentParser:
    parser = _Parser(
        prog="workbench",
        description="Connection Workbench: find out why a connection won't authenticate.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--log-level", default=os.environ.get("WORKBENCH_LOG_LEVEL", "WARNING"),
        choices=["DEBUG", "INFO", "WARNING", "ERROR", "debug", "info", "warning", "error"],
        help="log to stderr at this level (secrets are scrubbed); env WORKBENCH_LOG_LEVEL",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = sub.add_parser(
        "check", help="authenticate and run a connector's validation steps",
        description="Run the auth flow, then the connector's pre_run_configurations steps (or "
        "--endpoint, else GET base_url), and print a verdict with a hint. Field values come "
        f"from --set NAME=VALUE or from environment variables {ENV_PREFIX}<NAME> "
        f"(e.g. {env_name('client_secret')}), else the connector's defaults.",
    )
    check.add_argument("connector", nargs="+", metavar="CONNECTOR",
                       help="connector files or bundled connectors' names; several are "
                       "checked one after the other (exit code: the worst of them)")
    check.add_argument("--set", action="append", metavar="NAME=VALUE",
                       help="a parameter or auth field value (repeatable; values may have spaces)")
    check.add_argument("--endpoint", help="path or URL to GET when the connector has no steps")
    check.add_argument("--base-url", help="use this base URL instead of the connector's")
    check.add_argument("--token-url", help="use this OAuth2 token URL instead of the connector's")
    check.add_argument("--json", action="store_true", help="print one JSON object "
                       "(docs/json-output.md); with several connectors, one with `results`")
    check.add_argument("--junit", metavar="FILE", help="also write a JUnit XML report (one "
                       "test case per connector and step), as newman and bru do")
    check.add_argument("--negative-control", action="store_true",
                       help="after a pass, run again with the main secret wrong: if that passes "
                       "too, the endpoint does not check credentials (outcome unproven, exit 1)")
    check.add_argument("-v", "--verbose", action="store_true",
                       help="show headers and bodies (redacted)")
    _network_arguments(check)
    check.add_argument("--no-discovery", action="store_true", help="do not fetch the OAuth "
                       "provider's metadata (.well-known) to check the connector against it")
    check.add_argument("--bundle", metavar="ZIP", help="also write a redacted support bundle "
                       "(HAR, timeline, verdicts, connector without secrets, environment)")
    check.set_defaults(run=_command("check", "cli_check_support"))  # the check, and more

    authorize = sub.add_parser(
        "authorize", help="log in through a browser (authorization code + PKCE), then check",
        description="For connectors with the authorization_code grant: open the provider's "
        "login page, catch the redirect on http://127.0.0.1:<port>/callback, exchange the code "
        "(PKCE S256, state checked), then run the check. Exits 0 once tokens are obtained.",
    )
    authorize.add_argument("connector", help="connector file, or the name of a bundled one")
    authorize.add_argument("--set", action="append", metavar="NAME=VALUE",
                           help="a parameter or auth field value (repeatable)")
    authorize.add_argument("--browser", choices=["system", "none", "embedded"], default="system",
                           help="system: open the default browser; none: print the URL (for "
                           "SSH) and wait; embedded: the app's own login window")
    authorize.add_argument("--authorization-url", help="the login URL, if the config has none")
    authorize.add_argument("--device", action="store_true",
                           help="log in on another device instead (RFC 8628): shows a code, a "
                           "URL and a QR code; needs device_authorization_url in the config")
    authorize.add_argument("--wait", type=float, default=300.0,
                           help="seconds to wait for the redirect (default 300)")
    authorize.add_argument("--json", action="store_true", help="print one JSON object "
                           "(docs/json-output.md); prompts and the login URL go to stderr")
    authorize.add_argument("-v", "--verbose", action="store_true",
                           help="show headers and bodies (redacted)")
    _network_arguments(authorize)
    authorize.set_defaults(run=_command("authorize"), endpoint=None, base_url=None,
                           token_url=None)

    if with_platforms:
        _platform_commands(sub)

    token = sub.add_parser(
        "token", help="introspect (RFC 7662) or revoke (RFC 7009) an OAuth2 connector's token",
        description="Ask the provider whether a token is active (for which client, scope, "
        "audience, expiry, binding), or revoke it, authenticating as the connector's client. "
        f"The token is --token, else {env_name('token')}, else one obtained now through the "
        "connector's grant. Exit 0 active/revoked, 1 inactive or refused, 2 usage errors.")
    token.add_argument("action", choices=["introspect", "revoke"])
    token.add_argument("connector", help="connector file, or the name of a bundled one")
    token.add_argument("--set", action="append", metavar="NAME=VALUE",
                       help="a parameter or auth field value (repeatable)")
    token.add_argument("--token", help=f"the token (better: {env_name('token')}, out of the "
                       "shell history)")
    token.add_argument("--token-type-hint", choices=["access_token", "refresh_token"],
                       default="access_token", help="which kind of token it is")
    token.add_argument("--token-url", help="use this OAuth2 token URL instead of the connector's")
    token.add_argument("--json", action="store_true", help="print one JSON object")
    token.add_argument("-v", "--verbose", action="store_true",
                       help="show headers and bodies (redacted)")
    _network_arguments(token)
    token.set_defaults(run=_command("token", "cli_token"))

    validate = sub.add_parser("validate", help="check connector files for errors")
    validate.add_argument("paths", nargs="+", metavar="PATH", help="files or folders")
    validate.add_argument("--json", action="store_true", help="print one JSON object")
    validate.set_defaults(run=_command("validate"))

    schema = sub.add_parser("schema", help="print the JSON Schema of connector files")
    schema.add_argument("--output", "-o", help="write to this file instead of stdout")
    schema.add_argument("--json-output", action="store_true",
                        help="the schema of --json output instead (docs/json-output.schema.json)")
    schema.set_defaults(run=_command("schema"))

    sandbox = sub.add_parser("sandbox", help="serve the local sandbox APIs until Ctrl+C")
    sandbox.add_argument("--host", default="127.0.0.1", choices=["127.0.0.1", "::1"])
    sandbox.add_argument("--port", type=int, default=8765)
    sandbox.set_defaults(run=_command("sandbox"))

    gui = sub.add_parser("gui", help="open the desktop app (the default without a command)")
    gui.add_argument("paths", nargs="*", metavar="PATH", help="connector files or folders to open")
    gui.add_argument("--smoke", action="store_true",
                     help="open the window, print the time to its first paint, and exit")
    gui.set_defaults(run=_cmd_gui)

    demo = sub.add_parser("demo", help="start the sandbox and check every sandbox connector")
    demo.set_defaults(run=_command("demo"))
    _support_parsers(sub)
    return parser


def _support_parsers(sub: argparse._SubParsersAction[_Parser]) -> None:
    """`har diagnose` and `diff` (workbench.cli_support)."""
    har = sub.add_parser("har", help="diagnose a browser's HAR capture")
    har_sub = har.add_subparsers(dest="har_command", metavar="ACTION", required=True)
    diagnose = har_sub.add_parser(
        "diagnose", help="find the auth flow in a HAR and say what went wrong",
        description="Read a HAR (Chromium, Firefox, …), redact it, find the authorization "
        "request, redirect, token request and API calls, and report redirect_uri, state, PKCE, "
        "token, audience, CORS, cookie, clock and TLS-inspection problems. Exit 0 without "
        "errors, 1 with, 2 when the file is no HAR.")
    diagnose.add_argument("file", help="the .har file")
    diagnose.add_argument("--json", action="store_true", help="print one JSON object")
    diagnose.set_defaults(run=_command("har", "cli_support"))
    diff = sub.add_parser(
        "diff", help="compare two runs step by step (HARs, session exports, bundles)",
        description="Compare the auth flow of two runs: authorization parameters, token "
        "request (client authentication, body keys, headers, scopes), token response and JWT "
        "claims, redirects, API calls. Secrets are compared by digest only. Exit 0 when "
        "nothing that matters differs, 1 when something does, 2 on unreadable files.")
    diff.add_argument("a", help="the run that works (.har, session .json or bundle .zip)")
    diff.add_argument("b", help="the run that does not")
    diff.add_argument("--all", action="store_true", help="also list the fields that match")
    diff.add_argument("--json", action="store_true", help="print one JSON object")
    diff.set_defaults(run=_command("diff", "cli_support"))


if __name__ == "__main__":
    raise SystemExit(main())
