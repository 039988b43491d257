"""The network laid bare: local TLS servers with their own CA chains — one of them a corporate
TLS-inspection proxy's — seen through the transport, the HAR export, `check -v` and --json."""

from __future__ import annotations

import contextlib
import json
import textwrap
from pathlib import Path

import httpx
import pytest

from tests.support.cli import workbench
from tests.support.json_output import one_object
from tests.support.tls_chains import make_chain, tls_server
from workbench.core.diagnosis.har_file import diagnose_har
from workbench.core.events import EventLog
from workbench.core.har import to_har
from workbench.core.network_facts import facts_for, no_proxy_match, proxy_decision
from workbench.core.network_report import build_report, probe_chain
from workbench.core.network_settings import TransportSettings
from workbench.core.redaction import Redactor
from workbench.core.tls_inspection import inspection_warning
from workbench.core.transport import create_client

BEARER = textwrap.dedent("""\
    interface_parameters:
      section:
        source:
          - name: url
            type: string
          - name: auth
            type: authentication
            auth_type: bearer
    connector:
      name: TLS API
      base_url: "{url}"
    """)


async def fetch(url: str, settings: TransportSettings) -> EventLog:
    log = EventLog()
    async with create_client(log, settings) as client:
        with contextlib.suppress(httpx.TransportError):
            await client.get(url + "/me")
    return log


async def test_a_chain_trusted_through_the_ca_bundle(tmp_path: Path) -> None:
    chain = make_chain(tmp_path / "corp", "Corp Issuing Root", intermediate_cn="Corp Issuing CA 2")
    async with tls_server(chain) as url:
        log = await fetch(url, TransportSettings(ca_bundle=str(chain.root)))
    facts = facts_for(next(e for e in log if e.method))
    assert facts is not None and facts.tls_version.startswith("TLSv1.")
    assert facts.cipher and facts.address.startswith("127.0.0.1:")
    report = build_report(facts)
    assert [c.subject for c in report.chain] == ["127.0.0.1", "Corp Issuing CA 2"]
    assert report.chain[0].issuer == "Corp Issuing CA 2"
    assert report.chain[0].san == ["127.0.0.1"] and report.host_matches is True
    assert report.trusted_by == f"the CA bundle {chain.root}"
    assert report.private_ca and report.dns == ["127.0.0.1"]
    assert report.warnings == []  # a private CA for a private host: nothing to warn about
    assert report.proxy_source == "loopback (never proxied)"


async def test_an_inspection_proxys_ca_is_named(tmp_path: Path) -> None:
    chain = make_chain(tmp_path / "z", "Zscaler Root CA", organisation="Zscaler Inc.",
                       intermediate_cn="Zscaler Intermediate Root CA")
    async with tls_server(chain) as url:
        log = await fetch(url, TransportSettings(ca_bundle=str(chain.root)))
    event = next(e for e in log if e.method)
    report = build_report(facts_for(event))  # type: ignore[arg-type]
    assert any("TLS-inspection proxy" in w and "Zscaler" in w for w in report.warnings)
    # The HAR export carries it, and a HAR diagnosis of that export finds it again.
    document = to_har(log, log.redactor, creator_version="test")
    entry = document["log"]["entries"][0]
    assert entry["serverIPAddress"] == "127.0.0.1"
    assert entry["_tls"]["chain"][1]["subject"] == "Zscaler Intermediate Root CA"
    assert entry["_tls"]["version"] == report.tls_version
    found = diagnose_har(json.dumps(document).encode(), Redactor())
    assert [f.code for f in found.diagnosis.findings] == ["tls_inspection"]


async def test_a_refused_chain_is_fetched_again_to_name_its_issuer(tmp_path: Path) -> None:
    chain = make_chain(tmp_path / "x", "Untrusted Inspection CA")
    async with tls_server(chain) as url:
        log = await fetch(url, TransportSettings())
        event = next(e for e in log if e.method)
        assert event.status is None and "certificate" in event.error.lower()
        facts = facts_for(event)
        assert facts is not None and facts.chain == ()
        presented = await probe_chain(facts.host, facts.port)
    report = build_report(facts, chain=presented)
    assert report.chain[0].issuer == "Untrusted Inspection CA"
    assert report.trusted_by.startswith("no trust store here")


async def test_check_verbose_and_json_show_the_network(tmp_path: Path) -> None:
    chain = make_chain(tmp_path / "z", "Zscaler Root CA", intermediate_cn="Zscaler Int CA")
    connector = tmp_path / "tls.yaml"
    connector.write_text(BEARER)
    async with tls_server(chain) as url:
        args = ("check", str(connector), "--set", f"url={url}", "--set",
                "bearer_token=tls-token-7781", "--endpoint", "/me", "--ca-bundle",
                str(chain.root))
        text = await workbench(*args, "-v")
        data = one_object(await workbench(*args, "--json"))
        refused = one_object(await workbench(*args[:-2], "--json"))
    assert text.code == 0, text.stderr
    assert "Network:" in text.stdout and "trusted by the CA bundle" in text.stdout
    assert "TLS TLSv1." in text.stdout and "TLS-inspection proxy" in text.stdout
    network = data["connections"][0]
    assert network["tls_version"].startswith("TLSv1.") and len(network["chain"]) == 2
    assert network["host_matches"] is True and network["dns"] == ["127.0.0.1"]
    assert refused["outcome"] == "network" and refused["connections"][0]["chain"][0]["issuer"] \
        == "Zscaler Int CA"
    assert refused["connections"][0]["trusted_by"].startswith("no trust store here")
    assert "tls-token-7781" not in text.stdout + json.dumps(data)


def test_the_proxy_in_effect_and_the_no_proxy_entry_that_matched(
        monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.setenv("HTTPS_PROXY", "http://user:pw-9@127.0.0.1:3128")
    monkeypatch.setenv("NO_PROXY", "localhost, .corp.example, 10.0.0.0")
    settings = TransportSettings()
    proxy, source, matched = proxy_decision(httpx.URL("https://api.example.com/x"), settings)
    assert proxy.endswith("@127.0.0.1:3128") and source == "environment (HTTPS_PROXY)"
    assert matched == ""
    assert proxy_decision(httpx.URL("https://wiki.corp.example/"), settings) == (
        "", "NO_PROXY", ".corp.example")
    assert proxy_decision(httpx.URL("https://127.0.0.1:9/"), settings)[1] == \
        "loopback (never proxied)"
    explicit = TransportSettings(proxy="http://127.0.0.1:8080")
    assert proxy_decision(httpx.URL("https://api.example.com"), explicit) == (
        "http://127.0.0.1:8080", "settings", "")
    assert no_proxy_match("corp.example", ".corp.example") == ".corp.example"
    assert no_proxy_match("notcorp.example", ".corp.example") == ""


def test_a_private_ca_for_a_public_host_is_an_inspection_proxy() -> None:
    warning = inspection_warning("api.github.com", "Contoso Network Security CA",
                                 private_root=True)
    assert warning is not None and "a private CA" in warning
    assert inspection_warning("intranet.corp", "Contoso CA", private_root=True) is None
    assert inspection_warning("api.github.com", "Sectigo RSA Domain Validation") is None
