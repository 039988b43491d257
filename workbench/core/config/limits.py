"""Limits on connector files: what the loaders refuse before it can cost minutes or gigabytes.

Connector files are small (the bundled ones are under 3 KB, under 100 values, 8 levels deep),
but support engineers open files they did not write. Every dimension that could make loading
slow, deep or huge has a limit far above any real connector, checked before the step it
protects, and each has its own plain-words error at the place where it is crossed:

- the file's size, before it is read, and each line's length, before it is parsed;
- nesting depth (the parsers and checks recurse), while the document is composed;
- values in all, counting what each alias brings in again, so that a billion-laughs file fails
  at its first few lines and no check can be made to walk exponentially many values;
- keys in one mapping, and the length of one value, one key and one number (Python refuses to
  convert integers of more than 4,300 digits, and big ones are slow).
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.events import AliasEvent, CollectionStartEvent
from yaml.nodes import MappingNode, Node, ScalarNode

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_LINE_CHARS = 64 * 1024
MAX_DEPTH = 100
MAX_NODES = 50_000
MAX_KEYS = 10_000
MAX_NUMBER_CHARS = 100
MAX_SCALAR_CHARS = 256 * 1024
MAX_KEY_CHARS = 1024
MAX_PROBLEMS = 100
"""Problems listed for one file; the rest are counted in one last line."""

_NUMBER_TAGS = frozenset({"tag:yaml.org,2002:int", "tag:yaml.org,2002:float"})
# Characters a value can only hold through a double-quoted escape ("\0", "\e", "\ud800"): they
# break header lines, URLs and terminals, so they are refused as the raw ones are.
_ESCAPED_JUNK = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff]")
_CONTROL_NAMES = {0x00: "NUL", 0x1B: "ESC", 0x7F: "DEL"}
_JSON_TOKEN = re.compile(r'"(?:[^"\\]++|\\.)*+"|[\[\]{}]')


class LimitError(yaml.MarkedYAMLError):
    """A limit was crossed at `problem_mark`; `problem` says which, in plain words."""

    def __init__(self, message: str, mark: Any) -> None:
        super().__init__(problem=message, problem_mark=mark)


def character_name(char: str) -> str:
    """`NUL`, `ESC`, `U+0001`: how an invisible character is named in a message."""
    return _CONTROL_NAMES.get(ord(char), f"U+{ord(char):04X}")


def size_text(size: int) -> str:
    """A byte count as people say it: `812 bytes`, `3.2 MiB`, `3.0 GiB`."""
    if size < 1024:
        return f"{size} bytes"
    value, unit = size / 1024, "KiB"
    for bigger in ("MiB", "GiB", "TiB"):
        if value < 1024:
            break
        value, unit = value / 1024, bigger
    return f"{value:.1f} {unit}"


def size_problem(size: int, what: str = "the file") -> str | None:
    """The message for text of `size` bytes (or characters), or None if it is allowed."""
    if size <= MAX_FILE_BYTES:
        return None
    return (f"{what} is {size_text(size)}; connector files are at most "
            f"{MAX_FILE_BYTES // 1024 // 1024} MiB (a real one is a few KB)")


def long_line(text: str) -> tuple[int, str] | None:
    """(1-based line number, message) for the first line longer than the limit, or None."""
    if len(text) <= MAX_LINE_CHARS:
        return None  # every normal file: nothing to scan
    for number, line in enumerate(text.splitlines(), 1):
        if len(line) > MAX_LINE_CHARS:
            return number, (f"this line is {len(line):,} characters long; lines of a connector "
                            f"file are at most {MAX_LINE_CHARS:,}")
    return None


def deep_json(text: str) -> tuple[int, str] | None:
    """(offset, message) of the first JSON bracket nested deeper than the limit, or None.

    Python's json module recurses per level and fails with RecursionError near 1,000; this
    finds the place first, skipping brackets inside strings as JSON does.
    """
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return None
    depth = 0
    for token in _JSON_TOKEN.finditer(text):
        char = text[token.start()]
        if char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return token.start(), _depth_message()
        elif char in "]}":
            depth -= 1
    return None


def _depth_message() -> str:
    return f"nested more than {MAX_DEPTH} levels deep; connector files need a handful"


class GuardedComposer(Composer):
    """A YAML composer that counts what it builds and stops at the first limit crossed.

    Each node remembers how many values it stands for once its aliases are expanded, so an
    alias costs what it brings in; the total is bounded, however the aliases nest.
    """

    peek_event: Any  # the parser's, mixed in beside this class

    def start_counting(self) -> None:
        self._depth = 0
        self._nodes = 0
        self._sizes: dict[int, int] = {}

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        event = self.peek_event()
        if isinstance(parent, MappingNode) and index is None and len(parent.value) >= MAX_KEYS:
            raise LimitError(f"more than {MAX_KEYS:,} keys in one mapping", event.start_mark)
        if isinstance(event, AliasEvent):
            node = super().compose_node(parent, index)
            self._count(self._sizes.get(id(node), 1), event.start_mark, alias=True)
            return node
        container = isinstance(event, CollectionStartEvent)
        if container and self._depth >= MAX_DEPTH:
            raise LimitError(_depth_message(), event.start_mark)
        before = self._nodes
        self._count(1, event.start_mark)
        self._depth += container
        node = super().compose_node(parent, index)
        self._depth -= container
        self._sizes[id(node)] = self._nodes - before
        if isinstance(node, ScalarNode):
            _check_scalar(node, is_key=isinstance(parent, MappingNode) and index is None)
        return node

    def _count(self, nodes: int, mark: Any, *, alias: bool = False) -> None:
        self._nodes += nodes
        if self._nodes <= MAX_NODES:
            return
        if alias:
            raise LimitError(f"this alias brings the document to more than {MAX_NODES:,} values "
                             "(aliases that repeat aliases multiply; an alias bomb?)", mark)
        raise LimitError(f"more than {MAX_NODES:,} values in one file", mark)


def _check_scalar(node: ScalarNode, *, is_key: bool) -> None:
    value: str = node.value
    if is_key and len(value) > MAX_KEY_CHARS:
        raise LimitError(f"this key is {len(value):,} characters long (at most "
                         f"{MAX_KEY_CHARS:,})", node.start_mark)
    if len(value) > MAX_SCALAR_CHARS:
        raise LimitError(f"this value is {len(value):,} characters long (at most "
                         f"{MAX_SCALAR_CHARS:,})", node.start_mark)
    if node.tag in _NUMBER_TAGS and len(value) > MAX_NUMBER_CHARS:
        raise LimitError(f"a number {len(value):,} characters long (at most "
                         f"{MAX_NUMBER_CHARS}); put it in quotes if it is text",
                         node.start_mark)
    if node.style == '"' and _ESCAPED_JUNK.search(value):
        node.value = _checked_escapes(value, node.start_mark)


def _checked_escapes(value: str, mark: Any) -> str:
    """`value` with escaped surrogate pairs joined (JSON writes emoji so); a lone surrogate or
    a control character is refused."""
    try:
        value = value.encode("utf-16-le", "surrogatepass").decode("utf-16-le")
    except UnicodeDecodeError:
        lone = next(c for c in value if "\ud800" <= c <= "\udfff")
        raise LimitError(f"a lone surrogate (\\u{ord(lone):04x}) is not a character; escaped "
                         "surrogates must come in pairs", mark) from None
    junk = _ESCAPED_JUNK.search(value)
    if junk:
        raise LimitError(f"control character {character_name(junk.group())} in this value "
                         "(written as an escape): values are plain text; remove it", mark)
    return value
