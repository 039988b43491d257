"""The connector being worked on: its form values, saving them, and running it.

Holds what the widgets must not: which connector is shown, the values typed so far in this
session (so switching connectors or reloading a file loses nothing), and when to save them;
a refresh token the server rotated, and the token view's provenance line. Logging in at the
provider is the LoginController's (`qt.login_controller`), which this tells what is shown.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence

from keyring.backend import KeyringBackend
from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QMessageBox

from workbench.core.auth import TokenSet
from workbench.core.check import CheckResult
from workbench.core.formspec import FormSpec, form_spec
from workbench.core.library import LibraryEntry
from workbench.core.secrets import SecretStore
from workbench.core.sesam import received_secrets
from workbench.core.token_admin import Action, TokenActionResult
from workbench.core.token_reuse import clock_time, describe_source
from workbench.qt.aio import spawn
from workbench.qt.check_controller import CheckController
from workbench.qt.connection_pane import ConnectionPane
from workbench.qt.connector_values import ConnectorValues
from workbench.qt.token_view import TokenView

SAVE_DELAY_MS = 800


class ConnectorSession(QObject):
    """Shows a library entry in the form, keeps and saves its values, runs checks on it."""

    sig_keychain_changed = Signal(str)
    """Where secrets are kept now, as a line for the status bar."""
    sig_connector_shown = Signal(object, object)
    """This entry is shown now, with its FormSpec (None: the file is not loaded)."""
    _sig_notice = Signal(str)  # the keychain fallback notice, possibly from a worker thread

    def __init__(self, pane: ConnectionPane, token_view: TokenView, checks: CheckController,
                 backend: KeyringBackend | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pane = pane
        self._form = pane.form
        self._token_view = token_view
        self._checks = checks
        # Queued: the store may speak while it is being built, or from a keychain thread.
        self._sig_notice.connect(self._on_store_notice, Qt.ConnectionType.QueuedConnection)
        self.values = ConnectorValues(SecretStore(backend, on_notice=self._sig_notice.emit))
        self._entry: LibraryEntry | None = None
        self._spec = FormSpec(())
        self._typed: dict[str, dict[str, str]] = {}  # connector id → values typed this session
        self._generation = 0
        self._notice_shown = False
        self._save_timer = QTimer(self)
        self._save_timer.setSingleShot(True)
        self._save_timer.setInterval(SAVE_DELAY_MS)
        self._save_timer.timeout.connect(self.save_now)

        self._form.sig_edited.connect(self._on_form_edited)
        pane.sig_test_requested.connect(self.test)
        pane.sig_negative_control_requested.connect(self.prove_negative)
        pane.sig_cancel_requested.connect(checks.cancel)
        checks.sig_started.connect(self._on_checks_started)
        checks.sig_busy_changed.connect(pane.set_busy)
        checks.sig_finished.connect(self._on_checks_finished)
        checks.sig_token_changed.connect(self._on_checks_token_changed)
        token_view.sig_refresh_requested.connect(self.renew)
        token_view.sig_clear_requested.connect(self._on_token_view_clear_requested)
        token_view.sig_introspect_requested.connect(lambda: self.token_action("introspect"))
        token_view.sig_revoke_requested.connect(lambda: self.token_action("revoke"))

    @property
    def entry(self) -> LibraryEntry | None:
        return self._entry

    # -- showing a connector -------------------------------------------------------------------

    def show_entry(self, entry: LibraryEntry) -> None:
        """Put `entry` in the form: values typed this session, else saved ones, else defaults."""
        if self._entry is not None and self._entry.ok:
            self._remember_typed()
            self.save_now()
        self._entry = entry
        self._generation += 1
        self._pane.banner.clear()
        self._token_view.set_token(None)
        if entry.loaded is None:
            self._show_broken(entry)
            return
        self._spec = form_spec(entry.loaded.blueprint)
        typed = self._typed.get(entry.connector_id)
        if typed is not None:
            self._render(typed)
        else:
            self._pane.set_can_test(False)
            spawn(self._load_saved(entry, self._generation))

    def reload_entry(self, entry: LibraryEntry) -> None:
        """The file changed on disk: show the new form, keeping every value typed so far."""
        if self._entry is None or entry.path != self._entry.path:
            return
        kept = self._form.values() if self._entry.ok else self._typed.get(entry.connector_id, {})
        self._typed[entry.connector_id] = kept
        self._entry = entry
        if entry.loaded is None:
            self._show_broken(entry)
            return
        self._spec = form_spec(entry.loaded.blueprint)
        self._render(kept)
        self._pane.banner.show_message(f"Reloaded {entry.path.name} from disk; your values were "
                                       "kept.", "info")

    async def _load_saved(self, entry: LibraryEntry, generation: int) -> None:
        saved = await self.values.load(entry.connector_id, self._spec)
        if generation == self._generation:  # the user may have moved on meanwhile
            self._render(saved)

    def _render(self, values: Mapping[str, str]) -> None:
        assert self._entry is not None and self._entry.loaded is not None
        self._form.set_spec(self._spec, self._spec.with_defaults(values),
                            self._entry.loaded.name)
        self._pane.set_can_test(True)
        self.sig_connector_shown.emit(self._entry, self._spec)
        self._pane.received.show_expected(received_secrets(self._entry.loaded.blueprint, {}))
        self._token_view.set_token(self._checks.token(self._entry.connector_id))
        self._update_can_refresh()

    def _show_broken(self, entry: LibraryEntry) -> None:
        self._spec = FormSpec(())
        self._form.set_spec(self._spec, {}, f"{entry.name} is loading" if entry.pending
                            else f"{entry.name} could not be loaded")
        self._pane.set_can_test(False)
        self.sig_connector_shown.emit(entry, None)
        self._pane.received.clear()
        if entry.pending:
            self._pane.banner.show_message(f"Loading {entry.path.name}…", "info")
            return
        count = len(entry.problems)
        first = entry.problems[0].format().splitlines()[0] if entry.problems else ""
        self._pane.banner.show_message(
            f"{entry.path.name} has {count} problem{'s' if count != 1 else ''}; fix the file and "
            f"it reloads by itself. First: {first}", "fail")

    # -- running -------------------------------------------------------------------------------

    def prove_negative(self) -> None:
        """Test the connection, then prove that a wrong secret fails."""
        self.test(negative_control=True)

    def fetch_fresh(self) -> None:
        """Forget the kept token and test again, so this run obtains its own."""
        if self._entry is not None and not self._checks.busy:
            self._checks.clear_token(self._entry.connector_id)
            self.test()

    def test(self, negative_control: bool = False) -> None:
        """Validate the form; if it is complete, save it and test the connection."""
        ready = self.ready_to_run(lambda problems: (
            "Some fields need attention before the check can run: "
            + ", ".join(self._spec.field(n).label for n in problems  # type: ignore[union-attr]
                        ) + "."))
        if ready is None:
            return
        entry, values = ready
        assert entry.loaded is not None
        self._checks.check(entry.connector_id, entry.loaded.blueprint, values,
                           negative_control=negative_control)

    def ready_to_run(self, problem: str | Callable[[Mapping[str, str]], str],
                     optional: Sequence[str] = ()) -> tuple[LibraryEntry, dict[str, str]] | None:
        """The shown connector and its values when a run may start: nothing in flight, every
        field but `optional` ones filled (else the problems are marked and `problem` said),
        and the values saved."""
        entry = self._entry
        if entry is None or entry.loaded is None or self._checks.busy:
            return None
        values = self._form.values()
        problems = self._spec.problems(values, optional=optional)
        self._form.show_problems(problems)
        if problems:
            self._pane.banner.show_message(
                problem if isinstance(problem, str) else problem(problems), "fail")
            return None
        self.save_now()
        return entry, values

    def renew(self) -> None:
        entry = self._entry
        if entry is None or entry.loaded is None or self._checks.busy:
            return
        self._checks.renew(entry.connector_id, entry.loaded.blueprint, self._form.values())

    def token_action(self, action: Action) -> None:
        """Introspect or revoke the token at the provider."""
        entry = self._entry
        if entry is None or entry.loaded is None or self._checks.busy:
            return
        self._run_for = entry.connector_id
        self._checks.token_action(entry.connector_id, entry.loaded.blueprint,
                                  self._form.values(), action)

    def forget(self) -> None:
        """Delete the saved values (keychain entries included) after asking."""
        entry = self._entry
        if entry is None or entry.loaded is None:
            return
        answer = QMessageBox.question(
            self._pane, "Forget saved values",
            f"Delete every saved value of “{entry.name}”, including its secrets in the "
            "keychain?")
        if answer == QMessageBox.StandardButton.Yes:
            spawn(self._forget(entry, self._spec))

    async def _forget(self, entry: LibraryEntry, spec: FormSpec) -> None:
        self._typed.pop(entry.connector_id, None)
        await self.values.forget(entry.connector_id, spec)
        if self._entry is entry:
            self._render({})
            self._pane.banner.show_message("Saved values deleted.", "info")

    def _on_checks_started(self, doing: str) -> None:
        self._pane.banner.show_busy(doing)

    def _on_checks_finished(self, result: CheckResult) -> None:
        if isinstance(result, TokenActionResult):  # the token pane's Introspect or Revoke
            self._pane.banner.show_verdict(result.verdict, "")
            if result.introspection is not None and self._token_view.token is not None:
                self._token_view.set_introspection(result.introspection.lines(), time.time())
            return
        if result.received:
            self._pane.received.show_received(result.received)
        verdict = result.verdict
        banner = self._pane.banner
        if verdict.outcome == "cancelled":  # not a failure of the connection
            banner.show_message(f"{verdict.summary} {verdict.hint}", "info")
        else:
            banner.show_verdict(verdict, describe_source(result.token_source, result.token))
            if verdict.oauth_error == "invalid_grant" and self._pane.can_authorize:
                # The refresh token (or code) is dead: the way out is a new login.
                banner.offer("Authorize again", self._pane.request_authorize)
            elif result.token_source == "reused":
                banner.offer("Fetch fresh", self.fetch_fresh)
        if self._entry is not None and self._checks.connector_id == self._entry.connector_id:
            self._show_token_provenance(result)

    def _show_token_provenance(self, result: CheckResult) -> None:
        """Say in the token pane whether the shown token is this run's, and proven."""
        view = self._token_view
        token = result.token
        if token is None:
            shown = view.token
            if shown is not None:
                ended = ("was cancelled" if result.verdict.outcome == "cancelled"
                         else "failed before it got a token")
                view.set_provenance(
                    f"From an earlier run (obtained {clock_time(shown.obtained_at)}), not "
                    f"proven by this one: the last run {ended}.", "warn")
            return
        if view.token is not token:
            view.set_token(token)
        when = clock_time(token.obtained_at)
        if result.token_refused:
            view.set_provenance(f"Refused by the API in the last run (401), obtained {when}: "
                                "it will not be reused.", "fail")
        elif result.token_source == "reused":
            view.set_provenance(f"Reused by the last run; obtained {when} by an earlier run.")
        else:
            how = "Refreshed" if result.token_source == "refreshed" else "Fetched"
            view.set_provenance(f"{how} by this run at {when}.")

    def _on_checks_token_changed(self, connector_id: str, token: TokenSet | None) -> None:
        rotated = token.refresh_token if token else None
        if rotated:
            self._keep_rotated(connector_id, rotated)
        if self._entry is None or connector_id != self._entry.connector_id:
            return
        self._token_view.set_token(token)
        self._update_can_refresh()

    def _keep_rotated(self, connector_id: str, rotated: str) -> None:
        """The server rotated the refresh token: the old one is now dead, so keep the new one,
        in the form (or the values typed for a connector not shown now) and the keychain."""
        shown = self._entry is not None and connector_id == self._entry.connector_id
        if shown and self._spec.field("refresh_token") is not None:
            if self._form.values().get("refresh_token") != rotated:
                self._form.set_value("refresh_token", rotated)
                spawn(self.values.save_secret(connector_id, "refresh_token", rotated))
            return
        typed = self._typed.get(connector_id)
        if not shown and typed is not None and typed.get("refresh_token") not in (None, rotated):
            typed["refresh_token"] = rotated
            spawn(self.values.save_secret(connector_id, "refresh_token", rotated))

    def _on_token_view_clear_requested(self) -> None:
        if self._entry is not None:
            self._checks.clear_token(self._entry.connector_id)

    def _update_can_refresh(self) -> None:
        token = self._checks.token(self._entry.connector_id) if self._entry else None
        self._token_view.set_can_refresh(
            bool(token and token.refresh_token) or self._spec.grant_type == "refresh_token")

    # -- saving --------------------------------------------------------------------------------

    def _on_form_edited(self, _name: str) -> None:
        self._save_timer.start()

    def _remember_typed(self) -> None:
        if self._entry is not None and self._entry.ok and self._spec.fields:
            self._typed[self._entry.connector_id] = self._form.values()

    def save_now(self) -> None:
        """Save the shown values: plain ones at once, secrets to the keychain in the background."""
        self._save_timer.stop()
        entry = self._entry
        if entry is None or entry.loaded is None or not self._spec.fields:
            return
        values = self._form.values()
        self._typed[entry.connector_id] = values
        spawn(self.values.save(entry.connector_id, self._spec, values))

    # -- the keychain --------------------------------------------------------------------------

    def announce_keychain(self) -> None:
        """Show where secrets go; the no-keychain notice once, if it applies."""
        store = self.values.secrets
        self.sig_keychain_changed.emit(f"Secrets: {store.backend_name}")
        self._form.secret_placeholder = ("kept in the system keychain" if store.available
                                         else "kept in memory for this session only")
        if store.notice:
            self._on_store_notice(store.notice)

    def _on_store_notice(self, notice: str) -> None:
        self.sig_keychain_changed.emit(f"Secrets: {self.values.secrets.backend_name}")
        self._form.secret_placeholder = "kept in memory for this session only"
        if not self._notice_shown:
            self._notice_shown = True
            self._pane.notice.show_notice(notice)
