"""private_key_jwt, client_secret_jwt, the JWT bearer and password grants, and resource
indicators, against the real oidc-provider, with a strict API that asks the provider about
every token it is shown."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import parse_qs

import pytest
from joserfc.jwk import ECKey, RSAKey

from tests.integration.test_oauth_code_flow import authorize
from tests.support import client_keys
from tests.support.connectors import auth_connector, blueprint, check
from tests.support.oidc import Provider, login_connector, running_provider
from tests.support.recording_server import RecordingServer
from tests.support.resource_server import protect
from workbench.core.check import CheckOptions, renew_token
from workbench.core.events import EventLog
from workbench.core.jwt import decode_jwt


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    with running_provider(client_keys.provider_env()) as running:
        yield running


@pytest.fixture
async def api(provider: Provider) -> AsyncIterator[RecordingServer]:
    running = await RecordingServer().start()
    protect(running, provider)
    yield running
    await running.close()


def machine(provider: Provider, settings: str, fields: str = "",
            grant: str = "client_credentials") -> Any:
    return auth_connector(f"""
        - name: auth
          type: authentication
          auth_type: oauth2
          oauth2_settings:
            grant_type: {grant}
            token_url: "{provider.token_url}"
            issuer: "{provider.issuer}"
            scopes: "api:read"
{settings}
          fields:
            - name: client_id
{fields}
    """)


PKJWT = "            token_endpoint_auth_method: private_key_jwt"


@pytest.mark.parametrize("key,alg", [
    (client_keys.rsa_pem, "RS256"), (client_keys.rsa_pem, "PS256"), (client_keys.ec_jwk, None)])
async def test_private_key_jwt_gets_a_token_the_api_accepts(
        provider: Provider, api: RecordingServer, key: Any, alg: str | None) -> None:
    settings = PKJWT + (f"\n            signing_alg: {alg}" if alg else "")
    log = EventLog()
    result = await check(machine(provider, settings), {
        "url": api.url, "client_id": "workbench-pkjwt", "private_key": key()}, log)
    assert result.verdict.ok, result.verdict
    [token_event] = [e for e in result.events if e.kind == "token"]
    form = token_event.request_body.decode()
    assert "client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt" \
           "-bearer" in form
    assert "client_secret" not in form
    notes = " ".join(e.message for e in result.events if e.kind == "note")
    assert f"Client assertion (private_key_jwt): {alg or 'ES256'}" in notes
    assert f"aud '{provider.token_url}', exp +300 s, unique jti" in notes
    assert ("kid wb-ec" in notes) if alg is None else ("no kid" in notes)
    assert api.requests_to("/me")[-1].header("authorization").startswith("Bearer ")
    assertion = parse_qs(form)["client_assertion"][0]
    assert assertion not in str(log.rendered()), "the client assertion is masked"


async def test_each_assertion_is_new_so_a_second_run_is_not_a_replay(
        provider: Provider, api: RecordingServer) -> None:
    bp = machine(provider, PKJWT)
    values = {"url": api.url, "client_id": "workbench-pkjwt", "private_key": client_keys.rsa_pem()}
    assert (await check(bp, values)).verdict.ok
    assert (await check(bp, values)).verdict.ok  # the provider refuses a jti it has seen


async def test_a_key_the_provider_does_not_know_is_refused_with_the_usual_causes(
        provider: Provider, api: RecordingServer) -> None:
    stranger = RSAKey.generate_key(2048).as_pem(private=True).decode()
    verdict = (await check(machine(provider, PKJWT), {
        "url": api.url, "client_id": "workbench-pkjwt", "private_key": stranger})).verdict
    assert verdict.outcome == "token_error" and verdict.oauth_error == "invalid_client"
    assert "public key registered" in verdict.hint and "kid" in verdict.hint
    assert "aud" in verdict.hint and "clock" in verdict.hint
    assert stranger.splitlines()[1] not in verdict.summary + verdict.hint


async def test_a_wrong_kid_and_a_wrong_audience_are_refused(
        provider: Provider, api: RecordingServer) -> None:
    values = {"url": api.url, "client_id": "workbench-pkjwt", "private_key": client_keys.ec_jwk(),
              "key_id": "rotated-away"}
    assert (await check(machine(provider, PKJWT), values)).verdict.oauth_error == "invalid_client"
    elsewhere = PKJWT + '\n            assertion_audience: "https://login.example.test/"'
    values.pop("key_id")
    verdict = (await check(machine(provider, elsewhere), values)).verdict
    assert verdict.oauth_error == "invalid_client"
    assert "'https://login.example.test/'" in verdict.hint


async def test_the_issuer_as_audience_is_accepted(provider: Provider, api: RecordingServer) -> None:
    settings = PKJWT + "\n            assertion_audience: issuer"
    result = await check(machine(provider, settings), {
        "url": api.url, "client_id": "workbench-pkjwt", "private_key": client_keys.rsa_pem()})
    assert result.verdict.ok, result.verdict
    assert f"aud '{provider.issuer}'" in " ".join(e.message for e in result.events)


async def test_a_key_that_does_not_fit_the_algorithm_is_a_config_error(
        provider: Provider, api: RecordingServer) -> None:
    verdict = (await check(machine(provider, PKJWT + "\n            signing_alg: ES256"), {
        "url": api.url, "client_id": "workbench-pkjwt",
        "private_key": client_keys.rsa_pem()})).verdict
    assert verdict.outcome == "config_error"
    assert "needs an EC key, but private_key is an RSA key" in verdict.summary


async def test_client_secret_jwt_signs_with_the_secret(provider: Provider,
                                                       api: RecordingServer) -> None:
    settings = "            token_endpoint_auth_method: client_secret_jwt"
    bp = machine(provider, settings, "            - name: client_secret\n")
    secret = "workbench-csjwt-secret-that-is-long-enough-for-hs256"
    result = await check(bp, {"url": api.url, "client_id": "workbench-csjwt",
                              "client_secret": secret})
    assert result.verdict.ok, result.verdict
    form = next(e for e in result.events if e.kind == "token").request_body.decode()
    assert "client_assertion=" in form and secret not in form
    wrong = (await check(bp, {"url": api.url, "client_id": "workbench-csjwt",
                              "client_secret": secret[:-1] + "?"})).verdict
    assert wrong.oauth_error == "invalid_client"


async def test_private_key_jwt_exchanges_a_code_and_refreshes(provider: Provider) -> None:
    code, redirect_uri, verifier = await authorize(provider, client_id="workbench-pkjwt")
    text = login_connector(provider.issuer, "workbench-pkjwt", redirect_uri).replace(
        "is_basic_auth: true\n", "token_endpoint_auth_method: private_key_jwt\n")
    bp = blueprint(text)
    values = {"code": code, "private_key": client_keys.rsa_pem()}
    first = await check(bp, values, code_verifier=verifier)
    assert first.verdict.ok, first.verdict
    assert first.token is not None and first.token.refresh_token
    renewed = await renew_token(bp, values, EventLog(), CheckOptions(token=first.token))
    assert renewed.verdict.ok, renewed.verdict
    assert renewed.token is not None and renewed.token.refreshed
    assert renewed.token.access_token != first.token.access_token


async def test_the_jwt_bearer_grant(provider: Provider, api: RecordingServer) -> None:
    bp = machine(provider, "            token_endpoint_auth_method: none\n"
                           "            assertion_audience: issuer", grant="jwt_bearer")
    values = {"url": api.url, "client_id": "workbench-bearer", "subject": "svc-report",
              "private_key": client_keys.ec_jwk()}
    result = await check(bp, values)
    assert result.verdict.ok, result.verdict
    form = next(e for e in result.events if e.kind == "token").request_body.decode()
    assert "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer" in form
    notes = " ".join(e.message for e in result.events)
    assert "JWT bearer assertion: ES256, kid wb-ec; iss 'workbench-bearer', sub 'svc-report'" \
        in notes
    foreign = json.dumps(ECKey.generate_key("P-256").as_dict(private=True))
    refused = (await check(bp, {**values, "private_key": foreign})).verdict
    assert refused.oauth_error == "invalid_grant"


async def test_the_password_grant(provider: Provider, api: RecordingServer) -> None:
    bp = machine(provider, "            is_basic_auth: true", "            - name: client_secret\n",
                 grant="password")
    values = {"url": api.url, "client_id": "workbench-legacy",
              "client_secret": "workbench-legacy-secret", "username": "ada"}
    ok = await check(bp, {**values, "password": "correct-horse"})
    assert ok.verdict.ok, ok.verdict
    wrong = (await check(bp, {**values, "password": "Tr0ub4dor&3"})).verdict
    assert wrong.oauth_error == "invalid_grant"
    assert "user name or password" in wrong.hint


async def test_a_resource_indicator_gets_a_token_for_that_api(
        provider: Provider, api: RecordingServer) -> None:
    audience = "https://api.example.test/reports"
    protect(api, provider, "/reports", audience=audience)
    steps = """
        pre_run_configurations:
          steps:
            - name: reports
              type: rest
              endpoint: "{{%BASE_URL%}}/reports"
    """
    def bp(resource: str) -> Any:
        return auth_connector(f"""
            - name: auth
              type: authentication
              auth_type: oauth2
              oauth2_settings:
                grant_type: client_credentials
                token_url: "{provider.token_url}"
                is_basic_auth: true
                scopes: "api:read"
{resource}
        """, steps=steps)
    values = {"url": api.url, "client_id": "workbench", "client_secret": "workbench-secret"}
    result = await check(bp(f'                resource: "{audience}"'), values)
    assert result.verdict.ok, result.verdict
    assert result.token is not None
    decoded = decode_jwt(result.token.access_token)
    assert decoded is not None and decoded.claims is not None
    assert decoded.claims["aud"] == audience
    without = (await check(bp(""), values)).verdict
    assert without.status == 401
    assert "audience" in without.hint and "resource" in without.hint
