"""Every form a server may echo a secret in, as one regular expression per secret.

Servers echo what they receive: plain, URL-encoded (`quote`, `quote_plus`, lower-case hex,
double-encoded), HTML-escaped (`&amp;`, `&#x2F;`, `&#47;`), JSON-escaped (`\\u0026`, `\\/`,
`\\"`), base64 (standard and URL-safe, padded or not, and inside a longer base64 text), and
wrapped across lines. Rather than enumerate whole-string variants, each character of the secret
matches any of its encodings and a line break may sit between any two characters.

ASCII letters and digits match only as themselves: no encoder escapes them (percent, HTML and
JSON escaping all leave them alone), which also gives every pattern a cheap literal anchor: a
text that does not contain the secret's longest alphanumeric run (line breaks removed) cannot
contain the secret, so most texts are cleared with a few `in` tests and no regex at all.
"""

from __future__ import annotations

import base64
import re
from html.entities import html5

# A line break a server wrapped the secret at: raw (header folding, MIME wrapping at 76
# columns, CRLF) or JSON-escaped inside a string.
_BREAK = r"(?:(?:\r\n?|\n)[ \t]*|(?:\\+r)?\\+n)?"
_BREAKS = re.compile(r"(?:\r\n?|\n)[ \t]*|(?:\\+r)?\\+n")
_URLSAFE = str.maketrans("+/", "-_")
_JSON_SHORT = {'"': '\\"', "\\": "\\\\", "/": "\\/", "\b": "\\b", "\f": "\\f", "\n": "\\n",
               "\r": "\\r", "\t": "\\t"}
MIN_ANCHOR = 4
MIN_BASE64 = 8


def _entity_names() -> dict[str, list[str]]:
    names: dict[str, list[str]] = {}
    for name, chars in html5.items():
        if len(chars) == 1 and not (chars.isascii() and chars.isalnum()):
            names.setdefault(chars, []).append(name)
    for found in names.values():
        found.sort(key=len, reverse=True)  # "amp;" before "amp"
    return names


_ENTITIES = _entity_names()


def _hex(digits: str) -> str:
    """Hex digits matched in either case."""
    return "".join(f"[{d.lower()}{d.upper()}]" if d.isalpha() else d for d in digits)


def char_pattern(char: str) -> str:
    """A regex for one character in any of the encodings a server may echo it in."""
    if char.isascii() and char.isalnum():
        return char
    code = ord(char)
    utf8 = "".join("%" + _hex(f"{byte:02x}") for byte in char.encode("utf-8", "surrogatepass"))
    options = [  # the longer encodings first, so "&amp;" is taken whole, not as "&"
        utf8,  # quote(), lower- or upper-case hex
        utf8.replace("%", "%25"),  # encoded twice
        f"&#0*{code};?",
        "&#[xX]0*" + _hex(f"{code:x}") + ";?",
        *("&" + re.escape(name) for name in _ENTITIES.get(char, [])),
    ]
    # JSON escapes, also escaped again (JSON inside a JSON string): any run of backslashes.
    if code < 0x10000:
        options.append(r"\\+u" + _hex(f"{code:04x}"))
    else:  # a JSON surrogate pair
        high, low = divmod(code - 0x10000, 0x400)
        options.append(r"\\+u" + _hex(f"{0xD800 + high:04x}") + r"\\+u"
                       + _hex(f"{0xDC00 + low:04x}"))
    if char in _JSON_SHORT:
        options.append(r"\\+" + re.escape(_JSON_SHORT[char][1:]))
    if char == " ":
        options.append(r"\+")  # quote_plus, form encoding
    options.append(re.escape(char))
    return "(?:" + "|".join(options) + ")"


def normalized(value: str) -> str:
    """The secret as matched: line breaks inside it are ignored (a wrap may be anywhere)."""
    return value.replace("\r", "").replace("\n", "")


def squeezed(text: str) -> str:
    """`text` without line breaks, for the anchor test of wrapped secrets."""
    if "\n" not in text and "\r" not in text and "\\n" not in text:
        return text
    return _BREAKS.sub("", text)


def base64_forms(value: str) -> set[str]:
    """The secret base64-encoded alone (standard and URL-safe, padding dropped) and the parts
    of it that any longer base64 text containing it must hold, at each of the three offsets."""
    data = value.encode("utf-8", "surrogatepass")
    forms = set()
    alone = base64.b64encode(data).decode().rstrip("=")
    forms |= {alone, alone.translate(_URLSAFE)}
    for offset in (0, 1, 2):
        encoded = base64.b64encode(b"\0" * offset + data).decode()
        start = 4 if offset else 0
        core = encoded[start:4 * ((offset + len(data)) // 3)]
        forms |= {core, core.translate(_URLSAFE)}
    return {form for form in forms if len(form) >= MIN_BASE64}


class SecretPattern:
    """One form of one secret: the literal any match must contain, and its tolerant regex,
    compiled only once a text holds the literal (most forms never occur: a long token's
    regex takes milliseconds to compile, and a run learns dozens of them)."""

    def __init__(self, form: str, *, base64_padding: bool = False) -> None:
        self.form = form
        runs = re.findall(r"[A-Za-z0-9]+", form)
        anchor = max(runs, key=len) if runs else ""
        self.anchor = anchor if len(anchor) >= MIN_ANCHOR else None
        self._padding = base64_padding
        self._regex: re.Pattern[str] | None = None

    def may_occur_in(self, squeezed_text: str) -> bool:
        return self.anchor is None or self.anchor in squeezed_text

    @property
    def regex(self) -> re.Pattern[str]:
        if self._regex is None:
            source = _BREAK.join(char_pattern(char) for char in self.form)
            self._regex = re.compile(source + _PADDING if self._padding else source)
        return self._regex


_PADDING = r"(?:=|%3[dD]|&#61;|\\u003[dD]){0,2}"


def pattern_for(form: str, *, base64_padding: bool = False) -> SecretPattern:
    """The tolerant pattern of `form` (already normalized); a base64 form takes its padding."""
    return SecretPattern(form, base64_padding=base64_padding)
