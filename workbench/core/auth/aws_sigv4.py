"""AWS Signature Version 4: every request signed with the access key (service, region, an
optional session token, an unsigned payload for S3).

The signing is httpx-auth's `AWS4Auth` (small, httpx-native, maintained); botocore's signer
would bring ~100 MB of service data. One fix is ours: for services other than S3, AWS encodes
each path segment twice in the canonical request, which httpx-auth does once, so a path with
a space or a `+` would fail with SignatureDoesNotMatch (the sandbox's stand-in, checked
against botocore, catches it).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING
from urllib.parse import quote

import httpx
from httpx_auth import AWS4Auth

from workbench.core.errors import InputError

if TYPE_CHECKING:
    from workbench.core.auth import AuthContext
    from workbench.core.config.model import Authentication


class SigV4Auth(AWS4Auth):
    """httpx-auth's signer with AWS's double encoding of non-S3 paths."""

    def _canonical_request(self, request: httpx.Request, canonical_headers: str,
                           signed_headers: str) -> str:
        method, uri, rest = super()._canonical_request(
            request, canonical_headers, signed_headers).split("\n", 2)
        if self.service.lower() != "s3":
            uri = quote(uri, safe="/~")  # segments were encoded once; AWS wants them twice
        return "\n".join([method, uri, rest])


def build_sigv4(entry: Authentication, values: Mapping[str, str],
                ctx: AuthContext) -> httpx.Auth:
    """The signer for an aws_sigv4 entry and its form values."""
    settings = entry.aws_sigv4
    access_key = values.get("access_key_id", "")
    secret = values.get("secret_access_key", "")
    token = values.get("session_token", "") or None
    region, service = values.get("region", ""), values.get("service", "")
    for secret_value in (secret, token):
        ctx.redactor.add_value(secret_value)
    if access_key.startswith("ASIA") and not token:
        raise InputError("access_key_id starts with ASIA, a temporary key: it needs its "
                         "session_token (from STS or `aws sts get-session-token`)")
    if not region or not service:
        raise InputError("region and service are needed to sign (e.g. eu-west-1 and "
                         "execute-api, s3, es)")
    unsigned = bool(settings and settings.unsigned_payload)
    if unsigned and service.lower() != "s3":
        raise InputError("unsigned_payload applies to S3 only; other services sign the body")
    mode = "the payload is not signed (UNSIGNED-PAYLOAD)" if unsigned else "the body's SHA-256 "\
        "is signed"
    ctx.note(f"AWS SigV4: service {service}, region {region}, key {access_key}"
             f"{', with a session token' if token else ''}; {mode}.")
    return SigV4Auth(access_key, secret, region, service, security_token=token,
                     enable_payload_signing=not unsigned)
