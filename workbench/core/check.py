"""The connection check: authenticate, run the validation steps, and return a verdict.

Steps are the connector's `pre_run_configurations` rest steps; without them, the endpoint the
caller names; without that, `GET base_url`. The first step that fails decides the verdict.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import httpx

from workbench.core import clock_skew, negative_control
from workbench.core.auth import AuthContext, OAuth2Flow, TokenSet, build_auth
from workbench.core.auth.oauth2 import TokenCallback
from workbench.core.auth.plugins import VendorScheme, vendor_scheme
from workbench.core.auth.tokens import TokenSource
from workbench.core.check_inputs import (
    FLOW,
    FixedAuthorization,
    auth_facts,
    build_requests,
    clean_values,
    warn_html_page,
    with_token,
)
from workbench.core.config.model import Blueprint
from workbench.core.errors import InputError, TokenEndpointError
from workbench.core.events import Event, EventLog
from workbench.core.formspec import FormSpec, form_spec, step_placeholders
from workbench.core.insecure_urls import cleartext_warnings
from workbench.core.sesam import ReceivedSecret, received_secrets
from workbench.core.templates import BASE_URL, fill, placeholders
from workbench.core.transport import TransportSettings, classify, create_client
from workbench.core.verdict import (
    AuthFacts,
    Verdict,
    config_error,
    from_network_error,
    from_response,
    from_token_error,
)


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
    negative_control: bool = False  # after a pass, prove a wrong secret fails
    # When the run began (a login just before the check belongs to it): a token in hand that
    # was obtained earlier is a reused one.
    started_at: float = field(default_factory=time.time)
    # Send exactly this OAuth2 token: no token request, no renewal (the control run).
    fixed_token: TokenSet | None = None


@dataclass
class CheckResult:
    """The verdict, the token obtained (if any), this run's events and, for a Sesam manifest,
    what the system would receive."""

    verdict: Verdict
    token: TokenSet | None = None
    events: list[Event] = field(default_factory=list)
    received: list[ReceivedSecret] = field(default_factory=list)
    token_source: TokenSource | None = None  # how this run got `token`
    token_refused: bool = False  # the API answered 401 to `token`: never reuse it

    @property
    def token_obtained_at(self) -> float | None:
        """When the token was obtained (by an earlier run, when it was reused)."""
        return self.token.obtained_at if self.token is not None else None

    def token_summary(self) -> dict[str, Any] | None:
        """The token as --json shows it: no values; where it came from and when."""
        if self.token is None:
            return None
        return {**self.token.summary(), "source": self.token_source}


async def run_check(
    blueprint: Blueprint,
    given: Mapping[str, str],
    log: EventLog,
    options: CheckOptions | None = None,
) -> CheckResult:
    """Check one connection end to end; never raises for a failed connection."""
    options = options or CheckOptions()
    result = await _recorded(_run, blueprint, given, log, options)
    if options.negative_control and result.verdict.ok:
        await _negative_control(blueprint, given, log, options, result)
    return result


async def _negative_control(blueprint: Blueprint, given: Mapping[str, str], log: EventLog,
                            options: CheckOptions, result: CheckResult) -> None:
    """Run the check again with the main secret wrong; fold what it shows into `result`."""
    entry = blueprint.authentication
    values = form_spec(blueprint).with_defaults(given)
    plan = negative_control.plan(entry.auth_type if entry else None, values, result.token)
    if plan is None:
        negative_control.apply(result.verdict, negative_control.skipped())
        return
    result.events.append(log.note(
        f"Negative control: the same check with a wrong {plan.secret}; it must fail.",
        flow=FLOW, step="negative control"))
    vendor = vendor_scheme(entry.auth_type if entry else None)
    keeps_sign_in = vendor is not None and vendor.prepare is not None  # values, not a credential
    control_options = replace(options, negative_control=False, on_token=None,
                              token=options.token if keeps_sign_in else None,
                              fixed_token=plan.fixed_token)
    control = await _recorded(_run, blueprint, plan.given, log, control_options)
    result.events += control.events
    negative_control.apply(result.verdict, negative_control.judge(plan.secret, control.verdict))


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
    verdict = result.verdict
    verdict.warnings += clock_skew.skew_warnings(events)
    if result.token_source in ("fetched", "refreshed"):
        verdict.warnings += clock_skew.token_warnings(result.token, time.time())
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
    values, warnings = clean_values(spec, spec.with_defaults(given))
    vendor = vendor_scheme(spec.auth_type)
    if vendor is not None and vendor.prepare is not None:
        values = vendor.prepare(values, options.token)
    for name in spec.secret_names:
        log.redactor.add_value(values.get(name))
    waived = _base_url_only(blueprint) if options.base_url else set()
    if options.token is not None or options.fixed_token is not None:
        # A token in hand: what would obtain one is moot.
        waived |= {"code", "refresh_token", "redirect_uri"}
    facts = auth_facts(blueprint, values)
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
        if options.fixed_token is not None and isinstance(auth, OAuth2Flow):
            auth = FixedAuthorization(options.fixed_token)
        method, endpoint = _vendor_check(vendor, options.endpoint)
        requests = build_requests(blueprint.check_steps, endpoint, base_url, params, method)
        warnings += cleartext_warnings(blueprint, values, base_url=base_url,
                                       token_url=context.token_url)
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
                verdict = from_response(response, label, with_token(facts, auth))
                warn_html_page(response, verdict)
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
    if isinstance(auth, OAuth2Flow):
        refused = any(t is token for t in auth.refused)
    else:
        refused = token is not None and verdict.status == 401
    return CheckResult(verdict, token, received=received, token_source=_source(token, options),
                       token_refused=refused)


def _source(token: TokenSet | None, options: CheckOptions) -> TokenSource | None:
    """Fetched or refreshed in this run, or reused from an earlier one."""
    if token is None:
        return None
    if token.obtained_at < options.started_at:
        return "reused"
    return "refreshed" if token.refreshed else "fetched"


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
    return CheckResult(Verdict("ok", f"A new access token was {how}."), token,
                       token_source=_source(token, options))


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
                       options.code_verifier, params[BASE_URL], log, options.settings.client_cert)


def _request_url(exc: httpx.TransportError) -> str:
    try:
        return str(exc.request.url)
    except RuntimeError:
        return ""
