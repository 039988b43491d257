"""The support commands: `workbench har diagnose FILE`, `workbench diff A B`.

Both read files a customer or a colleague sent; every value shown is redacted, and with
--json exactly one JSON object goes to stdout, whatever happens.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from typing import Any

from workbench.cli import FAILED, PASSED, USAGE
from workbench.core.diagnosis.findings import Finding
from workbench.core.diagnosis.har_file import HarDiagnosis, diagnose_har
from workbench.core.errors import InputError
from workbench.core.redaction import Redactor
from workbench.core.run_diff import RunDiff, diff_runs
from workbench.core.run_files import read_run
from workbench.core.wire_secrets import learn_secrets

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\x9b]")
_MARKS = {"error": "ERROR", "warning": "WARN ", "info": "INFO "}


def cmd_har(args: argparse.Namespace, redactor: Redactor) -> int:
    """`har diagnose FILE`: the auth flow in a HAR and what went wrong in it."""
    try:
        result = diagnose_har(args.file, redactor)
    except InputError as exc:
        return _fail(args, f"{args.file}: {exc}", command="har diagnose")
    errors = sum(f.severity == "error" for f in result.diagnosis.findings)
    if args.json:
        _print_json({"command": "har diagnose", "ok": errors == 0,
                     **result.to_dict(str(args.file))})
    else:
        print(_har_text(result, str(args.file)))
    return FAILED if errors else PASSED


def cmd_diff(args: argparse.Namespace, redactor: Redactor) -> int:
    """`diff A B`: two runs (HARs, session exports, bundles) compared step by step."""
    try:
        a, b = read_run(args.a), read_run(args.b)
    except InputError as exc:
        return _fail(args, str(exc), command="diff")
    for event in (*a.events, *b.events):
        learn_secrets(redactor, event)  # nothing either file carries is shown
    diff = diff_runs(a.events, b.events, redactor, a_name=str(args.a), b_name=str(args.b))
    if args.json:
        _print_json({"command": "diff", "ok": True, **diff.to_dict()})
    else:
        print(_diff_text(diff, show_all=args.all))
    return FAILED if diff.differences else PASSED


# -- text -----------------------------------------------------------------------------------

def _har_text(result: HarDiagnosis, source: str) -> str:
    capture, events = result.capture, result.capture.events
    made_by = capture.browser or capture.creator or "unknown tool"
    lines = [f"HAR {_safe(source)} ({_safe(made_by)}, {len(events)} entries)"]
    lines += [f"warning: {_safe(w)}" for w in capture.warnings]
    if result.diagnosis.outline:
        lines.append("Auth flow:")
        for role, index in result.diagnosis.outline:
            event = events[index]
            status = event.status if event.status is not None else (event.error or "no answer")
            lines.append(f"  #{index + 1:<4} {role:<10} {event.method} "
                         f"{_safe(_short(event.url))} -> {_safe(str(status))}")
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
            f"        {_safe(finding.title)}\n        hint: {_safe(finding.hint)}")


def _diff_text(diff: RunDiff, *, show_all: bool) -> str:
    lines = [f"A: {_safe(diff.a_name)}", f"B: {_safe(diff.b_name)}"]
    step = ""
    for row in diff.rows:
        if not show_all and not row.matters:
            continue
        if row.step != step:
            step = row.step
            lines.append(_safe(step))
        mark = "=" if row.same else ("~" if row.per_login else "≠")
        if row.secret:
            lines.append(f"  {mark} {_safe(row.field)}")
            continue
        lines.append(f"  {mark} {_safe(row.field)}: A {_quoted(row.a)}  B {_quoted(row.b)}")
    count = len(diff.differences)
    lines.append("No differences that matter." if not count else f"{count} difference(s).")
    if not show_all:
        lines.append("(--all shows the fields that are the same too)")
    return "\n".join(lines)


def _quoted(value: str) -> str:
    return f"“{_safe(_short(value))}”" if value else "(absent)"


def _short(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _safe(text: str) -> str:
    """Text from a file as a terminal may show it: control characters (ANSI escapes) made
    visible instead of obeyed."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group(0)):02x}", text)


def _fail(args: argparse.Namespace, message: str, *, command: str) -> int:
    if getattr(args, "json", False):
        _print_json({"command": command, "ok": False, "error": message})
    print(f"error: {_safe(message)}", file=sys.stderr)
    return USAGE


def _print_json(data: dict[str, Any]) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False))
