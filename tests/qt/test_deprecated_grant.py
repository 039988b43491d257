"""The password grant is marked deprecated in the form; other grants are not."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QGroupBox, QLabel

from workbench.core.config import load_connector
from workbench.core.formspec import form_spec
from workbench.qt.form_pane import ConnectorForm

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"


def shown(qtbot: Any, name: str) -> ConnectorForm:
    spec = form_spec(load_connector(ROOT / "connectors" / name).blueprint)
    form = ConnectorForm()
    qtbot.addWidget(form)
    form.resize(560, 640)
    form.set_spec(spec, {}, "Example")
    form.show()
    qtbot.waitExposed(form)
    return form


def test_the_password_grant_is_marked_deprecated(qtbot: Any) -> None:
    form = shown(qtbot, "auth-methods/legacy_password_grant.yaml")
    warning = form.findChild(QLabel, "deprecatedGrant")
    assert warning is not None and warning.isVisible()
    assert "is deprecated" in warning.text() and "RFC 9700" in warning.text()
    titles = [box.title() for box in form.findChildren(QGroupBox)]
    assert "Authentication (OAuth2, password, deprecated)" in titles
    assert form.editor("username") is not None and form.editor("password") is not None
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    form.grab().save(str(SCREENSHOTS / "form-password-grant-deprecated.png"))


def test_other_grants_carry_no_mark(qtbot: Any) -> None:
    form = shown(qtbot, "auth-methods/okta_private_key_jwt.yaml")
    assert form.findChild(QLabel, "deprecatedGrant") is None
    assert form.editor("private_key") is not None
