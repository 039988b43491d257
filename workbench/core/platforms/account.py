"""Platform account files: a Deck or StackOne account as YAML, loaded with positioned errors.

A file is a platform account when its top level has `platform: deck` or `platform: stackone`;
anything else is a Blueprint connector. Values written in the file are the form's defaults,
exactly as a Blueprint field's `value` is (sandbox demo keys live there; real keys belong in
the keychain through the form).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from workbench.core.config.findings import Finding, capped, loader_guard, place
from workbench.core.config.positions import Position, problem_at
from workbench.core.config.validation import validation_findings
from workbench.core.config.yaml_loader import parse_yaml
from workbench.core.errors import ConfigError
from workbench.core.formspec import FormField, FormSpec

PLATFORMS = ("deck", "stackone")
DECK_ENVIRONMENTS = {"sandbox": "https://sandbox.deck.co/api/v1",
                     "live": "https://live.deck.co/api/v1"}
STACKONE_URL = "https://api.stackone.com"


class _Account(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    description: str = ""
    webhook_secret: str = ""


class DeckAccount(_Account):
    """A Deck v1 account: keys per environment, and what EnsureConnection usually needs."""

    platform: Literal["deck"]
    environment: Literal["sandbox", "live"] = "sandbox"
    base_url: str = ""
    client_id: str = ""
    secret: str = ""
    source_guid: str = ""
    # Deck's pages disagree (10 minutes in the headless guide, 1 hour elsewhere): a setting.
    connection_idle_minutes: int = Field(10, ge=1, le=1440)


class StackOneAccount(_Account):
    """A StackOne project: its API key, and the defaults of a connect session."""

    platform: Literal["stackone"]
    base_url: str = STACKONE_URL
    api_key: str = ""
    origin_owner_id: str = ""
    origin_owner_name: str = ""
    categories: list[str] = Field(default_factory=list)
    unified_check: str = "hris/employees"
    # The local stand-in has no dashboard: tell it where to deliver webhooks.
    register_webhook: bool = False


PlatformAccount = DeckAccount | StackOneAccount
_MODELS: dict[str, type[DeckAccount] | type[StackOneAccount]] = {
    "deck": DeckAccount, "stackone": StackOneAccount}


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
    def form(self) -> FormSpec:
        return account_form(self.account)


@loader_guard
def load_platform_text(text: str, path: str | Path = "<text>") -> LoadedPlatform:
    """Load a platform account from YAML text; every problem at once, with file:line:col."""
    name = str(path)
    parsed = parse_yaml(text, name)
    data = parsed.data
    if not isinstance(data, dict):
        raise ConfigError([problem_at(name, text, Position(1, 1), "",
                                      "the top level must be a mapping with a `platform` key")])
    findings = _unknown_keys(data)
    if not isinstance(data.get("platform"), str) or data["platform"] not in PLATFORMS:
        findings.append(Finding(("platform",), "platform must be one of "
                                + ", ".join(PLATFORMS)))
    account: PlatformAccount | None = None
    if not findings:
        try:
            account = _MODELS[data["platform"]].model_validate(data)
        except ValidationError as exc:
            findings += validation_findings(exc)
    problems = parsed.problems + place(findings, name, text, parsed.positions)
    if problems or account is None:
        raise ConfigError(capped(problems))
    return LoadedPlatform(Path(path), account, text)


def _unknown_keys(data: dict[Any, Any]) -> list[Finding]:
    model = _MODELS.get(str(data.get("platform")))
    if model is None:
        return []
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


def deck_base_url(environment: str, override: str = "") -> str:
    """The API base: the override when given, else the environment's documented URL."""
    return (override.strip() or DECK_ENVIRONMENTS.get(environment, "")).rstrip("/")


def account_form(account: PlatformAccount) -> FormSpec:
    """The account's keys as a form (file values are the defaults)."""
    secret = FormField("webhook_secret", "Webhook signing secret", "secret", "authentication",
                       default=account.webhook_secret,
                       help="Verifies the webhooks the platform sends; several may be given, "
                            "separated by spaces, while a secret rotates.")
    if isinstance(account, DeckAccount):
        return FormSpec((
            FormField("environment", "Environment", "text", default=account.environment,
                      required=True, options=tuple(DECK_ENVIRONMENTS),
                      help="Sandbox keys work only against sandbox, live keys only against live."),
            FormField("base_url", "Base URL", default=account.base_url,
                      help="Leave empty for the environment's URL; set it for a local "
                           "stand-in."),
            FormField("client_id", "Client id", group="authentication", required=True,
                      default=account.client_id, help="Sent as x-deck-client-id."),
            FormField("secret", "Secret", "secret", "authentication", required=True,
                      default=account.secret, help="Sent as x-deck-secret."),
            FormField("webhook_secret", secret.label, "secret", "authentication",
                      default=account.webhook_secret,
                      help="Deck's v2 webhooks are signed per Standard Webhooks (whsec_…); "
                           "v1 documents no signature."),
        ), auth_type="deck")
    return FormSpec((
        FormField("base_url", "Base URL", required=True, default=account.base_url,
                  help="https://api.stackone.com, or the local stand-in."),
        FormField("api_key", "API key", "secret", "authentication", required=True,
                  default=account.api_key,
                  help="Sent as the Basic auth username with an empty password."),
        secret,
    ), auth_type="stackone")
