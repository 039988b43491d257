"""The connection check: authenticate, run the validation steps, and return a verdict.

Steps are the connector's `pre_run_configurations` rest steps; without them, the endpoint the
caller names; without that, `GET base_url`. The first step that fails decides the verdict.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from workbench.core.auth import AuthContext, OAuth2Flow, TokenSet, build_auth
from workbench.core.auth.oauth2 import TokenCallback
from workbench.core.auth.plugins import VendorScheme, vendor_scheme
from workbench.core.config.model import Blueprint, Step
from workbench.core.errors import InputError, TokenEndpointError
from workbench.core.events import Event, EventLog
from workbench.core.formspec import FormSpec, form_spec, step_placeholders
from workbench.core.sesam import ReceivedSecret, received_secrets
from workbench.core.templates import BASE_URL, fill, join_url, placeholders
from workbench.core.transport import TransportSettings, classify, create_client, tag
from workbench.core.verdict import (
    AuthFacts,
    Verdict,
    config_error,
    from_network_error,
    from_response,
    from_token_error,
)

FLOW = "check"


@dataclass
class CheckOptions:
    """How to run a check beyond the connector's own settings."""

    endpoint: str | None = None  # used when the connector has no validation steps
    base_url: str | None = None  # replaces connector.base_url (a staging host, a mock)
    token_url: str | None = None  # replaces oauth2_settings.token_url
    settings: TransportSettings = field(default_factory=TransportSettings)
    token: TokenSet | None = None  # reuse a token from an earlier run
    on_token: TokenCallback | None = None
    code_verifier: str = ""  # PKCE verifier of the authorization that produced `code`


@dataclass
class CheckResult:
    """The verdict, the token obtained (if any), this run's events and, for a Sesam manifest,
    what the system would receive."""

    verdict: Verdict
    token: TokenSet | None = None
    events: list[Event] = field(default_factory=list)
    received: list[ReceivedSecret] = field(default_factory=list)


async def run_check(
    blueprint: Blueprint,
    given: Mapping[str, str],
    log: EventLog,
    options: CheckOptions | None = None,
) -> CheckResult:
    """Check one connection end to end; never raises for a failed connection."""
    return await _recorded(_run, blueprint, given, log, options or CheckOptions())


Run = Callable[[Blueprint, Mapping[str, str], EventLog, CheckOptions], Awaitable[CheckResult]]


async def _recorded(run: Run, blueprint: Blueprint, given: Mapping[str, str], log: EventLog,
                    options: CheckOptions) -> CheckResult:
    """Run `run`, collect the events it logged into the result, and scrub the result: the one
    place a run's verdict leaves the core (every secret the run learned is masked in it; the
    TokenSet and the raw events stay whole for reuse and Reveal)."""
    events: list[Event] = []
    unsubscribe = log.subscribe(events.append)
    log.redactor.add_proxy_credentials(options.settings.proxy)
    try:
        result = await run(blueprint, given, log, options)
    finally:
        unsubscribe()
    result.events = events
    return log.redactor.scrub(result, keep=(TokenSet, Event, ReceivedSecret))


@dataclass
class _Prepared:
    """A check ready to send: the client (with auth) and the requests, or why it cannot run."""

    facts: AuthFacts
    values: dict[str, str] = field(default_factory=dict)
    vendor: VendorScheme | None = None
    auth: httpx.Auth | None = None
    client: httpx.AsyncClient | None = None
    requests: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    problem: Verdict | None = None


def _prepare(
    blueprint: Blueprint, given: Mapping[str, str], log: EventLog, options: CheckOptions
) -> _Prepared:
    spec = form_spec(blueprint)
    values, warnings = _clean(spec, spec.with_defaults(given))
    vendor = vendor_scheme(spec.auth_type)
    if vendor is not None and vendor.prepare is not None:
        values = vendor.prepare(values, options.token)
    for name in spec.secret_names:
        log.redactor.add_value(values.get(name))
    waived = _base_url_only(blueprint) if options.base_url else set()
    if options.token is not None:
        waived |= {"code", "refresh_token"}  # a token in hand: what would obtain one is moot
    facts = _facts(blueprint, values)
    missing = missing_values(spec, values, waived)
    if missing is not None:
        return _Prepared(facts, values, problem=missing)
    try:
        params = dict(values)  # steps may use auth fields too ({{%client_id%}})
        base_url = (options.base_url or _vendor_base_url(blueprint, vendor, values) or fill(
            blueprint.connector.base_url, params, what="base_url")).rstrip("/")
        params[BASE_URL] = base_url
        headers = {
            k: fill(v, params, what=f"default header {k}")
            for k, v in blueprint.connector.default_headers.items()
        }
        context = _auth_context(blueprint, params, options, log)
        auth = build_auth(blueprint.authentication, values, context)
        method, endpoint = _vendor_check(vendor, options.endpoint)
        requests = _requests(blueprint.check_steps, endpoint, base_url, params, method)
        client = create_client(log, options.settings, auth=auth, headers=headers)
    except InputError as exc:
        return _Prepared(facts, values, problem=config_error(str(exc)))
    return _Prepared(facts, values, vendor, auth, client, requests, warnings)


def _vendor_base_url(blueprint: Blueprint, vendor: VendorScheme | None,
                     values: Mapping[str, str]) -> str:
    """A vendor scheme's host for the chosen environment (a base_url parameter wins)."""
    entry = blueprint.authentication
    if entry is None or vendor is None or vendor.base_url is None:
        return ""
    return values.get("base_url", "") or vendor.base_url(entry, values)


def _vendor_check(vendor: VendorScheme | None, endpoint: str | None) -> tuple[str, str | None]:
    """The check request: the caller's endpoint, else the vendor scheme's own."""
    if endpoint or vendor is None or not vendor.check:
        return "GET", endpoint
    method, _, path = vendor.check.partition(" ")
    return method, path


async def _run(
    blueprint: Blueprint, given: Mapping[str, str], log: EventLog, options: CheckOptions
) -> CheckResult:
    prepared = _prepare(blueprint, given, log, options)
    if prepared.problem is not None or prepared.client is None:
        verdict = prepared.problem or config_error("Nothing to check.")
        return CheckResult(verdict, received=received_secrets(blueprint, prepared.values))
    auth, facts = prepared.auth, prepared.facts
    verdict = config_error("Nothing to check.")
    async with prepared.client as client:
        try:
            if isinstance(auth, OAuth2Flow):
                await auth.ensure_token(client)
            for label, request_args in prepared.requests:
                response = await client.request(**request_args)
                verdict = from_response(response, label, facts)
                _warn_login_page(response, verdict)
                if not verdict.ok:
                    break
        except TokenEndpointError as exc:
            verdict = from_token_error(exc, facts)
        except httpx.TransportError as exc:
            verdict = from_network_error(classify(exc, log.redactor.url(_request_url(exc))))
        except InputError as exc:
            verdict = config_error(str(exc))
    verdict.warnings[:0] = prepared.warnings
    vendor = prepared.vendor
    if not verdict.ok and vendor is not None and vendor.hint is not None:
        verdict.hint = vendor.hint(verdict, prepared.values) or verdict.hint
    token = auth.token if isinstance(auth, OAuth2Flow) else options.token
    received = received_secrets(blueprint, prepared.values, auth, token)
    return CheckResult(verdict, token, received=received)


async def renew_token(
    blueprint: Blueprint,
    given: Mapping[str, str],
    log: EventLog,
    options: CheckOptions,
) -> CheckResult:
    """Get a fresh token now: with the refresh token of `options.token` when there is one,
    else through the connector's own grant. Only the token endpoint is called."""
    return await _recorded(_renew, blueprint, given, log, options)


async def _renew(
    blueprint: Blueprint, given: Mapping[str, str], log: EventLog, options: CheckOptions
) -> CheckResult:
    prepared = _prepare(blueprint, given, log, options)
    if prepared.problem is not None or prepared.client is None:
        return CheckResult(prepared.problem or config_error("Nothing to renew."))
    auth = prepared.auth
    if not isinstance(auth, OAuth2Flow):
        return CheckResult(config_error("Only OAuth2 connectors have tokens to renew."))
    has_refresh = bool(options.token and options.token.refresh_token)
    if auth.grant.grant_type == "authorization_code" and not has_refresh:
        return CheckResult(config_error("There is no refresh token to renew with: authorize "
                                        "again."))
    async with prepared.client as client:
        try:
            token = await auth.fetch_token(client)
        except TokenEndpointError as exc:
            return CheckResult(from_token_error(exc, prepared.facts))
        except httpx.TransportError as exc:
            return CheckResult(from_network_error(classify(exc, log.redactor.url(
                _request_url(exc)))))
    how = "refreshed" if has_refresh else "obtained"
    return CheckResult(Verdict("ok", f"A new access token was {how}."), token)


def missing_values(spec: FormSpec, values: Mapping[str, str],
                   optional: Collection[str] = ()) -> Verdict | None:
    """A config_error naming every missing or malformed value, or None when all is there."""
    problems = spec.problems(values, optional=optional)
    if not problems:
        return None
    listed = ", ".join(f"{name} ({why})" for name, why in problems.items())
    return config_error(f"Some values are missing or invalid: {listed}",
                        "Fill in the fields marked required.")


def _base_url_only(blueprint: Blueprint) -> set[str]:
    """Parameters needed only to build the base URL (moot when the base URL is given)."""
    return placeholders(blueprint.connector.base_url) - step_placeholders(blueprint)


def _auth_context(
    blueprint: Blueprint, params: Mapping[str, str], options: CheckOptions, log: EventLog
) -> AuthContext:
    entry = blueprint.authentication
    token_url = options.token_url or ""
    if not token_url and entry is not None and entry.oauth2_settings is not None:
        token_url = fill(entry.oauth2_settings.token_url, params, what="token_url")
    log.redactor.add_value(options.code_verifier or None)
    return AuthContext(log.redactor, token_url, options.on_token, options.token,
                       options.code_verifier, params[BASE_URL])


def _requests(
    steps: list[Step], endpoint: str | None, base_url: str, params: Mapping[str, str],
    method: str = "GET",
) -> list[tuple[str, dict[str, Any]]]:
    """(label, httpx request arguments) for each request the check sends."""
    if not steps:
        target = base_url
        if endpoint:
            target = join_url(base_url, fill(endpoint, params, what="endpoint"))
        return [(_label(method, target), {"method": method, "url": target,
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
        built.append((_label(step.http_method, url), args))
    return built


def _clean(spec: FormSpec, values: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """Fix the copy-paste slips that break auth silently, and say so."""
    warnings = []
    for f in spec.fields:
        value = values.get(f.name, "")
        if value != value.strip() and f.group == "authentication":
            values[f.name] = value.strip()
            warnings.append(f"Removed spaces or line breaks around {f.name}.")
    token = values.get("bearer_token", "")
    if spec.auth_type == "bearer" and token.lower().startswith("bearer "):
        values["bearer_token"] = token[7:].strip()
        warnings.append("bearer_token started with 'Bearer '; the prefix is added for you.")
    return values, warnings


def _facts(blueprint: Blueprint, values: Mapping[str, str]) -> AuthFacts:
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
    )


def _warn_login_page(response: httpx.Response, verdict: Verdict) -> None:
    if verdict.ok and response.history and "html" in response.headers.get("content-type", ""):
        verdict.warnings.append(
            f"The API redirected to an HTML page ({response.url}); a login or SSO page there "
            "usually means the credentials were not accepted."
        )


def _label(method: str, url: str) -> str:
    path = urlsplit(url).path or "/"
    return f"{method} {path}"


def _request_url(exc: httpx.TransportError) -> str:
    try:
        return str(exc.request.url)
    except RuntimeError:
        return ""
