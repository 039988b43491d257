"""`workbench authorize --browser embedded`: the app's login browser, without the main window."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Mapping

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QApplication

from workbench.core.check import CheckOptions, CheckResult
from workbench.core.config.model import Blueprint
from workbench.core.events import EventLog


def login_in_embedded_browser(blueprint: Blueprint, given: Mapping[str, str], log: EventLog,
                              options: CheckOptions, timeout: float,
                              authorization_url: str | None = None) -> CheckResult:
    """Show only the login window, run the flow on a qasync loop, and return its result."""
    from workbench.core.authorize import DEFAULT_REDIRECT, authorize_and_check
    from workbench.qt.aio import install_loop
    from workbench.qt.app import prepare_environment

    prepare_environment()
    QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setQuitOnLastWindowClosed(False)  # the window closes on the redirect; work goes on
    install_loop(app)
    from workbench.qt.browser_dialog import BrowserDialog

    redirect_uri = dict(given).get("redirect_uri") or _configured_redirect(blueprint) \
        or DEFAULT_REDIRECT
    dialog = BrowserDialog(redirect_uri, log, options.settings)
    outcome: list[CheckResult] = []

    async def flow() -> None:
        try:
            outcome.append(await authorize_and_check(
                blueprint, given, log, dialog.open_url, options, timeout=timeout,
                authorization_url=authorization_url, catcher=dialog))
        finally:
            app.quit()

    task = asyncio.ensure_future(flow())
    app.exec()
    if not outcome:
        task.cancel()
        from workbench.core.verdict import cancelled

        return CheckResult(cancelled())
    return outcome[0]


def _configured_redirect(blueprint: Blueprint) -> str:
    entry = blueprint.authentication
    field = entry.field("redirect_uri") if entry is not None else None
    return (field.value or "") if field is not None else ""
