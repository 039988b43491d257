"""The device login dialog shows the provider's text as text: a hostile verification_uri
cannot inject markup or a non-web link."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from workbench.core.auth.device import DeviceAuthorization
from workbench.qt.device_dialog import DeviceDialog


def shown(qtbot: Any, uri: str) -> DeviceDialog:
    dialog = DeviceDialog()
    qtbot.addWidget(dialog)
    dialog.show_device(DeviceAuthorization("dc-secret-1234", "WDJB-MJHT", uri, "",
                                           expires_at=time.time() + 600, interval=5))
    return dialog


def test_a_hostile_verification_uri_is_shown_as_text(qtbot: Any, tmp_path: Path) -> None:
    hostile = 'https://idp.test/device"><img src=x><b>Call +1 555 0100 now</b>'
    dialog = shown(qtbot, hostile)
    text = dialog.where.text()
    assert "<b>Call" not in text and "<img" not in text
    assert "&lt;b&gt;Call +1 555 0100 now&lt;/b&gt;" in text
    assert 'href="https://idp.test/device&quot;&gt;' in text  # one escaped link, no new tags
    Path("artifacts/screenshots").mkdir(parents=True, exist_ok=True)
    dialog.grab().save("artifacts/screenshots/device_dialog_hostile_uri.png")


def test_only_web_links_are_clickable(qtbot: Any) -> None:
    dialog = shown(qtbot, "javascript:alert(1)")
    assert "<a " not in dialog.where.text()
    assert "javascript:alert(1)" in dialog.where.text()
    assert "<a " in shown(qtbot, "https://idp.test/device").where.text()
