"""Header values h11 would refuse, checked before sending so the error names the header.

h11 raises with the whole offending value in its message, and the part of a token before a
line break is no value the redactor knows: so the check happens here, in words that name the
field ("the access token", "header X-Api-Key") and never quote the value.
"""

from __future__ import annotations

import re

import httpx

from workbench.core.errors import InputError

_HEADER_NAME = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
_BAD_CHARACTERS = (("\r", "a line break"), ("\n", "a line break"), ("\0", "a NUL character"))


def check_headers(headers: httpx.Headers) -> None:
    """Refuse header values that cannot be sent, naming the header, never the value."""
    for raw_name, raw_value in headers.raw:
        name, value = raw_name.decode("latin-1"), raw_value.decode("latin-1")
        if not _HEADER_NAME.match(name):
            raise InputError(f"{name!r} is not a valid header name (no spaces, colons or "
                             "line breaks), so the request was not sent")
        problem = next((what for char, what in _BAD_CHARACTERS if char in value), None)
        if problem is not None:
            raise InputError(f"{_header_field(name, value)} contains {problem}, so the request "
                             f"was not sent: remove the {problem[2:]} from the value (pasted "
                             "values often carry one).")
        if value != value.strip(" \t"):
            raise InputError(f"{_header_field(name, value)} contains spaces at its start or "
                             "end, so the request was not sent: remove them from the value.")


def _header_field(name: str, value: str) -> str:
    """What a user calls the value of this header."""
    if name.lower() != "authorization":
        return f"Header {name}"
    scheme = value.strip().partition(" ")[0]
    if scheme.lower() == "bearer":
        return "The access token (the Authorization header's Bearer value)"
    return f"The {scheme} credentials in the Authorization header"
