"""A strict HTTP Digest stand-in (RFC 7616): `/digest/md5/…` offers MD5, `/digest/sha256/…`
only SHA-256, as servers that dropped MD5 do. qop=auth only; the response is verified with the
RFC's own formulas (written here, not the client's); the `uri` must be the request's; a nonce
lives 300 s (then `stale=true`) and its `nc` must grow, so a replayed answer is refused."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time

from aiohttp import web

USERNAME = "digest-user"
PASSWORD = "digest-password-5c1e"
REALM = "sandbox@workbench"
NONCE_LIFETIME = 300.0
_PARAM = re.compile(r'(\w+)=(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))')
_HASHES = {"md5": ("MD5", hashlib.md5), "sha256": ("SHA-256", hashlib.sha256)}

ROUTES = (("GET", "/digest/md5/…", f"HTTP Digest MD5, qop=auth: {USERNAME}"),
          ("GET", "/digest/sha256/…", f"HTTP Digest SHA-256 only, qop=auth: {USERNAME}"))


class _Nonces:
    def __init__(self) -> None:
        self.issued: dict[str, float] = {}
        self.last_nc: dict[str, int] = {}

    def new(self) -> str:
        nonce = secrets.token_hex(16)
        self.issued[nonce] = time.monotonic()
        return nonce


NONCES = web.AppKey("nonces", _Nonces)
OPAQUE = secrets.token_hex(8)


def _challenge(request: web.Request, algorithm: str, stale: bool = False,
               why: str = "authentication required") -> web.Response:
    nonce = request.app[NONCES].new()
    value = (f'Digest realm="{REALM}", qop="auth", algorithm={algorithm}, nonce="{nonce}", '
             f'opaque="{OPAQUE}"' + (", stale=true" if stale else ""))
    return web.json_response({"error": "unauthorized", "message": why}, status=401,
                             headers={"WWW-Authenticate": value})


async def _handle(request: web.Request) -> web.Response:
    kind = request.match_info["kind"]
    if kind not in _HASHES:
        raise web.HTTPNotFound()
    algorithm, hasher = _HASHES[kind]
    header = request.headers.get("Authorization", "")
    if not header.lower().startswith("digest "):
        return _challenge(request, algorithm)
    params = {m.group(1).lower(): m.group(2) if m.group(2) is not None else m.group(3)
              for m in _PARAM.finditer(header[7:])}
    nonces = request.app[NONCES]
    nonce = params.get("nonce", "")
    if params.get("algorithm", "MD5").upper() != algorithm:
        return _challenge(request, algorithm, why=f"algorithm must be {algorithm}")
    if params.get("qop") != "auth" or not params.get("cnonce") or not params.get("nc"):
        return _challenge(request, algorithm, why="qop=auth with cnonce and nc is required")
    if params.get("username") != USERNAME or params.get("realm") != REALM:
        return _challenge(request, algorithm, why="unknown user or realm")
    if params.get("uri") != request.raw_path:
        return web.json_response({"error": "bad_request", "message": "uri does not match the "
                                  "request"}, status=400)
    issued = nonces.issued.get(nonce)
    if issued is None or time.monotonic() - issued > NONCE_LIFETIME:
        return _challenge(request, algorithm, stale=issued is not None, why="nonce unknown "
                          "or expired")
    nc = int(params["nc"], 16)
    if nc <= nonces.last_nc.get(nonce, 0):
        return _challenge(request, algorithm, why="nonce count reused (a replayed answer)")

    def h(text: str) -> str:
        return hasher(text.encode()).hexdigest()

    ha1 = h(f"{USERNAME}:{REALM}:{PASSWORD}")
    ha2 = h(f"{request.method}:{params['uri']}")
    expected = h(f"{ha1}:{nonce}:{params['nc']}:{params['cnonce']}:auth:{ha2}")
    if not hmac.compare_digest(expected, params.get("response", "")):
        return _challenge(request, algorithm, why="wrong password (the response does not match)")
    nonces.last_nc[nonce] = nc
    return web.json_response({"user": USERNAME, "algorithm": algorithm})


def create_digest_app() -> web.Application:
    """The stand-in, mounted at /digest."""
    app = web.Application()
    app[NONCES] = _Nonces()
    app.router.add_route("*", "/{kind}/{tail:.*}", _handle)
    return app
