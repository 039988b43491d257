"""The Network tab of an event's detail: DNS, address, TLS, certificates, trust, proxy.

Built from what the transport captured (`core.network_report`); the DNS lookup, and for a
refused certificate the fetch of the chain the server presents, run off the GUI thread and
fill the text in when they are done (if the same event is still shown).
"""

from __future__ import annotations

import asyncio

from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QPlainTextEdit, QWidget

from workbench.core.events import Event
from workbench.core.network_facts import ConnectionFacts, facts_for
from workbench.core.network_report import build_report, probe_chain

NOTHING = ("Nothing was recorded about this connection (an imported entry, a webhook delivery, "
           "or a request that never left).")
_TLS_WORDS = ("certificate", "tls", "ssl")


class NetworkView(QPlainTextEdit):
    """Shows one event's network report; `text()` is what is on screen."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("networkText")
        self.setReadOnly(True)
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self._event: Event | None = None
        self.pending: asyncio.Task[None] | None = None

    def show_event(self, event: Event | None) -> None:
        self._event = event
        facts = facts_for(event) if event is not None else None
        if facts is None:
            self.setPlainText(NOTHING if event is not None else "")
            return
        self.setPlainText("\n".join(build_report(facts, resolve=False).lines()))
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return  # no loop (a bare widget): the report without DNS is what there is
        from workbench.qt.aio import spawn

        assert event is not None
        self.pending = spawn(self._complete(event, facts))

    async def _complete(self, event: Event, facts: ConnectionFacts) -> None:
        loop = asyncio.get_running_loop()
        refused = not facts.chain and facts.scheme == "https" and any(
            word in event.error.lower() for word in _TLS_WORDS)
        chain = await probe_chain(facts.host, facts.port) if refused else None
        report = await loop.run_in_executor(None, lambda: build_report(facts, chain=chain))
        if self._event is event:
            lines = report.lines()
            if refused:
                lines.insert(3, "The connection was refused; the chain below was fetched "
                                "again without verifying it:" if chain else
                                "The connection was refused and the chain could not be "
                                "fetched again.")
            self.setPlainText("\n".join(lines))
