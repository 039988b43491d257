"""The cheapest proof a platform account's keys work, as a verdict like a connector check's."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from workbench.core.events import EventLog
from workbench.core.platforms.account import PlatformAccount
from workbench.core.platforms.api import PlatformError
from workbench.core.platforms.registry import Platform, platform
from workbench.core.transport import TransportSettings, create_client
from workbench.core.verdict import Verdict
from workbench.core.webhooks.signatures import SignatureCheck


def _platform(account: PlatformAccount) -> Platform:
    found = platform(account.platform)
    if found is None:
        raise LookupError(f"platform {account.platform!r} is not installed")
    return found


def webhook_checks(account: PlatformAccount, secrets: str) -> list[SignatureCheck]:
    """How this platform signs webhooks, with the secrets given (space-separated: rotation)."""
    return _platform(account).webhook_checks(secrets)


def platform_client(account: PlatformAccount, values: Mapping[str, str],
                    http: httpx.AsyncClient, log: EventLog) -> Any:
    """The account's API client on `http` with the keys form's values."""
    return _platform(account).client(account, values, http, log.redactor)


async def check_keys(account: PlatformAccount, values: Mapping[str, str], log: EventLog,
                     settings: TransportSettings | None = None) -> Verdict:
    """The platform's cheapest authenticated call (Deck: `GET /test/api_keys`). Passed or
    refused, with a hint; scrubbed of every secret the run learned, like a connector check's
    verdict."""
    verdict = await _check_keys(account, values, log, settings)
    return log.redactor.scrub(verdict)


async def _check_keys(account: PlatformAccount, values: Mapping[str, str], log: EventLog,
                      settings: TransportSettings | None) -> Verdict:
    found = _platform(account)
    if settings is not None:
        log.redactor.add_proxy_credentials(settings.proxy)
    async with create_client(log, settings) as http:
        try:
            await found.check_keys(found.client(account, values, http, log.redactor))
        except PlatformError as exc:
            return Verdict(exc.outcome, str(exc), exc.hint, status=exc.status,
                           network=exc.code if exc.status is None else None)
    return Verdict("ok", f"{found.title} accepted the keys.", status=200)
