"""What a diagnosis found: each finding in plain words, with the entries it points at."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

from workbench.core.redaction import Redactor

Severity = Literal["error", "warning", "info"]
SEVERITY_ORDER: dict[str, int] = {"error": 0, "warning": 1, "info": 2}


@dataclass(frozen=True)
class Finding:
    """One problem found in the exchanges; `entries` are 0-based positions in the events."""

    code: str  # stable, for scripts: redirect_uri_mismatch, invalid_grant, state_lost, …
    severity: Severity
    title: str
    hint: str
    entries: tuple[int, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["entries"] = [n + 1 for n in self.entries]  # as people count HAR entries
        return data


@dataclass
class Diagnosis:
    """Every finding, worst first, and the flow's outline (role → entries)."""

    findings: list[Finding] = field(default_factory=list)
    outline: list[tuple[str, int]] = field(default_factory=list)  # (role, entry index)

    @property
    def worst(self) -> Severity | None:
        return self.findings[0].severity if self.findings else None

    def add(self, finding: Finding | None) -> None:
        if finding is not None and finding not in self.findings:
            self.findings.append(finding)

    def sort(self) -> None:
        self.findings.sort(key=lambda f: (SEVERITY_ORDER[f.severity],
                                          f.entries[0] if f.entries else -1))

    def redacted(self, redactor: Redactor) -> Diagnosis:
        """The same findings with every known secret masked from their texts."""
        return Diagnosis([replace(f, title=redactor.text(f.title), hint=redactor.text(f.hint))
                          for f in self.findings], list(self.outline))
