"""The network settings every request honours; a plain dataclass so the GUI can hold it
without importing the HTTP stack."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TransportSettings:
    """Network settings applied to every request the app sends."""

    timeout: float = 30.0
    connect_timeout: float = 10.0
    proxy: str | None = None  # explicit proxy URL; None means "from the environment"
    use_env_proxy: bool = True
    ca_bundle: str | None = None  # extra CAs, on top of the OS trust store
    client_cert: str | None = None  # PEM certificate (may include the key) for mTLS
    client_key: str | None = None
    verify_tls: bool = True
    follow_redirects: bool = True
