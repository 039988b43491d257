"""From a connector's oauth2 entry and form values to a ready OAuth2Flow: which grant, how the
client authenticates (secret, signed assertion, certificate), which API the token is for, DPoP.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import httpx

from workbench.core.auth import mtls
from workbench.core.auth.assertions import AssertionSigner
from workbench.core.auth.issuer import issuer_metadata, issuer_of
from workbench.core.auth.oauth2 import OAuth2Flow, OAuth2Grant
from workbench.core.auth.signing_keys import load_private_key, shared_secret_key
from workbench.core.auth.token_endpoint import ClientCredentials
from workbench.core.auth.tokens import TokenSet
from workbench.core.config.model import OAuth2Settings
from workbench.core.errors import InputError
from workbench.core.templates import fill

if TYPE_CHECKING:
    from workbench.core.auth import AuthContext
    from workbench.core.config.model import Authentication

FLOW = "oauth2"


def client_credentials(settings: OAuth2Settings, values: Mapping[str, str], token_url: str,
                       values_issuer: str = "") -> ClientCredentials:
    """How this client authenticates at the token endpoint, from the connector and values."""
    method = settings.client_auth_method
    client_id = values.get("client_id", "")
    secret = values.get("client_secret", "")
    if method in ("private_key_jwt", "client_secret_jwt"):
        key = (shared_secret_key(secret, settings.signing_alg) if method == "client_secret_jwt"
               else load_private_key(values.get("private_key", ""), alg=settings.signing_alg,
                                     kid=values.get("key_id")))
        if not client_id:
            raise InputError(f"client_id has no value: {method} signs it as iss and sub")
        signer = AssertionSigner(key, client_id, client_id,
                                 assertion_audience(settings, token_url, values_issuer, values))
        return ClientCredentials(client_id, "", assertion=signer, method=method)
    if method in ("tls_client_auth", "self_signed_tls_client_auth", "none"):
        return ClientCredentials(client_id, method=method)
    if not settings.token_endpoint_auth_method and not secret:
        return ClientCredentials(client_id)  # a public client: its id only
    return ClientCredentials(client_id, secret, method == "client_secret_basic", method=method)


def assertion_audience(settings: OAuth2Settings, token_url: str, issuer: str = "",
                       values: Mapping[str, str] | None = None) -> str:
    """`aud` of signed assertions: "" (the token endpoint each request goes to), the issuer,
    or the connector's own URL."""
    wanted = fill(settings.assertion_audience, values or {}, what="assertion_audience")
    if wanted == "token_endpoint":
        return ""
    if wanted == "issuer":
        return issuer or settings.issuer or ""
    return wanted


def build_oauth2(entry: Authentication, values: Mapping[str, str],
                 ctx: AuthContext) -> httpx.Auth:
    """The OAuth2Flow for an oauth2 entry."""
    settings = entry.oauth2_settings
    assert settings is not None  # the model guarantees it for oauth2
    for name in ("client_secret", "refresh_token", "code", "password", "private_key"):
        ctx.redactor.add_value(values.get(name))
    token_url = ctx.token_url or settings.token_url
    issuer = fill(settings.issuer, values, what="issuer") if settings.issuer else ""
    grant = OAuth2Grant(
        grant_type=settings.grant_type,
        token_url=token_url,
        client=client_credentials(settings, values, token_url, issuer),
        scope=settings.scope_string(),
        key_map=entry.key_map(),
        refresh_token=values.get("refresh_token", ""),
        code=values.get("code", ""),
        redirect_uri=values.get("redirect_uri", ""),
        code_verifier=ctx.code_verifier,
        username=values.get("username", ""),
        password=values.get("password", ""),
        bearer_assertion=_bearer_assertion(settings, values, token_url, issuer),
        target=_filled_target(settings, values),
        dpop=settings.dpop,
    )
    note = ctx.note
    flow = OAuth2Flow(grant, redactor=ctx.redactor, on_token=ctx.on_token, token=ctx.token,
                      note=note)
    if settings.uses_mtls:
        _use_mtls(flow, settings, ctx, issuer)
    return flow


def _filled_target(settings: OAuth2Settings,
                   values: Mapping[str, str]) -> dict[str, str | list[str]]:
    """audience and resource with their {placeholders} filled."""
    filled: dict[str, str | list[str]] = {}
    for name, value in settings.target_params().items():
        what = f"oauth2_settings.{name}"
        filled[name] = ([fill(v, values, what=what) for v in value] if isinstance(value, list)
                        else fill(value, values, what=what))
    return filled


def _bearer_assertion(settings: OAuth2Settings, values: Mapping[str, str], token_url: str,
                      issuer: str) -> AssertionSigner | None:
    if settings.grant_type != "jwt_bearer":
        return None
    key = load_private_key(values.get("private_key", ""), alg=settings.signing_alg,
                           kid=values.get("key_id"))
    client_id = values.get("client_id", "")
    if not client_id:
        raise InputError("client_id has no value: the JWT bearer assertion names it as iss")
    claims = {k: fill(v, values, what=f"assertion_claims.{k}")
              for k, v in settings.assertion_claims.items()}
    return AssertionSigner(key, client_id, values.get("subject") or client_id,
                           assertion_audience(settings, token_url, issuer, values), claims)


def _use_mtls(flow: OAuth2Flow, settings: OAuth2Settings, ctx: AuthContext,
              issuer: str) -> None:
    """Log the certificate, move to the mTLS alias, and check certificate-bound tokens."""
    certificate = mtls.load_certificate(ctx.client_cert)
    ctx.note(f"Mutual TLS ({settings.client_auth_method}): presenting the client certificate "
             f"{mtls.describe(certificate)}.")

    def check(token: TokenSet) -> None:
        ctx.note(mtls.check_binding(token, certificate))

    flow.on_token_response.append(check)
    if not settings.use_mtls_endpoint_aliases:
        return
    provider = issuer_of(flow.grant.token_url, issuer)

    async def discover(client: httpx.AsyncClient) -> None:
        metadata = await issuer_metadata(client, provider, flow=FLOW)
        target = mtls.alias(metadata, "token_endpoint")
        if target and target != flow.grant.token_url:
            ctx.note(f"Token requests go to the mTLS alias {target} (mtls_endpoint_aliases in "
                     f"{provider}'s metadata).")
            flow.grant.token_url = target
        elif metadata is None:
            ctx.note(f"No provider metadata at {provider}: token requests go to token_url.")

    flow.discover = discover
