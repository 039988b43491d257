"""A support bundle: one zip a customer can attach to a ticket, with nothing secret in it.

Inside: the run as HAR (`run.har`), its timeline, the verdicts and hints, the connector file
without secret values, every webhook payload, an environment report (versions, OS, proxy in
effect, trust store, TLS settings) and `manifest.json`, which lists every file and every
redaction (field, kind, count). Everything passes `BundleRedactor` (JWTs keep header and
claims, lose their signature; codes, verifiers, state, cookies, secrets are masked), and the
zip is written beside its target and renamed, so a failure never leaves half a bundle.
"""

from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from workbench.core.bundle_redaction import BundleRedactor
from workbench.core.environment_report import environment_report
from workbench.core.events import Event, decode_body
from workbench.core.har import iso_time, to_har
from workbench.core.network_settings import TransportSettings
from workbench.core.redaction import REDACTED, Redactor
from workbench.core.report import timeline_line
from workbench.core.run_files import BUNDLE_HAR

FORMAT = "connection-workbench-bundle"


@dataclass
class BundleContents:
    """What goes into a bundle; nothing here is redacted yet."""

    events: Sequence[Event]
    redactor: Redactor
    app_version: str
    settings: TransportSettings = field(default_factory=TransportSettings)
    verdicts: list[dict[str, Any]] = field(default_factory=list)  # Verdict.to_dict() + name
    connector_file: Path | None = None
    secret_names: Sequence[str] = ()  # the connector's secret fields: their values go


def write_bundle(path: str | os.PathLike[str], contents: BundleContents) -> dict[str, Any]:
    """Write the bundle zip; returns its manifest. OSError when it cannot be written."""
    masker = BundleRedactor(contents.redactor)
    events = [masker.event(e) for e in contents.events]
    files: dict[str, str] = {
        BUNDLE_HAR: json.dumps(to_har(events, None, creator_version=contents.app_version),
                               indent=2, ensure_ascii=False),
        "timeline.txt": "\n".join(timeline_line(n, e, contents.redactor)
                                  for n, e in enumerate(events, 1)) + "\n",
        "verdicts.json": json.dumps([_masked(v, masker) for v in contents.verdicts], indent=2,
                                    ensure_ascii=False),
        "environment.json": json.dumps(_masked(environment_report(
            contents.settings, contents.redactor), masker), indent=2, ensure_ascii=False),
    }
    if contents.connector_file is not None:
        name, text = connector_without_secrets(contents.connector_file, contents.secret_names,
                                               masker)
        files[f"connector/{name}"] = text
    for number, event in enumerate((e for e in events if e.kind == "webhook"), 1):
        files[f"webhooks/{number:03d}.json"] = json.dumps({
            "time": iso_time(event.time), "step": event.step, "url": event.url,
            "headers": event.request_headers, "payload": decode_body(event.request_body)},
            indent=2, ensure_ascii=False)
    manifest = {"format": FORMAT, "version": 1, "app_version": contents.app_version,
                "files": sorted(files), "events": len(events),
                "redactions": masker.manifest(),
                "notes": ["JWTs keep their header and claims; their signatures are removed, "
                          "so they cannot be used.",
                          "Codes, verifiers, state, nonces, cookies, client secrets, "
                          "passwords, API keys and tokens are masked as [redacted]."]}
    files["manifest.json"] = json.dumps(manifest, indent=2, ensure_ascii=False)
    target = os.fspath(path)
    partial = f"{target}.part"
    try:
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
            for name in sorted(files):
                bundle.writestr(name, files[name])
        os.replace(partial, target)
    except OSError:
        if os.path.exists(partial):
            os.remove(partial)
        raise
    return manifest


def connector_without_secrets(path: Path, secret_names: Sequence[str],
                              masker: BundleRedactor) -> tuple[str, str]:
    """(file name, text) of the connector file with every secret value replaced. Comments do
    not survive (the file is re-written from its data); a file that cannot be parsed is
    masked as text."""
    try:
        raw = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        return path.name + ".txt", f"(the connector file could not be read: {exc})\n"
    names = {n.lower() for n in secret_names}
    try:
        data = json.loads(raw) if path.suffix == ".json" else yaml.safe_load(raw)
    except (ValueError, yaml.YAMLError, RecursionError):
        return path.name + ".txt", masker.text(raw, "connector file")
    cleaned = _without_secrets(data, names, masker, 0)
    if path.suffix == ".json":
        return path.name, json.dumps(cleaned, indent=2, ensure_ascii=False)
    return path.name, yaml.safe_dump(cleaned, sort_keys=False, allow_unicode=True)


def _without_secrets(data: Any, names: set[str], masker: BundleRedactor, depth: int) -> Any:
    if depth > 64:
        return REDACTED
    if isinstance(data, dict):
        secret = (str(data.get("name", "")).lower() in names or data.get("is_encrypted") is True
                  or data.get("secret") is True)
        out = {}
        for key, value in data.items():
            if (secret and key in ("value", "default")) or (
                    isinstance(value, str) and value and
                    masker.redactor.is_sensitive_key(str(key))):
                masker.tally[(f"connector {data.get('name', key)}", "secret value")] += 1
                out[key] = REDACTED
            else:
                out[key] = _without_secrets(value, names, masker, depth + 1)
        return out
    if isinstance(data, list):
        return [_without_secrets(item, names, masker, depth + 1) for item in data]
    if isinstance(data, str):
        return masker.text(data, "connector file")
    return data


def _masked(data: Any, masker: BundleRedactor) -> Any:
    if isinstance(data, dict):
        return {k: _masked(v, masker) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [_masked(v, masker) for v in data]
    if isinstance(data, str):
        return masker.text(data, "report")
    return data
