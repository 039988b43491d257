"""HTTP Digest (RFC 7616; MD5 and SHA-256, qop=auth): httpx's own `DigestAuth`, which answers
the server's challenge (one request more) and counts `nc` itself. Ours is only the note of
which algorithm the server asked for, since a server offering only SHA-256 to an old client
(or MD5 to a new one) is the usual mismatch."""

from __future__ import annotations

from collections.abc import Generator, Mapping
from typing import TYPE_CHECKING

import httpx

from workbench.core.www_authenticate import parse_challenges

if TYPE_CHECKING:
    from workbench.core.auth import AuthContext
    from workbench.core.config.model import Authentication


class Digest(httpx.DigestAuth):
    """httpx.DigestAuth that notes the challenge it answered."""

    def __init__(self, username: str, password: str, ctx: AuthContext) -> None:
        super().__init__(username, password)
        self._ctx = ctx

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        flow = super().auth_flow(request)
        response = yield next(flow)
        challenges = parse_challenges(response.headers.get_list("www-authenticate"))
        digest = next((c for c in challenges if c.is_scheme("digest")), None)
        if response.status_code == 401 and digest is not None:
            self._ctx.note(f"Digest challenge: algorithm {digest.param('algorithm') or 'MD5'}, "
                           f"qop {digest.param('qop') or 'none'}, realm "
                           f"{digest.param('realm')!r}; answering it.")
        try:
            while True:
                response = yield flow.send(response)
        except StopIteration:
            return


def build_digest(entry: Authentication, values: Mapping[str, str],
                 ctx: AuthContext) -> httpx.Auth:
    """Digest with the form's username and password."""
    ctx.redactor.add_value(values.get("password"))
    return Digest(values.get("username", ""), values.get("password", ""), ctx)
