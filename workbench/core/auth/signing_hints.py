"""Hints for APIs that refused a signed request (AWS SigV4, HTTP Digest, HMAC), from what they
said: AWS's error codes and messages, a Digest challenge's `stale`, an API's own words."""

from __future__ import annotations

import re

import httpx

from workbench.core.www_authenticate import parse_challenges

_AWS = [
    (r"scoped to a valid region", "The credential is scoped to another region than the "
     "endpoint's: set region to the endpoint's (the one in its host name, e.g. eu-west-1)."),
    (r"scoped to correct service", "The credential is scoped to another service: set service "
     "to the endpoint's signing name (execute-api for API Gateway, s3, es for OpenSearch)."),
    (r"ExpiredToken|security token included in the request is expired", "The session token "
     "has expired: temporary credentials live minutes to hours; get new ones (STS, SSO)."),
    (r"RequestTimeTooSkewed|Signature expired|Signature not yet current", "AWS judged the "
     "signature by its clock, which differs from this machine's by more than 15 minutes: "
     "sync this machine's clock (NTP)."),
    (r"InvalidClientTokenId|UnrecognizedClient|InvalidAccessKeyId|security token included in "
     r"the request is invalid", "AWS does not know this access key, or it is a temporary key "
     "(ASIA…) whose session token is missing or wrong: check access_key_id, and give the "
     "session token that came with a temporary key."),
    (r"SignatureDoesNotMatch|signature we calculated does not match", "The signature does not "
     "match: the secret access key is wrong, or the request changed after signing (a proxy "
     "rewriting the path, query or Host). AWS's answer shows the canonical request it "
     "expected: compare it with the request in the log."),
    (r"MissingAuthenticationToken|Missing Authentication Token", "The request arrived "
     "unsigned, or API Gateway has no such resource (it says the same for a wrong path or "
     "stage): check base_url and the path."),
]


def signing_hint(response: httpx.Response, auth_type: str | None) -> str | None:
    """The fix for a refused signed request, or None for other schemes."""
    if auth_type == "aws_sigv4":
        said = f"{response.headers.get('x-amzn-errortype', '')} {response.text[:4000]}"
        return next((hint for pattern, hint in _AWS if re.search(pattern, said)), None)
    if auth_type == "digest":
        challenges = parse_challenges(response.headers.get_list("www-authenticate"))
        digest = next((c for c in challenges if c.is_scheme("digest")), None)
        if digest is None:
            return None
        if (digest.param("stale") or "").lower() == "true":
            return ("The server's nonce went stale between the challenge and the answer: run "
                    "again (a fresh challenge is answered at once).")
        algorithm = digest.param("algorithm") or "MD5"
        return (f"The Digest answer was refused: the user name or password is wrong for realm "
                f"{digest.param('realm')!r} (algorithm {algorithm}; the password itself never "
                "travels, so only the server knows which is wrong).")
    if auth_type == "hmac":
        return ("The API refused the signature. Compare the string to sign in the log with the "
                "API's documentation (order of the parts, separator, path with or without the "
                "query, body hash hex or base64), check key_encoding (a key shown as base64 is "
                "usually meant as its bytes) and this machine's clock.")
    return None
