"""Clocks that disagree are named: a server's Date minutes off ours, JWT times that do not fit."""

from __future__ import annotations

import base64
import json
import time
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

from aiohttp import web

from tests.support.connectors import auth_connector, check, oauth_entry
from tests.support.recording_server import RecordingServer, Seen
from workbench.core.clock_skew import duration

BEARER = """
    - name: auth
      type: authentication
      auth_type: bearer
"""


def _jwt(claims: dict[str, object]) -> str:
    def part(data: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'RS256', 'typ': 'JWT'})}.{part(claims)}.c2lnbmF0dXJl"


def _dated(offset: timedelta, status: int = 200):  # type: ignore[no-untyped-def]
    def answer(_seen: Seen) -> web.Response:
        when = datetime.now(timezone.utc) + offset
        return web.json_response({}, status=status, headers={"Date": format_datetime(when, True)})

    return answer


async def test_a_server_five_minutes_behind_is_named_even_when_the_check_fails(
        server: RecordingServer) -> None:
    server.route("GET", "/me", _dated(-timedelta(minutes=5), status=401))
    verdict = (await check(auth_connector(BEARER), {"url": server.url,
                                                    "bearer_token": "t"})).verdict
    assert verdict.outcome == "unauthorized"
    skew = [w for w in verdict.warnings if w.startswith("Clock skew")]
    assert len(skew) == 1
    assert server.url.removeprefix("http://") in skew[0]
    assert "5 min behind this machine's" in skew[0]


async def test_a_few_seconds_off_is_normal(server: RecordingServer) -> None:
    server.route("GET", "/me", _dated(timedelta(seconds=20)))
    verdict = (await check(auth_connector(BEARER), {"url": server.url,
                                                    "bearer_token": "t"})).verdict
    assert verdict.ok and not verdict.warnings


async def test_a_token_whose_jwt_exp_disagrees_with_expires_in(server: RecordingServer) -> None:
    now = time.time()
    token = _jwt({"sub": "ada", "iat": int(now) + 600, "exp": int(now) + 600 + 3600})
    server.json("POST", "/token", {"access_token": token, "expires_in": 3600})
    server.json("GET", "/me", {})
    bp = auth_connector(oauth_entry("client_credentials", basic=False))
    verdict = (await check(bp, {"url": server.url, "client_id": "c",
                                "client_secret": "s"})).verdict
    assert verdict.ok
    text = "\n".join(verdict.warnings)
    assert "iat says it was issued 10 min in the future" in text
    assert "lives 3600 s (expires_in), but its JWT exp ends it 10 min later" in text


async def test_a_token_not_valid_yet(server: RecordingServer) -> None:
    now = int(time.time())
    token = _jwt({"sub": "ada", "nbf": now + 300, "exp": now + 3900})
    server.json("POST", "/token", {"access_token": token, "expires_in": 3900})
    server.json("GET", "/me", {}, status=401)
    bp = auth_connector(oauth_entry("client_credentials", basic=False))
    verdict = (await check(bp, {"url": server.url, "client_id": "c",
                                "client_secret": "s"})).verdict
    assert any("not valid for another 5 min (its nbf claim)" in w for w in verdict.warnings)


def test_durations_read_as_words() -> None:
    assert [duration(s) for s in (45, 90, 300, 303, 7800, 3600)] == [
        "45 s", "1 min 30 s", "5 min", "5 min", "2 h 10 min", "1 h"]
