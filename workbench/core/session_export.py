"""The workbench's own session export: every event, rendered (redacted unless revealed), as JSON.

Unlike HAR it keeps notes and the flow/step labels, so a support engineer can read a whole run.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable
from typing import Any

from workbench.core.events import Event
from workbench.core.har import iso_time
from workbench.core.redaction import Redactor

FORMAT = "connection-workbench-session"
FORMAT_VERSION = 1


def to_json_export(
    events: Iterable[Event], redactor: Redactor | None, *, version: str
) -> dict[str, Any]:
    """A JSON-ready session document; `version` is the app version that wrote it."""
    return {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "app_version": version,
        "exported_at": iso_time(time.time()),
        "events": [event.render(redactor) for event in events],
    }


def write_json_export(
    path: str | os.PathLike[str],
    events: Iterable[Event],
    redactor: Redactor | None,
    version: str,
) -> None:
    """Write `to_json_export` as UTF-8 JSON, indented by 2."""
    document = to_json_export(events, redactor, version=version)
    with open(path, "w", encoding="utf-8") as file:
        json.dump(document, file, indent=2, ensure_ascii=False)
        file.write("\n")
