"""Connector secrets in the OS keychain, with an in-memory fallback when there is none.

Each secret is one keychain entry: service `connection-workbench/<connector_id>`, username = the
field name (e.g. `client_secret`), so the keychain's own UI shows one entry per connector and
field. `connector_id` is a stable id the caller chooses for a connector — its slug (`tripletex`)
or the resolved path of its config file — and must not change between runs, or the secrets
stored under the old id are orphaned.

When there is no usable keychain (keyring's fail backend on a headless Linux, a locked keychain
whose unlock was refused, a Secret Service that went away) the store keeps secrets in a dict for
the rest of the session and says so once in `notice`. It never writes a secret to a file, and
values never appear in logs, exceptions or reprs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

import keyring
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail, null
from keyring.errors import (
    InitError,
    KeyringError,
    KeyringLocked,
    NoKeyringError,
    PasswordDeleteError,
    PasswordSetError,
)

SERVICE_PREFIX = "connection-workbench/"
_LOG = logging.getLogger(__name__)
_SESSION_ONLY = "secrets are kept in memory for this session only and will not be saved."
NO_KEYCHAIN = "No system keychain is available (no Secret Service on this machine)"
_REASONS: list[tuple[type[Exception], str]] = [
    (NoKeyringError, NO_KEYCHAIN),
    (KeyringLocked, "The system keychain is locked and was not unlocked"),
    (InitError, "The system keychain could not be opened or unlocked"),
    (PasswordSetError, "The system keychain refused to store a secret"),
]


def _backend_errors() -> tuple[type[Exception], ...]:
    """KeyringError, plus SecretStorage's errors that keyring lets escape (a bus gone mid-run)."""
    try:
        from secretstorage.exceptions import SecretStorageException
    except ImportError:
        return (KeyringError,)
    return (KeyringError, SecretStorageException)


_BACKEND_ERRORS = _backend_errors()


def service_name(connector_id: str) -> str:
    """The keychain service holding one connector's secrets."""
    if not connector_id:
        raise ValueError("connector_id must not be empty")
    return SERVICE_PREFIX + connector_id


def _key(connector_id: str, field: str) -> tuple[str, str]:
    if not field:
        raise ValueError("field must not be empty")
    return service_name(connector_id), field


def _unusable_reason(backend: KeyringBackend) -> str | None:
    """Why `backend` cannot keep secrets at all, decided before any call; None if it can."""
    if isinstance(backend, fail.Keyring):
        return NO_KEYCHAIN
    if isinstance(backend, chainer.ChainerBackend) and not backend.backends:
        return NO_KEYCHAIN
    if isinstance(backend, null.Keyring):
        return "The system keychain is turned off for this user (keyring's null backend)"
    return None


def _reason_for(error: Exception) -> str:
    # Plain words from the error's type only: a backend's message is not ours to vouch for.
    for kind, words in _REASONS:
        if isinstance(error, kind):
            return words
    return f"The system keychain failed ({type(error).__name__})"


class SecretStore:
    """Get, set and delete connector secrets; falls back to memory for the session if needed."""

    def __init__(
        self,
        backend: KeyringBackend | None = None,
        *,
        on_notice: Callable[[str], None] | None = None,
    ) -> None:
        """Use `backend`, or keyring's current one; `on_notice` hears the fallback notice once."""
        self._on_notice = on_notice
        self._memory: dict[tuple[str, str], str] = {}
        self._notice: str | None = None
        self._keyring: KeyringBackend | None = None
        self._keyring_name = "none"
        try:
            chosen = backend if backend is not None else keyring.get_keyring()
        except Exception as error:  # a keyringrc naming a backend that cannot load
            self._fall_back(_reason_for(error))
            return
        self._keyring, self._keyring_name = chosen, str(chosen.name)
        reason = _unusable_reason(chosen)
        if reason:
            self._fall_back(reason)

    @property
    def available(self) -> bool:
        """True while secrets go to the keyring backend; False once they live in memory."""
        return self._keyring is not None

    @property
    def backend_name(self) -> str:
        """What holds the secrets now, for display: keyring's backend name, or memory."""
        if self._keyring is None:
            return f"memory, this session only (keyring backend: {self._keyring_name})"
        return self._keyring_name

    @property
    def notice(self) -> str | None:
        """The message to show the user once when secrets will not be saved; else None."""
        return self._notice

    def get(self, connector_id: str, field: str) -> str | None:
        """The stored value, or None when there is none."""
        key = _key(connector_id, field)
        if self._keyring is not None:
            try:
                return self._keyring.get_password(*key)
            except _BACKEND_ERRORS as error:
                self._fall_back(_reason_for(error))
        return self._memory.get(key)

    def set(self, connector_id: str, field: str, value: str) -> None:
        """Store `value`; an empty value deletes the entry instead."""
        if not value:
            self.delete(connector_id, field)
            return
        key = _key(connector_id, field)
        if self._keyring is not None:
            try:
                self._keyring.set_password(*key, value)
                return
            except _BACKEND_ERRORS as error:
                self._fall_back(_reason_for(error))
        self._memory[key] = value

    def delete(self, connector_id: str, field: str) -> None:
        """Remove the entry; removing one that does not exist is not an error."""
        key = _key(connector_id, field)
        if self._keyring is not None:
            try:
                self._keyring.delete_password(*key)
                return
            except PasswordDeleteError:
                return  # the backends' way of saying there was nothing to delete
            except _BACKEND_ERRORS as error:
                self._fall_back(_reason_for(error))
        self._memory.pop(key, None)

    def delete_all(self, connector_id: str, fields: Iterable[str]) -> None:
        """Remove every listed field of a connector (a keychain cannot list them for us)."""
        for field in fields:
            self.delete(connector_id, field)

    def _fall_back(self, reason: str) -> None:
        """Switch to memory for the rest of the session and say so once."""
        self._keyring = None
        self._notice = f"{reason}: {_SESSION_ONLY}"
        _LOG.info("%s (keyring backend: %s)", self._notice, self._keyring_name)
        if self._on_notice is not None:
            self._on_notice(self._notice)

    def __repr__(self) -> str:
        return (
            f"<SecretStore backend={self.backend_name!r} available={self.available} "
            f"in_memory={len(self._memory)}>"
        )
