"""Preferences survive a restart: what is saved comes back typed from the INI file."""

from __future__ import annotations

import shutil
from pathlib import Path

from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot

from workbench.core.transport import TransportSettings
from workbench.qt.preferences import Preferences


def _restart(tmp_path: Path) -> None:
    """Point QSettings at a copy of the saved file, as a new process would read it: strings."""
    saved = Path(QSettings().fileName())
    folder = tmp_path / "restarted"
    target = folder / saved.relative_to(saved.parents[1])
    target.parent.mkdir(parents=True)
    shutil.copy(saved, target)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))


def _write_ini(text: str) -> None:
    path = Path(QSettings().fileName())
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_nothing_saved_gives_the_defaults() -> None:
    preferences = Preferences()
    assert preferences.transport_settings() == TransportSettings()
    assert preferences.theme() == "system"
    assert not preferences.tls_verification_off()


def test_every_network_setting_survives_a_restart(tmp_path: Path, qtbot: QtBot) -> None:
    saved = TransportSettings(timeout=12.5, connect_timeout=3.0,
                              proxy="http://user:pw@proxy.corp:3128", use_env_proxy=False,
                              ca_bundle="/etc/ssl/corp, root.pem", client_cert="/c.pem",
                              client_key="/k.pem", verify_tls=False, follow_redirects=False)
    preferences = Preferences()
    with qtbot.waitSignal(preferences.sig_changed, timeout=1000):
        preferences.save(saved, "dark")
    _restart(tmp_path)
    assert QSettings().value("network/verify_tls") == "false"  # really re-read as text
    assert Preferences().transport_settings() == saved
    assert Preferences().theme() == "dark"
    assert Preferences().tls_verification_off()


def test_no_proxy_is_not_read_back_as_system_proxy(tmp_path: Path) -> None:
    Preferences().set_transport_settings(TransportSettings(proxy=None, use_env_proxy=False))
    _restart(tmp_path)
    restored = Preferences().transport_settings()
    assert restored.proxy is None
    assert restored.use_env_proxy is False


def test_save_announces_the_change_once(qtbot: QtBot) -> None:
    preferences = Preferences()
    seen: list[int] = []
    preferences.sig_changed.connect(lambda: seen.append(1))
    preferences.save(TransportSettings(verify_tls=False), "light")
    assert seen == [1]
    assert preferences.tls_verification_off()


def test_a_hand_edited_file_cannot_break_requests() -> None:
    _write_ini("[network]\ntimeout=0\nconnect_timeout=soon\nca_bundle=/a, b.pem\n"
               "verify_tls=nope\n[appearance]\ntheme=purple\n")
    preferences = Preferences()
    settings = preferences.transport_settings()
    assert settings.timeout == TransportSettings().timeout
    assert settings.connect_timeout == TransportSettings().connect_timeout
    assert settings.ca_bundle == "/a, b.pem"
    assert settings.verify_tls is True
    assert preferences.theme() == "system"
