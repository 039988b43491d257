"""The support commands: `workbench har diagnose FILE`, `workbench diff A B` (what `check`
adds for support, discovery, network details and bundles, is `cli_check_support`).

Both read files a customer or a colleague sent; every value shown is redacted. With --json
the command leaves its object in `args.report` and `cli.main` prints it (the one JSON object
on stdout, whatever happens); the text report goes to stdout otherwise.
"""

from __future__ import annotations

import argparse
import sys

from workbench.cli import FAILED, PASSED, USAGE
from workbench.core.diagnosis.findings import Finding
from workbench.core.diagnosis.har_file import HarDiagnosis, diagnose_har
from workbench.core.errors import InputError
from workbench.core.json_report import error_report, report
from workbench.core.redaction import Redactor
from workbench.core.run_diff import RunDiff, diff_runs
from workbench.core.run_files import read_run
from workbench.core.support_schema import DIFFERENT, FINDINGS
from workbench.core.wire_secrets import learn_secrets

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
