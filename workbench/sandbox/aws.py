"""A strict AWS Signature Version 4 stand-in: an API Gateway (`execute-api`) and an S3 bucket.

It verifies signatures with the algorithm as AWS documents it (canonical request, string to
sign, the derived signing key), written here independently of the client, and refuses like
AWS: a signature that does not match (with the canonical request and string to sign AWS would
have used, as API Gateway and S3 show them), an unknown key, a temporary key without its
session token, a clock more than 15 minutes off, a credential scoped to another region or
service, a payload hash that is not the body's (UNSIGNED-PAYLOAD only for S3).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import datetime, timedelta, timezone
from html import escape
from posixpath import normpath
from urllib.parse import quote, unquote

from aiohttp import web

ACCESS_KEY_ID = "AKIAWORKBENCHSANDBOX"
SECRET_ACCESS_KEY = "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"
TEMP_ACCESS_KEY_ID = "ASIAWORKBENCHSANDBOX"
TEMP_SECRET_ACCESS_KEY = "tEmPoRaRySaNdBoXsEcReTkEy/7wQ2pLmN0vXyZ"
SESSION_TOKEN = "IQoJb3JpZ2luX2VjEPT//////////wEaCWV1LXdlc3QtMSJHMEUCIQDsandbox"
REGION = "eu-west-1"
SKEW = timedelta(minutes=15)
UNSIGNED = "UNSIGNED-PAYLOAD"
_KEYS = {ACCESS_KEY_ID: (SECRET_ACCESS_KEY, None),
         TEMP_ACCESS_KEY_ID: (TEMP_SECRET_ACCESS_KEY, SESSION_TOKEN)}
_AUTH = re.compile(r"AWS4-HMAC-SHA256 Credential=([^,]+),\s*SignedHeaders=([^,]+),"
                   r"\s*Signature=([0-9a-f]{64})$")

ROUTES = (
    ("GET", "/aws/execute-api/…", f"AWS SigV4 (execute-api, {REGION}): {ACCESS_KEY_ID}, or "
     f"{TEMP_ACCESS_KEY_ID} with its session token"),
    ("GET/PUT", "/aws/s3/…", f"AWS SigV4 (s3, {REGION}); UNSIGNED-PAYLOAD allowed"),
)


class Refusal(Exception):
    """An AWS error: HTTP status, code, message, and extra elements (the canonical request)."""

    def __init__(self, status: int, code: str, message: str, **extra: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.extra = status, code, message, extra


def uri_encode(text: str, *, keep_slash: bool = False) -> str:
    """RFC 3986 encoding as SigV4 wants it: every byte but A-Z a-z 0-9 - _ . ~ (and '/')."""
    return quote(text, safe="-_.~" + ("/" if keep_slash else ""))


def canonical_uri(raw_path: str, service: str) -> str:
    path = unquote(raw_path) or "/"
    if service == "s3":
        return uri_encode(path, keep_slash=True)  # S3: encoded once, never normalised
    normal = normpath(path) if path != "/" else "/"
    if path.endswith("/") and not normal.endswith("/"):
        normal += "/"
    normal = "/" + normal.lstrip("/")
    return uri_encode(uri_encode(normal, keep_slash=True), keep_slash=True)  # encoded twice


def canonical_query(raw_query: str) -> str:
    pairs = []
    for part in raw_query.split("&") if raw_query else []:
        name, _, value = part.partition("=")
        pairs.append((uri_encode(unquote(name.replace("+", " "))),
                      uri_encode(unquote(value.replace("+", " ")))))
    return "&".join(f"{k}={v}" for k, v in sorted(pairs))


def signing_key(secret: str, day: str, region: str, service: str) -> bytes:
    key = ("AWS4" + secret).encode()
    for part in (day, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


async def verify(request: web.Request, service: str) -> None:
    """Raise Refusal unless `request` is signed as AWS would accept it."""
    header = request.headers.get("Authorization", "")
    if not header:
        raise Refusal(403, "MissingAuthenticationToken", "Missing Authentication Token")
    match = _AUTH.match(header)
    if match is None:
        raise Refusal(400, "IncompleteSignature", "Authorization header requires 'Credential', "
                      "'SignedHeaders' and 'Signature' parameters (AWS4-HMAC-SHA256).")
    credential, signed_names, signature = match.groups()
    parts = credential.split("/")
    if len(parts) != 5 or parts[4] != "aws4_request":
        raise Refusal(400, "IncompleteSignature", f"Credential {credential!r} is malformed.")
    access_key, day, region, scoped_service, _ = parts
    if access_key not in _KEYS:
        raise Refusal(403, "InvalidClientTokenId", "The security token included in the request "
                      "is invalid.")
    secret, needs_token = _KEYS[access_key]
    if needs_token is not None and request.headers.get("X-Amz-Security-Token") != needs_token:
        raise Refusal(403, "InvalidClientTokenId", "The security token included in the request "
                      "is invalid.")
    if region != REGION:
        raise Refusal(403, "SignatureDoesNotMatch", f"Credential should be scoped to a valid "
                      f"region, not '{region}'.")
    if scoped_service != service:
        raise Refusal(403, "SignatureDoesNotMatch", f"Credential should be scoped to correct "
                      f"service: '{service}'.")
    names = signed_names.split(";")
    if "host" not in names or "x-amz-date" not in names:
        raise Refusal(403, "SignatureDoesNotMatch", "'Host' and 'X-Amz-Date' must be signed.")
    stamp = request.headers.get("X-Amz-Date", "")
    try:
        moment = datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
    except ValueError:
        raise Refusal(403, "IncompleteSignature", "X-Amz-Date is missing or not "
                      "yyyyMMddTHHmmssZ.") from None
    now = datetime.now(timezone.utc)
    if abs(now - moment) > SKEW:
        raise Refusal(403, "RequestTimeTooSkewed", f"Signature expired: {stamp} is now earlier "
                      f"than {(now - SKEW):%Y%m%dT%H%M%SZ} ({now:%Y%m%dT%H%M%SZ} - 15 min.)"
                      if moment < now else f"Signature not yet current: {stamp} is still later "
                      f"than {(now + SKEW):%Y%m%dT%H%M%SZ}.")
    if day != stamp[:8]:
        raise Refusal(403, "SignatureDoesNotMatch", f"Credential date {day} is not the date of "
                      f"X-Amz-Date {stamp}.")
    body = await request.read()
    claimed = request.headers.get("X-Amz-Content-SHA256")
    actual = hashlib.sha256(body).hexdigest()
    if service == "s3" and claimed is None:
        raise Refusal(400, "InvalidRequest", "Missing required header for this request: "
                      "x-amz-content-sha256")
    if claimed not in (None, actual) and not (claimed == UNSIGNED and service == "s3"):
        raise Refusal(400, "XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' "
                      "header does not match what was computed.")
    payload = claimed if claimed is not None else actual
    headers = "".join(f"{name}:{' '.join(request.headers.get(name, '').split())}\n"
                      for name in names)
    raw_path, _, raw_query = request.raw_path.partition("?")
    canonical = "\n".join([request.method, canonical_uri(raw_path, service),
                           canonical_query(raw_query), headers, signed_names, payload])
    scope = f"{day}/{region}/{service}/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", stamp, scope,
                         hashlib.sha256(canonical.encode()).hexdigest()])
    expected = hmac.new(signing_key(secret, day, region, service), to_sign.encode(),
                        hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature):
        raise Refusal(403, "SignatureDoesNotMatch", "The request signature we calculated does "
                      "not match the signature you provided. Check your AWS Secret Access Key "
                      "and signing method. Consult the service documentation for details.",
                      CanonicalRequest=canonical, StringToSign=to_sign)


def _api_gateway_error(refusal: Refusal) -> web.Response:
    message = refusal.message
    if "CanonicalRequest" in refusal.extra:
        message += ("\n\nThe Canonical String for this request should have been\n'"
                    f"{refusal.extra['CanonicalRequest']}'\n\nThe String-to-Sign should have "
                    f"been\n'{refusal.extra['StringToSign']}'\n")
    return web.json_response({"message": message}, status=refusal.status,
                             headers={"x-amzn-ErrorType": refusal.code})


def _s3_error(refusal: Refusal) -> web.Response:
    extra = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in refusal.extra.items())
    body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{refusal.code}</Code>'
            f"<Message>{escape(refusal.message)}</Message>{extra}</Error>")
    return web.Response(text=body, status=refusal.status, content_type="application/xml")


async def _execute_api(request: web.Request) -> web.Response:
    try:
        await verify(request, "execute-api")
    except Refusal as refusal:
        return _api_gateway_error(refusal)
    return web.json_response({"ok": True, "path": request.path, "caller": _caller(request)})


async def _s3(request: web.Request) -> web.Response:
    try:
        await verify(request, "s3")
    except Refusal as refusal:
        return _s3_error(refusal)
    if request.method == "PUT":
        return web.Response(status=200, headers={"ETag": '"sandbox"'})
    return web.Response(text='<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult>'
                        "<Name>sandbox</Name></ListBucketResult>", content_type="application/xml")


def _caller(request: web.Request) -> str:
    match = _AUTH.match(request.headers.get("Authorization", ""))
    return match.group(1).split("/")[0] if match else ""


def create_aws_app() -> web.Application:
    """The stand-ins, mounted at /aws."""
    app = web.Application()
    app.router.add_route("*", "/execute-api/{tail:.*}", _execute_api)
    app.router.add_route("*", "/s3/{tail:.*}", _s3)
    return app
