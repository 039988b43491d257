"""A strict stand-in for an API with its own HMAC scheme, as many payment and partner APIs
have: `X-Key-Id`, `X-Timestamp` (Unix seconds, ±300 s), a single-use `X-Nonce`,
`X-Content-SHA256` (hex, must be the body's), and `X-Signature` = base64 HMAC-SHA256 over
METHOD, path with query, timestamp, nonce and the body's hex SHA-256, one per line.

The check is written here from that description, not taken from the client, and every refusal
says which part failed (as good APIs do), since that is what a user must fix.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

from aiohttp import web

KEY_ID = "sandbox-key-1"
SECRET = "hmac-sandbox-secret-3f9a"
WINDOW = 300
SEEN = web.AppKey("seen_nonces", set)

ROUTES = (("GET/POST", "/hmac/…", f"HMAC-SHA256 request signature: key id {KEY_ID}"),)


def _refuse(message: str, status: int = 401) -> web.Response:
    return web.json_response({"error": "invalid_signature", "message": message}, status=status)


async def _handle(request: web.Request) -> web.Response:
    headers = request.headers
    missing = [h for h in ("X-Key-Id", "X-Timestamp", "X-Nonce", "X-Content-SHA256",
                           "X-Signature") if not headers.get(h)]
    if missing:
        return _refuse(f"missing header(s): {', '.join(missing)}")
    if headers["X-Key-Id"] != KEY_ID:
        return _refuse(f"unknown key id {headers['X-Key-Id']!r}")
    try:
        stamp = int(headers["X-Timestamp"])
    except ValueError:
        return _refuse("X-Timestamp must be Unix seconds")
    now = int(time.time())
    if abs(now - stamp) > WINDOW:
        return _refuse(f"X-Timestamp {stamp} is {stamp - now:+d} s from the server's clock "
                       f"({now}); the window is ±{WINDOW} s")
    body = await request.read()
    digest = hashlib.sha256(body).hexdigest()
    if headers["X-Content-SHA256"] != digest:
        return _refuse("X-Content-SHA256 is not the SHA-256 of the body")
    nonce = headers["X-Nonce"]
    if nonce in request.app[SEEN]:
        return _refuse("X-Nonce was used before (a replayed request)")
    signed = "\n".join([request.method, request.raw_path, str(stamp), nonce, digest])
    expected = base64.b64encode(hmac.new(SECRET.encode(), signed.encode(), hashlib.sha256)
                                .digest()).decode()
    if not hmac.compare_digest(expected, headers["X-Signature"]):
        return _refuse("signature mismatch: the server signed METHOD\\nPATH?QUERY\\nTIMESTAMP"
                       "\\nNONCE\\nBODY_SHA256_HEX")
    request.app[SEEN].add(nonce)
    return web.json_response({"key_id": KEY_ID, "path": request.path})


def create_hmac_app() -> web.Application:
    """The stand-in, mounted at /hmac."""
    app = web.Application()
    app[SEEN] = set()
    app.router.add_route("*", "/{tail:.*}", _handle)
    return app
