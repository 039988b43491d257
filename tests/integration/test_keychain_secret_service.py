"""SecretStore against a real Secret Service (gnome-keyring in a private D-Bus session) and none.

Each run gets its own throwaway HOME and D-Bus session, so a developer's own keyring is never
touched. Needs the apt packages `gnome-keyring` and `dbus` (CI and ./dev.sh install them).
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

TIMEOUT = 60
NO_KEYCHAIN_NOTICE = (
    "No system keychain is available (no Secret Service on this machine): secrets are kept in "
    "memory for this session only and will not be saved."
)
needs_secret_service = pytest.mark.skipif(
    not (shutil.which("dbus-run-session") and shutil.which("gnome-keyring-daemon")),
    reason="needs dbus-run-session and gnome-keyring-daemon: apt-get install gnome-keyring dbus",
)
linux_only = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="D-Bus Secret Service is Linux only"
)

# Runs inside the session; prints booleans and names only, never the value itself.
STORE_SCRIPT = """
import json, os, keyring, keyring.errors
from workbench.core.secrets import SecretStore

value = os.environ["WB_TEST_SECRET"]
first = SecretStore()
first.set("it-conn", "client_secret", value)
first.set("it-conn", "refresh_token", "refresh-" + value)
first.set("it-other", "client_secret", "other-" + value)
second = SecretStore()
backend = type(keyring.get_keyring())
report = {
    "keyring_class": backend.__module__ + "." + backend.__qualname__,
    "available": first.available,
    "notice": first.notice,
    "backend_name": first.backend_name,
    "read_back": first.get("it-conn", "client_secret") == value,
    "second_store_sees_it": second.get("it-conn", "client_secret") == value,
    "other_connector_separate": second.get("it-other", "client_secret") == "other-" + value,
}
try:  # straight to keyring: service connection-workbench/<connector_id>, username = field
    raw = keyring.get_password("connection-workbench/it-conn", "refresh_token")
    report["one_entry_per_field"] = raw == "refresh-" + value
except keyring.errors.KeyringError as error:
    report["one_entry_per_field"] = type(error).__name__
second.set("it-conn", "refresh_token", "")
report["empty_value_deleted"] = first.get("it-conn", "refresh_token") is None
report["still_available"] = first.available and second.available
print(json.dumps(report))
"""

READ_SCRIPT = """
import json, os
from workbench.core.secrets import SecretStore

store = SecretStore()
value = os.environ["WB_TEST_SECRET"]
print(json.dumps({"available": store.available,
                  "persisted": store.get("it-conn", "client_secret") == value}))
"""


@pytest.fixture
def home() -> Iterator[Path]:
    """A short throwaway HOME: gnome-keyring puts a unix socket under it (108-byte limit)."""
    folder = Path(tempfile.mkdtemp(prefix="wb-kc-"))
    try:
        yield folder
    finally:
        _reap(folder)
        shutil.rmtree(folder, ignore_errors=True)


def _environment(home: Path, secret: str) -> dict[str, str]:
    """This process's environment minus any D-Bus session, display, or keyring override."""
    dropped = ("DBUS_SESSION_BUS_ADDRESS", "DISPLAY", "WAYLAND_DISPLAY", "PYTHON_KEYRING_BACKEND")
    env = {
        k: v for k, v in os.environ.items() if k not in dropped and not k.startswith("XDG_")
    }
    env.update(HOME=str(home), WB_TEST_SECRET=secret)
    return env


def _run(command: list[str], env: dict[str, str]) -> dict[str, Any]:
    """Run `command` in its own process group; kill the whole group if it overstays."""
    process = subprocess.Popen(
        command, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, start_new_session=True,
    )
    try:
        out, err = process.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        pytest.fail(f"{command[0]} did not finish within {TIMEOUT} s")
    assert process.returncode == 0, err
    return json.loads(out.strip().splitlines()[-1])


def _in_session(script: str, env: dict[str, str], *, unlock: bool = True) -> dict[str, Any]:
    """Run a Python script in a fresh D-Bus session, with gnome-keyring unlocked by `pw`."""
    start = "echo pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null; "
    inner = (start if unlock else "") + 'exec "$0" -c "$1"'
    return _run(["dbus-run-session", "--", "sh", "-c", inner, sys.executable, script], env)


def _reap(home: Path) -> None:
    """Stop any daemon still running with this HOME (the keyring outlives its bus briefly)."""
    deadline = time.monotonic() + 5
    while (pids := _processes_with_home(home)) and time.monotonic() < deadline:
        time.sleep(0.1)
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def _processes_with_home(home: Path) -> list[int]:
    marker = f"HOME={home}".encode()
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            if marker in (entry / "environ").read_bytes().split(b"\0"):
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def _files_containing(home: Path, needles: list[bytes]) -> list[str]:
    files = [p for p in home.rglob("*") if p.is_file() and not p.is_symlink()]
    return [str(p) for p in files if any(n in p.read_bytes() for n in needles)]


@pytest.mark.keychain
@linux_only
@needs_secret_service
def test_secrets_live_encrypted_in_a_real_secret_service(home: Path) -> None:
    secret = f"wb-{secrets.token_hex(12)}"
    env = _environment(home, secret)

    report = _in_session(STORE_SCRIPT, env)

    assert report["keyring_class"] == "keyring.backends.SecretService.Keyring"
    assert report["backend_name"] == "SecretService Keyring"
    assert report["available"] is True and report["notice"] is None
    assert report["read_back"] and report["second_store_sees_it"]
    assert report["other_connector_separate"] and report["one_entry_per_field"]
    assert report["empty_value_deleted"] and report["still_available"]

    again = _in_session(READ_SCRIPT, env)  # a new session unlocks the same keyring file
    assert again == {"available": True, "persisted": True}

    assert list(home.glob(".local/share/keyrings/*.keyring")), "gnome-keyring saved nothing"
    plain = secret.encode()
    assert _files_containing(home, [plain, base64.b64encode(plain)]) == []


@pytest.mark.keychain
@linux_only
@needs_secret_service
def test_a_keychain_that_stays_locked_falls_back_to_memory(home: Path) -> None:
    """A fresh HOME and no unlock: the daemon is D-Bus activated and its prompt is dismissed."""
    secret = f"wb-{secrets.token_hex(12)}"

    report = _in_session(STORE_SCRIPT, _environment(home, secret), unlock=False)

    assert report["available"] is False
    assert "locked" in report["notice"]  # "could not be opened or unlocked" / "is locked"
    assert report["notice"].endswith("in memory for this session only and will not be saved.")
    assert report["one_entry_per_field"] in {"InitError", "KeyringLocked"}
    assert report["read_back"] and report["second_store_sees_it"] is False
    assert _files_containing(home, [secret.encode()]) == []


@linux_only
def test_without_a_dbus_session_secrets_stay_in_memory(home: Path) -> None:
    secret = f"wb-{secrets.token_hex(12)}"
    script = """
import json, os
from workbench.core.secrets import SecretStore

value = os.environ["WB_TEST_SECRET"]
store = SecretStore()
store.set("it-conn", "client_secret", value)
print(json.dumps({"available": store.available, "notice": store.notice,
                  "backend_name": store.backend_name,
                  "round_trip": store.get("it-conn", "client_secret") == value}))
"""
    report = _run([sys.executable, "-c", script], _environment(home, secret))

    assert report["available"] is False
    assert report["notice"] == NO_KEYCHAIN_NOTICE
    assert report["round_trip"] is True
    assert "fail Keyring" in report["backend_name"]
    assert list(home.rglob("*")) == []


# The desktop app end to end: type a secret into the form, close, reopen. Prints booleans only.
GUI_SCRIPT = """
import json, os, sys, time
from pathlib import Path
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from workbench.qt.aio import install_loop
from workbench.qt.app import configure_application
from workbench.qt.main_window import MainWindow

value = os.environ["WB_TEST_SECRET"]
path = Path(os.environ["HOME"]) / "conn.yaml"
path.write_text('''
interface_parameters:
  section:
    source:
      - name: auth
        type: authentication
        auth_type: bearer
connector:
  name: Keychain probe
  base_url: "http://127.0.0.1:9"
''')
app = QApplication(sys.argv[:1])
configure_application(app)
install_loop(app)

def wait_for(condition, seconds=20):
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        QTest.qWait(20)
    return condition()

window = MainWindow(sandbox=False)
window.library.open_paths([path])
window.library.select_path(path)
form = window.connection.form
wait_for(lambda: form.editor("bearer_token") is not None)
report = {"backend": window.session.values.secrets.backend_name,
          "notice_shown": window.connection.notice.isVisible()}
if sys.argv[1] == "store":
    QTest.keyClicks(form.editor("bearer_token"), value)
    window.close()
    import keyring
    report["stored"] = wait_for(lambda: keyring.get_password(
        "connection-workbench/" + window.session.entry.connector_id, "bearer_token") == value)
else:
    report["restored"] = wait_for(lambda: form.values().get("bearer_token") == value)
print(json.dumps(report))
"""


@pytest.mark.keychain
@linux_only
@needs_secret_service
def test_the_app_keeps_form_secrets_in_a_real_secret_service(home: Path) -> None:
    secret = f"wb-{secrets.token_hex(12)}"
    env = _environment(home, secret)
    unlock = "echo pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null; "

    def app_session(mode: str) -> dict[str, Any]:
        return _run(["dbus-run-session", "--", "sh", "-c", unlock + 'exec "$0" -c "$1" "$2"',
                     sys.executable, GUI_SCRIPT, mode], env)

    stored = app_session("store")
    assert stored == {"backend": "SecretService Keyring", "notice_shown": False, "stored": True}
    restored = app_session("restore")
    assert restored == {"backend": "SecretService Keyring", "notice_shown": False,
                        "restored": True}
    plain = secret.encode()
    assert _files_containing(home, [plain, base64.b64encode(plain)]) == []
