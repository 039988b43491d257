"""The event log is bounded by count and by bytes; the oldest go first, and a note says so."""

from __future__ import annotations

from workbench.core.events import (
    DEFAULT_MAX_BYTES,
    MAX_BODY_BYTES,
    MIN_MAX_BYTES,
    Event,
    EventLog,
)

MiB = 1024 * 1024


def _exchange(number: int, body_size: int = 200 * 1024) -> Event:
    return Event(kind="request", method="GET", url=f"http://127.0.0.1:9/{number}", status=200,
                 response_headers=[("Content-Type", "text/plain")],
                 response_body=b"b" * body_size, step=f"step {number}")


def _drop_notes(log: EventLog) -> list[Event]:
    return [e for e in log if e.kind == "note" and "Older events were dropped" in e.message]


def test_bodies_count_towards_a_byte_bound_and_the_oldest_go_first() -> None:
    log = EventLog(max_bytes=2 * MiB)
    appended: list[Event] = []
    log.subscribe(appended.append)
    for number in range(30):  # 30 × 200 KiB = 6 MiB offered
        log.append(_exchange(number))

    assert log.retained_bytes <= 2 * MiB
    assert log.retained_bytes == sum(e.retained_bytes() for e in log)
    kept = [e for e in log if e.kind == "request"]
    numbers = [int(e.step.split()[1]) for e in kept]
    assert numbers == list(range(30 - len(numbers), 30))  # the newest, in order
    assert 7 <= len(kept) <= 10
    assert log.dropped == len(appended) - len(log)
    assert len(_drop_notes(log)) == 1


def test_a_note_says_older_events_were_dropped_once_not_per_event() -> None:
    log = EventLog(capacity=100)
    appended: list[Event] = []
    log.subscribe(appended.append)
    for number in range(1000):
        log.append(_exchange(number, body_size=10))

    notes = _drop_notes(log)
    assert len(notes) == 1  # one retained at a time, however many were dropped
    assert "100 events" in notes[0].message and "128 MiB" in notes[0].message
    # A new note comes only when the previous one has dropped off: one per ~100 events.
    assert 1 < sum(e.kind == "note" for e in appended) <= 1000 // 90
    assert len(log) == 100
    assert log.dropped == len(appended) - 100


def test_nothing_dropped_means_no_note() -> None:
    log = EventLog(capacity=10)
    for number in range(10):
        log.append(_exchange(number, body_size=10))
    assert _drop_notes(log) == [] and log.dropped == 0


def test_listeners_see_the_note_after_the_event_that_caused_it() -> None:
    log = EventLog(capacity=3)
    seen: list[str] = []
    log.subscribe(lambda event: seen.append(event.kind))
    for number in range(4):
        log.append(_exchange(number, body_size=10))
    assert seen == ["request"] * 4 + ["note"]
    assert [e.kind for e in log] == ["request", "request", "note"]


def test_a_body_appended_past_the_cap_is_cut_and_marked() -> None:
    log = EventLog()
    event = log.append(Event(kind="webhook", method="POST", url="http://127.0.0.1:9/hook",
                             request_body=b"w" * (MAX_BODY_BYTES + 5)))
    assert len(event.request_body) == MAX_BODY_BYTES
    assert event.request_truncated and event.request_size == MAX_BODY_BYTES + 5
    rendered = event.render(log.redactor)
    assert rendered["request"]["truncated"] is True
    assert rendered["request"]["size"] == MAX_BODY_BYTES + 5


def test_the_bounds_have_sane_floors_and_defaults() -> None:
    assert 64 * MiB <= DEFAULT_MAX_BYTES <= 128 * MiB
    tiny = EventLog(capacity=0, max_bytes=1)
    assert tiny.capacity >= 2 and tiny.max_bytes == MIN_MAX_BYTES
    full = tiny.append(_exchange(1, body_size=MAX_BODY_BYTES))
    assert full in list(tiny)  # an event with a full body always fits, with its note


def test_clear_forgets_the_bytes_and_the_drops() -> None:
    log = EventLog(capacity=5)
    for number in range(20):
        log.append(_exchange(number, body_size=10))
    log.clear()
    assert len(log) == 0 and log.retained_bytes == 0 and log.dropped == 0
    log.append(_exchange(99, body_size=10))
    assert _drop_notes(log) == []
