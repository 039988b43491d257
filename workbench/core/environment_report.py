"""What a support engineer asks first: which versions, which OS, which proxy, which trust
store, which TLS settings. Secrets in proxy URLs are masked; nothing here imports Qt (the GUI
toolkit's version is read from the installed package's metadata)."""

from __future__ import annotations

import os
import platform
import ssl
import sys
import urllib.request
from importlib import metadata
from pathlib import Path
from typing import Any

from workbench import __version__
from workbench.core.network_settings import TransportSettings
from workbench.core.redaction import Redactor

PACKAGES = ("httpx", "httpcore", "truststore", "certifi", "cryptography", "pydantic", "PyYAML",
            "keyring", "aiohttp", "PySide6", "qasync")
PROXY_VARIABLES = ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NO_PROXY")


def environment_report(settings: TransportSettings, redactor: Redactor) -> dict[str, Any]:
    """Versions, OS, proxy in effect, trust store and TLS settings, with secrets masked."""
    redactor.add_proxy_credentials(settings.proxy)
    return {
        "workbench": __version__,
        "python": sys.version.split()[0],
        "os": platform.platform(),
        "machine": platform.machine(),
        "packages": {name: _version(name) for name in PACKAGES},
        "openssl": ssl.OPENSSL_VERSION,
        "proxy": {
            "settings": redactor.url(settings.proxy) if settings.proxy else None,
            "use_environment": settings.use_env_proxy,
            "environment": {name: redactor.url(value) for name in PROXY_VARIABLES
                            for value in [os.environ.get(name) or os.environ.get(name.lower())]
                            if value},
            "system": {k: redactor.url(v) for k, v in urllib.request.getproxies().items()},
        },
        "trust_store": {
            "verify": settings.verify_tls,
            "os_store": f"truststore {_version('truststore')} (the operating system's store)",
            "ca_bundle": settings.ca_bundle,
            "ca_bundle_exists": bool(settings.ca_bundle and Path(settings.ca_bundle).is_file()),
            "openssl_defaults": ssl.get_default_verify_paths().cafile,
            "public_roots": _certifi(),
        },
        "tls": {
            "client_certificate": bool(settings.client_cert),
            "client_key": bool(settings.client_key),
            "timeout_s": settings.timeout,
            "connect_timeout_s": settings.connect_timeout,
            "follow_redirects": settings.follow_redirects,
            "minimum_version": ssl.create_default_context().minimum_version.name,
        },
    }


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _certifi() -> str | None:
    try:
        import certifi
    except ImportError:
        return None
    return certifi.where()
