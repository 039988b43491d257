"""A keyring backend that keeps passwords in a dict: for tests and `--no-keychain` style runs.

Nothing is ever written to disk; everything is gone when the process exits. Install it with
`keyring.set_keyring(MemoryKeyring())`, or by name through
`PYTHON_KEYRING_BACKEND=workbench.core.memory_keyring.MemoryKeyring`.
"""

from __future__ import annotations

from keyring.backend import KeyringBackend
from keyring.compat import properties
from keyring.errors import PasswordDeleteError


class MemoryKeyring(KeyringBackend):
    """Passwords in a process-local dict, keyed by (service, username); never persisted."""

    @properties.classproperty
    def priority(cls) -> float:
        # Below keyring's fail backend (0) and excluded by its chainer (> 0 only), like
        # keyring's own null backend: merely importing this module must never make keyring pick
        # it on a machine without a keychain, which would hide "no keychain" from the user.
        return -1

    def __init__(self) -> None:
        super().__init__()
        self._passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self._passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        # Same contract as the real backends: a missing entry is a PasswordDeleteError.
        if self._passwords.pop((service, username), None) is None:
            raise PasswordDeleteError("No such password")

    def entries(self) -> list[tuple[str, str]]:
        """The (service, username) pairs held, sorted; never the passwords."""
        return sorted(self._passwords)

    def __repr__(self) -> str:
        return f"<MemoryKeyring: {len(self._passwords)} entries>"
