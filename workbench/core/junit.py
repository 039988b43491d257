"""`check --junit FILE`: connection checks as JUnit XML, the way newman and bru write it.

One <testsuite> per connector and one <testcase> per step (each HTTP exchange of its run, the
token request included), so a CI system lists connection checks beside its tests. The step
that decided a failed verdict carries a <failure> (an <error> when the check could not run at
all: a config error) whose message is the verdict's summary and whose text is the hint. Every
text passes the run's Redactor and loses the characters XML 1.0 cannot hold.
"""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from workbench.core.events import Event
from workbench.core.har import is_http, iso_time
from workbench.core.redaction import Redactor
from workbench.core.terminal_text import strip_controls
from workbench.core.verdict import Verdict

SUITES_NAME = "workbench check"
_NOT_RUN = ("config_error", "cancelled")


@dataclass
class CheckedConnector:
    """What the report needs of one connector's check."""

    name: str
    path: str
    verdict: Verdict
    events: Sequence[Event] = field(default_factory=list)


def junit_xml(checked: Sequence[CheckedConnector], redactor: Redactor) -> str:
    """The JUnit XML document (testsuites/testsuite/testcase) for these checks."""
    root = ET.Element("testsuites", name=SUITES_NAME)
    totals = {"tests": 0, "failures": 0, "errors": 0}
    seconds = 0.0
    for connector in checked:
        suite = _suite(connector, redactor)
        root.append(suite)
        for key in totals:
            totals[key] += int(suite.get(key, "0"))
        seconds += float(suite.get("time", "0"))
    root.set("tests", str(totals["tests"]))
    root.set("failures", str(totals["failures"]))
    root.set("errors", str(totals["errors"]))
    root.set("time", f"{seconds:.3f}")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") \
        + "\n"


def _suite(connector: CheckedConnector, redactor: Redactor) -> ET.Element:
    steps = [event for event in connector.events if is_http(event)]
    started = steps[0].time if steps else time.time()
    suite = ET.Element("testsuite", name=_clean(connector.name, redactor),
                       timestamp=iso_time(started), hostname="localhost")
    suite.append(_properties(connector, redactor))
    verdict = connector.verdict
    cases = [_case(connector, event, redactor) for event in steps]
    if not cases:
        cases = [ET.Element("testcase", name="check", classname=_clean(connector.name, redactor),
                            time="0.000")]
    if not verdict.ok:
        cases[-1].append(_failure(verdict, redactor))
    elif verdict.warnings:
        out = ET.SubElement(cases[-1], "system-out")
        out.text = _clean("\n".join(f"warning: {w}" for w in verdict.warnings), redactor)
    for case in cases:
        suite.append(case)
    failures = sum(1 for case in cases if case.find("failure") is not None)
    errors = sum(1 for case in cases if case.find("error") is not None)
    suite.set("tests", str(len(cases)))
    suite.set("failures", str(failures))
    suite.set("errors", str(errors))
    suite.set("skipped", "0")
    suite.set("time", f"{sum(float(case.get('time', '0')) for case in cases):.3f}")
    return suite


def _properties(connector: CheckedConnector, redactor: Redactor) -> ET.Element:
    properties = ET.Element("properties")
    for name, value in (("connector.path", connector.path),
                        ("verdict.outcome", connector.verdict.outcome)):
        ET.SubElement(properties, "property", name=name, value=_clean(value, redactor))
    return properties


def _case(connector: CheckedConnector, event: Event, redactor: Redactor) -> ET.Element:
    path = urlsplit(redactor.url(event.url)).path or "/"
    label = event.step or event.kind
    return ET.Element("testcase", name=_clean(f"{label}: {event.method} {path}", redactor),
                      classname=_clean(connector.name, redactor),
                      time=f"{(event.duration_ms or 0.0) / 1000:.3f}")


def _failure(verdict: Verdict, redactor: Redactor) -> ET.Element:
    tag = "error" if verdict.outcome in _NOT_RUN else "failure"
    element = ET.Element(tag, type=verdict.outcome, message=_clean(verdict.summary, redactor))
    lines = [f"{verdict.outcome}: {verdict.summary}"]
    if verdict.hint:
        lines.append(f"hint: {verdict.hint}")
    if verdict.oauth_error:
        lines.append(f"provider error: {verdict.oauth_error}"
                     + (f" ({verdict.oauth_error_description})"
                        if verdict.oauth_error_description else ""))
    lines += [f"warning: {w}" for w in verdict.warnings]
    element.text = _clean("\n".join(lines), redactor)
    return element


def _clean(text: str, redactor: Redactor) -> str:
    """Redacted, and only characters XML 1.0 allows (no controls, no lone surrogates)."""
    shown = strip_controls(redactor.text(text)).replace("\r", "")
    return shown.encode("utf-8", "replace").decode("utf-8")
