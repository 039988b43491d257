"""The Deck connection an EnsureConnection opened: its access token, and its idle clock.

Deck closes a connection that runs no job for a while (10 minutes in its headless guide,
1 hour elsewhere: a setting). The app keeps the token here, not in a widget: the form's field
only shows it, and every job takes it from here.
"""

from __future__ import annotations

import time
from collections.abc import Callable


class DeckConnection:
    """An access token and when the connection it opened last ran a job (None: not known to
    be open in this session, though a saved token may still work)."""

    def __init__(self, idle_minutes: int = 10, access_token: str = "",
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.idle_minutes = idle_minutes
        self.access_token = access_token
        self._clock = clock
        self._last_job: float | None = None

    @property
    def has_token(self) -> bool:
        return bool(self.access_token.strip())

    @property
    def known_open(self) -> bool:
        """A job ran on it in this session, so the idle clock is running."""
        return self._last_job is not None

    def opened(self, access_token: str) -> None:
        """EnsureConnection returned this token: the connection is open from now."""
        self.access_token = access_token
        self.used()

    def used(self) -> None:
        """A job ran on the connection: its idle clock starts again."""
        self._last_job = self._clock()

    def stop_clock(self) -> None:
        """No longer known to be open (another account was shown); the token stays."""
        self._last_job = None

    def closed(self) -> None:
        """CloseConnection ended it: the token is dead."""
        self.access_token = ""
        self._last_job = None

    def seconds_left(self) -> int | None:
        """Until Deck closes it if idle; None while not known to be open."""
        if self._last_job is None:
            return None
        return int(self._last_job + self.idle_minutes * 60 - self._clock())

    def status(self) -> str:
        """The connection in a line: none, open with its countdown, or probably closed."""
        left = self.seconds_left()
        if left is None:
            return ("Open connection: none known (a saved access token may still work)."
                    if self.has_token else "No open connection.")
        if left <= 0:
            return (f"Idle for {self.idle_minutes} min: Deck has probably closed the "
                    "connection; run EnsureConnection again.")
        return f"Connection open · closes in {left // 60}:{left % 60:02d} if idle"
