"""The sandbox's well-known credentials.

These are public demo values for the local sandbox only: they are printed on its index page and
baked into the bundled `connectors/sandbox/*.yaml` files so every auth flow works out of the box.
They protect nothing; never reuse them (or this pattern of shipping secrets) anywhere real.
"""

from __future__ import annotations

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
REALM = "workbench-sandbox"

BEARER_TOKEN = "sandbox-bearer-token-4f9c2a7e"
"""Static token for `GET /api/bearer/me` (`Authorization: Bearer <token>`)."""

BASIC_USERNAME = "sandbox-user"
BASIC_PASSWORD = "sandbox-password-8d3b"
"""Username and password for `GET /api/basic/me` (HTTP Basic, RFC 7617)."""

API_KEY = "sandbox-api-key-71e5c0d2"
API_KEY_HEADER = "X-API-Key"
API_KEY_QUERY_PARAM = "api_key"
"""One key, read from the `X-API-Key` header on one route and `?api_key=` on another."""

OAUTH_CLIENT_ID = "sandbox-client"
OAUTH_CLIENT_SECRET = "sandbox-client-secret-2b6a"
"""A confidential OAuth2 client registered with `POST /oauth/token`."""

OAUTH_SCOPES = ("api:read", "api:write")
"""Every scope the sandbox knows; `api:read` is what `GET /api/oauth/me` requires."""

OAUTH_DEFAULT_SCOPE = "api:read"
"""Granted when a token request names no scope."""

OAUTH_REFRESH_TOKEN = "sandbox-refresh-token-9e07d4c1"
"""Seed refresh token of `OAUTH_CLIENT_ID`, valid once per sandbox run (tokens rotate on use)."""

DECK_CLIENT_ID = "sandbox-deck-client-5a1f"
DECK_SECRET = "sandbox-deck-secret-c07e"
"""Keys for the Deck stand-in (`x-deck-client-id` / `x-deck-secret`)."""

DECK_WEBHOOK_SECRET = "whsec_c2FuZGJveC1kZWNrLXdlYmhvb2stc2VjcmV0"
"""The Standard Webhooks secret the Deck stand-in signs its webhooks with."""

DECK_MFA_ANSWER = "123456"
"""Username `mfa` makes EnsureConnection ask a question; this is the right answer."""

STACKONE_API_KEY = "sandbox-stackone-key-6d2e"
"""API key for the StackOne stand-in: HTTP Basic with the key as username, empty password."""

STACKONE_WEBHOOK_SECRET = "sandbox-stackone-signing-secret-93ab"
"""The stand-in signs `account.created` with this (`x-stackone-signature`)."""
