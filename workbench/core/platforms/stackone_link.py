"""A StackOne link (platforms.md §2): create a connect session, hand its link to the customer,
wait for the account they link, then verify it.

When the customer finishes, StackOne sends `account.created` (or `account.updated` when the
session reopened an account). The account is then checked with `GET /accounts/{id}` and one
unified request with `x-account-id`; a 412 there is `suspended`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from workbench.core.platforms.api import PlatformError
from workbench.core.platforms.claims import RunReport, webhook_words
from workbench.core.platforms.stackone import ConnectSession, StackOneClient
from workbench.core.webhooks import Delivery, WebhookReceiver
from workbench.core.webhooks.follow import Follower

POLL_INTERVAL = 2.0


@dataclass(frozen=True)
class LinkedAccount:
    """How the account arrived: by `account.created` webhook or by polling the account list."""

    account_id: str
    via: Literal["webhook", "poll"]
    delivery: Delivery | None = None


NO_ACCOUNT_HINT = ("Nobody finished the link in time: check that the customer got the link "
                   "and completed it (send it again, or create a new one if it expired), and "
                   "that the webhook URL reaches this machine; the account list was polled "
                   "meanwhile and showed no new or changed account either.")
LINK_EXPIRED_HINT = "The link has expired unused: create a new one and send it to the customer."
LINK_EVENTS = ("account.created", "account.updated")


@dataclass
class LinkResult:
    """A link from session to verified account; `error` says where it stopped."""

    session: ConnectSession | None = None
    linked: LinkedAccount | None = None
    account: dict[str, Any] | None = None
    unified: Any = None
    error: PlatformError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.account is not None and self.unified is not None

    @property
    def outcome(self) -> str:
        """`verified`, or why not: the platform error's outcome (`suspended` for a 412)."""
        if self.ok:
            return "verified"
        return self.error.outcome if self.error is not None else "no_account"

    @property
    def hint(self) -> str:
        if self.ok:
            return ""
        return self.error.hint if self.error is not None else NO_ACCOUNT_HINT

    def summary(self, unified_path: str) -> str:
        """One line on how the link ended."""
        if self.error is not None:
            return str(self.error)
        if not self.ok:
            return "No account was linked."
        rows = self.unified.get("data") if isinstance(self.unified, dict) else None
        count = f" ({len(rows)} records)" if isinstance(rows, list) else ""
        return f"Account linked and verified: {unified_path} answered{count}."

    def account_line(self) -> str:
        """The linked account in a line for the terminal; empty when none was linked."""
        if self.linked is None:
            return ""
        account = self.account or {}
        return (f"account {self.linked.account_id} linked (via {self.linked.via}); provider "
                f"{account.get('provider', '?')}, status {account.get('status', '?')}")

    def account_sentence(self) -> str:
        """The linked account in a sentence for the app: how it came and what it is."""
        linked = self.linked
        if linked is None:
            return ""
        delivery, account = linked.delivery, self.account or {}
        via = f"the {delivery.json().get('event')} webhook" if delivery else "polling"
        signed = (f" ({delivery.verification.status}, {delivery.verification.scheme})"
                  if delivery else "")
        return (f"Account {linked.account_id} via {via}{signed}: provider "
                f"{account.get('provider', '?')}, status {account.get('status', '?')}.")

    def report(self, unified_path: str) -> RunReport:
        """How the link ended, for the CLI and the app."""
        linked = self.linked
        return RunReport(
            self.ok, self.outcome, self.summary(unified_path), self.hint,
            arrival=webhook_words(linked.delivery, linked.via) if linked else "",
            details=(self.account_line(),) if linked else (),
            headline="the account answers unified requests" if self.ok else "")


async def link_and_verify(stackone: StackOneClient, receiver: WebhookReceiver | None,
                          body: Mapping[str, Any], timeout: float,
                          on_session: Callable[[ConnectSession], None], *,
                          unified_path: str = "hris/employees", register_webhook: str = "",
                          poll_interval: float = POLL_INTERVAL) -> LinkResult:
    """Create a connect session, hand its link to `on_session`, wait for the account, then
    verify it (`GET /accounts/{id}` and one unified request). TimeoutError if nobody links.

    Only this session counts: the owner's accounts are listed and the receiver is marked
    before the session is created, so an account that was already there (unchanged), or a
    webhook received earlier (or a copy of one), is never taken for the new link."""
    result = LinkResult()
    try:
        if register_webhook:
            await stackone.register_webhook(register_webhook)
        owner = str(body.get("origin_owner_id", ""))
        before = {str(a.get("id")): change_marker(a) for a in await stackone.accounts(owner)}
        since = receiver.mark() if receiver is not None else 0
        result.session = await stackone.create_session(body)
        on_session(result.session)
        result.linked = await wait_for_account(receiver, stackone, owner, timeout,
                                               before=before, since=since,
                                               poll_interval=poll_interval)
        result.account = await stackone.account(result.linked.account_id)
        result.unified = await stackone.unified(unified_path, result.linked.account_id)
    except PlatformError as exc:
        result.error = exc
    return result


def change_marker(account: Mapping[str, Any]) -> str:
    """What changes when an account is linked again: its update time and status."""
    return f"{account.get('updated_at')}|{account.get('status')}"


async def wait_for_account(receiver: WebhookReceiver | None, stackone: StackOneClient,
                           origin_owner_id: str, timeout: float, *,
                           before: Mapping[str, str] | None = None, since: int = 0,
                           poll_interval: float = POLL_INTERVAL) -> LinkedAccount:
    """The account the customer links: an `account.created`/`account.updated` webhook for this
    owner received after the mark `since`, or an account in `GET /accounts?origin_owner_id=`
    that is new or changed since `before` (id → change marker), whichever comes first.
    TimeoutError if none."""
    known = dict(before or {})

    def for_owner(delivery: Delivery) -> bool:
        data = delivery.json()
        return (isinstance(data, dict) and data.get("event") in LINK_EVENTS
                and _owner(data) == origin_owner_id)

    async def by_webhook() -> LinkedAccount:
        assert receiver is not None
        events = Follower(receiver, for_owner, since)
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            delivery = await events.next(max(deadline - asyncio.get_running_loop().time(), 0))
            data = delivery.json()
            inner = data.get("data") if isinstance(data.get("data"), dict) else {}
            account_id = str(data.get("account_id") or inner.get("id"))
            if account_id in known and await _unchanged(stackone, account_id,
                                                         known[account_id]):
                receiver.note(f"Ignored {data.get('event')} for {account_id}: the account was "
                              "there before this link and has not changed (a left-over "
                              "delivery).")
                continue
            return LinkedAccount(account_id, "webhook", delivery)

    async def by_polling() -> LinkedAccount:
        while True:
            await asyncio.sleep(poll_interval)
            for account in await stackone.accounts(origin_owner_id):
                account_id = str(account.get("id"))
                if known.get(account_id) != change_marker(account):
                    return LinkedAccount(account_id, "poll")

    tasks = [asyncio.ensure_future(by_polling())]
    if receiver is not None:
        tasks.append(asyncio.ensure_future(by_webhook()))
    try:
        done, _pending = await asyncio.wait(tasks, timeout=timeout,
                                            return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            if task.exception() is None:
                return task.result()
        failed = next(iter(done), None)
        if failed is not None and isinstance(failed.exception(), PlatformError):
            raise failed.exception()  # type: ignore[misc]
        raise TimeoutError(f"no account linked for {origin_owner_id} within {timeout:g} s")
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(BaseException):
                await task


async def _unchanged(stackone: StackOneClient, account_id: str, marker: str) -> bool:
    """Whether a known account is as it was before the link (or gone: not linked now)."""
    try:
        return change_marker(await stackone.account(account_id)) == marker
    except PlatformError as exc:
        if exc.status == 404:
            return True
        raise


def _owner(data: Mapping[str, Any]) -> str:
    inner = data.get("data")
    if "origin_owner_id" in data:
        return str(data["origin_owner_id"])
    return str(inner.get("origin_owner_id", "")) if isinstance(inner, dict) else ""
