"""The one JSON object every `--json` command prints: common keys first, then its own parts.

Every object has `schema_version`, `command`, `ok`, `outcome`, `summary`, `hint`, `warnings`,
`steps` (the run's events, redacted), `connector` and `exit_code`; `check` and `authorize` add
the verdict's details and the token summary, `job` and `link` the platform's answer, `validate`
the files. Each object is scrubbed as a whole by the run's Redactor before it is returned:
the one place a JSON answer leaves the core. The schema is `json_report_schema.py`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from workbench.core.check import CheckResult
from workbench.core.errors import ConfigError, ConfigProblem
from workbench.core.events import Event
from workbench.core.redaction import Redactor
from workbench.core.verdict import Verdict

SCHEMA_VERSION = 1
# Outcomes of the command line itself, beside those of checks and of platform commands.
USAGE_ERROR, INTERNAL_ERROR = "usage_error", "internal_error"
CLI_OUTCOMES = (USAGE_ERROR, INTERNAL_ERROR)
_COMMON = ("schema_version", "command", "ok", "outcome", "summary", "hint", "warnings", "steps",
           "connector", "exit_code")


def commands() -> tuple[str, ...]:
    """Every command with --json: the core ones and those the installed platforms add."""
    from workbench.core.platforms.registry import platforms

    added = [c.name for p in platforms().values() for c in p.commands]
    return ("check", "authorize", *added, "validate", "har", "diff", "token")


def platform_outcomes() -> tuple[str, ...]:
    """The outcome words the installed platforms' commands print, beside the verdict's."""
    from workbench.core.platforms.registry import platforms

    return tuple(word for p in platforms().values() for word in p.outcomes)


def connector_ref(name: str, path: str) -> dict[str, str]:
    return {"name": name, "path": path}


def report(command: str | None, redactor: Redactor, *, ok: bool, outcome: str, summary: str,
           exit_code: int, hint: str = "", warnings: Iterable[str] = (),
           steps: Iterable[Event] = (), connector: Mapping[str, str] | None = None,
           **parts: Any) -> dict[str, Any]:
    """A whole --json object, scrubbed: the common keys, then `parts`."""
    data: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "command": command,
        "ok": ok,
        "outcome": outcome,
        "summary": summary,
        "hint": hint,
        "warnings": list(warnings),
        "steps": [event.render(redactor) for event in steps],
        "connector": dict(connector) if connector is not None else None,
        "exit_code": exit_code,
    }
    data.update({k: v for k, v in parts.items() if k not in _COMMON})
    return redactor.scrub(data)


def verdict_parts(verdict: Verdict) -> dict[str, Any]:
    """The verdict's own fields beside the common ones (status, oauth_error, …, and whatever
    later versions add to Verdict)."""
    return {k: v for k, v in verdict.to_dict().items() if k not in _COMMON}


def check_report(result: CheckResult, redactor: Redactor, connector: Mapping[str, str] | None,
                 exit_code: int, command: str = "check", **parts: Any) -> dict[str, Any]:
    """`check --json` and `authorize --json` for one connector."""
    verdict = result.verdict
    extra: dict[str, Any] = verdict_parts(verdict)
    extra["token"] = result.token_summary()  # source (fetched/refreshed/reused), obtained_at
    if result.received:
        extra["system_receives"] = [secret.to_dict() for secret in result.received]
    extra.update(parts)
    return report(command, redactor, ok=verdict.ok, outcome=verdict.outcome,
                  summary=verdict.summary, hint=verdict.hint, warnings=verdict.warnings,
                  steps=result.events, connector=connector, exit_code=exit_code, **extra)


def verdict_report(verdict: Verdict, events: Sequence[Event], redactor: Redactor,
                   connector: Mapping[str, str] | None, exit_code: int,
                   command: str = "check") -> dict[str, Any]:
    """A verdict without a CheckResult around it (a platform account's key check)."""
    return report(command, redactor, ok=verdict.ok, outcome=verdict.outcome,
                  summary=verdict.summary, hint=verdict.hint, warnings=verdict.warnings,
                  steps=events, connector=connector, exit_code=exit_code,
                  **verdict_parts(verdict), token=None)


def several_report(command: str, results: Sequence[dict[str, Any]], redactor: Redactor,
                   exit_code: int) -> dict[str, Any]:
    """Several connectors in one run: one object, each connector's own under `results`."""
    passed = sum(1 for r in results if r["ok"])
    failed = [r for r in results if not r["ok"]]
    summary = f"{passed} of {len(results)} connectors passed"
    if failed:
        summary += "; failed: " + ", ".join(
            f"{(r['connector'] or {}).get('name', '?')} ({r['outcome']})" for r in failed)
    return report(command, redactor, ok=not failed, outcome=failed[0]["outcome"] if failed
                  else "ok", summary=summary, hint=failed[0]["hint"] if failed else "",
                  exit_code=exit_code, results=list(results))


def error_report(command: str | None, redactor: Redactor, outcome: str, summary: str,
                 exit_code: int, hint: str = "", problems: Iterable[ConfigProblem] = (),
                 connector: Mapping[str, str] | None = None,
                 steps: Iterable[Event] = ()) -> dict[str, Any]:
    """A run that could not do its work: bad usage, a broken file, missing values, a bug."""
    return report(command, redactor, ok=False, outcome=outcome, summary=summary, hint=hint,
                  exit_code=exit_code, connector=connector, steps=steps,
                  problems=[problem_dict(p) for p in problems])


def config_error_report(command: str | None, redactor: Redactor, error: ConfigError,
                        exit_code: int, connector: Mapping[str, str] | None = None
                        ) -> dict[str, Any]:
    first = error.problems[0].message if error.problems else "the file could not be loaded"
    count = len(error.problems)
    return error_report(command, redactor, "config_error",
                        f"{count} problem{'s' if count != 1 else ''} in the connector file: "
                        f"{first}", exit_code, "Fix the file at the positions listed "
                        "in problems.", error.problems, connector)


def problem_dict(problem: ConfigProblem) -> dict[str, Any]:
    return {"path": problem.path, "line": problem.line, "column": problem.column,
            "where": problem.where, "message": problem.message}
