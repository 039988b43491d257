"""Where things are in a connector file, and problems placed there with the offending line."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, NamedTuple

import yaml

from workbench.core.errors import ConfigProblem

PathPart = str | int


class Position(NamedTuple):
    """A 1-based line and column in the source text."""

    line: int
    column: int

    @classmethod
    def of(cls, mark: yaml.Mark) -> Position:
        return cls(mark.line + 1, mark.column + 1)


@dataclass
class NodePosition:
    """Where one node sits: its key (None for list items and the root) and its value."""

    value: Position
    key: Position | None = None
    children: dict[Any, NodePosition] = field(default_factory=dict)

    @property
    def anchor(self) -> Position:
        """The position to show for the node as a whole: its key if it has one."""
        return self.key or self.value

    def child(self, part: Any) -> NodePosition | None:
        found = self.children.get(part)
        if found is None and isinstance(part, str):
            found = next((c for k, c in self.children.items() if str(k) == part), None)
        return found

    def locate(self, path: Sequence[Any]) -> tuple[tuple[Any, ...], NodePosition]:
        """Follow `path` as far as the document goes, skipping parts that are not in it.

        Validation errors carry parts that name no key (union tags like `authentication`);
        those are skipped, so the answer is the deepest node the document really has.
        """
        node, found = self, []
        for part in path:
            nxt = node.child(part)
            if nxt is not None:
                node = nxt
                found.append(part)
        return tuple(found), node


def dotted(path: Sequence[PathPart]) -> str:
    """`("a", "b", 1, "c")` → `a.b[1].c`."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


SOURCE_EXCERPT_CHARS = 160  # of the offending line shown under a problem
_INVISIBLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def problem_at(
    path: str, text: str, position: Position | None, where: str, message: str
) -> ConfigProblem:
    """A ConfigProblem at `position` of `text`, with (the start of) the offending line attached;
    none when the position is further right than an excerpt shows."""
    if position is None:
        return ConfigProblem(path, 0, 0, where, message)
    lines = _lines(text)
    source = lines[position.line - 1] if 0 < position.line <= len(lines) else ""
    if position.column > SOURCE_EXCERPT_CHARS:
        source = ""
    elif len(source) > SOURCE_EXCERPT_CHARS:
        source = source[:SOURCE_EXCERPT_CHARS] + "…"
    source = _INVISIBLE.sub("\ufffd", source)  # a raw ESC must not reach a terminal
    return ConfigProblem(path, position.line, position.column, where, message, source.rstrip())


@lru_cache(maxsize=4)
def _lines(text: str) -> list[str]:
    """The lines of `text`, split once however many problems it has."""
    return text.splitlines()


def offset_position(text: str, offset: int) -> Position:
    """The line and column of character `offset` of `text`."""
    before = text[:offset]
    return Position(before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1)
