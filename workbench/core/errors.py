"""Typed errors the core raises; each carries a message fit to show a user as is."""

from __future__ import annotations

from dataclasses import dataclass, field


class WorkbenchError(Exception):
    """Base of every error the core raises on purpose."""


@dataclass(frozen=True)
class ConfigProblem:
    """One positioned problem in a config file."""

    path: str
    line: int  # 1-based; 0 when unknown
    column: int  # 1-based; 0 when unknown
    where: str  # dotted path inside the document, e.g. connector.base_url
    message: str
    source_line: str = ""

    def format(self) -> str:
        head = f"{self.path}:{self.line}:{self.column}: "
        head += f"{self.where}: {self.message}" if self.where else self.message
        if not self.source_line:
            return head
        caret = " " * max(self.column - 1, 0) + "^"
        return f"{head}\n    {self.source_line}\n    {caret}"


@dataclass
class ConfigError(WorkbenchError):
    """A config file could not be loaded; lists every problem found, not just the first."""

    problems: list[ConfigProblem] = field(default_factory=list)

    def __str__(self) -> str:
        return "\n".join(p.format() for p in self.problems)


class InputError(WorkbenchError):
    """Values given for a run are missing or malformed (a required field, a placeholder)."""


class TokenEndpointError(WorkbenchError):
    """The token endpoint did not give us a usable token; `reason` is plain words."""

    def __init__(
        self,
        reason: str,
        *,
        status: int | None = None,
        error: str | None = None,
        error_description: str | None = None,
        error_uri: str | None = None,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.error = error
        self.error_description = error_description
        self.error_uri = error_uri


class NetworkError(WorkbenchError):
    """A request never got an HTTP response; `kind` says why (refused, dns, timeout, tls, …)."""

    def __init__(self, kind: str, detail: str, url: str = "") -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind = kind
        self.detail = detail
        self.url = url

    @property
    def hint(self) -> str:
        return network_hint(self.kind)


_HINTS = {
    "refused": "Nothing is listening at that address: check the host and port in base_url, "
    "that the service is running, and any proxy in between.",
    "dns": "The host name does not resolve: check the spelling and any placeholder in "
    "base_url (such as {your_domain}), VPN, or the DNS of this machine.",
    "timeout": "The server did not answer in time: a firewall or proxy may be dropping "
    "packets, or the service is overloaded; raise the timeout in Settings to tell which.",
    "tls": "The TLS handshake failed: a corporate proxy's CA may be missing (add a CA bundle), "
    "the certificate may be self-signed or for another host, or the port does not speak TLS.",
    "dropped": "The connection was closed without a complete response: the port may expect "
    "TLS (https) or plain http, or a proxy or load balancer cut it.",
    "proxy": "The proxy refused or failed the request: check the proxy address and its "
    "credentials in Settings or in HTTPS_PROXY / HTTP_PROXY.",
    "protocol": "The URL cannot be requested: check the scheme (http or https) and the host.",
    "redirect_loop": "The server redirects in a loop: often a login or SSO page that does not "
    "accept these credentials and sends the request back, a session cookie the server needs, "
    "or http and https (or two hosts) pointing at each other; open the URL in a browser.",
    "too_many_redirects": "The server redirected too many times: check base_url (a missing "
    "path prefix or trailing slash, http vs https) and whether the credentials are refused "
    "and answered with a redirect to a login page.",
    "unsafe_redirect": "The server redirected a request carrying credentials in its body to "
    "another host; it was not sent there. Point token_url or the step at the final address "
    "(the Location in the log), if you trust it.",
    "bad_redirect": "The server's redirect Location is not a usable URL: see the Location "
    "header of the last response in the log; the server or a proxy in front of it is "
    "misconfigured.",
    "too_large": "The answer was cut off at the size the workbench reads: a token endpoint "
    "never sends that much, so token_url (or the login URL) probably points at a file, a "
    "stream or a web page instead.",
    "invalid_request": "The request could not be sent as valid HTTP: look for line breaks or "
    "control characters in the values and default headers.",
}


def network_hint(kind: str) -> str:
    return _HINTS.get(kind, "The request failed before any HTTP response arrived.")

