"""Clocks that disagree: a server whose `Date` is minutes off ours, a token whose JWT times do
not match what the token endpoint said.

Credentials are judged by clocks — token expiry, JWT iat/nbf/exp, webhook timestamps, signed
vendor timestamps — so a skew of minutes makes valid credentials look expired or not yet
valid, and the error says nothing about clocks.
"""

from __future__ import annotations

from collections.abc import Iterable
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from workbench.core.auth.tokens import TokenSet
from workbench.core.events import Event
from workbench.core.jwt import decode_jwt, numeric_date

TOLERANCE = 60.0  # seconds; below this, clocks and network delays are normal
_WHY = ("Token expiry, JWT iat/nbf/exp, webhook timestamps and signed vendor timestamps are "
        "judged by these clocks, so valid credentials can look expired or not yet valid: set "
        "this machine's time (NTP), or tell the server's owner.")


def server_skews(events: Iterable[Event]) -> dict[str, float]:
    """Host → how far its Date header is ahead of our clock (negative: behind), in seconds;
    the largest per host, for responses that carried a readable Date."""
    skews: dict[str, float] = {}
    for event in events:
        date = event.header("date") if event.status is not None else None
        if not date:
            continue
        try:
            server = parsedate_to_datetime(date).timestamp()
        except (TypeError, ValueError, IndexError, OverflowError):
            continue
        # The server stamped its answer somewhere between our send and our receipt.
        ours = event.time + (event.duration_ms or 0.0) / 2000
        host = urlsplit(event.url).netloc or event.url
        skew = server - ours
        if abs(skew) > abs(skews.get(host, 0.0)):
            skews[host] = skew
    return skews


def skew_warnings(events: Iterable[Event]) -> list[str]:
    """One warning per server whose clock is more than TOLERANCE off ours."""
    return [
        f"Clock skew: {host}'s clock is {duration(abs(skew))} "
        f"{'ahead of' if skew > 0 else 'behind'} this machine's (its Date header). {_WHY}"
        for host, skew in server_skews(events).items() if abs(skew) > TOLERANCE
    ]


def token_warnings(token: TokenSet | None, now: float) -> list[str]:
    """A JWT access token whose iat/nbf lie ahead of our clock, or whose exp disagrees with
    the token endpoint's expires_in by more than TOLERANCE."""
    decoded = decode_jwt(token.access_token) if token is not None else None
    if token is None or decoded is None or decoded.claims is None:
        return []
    claims = decoded.claims
    found = []
    issued, not_before = numeric_date(claims.get("iat")), numeric_date(claims.get("nbf"))
    if issued is not None and issued - token.obtained_at > TOLERANCE:
        found.append(f"The access token's iat says it was issued "
                     f"{duration(issued - token.obtained_at)} in the future by this machine's "
                     f"clock: the issuer's clock is ahead of ours. {_WHY}")
    if not_before is not None and not_before - now > TOLERANCE:
        found.append(f"The access token is not valid for another {duration(not_before - now)} "
                     f"(its nbf claim): APIs refuse it until then. {_WHY}")
    expires = decoded.expires_at
    if expires is not None and token.expires_at is not None:
        gap = expires - token.expires_at
        if abs(gap) > TOLERANCE:
            lifetime = round(token.expires_at - token.obtained_at)
            found.append(
                f"The token endpoint said the token lives {lifetime} s (expires_in), but its "
                f"JWT exp ends it {duration(abs(gap))} {'later' if gap > 0 else 'earlier'} by "
                "this machine's clock: the issuer's clock differs from ours, or exp and "
                "expires_in disagree. APIs go by exp.")
    return found


def duration(seconds: float) -> str:
    """Seconds as words: '45 s', '1 min 30 s', '5 min', '2 h 10 min'. Past two minutes,
    whole minutes: Date headers and JWT times have second resolution, and requests take time."""
    whole = round(seconds) if seconds < 120 else 60 * round(seconds / 60)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    if minutes:
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    return f"{secs} s"
