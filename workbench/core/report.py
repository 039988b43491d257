"""A check's result as text for a terminal; redacted (the JSON object is json_report's).

The verdict arrives scrubbed by the run (check._recorded) and events leave only through
`Event.render`, so nothing here masks anything itself; the CLI's streams are the backstop.
"""

from __future__ import annotations

from typing import Any

from workbench.core.check import CheckResult
from workbench.core.events import Event
from workbench.core.redaction import Redactor

BODY_PREVIEW = 2000


def check_text(result: CheckResult, redactor: Redactor, *, verbose: bool = False) -> str:
    """The human report: the redacted timeline, the verdict and the hint."""
    lines = []
    for number, event in enumerate(result.events, 1):
        shown = event.render(redactor)
        lines.append(timeline_line(number, event, redactor, shown))
        if verbose:
            lines += _details(shown)
    verdict = result.verdict
    lines += [f"warning: {w}" for w in verdict.warnings]
    mark = "PASS" if verdict.ok else "FAIL"
    lines.append(f"{mark} {verdict.outcome}: {verdict.summary}")
    if verdict.hint:
        lines.append(f"hint: {verdict.hint}")
    if verdict.negative_control and verdict.negative_control.conclusion == "proven":
        lines.append(verdict.negative_control.summary)
    if result.token:
        summary = result.token.summary()
        left = summary["expires_in"]
        lines.append(
            f"token: {summary['token_type']} {summary['access_token']}, "
            f"{result.token_source or 'obtained'} (obtained {summary['obtained_at']})"
            + (f", expires in {left} s" if left is not None else ", expiry not given")
            + (f", scope {summary['scope']!r}" if summary["scope"] else "")
            + (", with refresh token" if summary["refresh_token"] else "")
        )
    lines += received_text(result)
    return "\n".join(lines)


def received_text(result: CheckResult) -> list[str]:
    """"What the system receives" for a Sesam connector: names, never values."""
    if not result.received:
        return []
    width = max(len(secret.name) for secret in result.received)
    lines = ["What the system receives:"]
    for secret in result.received:
        state = secret.masked if secret.present else f"MISSING ({secret.missing_because})"
        lines.append(f"  {secret.name.ljust(width)}  {state}")
    return lines


def timeline_line(number: int, event: Event, redactor: Redactor,
                  shown: dict[str, Any] | None = None) -> str:
    """One numbered line of the timeline, from the event's redacted rendering."""
    shown = shown or event.render(redactor)
    label = f"{event.step or event.kind}"
    if event.kind == "note":
        return f"{number:>3}. {label}: {shown['message']}"
    response = shown["response"]
    outcome = (f"{response['status']} {response['reason']}".strip() if response is not None
               else shown["error"])
    took = f"{event.duration_ms:.0f} ms" if event.duration_ms is not None else ""
    return f"{number:>3}. [{label}] {event.method} {shown['url']} -> {outcome} {took}".rstrip()


def _details(shown: dict[str, Any]) -> list[str]:
    lines = [f"       > {k}: {v}" for k, v in shown["request"]["headers"]]
    if shown["request"]["body"]:
        lines.append(f"       > {_preview(shown['request']['body'])}")
    if shown["response"]:
        lines += [f"       < {k}: {v}" for k, v in shown["response"]["headers"]]
        if shown["response"]["body"]:
            lines.append(f"       < {_preview(shown['response']['body'])}")
    return lines


def _preview(body: str) -> str:
    flat = body.replace("\r", "").replace("\n", "\n         ")
    return flat if len(flat) <= BODY_PREVIEW else flat[:BODY_PREVIEW] + " …(truncated)"
