"""Which proxy a request goes through, and the proxy credentials the redactor must know.

Settings name a proxy, or the environment does (HTTPS_PROXY, HTTP_PROXY, NO_PROXY); loopback
never goes through one. A proxy URL may carry `user:password@`, from which httpx builds a Basic
Proxy-Authorization header: both are taught to the run's redactor before the first request.
"""

from __future__ import annotations

import urllib.request

import httpx

from workbench.core.network_settings import TransportSettings
from workbench.core.redaction import Redactor


def learn_proxy_credentials(settings: TransportSettings, redactor: Redactor) -> None:
    """Teach the redactor the password of every proxy this run may use, and the Basic
    Proxy-Authorization blob httpx builds from it, before the first request."""
    candidates = [settings.proxy] if settings.proxy else []
    if settings.use_env_proxy and not settings.proxy:
        candidates += [v for k, v in urllib.request.getproxies().items() if k != "no"]
    for candidate in candidates:
        try:
            url = httpx.URL(candidate)
        except httpx.InvalidURL:
            continue
        if url.password:  # httpx percent-decodes, as it does for the header it builds
            redactor.add_basic_credentials(url.username, url.password)
            redactor.add_value(url.userinfo.decode("ascii").partition(":")[2])


def proxy_for(url: httpx.URL, settings: TransportSettings) -> str | None:
    """The proxy URL for a request to `url`, or None to go direct."""
    host = url.host
    if host in ("127.0.0.1", "::1", "localhost"):
        return None  # loopback never goes through a proxy (sandbox, receivers, tests)
    if settings.proxy:
        return settings.proxy
    if not settings.use_env_proxy:
        return None
    proxies = urllib.request.getproxies()
    proxy = proxies.get(url.scheme) or proxies.get("all")
    if proxy and urllib.request.proxy_bypass(host):
        return None
    return proxy
