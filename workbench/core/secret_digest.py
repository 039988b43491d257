"""Compare secrets without showing them: a digest says "same" or "different", never the value.

Digests are computed in memory from the unredacted exchanges and never printed or written;
only the verdict "same secret" / "different secret" leaves the process.
"""

from __future__ import annotations

import hashlib

from workbench.core.redaction import REDACTED


def digest(value: str | None) -> str | None:
    """A SHA-256 of `value`; None when there is nothing to compare (absent, or redacted)."""
    if not value or REDACTED in value:
        return None
    return hashlib.sha256(value.encode("utf-8", errors="surrogatepass")).hexdigest()


def compare(a: str | None, b: str | None) -> str:
    """'same secret', 'different secret', 'only in A', 'only in B', 'not comparable' (one was
    redacted before we saw it) or '' when neither has one."""
    if a is None and b is None:
        return ""
    if a is None:
        return "only in B"
    if b is None:
        return "only in A"
    da, db = digest(a), digest(b)
    if da is None or db is None:
        return "not comparable (redacted before import)"
    return "same secret" if da == db else "different secret"
