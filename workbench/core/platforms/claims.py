"""What the CLI and the app may claim about a platform run, in one set of words: how its
result arrived (and what the signature check said), and where an access token went.

Each sentence says only what this run proved: "saved in the keychain" only when the secret
store is a keychain, "verified" only for a webhook whose signature matched.
"""

from __future__ import annotations

from typing import Literal

from workbench.core.secrets import SecretStore
from workbench.core.webhooks import Delivery


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


def token_words(store: SecretStore, *, in_app: bool) -> str:
    """Where an access token that was just stored really went."""
    if store.available:
        return f"The access token is saved in the keychain ({store.backend_name}) for later jobs."
    if in_app:
        return ("The access token is kept in memory for this session only: there is no usable "
                "keychain (Secrets: memory), so it is gone when the app closes.")
    return ("The access token was not saved: there is no usable keychain on this machine; "
            "give it with --input access_token=… next time.")
