"""Plain-http URLs to other machines: whatever secret they carry would travel in clear.

Loopback (127.0.0.0/8, ::1, localhost and *.localhost) is exempt: the sandbox, local stand-ins
and the loopback redirect never leave the machine. URLs whose host is still a placeholder are
skipped until a value says where they go.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from ipaddress import ip_address
from urllib.parse import urlsplit, urlunsplit

from workbench.core.config.model import Blueprint
from workbench.core.errors import InputError
from workbench.core.formspec import form_spec
from workbench.core.templates import fill, placeholders

_CARRIES = {
    "base_url": "the credentials this connector sends",
    "token_url": "the client secret, codes and tokens",
    "authorization_url": "the user's password and the authorization code",
    "device_authorization_url": "the client credentials and the device code",
    "redirect_uri": "the authorization code",
}


def cleartext_warnings(blueprint: Blueprint, values: Mapping[str, str], *,
                       base_url: str | None = None, token_url: str | None = None,
                       authorization_url: str | None = None,
                       only: Collection[str] = ()) -> list[str]:
    """One warning per plain-http URL to another machine that would carry a secret; the
    keyword arguments replace the connector's URL (a --base-url, a filled token URL), `only`
    limits the warnings to these URL names. Values not given fall back to the form's
    defaults."""
    values = {**form_spec(blueprint).with_defaults({}), **values}
    entry = blueprint.authentication
    if entry is None or entry.auth_type is None:
        return []  # sends no credentials anywhere
    settings = entry.oauth2_settings
    urls = {"base_url": base_url or blueprint.connector.base_url}
    if settings is not None:
        urls["token_url"] = token_url or settings.token_url
        urls["authorization_url"] = (authorization_url or settings.authorization_url
                                     or values.get("authorization_url", ""))
        urls["device_authorization_url"] = settings.device_authorization_url or ""
        if settings.grant_type == "authorization_code":
            urls["redirect_uri"] = values.get("redirect_uri", "")
    warnings = []
    for name, template in urls.items():
        if only and name not in only:
            continue
        shown = _cleartext_url(template, values)
        if shown:
            warnings.append(f"{name} {shown} is plain http to another machine: "
                            f"{_CARRIES[name]} would travel in clear. Use https.")
    return warnings


def file_cleartext_warnings(loaded: object) -> list[str]:
    """The warnings for a loaded file with its default values (`workbench validate`); none
    for files that are not Blueprint connectors."""
    blueprint = getattr(loaded, "blueprint", None)
    return cleartext_warnings(blueprint, {}) if isinstance(blueprint, Blueprint) else []


def is_loopback_host(host: str) -> bool:
    """True for a host that never leaves this machine."""
    host = host.lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


def _cleartext_url(template: str, values: Mapping[str, str]) -> str:
    """The URL without query (which may hold a key) when it is plain http to another machine,
    else ""."""
    if not template:
        return ""
    try:
        url = fill(template, values, what="url")
    except InputError:
        return ""
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname or ""
    except ValueError:
        return ""  # not a URL at all: the check says so where it uses it
    if parts.scheme.lower() != "http" or not host or placeholders(host) or "{" in host:
        return ""
    if is_loopback_host(host):
        return ""
    return urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], parts.path, "", ""))
