"""A check's result as text for a terminal or as JSON for scripts; always redacted."""

from __future__ import annotations

from typing import Any

from workbench.core.check import CheckResult
from workbench.core.events import Event
from workbench.core.redaction import Redactor

BODY_PREVIEW = 2000


def check_json(result: CheckResult, redactor: Redactor, **extra: Any) -> dict[str, Any]:
    """The JSON object `workbench check --json` prints."""
    verdict = result.verdict
    data = verdict.to_dict()
    data["summary"] = redactor.text(verdict.summary)
    data["hint"] = redactor.text(verdict.hint)
    data["warnings"] = [redactor.text(w) for w in verdict.warnings]
    data["token"] = result.token_summary()  # with source (fetched/refreshed/reused), obtained_at
    data["steps"] = [event.render(redactor) for event in result.events]
    if result.received:
        data["system_receives"] = [secret.to_dict() for secret in result.received]
    data.update(extra)
    return data


def check_text(result: CheckResult, redactor: Redactor, *, verbose: bool = False) -> str:
    """The human report: the redacted timeline, the verdict and the hint."""
    lines = [timeline_line(n, e, redactor) for n, e in enumerate(result.events, 1)]
    if verbose:
        lines = []
        for number, event in enumerate(result.events, 1):
            lines.append(timeline_line(number, event, redactor))
            lines += _details(event, redactor)
    verdict = result.verdict
    lines += [f"warning: {redactor.text(w)}" for w in verdict.warnings]
    mark = "PASS" if verdict.ok else "FAIL"
    lines.append(f"{mark} {verdict.outcome}: {redactor.text(verdict.summary)}")
    if verdict.hint:
        lines.append(f"hint: {redactor.text(verdict.hint)}")
    if verdict.negative_control and verdict.negative_control.conclusion == "proven":
        lines.append(redactor.text(verdict.negative_control.summary))
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


def timeline_line(number: int, event: Event, redactor: Redactor) -> str:
    label = f"{event.step or event.kind}"
    if event.kind == "note":
        return f"{number:>3}. {label}: {redactor.text(event.message)}"
    outcome = (
        f"{event.status} {event.reason}".strip() if event.status is not None else event.error
    )
    took = f"{event.duration_ms:.0f} ms" if event.duration_ms is not None else ""
    return (
        f"{number:>3}. [{label}] {event.method} {redactor.url(event.url)} -> "
        f"{redactor.text(outcome)} {took}".rstrip()
    )


def _details(event: Event, redactor: Redactor) -> list[str]:
    shown = event.render(redactor)
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
