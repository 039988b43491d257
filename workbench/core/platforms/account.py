"""Platform account files: an account of a registered platform as YAML, with positioned errors.

A file is a platform account when its top level has a `platform:` key naming an installed
platform (`core.platforms.registry`); anything else is a Blueprint connector. Each platform's
account model extends `PlatformAccount`. Values written in the file are the form's defaults,
exactly as a Blueprint field's `value` is (sandbox demo keys live there; real keys belong in
the keychain through the form).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from workbench.core.config.findings import Finding, capped, loader_guard, place
from workbench.core.config.positions import Position, problem_at
from workbench.core.config.validation import validation_findings
from workbench.core.config.yaml_loader import parse_yaml
from workbench.core.errors import ConfigError
from workbench.core.formspec import FormField, FormSpec
from workbench.core.platforms.registry import Platform, platform, platforms


class PlatformAccount(BaseModel):
    """What every account file has; a platform's model adds `platform: Literal["<name>"]`
    and its own keys."""

    model_config = ConfigDict(extra="forbid")

    name: str
    description: str = ""
    webhook_secret: str = ""
    platform: str


@dataclass(frozen=True)
class LoadedPlatform:
    """A platform account file that loaded cleanly."""

    path: Path
    account: PlatformAccount
    text: str

    @property
    def name(self) -> str:
        return self.account.name

    @property
    def platform(self) -> str:
        return self.account.platform

    @property
    def plugin(self) -> Platform:
        """The registered platform the account belongs to."""
        found = platform(self.account.platform)
        assert found is not None, "only installed platforms' accounts load"
        return found

    @property
    def form(self) -> FormSpec:
        """The account's keys as a form (file values are the defaults)."""
        return self.plugin.form(self.account)


@loader_guard
def load_platform_text(text: str, path: str | Path = "<text>") -> LoadedPlatform:
    """Load a platform account from YAML text; every problem at once, with file:line:col."""
    name = str(path)
    parsed = parse_yaml(text, name)
    data = parsed.data
    if not isinstance(data, dict):
        raise ConfigError([problem_at(name, text, Position(1, 1), "",
                                      "the top level must be a mapping with a `platform` key")])
    found = platform(data["platform"]) if isinstance(data.get("platform"), str) else None
    findings = _unknown_keys(data, found.account) if found is not None else []
    if found is None:
        findings.append(Finding(("platform",), "platform must be one of "
                                + ", ".join(platforms())))
    account: PlatformAccount | None = None
    if not findings and found is not None:
        try:
            account = found.account.model_validate(data)
        except ValidationError as exc:
            findings += validation_findings(exc)
    problems = parsed.problems + place(findings, name, text, parsed.positions)
    if problems or account is None:
        raise ConfigError(capped(problems))
    return LoadedPlatform(Path(path), account, text)


def _unknown_keys(data: dict[Any, Any], model: type[PlatformAccount]) -> list[Finding]:
    known = list(model.model_fields)
    findings = []
    for key in data:
        if key not in known:
            close = difflib.get_close_matches(str(key), known, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else (
                f"; {model.__name__} knows " + ", ".join(known))
            findings.append(Finding((key,), f"unknown key '{key}'{hint}", at_key=True,
                                    suggestion=close[0] if close else None))
    return findings


def webhook_secret_field(account: PlatformAccount, help_text: str = "") -> FormField:
    """The form field every platform has: the secret(s) its webhooks are verified with."""
    return FormField("webhook_secret", "Webhook signing secret", "secret", "authentication",
                     default=account.webhook_secret,
                     help=help_text or "Verifies the webhooks the platform sends; several may "
                     "be given, separated by spaces, while a secret rotates.")
