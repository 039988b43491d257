"""Exports of a real session: HAR 1.2, the workbench's JSON, and "copy as curl".

The events come from real requests through the recorded transport to a server on 127.0.0.1.
Planted secrets must vanish from every redacted export and come back only when revealed; a
revealed curl command, run by the real curl binary, must reproduce the request byte for byte.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import socket
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiohttp import web

from tests.support.recording_server import RecordingServer, Seen
from workbench.core.curl import to_curl
from workbench.core.events import EventLog
from workbench.core.har import to_har, write_har
from workbench.core.session_export import to_json_export, write_json_export
from workbench.core.transport import create_client, tag

BEARER = "BEARER-TOKEN-ab12cd"
CLIENT_SECRET = "CLIENT-SECRET-ef34gh"
API_KEY = "SECRETKEY123"
ACCESS = "ACCESS-TOKEN-ij56kl"
TENANT_PIN = "PIN-mn78op"  # masked by key only: the field is registered, not the value
AUTH_CODE = "AUTHCODE-qr90st"  # masked by key only, inside a Location header
SECRETS = (BEARER, CLIENT_SECRET, API_KEY, ACCESS, TENANT_PIN)
VERSION = "9.9.9-test"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _session(server: RecordingServer) -> EventLog:
    """A short run: a token exchange, two API calls, a refused connection and a note."""
    server.json("POST", "/oauth/token", {"access_token": ACCESS, "token_type": "bearer"})
    server.json("GET", "/api/items", {"items": [1, 2]},
                headers={"Location": f"/cb?code={AUTH_CODE}&api_key={API_KEY}"})
    log = EventLog()
    for value in (BEARER, CLIENT_SECRET, API_KEY, ACCESS):
        log.redactor.add_value(value)
    log.redactor.add_key("tenant_pin")
    async with create_client(log) as client:
        await client.post(f"{server.url}/oauth/token", extensions=tag("oauth", "token", "token"),
                          data={"grant_type": "client_credentials", "client_id": "cid",
                                "client_secret": CLIENT_SECRET, "tenant_pin": TENANT_PIN})
        await client.get(f"{server.url}/api/items", headers={"Authorization": f"Bearer {BEARER}"},
                         extensions=tag("check", "list items"))
        await client.get(f"{server.url}/api/items?api_key={API_KEY}&page=2")
        log.note(f"used tenant pin field; token {ACCESS} looked fine", flow="check")
        with pytest.raises(httpx.ConnectError):
            await client.get(f"http://127.0.0.1:{_closed_port()}/down",
                             headers={"Authorization": f"Bearer {BEARER}"})
    return log


# -- a structural HAR 1.2 validator (jsonschema is not a dependency) ------------------------

ENTRY_FIELDS = {"pageref", "startedDateTime", "time", "request", "response", "cache", "timings",
                "serverIPAddress", "connection", "comment"}


def _require(obj: Any, where: str, **fields: type | tuple[type, ...]) -> None:
    assert isinstance(obj, dict), f"{where} is not an object"
    for name, kind in fields.items():
        assert name in obj, f"{where}.{name} is missing"
        value = obj[name]
        assert isinstance(value, kind) and not (isinstance(value, bool) and kind is not bool), \
            f"{where}.{name} is {value!r}, expected {kind}"


def _name_values(items: Any, where: str) -> None:
    assert isinstance(items, list), f"{where} is not a list"
    for i, item in enumerate(items):
        _require(item, f"{where}[{i}]", name=str, value=str)


def _validate_har(har: Any) -> None:
    number = (int, float)
    _require(har, "har", log=dict)
    log = har["log"]
    _require(log, "log", version=str, creator=dict, entries=list)
    assert log["version"] == "1.2"
    _require(log["creator"], "log.creator", name=str, version=str)
    for i, entry in enumerate(log["entries"]):
        where = f"entries[{i}]"
        _require(entry, where, startedDateTime=str, time=number, request=dict, response=dict,
                 cache=dict, timings=dict)
        assert all(k in ENTRY_FIELDS or k.startswith("_") for k in entry), sorted(entry)
        assert entry["time"] >= 0
        request, response, timings = entry["request"], entry["response"], entry["timings"]
        _require(request, f"{where}.request", method=str, url=str, httpVersion=str,
                 cookies=list, headers=list, queryString=list, headersSize=int, bodySize=int)
        _name_values(request["headers"], f"{where}.request.headers")
        _name_values(request["queryString"], f"{where}.request.queryString")
        if "postData" in request:
            _require(request["postData"], f"{where}.request.postData", mimeType=str, text=str)
        _require(response, f"{where}.response", status=int, statusText=str, httpVersion=str,
                 cookies=list, headers=list, content=dict, redirectURL=str, headersSize=int,
                 bodySize=int)
        _name_values(response["headers"], f"{where}.response.headers")
        _require(response["content"], f"{where}.response.content", size=int, mimeType=str)
        _require(timings, f"{where}.timings", send=number, wait=number, receive=number)
        assert min(timings["send"], timings["wait"], timings["receive"]) >= 0
        spent = sum(v for k, v in timings.items() if k != "comment" and v != -1)
        assert spent == pytest.approx(entry["time"])


def _assert_no_secrets(text: str) -> None:
    leaked = [secret for secret in SECRETS if secret in text]
    assert leaked == [], f"secrets leaked: {leaked}"


# -- HAR -----------------------------------------------------------------------------------

async def test_har_is_valid_redacted_and_lists_every_exchange(
    server: RecordingServer, tmp_path: Path
) -> None:
    before = time.time()
    log = await _session(server)
    path = tmp_path / "session.har"
    write_har(path, log, log.redactor, VERSION)
    text = path.read_text("utf-8")
    har = json.loads(text)

    _validate_har(har)
    _assert_no_secrets(text)
    assert AUTH_CODE not in text
    assert har["log"]["creator"] == {"name": "Connection Workbench", "version": VERSION}
    entries = har["log"]["entries"]
    assert len(entries) == sum(1 for e in log if e.kind != "note") == 4
    for entry in entries:
        started = datetime.fromisoformat(entry["startedDateTime"])
        assert started.tzinfo is not None
        assert before - 1 <= started.timestamp() <= time.time()

    token, bearer, keyed, refused = entries
    assert token["_workbench"] == {"kind": "token", "flow": "oauth", "step": "token",
                                  "redirect": 0}
    assert token["request"]["postData"]["mimeType"] == "application/x-www-form-urlencoded"
    assert "client_secret=[redacted]" in token["request"]["postData"]["text"]
    assert "tenant_pin=[redacted]" in token["request"]["postData"]["text"]
    assert json.loads(token["response"]["content"]["text"])["access_token"] == "[redacted]"
    assert {"name": "Authorization", "value": "Bearer [redacted]"} in [
        {"name": h["name"].title(), "value": h["value"]} for h in bearer["request"]["headers"]]
    assert bearer["response"]["status"] == 200
    assert bearer["response"]["redirectURL"] == "/cb?code=[redacted]&api_key=[redacted]"
    assert {"name": "Location", "value": bearer["response"]["redirectURL"]} in bearer[
        "response"]["headers"]
    assert keyed["request"]["queryString"] == [{"name": "api_key", "value": "[redacted]"},
                                               {"name": "page", "value": "2"}]
    assert refused["response"]["status"] == 0
    assert "refused" in refused["_error"]
    assert "bodySize" in refused["request"] and "postData" not in refused["request"]


async def test_revealed_har_keeps_the_secrets(server: RecordingServer) -> None:
    log = await _session(server)
    har = to_har(log, None, creator_version=VERSION)
    _validate_har(har)
    text = json.dumps(har)
    assert all(secret in text for secret in (*SECRETS, AUTH_CODE))
    assert har["log"]["entries"][2]["request"]["queryString"][0] == {
        "name": "api_key", "value": API_KEY}


async def test_binary_response_is_base64_only_when_revealed(server: RecordingServer) -> None:
    blob = bytes(range(256))
    server.route("GET", "/blob", lambda _seen: web.Response(
        body=blob, content_type="application/octet-stream"))
    log = EventLog()
    async with create_client(log) as client:
        await client.get(f"{server.url}/blob")
    revealed = to_har(log, None, creator_version=VERSION)["log"]["entries"][0]["response"]
    assert revealed["content"]["encoding"] == "base64"
    assert revealed["content"]["size"] == revealed["bodySize"] == 256
    redacted = to_har(log, log.redactor, creator_version=VERSION)["log"]["entries"][0]
    assert "encoding" not in redacted["response"]["content"]


# -- JSON session export -------------------------------------------------------------------

async def test_json_export_is_redacted_and_keeps_notes(
    server: RecordingServer, tmp_path: Path
) -> None:
    log = await _session(server)
    path = tmp_path / "session.json"
    write_json_export(path, log, log.redactor, VERSION)
    text = path.read_text("utf-8")
    export = json.loads(text)

    _assert_no_secrets(text)
    assert export["format"] == "connection-workbench-session"
    assert export["version"] == 1 and export["app_version"] == VERSION
    assert datetime.fromisoformat(export["exported_at"]).tzinfo is not None
    assert [e["kind"] for e in export["events"]] == ["token", "request", "request", "note",
                                                      "request"]
    revealed = json.dumps(to_json_export(log, None, version=VERSION))
    assert all(secret in revealed for secret in SECRETS)


# -- copy as curl --------------------------------------------------------------------------

async def test_curl_is_redacted_by_default_and_refuses_notes(server: RecordingServer) -> None:
    log = await _session(server)
    token, bearer, keyed, note, refused = list(log)
    commands = [to_curl(e, log.redactor) for e in (token, bearer, keyed, refused)]
    for command in commands:
        _assert_no_secrets(command)
        assert command.startswith("curl \\\n  ")
    assert "'Authorization: Bearer [redacted]'" in commands[1]
    assert "client_secret=[redacted]" in commands[0]
    assert "--compressed" in commands[1]
    assert "Host:" not in commands[1] and "Content-Length" not in commands[0]
    assert all(secret in to_curl(token, None) for secret in (CLIENT_SECRET, TENANT_PIN))
    assert API_KEY in to_curl(keyed, None)
    with pytest.raises(ValueError):
        to_curl(note, log.redactor)


REPLAYS: dict[str, tuple[str, str, dict[str, Any]]] = {
    "bearer get with api key": ("GET", "/api/items?api_key=SECRETKEY123&q=a%20b",
                                {"headers": {"Authorization": f"Bearer {BEARER}"}}),
    "form post": ("POST", "/oauth/token", {"data": {"client_secret": CLIENT_SECRET,
                                                    "scope": "read write"}}),
    "shell metacharacters": ("PUT", "/notes/1", {
        "content": "it's $HOME `id` $(echo hi) \"q\" \\ ;|&\ncafé ☕\n".encode(),
        "headers": {"Content-Type": "text/plain; charset=utf-8", "X-Quote": "a'b\"c $x"}}),
    "body starting with @": ("POST", "/upload", {"content": b"@/etc/passwd",
                                                 "headers": {"X-Empty": ""}}),
    "delete": ("DELETE", "/items/7", {"headers": {"Cookie": "session=abc; theme=dark"}}),
    "head": ("HEAD", "/items", {}),
}
SET_BY_CURL = {"host", "content-length", "accept-encoding", "connection"}


def _comparable(seen: Seen) -> tuple[Any, ...]:
    headers = {k.lower(): v for k, v in seen.headers.items() if k.lower() not in SET_BY_CURL}
    return seen.method, seen.path, seen.query, headers, seen.body


@pytest.mark.skipif(shutil.which("curl") is None, reason="the curl binary is not installed")
@pytest.mark.parametrize("case", list(REPLAYS))
async def test_revealed_curl_reproduces_the_request(server: RecordingServer, case: str) -> None:
    method, target, options = REPLAYS[case]
    server.route(method, target.split("?")[0], lambda _seen: web.Response(text="ok"))
    log = EventLog()
    async with create_client(log) as client:
        await client.request(method, f"{server.url}{target}", **options)
    [event] = list(log)
    command = to_curl(event, None)

    process = await asyncio.create_subprocess_exec(
        "sh", "-c", f"{command} --silent --show-error --fail --max-time 10",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    _stdout, stderr = await process.communicate()
    assert process.returncode == 0, stderr.decode()

    original, replayed = server.seen
    assert _comparable(replayed) == _comparable(original)
