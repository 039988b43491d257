"""`--json` prints exactly one schema-valid object on stdout whatever happens (issue 13,
"Machine-readable output"); several connectors in one check; `--junit` reports."""

from __future__ import annotations

import asyncio
import html
import json
import logging
import re
import typing
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from aiohttp import web
from junitparser import Error, Failure, JUnitXml

from tests.integration.test_cli import CONNECTOR, _basic_api
from tests.integration.test_cli_platforms import link_with_customer
from tests.support.cli import workbench
from tests.support.json_output import SCHEMA_FILE, one_object, validate
from tests.support.recording_server import RecordingServer
from workbench.core.json_report_schema import outcomes, schema_text
from workbench.core.platforms.deck import JobOutcome
from workbench.core.verdict import Outcome
from workbench.sandbox.server import SandboxServer, start_sandbox

SECRET = "open sesame"


@pytest.fixture
async def sandbox() -> AsyncIterator[SandboxServer]:
    async with await start_sandbox() as running:
        yield running


def _basic(tmp_path: Path, name: str = "basic.yaml", text: str = CONNECTOR) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_the_published_schema_is_generated_from_the_code() -> None:
    assert SCHEMA_FILE.read_text(encoding="utf-8") == schema_text(), (
        "docs/json-output.schema.json is stale: workbench schema --json-output -o "
        "docs/json-output.schema.json")
    enum = set(json.loads(schema_text())["properties"]["outcome"]["enum"])
    assert set(typing.get_args(Outcome)) <= enum
    assert set(typing.get_args(typing.get_type_hints(JobOutcome)["kind"])) <= enum
    assert enum == set(outcomes())


async def test_check_passed_and_failed(server: RecordingServer, tmp_path: Path) -> None:
    _basic_api(server)
    path = _basic(tmp_path)
    passed = one_object(await workbench("check", path, "--json", "--set", f"base={server.url}",
                                        "--set", "username=ada", "--set", f"password={SECRET}"))
    assert passed["ok"] is True and passed["outcome"] == "ok" and passed["command"] == "check"
    assert passed["schema_version"] == 1 and passed["connector"]["name"] == "Basic API"
    assert passed["steps"][0]["response"]["status"] == 200
    failed = one_object(await workbench("check", path, "--json", "--set", f"base={server.url}",
                                        "--set", "username=ada", "--set", "password=wrong"))
    assert failed["outcome"] == "unauthorized" and failed["hint"] and failed["exit_code"] == 1


@pytest.mark.parametrize(("case", "arguments", "outcome"), [
    ("missing values", ["--set", "base=http://127.0.0.1:9"], "config_error"),
    ("an unknown --set", ["--set", "pasword=x"], "config_error"),
    ("a --set without =", ["--set", "password"], "config_error"),
    ("an unknown option", ["--bogus"], "usage_error"),
    ("a bad number", ["--timeout", "soon"], "usage_error"),
])
async def test_usage_and_config_errors_are_one_object(case: str, arguments: list[str],
                                                      outcome: str, tmp_path: Path) -> None:
    run = await workbench("check", _basic(tmp_path), "--json", *arguments)
    data = one_object(run)
    assert run.code == 2 and data["outcome"] == outcome and data["ok"] is False, case
    assert data["summary"], case


async def test_file_problems_and_unknown_connectors_are_one_object(tmp_path: Path) -> None:
    broken = _basic(tmp_path, "broken.yaml", CONNECTOR.replace("base_url:", "base_ur:"))
    data = one_object(await workbench("check", broken, "--json"))
    assert data["outcome"] == "config_error" and data["problems"][0]["line"] == 15
    assert "base_ur" in data["problems"][0]["where"]
    unknown = one_object(await workbench("check", "no-such-connector", "--json"))
    assert unknown["outcome"] == "config_error" and "no-such-connector" in unknown["summary"]
    nothing = one_object(await workbench("check", "--json"))  # argparse: connector missing
    assert nothing["outcome"] == "usage_error" and nothing["command"] == "check"


def test_an_internal_error_is_one_object_without_the_secret(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from workbench import cli, cli_commands

    def crash(args: object, redactor: cli.Redactor) -> int:
        redactor.add_value("INTERNAL-SECRET-42")
        print("about to fail with INTERNAL-SECRET-42 \x1b[2J\x1b]0;title\x07")
        raise RuntimeError("boom: INTERNAL-SECRET-42")

    monkeypatch.setattr(cli_commands, "cmd_validate", crash)
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", list(root.handlers))  # main() installs its own
    monkeypatch.setattr(root, "level", root.level)
    code = cli.main(["validate", "--json", "connectors"])
    out, err = capsys.readouterr()
    assert code == 3
    data = json.loads(out)
    validate(data)
    assert data["outcome"] == "internal_error" and "RuntimeError" in data["summary"]
    assert "INTERNAL-SECRET-42" not in out + err and "\x1b" not in out + err
    assert "about to fail with [redacted]" in err  # print() went to stderr, redacted


async def test_validate_json(tmp_path: Path) -> None:
    good = _basic(tmp_path)
    bad = tmp_path / "bad.yaml"
    bad.write_text("connector:\n  name: [unclosed\n")
    ok = one_object(await workbench("validate", good, "--json"))
    assert ok["ok"] and ok["files"][0]["ok"] and ok["files"][0]["kind"] == "connector"
    failed = one_object(await workbench("validate", good, str(bad), "--json"))
    assert failed["outcome"] == "config_error" and failed["exit_code"] == 2
    assert [f["ok"] for f in failed["files"]] == [True, False]
    assert failed["files"][1]["problems"][0]["line"] >= 1


async def job(sandbox: SandboxServer, *args: str):  # type: ignore[no-untyped-def]
    return await workbench("job", "sandbox_deck", "--set",
                           f"base_url={sandbox.url}/deck/api/v1", "--timeout", "10", "--json",
                           *args)


async def test_job_json_is_only_the_object(sandbox: SandboxServer) -> None:
    run = await job(sandbox, "--input", "username=ada", "--input", "password=s3cret-pass")
    data = one_object(run)
    assert data["outcome"] == "connected" and data["job_code"] == "EnsureConnection"
    assert data["webhook"]["verification"] == "verified" and data["steps"]
    assert "[EnsureConnection] POST" in run.stderr  # the timeline went to stderr
    assert "s3cret-pass" not in run.stdout + run.stderr
    failed = one_object(await job(sandbox, "--input", "username=bob", "--input",
                                  "password=wrong"))
    assert failed["outcome"] == "failed" and failed["error_code"] == "InvalidCredentials"
    refused = one_object(await job(sandbox, "--set", "secret=not-the-secret", "--input",
                                   "username=x"))
    assert refused["outcome"] == "unauthorized" and refused["hint"]
    usage = one_object(await workbench("job", "deck", "--json", "--input", "source_guid=x"))
    assert usage["outcome"] == "config_error" and "client_id" in usage["summary"]
    bad_json = one_object(await job(sandbox, "--input-json", "[1, 2"))
    assert bad_json["exit_code"] == 2 and "--input-json" in bad_json["summary"]


async def test_link_json_when_nobody_links_and_when_someone_does(sandbox: SandboxServer) -> None:
    nobody = await workbench("link", "sandbox_stackone", "--set",
                             f"base_url={sandbox.url}/stackone", "--timeout", "1", "--json")
    data = one_object(nobody)  # before: nothing at all on stdout
    assert data["outcome"] == "no_account" and "within 1 s" in data["summary"]
    assert "Send this link to the customer" in nobody.stderr
    linked = await link_with_customer(sandbox, "customer-key-1", "--json")
    report = one_object(linked)
    assert report["outcome"] == "verified" and report["via"] == "webhook"
    assert report["account"]["provider"] == "bamboohr"
    link = re.search(r"https?://\S+token=\S+", linked.stderr)
    assert link and "[redacted]" not in link.group(0), "the customer's link is shown whole"
    bad = one_object(await workbench("link", "sandbox_stackone", "--json", "--field",
                                     "categories=hris,payroll"))
    assert bad["exit_code"] == 2 and "payroll" in bad["summary"]


async def test_authorize_json_for_a_connector_without_the_code_grant(tmp_path: Path) -> None:
    run = await workbench("authorize", _basic(tmp_path), "--json", "--browser", "none")
    data = one_object(run)
    assert data["command"] == "authorize" and data["outcome"] == "config_error"


async def test_authorize_lists_the_code_exchange_among_its_steps(
        sandbox: SandboxServer) -> None:
    """The SuperOffice sign-in exchanges the code before the check: that step is in the
    result (and so in --json) too."""


    from tests.integration.test_sesam_schemes import manifest
    from workbench.core.authorize import authorize_and_check
    from workbench.core.config import load_connector
    from workbench.core.events import EventLog
    from workbench.core.json_report import check_report

    loaded = load_connector(manifest("superoffice"))
    consents: list[asyncio.Task[None]] = []

    async def consent(url: str) -> None:
        async with httpx.AsyncClient() as browser:
            page = await browser.get(url)
            fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', page.text))
            answer = await browser.post(url.split("?")[0], data={
                **{k: html.unescape(v) for k, v in fields.items()}, "decision": "allow"})
            await browser.get(answer.headers["location"])

    log = EventLog()
    given = {"sandbox_url": sandbox.url, "system_user_token": "", "context_identifier": ""}
    result = await authorize_and_check(
        loaded.blueprint, given, log,
        lambda url: consents.append(asyncio.ensure_future(consent(url))), timeout=60)
    assert result.verdict.ok, result.verdict
    steps = [event.step for event in result.events]
    assert "code exchange" in steps and "authorization request" in steps, steps
    assert [e.id for e in result.events] == [e.id for e in log], "every event of the run"
    data = check_report(result, log.redactor, None, 0, command="authorize")
    validate(data)
    assert "code exchange" in [step["step"] for step in data["steps"]]


async def test_several_connectors_in_one_check(server: RecordingServer, tmp_path: Path) -> None:
    _basic_api(server)
    good = _basic(tmp_path, "good.yaml")
    other = _basic(tmp_path, "other.yaml", CONNECTOR.replace("name: Basic API",
                                                             "name: Other API"))
    broken = _basic(tmp_path, "broken.yaml", CONNECTOR.replace("base_url:", "base_ur:"))
    sets = ["--set", f"base={server.url}", "--set", "username=ada", "--set",
            f"password={SECRET}"]
    run = await workbench("check", good, other, "--json", *sets)
    data = one_object(run)
    assert run.code == 0 and data["ok"] and len(data["results"]) == 2
    for result in data["results"]:
        validate(result)
        assert result["outcome"] == "ok"
    worst = await workbench("check", good, broken, other, "--json", *sets)
    data = one_object(worst)
    assert worst.code == 2, "the worst exit code of them"
    assert [r["outcome"] for r in data["results"]] == ["ok", "config_error", "ok"]
    assert "2 of 3 connectors passed" in data["summary"]
    text = await workbench("check", good, other, *sets[:4], "--set", "password=wrong")
    assert text.code == 1
    assert text.stdout.count("Checking ") == 2 and "0 of 2 connectors passed" in text.stdout
    unknown = one_object(await workbench("check", good, other, "--json", "--set", "nope=1"))
    assert unknown["exit_code"] == 2 and "'nope'" in unknown["summary"]


OAUTH_CONNECTOR = """\
interface_parameters:
  section:
    source:
      - name: url
        type: string
      - name: auth
        type: authentication
        auth_type: oauth2
        oauth2_settings:
          grant_type: client_credentials
          token_url: "{url}/token"
        fields:
          - name: client_id
          - name: client_secret
            is_encrypted: true
connector:
  name: OAuth API
  base_url: "{url}"
"""


def _api_with_a_token(server: RecordingServer) -> None:
    def token(seen):  # type: ignore[no-untyped-def]
        echoed = seen.form.get("client_secret")
        return web.json_response({"error": "invalid_client",
                                  "error_description": f"bad secret {echoed}"}, status=401)

    server.route("POST", "/token", token)


async def test_junit_report_reads_in_a_real_consumer(server: RecordingServer,
                                                     tmp_path: Path) -> None:
    _basic_api(server)
    _api_with_a_token(server)
    oauth = tmp_path / "oauth.yaml"
    oauth.write_text(OAUTH_CONNECTOR)
    good = _basic(tmp_path, "good.yaml")
    broken = _basic(tmp_path, "broken.yaml", CONNECTOR.replace("base_url:", "base_ur:"))
    report = tmp_path / "report.xml"
    run = await workbench("check", good, str(oauth), broken, "--junit", str(report),
                          "--set", f"base={server.url}", "--set", f"url={server.url}",
                          "--set", "username=ada", "--set", f"password={SECRET}",
                          "--set", "client_id=cid", "--set", "client_secret=JUNIT-SECRET-77")
    assert run.code == 2, run.stdout + run.stderr
    text = report.read_text(encoding="utf-8")
    assert "JUNIT-SECRET-77" not in text and SECRET not in text
    root = ET.fromstring(text)  # well-formed
    assert root.tag == "testsuites" and root.get("tests") == "3"
    assert root.get("failures") == "1" and root.get("errors") == "1"
    suites = {suite.name: suite for suite in JUnitXml.fromfile(str(report))}
    assert set(suites) == {"Basic API", "OAuth API", broken}
    basic = suites["Basic API"]
    assert basic.tests == 1 and basic.failures == 0
    (case,) = list(basic)
    assert case.name == "whoami: GET /me" and case.is_passed
    oauth_suite = suites["OAuth API"]
    (token_case,) = list(oauth_suite)
    (failure,) = token_case.result
    assert isinstance(failure, Failure) and failure.type == "token_error"
    assert "invalid_client" in (failure.text or "") and "hint:" in (failure.text or "")
    assert "[redacted]" in (failure.text or "")
    (broken_case,) = list(suites[broken])
    (error,) = broken_case.result
    assert isinstance(error, Error) and error.type == "config_error"


async def test_a_broken_platform_file_is_a_config_error_not_a_bug(tmp_path: Path) -> None:
    broken = tmp_path / "deck.yaml"
    broken.write_text("platform: deck\nname: Broken\nenvironment: moon\n")
    text = await workbench("check", str(broken))
    assert text.code == 2 and "internal error" not in text.stderr, text.stderr
    assert "environment" in text.stderr
    data = one_object(await workbench("check", str(broken), "--json"))
    assert data["outcome"] == "config_error" and data["problems"]


async def test_a_junit_file_that_cannot_be_written_is_a_usage_error(
        server: RecordingServer, tmp_path: Path) -> None:
    _basic_api(server)
    run = await workbench("check", _basic(tmp_path), "--json", "--junit",
                          str(tmp_path / "no" / "such" / "dir" / "r.xml"), "--set",
                          f"base={server.url}", "--set", "username=ada", "--set",
                          f"password={SECRET}")
    data = one_object(run)
    assert run.code == 2 and "JUnit" in data["warnings"][-1] and "JUnit" in run.stderr
