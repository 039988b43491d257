"""Where one run ends and the next begins in a session's log, for "pick two runs".

A check's exchanges follow each other within milliseconds; the next run starts when the user
clicks again, seconds later. So a run is a stretch of events with no pause longer than
`GAP` between one event's end and the next one's start.
"""

from __future__ import annotations

from collections.abc import Sequence

from workbench.core.events import Event

GAP = 2.0  # seconds of quiet that separate two runs


def run_around(events: Sequence[Event], index: int, gap: float = GAP) -> tuple[int, int]:
    """(first, last) positions of the run that holds `events[index]`, both inclusive."""
    if not 0 <= index < len(events):
        raise IndexError(index)
    first = index
    while first > 0 and _pause(events[first - 1], events[first]) <= gap:
        first -= 1
    last = index
    while last + 1 < len(events) and _pause(events[last], events[last + 1]) <= gap:
        last += 1
    return first, last


def _pause(before: Event, after: Event) -> float:
    return after.time - (before.time + (before.duration_ms or 0.0) / 1000)
