"""The CLI's stdout and stderr for one run: every line redacted, stripped and capped.

The backstop behind every producer: whatever is printed — reports, prompts, tracebacks, a
library's own output — passes the run's Redactor line by line (so a secret split over two
`write` calls of one line is still whole when it is masked) and `terminal_text.printable`.
With `--json`, stdout is reserved for the one JSON object: the command's other output goes to
stderr, and the object is written once at the end by `emit_json`.
"""

from __future__ import annotations

import io
import json
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import TextIO

from workbench.core.redaction import Redactor, redact_with_all
from workbench.core.terminal_text import printable

PENDING_LIMIT = 1 << 20  # a "line" that never ends is written out in pieces this long


class RedactingStream(io.TextIOBase):
    """A line-buffered text stream that cleans each line before it reaches `target`."""

    def __init__(self, target: TextIO, redactor: Redactor) -> None:
        super().__init__()
        self.target = target
        self._redactor = redactor
        self._pending = ""
        self._lock = threading.Lock()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self.target, "encoding", "utf-8") or "utf-8"

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return self.target.isatty()

    def fileno(self) -> int:
        return self.target.fileno()

    def write(self, text: str) -> int:
        with self._lock:
            self._pending += text
            if "\n" in self._pending:
                complete, _, self._pending = self._pending.rpartition("\n")
                self._emit(complete + "\n")
            if len(self._pending) > PENDING_LIMIT:
                self._emit(self._pending)
                self._pending = ""
        return len(text)

    def flush(self) -> None:
        with self._lock:
            if self._pending:  # a prompt waiting for its answer
                self._emit(self._pending)
                self._pending = ""
            self.target.flush()

    def write_json(self, data: object) -> None:
        """The final JSON object: every string in it redacted (as values, so the masking can
        never break the JSON), never cut; `json.dumps` escapes every control character."""
        text = json.dumps(self._redactor.scrub(data), indent=2) + "\n"
        with self._lock:
            self.target.write(text)
            self.target.flush()

    def _emit(self, text: str) -> None:
        self.target.write(printable(redact_with_all(text, self._redactor)))


class RunStreams:
    """The redacting stdout and stderr of one CLI run, and where the JSON object goes."""

    def __init__(self, redactor: Redactor) -> None:
        self.stdout = RedactingStream(sys.stdout, redactor)
        self.stderr = RedactingStream(sys.stderr, redactor)

    def emit_json(self, data: object) -> None:
        self.stderr.flush()
        self.stdout.flush()
        self.stdout.write_json(data)


@contextmanager
def redacting_streams(redactor: Redactor, *, json_mode: bool = False) -> Iterator[RunStreams]:
    """Install the redacting streams for the run; with `json_mode`, print() goes to stderr."""
    saved = sys.stdout, sys.stderr
    streams = RunStreams(redactor)
    sys.stdout = streams.stderr if json_mode else streams.stdout
    sys.stderr = streams.stderr
    try:
        yield streams
    finally:
        for stream in (streams.stdout, streams.stderr):
            with suppress(OSError, ValueError):
                stream.flush()
        sys.stdout, sys.stderr = saved
