"""AWS SigV4, HTTP Digest and HMAC request signing against the sandbox's strict stand-ins,
which verify independently (the AWS one is itself checked against botocore, AWS's own
signer), refuse like the real services, and whose refusals get their own hints."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from httpx_auth import AWS4Auth

from tests.support.connectors import check
from workbench.core.auth.hmac_signing import HmacSigner
from workbench.core.config import load_connector
from workbench.core.config.model import HmacSettings
from workbench.core.events import EventLog
from workbench.sandbox import aws, digest_api, hmac_api
from workbench.sandbox.server import SandboxServer, start_sandbox

SANDBOX = Path(__file__).resolve().parents[2] / "connectors" / "sandbox"


@pytest.fixture
async def sandbox() -> AsyncIterator[SandboxServer]:
    async with await start_sandbox() as running:
        yield running


def connector(name: str, **replace: str):  # type: ignore[no-untyped-def]
    path = SANDBOX / f"sandbox_{name}.yaml"
    text = path.read_text()
    for old, new in replace.items():
        text = text.replace(old, new)
    changed = path.parent / f".test_{name}.yaml"
    if not replace:
        return load_connector(path).blueprint
    changed.write_text(text)
    try:
        return load_connector(changed).blueprint
    finally:
        changed.unlink()


# -- the AWS stand-in is AWS's algorithm: botocore agrees with it --------------------------

@pytest.mark.parametrize("path,service", [
    ("/aws/execute-api/prod/reports/q1 2026/a+b", "execute-api"),
    ("/aws/s3/bucket/my file!.txt", "s3")])
async def test_the_aws_stand_in_accepts_botocore_and_refuses_a_tampered_request(
        sandbox: SandboxServer, path: str, service: str) -> None:
    url = sandbox.url + quote(path) + "?b=2&a=hello%20world"
    request = AWSRequest("GET", url, headers={})
    signer = S3SigV4Auth if service == "s3" else SigV4Auth
    signer(Credentials(aws.ACCESS_KEY_ID, aws.SECRET_ACCESS_KEY), service, aws.REGION)\
        .add_auth(request)
    prepared = request.prepare()
    async with httpx.AsyncClient() as client:
        assert (await client.get(prepared.url, headers=dict(prepared.headers))).status_code \
            == 200
        tampered = prepared.url.replace("b=2", "b=3")
        refused = await client.get(tampered, headers=dict(prepared.headers))
    assert refused.status_code == 403 and "SignatureDoesNotMatch" in (
        refused.text + refused.headers.get("x-amzn-errortype", ""))


async def test_httpx_auth_alone_encodes_non_s3_paths_once_and_fails(
        sandbox: SandboxServer) -> None:
    """Why core/auth/aws_sigv4.py fixes httpx-auth: AWS encodes each segment twice."""
    url = f"{sandbox.url}/aws/execute-api/prod/reports/q1 2026"
    async with httpx.AsyncClient() as client:
        plain = await client.get(url, auth=AWS4Auth(aws.ACCESS_KEY_ID, aws.SECRET_ACCESS_KEY,
                                                   aws.REGION, "execute-api"))
    assert plain.status_code == 403 and "/q1%25202026" in plain.text


# -- the shipped sandbox connectors ------------------------------------------------------------

@pytest.mark.parametrize("name", ["aws_sigv4", "aws_s3", "digest", "hmac"])
async def test_each_signing_connector_passes_and_keeps_its_secrets(
        sandbox: SandboxServer, name: str) -> None:
    log = EventLog()
    result = await check(connector(name), {"sandbox_url": sandbox.url}, log)
    assert result.verdict.ok, result.verdict
    rendered = str(log.rendered())
    for secret in (aws.SECRET_ACCESS_KEY, digest_api.PASSWORD, hmac_api.SECRET):
        assert secret not in rendered
    if name == "hmac":
        [request] = [e for e in result.events if e.kind == "request"]
        signature = dict(request.request_headers)["X-Signature"]
        assert signature not in rendered, "the signature header is masked"


async def test_aws_refusals_get_their_own_hints(sandbox: SandboxServer) -> None:
    values = {"sandbox_url": sandbox.url}
    wrong = await check(connector("aws_sigv4"), {**values, "secret_access_key": "x" * 40})
    assert wrong.verdict.outcome == "forbidden"
    assert "canonical request it expected" in wrong.verdict.hint
    region = await check(connector("aws_sigv4"), {**values, "region": "us-east-1"})
    assert "another region" in region.verdict.hint
    service = await check(connector("aws_sigv4"), {**values, "service": "lambda"})
    assert "another service" in service.verdict.hint
    temp = {**values, "access_key_id": aws.TEMP_ACCESS_KEY_ID,
            "secret_access_key": aws.TEMP_SECRET_ACCESS_KEY}
    no_token = await check(connector("aws_sigv4"), temp)
    assert no_token.verdict.outcome == "config_error"
    assert "session_token" in no_token.verdict.summary
    log = EventLog()
    with_token = await check(connector("aws_sigv4"), {**temp, "session_token":
                                                      aws.SESSION_TOKEN}, log)
    assert with_token.verdict.ok, with_token.verdict
    assert aws.SESSION_TOKEN not in str(log.rendered())
    bad_token = await check(connector("aws_sigv4"), {**temp, "session_token": "IQoJ" + "z" * 40})
    assert "session token" in bad_token.verdict.hint


async def test_unsigned_payload_is_for_s3_only(sandbox: SandboxServer) -> None:
    verdict = (await check(connector("aws_sigv4", **{
        '        auth_type: "aws_sigv4"\n':
        '        auth_type: "aws_sigv4"\n        aws_sigv4:\n          unsigned_payload: true\n'}),
        {"sandbox_url": sandbox.url})).verdict
    assert verdict.outcome == "config_error" and "S3 only" in verdict.summary


async def test_digest_md5_and_a_wrong_password(sandbox: SandboxServer) -> None:
    md5 = connector("digest", **{"/digest/sha256": "/digest/md5"})
    assert (await check(md5, {"sandbox_url": sandbox.url})).verdict.ok
    wrong = (await check(connector("digest"), {"sandbox_url": sandbox.url,
                                               "password": "not-it"})).verdict
    assert wrong.outcome == "unauthorized"
    assert "user name or password is wrong for realm 'sandbox@workbench'" in wrong.hint
    assert "SHA-256" in wrong.hint


async def test_the_digest_stand_in_refuses_a_replayed_answer(sandbox: SandboxServer) -> None:
    url = f"{sandbox.url}/digest/sha256/me"
    async with httpx.AsyncClient() as client:
        first = await client.get(url, auth=httpx.DigestAuth(digest_api.USERNAME,
                                                            digest_api.PASSWORD))
        assert first.status_code == 200
        replay = await client.get(url, headers={
            "Authorization": first.request.headers["Authorization"]})
    assert replay.status_code == 401 and "replayed" in replay.text


async def test_hmac_refusals_quote_the_api_and_point_at_the_string_to_sign(
        sandbox: SandboxServer) -> None:
    wrong = (await check(connector("hmac"), {"sandbox_url": sandbox.url,
                                             "hmac_key": "not-the-key"})).verdict
    assert wrong.outcome == "unauthorized"
    assert "signature mismatch" in wrong.summary
    assert "string to sign in the log" in wrong.hint
    reordered = connector("hmac", **{'["method", "path", "timestamp", "nonce", "body_sha256"]':
                                     '["method", "path_only", "timestamp", "nonce", '
                                     '"body_sha256"]'})
    assert (await check(reordered, {"sandbox_url": sandbox.url})).verdict.outcome == \
        "unauthorized"


async def test_hmac_with_a_skewed_clock_is_told_by_the_server(sandbox: SandboxServer) -> None:
    settings = HmacSettings(key_id_header="X-Key-Id", body_digest_header="X-Content-SHA256")
    notes: list[str] = []
    signer = HmacSigner(settings, hmac_api.SECRET.encode(), hmac_api.KEY_ID, notes.append,
                        clock=lambda: time.time() - 900)
    async with httpx.AsyncClient() as client:
        answer = await client.get(f"{sandbox.url}/hmac/orders", auth=signer)
    assert answer.status_code == 401
    assert "from the server's clock" in answer.json()["message"]
    assert notes and "GET\\n/hmac/orders" in notes[0]


@pytest.mark.parametrize("name,secret", [("aws_sigv4", "secret_access_key"),
                                         ("digest", "password"), ("hmac", "hmac_key")])
async def test_a_wrong_secret_fails_so_the_pass_is_proven(sandbox: SandboxServer, name: str,
                                                          secret: str) -> None:
    result = await check(connector(name), {"sandbox_url": sandbox.url}, negative_control=True)
    assert result.verdict.ok, result.verdict
    control = result.verdict.negative_control
    assert control is not None and control.conclusion == "proven"
    assert control.secret == secret
