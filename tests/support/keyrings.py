"""Keyring backends for tests: install one for a block, or one that fails like a broken keychain."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import keyring
from keyring.backend import KeyringBackend
from keyring.compat import properties
from keyring.errors import KeyringError


@contextmanager
def installed_keyring(backend: KeyringBackend) -> Iterator[KeyringBackend]:
    """Make `backend` keyring's current backend, restoring the previous one afterwards."""
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


class BrokenKeyring(KeyringBackend):
    """Raises `error` on every call and counts the calls, like a keychain that never opens."""

    @properties.classproperty
    def priority(cls) -> float:
        # Not viable: keyring must never pick this class on its own.
        raise RuntimeError("test backend")

    def __init__(self, error: KeyringError | None = None) -> None:
        super().__init__()
        self.error = error or KeyringError("the keychain is broken")
        self.calls = 0

    def _fail(self) -> None:
        self.calls += 1
        raise self.error

    def get_password(self, service: str, username: str) -> str | None:
        self._fail()
        return None

    def set_password(self, service: str, username: str, password: str) -> None:
        self._fail()

    def delete_password(self, service: str, username: str) -> None:
        self._fail()
