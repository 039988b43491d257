"""Introspect or revoke a connector's token (RFC 7662, RFC 7009), from the GUI's token pane and
`workbench token introspect|revoke`.

The token is the one given (pasted, `--token`), else the one kept from an earlier run, else
one obtained now through the connector's own grant. The client authenticates exactly as its
token requests do. A revocation is followed by an introspection when the provider has that
endpoint, so the user sees the token is dead rather than trusting a 200 (RFC 7009 answers 200
for tokens it never knew, too).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import httpx

from workbench.core.auth import AuthContext, OAuth2Flow, TokenSet, build_auth
from workbench.core.auth.introspection import (
    Introspection,
    Kind,
    TokenHint,
    endpoint,
    introspect,
    revoke,
)
from workbench.core.auth.token_endpoint import ClientCredentials
from workbench.core.check import CheckOptions, CheckResult, missing_values
from workbench.core.check_inputs import auth_facts, clean_values
from workbench.core.config.model import Blueprint, OAuth2Settings
from workbench.core.errors import InputError, TokenEndpointError
from workbench.core.events import Event, EventLog
from workbench.core.formspec import form_spec
from workbench.core.jwt import utc_text
from workbench.core.templates import fill
from workbench.core.transport import classify, create_client
from workbench.core.verdict import Verdict, config_error, from_network_error, from_token_error

Action = Literal["introspect", "revoke"]
FLOW = "token"


@dataclass
class TokenActionResult(CheckResult):
    """A CheckResult (so the app shows it like a run) with what the provider said."""

    introspection: Introspection | None = None
    action: Action = "introspect"


async def token_action(blueprint: Blueprint, given: Mapping[str, str], log: EventLog,
                       options: CheckOptions, action: Action, *, token: str = "",
                       hint: TokenHint = "access_token") -> TokenActionResult:
    """Introspect or revoke; never raises for a refusal (the verdict says it)."""
    events: list[Event] = []
    unsubscribe = log.subscribe(events.append)
    try:
        result = await _act(blueprint, given, log, options, action, token, hint)
    finally:
        unsubscribe()
    result.events = events
    if result.token is not None:
        result.token_source = "reused" if result.token is options.token else "fetched"
    return log.redactor.scrub(result, keep=(TokenSet, Introspection, Event))


async def _act(blueprint: Blueprint, given: Mapping[str, str], log: EventLog,
               options: CheckOptions, action: Action, token: str,
               hint: TokenHint) -> TokenActionResult:
    entry = blueprint.authentication
    settings = entry.oauth2_settings if entry is not None else None
    if entry is None or settings is None:
        return TokenActionResult(config_error(
            "Only OAuth2 connectors have tokens to introspect or revoke."), action=action)
    spec = form_spec(blueprint)
    values, _warnings = clean_values(spec, spec.with_defaults(given))
    in_hand = token or _kept(options.token, hint)
    waived = {"code", "refresh_token", "redirect_uri", "username", "password"} if in_hand else set()
    missing = missing_values(spec, values, waived)
    if missing is not None:
        return TokenActionResult(missing, action=action)
    facts = auth_facts(blueprint, values)
    try:
        token_url = options.token_url or fill(settings.token_url, values, what="token_url")
        issuer = fill(settings.issuer, values, what="issuer") if settings.issuer else ""
        context = AuthContext(log.redactor, token_url, options.on_token, options.token, "", "", log,
                              options.settings.client_cert)
        flow = build_auth(entry, values, context)
        client = create_client(log, options.settings)
    except InputError as exc:
        return TokenActionResult(config_error(str(exc)), action=action)
    assert isinstance(flow, OAuth2Flow)
    log.redactor.add_value(token or None)
    held = options.token
    async with client:
        try:
            if not in_hand:
                held = await flow.fetch_token(client)
                in_hand = _kept(held, hint)
                log.note(f"No token given or kept: obtained one to {action} through the "
                         "connector's grant.", flow=FLOW, step=action)
                if not in_hand:
                    return TokenActionResult(config_error(
                        f"The provider issued no {hint.replace('_', ' ')} to {action}."),
                        held, action=action)
            kind: Kind = "introspection" if action == "introspect" else "revocation"
            url = await endpoint(client, settings, kind, token_url, issuer)
            credentials = flow.grant.client
            if action == "revoke":
                await revoke(client, url, in_hand, hint, credentials)
                return await _after_revoke(client, settings, token_url, issuer, in_hand, hint,
                                           credentials, held, log)
            seen = await introspect(client, url, in_hand, hint, credentials)
        except TokenEndpointError as exc:
            return TokenActionResult(from_token_error(exc, facts), held, action=action)
        except httpx.TransportError as exc:
            return TokenActionResult(from_network_error(classify(exc, "")), held, action=action)
        except InputError as exc:
            return TokenActionResult(config_error(str(exc)), held, action=action)
    log.note("Introspection: " + "; ".join(seen.lines()), flow=FLOW, step="introspection")
    return TokenActionResult(introspected_verdict(seen, hint), held, introspection=seen,
                             action=action)


def _kept(token: TokenSet | None, hint: TokenHint) -> str:
    if token is None:
        return ""
    return (token.refresh_token or "") if hint == "refresh_token" else token.access_token


def introspected_verdict(seen: Introspection, hint: TokenHint) -> Verdict:
    what = hint.replace("_", " ")
    if not seen.active:
        return Verdict("inactive", f"The provider says the {what} is not active.",
                       "It expired, was revoked, or belongs to a client this one may not ask "
                       "about (providers answer active: false for all three). Fetch a new "
                       "token; if it is new, check which client obtained it.")
    claims = seen.claims
    facts = [f"client {claims['client_id']}" if claims.get("client_id") else "",
             f"scope {claims['scope']}" if claims.get("scope") else "",
             f"expires {utc_text(float(claims['exp']))}" if isinstance(claims.get("exp"),
                                                                    int | float) else "",
             "bound to a key or certificate (cnf)" if claims.get("cnf") else ""]
    said = ", ".join(f for f in facts if f)
    return Verdict("ok", f"The provider says the {what} is active" + (f": {said}." if said
                                                                        else "."))


async def _after_revoke(client: httpx.AsyncClient, settings: OAuth2Settings, token_url: str,
                        issuer: str, token: str, hint: TokenHint,
                        credentials: ClientCredentials, held: TokenSet | None,
                        log: EventLog) -> TokenActionResult:
    """Prove the revocation with an introspection, when the provider offers one."""
    what = hint.replace("_", " ")
    try:
        url = await endpoint(client, settings, "introspection", token_url, issuer)
        seen = await introspect(client, url, token, hint, credentials)
    except (InputError, TokenEndpointError, httpx.TransportError):
        log.note("Revoked; the provider offers no introspection to confirm it.", flow=FLOW,
                 step="revocation")
        return TokenActionResult(Verdict(
            "ok", f"The provider accepted the revocation of the {what} (RFC 7009 answers 200 "
            "for tokens it did not know, too: there was no introspection to confirm it)."),
            held, action="revoke")
    if seen.active:
        return TokenActionResult(Verdict(
            "token_error", f"The provider answered 200 to the revocation, but still says the "
            f"{what} is active.", "Some providers revoke asynchronously or only refresh tokens "
            "(an access token then lives until it expires): check the provider's revocation "
            "documentation."), held, introspection=seen, action="revoke")
    return TokenActionResult(Verdict(
        "ok", f"Revoked the {what}: the provider now says it is not active."), held,
        introspection=seen, action="revoke")

