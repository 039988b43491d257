"""Where a connector's form values live between runs: QSettings for plain values, the keychain
for secrets (one entry per connector and field). Keychain calls can block (a Secret Service
over D-Bus, an unlock prompt), so they run in a worker thread and are awaited on the Qt loop.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable, Mapping
from typing import ParamSpec, TypeVar

from PySide6.QtCore import QSettings

from workbench.core.formspec import FormSpec
from workbench.core.secrets import SecretStore

P = ParamSpec("P")
T = TypeVar("T")


class ConnectorValues:
    """Load and save the values of one connector form; never writes a secret to QSettings."""

    def __init__(self, secrets: SecretStore) -> None:
        self._secrets = secrets
        self._lock = asyncio.Lock()  # SecretStore is not meant for concurrent calls

    @property
    def secrets(self) -> SecretStore:
        return self._secrets

    async def load(self, connector_id: str, spec: FormSpec) -> dict[str, str]:
        """Saved values for every field that has one (others are left to their defaults)."""
        settings = QSettings()
        settings.beginGroup(_group(connector_id))
        values = {f.name: str(settings.value(f.name)) for f in spec.fields
                  if not f.secret and settings.contains(f.name)}
        settings.endGroup()
        for name in spec.secret_names:
            secret = await self._in_thread(self._secrets.get, connector_id, name)
            if secret is not None:
                values[name] = secret
        return values

    async def save(self, connector_id: str, spec: FormSpec, values: Mapping[str, str]) -> None:
        """Plain values to QSettings, secrets to the keychain; emptied secrets are deleted."""
        self.save_plain(connector_id, spec, values)
        for f in spec.fields:
            if f.secret:
                value = values.get(f.name, "")
                await self.save_secret(connector_id, f.name, "" if value == f.default else value)

    def save_plain(self, connector_id: str, spec: FormSpec, values: Mapping[str, str]) -> None:
        settings = QSettings()
        settings.beginGroup(_group(connector_id))
        for f in spec.fields:
            if f.secret:
                continue
            value = values.get(f.name, "")
            if value == f.default:
                settings.remove(f.name)  # defaults follow the config when it changes
            else:
                settings.setValue(f.name, value)
        settings.endGroup()

    async def save_secret(self, connector_id: str, name: str, value: str) -> None:
        await self._in_thread(self._secrets.set, connector_id, name, value)

    async def forget(self, connector_id: str, spec: FormSpec) -> None:
        """Remove every saved value of the connector, keychain entries included."""
        settings = QSettings()
        settings.remove(_group(connector_id))
        await self._in_thread(self._secrets.delete_all, connector_id, spec.secret_names)

    async def _in_thread(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        async with self._lock:
            return await asyncio.to_thread(fn, *args, **kwargs)


def _group(connector_id: str) -> str:
    """A QSettings group per connector; ids are paths, so hash them into a safe key."""
    digest = hashlib.sha256(connector_id.encode()).hexdigest()[:16]
    return f"connectors/{digest}"
