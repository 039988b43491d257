"""The StackOne stand-in end to end: connect session, hosted link, signed webhook, accounts."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from aiohttp import web

from workbench.core.events import EventLog
from workbench.core.platforms.stackone import StackOneSignature
from workbench.core.webhooks import WebhookReceiver
from workbench.sandbox import stackone

KEY = httpx.BasicAuth(stackone.API_KEY, "")


@dataclass
class Rig:
    client: httpx.AsyncClient  # the API caller, with the key
    browser: httpx.AsyncClient  # the end user on the hosted page, no key
    base: str
    receiver: WebhookReceiver

    async def session(self, **given: Any) -> dict[str, Any]:
        body = {"origin_owner_id": "cust-42", "origin_owner_name": "Acme Ltd", **given}
        response = await self.client.post(f"{self.base}/connect_sessions", json=body)
        assert response.status_code == 201, response.text
        return dict(response.json())

    async def connect(self, session: dict[str, Any], provider: str,
                      api_key: str = "right") -> httpx.Response:
        return await self.browser.post(session["auth_link_url"].split("?")[0], data={
            "token": session["token"], "provider": provider, "api_key": api_key})


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    root = web.Application()
    root.add_subapp("/stackone", stackone.create_stackone_app())
    runner = web.AppRunner(root, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    base = f"http://127.0.0.1:{runner.addresses[0][1]}/stackone"
    checks = [StackOneSignature([stackone.WEBHOOK_SECRET])]
    try:
        async with await WebhookReceiver(EventLog(), checks).start() as receiver, \
                httpx.AsyncClient(auth=KEY, timeout=5) as client, \
                httpx.AsyncClient(timeout=5) as browser:
            yield Rig(client, browser, base, receiver)
    finally:
        await runner.cleanup()


def _providers(page: str) -> list[str]:
    return re.findall(r'name="provider" id="provider-([\w-]+)"', page)


@pytest.mark.parametrize("auth", [None, httpx.BasicAuth("someone-else", ""),
                                  httpx.BasicAuth(stackone.API_KEY, "not-empty")])
async def test_json_routes_want_the_key_as_username_with_an_empty_password(
        rig: Rig, auth: httpx.BasicAuth | None) -> None:
    async with httpx.AsyncClient(auth=auth) as other:
        response = await other.get(f"{rig.base}/accounts")
    assert response.status_code == 401
    body = response.json()
    assert body["statusCode"] == 401 and "empty password" in body["message"]
    assert body["timestamp"].startswith("20")
    assert (await rig.client.get(f"{rig.base}/accounts")).json() == {"data": []}


async def test_bad_session_requests_name_the_problem(rig: Rig) -> None:
    url = f"{rig.base}/connect_sessions"
    missing = await rig.client.post(url, json={"origin_owner_name": "Acme"})
    assert missing.status_code == 400 and "origin_owner_id" in missing.json()["message"]
    bad = await rig.client.post(url, json={"origin_owner_id": "c", "origin_owner_name": "n",
                                           "categories": ["hris", "payroll"]})
    assert bad.status_code == 400 and "payroll" in bad.json()["message"]
    too_long = await rig.client.post(url, json={"origin_owner_id": "c", "origin_owner_name": "n",
                                                "expires_in": 0})
    assert too_long.status_code == 400 and "expires_in" in too_long.json()["message"]
    not_json = await rig.client.post(url, content=b"nope")
    assert not_json.status_code == 400 and not_json.json()["statusCode"] == 400
    unknown = await rig.client.get(f"{rig.base}/no/such/route")
    assert unknown.status_code == 404 and unknown.json()["statusCode"] == 404


async def test_a_session_carries_a_working_link_under_the_mount_prefix(rig: Rig) -> None:
    session = await rig.session(origin_username="ada", categories=["hris"], label="HR",
                                metadata={"plan": "pro"}, type="TEST")
    second = await rig.session()
    assert second["id"] == session["id"] + 1
    assert session["organization_id"] == "org-sandbox" and session["project_id"] == "proj-sandbox"
    assert session["origin_username"] == "ada" and session["metadata"] == {"plan": "pro"}
    assert len(session["token"]) >= 32 and session["external_trigger_token"]
    assert session["created_at"].endswith("+00:00")
    assert session["auth_link_url"] == (
        f"{rig.base}/embedded/integrations?token={session['token']}")
    attempt = session["latest_connection_attempt"]
    assert attempt["status"] == "pending" and attempt["account_secure_id"] is None
    page = await rig.browser.get(session["auth_link_url"])
    assert page.status_code == 200 and "<title>Connect your account</title>" in page.text
    assert "Acme Ltd" in page.text and 'id="connect"' in page.text
    assert 'action="/stackone/embedded/integrations"' in page.text
    assert _providers(page.text) == ["bamboohr", "hibob", "personio"]


async def test_the_page_offers_providers_by_category_or_the_one_named(rig: Rig) -> None:
    mixed = await rig.session(categories=["ats", "lms"])
    page = (await rig.browser.get(mixed["auth_link_url"])).text
    assert _providers(page) == ["greenhouse", "lever", "demo"]
    named = await rig.session(categories=["crm"], provider="hubspot")
    page = (await rig.browser.get(named["auth_link_url"])).text
    assert _providers(page) == ["hubspot"] and "checked" in page
    everything = await rig.session()
    page = (await rig.browser.get(everything["auth_link_url"])).text
    assert _providers(page) == ["bamboohr", "hibob", "personio", "greenhouse", "lever",
                                "hubspot", "salesforce", "demo"]
    escaped = await rig.session(origin_owner_name="<b>Evil</b>")
    page = (await rig.browser.get(escaped["auth_link_url"])).text
    assert "<b>Evil</b>" not in page and "&lt;b&gt;Evil&lt;/b&gt;" in page
    missing = await rig.browser.get(f"{rig.base}/embedded/integrations?token=nope")
    assert missing.status_code == 404 and "text/html" in missing.headers["content-type"]


async def test_wrong_or_missing_credentials_keep_the_form_and_fail_the_attempt(rig: Rig) -> None:
    session = await rig.session(categories=["hris"])
    empty = await rig.connect(session, "hibob", api_key="")
    assert empty.status_code == 400 and 'id="api_key"' in empty.text
    assert 'role="alert"' in empty.text
    wrong = await rig.connect(session, "hibob", api_key="wrong")
    assert wrong.status_code == 401
    assert "The provider rejected these credentials" in wrong.text and 'id="connect"' in wrong.text
    again = await rig.client.post(f"{rig.base}/connect_sessions/authenticate",
                                  json={"token": session["token"]})
    attempt = again.json()["latest_connection_attempt"]
    assert attempt["status"] == "failed" and attempt["oauth_error_code"] == "invalid_credentials"
    assert (await rig.client.get(f"{rig.base}/accounts")).json() == {"data": []}


async def test_connecting_links_an_account_and_sends_a_signed_webhook(rig: Rig) -> None:
    hook = await rig.client.put(f"{rig.base}/dashboard/webhook",
                                json={"url": rig.receiver.url + "/stackone"})
    assert hook.status_code == 200
    assert (await rig.client.get(f"{rig.base}/dashboard/webhook")).json() == {
        "url": rig.receiver.url + "/stackone"}
    session = await rig.session(categories=["hris"], origin_username="ada")
    await rig.session(origin_owner_id="someone-else")
    done = await rig.connect(session, "personio")
    assert done.status_code == 200 and "Connected to personio" in done.text
    delivery = await rig.receiver.wait_for(
        lambda d: d.json()["event"] == "account.created", timeout=5)
    assert delivery.verification.status == "verified"
    event = delivery.json()
    assert delivery.header("x-request-id") == event["id"] and event["id"].startswith("evt_")
    account_id = event["account_id"]
    assert account_id.startswith("acc_") and event["data"]["status"] == "active"
    assert event["origin_owner_id"] == "cust-42" and event["provider"] == "personio"
    listed = await rig.client.get(f"{rig.base}/accounts", params={"origin_owner_id": "cust-42"})
    assert [a["id"] for a in listed.json()["data"]] == [account_id]
    none = await rig.client.get(f"{rig.base}/accounts", params={"origin_owner_id": "nobody"})
    assert none.json() == {"data": []}
    fetched = (await rig.client.get(f"{rig.base}/accounts/{account_id}")).json()
    assert fetched["provider"] == "personio" and fetched["type"] == "PRODUCTION"
    assert fetched["origin_username"] == "ada" and fetched["status_reasons"] == []
    attempt = (await rig.client.post(f"{rig.base}/connect_sessions/authenticate",
                                     json={"token": session["token"]})).json()
    assert attempt["latest_connection_attempt"]["status"] == "success"
    assert attempt["latest_connection_attempt"]["account_secure_id"] == account_id
    used = await rig.browser.get(session["auth_link_url"])
    assert used.status_code == 410 and "already been used" in used.text
    deleted = await rig.client.delete(f"{rig.base}/accounts/{account_id}")
    assert deleted.status_code == 200 and deleted.json()["id"] == account_id
    gone = await rig.client.get(f"{rig.base}/accounts/{account_id}")
    assert gone.status_code == 404
    assert gone.json()["message"] == f"Account {account_id} not found"


async def test_only_local_webhook_urls_are_accepted(rig: Rig) -> None:
    for url in ("https://example.com/hook", "ftp://127.0.0.1/hook", ""):
        response = await rig.client.put(f"{rig.base}/dashboard/webhook", json={"url": url})
        assert response.status_code == 400, url
    ok = await rig.client.put(f"{rig.base}/dashboard/webhook", json={"url": "http://[::1]:9/h"})
    assert ok.status_code == 200


async def test_unified_requests_need_a_live_account(rig: Rig) -> None:
    session = await rig.session(categories=["hris"], multiple=True)
    await rig.connect(session, "bamboohr")
    await rig.connect(session, "hibob", api_key="expired")  # multiple: the link stays usable
    stale, live = (await rig.client.get(f"{rig.base}/accounts")).json()["data"]
    assert live["provider"] == "bamboohr" and stale["status"] == "expired"
    assert stale["status_reasons"][0]["code"] == "credentials_expired"
    url = f"{rig.base}/unified/hris/employees"
    ok = await rig.client.get(url, headers={"x-account-id": live["id"]})
    assert ok.status_code == 200
    assert len(ok.json()["data"]) == 2 and ok.json()["next"] is None
    assert all("id" in record for record in ok.json()["data"])
    without = await rig.client.get(url)
    assert without.status_code == 400
    assert without.json()["message"] == "x-account-id header is required for unified requests"
    unknown = await rig.client.get(url, headers={"x-account-id": "acc_nope"})
    assert unknown.status_code == 404
    expired = await rig.client.get(url, headers={"x-account-id": stale["id"]})
    assert expired.status_code == 412 and "reconnect" in expired.json()["message"]
    assert "expired" in expired.json()["message"]
    other = await rig.client.get(f"{rig.base}/unified/hris/payslips",
                                 headers={"x-account-id": live["id"]})
    assert other.status_code == 404


async def test_an_expired_session_refuses_its_link_and_authentication(
        rig: Rig, monkeypatch: pytest.MonkeyPatch) -> None:
    session = await rig.session(expires_in=60)
    auth_url = f"{rig.base}/connect_sessions/authenticate"
    fresh = await rig.client.post(auth_url, json={"token": session["token"]})
    assert fresh.status_code == 201 and fresh.json()["id"] == session["id"]
    unknown = await rig.client.post(auth_url, json={"token": "nope"})
    assert unknown.status_code == 404
    later = stackone._now() + 61
    monkeypatch.setattr(stackone, "_now", lambda: later)
    page = await rig.browser.get(session["auth_link_url"])
    assert page.status_code == 410 and "This link has expired" in page.text
    submitted = await rig.connect(session, "demo")
    assert submitted.status_code == 410
    refused = await rig.client.post(auth_url, json={"token": session["token"]})
    assert refused.status_code == 401 and "expired" in refused.json()["message"]
