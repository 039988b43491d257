"""The sandbox's well-known credentials.

These are public demo values for the local sandbox only: they are printed on its index page and
baked into the bundled `connectors/sandbox/*.yaml` files so every auth flow works out of the box.
A platform's stand-in keeps its own keys in its module.
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

# --- Sesam vendor stand-ins: Tripletex, SuperOffice, webCRM (sandbox demo data only) ----------

TRIPLETEX_CONSUMER_TOKEN = "sandbox-tripletex-consumer-prod-3c1d"
"""Consumer token the production Tripletex stand-in (`/tripletex/production`) knows."""

TRIPLETEX_EMPLOYEE_TOKEN = "sandbox-tripletex-employee-prod-8a4f"
"""Employee token the production Tripletex stand-in knows."""

TRIPLETEX_TEST_CONSUMER_TOKEN = "sandbox-tripletex-consumer-test-51b7"
"""Consumer token the test-environment stand-in (`/tripletex/test`) knows; production refuses it."""

TRIPLETEX_TEST_EMPLOYEE_TOKEN = "sandbox-tripletex-employee-test-e29a"
"""Employee token the test-environment stand-in knows; production refuses it."""

TRIPLETEX_CLIENT_COMPANY_ID = "4242"
"""The one accountant-client company the demo employee may act for (the Basic username)."""

SUPEROFFICE_CLIENT_ID = "b737e807a536a8fcc424c934802751d3"
"""The partner application's client_id (OIDC sign-in; `aud` = `spn:<id>` on system-user JWTs)."""

SUPEROFFICE_CLIENT_SECRET = "c90f3a98589de0bf974463fba468abd4"
"""The client_secret, which is also the ApplicationToken and the `SO-AppToken` header."""

SUPEROFFICE_SYSTEM_USER_TOKEN = "WorkbenchSandbox-EXW9octzVhFe28AccgaHWsQ4"
"""The system user token (`AppName-<random>`) the id_token carries after an admin's consent."""

SUPEROFFICE_CONTEXT = "Cust12345"
"""The one customer context (tenant) of the SuperOffice stand-in."""

# Sandbox demo data: a fixed 2048-bit RSA key playing the partner's key pair. The stand-in only
# knows its public half; clients sign the system user token with this private half.
SUPEROFFICE_PARTNER_PRIVATE_KEY = """\
-----BEGIN RSA PRIVATE KEY-----
MIIEpAIBAAKCAQEAnz66h8M952MIMRTKXrJ+FeB6V+S6bdO1MtJbG2tjd0/4ind0
LpsUQZlv1FJAm7ZKU6CE/GR2PoFLI+6bUsrm3oOPNZ5uXWGhkort+fVxa0CgyOP9
L/CQ3PBw/hGmmtaqreIscSiqQ1xFeskzzPhQKTdMfg6HPyT6taU6JTRHm/LI8+cu
0mfMQo3V6uWQUdWcpqR3JBYxDZJjdGPi1AJYcE7kZ7iSrLuw8YmLpQSPovgyFMUU
LmfixuAfzNoPRszu7WruphDIXVXluXq/FxPRXODUyhhMGPa/A+zOp2kIODj2N6d8
PSK11gsHRk/mxc48gi/+FuTRurDNnYT8XaUnTwIDAQABAoIBABOaUbTvrFmk/7en
AwhoOYww326dafOmGYqhiXSVIh/oWMSW0tb/4Rz4KeN9opVoebrUqjo1lba5DMpm
D3nAH25pzIHBuH1HTO/wqT3ZYHZe9Mv2AM9bckG4WXh1LMinv0f7bRQa+Oak36qv
RPCo6plAROrJmA2GXFRq+/7jciM4rJobaHUQhplalXx1AthkHmZmpJtwxNicMMec
W1qgQFMfRndqUYP+UKGr5lkCutbYxBo4MQeBzyYj9sRVY+HBExH2NfqF41xMtALw
RLkJ4Jhu7ZuXinEk2e6iUChxH7GkrNQKZU8H5J5oY+zjtbvHUPY7bMtrtQofg5jn
kTMx2TECgYEAzomHMHTS9cZsWphWoqA2WS65AWy1gIGahJCIb3B4QI1l8Rx0cpXI
VoUXoMtjV0rHM/mGmtgGLti1aPPJPkcJg54xWCTeU/tTvPFMxHrEPGQ+JiO2Im2x
jWv9psYKeyCn2QVsB8EFG7f6w2OazLJ86yEbWM+/rdpnR4/PPstJrrECgYEAxWHK
hErcIpEZmfFczDw60luxS1nh7RBiw6d7djaqqwRaQ3GS4xMRmyBJXOogyd2/xgUm
KL8++5loCi7pjogB15QrlHt1MPYyMSuu3smbAVfIrihOdLnPasJ2qLype4kf+Tya
AY2Lzaw9WJ0dQlQEpSaeF9IFcN0s/UY0ONPNtf8CgYBKCYjZuPcqvX94FmXwFCiH
XbVaKmMB9vOyE7Gk6RdiZI2nmgCwVrsjMMCglmg9EYRJQGidN1U4E90sC0AXwBVM
BjhAFa9RQaXp9EIFqNCRqYmR2Hlg7Buay5x43UNCkhk5NbVdLjcrkY8l3Z3PRSh8
jTilZIucwc8GGyo6o1r9cQKBgQCyxnsmTaOLT38vtrRFa/wfEdvIkvWVwbSi3+xs
SuFUGpIi6hiPwXK93YV1Ob5O+KE9GubQG0BRpEXei1URutBoURUT3KptmWAmtxkh
Qts5YSgrzegZwz5BxTayaIbdlHq4RRJ8e5b3x5ycyVl5/R1j9FFW4+v3qOyZzl94
ZSa6QwKBgQCzDiALElj/IXuUvgW9Ru/+GFaMfSCFCZnEHET1arU4zaI5clsLTqnI
wP3CQsIjBupnSdw2vd2kxl76ezfxbPzsal7dN7HrAIVdoVlKGz6ly/rt3SRK5EwC
+s8MnrAcTnuRHmyJX0oSQDl/zAf91+3DFh2gYy9dj29xpRCWkZFiWg==
-----END RSA PRIVATE KEY-----

"""
"""The partner PEM private key (sandbox demo data); signs `<system user token>.<yyyyMMddHHmm>`."""

WEBCRM_API_KEY = "c0ee7b09-1e75-4550-b535-56e25e479503"
"""webCRM application token (a GUID), sent as `authCode` to `POST /webcrm/Auth/ApiLogin`."""
