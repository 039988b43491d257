"""App-wide preferences in QSettings: network settings for the core transport, and the theme.

Only non-secret values live here. The core never sees QSettings: it gets a TransportSettings.
"""

from __future__ import annotations

from dataclasses import asdict, fields
from typing import Any

from PySide6.QtCore import QObject, QSettings, Signal

from workbench.core.network_settings import TransportSettings
from workbench.qt.theme import THEMES, Theme

_NETWORK = "network/"
_THEME = "appearance/theme"


class Preferences(QObject):
    """Reads and writes the app's preferences; emits `sig_changed` after a save."""

    sig_changed = Signal()
    """Preferences were saved; views and the next request should use the new values."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)

    def transport_settings(self) -> TransportSettings:
        """The network settings every request uses, defaults where nothing was saved."""
        settings = QSettings()
        defaults = TransportSettings()
        values: dict[str, Any] = {}
        for f in fields(TransportSettings):
            default = getattr(defaults, f.name)
            stored = settings.value(_NETWORK + f.name, None)
            values[f.name] = _typed(stored, default)
        return TransportSettings(**values)

    def set_transport_settings(self, transport: TransportSettings) -> None:
        self._write_transport(transport)
        self.sig_changed.emit()

    def tls_verification_off(self) -> bool:
        """Whether requests skip certificate checks (the main window keeps warning while so)."""
        return not self.transport_settings().verify_tls

    def theme(self) -> Theme:
        value = str(QSettings().value(_THEME, "system"))
        return next((t for t in THEMES if t == value), "system")

    def set_theme(self, theme: Theme) -> None:
        QSettings().setValue(_THEME, theme)
        self.sig_changed.emit()

    def save(self, transport: TransportSettings, theme: Theme) -> None:
        """Write everything the Settings dialog edits, then emit `sig_changed` once."""
        QSettings().setValue(_THEME, theme)
        self._write_transport(transport)
        self.sig_changed.emit()

    def _write_transport(self, transport: TransportSettings) -> None:
        settings = QSettings()
        for name, value in asdict(transport).items():
            settings.setValue(_NETWORK + name, "" if value is None else value)
        settings.sync()


def _typed(stored: object, default: object) -> object:
    """QSettings (INI) hands back strings; turn them into the default's type."""
    if stored is None:
        return default
    if isinstance(stored, list):  # a hand-edited INI value with an unquoted comma
        stored = ", ".join(str(part) for part in stored)
    if isinstance(default, bool):
        text = str(stored).strip().lower()
        if text in ("true", "1", "yes", "false", "0", "no"):
            return text in ("true", "1", "yes")
        return default  # junk must not switch off certificate checks
    if isinstance(default, float):
        try:
            number = float(str(stored))
        except ValueError:
            return default
        # zero would fail every request at once; NaN and infinity are not timeouts
        return number if 0 < number < float("inf") else default
    text = str(stored)
    return text or None
