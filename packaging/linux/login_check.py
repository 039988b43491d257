"""An embedded-browser login against a page on 127.0.0.1, for verify_fresh_root.sh: standard
library only, so the system's python3 runs it inside a fresh root without the app's venv.

    python3 login_check.py WORKBENCH [ARGS...]   # e.g. xvfb-run -a python3 login_check.py workbench

Serves a login page whose script redirects to the connector's redirect URI with a code (as a
provider does once the user signed in), a token endpoint and /me; runs `WORKBENCH authorize
CONNECTOR --browser embedded --json`; passes when the app caught the redirect, exchanged that
code and the check passed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar
from urllib.parse import parse_qs, urlsplit

CODE = "c0de-from-js"
REDIRECT_URI = "https://app.example.test/oauth/callback"  # caught before it is sent
CONNECTOR = """\
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
          scopes: "openid api:read"
        fields:
          - name: client_id
            value: "fresh-root-client"
          - name: client_secret
            is_encrypted: true
          - name: redirect_uri
            value: "{redirect_uri}"
connector:
  name: Fresh-root login
  base_url: "{{issuer}}"
pre_run_configurations:
  steps:
    - name: userinfo
      type: rest
      endpoint: "{{{{%BASE_URL%}}}}/me"
"""


class Provider(BaseHTTPRequestHandler):
    codes_exchanged: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        if url.path == "/auth":
            target = f"{query['redirect_uri']}?code={CODE}&state={query['state']}"
            self._send(200, "text/html", "<!doctype html><title>Sign in</title><p>Signing in"
                       f"<script>setTimeout(() => location.replace({json.dumps(target)}), 50)"
                       "</script>")
        elif url.path == "/me":
            self._send(200, "application/json", json.dumps({"sub": "alice"}))
        else:
            self._send(404, "text/plain", "not found")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        if urlsplit(self.path).path != "/token":
            self._send(404, "text/plain", "not found")
            return
        self.codes_exchanged.append(form.get("code", ""))
        self._send(200, "application/json",
                   json.dumps({"access_token": "at-fresh-root", "expires_in": 60}))

    def _send(self, status: int, kind: str, body: str) -> None:
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass


def main(command: list[str]) -> int:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Provider)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    issuer = f"http://127.0.0.1:{server.server_address[1]}"
    with tempfile.TemporaryDirectory() as folder:
        connector = Path(folder) / "login.yaml"
        connector.write_text(CONNECTOR.format(issuer=issuer, redirect_uri=REDIRECT_URI))
        ran = subprocess.run([*command, "authorize", str(connector), "--browser", "embedded",
                              "--json", "--wait", "60"], capture_output=True, text=True,
                             timeout=120, env={**os.environ, "WB_CLIENT_SECRET": "s3cret"})
    server.shutdown()
    result = json.loads(ran.stdout or "{}")
    passed = ran.returncode == 0 and result.get("ok") is True \
        and Provider.codes_exchanged == [CODE]
    print(f"embedded login: {'passed' if passed else 'FAILED'} (exit {ran.returncode}, "
          f"codes exchanged {Provider.codes_exchanged})")
    if not passed:
        print(ran.stdout, ran.stderr, sep="\n", file=sys.stderr)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
