"""Copy as curl: one recorded request as a POSIX-shell command that sends the same bytes.

Redacted by default, so the command shows `[redacted]` where secrets were and is plainly not
runnable until the user reveals it. Headers curl computes itself are left to curl.
"""

from __future__ import annotations

import shlex

from workbench.core.events import Event
from workbench.core.redaction import Redactor

# curl sets these from the URL, the body and --compressed; copying them would only conflict.
SKIPPED_HEADERS = frozenset({"host", "content-length", "accept-encoding", "connection"})
_GLOB_CHARACTERS = frozenset("[]{}")
SEPARATOR = " \\\n  "


def to_curl(event: Event, redactor: Redactor | None) -> str:
    """The request of `event` as a curl command; values redacted unless `redactor` is None."""
    if event.kind == "note" or not event.method:
        raise ValueError("only HTTP events can be copied as curl; this one has no request")
    shown = event.render(redactor)  # the one way an event leaves: redacted unless revealed
    method = event.method.upper()
    body: str = shown["request"]["body"]
    url: str = shown["url"]
    lines = ["curl"]
    if method == "HEAD" and not body:
        lines.append("--head")  # -X HEAD would make curl wait for a body that never comes
    elif method != "GET" or body:
        lines.append(_option("-X", method))
    accept_encoding = event.header("accept-encoding", response=False) or ""
    if "gzip" in accept_encoding.lower():
        lines.append("--compressed")
    if _GLOB_CHARACTERS & set(url):
        lines.append("--globoff")  # [redacted] or an IPv6 host is not a curl URL range
    for name, value in shown["request"]["headers"]:
        if name.lower() in SKIPPED_HEADERS:
            continue
        # "Name:" tells curl to drop a header; "Name;" sends it with an empty value.
        lines.append(_option("-H", f"{name}: {value}" if value else f"{name};"))
    if body:
        if event.header("content-type", response=False) is None:
            lines.append(_option("-H", "Content-Type:"))  # else curl adds a form type
        # --data-binary reads a file when the data starts with "@"; --data-raw never does.
        flag = "--data-raw" if body.startswith("@") else "--data-binary"
        lines.append(_option(flag, body))
    lines.append(shlex.quote(url))
    return SEPARATOR.join(lines)


def _option(flag: str, value: str) -> str:
    return f"{flag} {shlex.quote(value)}"
