"""Plays the customer on the StackOne stand-in's hosted page: pick a provider, submit a key.

For `workbench demo` and tests; a real customer does the same in a browser.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx

_PROVIDER = re.compile(r'name="provider"[^>]*value="([^"]+)"')
_ACTION = re.compile(r'<form method="post" action="([^"]+)"')


async def complete_link(auth_link_url: str, api_key: str = "customer-provider-key",
                        provider: str = "") -> httpx.Response:
    """Open the link, choose `provider` (else the first offered) and submit `api_key`."""
    async with httpx.AsyncClient(timeout=10) as client:
        page = await client.get(auth_link_url)
        page.raise_for_status()
        offered = _PROVIDER.findall(page.text)
        action = _ACTION.search(page.text)
        if not offered or action is None:
            raise ValueError("the hosted page offers no provider form")
        token = parse_qs(urlsplit(auth_link_url).query)["token"][0]
        return await client.post(urljoin(auth_link_url, action.group(1)), data={
            "token": token, "provider": provider or offered[0], "api_key": api_key})
