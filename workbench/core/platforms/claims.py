"""What the CLI and the app may claim about a platform run, in one set of words: how its
result arrived (and what the signature check said), where an access token went, and how the
run ended (`RunReport`, which the CLI prints and the app's banner shows).

Each sentence says only what this run proved: "saved in the keychain" only when the secret
store is a keychain, "verified" only for a webhook whose signature matched.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from workbench.core.platforms.api import PlatformError
from workbench.core.secrets import SecretStore
from workbench.core.webhooks import Delivery


@dataclass(frozen=True)
class RunReport:
    """How a platform run ended. `summary` is the sentence of the app's banner and of
    --json; `headline` the CLI's PASS/FAIL line when it says more (or less); `arrival` how
    the result arrived; `details` lines the CLI prints before the verdict."""

    ok: bool
    outcome: str
    summary: str
    hint: str = ""
    arrival: str = ""
    details: tuple[str, ...] = ()
    headline: str = ""

    @classmethod
    def refused(cls, error: PlatformError) -> RunReport:
        """The platform refused (or never answered) before the run got anywhere."""
        return cls(False, error.outcome, str(error), error.hint)

    def lines(self) -> list[str]:
        """The run's end as the CLI prints it, one string per line."""
        mark = "PASS" if self.ok else "FAIL"
        shown = [*filter(None, [self.arrival]), *self.details,
                 f"{mark} {self.outcome}: {self.headline or self.summary}"]
        return [*shown, f"hint: {self.hint}"] if self.hint else shown


def webhook_words(delivery: Delivery | None, via: Literal["webhook", "status", "poll"]) -> str:
    """How the result arrived: the webhook and its check, or the poll that stood in for it."""
    if delivery is None:
        if via == "status":
            return "No webhook came: the result is the job's status, polled from the API."
        if via == "poll":
            return "No webhook came (yet): the account was found by polling the account list."
        return ""
    check = delivery.verification
    scheme = check.scheme if check.scheme != "none" else "no signature check configured"
    words = f"Webhook {check.status} ({scheme})"
    if check.detail and check.status != "verified" and check.scheme != "none":
        words += f": {check.detail}"
    if delivery.flags:
        words += "; " + "; ".join(delivery.flags)
    return words + "."


WEBHOOK_PART_SCHEMA = {"oneOf": [{"type": "null"}, {
    "type": "object", "required": ["verification", "scheme", "detail"],
    "properties": {"verification": {"type": "string"}, "scheme": {"type": "string"},
                   "detail": {"type": "string"}, "duplicate": {"type": "boolean"}}}]}
"""The JSON Schema of `webhook_part`."""
VIA_SCHEMA = {"enum": ["webhook", "status", "poll", None]}
"""How a platform run's result arrived (`webhook_words`): its JSON Schema."""


def webhook_part(delivery: Delivery | None, *, duplicate: bool = True) -> dict[str, Any] | None:
    """The `webhook` of a --json object: what the signature check said (never the body)."""
    if delivery is None:
        return None
    check = delivery.verification
    part: dict[str, Any] = {"verification": check.status, "scheme": check.scheme,
                            "detail": check.detail}
    if duplicate:
        part["duplicate"] = delivery.duplicate
    return part


def token_words(store: SecretStore, *, in_app: bool) -> str:
    """Where an access token that was just stored really went."""
    if store.available:
        return f"The access token is saved in the keychain ({store.backend_name}) for later jobs."
    if in_app:
        return ("The access token is kept in memory for this session only: there is no usable "
                "keychain (Secrets: memory), so it is gone when the app closes.")
    return ("The access token was not saved: there is no usable keychain on this machine; "
            "give it with --input access_token=… next time.")
