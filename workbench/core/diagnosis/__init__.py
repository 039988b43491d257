"""Diagnose recorded exchanges: find the auth flow in them and say what went wrong.

`diagnose` runs over unredacted events (it compares state, code and verifier values, reads the
tokens' claims) and returns findings whose texts name no secret once `redacted`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from workbench.core.diagnosis.api import api_findings
from workbench.core.diagnosis.browser import browser_findings
from workbench.core.diagnosis.findings import Diagnosis, Finding
from workbench.core.diagnosis.flow import AuthFlow, find_flow
from workbench.core.diagnosis.network import network_findings
from workbench.core.diagnosis.oauth import oauth_findings
from workbench.core.events import Event

__all__ = ["AuthFlow", "Diagnosis", "Finding", "diagnose", "find_flow"]


def diagnose(events: Sequence[Event],
             tls: Mapping[int, Mapping[str, Any]] | None = None) -> Diagnosis:
    """Every finding in `events`, worst first; `tls` maps an event's position to what is
    known of its TLS connection (a HAR's `_tls` / `_securityDetails`)."""
    flow = find_flow(events)
    diagnosis = Diagnosis(outline=[(s.role, s.index) for s in flow.steps if s.role != "other"])
    for found in (oauth_findings(flow), api_findings(flow), browser_findings(flow),
                  network_findings(flow, events, tls or {})):
        for finding in found:
            diagnosis.add(finding)
    diagnosis.sort()
    return diagnosis
