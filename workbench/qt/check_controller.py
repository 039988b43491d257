"""Turns "Test connection" and "Refresh" into awaited core calls on the Qt loop, one at a time.

It keeps the last token per connector (so a second check reuses it, as a real client would)
and reports everything through signals; it shows nothing itself.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Awaitable, Callable, Mapping

from PySide6.QtCore import QObject, Signal

from workbench.core.auth import TokenSet
from workbench.core.auth.device import DeviceAuthorization
from workbench.core.authorize import (
    Opener,
    RedirectCatcher,
    authorize_and_check,
    device_authorize_and_check,
)
from workbench.core.check import CheckOptions, CheckResult, renew_token, run_check
from workbench.core.config import Blueprint
from workbench.core.events import EventLog
from workbench.core.transport import TransportSettings
from workbench.core.verdict import cancelled, internal_error
from workbench.qt.aio import spawn

Job = Callable[[Blueprint, Mapping[str, str], EventLog, CheckOptions], Awaitable[CheckResult]]


class CheckController(QObject):
    """Runs checks and token renewals; `cancel` stops the one in flight."""

    sig_started = Signal(str)
    """A run started; the text says what is happening ("Checking…")."""
    sig_finished = Signal(object)
    """A run ended with this CheckResult (cancelled runs end with a 'cancelled' verdict)."""
    sig_token_changed = Signal(str, object)
    """The connector (id) has this TokenSet now, or None after Clear."""
    sig_busy_changed = Signal(bool)
    """True while a run is in flight."""

    def __init__(self, log: EventLog, settings: Callable[[], TransportSettings],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._log = log
        self._settings = settings
        self._tokens: dict[str, tuple[TokenSet, str]] = {}
        self._task: asyncio.Task[CheckResult] | None = None

    def settings(self) -> TransportSettings:
        """The network settings the next request will use."""
        return self._settings()

    @property
    def busy(self) -> bool:
        return self._task is not None and not self._task.done()

    def token(self, connector_id: str) -> TokenSet | None:
        kept = self._tokens.get(connector_id)
        return kept[0] if kept else None

    def check(self, connector_id: str, blueprint: Blueprint, values: Mapping[str, str]) -> None:
        """Test the connection with these values."""
        self._start(run_check, "Checking the connection…", connector_id, blueprint, values)

    def renew(self, connector_id: str, blueprint: Blueprint, values: Mapping[str, str]) -> None:
        """Get a fresh token now (refresh token first)."""
        self._start(renew_token, "Renewing the token…", connector_id, blueprint, values)

    def authorize(self, connector_id: str, blueprint: Blueprint, values: Mapping[str, str],
                  open_url: Opener, catcher: RedirectCatcher | None = None) -> None:
        """Log in through a browser (authorization code + PKCE), then check."""
        def job(bp: Blueprint, given: Mapping[str, str], log: EventLog,
                options: CheckOptions) -> Awaitable[CheckResult]:
            return authorize_and_check(bp, given, log, open_url, options, catcher=catcher)

        self._start(job, "Waiting for the login in the browser…", connector_id, blueprint,
                    values)

    def device_login(self, connector_id: str, blueprint: Blueprint, values: Mapping[str, str],
                     show: Callable[[DeviceAuthorization], None]) -> None:
        """Log in on another device (RFC 8628), then check."""
        def job(bp: Blueprint, given: Mapping[str, str], log: EventLog,
                options: CheckOptions) -> Awaitable[CheckResult]:
            return device_authorize_and_check(bp, given, log, show, options)

        self._start(job, "Waiting for the confirmation on the other device…", connector_id,
                    blueprint, values)

    def clear_token(self, connector_id: str) -> None:
        self._tokens.pop(connector_id, None)
        self.sig_token_changed.emit(connector_id, None)

    def cancel(self) -> None:
        if self.busy and self._task is not None:
            self._task.cancel()

    def _start(self, job: Job, doing: str, connector_id: str, blueprint: Blueprint,
               values: Mapping[str, str]) -> None:
        if self.busy:
            return
        self._task = spawn(self._run(job, connector_id, blueprint, dict(values)))
        self._task.add_done_callback(self._on_task_done)
        self.sig_busy_changed.emit(True)
        self.sig_started.emit(doing)

    async def _run(self, job: Job, connector_id: str, blueprint: Blueprint,
                   values: dict[str, str]) -> CheckResult:
        fingerprint = _fingerprint(values)
        kept = self._tokens.get(connector_id)
        options = CheckOptions(
            settings=self._settings(),
            token=kept[0] if kept and kept[1] == fingerprint else None,
            on_token=lambda token: self._keep(connector_id, token, fingerprint),
        )
        return await job(blueprint, values, self._log, options)

    def _on_task_done(self, task: asyncio.Task[CheckResult]) -> None:
        """Ends every run, even one cancelled before it started or one that crashed."""
        if task.cancelled():
            self._log.note("Cancelled by the user.", flow="check")
            result = CheckResult(cancelled())
        elif task.exception() is not None:
            result = CheckResult(internal_error(task.exception()))
        else:
            result = task.result()
        self.sig_busy_changed.emit(False)
        self.sig_finished.emit(result)

    def _keep(self, connector_id: str, token: TokenSet, fingerprint: str) -> None:
        self._tokens[connector_id] = (token, fingerprint)
        self.sig_token_changed.emit(connector_id, token)


def _fingerprint(values: Mapping[str, str]) -> str:
    """Tokens are reused only while the values that obtained them stay the same."""
    relevant = sorted((k, v) for k, v in values.items() if k != "refresh_token")
    return hashlib.sha256(json.dumps(relevant).encode()).hexdigest()
