"""A strict API in front of the real oidc-provider, as resource servers are: it asks the
provider (RFC 7662 introspection, or the JWKS for JWT access tokens) whether the token is
active and for this API (`aud`), and answers 401 with a Bearer challenge otherwise."""

from __future__ import annotations

import httpx
from aiohttp import web
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from tests.support.oidc import Provider
from tests.support.recording_server import RecordingServer, Seen

INTROSPECTOR = ("workbench", "workbench-secret")


def _refuse(description: str) -> web.Response:
    return web.json_response({"error": "invalid_token"}, status=401, headers={
        "WWW-Authenticate": f'Bearer error="invalid_token", error_description="{description}"'})


async def _claims(provider: Provider, token: str) -> dict[str, object] | None:
    async with httpx.AsyncClient(timeout=5) as client:
        if token.count(".") == 2:
            keys = KeySet.import_key_set((await client.get(f"{provider.issuer}/jwks")).json())
            try:
                return dict(jwt.decode(token, keys, algorithms=["RS256"]).claims)
            except (JoseError, ValueError):
                return None
        answer = await client.post(f"{provider.issuer}/token/introspection",
                                   data={"token": token}, auth=INTROSPECTOR)
    claims = dict(answer.json())
    return claims if claims.get("active") else None


def protect(server: RecordingServer, provider: Provider, path: str = "/me",
            audience: str | None = None) -> None:
    """Serve GET `path` only for an active token (for `audience`, when given)."""

    async def handle(seen: Seen) -> web.Response:
        scheme, _, token = (seen.header("authorization") or "").partition(" ")
        if scheme.lower() not in ("bearer", "dpop") or not token:
            return web.json_response({"error": "no token"}, status=401,
                                     headers={"WWW-Authenticate": 'Bearer realm="api"'})
        claims = await _claims(provider, token)
        if claims is None:
            return _refuse("token is not active")
        aud = claims.get("aud")
        auds = aud if isinstance(aud, list) else [aud]
        if audience is not None and audience not in auds:
            return _refuse(f"token audience {aud} is not {audience}")
        return web.json_response({"client_id": claims.get("client_id"), "aud": aud})

    server.route("GET", path, handle)
