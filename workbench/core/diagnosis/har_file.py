"""A customer's HAR diagnosed: read it, find what went wrong, then keep only its redacted form.

The order matters: the findings need the real values (state, code, verifier, the token's
claims), so they are made first; then every secret the HAR carries is learned and masked, in
the events and in the findings' texts. The unredacted events survive only when asked for.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.core.diagnosis import Diagnosis, diagnose
from workbench.core.events import Event
from workbench.core.har_import import HarCapture, read_har, redact_entries
from workbench.core.redaction import Redactor


@dataclass
class HarDiagnosis:
    """The redacted capture, its findings, and the originals only if they were kept."""

    capture: HarCapture
    diagnosis: Diagnosis
    originals: list[Event] = field(default_factory=list)

    def to_dict(self, source: str = "") -> dict[str, Any]:
        """The JSON-ready report (`har diagnose --json`); every text already redacted."""
        events = self.capture.events
        return {
            "file": source,
            "creator": self.capture.creator,
            "browser": self.capture.browser,
            "entries": len(events),
            "warnings": list(self.capture.warnings),
            "flow": [{"role": role, "entry": index + 1, "method": events[index].method,
                      "url": events[index].url, "status": events[index].status}
                     for role, index in self.diagnosis.outline],
            "findings": [f.to_dict() for f in self.diagnosis.findings],
        }


def diagnose_har(source: str | Path | bytes, redactor: Redactor, *,
                 keep_original: bool = False) -> HarDiagnosis:
    """Read, diagnose and redact a HAR; raises InputError when it cannot be read."""
    capture = read_har(source)
    tls = {n: entry.tls for n, entry in enumerate(capture.entries) if entry.tls}
    found = diagnose(capture.events, tls)
    originals = redact_entries(capture.entries, redactor, keep_original=keep_original)
    capture.warnings = [redactor.text(w) for w in capture.warnings]
    return HarDiagnosis(capture, found.redacted(redactor), originals)
