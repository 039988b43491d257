"""Plain-http URLs to other machines are named, with what would travel in clear."""

from __future__ import annotations

import pytest

from tests.support.connectors import auth_connector, blueprint, oauth_entry
from workbench.core.insecure_urls import cleartext_warnings, is_loopback_host

CODE_LOGIN = """
    interface_parameters:
      section:
        source:
          - name: idp
            type: string
            value: "http://login.corp.example"
          - name: auth
            type: authentication
            auth_type: oauth2
            oauth2_settings:
              grant_type: authorization_code
              token_url: "{idp}/token"
              authorization_url: "{idp}/authorize?tenant=acme"
              device_authorization_url: "{idp}/device"
            fields:
              - name: client_id
              - name: redirect_uri
                value: "http://app.corp.example/callback"
    connector:
      name: Corp
      base_url: "http://api.corp.example/v1?key=abc"
"""


def test_every_url_that_carries_secrets_is_named_with_what_it_carries() -> None:
    bp = blueprint(CODE_LOGIN)
    warnings = cleartext_warnings(bp, {"idp": "http://login.corp.example"})
    named = {w.split(" ", 1)[0]: w for w in warnings}
    assert set(named) == {"base_url", "token_url", "authorization_url",
                          "device_authorization_url", "redirect_uri"}
    assert "http://login.corp.example/token" in named["token_url"]
    assert "client secret" in named["token_url"] and "in clear" in named["token_url"]
    assert "password" in named["authorization_url"]
    assert "authorization code" in named["redirect_uri"]
    assert "key=abc" not in named["base_url"] and "?tenant" not in named["authorization_url"]
    assert all("https" in w for w in warnings)


@pytest.mark.parametrize("host", ["127.0.0.1", "127.8.9.10", "[::1]", "localhost",
                                  "LOCALHOST", "app.localhost"])
def test_loopback_hosts_are_fine_over_http(host: str) -> None:
    bp = auth_connector(oauth_entry("client_credentials", basic=True))
    assert cleartext_warnings(bp, {"url": f"http://{host}:8080"}) == []
    assert is_loopback_host(host.strip("[]"))


def test_https_and_unfilled_placeholders_give_no_warning() -> None:
    bp = auth_connector(oauth_entry("client_credentials", basic=True))
    assert cleartext_warnings(bp, {"url": "https://api.example.test"}) == []
    assert cleartext_warnings(bp, {}) == []  # "{url}" unknown: nothing to say yet
    assert is_loopback_host("127.0.0.1") and not is_loopback_host("10.0.0.1")
    assert not is_loopback_host("localhost.evil.example")


def test_overrides_replace_what_the_connector_says() -> None:
    bp = auth_connector(oauth_entry("client_credentials", basic=True))
    warnings = cleartext_warnings(bp, {"url": "https://api.example.test"},
                                  base_url="http://staging.example.test",
                                  token_url="http://127.0.0.1:9/token")
    assert [w.split(" ", 1)[0] for w in warnings] == ["base_url"]


def test_a_connector_without_auth_sends_no_secrets_to_its_base_url() -> None:
    bp = blueprint("""
        connector:
          name: Public
          base_url: "http://data.example.test"
    """)
    assert cleartext_warnings(bp, {}) == []


def test_urls_that_do_not_parse_are_left_to_the_check() -> None:
    bp = auth_connector(oauth_entry("client_credentials", basic=True))
    assert cleartext_warnings(bp, {"url": "http://[::1"}) == []
