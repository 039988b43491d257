"""Authorize in a browser, then check: the whole authorization code flow for one connector.

The browser part is the caller's (`open_url`: the system browser, printing the URL for a user
on SSH, or the embedded browser); the redirect comes back to a one-shot loopback listener.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx

from workbench.core.auth.authorization import (
    AuthorizationError,
    AuthorizationRequest,
    UnrelatedRedirect,
    authorization_request,
    read_redirect,
    redirect_parameter,
)
from workbench.core.auth.device import (
    DEFAULT_INTERVAL,
    DeviceAuthorization,
    poll_for_token,
    start_device_authorization,
)
from workbench.core.auth.issuer import ExpectedIssuer, discover_issuer
from workbench.core.auth.oauth2 import OAuth2Flow, OAuth2Grant
from workbench.core.auth.plugins import vendor_scheme
from workbench.core.auth.token_endpoint import ClientCredentials
from workbench.core.check import (
    CheckOptions,
    CheckResult,
    _recorded,
    missing_values,
    run_check,
)
from workbench.core.config.model import Blueprint, FieldEntry
from workbench.core.errors import InputError, TokenEndpointError
from workbench.core.events import Event, EventLog
from workbench.core.formspec import form_spec
from workbench.core.insecure_urls import cleartext_warnings
from workbench.core.loopback import LoopbackRedirect, loopback_port_and_path
from workbench.core.templates import fill
from workbench.core.transport import classify, create_client
from workbench.core.verdict import (
    AuthFacts,
    Verdict,
    config_error,
    from_network_error,
    from_token_error,
)

FLOW = "authorize"
DEFAULT_REDIRECT = "http://127.0.0.1/callback"  # any free port (RFC 8252 §7.3)
Opener = Callable[[str], None]


class RedirectCatcher(Protocol):
    """Where the redirect comes back: the loopback listener, or the embedded browser. It asks
    `judge` about each redirect: UnrelatedRedirect means keep waiting; anything else (a code,
    or another AuthorizationError) ends the wait with that redirect's URL."""

    redirect_uri: str

    def expect(self, judge: Callable[[str], str]) -> None: ...

    async def wait(self, timeout: float) -> str: ...


async def loopback_catcher(redirect_uri: str) -> LoopbackRedirect:
    """The system-browser way: listen on the loopback redirect (any free port if none given)."""
    port, path = loopback_port_and_path(redirect_uri)
    return await LoopbackRedirect(path).start(port)


def _as_one_flow(event: Event) -> None:
    event.flow = FLOW


@contextmanager
def _one_flow(log: EventLog) -> Iterator[None]:
    """Label everything of a login run (metadata, browser, token exchange, check) as one flow;
    `check._recorded` around it collects the whole timeline, from the login on."""
    unsubscribe = log.subscribe(_as_one_flow)
    try:
        yield
    finally:
        unsubscribe()


async def authorize_and_check(
    blueprint: Blueprint,
    given: Mapping[str, str],
    log: EventLog,
    open_url: Opener,
    options: CheckOptions | None = None,
    timeout: float = 300.0,
    authorization_url: str | None = None,
    catcher: RedirectCatcher | None = None,
) -> CheckResult:
    """Open the authorization URL, wait for the redirect, exchange the code, run the check.
    `authorization_url` stands in for a config without one; `catcher` replaces the loopback
    listener (the embedded browser catches any redirect URI itself). Never raises for a failed
    authorization: the verdict says what went wrong."""
    def run(bp: Blueprint, values: Mapping[str, str], lg: EventLog,
            opts: CheckOptions) -> Awaitable[CheckResult]:
        warnings = _warn_cleartext(lg, bp, values, authorization_url=authorization_url,
                                   token_url=opts.token_url)
        return _with_warnings(_authorize_and_check(bp, values, lg, open_url, opts, timeout,
                                                   authorization_url, catcher), warnings)

    with _one_flow(log):  # every event of the login run in the result, scrubbed once
        return await _recorded(run, blueprint, given, log, options or CheckOptions())


async def device_authorize_and_check(
    blueprint: Blueprint,
    given: Mapping[str, str],
    log: EventLog,
    show: Callable[[DeviceAuthorization], None],
    options: CheckOptions | None = None,
    default_interval: float = DEFAULT_INTERVAL,
) -> CheckResult:
    """The device grant: get a user code, let `show` present it, poll until the person
    confirms on another device, then run the check with that token."""
    def run(bp: Blueprint, values: Mapping[str, str], lg: EventLog,
            opts: CheckOptions) -> Awaitable[CheckResult]:
        warnings = _warn_cleartext(lg, bp, values, token_url=opts.token_url,
                                   only=("base_url", "token_url", "device_authorization_url"))
        return _with_warnings(_device_authorize_and_check(bp, values, lg, show, opts,
                                                          default_interval), warnings)

    with _one_flow(log):
        return await _recorded(run, blueprint, given, log, options or CheckOptions())


def _warn_cleartext(log: EventLog, blueprint: Blueprint, given: Mapping[str, str],
                    **urls: Any) -> list[str]:
    """Say before the login, in the log, which URLs would carry secrets in clear."""
    warnings = cleartext_warnings(blueprint, given, **urls)
    for warning in warnings:
        log.note(f"Warning: {warning}", flow=FLOW, step="plain http")
    return warnings


async def _with_warnings(login: Awaitable[CheckResult], warnings: list[str]) -> CheckResult:
    """The login's result with its plain-http warnings, whether or not the check ran."""
    result = await login
    result.verdict.warnings += [w for w in warnings if w not in result.verdict.warnings]
    return result


async def _authorize_and_check(
    blueprint: Blueprint, given: Mapping[str, str], log: EventLog, open_url: Opener,
    options: CheckOptions, timeout: float, authorization_url: str | None,
    catcher: RedirectCatcher | None,
) -> CheckResult:
    entry = blueprint.authentication
    settings = entry.oauth2_settings if entry is not None else None
    if settings is None or settings.grant_type != "authorization_code":
        return CheckResult(config_error("This connector does not use the authorization_code "
                                        "grant, so there is nothing to authorize.",
                                        "Use Test connection (workbench check) instead."))
    spec = form_spec(blueprint)
    values = spec.with_defaults(given)
    missing = missing_values(spec, values, ("code", "redirect_uri"))
    if missing is not None:  # before a browser opens, not after the user logged in
        return CheckResult(missing)
    try:
        url = authorization_url or settings.authorization_url or values.get(
            "authorization_url", "")
        if not url:
            raise InputError("The connector has no oauth2_settings.authorization_url: give the "
                             "provider's login URL (--authorization-url on the command line).")
        url = _web_address(fill(url, values, what="authorization_url"), "authorization_url")
        configured_issuer = fill(settings.issuer or "", values, what="oauth2_settings.issuer")
        owned = None
        if catcher is None:
            owned = await loopback_catcher(values.get("redirect_uri") or DEFAULT_REDIRECT)
    except InputError as exc:
        return CheckResult(config_error(str(exc)))
    catching: RedirectCatcher = owned if owned is not None else catcher  # type: ignore[assignment]
    try:  # the listener stays up until the end, so a second redirect gets an honest answer
        try:
            async with create_client(log, options.settings) as client:
                issuer = await discover_issuer(client, log, url, configured_issuer, flow=FLOW)
        except InputError as exc:  # the network settings themselves (a missing CA bundle)
            return CheckResult(config_error(str(exc)))
        request = authorization_request(url, values.get("client_id", ""), catching.redirect_uri,
                                        settings.scope_string(),
                                        settings.extra_authorization_params())
        ignored: list[str] = []
        catching.expect(_judge(request, issuer, log, ignored))
        _log_request(log, request)
        open_url(request.url)
        try:
            redirect = await catching.wait(timeout)
        except TimeoutError:
            return CheckResult(_no_redirect(timeout, catching.redirect_uri, ignored))
        log.note(f"Redirect received: {log.redactor.url(redirect)}", flow=FLOW, step="redirect")
        try:
            code = read_redirect(redirect, request, issuer)
        except AuthorizationError as exc:
            log.note(str(exc), flow=FLOW, step="redirect")
            return CheckResult(Verdict("token_error", str(exc), exc.hint, oauth_error=exc.error,
                                       oauth_error_description=exc.description))
        _note_unverified_issuer(log, redirect, issuer)
        log.redactor.add_value(code)
        values.update(code=code, redirect_uri=catching.redirect_uri)
        options = replace(options, code_verifier=request.code_verifier)
        if entry is not None and vendor_scheme(entry.auth_type) is not None:
            return await _sign_in_then_check(blueprint, values, log, options)
        return await run_check(blueprint, values, log, options)
    finally:
        if owned is not None:
            await owned.close()


def _web_address(url: str, name: str) -> str:
    """`url` when it is an http(s) address with a host; InputError saying so otherwise."""
    try:
        parts = urlsplit(url)
        valid = parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
    except ValueError:
        valid = False
    if not valid or any(ord(c) < 33 for c in url):
        raise InputError(f"{name} {url!r} is not a web address (https://host/path).")
    return url


def _judge(request: AuthorizationRequest, issuer: ExpectedIssuer, log: EventLog,
           ignored: list[str]) -> Callable[[str], str]:
    """Read each redirect against this login; note every one that is not its answer."""
    def judge(redirect: str) -> str:
        try:
            return read_redirect(redirect, request, issuer)
        except UnrelatedRedirect as exc:
            ignored.append(str(exc))
            log.note(f"Ignored a redirect ({log.redactor.url(redirect)}): {exc} Still waiting "
                     "for this login's answer.", flow=FLOW, step="redirect")
            raise
    return judge


def _note_unverified_issuer(log: EventLog, redirect: str, issuer: ExpectedIssuer) -> None:
    iss = redirect_parameter(redirect, "iss")
    if iss is not None and not issuer.issuer:
        log.note(f"The redirect names issuer {iss!r}, which could not be checked: the "
                 "provider's issuer is unknown.", flow=FLOW, step="redirect")


async def _sign_in_then_check(blueprint: Blueprint, values: dict[str, str], log: EventLog,
                              options: CheckOptions) -> CheckResult:
    """A vendor scheme that signs in with OAuth2 first (SuperOffice): exchange the code here,
    then check with the token in hand, from which the scheme takes what it needs."""
    entry = blueprint.authentication
    assert entry is not None and entry.oauth2_settings is not None
    settings = entry.oauth2_settings
    try:
        token_url = options.token_url or fill(settings.token_url, values, what="token_url")
    except InputError as exc:
        return CheckResult(config_error(str(exc)))
    log.redactor.add_value(values.get("client_secret") or None)
    grant = OAuth2Grant("authorization_code", token_url, ClientCredentials(
        values.get("client_id", ""), values.get("client_secret", ""), settings.is_basic_auth),
        code=values["code"], redirect_uri=values["redirect_uri"],
        code_verifier=options.code_verifier, key_map=entry.key_map())
    flow = OAuth2Flow(grant, redactor=log.redactor, on_token=options.on_token)
    async with create_client(log, options.settings) as client:
        try:
            token = await flow.fetch_token(client)
        except TokenEndpointError as exc:
            return CheckResult(from_token_error(exc, AuthFacts("oauth2", "authorization_code")))
        except httpx.TransportError as exc:
            return CheckResult(from_network_error(classify(exc, token_url)))
    return await run_check(blueprint, values, log, replace(options, token=token))


def _log_request(log: EventLog, request: AuthorizationRequest) -> None:
    lines = "\n".join(f"  {name} = {value}" for name, value in request.parameters())
    log.note(f"Authorization URL {request.url.split('?')[0]}\n{lines}", flow=FLOW,
             step="authorization request")


def _no_redirect(timeout: float, redirect_uri: str, ignored: list[str]) -> Verdict:
    summary = f"No redirect for this login reached {redirect_uri} within {timeout:.0f} s."
    if ignored:
        summary += (f" {len(ignored)} other redirect(s) were ignored because they were not its "
                    f"answer; the last: {ignored[-1]}")
    return Verdict(
        "network", summary,
        "Finish the login in the browser. If the provider showed an error page instead of "
        "redirecting, the redirect_uri is probably not registered for this client: "
        "providers must accept http://127.0.0.1 on any port for native apps (RFC 8252).",
        network="timeout")


async def _device_authorize_and_check(
    blueprint: Blueprint, given: Mapping[str, str], log: EventLog,
    show: Callable[[DeviceAuthorization], None], options: CheckOptions, default_interval: float,
) -> CheckResult:
    entry = blueprint.authentication
    settings = entry.oauth2_settings if entry is not None else None
    if settings is None or not settings.device_authorization_url:
        return CheckResult(config_error(
            "This connector names no oauth2_settings.device_authorization_url, so it cannot "
            "log in on another device.", "Use Authorize (browser login) instead."))
    spec = form_spec(blueprint)
    values = spec.with_defaults(given)
    missing = missing_values(spec, values, ("code", "redirect_uri", "client_secret"))
    if missing is not None:
        return CheckResult(missing)
    credentials = ClientCredentials(values.get("client_id", ""), values.get("client_secret", ""),
                                    settings.is_basic_auth and bool(values.get("client_secret")))
    log.redactor.add_value(credentials.client_secret or None)
    try:
        device_url = fill(settings.device_authorization_url, values, what="device URL")
        token_url = options.token_url or fill(settings.token_url, values, what="token_url")
    except InputError as exc:
        return CheckResult(config_error(str(exc)))
    facts = AuthFacts(auth_type="oauth2", grant_type="device_code",
                      is_basic_auth=credentials.in_basic_header, scopes=settings.scope_string())
    async with create_client(log, options.settings) as client:
        try:
            device = await start_device_authorization(client, device_url, credentials,
                                                      settings.scope_string(), default_interval)
            log.redactor.add_value(device.device_code)
            show(device)
            token = await poll_for_token(client, token_url, credentials, device,
                                         entry.key_map() if entry else None)
        except TokenEndpointError as exc:
            return CheckResult(from_token_error(exc, facts))
        except httpx.TransportError as exc:
            return CheckResult(from_network_error(classify(exc, device_url)))
    for secret in (token.access_token, token.refresh_token, token.id_token):
        log.redactor.add_value(secret)
    if options.on_token is not None:
        options.on_token(token)  # as a token endpoint's answer would be handed on
    # The device grant has no redirect and no code: the check must not ask for them.
    return await run_check(_without_redirect(blueprint), values, log,
                           replace(options, token=token))


def _without_redirect(blueprint: Blueprint) -> Blueprint:
    """The connector as seen after a device login: `code` and `redirect_uri` not required."""
    device = blueprint.model_copy(deep=True)
    entry = device.authentication
    assert entry is not None
    for name in ("code", "redirect_uri"):
        field = entry.field(name)
        if field is None:
            entry.fields.append(FieldEntry(name=name, required=False))
        else:
            field.required = False
    return device

