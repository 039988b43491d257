"""What a check sends and knows: its requests built from the validation steps, the values
cleaned of copy-paste slips, and the facts about the auth that the hints use."""

from __future__ import annotations

from collections.abc import Generator, Mapping
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

import httpx

from workbench.core.api_hints import AuthFacts
from workbench.core.auth import OAuth2Flow, TokenSet
from workbench.core.auth.token_endpoint import page_title
from workbench.core.config.model import Blueprint, Step
from workbench.core.errors import InputError
from workbench.core.formspec import FormSpec
from workbench.core.jwt import decode_jwt
from workbench.core.templates import fill, join_url
from workbench.core.transport import tag
from workbench.core.verdict import Verdict

FLOW = "check"


def build_requests(
    steps: list[Step], endpoint: str | None, base_url: str, params: Mapping[str, str],
    method: str = "GET",
) -> list[tuple[str, dict[str, Any]]]:
    """(label, httpx request arguments) for each request the check sends."""
    if not steps:
        target = base_url
        if endpoint:
            target = join_url(base_url, fill(endpoint, params, what="endpoint"))
        return [(request_label(method, target), {"method": method, "url": target,
                                          "extensions": tag(FLOW, "check")})]
    built = []
    for number, step in enumerate(steps, 1):
        name = step.name or f"step {number}"
        url = join_url(base_url, fill(step.endpoint or "", params, what=f"step {name!r}"))
        query = {k: fill(v, params, what=f"step {name!r}") for k, v in step.query_params.items()}
        # Merged into the URL: httpx's `params=` would replace a query the endpoint already has.
        url = str(httpx.URL(url).copy_merge_params(query)) if query else url
        args: dict[str, Any] = {
            "method": step.http_method,
            "url": url,
            "headers": {k: fill(v, params, what=f"step {name!r}") for k, v in step.headers.items()},
            "extensions": tag(FLOW, name),
        }
        if isinstance(step.body, dict | list):
            args["json"] = step.body
        elif step.body is not None:
            args["content"] = fill(str(step.body), params, what=f"step {name!r}").encode()
        built.append((request_label(step.http_method, url), args))
    return built


def clean_values(spec: FormSpec, values: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """Fix the copy-paste slips that break auth silently, and say so."""
    warnings = []
    for f in spec.fields:
        value = values.get(f.name, "")
        if value != value.strip() and f.group == "authentication":
            values[f.name] = value.strip()
            if "-----BEGIN" not in value:  # a PEM's closing line break is as it should be
                warnings.append(f"Removed spaces or line breaks around {f.name}.")
    token = values.get("bearer_token", "")
    if spec.auth_type == "bearer" and token.lower().startswith("bearer "):
        values["bearer_token"] = token[7:].strip()
        warnings.append("bearer_token started with 'Bearer '; the prefix is added for you.")
    return values, warnings


def auth_facts(blueprint: Blueprint, values: Mapping[str, str]) -> AuthFacts:
    entry = blueprint.authentication
    if entry is None:
        return AuthFacts()
    settings = entry.oauth2_settings
    key_value = values.get("key_value", "")
    return AuthFacts(
        auth_type=entry.auth_type,
        grant_type=settings.grant_type if settings else None,
        is_basic_auth=bool(settings and settings.is_basic_auth),
        scopes=settings.scope_string() if settings else "",
        location=entry.location,
        key_name=values.get("key_name", ""),
        key_value_prefixed=" " in key_value.strip(),
        redirect_uri=values.get("redirect_uri", ""),
        client_auth=settings.client_auth_method if settings else "",
        assertion_audience=(settings.assertion_audience if settings else ""),
        audience=_filled(settings.audience or "", values) if settings else "",
        resources=_filled(" ".join(settings.resources()), values) if settings else "",
    )


def _filled(text: str, values: Mapping[str, str]) -> str:
    try:
        return fill(text, values, what="audience")
    except InputError:
        return text


def with_token(facts: AuthFacts, auth: httpx.Auth | None) -> AuthFacts:
    """The facts with what the token endpoint said about the token in use."""
    token = auth.token if isinstance(auth, OAuth2Flow) else None
    if token is None:
        return facts
    decoded = decode_jwt(token.access_token)
    aud = (decoded.claims or {}).get("aud") if decoded else None
    return replace(facts, granted_scopes=token.scope or "",
                   token_type_assumed=bool(token.raw) and "token_type" not in token.raw,
                   fresh_token=isinstance(auth, OAuth2Flow) and auth.fetched,
                   token_audience=" ".join(aud) if isinstance(aud, list) else str(aud or ""))


def warn_html_page(response: httpx.Response, verdict: Verdict) -> None:
    """A 2xx HTML page where an API answer was expected is often a login page: say so."""
    if not verdict.ok or "html" not in response.headers.get("content-type", ""):
        return
    if response.history:
        verdict.warnings.append(
            f"The API redirected to an HTML page ({response.url}); a login or SSO page there "
            "usually means the credentials were not accepted.")
    elif "json" in response.request.headers.get("accept", ""):
        verdict.warnings.append(
            f"The API answered with an HTML page ({page_title(response.text)}) where JSON was "
            "asked for: a login page, a proxy, or a web site at base_url answered, not the "
            "API, so this pass may prove nothing.")


class FixedAuthorization(httpx.Auth):
    """Sends one given token as it is; never fetches or renews one."""

    def __init__(self, token: TokenSet) -> None:
        self._header = token.authorization()

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = self._header
        yield request


def request_label(method: str, url: str) -> str:
    path = urlsplit(url).path or "/"
    return f"{method} {path}"
