"""Read `WWW-Authenticate` challenges (RFC 9110 §11.6.1, RFC 6750 §3) as servers send them.

    challenge  = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
    auth-param = token BWS "=" BWS ( token / quoted-string )

Several challenges may share one header, separated by commas that also separate parameters,
and a response may carry several headers; quoted strings hold commas, `=` and `\\"`.
Hand-written because no well-kept library reads several challenges (werkzeug parses one,
`www-authenticate` on PyPI is unmaintained since 2015). Malformed input never raises: what
can be read is returned, the rest skipped to the next comma.
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

_TCHAR = frozenset(string.ascii_letters + string.digits + "!#$%&'*+-.^_`|~")
_TOKEN68 = frozenset(string.ascii_letters + string.digits + "-._~+/")
_OWS = " \t"


@dataclass(frozen=True)
class Challenge:
    """One challenge: its scheme as sent, its parameters (names lower-cased), or a token68."""

    scheme: str
    params: Mapping[str, str] = field(default_factory=dict)
    token68: str | None = None

    def is_scheme(self, name: str) -> bool:
        return self.scheme.lower() == name.lower()

    def param(self, name: str) -> str | None:
        return self.params.get(name.lower())


def parse_challenges(headers: Iterable[str]) -> list[Challenge]:
    """Every challenge in every `WWW-Authenticate` header value, in order."""
    found: list[Challenge] = []
    for value in headers:
        found += _Reader(value).challenges()
    return found


class _Reader:
    def __init__(self, text: str) -> None:
        self.text = text
        self.at = 0

    def challenges(self) -> list[Challenge]:
        found: list[Challenge] = []
        while True:
            self._skip(_OWS + ",")
            if self._end():
                return found
            scheme = self._token()
            if not scheme:
                self._skip_to_comma()  # not a challenge: skip the garbage
                continue
            found.append(self._rest_of_challenge(scheme))

    def _rest_of_challenge(self, scheme: str) -> Challenge:
        if self._skip(" ") == 0 or self._end() or self._peek() == ",":
            return Challenge(scheme)
        token68 = self._token68()
        if token68 is not None:
            return Challenge(scheme, token68=token68)
        params: dict[str, str] = {}
        while True:
            mark = self.at
            name = self._token()
            self._skip(_OWS)
            if not name or self._peek() != "=":
                self.at = mark  # the next challenge's scheme (or garbage): not ours
                if not name:
                    self._skip_to_comma()
                return Challenge(scheme, params)
            self.at += 1
            self._skip(_OWS)
            value = self._quoted() if self._peek() == '"' else self._token()
            params.setdefault(name.lower(), value)
            self._skip(_OWS)
            if self._peek() != ",":
                if not self._end():
                    self._skip_to_comma()
                return Challenge(scheme, params)
            self._skip(_OWS + ",")

    def _token68(self) -> str | None:
        """A token68 here, if what follows the scheme is one and not a parameter list."""
        start = end = self.at
        while end < len(self.text) and self.text[end] in _TOKEN68:
            end += 1
        equals = end
        while equals < len(self.text) and self.text[equals] == "=":
            equals += 1
        after = equals
        while after < len(self.text) and self.text[after] in _OWS:
            after += 1
        if end == start or (after < len(self.text) and self.text[after] != ","):
            return None  # `name=value`: a parameter
        self.at = after
        return self.text[start:equals]

    def _quoted(self) -> str:
        self.at += 1  # the opening quote
        out: list[str] = []
        while not self._end():
            char = self.text[self.at]
            self.at += 1
            if char == '"':
                return "".join(out)
            if char == "\\" and not self._end():
                char = self.text[self.at]
                self.at += 1
            out.append(char)
        return "".join(out)  # unterminated: what was there

    def _token(self) -> str:
        start = self.at
        while not self._end() and self.text[self.at] in _TCHAR:
            self.at += 1
        return self.text[start:self.at]

    def _skip(self, chars: str) -> int:
        start = self.at
        while not self._end() and self.text[self.at] in chars:
            self.at += 1
        return self.at - start

    def _skip_to_comma(self) -> None:
        quoted = False
        while not self._end():
            char = self.text[self.at]
            if char == '"':
                quoted = not quoted
            elif char == "," and not quoted:
                return
            self.at += 1

    def _peek(self) -> str:
        return self.text[self.at] if not self._end() else ""

    def _end(self) -> bool:
        return self.at >= len(self.text)
