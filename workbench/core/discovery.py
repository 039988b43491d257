"""Hold a connector against its provider's own metadata before any credential is sent.

When the issuer (or the token URL's origin and parents) publishes an OpenID Connect
`/.well-known/openid-configuration` or an RFC 8414 `oauth-authorization-server` document
(fetched by `auth.issuer.fetch_metadata`), the connector is compared with it: client
authentication (`token_endpoint_auth_methods_supported` vs is_basic_auth), the grant, PKCE
methods, scopes, whether redirects carry `iss`, the issuer and the endpoints. Endpoints the
connector lacks are filled from it. After the run, JWTs (id_token, JWT access tokens) are
verified against the provider's JWKS, allowing for the clock skew measured on the way.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from workbench.core.auth.issuer import PROMISE, fetch_metadata
from workbench.core.config.model import Blueprint
from workbench.core.diagnosis.findings import Finding
from workbench.core.errors import InputError
from workbench.core.formspec import form_spec
from workbench.core.jws import LEEWAY, JwtRejected, verify_jwt
from workbench.core.jwt import decode_jwt, numeric_date
from workbench.core.templates import fill
from workbench.core.transport import tag

FLOW = "discovery"
MAX_CANDIDATES = 4  # issuer guesses from the token URL's path, most specific first
# Signature algorithms checked against the provider's keys; others are reported unverified.
VERIFIED_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA")
# What a provider that says nothing supports (RFC 8414 §2, OpenID Connect Discovery §3).
DEFAULT_AUTH_METHODS = ("client_secret_basic",)
DEFAULT_GRANTS = ("authorization_code", "implicit")


@dataclass
class DiscoveryReport:
    """What the provider's metadata says, and where the connector disagrees with it."""

    metadata_url: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    filled: dict[str, str] = field(default_factory=dict)  # endpoint → URL from the metadata

    @property
    def issuer(self) -> str:
        return str(self.metadata.get("issuer", ""))

    def to_dict(self) -> dict[str, Any]:
        return {"metadata_url": self.metadata_url, "issuer": self.issuer,
                "filled": dict(self.filled), "findings": [f.to_dict() for f in self.findings]}


def issuer_candidates(blueprint: Blueprint, token_url: str) -> list[str]:
    """The configured issuer; else the token URL's parents (Keycloak's realm, a tenant path)
    down to its origin."""
    settings = blueprint.authentication.oauth2_settings if blueprint.authentication else None
    if settings is not None and settings.issuer:
        return [settings.issuer]
    try:
        parts = urlsplit(token_url)
    except ValueError:
        return []
    if not parts.scheme or not parts.netloc:
        return []
    origin = f"{parts.scheme}://{parts.netloc}"
    segments = [s for s in parts.path.split("/") if s][:-1]
    found = [origin + "/" + "/".join(segments[:n]) for n in range(len(segments), 0, -1)]
    return [*found[:MAX_CANDIDATES - 1], origin]


async def discover(client: httpx.AsyncClient, blueprint: Blueprint,
                   values: Mapping[str, str], token_url: str) -> DiscoveryReport:
    """Fetch the metadata and compare the connector with it; never raises (a provider
    without metadata gives an empty report)."""
    report = DiscoveryReport()
    values = form_spec(blueprint).with_defaults(values)
    for candidate in issuer_candidates(blueprint, token_url):
        found = await fetch_metadata(client, candidate, flow=FLOW)
        if found is not None:
            report.metadata_url, report.metadata = found
            break
    if report.metadata:
        report.findings = list(_compare(blueprint, values, token_url, report))
    return report


def _compare(blueprint: Blueprint, values: Mapping[str, str], token_url: str,
             report: DiscoveryReport) -> list[Finding]:
    entry = blueprint.authentication
    settings = entry.oauth2_settings if entry is not None else None
    if settings is None:
        return []
    meta, where = report.metadata, report.metadata_url
    found: list[Finding] = []
    if settings.issuer and settings.issuer.rstrip("/") != report.issuer.rstrip("/"):
        found.append(Finding("issuer_mismatch", "error", f"The metadata at {where} names "
                             f"issuer {report.issuer}, not {settings.issuer}",
                             "Set oauth2_settings.issuer to the provider's issuer exactly, or "
                             "point the connector at the right provider or tenant."))
    endpoint = str(meta.get("token_endpoint") or "")
    if endpoint and token_url and _same(endpoint) != _same(token_url):
        found.append(Finding("token_endpoint_differs", "warning", f"token_url is {token_url}, "
                             f"but the provider's token endpoint is {endpoint}",
                             f"Set token_url to {endpoint} (from {where})."))
    method = ("client_secret_basic" if settings.is_basic_auth else
              "client_secret_post" if values.get("client_secret") else "none")
    methods = _listed(meta, "token_endpoint_auth_methods_supported", DEFAULT_AUTH_METHODS)
    if method not in methods:
        fix = ("is_basic_auth: true" if "client_secret_basic" in methods else
               "is_basic_auth: false" if "client_secret_post" in methods else
               f"a method the provider takes ({', '.join(methods)})")
        found.append(Finding("auth_method_unsupported", "error", f"The connector sends its "
                             f"client credentials as {method}, which the provider does not "
                             f"list ({', '.join(methods)})",
                             f"Use {fix}: the provider would refuse the client "
                             "(invalid_client) otherwise."))
    grants = _listed(meta, "grant_types_supported", DEFAULT_GRANTS)
    if settings.grant_type not in grants:
        found.append(Finding("grant_unsupported", "error", f"The provider does not list the "
                             f"{settings.grant_type} grant ({', '.join(grants)})",
                             "Use a grant the provider supports, or enable this one for the "
                             "client at the provider (the token request would be refused "
                             "with unsupported_grant_type or unauthorized_client)."))
    if settings.grant_type == "authorization_code":
        found += _authorization_code(_filled(settings.authorization_url, values), meta, where)
    scopes = meta.get("scopes_supported")
    wanted = settings.scope_string().split()
    if isinstance(scopes, list) and wanted:
        unknown = [s for s in wanted if s not in scopes]
        if unknown:
            found.append(Finding("scope_unlisted", "warning", f"The provider does not list "
                                 f"the scope{'s' if len(unknown) > 1 else ''} "
                                 f"{' '.join(unknown)}",
                                 f"It lists {' '.join(map(str, scopes))}: check the spelling, "
                                 "or expect invalid_scope (some providers accept unlisted "
                                 "resource scopes)."))
    for name, field_name in (("authorization_endpoint", "authorization_url"),
                             ("device_authorization_endpoint", "device_authorization_url")):
        if meta.get(name) and not getattr(settings, field_name):
            report.filled[field_name] = str(meta[name])
    if report.filled:
        found.append(Finding("endpoints_filled", "info", "Filled from the provider's "
                             f"metadata: {', '.join(f'{k} {v}' for k, v in report.filled.items())}",
                             "Add them to oauth2_settings to pin them."))
    return found


def _authorization_code(authorization_url: str | None, meta: Mapping[str, Any],
                        where: str) -> list[Finding]:
    found = []
    pkce = meta.get("code_challenge_methods_supported")
    if not isinstance(pkce, list):
        found.append(Finding("pkce_not_advertised", "warning", "The provider does not say it "
                             "supports PKCE (no code_challenge_methods_supported)",
                             "The workbench sends PKCE S256 anyway; a provider that ignores it "
                             "leaves codes unprotected."))
    elif "S256" not in pkce:
        found.append(Finding("pkce_s256_unsupported", "error", f"The provider supports PKCE "
                             f"only as {', '.join(map(str, pkce))}, not S256",
                             "The workbench sends S256 (plain is a downgrade): the provider "
                             "may refuse the code exchange; ask for S256 support."))
    endpoint = str(meta.get("authorization_endpoint") or "")
    if authorization_url and endpoint and _same(endpoint) != _same(authorization_url):
        found.append(Finding("authorization_endpoint_differs", "warning", "authorization_url "
                             f"is {authorization_url}, but the provider's is {endpoint}",
                             f"Set authorization_url to {endpoint} (from {where})."))
    promised = meta.get(PROMISE) is True
    found.append(Finding("iss_parameter", "info", "Redirects carry iss (RFC 9207) and are "
                         "checked against it" if promised else "The provider does not promise "
                         "iss in redirects (RFC 9207)", "Nothing to do." if promised else
                         "A mix-up with another provider cannot be told from the redirect; "
                         "set oauth2_settings.issuer so at least a wrong iss is refused."))
    return found


# -- JWTs against the provider's keys -------------------------------------------------------

async def jwks_of(client: httpx.AsyncClient, report: DiscoveryReport) -> dict[str, Any] | None:
    uri = report.metadata.get("jwks_uri")
    if not isinstance(uri, str) or not uri:
        return None
    try:
        response = await client.get(uri, extensions=tag(FLOW, "jwks"))
        keys = response.json() if response.status_code == 200 else None
    except (httpx.HTTPError, ValueError):
        return None
    return keys if isinstance(keys, dict) and isinstance(keys.get("keys"), list) else None


def verify_tokens(tokens: Mapping[str, str], jwks: Mapping[str, Any], issuer: str, *,
                  client_id: str = "", skew: float = 0.0,
                  now: float | None = None) -> list[Finding]:
    """Check each JWT in `tokens` (name → token): signature against `jwks`, iss, aud (an
    id_token's must hold client_id), exp/nbf with LEEWAY plus the measured `skew`."""
    found = []
    moment = time.time() if now is None else now
    allowance = abs(skew)
    for name, token in tokens.items():
        decoded = decode_jwt(token)
        if decoded is None or decoded.claims is None:
            continue  # opaque tokens have nothing to verify here
        if decoded.algorithm not in VERIFIED_ALGORITHMS:
            found.append(Finding("jwt_not_verified", "info", f"The {name} is signed with "
                                 f"{decoded.algorithm}; only {', '.join(VERIFIED_ALGORITHMS)} "
                                 "are verified here", ""))
            continue
        try:
            claims = verify_jwt(token, jwks, algorithms=VERIFIED_ALGORITHMS,
                                now=moment - allowance)
        except JwtRejected as exc:
            found.append(Finding("jwt_rejected", "error", f"The {name} does not verify "
                                 f"against the provider's keys: {exc}",
                                 _why_rejected(str(exc), allowance)))
            continue
        found += _claims(name, claims, issuer, client_id, moment, allowance)
        if not any(f.title.startswith(f"The {name}") for f in found):
            found.append(Finding("jwt_verified", "info", f"The {name} is signed by the "
                                 f"provider's key (kid {decoded.header.get('kid')}) and its "
                                 "iss, aud and exp hold", ""))
    return found


def _claims(name: str, claims: Mapping[str, Any], issuer: str, client_id: str, moment: float,
            allowance: float) -> list[Finding]:
    found = []
    if issuer and str(claims.get("iss", "")).rstrip("/") != issuer.rstrip("/"):
        found.append(Finding("jwt_issuer", "error", f"The {name}'s iss is {claims.get('iss')}, "
                             f"not the provider's issuer {issuer}",
                             "The token comes from another issuer or tenant: check token_url."))
    audiences = claims.get("aud")
    listed = audiences if isinstance(audiences, list) else [audiences] if audiences else []
    if name == "id_token" and client_id and client_id not in listed:
        found.append(Finding("jwt_audience", "error", f"The id_token is for {listed}, not for "
                             f"this client ({client_id})",
                             "An id_token must name the client that asked for it in aud."))
    not_before = numeric_date(claims.get("nbf"))
    if not_before is not None and not_before - LEEWAY - allowance > moment:
        found.append(Finding("jwt_not_yet_valid", "error", f"The {name} is not valid yet "
                             "(nbf is in the future by this machine's clock)",
                             "The issuer's clock is ahead: see the clock skew warnings."))
    return found


def _why_rejected(reason: str, allowance: float) -> str:
    if "expired" in reason:
        skew = f" (allowing for {allowance:.0f} s of measured clock skew)" if allowance else ""
        return f"Get a new token; it is past its exp{skew}."
    if "key id" in reason or "signature" in reason:
        return ("The token was not signed by this provider's current keys: another issuer or "
                "tenant, a rotated key, or a token altered on the way.")
    return "Compare the token's header and claims with the provider's documentation."


def _filled(template: str | None, values: Mapping[str, str]) -> str | None:
    if not template:
        return template
    try:
        return fill(template, values, what="authorization_url")
    except InputError:
        return None  # a placeholder without a value: nothing to compare


def _listed(meta: Mapping[str, Any], key: str, default: tuple[str, ...]) -> list[str]:
    value = meta.get(key)
    return [str(v) for v in value] if isinstance(value, list) else list(default)


def _same(url: str) -> str:
    return url.rstrip("/").lower()
