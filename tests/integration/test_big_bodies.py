"""Huge, endless, stalled and broken bodies from a real server on 127.0.0.1.

The transport keeps at most MAX_BODY_BYTES of any body and reads no further, so a 3 GiB answer
costs what a 3 KiB one costs; the event, the HAR and the JSON export say the body was cut, and
readers that need the whole body (a token, JSON) fail saying so.
"""

from __future__ import annotations

import json
import textwrap
import tracemalloc
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.support.cli import workbench
from tests.support.connectors import auth_connector, check, oauth_entry
from tests.support.rude_bodies import RudeBodies
from workbench.core.bodies import BodyTooLarge
from workbench.core.events import MAX_BODY_BYTES, Event, EventLog
from workbench.core.har import to_har
from workbench.core.network_settings import TransportSettings
from workbench.core.session_export import to_json_export
from workbench.core.transport import create_client, tag

GiB = 1024**3
PUBLIC = """
    - name: auth
      type: authentication
      auth_type: bearer
"""


@pytest.fixture
async def rude() -> AsyncIterator[RudeBodies]:
    running = await RudeBodies().start()
    yield running
    await running.close()


def _steps(endpoint: str) -> str:
    return textwrap.dedent(f"""\
        pre_run_configurations:
          steps:
            - name: "Download"
              type: rest
              endpoint: "{{{{%BASE_URL%}}}}{endpoint}"
        """)


def _exchange(events: list[Event] | EventLog) -> Event:
    return next(e for e in events if e.kind in ("request", "token"))


async def _peak_memory(url: str) -> tuple[int, httpx.Response]:
    """Peak bytes allocated by Python while one GET of `url` runs to its end."""
    log = EventLog()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        async with create_client(log, TransportSettings(timeout=10)) as client:
            response = await client.get(url, extensions=tag("test", "download"))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return peak, response


async def test_a_3_gib_body_costs_no_more_memory_than_a_3_kib_one(rude: RudeBodies) -> None:
    small_peak, small = await _peak_memory(f"{rude.url}/bytes/{3 * 1024}")
    big_peak, big = await _peak_memory(f"{rude.url}/bytes/{3 * GiB}")
    chunked_peak, _chunked = await _peak_memory(f"{rude.url}/bytes/{GiB}?chunked=1")

    assert len(small.content) == 3 * 1024 and not small.truncated  # type: ignore[attr-defined]
    assert len(big.content) == MAX_BODY_BYTES and big.truncated  # type: ignore[attr-defined]
    # What a body may cost is a few copies of the cap, whatever the server sends.
    allowance = 6 * MAX_BODY_BYTES
    assert big_peak < small_peak + allowance, (small_peak, big_peak)
    assert chunked_peak < small_peak + allowance, (small_peak, chunked_peak)
    # Reading stopped at the cap: the server could not push anywhere near a gigabyte.
    assert rude.sent["/bytes/3221225472"] < 64 * 1024 * 1024


async def test_a_1_gib_answer_passes_the_check_and_every_export_says_truncated(
        rude: RudeBodies, tmp_path: Path) -> None:
    log = EventLog()
    result = await check(auth_connector(PUBLIC, steps=_steps(f"/bytes/{GiB}")),
                         {"url": rude.url, "bearer_token": "t0ken"}, log)
    assert result.verdict.ok, result.verdict
    event = _exchange(result.events)
    assert event.response_truncated and event.response_size == GiB
    assert len(event.response_body) == MAX_BODY_BYTES

    entry = to_har(log, log.redactor, creator_version="test")["log"]["entries"][0]
    assert entry["response"]["_truncated"] is True
    assert entry["response"]["bodySize"] == GiB
    assert entry["response"]["content"]["size"] == GiB
    assert f"the first {MAX_BODY_BYTES:,} bytes of {GiB:,} bytes" in \
        entry["response"]["content"]["comment"]
    exported = to_json_export(log, log.redactor, version="test")["events"]
    response = next(e for e in exported if e["kind"] == "request")["response"]
    assert response["truncated"] is True and response["size"] == GiB

    path = tmp_path / "download.yaml"
    path.write_text(textwrap.dedent("""\
        interface_parameters:
          section:
            source:
              - name: url
                type: string
        connector:
          name: Downloads
          base_url: "{url}"
        """) + _steps(f"/bytes/{GiB}"))
    run = await workbench("check", str(path), "--json", "--set", f"url={rude.url}")
    assert run.code == 0, run.stderr
    step = json.loads(run.stdout)["steps"][0]
    assert step["response"]["truncated"] is True and step["response"]["size"] == GiB


async def test_an_endless_stream_is_cut_at_the_cap(rude: RudeBodies) -> None:
    log = EventLog()
    result = await check(auth_connector(PUBLIC, steps=_steps("/endless")),
                         {"url": rude.url, "bearer_token": "t0ken"}, log)
    assert result.verdict.ok, result.verdict
    event = _exchange(result.events)
    assert event.response_truncated and event.response_size is None
    entry = to_har(log, log.redactor, creator_version="test")["log"]["entries"][0]
    assert entry["response"]["bodySize"] == -1
    assert "unknown size" in entry["response"]["content"]["comment"]


async def test_headers_then_silence_is_a_read_timeout(rude: RudeBodies) -> None:
    result = await check(auth_connector(PUBLIC, steps=_steps("/stall")),
                         {"url": rude.url, "bearer_token": "t0ken"},
                         settings=TransportSettings(timeout=1.0, connect_timeout=1.0))
    verdict = result.verdict
    assert verdict.outcome == "network" and verdict.network == "timeout", verdict
    event = _exchange(result.events)
    assert event.status == 200  # the headers came; the body did not
    assert event.response_body == b'{"partial": ' and event.response_truncated
    assert "timed out" in event.error


async def test_a_connection_closed_mid_body_keeps_what_came(rude: RudeBodies) -> None:
    result = await check(auth_connector(PUBLIC, steps=_steps("/cut")),
                         {"url": rude.url, "bearer_token": "t0ken"})
    verdict = result.verdict
    assert verdict.outcome == "network" and verdict.network == "dropped", verdict
    event = _exchange(result.events)
    assert event.status == 200 and event.response_truncated
    assert 0 < len(event.response_body) <= 110 * 1024
    assert event.response_body.startswith(b"[1,1,")
    assert "connection dropped" in event.error


async def test_a_gzip_bomb_inflates_no_further_than_the_cap(rude: RudeBodies) -> None:
    peak, response = await _peak_memory(f"{rude.url}/gzip-bomb")
    assert response.content == b"\0" * MAX_BODY_BYTES
    assert response.truncated  # type: ignore[attr-defined]
    assert peak < 8 * MAX_BODY_BYTES + 2 * 1024 * 1024, peak  # one inflated MiB is 4 caps


async def test_small_gzip_bodies_are_decoded_and_lying_ones_shown_as_sent(
        rude: RudeBodies) -> None:
    log = EventLog()
    async with create_client(log) as client:
        small = await client.get(f"{rude.url}/gzip-small")
        lie = await client.get(f"{rude.url}/gzip-lie")
    assert small.json() == {"hello": "world"}
    assert lie.text == '{"not": "gzip at all"}'
    first, second = list(log)
    assert json.loads(first.response_body) == {"hello": "world"}
    assert not first.response_truncated and first.response_size == len(first.response_body)
    assert second.response_body == b'{"not": "gzip at all"}'


async def test_a_token_endpoint_that_never_stops_is_too_large(rude: RudeBodies) -> None:
    result = await check(auth_connector(oauth_entry("client_credentials", basic=True)),
                         {"url": rude.url, "client_id": "cid", "client_secret": "s3cret-value"})
    verdict = result.verdict
    assert verdict.outcome == "network" and verdict.network == "too_large", verdict
    assert "larger than 256 KiB" in verdict.summary
    assert "token_url" in verdict.hint
    token = _exchange(result.events)
    assert token.kind == "token" and token.response_truncated


async def test_json_readers_say_too_large_instead_of_parsing_a_cut_body(
        rude: RudeBodies) -> None:
    async with create_client(EventLog()) as client:
        response = await client.get(f"{rude.url}/json/{10 * 1024 * 1024}")
    assert response.status_code == 200
    with pytest.raises(BodyTooLarge, match="larger than 256 KiB"):
        response.json()
    with pytest.raises(ValueError):  # what JSON readers already catch
        response.json()


async def test_big_request_bodies_are_sent_whole_and_recorded_up_to_the_cap(
        rude: RudeBodies) -> None:
    payload = b"p" * (5 * 1024 * 1024)

    async def streamed() -> AsyncIterator[bytes]:
        for start in range(0, len(payload), 100_000):
            yield payload[start:start + 100_000]

    log = EventLog()
    async with create_client(log) as client:
        whole = await client.post(f"{rude.url}/upload", content=payload)
        assert whole.json() == {"received": len(payload)}
        stream = await client.post(f"{rude.url}/upload", content=streamed())
        assert stream.json() == {"received": len(payload)}
    for event in log:
        assert event.request_body == payload[:MAX_BODY_BYTES]
        assert event.request_truncated and event.request_size == len(payload)
    entries = to_har(log, log.redactor, creator_version="test")["log"]["entries"]
    assert [e["request"]["bodySize"] for e in entries] == [len(payload)] * 2
    assert all(e["request"]["_truncated"] for e in entries)
