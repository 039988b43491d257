"""Findings about the API calls: a token refused right after it was issued (the wrong
audience or resource, usually), and other refusals, judged by the same verdict engine as a
live check (`verdict.from_response`)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

from workbench.core.api_hints import AuthFacts
from workbench.core.auth.token_endpoint import read_token_response
from workbench.core.auth.tokens import TokenSet
from workbench.core.check_inputs import request_label
from workbench.core.clock_skew import duration
from workbench.core.diagnosis.findings import Finding
from workbench.core.diagnosis.flow import AuthFlow, Step, auth_facts_of, bearer_of, origin_of
from workbench.core.errors import TokenEndpointError
from workbench.core.jwt import decode_jwt, numeric_date
from workbench.core.secret_digest import digest
from workbench.core.verdict import from_response

FRESH = 600.0  # seconds: a token refused this soon after it was issued was never good here


@dataclass(frozen=True)
class Issued:
    """An access token the capture shows being issued."""

    step: Step
    token: TokenSet


def issued_tokens(flow: AuthFlow) -> dict[str, Issued]:
    """digest(access token) → where and when it was issued."""
    found: dict[str, Issued] = {}
    for step in flow.of("token"):
        if step.event.status is None or not 200 <= step.event.status < 300:
            continue
        try:
            token = read_token_response(step.response(), {})
        except TokenEndpointError:
            continue
        # Read now, so its times are now's: move them to when the capture got the answer.
        received = step.event.time + (step.event.duration_ms or 0.0) / 1000
        if token.expires_at is not None:
            token.expires_at += received - token.obtained_at
        token.obtained_at = received
        key = digest(token.access_token)
        if key:
            found[key] = Issued(step, token)
    return found


def api_findings(flow: AuthFlow) -> Iterator[Finding]:
    issued = issued_tokens(flow)
    refusals: dict[tuple[int, str], list[Step]] = {}
    for step in flow.of("api"):
        status = step.event.status
        if status not in (401, 403):
            continue
        source = issued.get(digest(bearer_of(step.event)) or "")
        age = step.event.time - source.token.obtained_at if source else None
        if source is not None and age is not None and -5 <= age <= FRESH:
            yield _fresh_token_refused(step, source, age)
            continue
        label = request_label(step.event.method, step.event.url)
        refusals.setdefault((status, origin_of(step.event.url) + label), []).append(step)
    for steps in refusals.values():
        first = steps[0]
        verdict = from_response(first.response(), _label(first), auth_facts_of(first.event))
        many = f" ({len(steps)} times)" if len(steps) > 1 else ""
        yield Finding("api_refused", "error", verdict.summary + many, verdict.hint,
                      tuple(s.index for s in steps))


def _fresh_token_refused(step: Step, source: Issued, age: float) -> Finding:
    token = source.token
    facts = AuthFacts(auth_type="oauth2", grant_type=source.step.form.get("grant_type"),
                      granted_scopes=token.scope or "")
    verdict = from_response(step.response(), _label(step), facts)
    why = _claims_problems(token.access_token, step)
    hint = " ".join([*why, verdict.hint]) if why else verdict.hint
    return Finding("token_refused_by_api", "error",
                   f"The API answered {step.event.status} to an access token issued "
                   f"{duration(age) if age >= 1 else 'less than a second'} earlier",
                   hint, (source.step.index, step.index))


def _claims_problems(access_token: str, step: Step) -> list[str]:
    """What the token's own claims say about why this API refuses it."""
    decoded = decode_jwt(access_token)
    if decoded is None or decoded.claims is None:
        return ["The token is opaque (not a JWT), so its audience cannot be read here; ask the "
                "provider's introspection endpoint or compare the resource/audience parameter "
                "of the token request with this API."]
    claims, problems = decoded.claims, []
    audiences = claims.get("aud")
    listed = [str(a) for a in (audiences if isinstance(audiences, list) else [audiences])
              if a] if audiences is not None else []
    host = urlsplit(step.event.url).hostname or ""
    if listed and not any(_names_host(a, host) for a in listed):
        problems.append(f"The token is meant for {', '.join(listed)} (its aud claim), not for "
                        f"the API at {host}: request the token for this API (the audience or "
                        "resource parameter, or Entra's scope api://<app id>/.default).")
    elif not listed:
        problems.append("The token names no audience (aud), and APIs that check it refuse "
                        "such tokens: request it with the audience or resource parameter.")
    expires = numeric_date(claims.get("exp"))
    if expires is not None and expires < step.event.time:
        problems.append(f"By the browser's clock the token had expired "
                        f"{duration(step.event.time - expires)} before this call (its exp).")
    scopes = claims.get("scp", claims.get("scope"))
    if scopes:
        shown = " ".join(scopes) if isinstance(scopes, list) else str(scopes)
        problems.append(f"Its scopes are: {shown}.")
    return problems


def _names_host(audience: str, host: str) -> bool:
    if "://" in audience:
        return (urlsplit(audience).hostname or "").lower() == host.lower()
    return audience.lower() == host.lower()


def _label(step: Step) -> str:
    return request_label(step.event.method, step.event.url)
