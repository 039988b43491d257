"""The embedded browser for logins: QtWebEngine, loaded only when a login starts.

It catches the redirect to the configured redirect URI (https ones included) by blocking the
request before it is sent, so nothing has to listen there. Each login gets a fresh
off-the-record profile: no cookies from an earlier run unless it is the same session.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import Callable
from urllib.parse import urlsplit

from PySide6.QtCore import Qt, QTimer, QUrl, Signal, SignalInstance
from PySide6.QtNetwork import QNetworkCookie, QNetworkProxy
from PySide6.QtWebEngineCore import (
    QWebEngineCertificateError,
    QWebEnginePage,
    QWebEngineProfile,
    QWebEngineUrlRequestInfo,
    QWebEngineUrlRequestInterceptor,
)
from PySide6.QtWebEngineWidgets import QWebEngineView
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from workbench.core.auth.authorization import AuthorizationError, UnrelatedRedirect
from workbench.core.errors import InputError
from workbench.core.events import EventLog
from workbench.core.network_settings import TransportSettings
from workbench.core.transport import ssl_context
from workbench.qt.aio import spawn
from workbench.qt.theme import accent

# Pages that say the provider will not log in inside an embedded browser.
REFUSALS = ("disallowed_useragent", "This browser or app may not be secure",
            "AADSTS53003", "AADSTS50199")


class _RedirectInterceptor(QWebEngineUrlRequestInterceptor):
    """Blocks the request to the redirect URI and hands its URL over instead."""

    def __init__(self, redirect_uri: str, caught: SignalInstance) -> None:
        super().__init__()
        self._target = _origin_and_path(redirect_uri)
        self._caught = caught

    def interceptRequest(self, info: QWebEngineUrlRequestInfo) -> None:
        url = info.requestUrl().toString()
        if _origin_and_path(url) == self._target:
            info.block(True)
            self._caught.emit(url)


class BrowserDialog(QDialog):
    """A login window: read-only address bar with TLS state, Back, Reload, Cancel."""

    sig_redirect_caught = Signal(str)
    """The provider redirected to the redirect URI (the full URL, code included)."""
    sig_refused = Signal(str)
    """The page says the provider refuses embedded browsers (the reason found)."""

    def __init__(self, redirect_uri: str, log: EventLog, settings: TransportSettings,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Log in — Connection Workbench")
        self.resize(900, 720)
        self.redirect_uri = redirect_uri
        self._log = log
        self.switch_to_system = False
        self._start_url = ""
        self._future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        _apply_proxy(settings)
        self.profile = QWebEngineProfile(self)  # no storage name: off the record, per login
        self._interceptor = _RedirectInterceptor(redirect_uri, self.sig_redirect_caught)
        self.profile.setUrlRequestInterceptor(self._interceptor)
        self.page = QWebEnginePage(self.profile, self)
        self.view = QWebEngineView(self)
        self.view.setPage(self.page)

        self.address = QLineEdit(readOnly=True)
        self.address.setObjectName("browserAddress")
        self.security = QLabel()
        self.security.setObjectName("browserSecurity")
        back, reload, cancel = QPushButton("Back"), QPushButton("Reload"), QPushButton("Cancel")
        self.clear_session = QPushButton("Clear browser session")
        self.clear_session.setToolTip("Forget this login's cookies and start the login again "
                                      "(to log in as someone else)")
        self.clear_session.clicked.connect(self._on_clear_session_clicked)
        self.cookies: set[tuple[bytes, str, str]] = set()  # (name, domain, path) held now
        store = self.profile.cookieStore()
        store.cookieAdded.connect(lambda c: self.cookies.add(_cookie_key(c)))
        store.cookieRemoved.connect(lambda c: self.cookies.discard(_cookie_key(c)))
        back.clicked.connect(self.view.back)
        reload.clicked.connect(self.view.reload)
        cancel.clicked.connect(self.reject)
        self.refusal = QLabel()
        self.refusal.setObjectName("browserRefusal")
        self.refusal.setWordWrap(True)
        self.refusal.hide()
        self.notice = QLabel()
        self.notice.setObjectName("browserNotice")
        self.notice.setTextFormat(Qt.TextFormat.PlainText)
        self.notice.setWordWrap(True)
        self.notice.hide()
        self._judge: Callable[[str], str] | None = None
        self._back_from_ignored = False  # leave the blank page a blocked redirect leaves
        self.use_system = QPushButton("Use the system browser")
        self.use_system.hide()
        self.use_system.clicked.connect(self._on_use_system_clicked)

        bar = QHBoxLayout()
        for widget in (back, reload):
            bar.addWidget(widget)
        bar.addWidget(self.security)
        bar.addWidget(self.address, 1)
        bar.addWidget(self.clear_session)
        bar.addWidget(cancel)
        refusal = QHBoxLayout()
        refusal.addWidget(self.refusal, 1)
        refusal.addWidget(self.use_system)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addLayout(refusal)
        layout.addWidget(self.notice)
        layout.addWidget(self.view, 1)

        self._settings = settings
        self.page.certificateError.connect(self._on_page_certificate_error)
        self.view.urlChanged.connect(self._on_view_url_changed)
        self.view.loadFinished.connect(self._on_view_load_finished)
        self.sig_redirect_caught.connect(self._on_redirect_caught)
        self.rejected.connect(self._on_rejected)

    # -- RedirectCatcher ------------------------------------------------------------------------

    def expect(self, judge: Callable[[str], str]) -> None:
        """How to tell this login's answer from other redirects (the core's read_redirect)."""
        self._judge = judge

    async def wait(self, timeout: float) -> str:
        """The redirect URL; CancelledError if the user closed the window."""
        return await asyncio.wait_for(asyncio.shield(self._future), timeout)

    def open_url(self, url: str) -> None:
        self._start_url = url
        self.show()
        self.view.load(QUrl(url))

    # -- slots ----------------------------------------------------------------------------------

    def _on_view_url_changed(self, url: QUrl) -> None:
        text = url.toString()
        self.address.setText(self._log.redactor.url(text))
        self.address.setCursorPosition(0)  # the host matters more than the query's tail
        secure = url.scheme() == "https"
        self.security.setText("🔒 TLS" if secure else "⚠ not TLS")
        self.security.setStyleSheet(f"color: {accent('ok' if secure else 'warn')};")
        self._log.note(f"Browser: {self._log.redactor.url(text)}", flow="authorize",
                       step="browser")

    def _on_clear_session_clicked(self) -> None:
        self.profile.cookieStore().deleteAllCookies()
        self.profile.clearHttpCache()
        self._log.note("Browser session cleared; the login starts again.", flow="authorize",
                       step="browser")
        # Deleting is asynchronous: start over only once the provider's cookies are gone, or
        # it would resume the very session just cleared.
        deadline = time.monotonic() + 2.0
        waiter = QTimer(self, interval=20)

        def restart_when_cleared() -> None:
            if self.cookies and time.monotonic() < deadline:
                return
            waiter.stop()
            self.view.load(QUrl(self._start_url))

        waiter.timeout.connect(restart_when_cleared)
        waiter.start()

    def _on_page_certificate_error(self, error: QWebEngineCertificateError) -> None:
        """Follow the app's TLS setting: with verification off, as for every other request,
        the page loads; otherwise it is refused and the reason logged."""
        where = self._log.redactor.url(error.url().toString())
        if self._settings.verify_tls and self._settings.ca_bundle and error.isOverridable():
            error.defer()  # QtWebEngine has its own trust store: ask the app's TLS stack
            spawn(self._check_with_ca_bundle(error, where))
            return
        if not self._settings.verify_tls and error.isOverridable():
            self._log.note(f"Browser: accepted an untrusted certificate for {where} "
                           f"({error.description()}): TLS verification is off",
                           flow="authorize", step="browser")
            error.acceptCertificate()
            return
        self._log.note(f"Browser: refused {where}: {error.description()}", flow="authorize",
                       step="browser")
        error.rejectCertificate()

    async def _check_with_ca_bundle(self, error: QWebEngineCertificateError, where: str) -> None:
        """Accept the page's certificate if the core's TLS settings (OS store plus the CA
        bundle) verify the same certificate on a connection of our own."""
        url = error.url()
        chain = error.certificateChain()
        leaf = bytes(chain[0].toDer().data()) if chain else b""
        peer = b""
        try:
            context = ssl_context(self._settings)
            _reader, writer = await asyncio.wait_for(asyncio.open_connection(
                url.host(), url.port(443), ssl=context, server_hostname=url.host()), 10)
            peer = writer.get_extra_info("ssl_object").getpeercert(binary_form=True) or b""
            writer.close()
        except (OSError, ssl.SSLError, TimeoutError, InputError) as exc:
            self._log.note(f"Browser: refused {where}: {error.description()} ({exc})",
                           flow="authorize", step="browser")
            error.rejectCertificate()
            return
        if leaf and peer == leaf:
            self._log.note(f"Browser: {where} is trusted through the CA bundle in Settings.",
                           flow="authorize", step="browser")
            error.acceptCertificate()
        else:
            self._log.note(f"Browser: refused {where}: the certificate differs from the one "
                           "the app verified", flow="authorize", step="browser")
            error.rejectCertificate()

    def _on_view_load_finished(self, ok: bool) -> None:
        url = self.view.url().toString()
        if self._back_from_ignored and _origin_and_path(url) == _origin_and_path(
                self.redirect_uri):
            self._back_from_ignored = False
            QTimer.singleShot(0, self.view.history().back)
            return
        self.page.runJavaScript("document.body ? document.body.innerText : ''", 0,
                                lambda text: self._check_refusal(url, str(text or "")))

    def _check_refusal(self, url: str, text: str) -> None:
        found = next((r for r in REFUSALS if r in url or r in text), None)
        if found is None:
            return
        self.refusal.setText(f"This provider refuses to log in inside an embedded browser "
                             f"({found}). Use the system browser instead.")
        self.refusal.setStyleSheet(f"color: {accent('fail')};")
        self.refusal.show()
        self.use_system.show()
        self.sig_refused.emit(found)

    def _on_use_system_clicked(self) -> None:
        self.switch_to_system = True  # the owner starts over in the system browser
        self.reject()

    def _on_redirect_caught(self, url: str) -> None:
        self._log.note(f"Browser redirect caught: {self._log.redactor.url(url)}",
                       flow="authorize", step="redirect")
        if self._future.done():
            return
        try:
            if self._judge is not None:
                self._judge(url)
        except UnrelatedRedirect as ignored:  # a stale or forged one: the login goes on
            self.notice.setText(f"Ignored: {ignored} Still waiting: finish the login here.")
            self.notice.setStyleSheet(f"color: {accent('warn')};")
            self.notice.show()
            self._back_from_ignored = True
            return
        except AuthorizationError:
            pass  # this login's answer, refused: the app reports why
        self._future.set_result(url)
        self.accept()

    def _on_rejected(self) -> None:
        if not self._future.done():
            self._future.cancel()

    def done(self, result: int) -> None:
        super().done(result)
        self.view.setPage(None)  # type: ignore[arg-type]  # the page must go before its profile
        self.page.deleteLater()


def _cookie_key(cookie: QNetworkCookie) -> tuple[bytes, str, str]:
    return bytes(cookie.name().data()), cookie.domain(), cookie.path()


def _origin_and_path(url: str) -> tuple[str, str, int | None, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.hostname or "", parts.port, parts.path.rstrip("/")


def _apply_proxy(settings: TransportSettings) -> None:
    """QtWebEngine follows the application proxy: make it the one the core transport uses."""
    if settings.proxy:
        parts = urlsplit(settings.proxy)
        kind = (QNetworkProxy.ProxyType.Socks5Proxy if parts.scheme.startswith("socks")
                else QNetworkProxy.ProxyType.HttpProxy)
        QNetworkProxy.setApplicationProxy(QNetworkProxy(
            kind, parts.hostname or "", parts.port or 8080, parts.username or "",
            parts.password or ""))
    elif settings.use_env_proxy:
        QNetworkProxy.setApplicationProxy(QNetworkProxy(QNetworkProxy.ProxyType.DefaultProxy))
    else:
        QNetworkProxy.setApplicationProxy(QNetworkProxy(QNetworkProxy.ProxyType.NoProxy))
