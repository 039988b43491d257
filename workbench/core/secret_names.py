"""Which headers and fields hold secrets, by name: the defaults every run starts with.

A connector adds its own (its API-key header or query parameter); `Redactor.is_sensitive_key`
also treats every key ending in a secret-sounding word as one.
"""

from __future__ import annotations

SENSITIVE_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
        "x-api-key",
        "api-key",
        "apikey",
        "x-auth-token",
        "x-access-token",
        "x-session-token",
        "x-csrf-token",
        "dpop",  # a proof: short-lived and bound, but it carries the token's hash and a nonce
        "x-amz-security-token",  # AWS session tokens
    }
)
SENSITIVE_KEYS = frozenset(
    {
        "client_secret",
        "password",
        "passwd",
        "pwd",
        "access_token",
        "refresh_token",
        "id_token",
        "code_verifier",
        "device_code",
        "api_key",
        "apikey",
        "token",
        "secret",
        "client_assertion",
        "assertion",
        "private_key",
        "session_token",
        "ticket",
        "session",
        "sessionid",
        "jsessionid",
        "otp",
    }
)
# Keys ending so are secrets too (consumerToken, employeeToken, webhook_secret, AccessToken),
# compared without case, `_` and `-`; token_type and expires_in stay visible.
SENSITIVE_SUFFIXES = ("token", "secret", "password", "apikey", "ticket", "privatekey",
                      "codeverifier", "devicecode", "assertion")
# Masked in URLs and form bodies, where OAuth authorization codes travel; in JSON, "code" is
# usually an error code worth seeing.
FORM_ONLY_KEYS = frozenset({"code"})


def normalized_key(name: str) -> str:
    """Keys compare without case, `_` and `-`: `AccessToken`, `access_token`, `access-token`."""
    return name.lower().replace("_", "").replace("-", "")
