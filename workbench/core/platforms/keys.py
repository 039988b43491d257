"""The cheapest proof a platform account's keys work, as a verdict like a connector check's."""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from workbench.core.events import EventLog
from workbench.core.platforms.account import DeckAccount, PlatformAccount, deck_base_url
from workbench.core.platforms.api import PlatformError
from workbench.core.platforms.deck import DeckClient
from workbench.core.platforms.stackone import StackOneClient
from workbench.core.transport import TransportSettings, create_client
from workbench.core.verdict import Verdict
from workbench.core.webhooks import StackOneSignature, StandardWebhooks
from workbench.core.webhooks.signatures import SignatureCheck

PlatformClient = DeckClient | StackOneClient


def webhook_checks(account: PlatformAccount, secrets: str) -> list[SignatureCheck]:
    """How this platform signs webhooks, with the secrets given (space-separated: rotation)."""
    if isinstance(account, DeckAccount):
        return [StandardWebhooks(secrets.split())]
    return [StackOneSignature(secrets.split())]


def platform_client(account: PlatformAccount, values: Mapping[str, str],
                    http: httpx.AsyncClient, log: EventLog) -> PlatformClient:
    """The account's API client on `http` with the form's keys."""
    if isinstance(account, DeckAccount):
        return DeckClient(http, deck_base_url(values.get("environment", account.environment),
                                              values.get("base_url", "")),
                          values.get("client_id", ""), values.get("secret", ""), log.redactor)
    return StackOneClient(http, values.get("base_url", account.base_url),
                          values.get("api_key", ""), log.redactor)


async def check_keys(account: PlatformAccount, values: Mapping[str, str], log: EventLog,
                     settings: TransportSettings | None = None) -> Verdict:
    """Deck: `GET /test/api_keys`; StackOne: `GET /accounts`. Passed or refused, with a hint;
    scrubbed of every secret the run learned, like a connector check's verdict."""
    verdict = await _check_keys(account, values, log, settings)
    return log.redactor.scrub(verdict)


async def _check_keys(account: PlatformAccount, values: Mapping[str, str], log: EventLog,
                      settings: TransportSettings | None) -> Verdict:
    if settings is not None:
        log.redactor.add_proxy_credentials(settings.proxy)
    async with create_client(log, settings) as http:
        client = platform_client(account, values, http, log)
        try:
            if isinstance(client, DeckClient):
                await client.check_keys()
            else:
                await client.check_key()
        except PlatformError as exc:
            return Verdict(exc.outcome, str(exc), exc.hint, status=exc.status,
                           network=exc.code if exc.status is None else None)
    name = "Deck" if isinstance(account, DeckAccount) else "StackOne"
    return Verdict("ok", f"{name} accepted the keys.", status=200)

