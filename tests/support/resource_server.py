"""A strict API in front of the real oidc-provider, as resource servers are: it asks the
provider (RFC 7662 introspection, or the JWKS for JWT access tokens) whether the token is
active and for this API (`aud`), and answers 401 with a Bearer challenge otherwise."""

from __future__ import annotations

import base64
import hashlib

import httpx
from aiohttp import web
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, KeySet

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


def _dpop_problem(seen: Seen, url: str, token: str, jkt: str, nonce: str) -> str | None:
    """Why the DPoP proof does not bind this request to this token (RFC 9449 §4.3, §7.1)."""
    proof = seen.header("dpop")
    if not proof:
        return "no DPoP proof"
    try:
        header = jwt.decode(proof, ECKey.import_key(_jwk(proof)), algorithms=["ES256"])
    except (JoseError, ValueError) as exc:
        return f"proof does not verify ({exc})"
    key = ECKey.import_key(_jwk(proof))
    claims = header.claims
    ath = base64.urlsafe_b64encode(hashlib.sha256(token.encode()).digest()).rstrip(b"=").decode()
    if header.header.get("typ") != "dpop+jwt" or key.thumbprint() != jkt:
        return "proof key is not the token's"
    if claims.get("htm") != seen.method or claims.get("htu") != url or claims.get("ath") != ath:
        return "proof is for another request or token"
    return None if claims.get("nonce") == nonce else "nonce"


def _jwk(proof: str) -> dict[str, str]:
    import json
    head = proof.split(".")[0]
    return dict(json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))["jwk"])


def protect(server: RecordingServer, provider: Provider, path: str = "/me",
            audience: str | None = None, dpop_nonce: str = "api-nonce-1") -> None:
    """Serve GET `path` only for an active token (for `audience`, when given); a DPoP-bound
    token only with a proof for it carrying this API's own nonce."""

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
        cnf = claims.get("cnf")
        if isinstance(cnf, dict) and "jkt" in cnf:
            problem = _dpop_problem(seen, server.url + path, token, str(cnf["jkt"]), dpop_nonce)
            if problem == "nonce":
                return web.json_response({"error": "use_dpop_nonce"}, status=401, headers={
                    "WWW-Authenticate": 'DPoP error="use_dpop_nonce", algs="ES256"',
                    "DPoP-Nonce": dpop_nonce})
            if problem is not None or scheme.lower() != "dpop":
                return web.json_response({"error": "invalid_dpop_proof"}, status=401, headers={
                    "WWW-Authenticate": f'DPoP error="invalid_dpop_proof", '
                                        f'error_description="{problem or "Bearer scheme"}"'})
        return web.json_response({"client_id": claims.get("client_id"), "aud": aud})

    server.route("GET", path, handle)
