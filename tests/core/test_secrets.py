"""SecretStore: one keychain entry per connector and field; session memory when there is none."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backends import chainer, fail, null
from keyring.errors import (
    InitError,
    KeyringError,
    KeyringLocked,
    NoKeyringError,
    PasswordSetError,
)

from tests.support.keyrings import BrokenKeyring, installed_keyring
from workbench.core.memory_keyring import MemoryKeyring
from workbench.core.secrets import SecretStore

SECRET = "s3cr3t-Vx91-do-not-leak"
NO_KEYCHAIN_NOTICE = (
    "No system keychain is available (no Secret Service on this machine): secrets are kept in "
    "memory for this session only and will not be saved."
)


@pytest.fixture
def memory() -> Iterator[MemoryKeyring]:
    """An in-memory keyring installed as keyring's backend for one test."""
    with installed_keyring(MemoryKeyring()) as backend:
        assert isinstance(backend, MemoryKeyring)
        yield backend


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty HOME (and XDG dirs under it), so any file written there would show."""
    folder = tmp_path / "home"
    folder.mkdir()
    monkeypatch.setenv("HOME", str(folder))
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)
    return folder


def test_a_secret_round_trips_through_the_keyring(memory: MemoryKeyring) -> None:
    store = SecretStore()
    store.set("tripletex", "consumer_token", SECRET)

    assert store.get("tripletex", "consumer_token") == SECRET
    assert store.available and store.notice is None
    assert "MemoryKeyring" in store.backend_name
    assert SecretStore().get("tripletex", "consumer_token") == SECRET  # a later store sees it


def test_each_connector_and_field_is_its_own_entry(memory: MemoryKeyring) -> None:
    store = SecretStore()
    store.set("crm-a", "client_secret", "secret-a")
    store.set("crm-b", "client_secret", "secret-b")
    store.set("crm-a", "password", "pw-a")

    assert store.get("crm-a", "client_secret") == "secret-a"
    assert store.get("crm-b", "client_secret") == "secret-b"
    assert keyring.get_password("connection-workbench/crm-b", "client_secret") == "secret-b"
    assert memory.entries() == [
        ("connection-workbench/crm-a", "client_secret"),
        ("connection-workbench/crm-a", "password"),
        ("connection-workbench/crm-b", "client_secret"),
    ]


def test_an_empty_value_deletes_and_deleting_twice_is_fine(memory: MemoryKeyring) -> None:
    store = SecretStore()
    store.set("deck", "api_key", SECRET)
    store.set("deck", "api_key", "")

    assert store.get("deck", "api_key") is None
    assert memory.entries() == []
    store.delete("deck", "api_key")
    assert store.available


def test_delete_all_removes_every_listed_field_of_one_connector(memory: MemoryKeyring) -> None:
    store = SecretStore()
    for field in ("client_id", "client_secret", "refresh_token"):
        store.set("webcrm", field, f"{field}-value")
    store.set("other", "client_secret", "kept")

    store.delete_all("webcrm", ["client_secret", "refresh_token", "never_stored"])

    assert store.get("webcrm", "client_id") == "client_id-value"
    assert store.get("webcrm", "client_secret") is None
    assert store.get("other", "client_secret") == "kept"


def test_empty_ids_are_refused_without_echoing_the_value(memory: MemoryKeyring) -> None:
    with pytest.raises(ValueError, match="connector_id") as raised:
        SecretStore().set("", "password", SECRET)
    assert SECRET not in str(raised.value)
    with pytest.raises(ValueError, match="field"):
        SecretStore().get("deck", "")


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (KeyringError(f"backend said {SECRET}"), "The system keychain failed (KeyringError)"),
        (NoKeyringError("no backend"), "No system keychain is available"),
        (InitError("Prompt dismissed"), "could not be opened or unlocked"),
        (KeyringLocked("Failed to unlock"), "locked and was not unlocked"),
        (PasswordSetError("refused"), "refused to store"),
    ],
)
def test_a_failing_keychain_falls_back_to_memory_and_writes_no_file(
    home: Path, error: KeyringError, reason: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    heard: list[str] = []
    with installed_keyring(BrokenKeyring(error)) as broken:
        store = SecretStore(on_notice=heard.append)
        assert store.available  # nothing is known to be wrong until the first call

        store.set("tripletex", "employee_token", SECRET)
        store.set("tripletex", "consumer_token", "second")

        assert store.get("tripletex", "employee_token") == SECRET
        assert store.get("tripletex", "consumer_token") == "second"
        assert isinstance(broken, BrokenKeyring) and broken.calls == 1  # not asked again
    assert not store.available
    assert store.notice is not None and reason in store.notice
    assert store.notice.endswith("in memory for this session only and will not be saved.")
    assert heard == [store.notice]
    assert "memory" in store.backend_name
    assert list(home.rglob("*")) == []
    assert SECRET not in store.notice and SECRET not in caplog.text


def test_the_fail_backend_is_recognised_before_any_call(home: Path) -> None:
    with installed_keyring(fail.Keyring()):
        store = SecretStore()
        assert not store.available
        assert store.notice == NO_KEYCHAIN_NOTICE
        store.set("deck", "api_key", SECRET)
        assert store.get("deck", "api_key") == SECRET
        store.delete_all("deck", ["api_key"])
        assert store.get("deck", "api_key") is None
    assert list(home.rglob("*")) == []


def test_a_chainer_with_nothing_to_chain_counts_as_no_keychain(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(chainer.ChainerBackend, "backends", [])
    store = SecretStore(chainer.ChainerBackend())
    assert store.notice == NO_KEYCHAIN_NOTICE


def test_a_disabled_keyring_is_not_mistaken_for_a_keychain() -> None:
    store = SecretStore(null.Keyring())  # `keyring --disable`: would drop every secret silently
    store.set("deck", "api_key", SECRET)
    assert store.get("deck", "api_key") == SECRET
    assert store.notice is not None and "turned off" in store.notice


def test_a_keyring_that_cannot_even_load_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    def unloadable() -> None:
        raise RuntimeError("keyringrc names a backend that is not viable")

    monkeypatch.setattr(keyring, "get_keyring", unloadable)
    store = SecretStore()
    assert not store.available and store.notice is not None


def test_repr_shows_no_values(memory: MemoryKeyring) -> None:
    in_keyring = SecretStore()
    in_keyring.set("deck", "api_key", SECRET)
    in_memory = SecretStore(fail.Keyring())
    in_memory.set("deck", "api_key", SECRET)

    for shown in (repr(in_keyring), str(in_memory), repr(in_memory), repr(memory), str(memory)):
        assert SECRET not in shown
    assert "in_memory=1" in repr(in_memory)
