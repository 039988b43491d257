"""Turns "Test connection" and "Refresh" into awaited core calls on the Qt loop, one at a time.

It keeps the last token per connector (so a second check reuses it, as a real client would,
but only while every input that obtained it is unchanged: `core.token_reuse`) and reports
everything through signals; it shows nothing itself. The run itself (one at a time,
cancellable, ended even when it crashes) is a RunController's, as a platform pane's is.
"""

from __future__ import annotations

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
from workbench.core.token_admin import Action, token_action
from workbench.core.token_reuse import TokenKeeper, inputs_digest
from workbench.core.transport import TransportSettings
from workbench.core.verdict import cancelled, internal_error
from workbench.qt.run_controller import RunController, RunEnd

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
        self._tokens = TokenKeeper()
        self.connector_id = ""  # the connector of the run in flight, or of the last one
        self._runs = RunController(self)
        self._runs.sig_busy_changed.connect(self.sig_busy_changed)
        self._runs.sig_started.connect(self.sig_started)
        self._runs.sig_ended.connect(self._on_run_ended)

    def settings(self) -> TransportSettings:
        """The network settings the next request will use."""
        return self._settings()

    @property
    def busy(self) -> bool:
        """Until the run's end has been reported."""
        return self._runs.busy

    def token(self, connector_id: str) -> TokenSet | None:
        """The token kept for the connector (the next run reuses it if its inputs match)."""
        return self._tokens.get(connector_id)

    def check(self, connector_id: str, blueprint: Blueprint, values: Mapping[str, str], *,
              negative_control: bool = False) -> None:
        """Test the connection with these values; with `negative_control`, then prove that a
        wrong secret fails."""
        doing = ("Checking, then proving a wrong secret fails…" if negative_control
                 else "Checking the connection…")
        self._start(run_check, doing, connector_id, blueprint, values,
                    negative_control=negative_control)

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
                    values, reuse=False)

    def device_login(self, connector_id: str, blueprint: Blueprint, values: Mapping[str, str],
                     show: Callable[[DeviceAuthorization], None]) -> None:
        """Log in on another device (RFC 8628), then check."""
        def job(bp: Blueprint, given: Mapping[str, str], log: EventLog,
                options: CheckOptions) -> Awaitable[CheckResult]:
            return device_authorize_and_check(bp, given, log, show, options)

        self._start(job, "Waiting for the confirmation on the other device…", connector_id,
                    blueprint, values, reuse=False)

    def token_action(self, connector_id: str, blueprint: Blueprint, values: Mapping[str, str],
                     action: Action) -> None:
        """Introspect or revoke the kept token (one obtained now when none is kept); a token
        revoked is forgotten."""
        async def job(bp: Blueprint, given: Mapping[str, str], log: EventLog,
                      options: CheckOptions) -> CheckResult:
            result = await token_action(bp, given, log, options, action)
            if action == "revoke" and result.verdict.ok:
                self.clear_token(connector_id)
            return result

        doing = "Asking the provider about the token…" if action == "introspect" \
            else "Revoking the token…"
        self._start(job, doing, connector_id, blueprint, values)

    def clear_token(self, connector_id: str) -> None:
        self._tokens.forget(connector_id)
        self.sig_token_changed.emit(connector_id, None)

    def cancel(self) -> None:
        self._runs.cancel()

    def _start(self, job: Job, doing: str, connector_id: str, blueprint: Blueprint,
               values: Mapping[str, str], *, reuse: bool = True,
               negative_control: bool = False) -> None:
        if self.busy:
            return
        options = CheckOptions(settings=self._settings(), negative_control=negative_control)
        given = dict(values)
        if reuse:  # a login is asked for by the user: it never stands in for a kept token
            options.token = self._tokens.reusable(
                connector_id, inputs_digest(blueprint, given, options))

        def keep(token: TokenSet) -> None:
            # The digest the token is kept under counts its own refresh token as typed: the
            # session puts a rotated one in the form, and that must not disown the token.
            self._tokens.keep(connector_id, token,
                              inputs_digest(blueprint, given, options, token))
            self.sig_token_changed.emit(connector_id, token)

        options.on_token = keep
        self.connector_id = connector_id
        self._runs.start(self._run(job, connector_id, blueprint, given, options), doing,
                         self._on_run_end)

    async def _run(self, job: Job, connector_id: str, blueprint: Blueprint,
                   values: dict[str, str], options: CheckOptions) -> CheckResult:
        result = await job(blueprint, values, self._log, options)
        if result.token_refused and result.token is not None:
            self._tokens.forget(connector_id, result.token)  # proven bad: never reuse it
        return result

    def _on_run_end(self, end: RunEnd) -> None:
        if end.cancelled:
            self._log.note("Cancelled by the user.", flow="check")

    def _on_run_ended(self, end: RunEnd) -> None:
        """Every run ends with a CheckResult, even one cancelled before it started or one
        that crashed."""
        if end.cancelled:
            result = CheckResult(cancelled())
        elif end.error is not None:
            result = CheckResult(internal_error(end.error))
        else:
            result = end.result
        self.sig_finished.emit(result)
