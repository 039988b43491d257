"""YAML for connector files: a position for every node, no YAML 1.1 surprises, no silent dupes.

PyYAML's SafeLoader speaks YAML 1.1, where `on`, `no` and `y` are booleans, `0755` is octal,
`1:20` is base 60 and `2022-11-28` is a date. Connector files are written by people who mean
text there, so only `true`/`false` (any case) are booleans, only plain decimals are numbers, and
everything else stays the string that was typed. Duplicate keys, which PyYAML silently lets the
last one win, are reported. The limits of `limits.py` are enforced while the document is
composed; libyaml's parser is used when it is installed (ten times faster), the pure-Python one
for the wording of errors.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.reader import Reader
from yaml.resolver import Resolver

from workbench.core.config.limits import (
    MAX_LINE_CHARS,
    GuardedComposer,
    LimitError,
    long_line,
    size_problem,
)
from workbench.core.config.positions import (
    NodePosition,
    PathPart,
    Position,
    dotted,
    offset_position,
    problem_at,
)
from workbench.core.config.yaml_errors import syntax_problem, unprintable_message
from workbench.core.errors import ConfigError, ConfigProblem

__all__ = ["NodePosition", "ParsedYaml", "Position", "check_text", "dotted", "offset_position",
           "parse_yaml", "problem_at"]
MERGE_TAG = "tag:yaml.org,2002:merge"


@dataclass
class ParsedYaml:
    """A parsed document: the plain data, where each node was, and duplicate-key problems."""

    data: Any
    positions: NodePosition
    problems: list[ConfigProblem]


# Only the YAML 1.2 core forms (minus leading zeros) count as numbers or booleans.
_BOOL = re.compile(r"^(?:true|false)$", re.IGNORECASE)
_INT = re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$")
_FLOAT = re.compile(
    r"^(?:[-+]?(?:(?:0|[1-9][0-9]*)\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?(?:0|[1-9][0-9]*)[eE][-+]?[0-9]+"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)
_REPLACED_TAGS = {
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:timestamp",
    "tag:yaml.org,2002:value",  # `=` would otherwise fail to load at all under SafeLoader
}


def _resolvers() -> dict[Any, list[tuple[str, re.Pattern[str]]]]:
    table = {
        first: [(tag, rx) for tag, rx in entries if tag not in _REPLACED_TAGS]
        for first, entries in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    for tag, rx, firsts in (
        ("tag:yaml.org,2002:bool", _BOOL, "tTfF"),
        ("tag:yaml.org,2002:int", _INT, "-+0123456789"),
        ("tag:yaml.org,2002:float", _FLOAT, "-+0123456789."),
    ):
        for first in firsts:
            table.setdefault(first, []).append((tag, rx))
    return {first: entries for first, entries in table.items() if entries}


class _Constructing(GuardedComposer, SafeConstructor, Resolver):
    """Connector scalars, the composer's limits, and constructor slips as YAML errors."""

    yaml_implicit_resolvers = _resolvers()
    dispose: Callable[[], None]  # the parser's

    def construct_object(self, node: Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except yaml.YAMLError:
            raise
        except Exception:
            # An explicit tag on text it cannot read (`!!int abc`, `!!int`, `!!timestamp soon`).
            tag = str(node.tag).rsplit(":", 1)[-1]
            raise ConstructorError(None, None, f"this is not a valid !!{tag} value",
                                   node.start_mark) from None


class ConnectorYamlLoader(_Constructing, yaml.SafeLoader):
    """SafeLoader with connector-friendly scalars and limits (see the module docstring)."""

    def __init__(self, stream: str) -> None:
        yaml.SafeLoader.__init__(self, stream)
        self.start_counting()


try:
    from yaml._yaml import CParser
except ImportError:  # PyYAML built without libyaml: the pure-Python parser does it all
    _FastLoader: Callable[[str], _Constructing] | None = None
else:
    class _FastYamlLoader(_Constructing, CParser):
        """The same, on libyaml's scanner and parser (events only: composing stays ours)."""

        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)
            GuardedComposer.__init__(self)
            self.start_counting()

    _FastLoader = _FastYamlLoader

# Past this size, a file libyaml refused is not parsed again for the pure-Python wording.
_REWORD_LIMIT = 256 * 1024


def parse_yaml(text: str, path: str = "<text>") -> ParsedYaml:
    """Parse one YAML document; a syntax error or a limit crossed raises ConfigError with its
    position."""
    check_text(text, path)
    if _FastLoader is not None:
        try:
            return _parse(_FastLoader, text, path)
        except yaml.YAMLError as exc:
            # libyaml words errors its own way and refuses escapes ("\ud83d\ude00") that the
            # pure-Python parser reads; the latter has the last word, unless that is slow.
            if isinstance(exc, LimitError) or len(text) > _REWORD_LIMIT:
                raise ConfigError([syntax_problem(exc, path, text)]) from None
    try:
        return _parse(ConnectorYamlLoader, text, path)
    except yaml.YAMLError as exc:
        raise ConfigError([syntax_problem(exc, path, text)]) from None


def check_text(text: str, path: str) -> None:
    """Refuse, before any parser sees it, text that is too big, has a line too long, or holds
    a character YAML cannot (NUL and other controls, lone surrogates)."""
    found = _text_problem(text)
    if found is not None:
        raise ConfigError([problem_at(path, text, *found)])


def _text_problem(text: str) -> tuple[Position, str, str] | None:
    too_big = size_problem(len(text), "the text")
    if too_big is not None:
        return Position(1, 1), "", too_big
    too_long = long_line(text)
    if too_long is not None:
        return Position(too_long[0], MAX_LINE_CHARS + 1), "", too_long[1]
    bad = Reader.NON_PRINTABLE.search(text)
    if bad is not None:
        return offset_position(text, bad.start()), "", unprintable_message(bad.group())
    return None


def _parse(loader_class: Callable[[str], _Constructing], text: str, path: str) -> ParsedYaml:
    loader = loader_class(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return ParsedYaml(None, NodePosition(Position(1, 1)), [])
        found = list(_structure_problems(loader, root))
        problems = [problem_at(path, text, p, dotted(w), m) for w, p, m, _ in found]
        if any(fatal for *_, fatal in found):
            raise ConfigError(problems)  # the data would be infinite: stop before building it
        data = loader.construct_document(root)  # also folds `<<` merge keys into their maps
        positions = NodePosition(Position.of(root.start_mark))
        _record(loader, root, positions, {})
    finally:
        loader.dispose()
    return ParsedYaml(data, positions, problems)


def _key(loader: _Constructing, node: Node) -> Any:
    if not isinstance(node, ScalarNode):
        return None
    key = loader.construct_object(node)
    return key if isinstance(key, str | int | float | bool) or key is None else None


def _value_position(key_node: Node, value_node: Node) -> Position:
    # An empty value "sits" after the colon; pointing at its key reads better.
    if isinstance(value_node, ScalarNode) and value_node.value == "" and not value_node.style:
        return Position.of(key_node.start_mark)
    return Position.of(value_node.start_mark)


def _record(
    loader: _Constructing, node: Node, into: NodePosition, done: dict[int, NodePosition]
) -> None:
    """Fill `into.children` from `node`, recursively; a later duplicate key wins, as in dicts.

    An aliased node is walked once: every use shares the anchor's positions.
    """
    if id(node) in done:
        into.children = done[id(node)].children
        return
    done[id(node)] = into
    if isinstance(node, MappingNode):
        for key_node, value_node in node.value:
            child = NodePosition(
                _value_position(key_node, value_node), Position.of(key_node.start_mark)
            )
            into.children[_key(loader, key_node)] = child
            _record(loader, value_node, child, done)
    elif isinstance(node, SequenceNode):
        for index, item in enumerate(node.value):
            child = NodePosition(Position.of(item.start_mark))
            into.children[index] = child
            _record(loader, item, child, done)


def _structure_problems(
    loader: _Constructing, root: Node
) -> Iterator[tuple[tuple[PathPart, ...], Position, str, bool]]:
    """(path, position, message, fatal) for keys given twice in one mapping (merge keys
    excepted: overriding them is their point) and, fatally, aliases that contain themselves."""
    walking: set[int] = set()
    done: set[int] = set()

    def walk(node: Node, path: tuple[PathPart, ...]) -> Iterator[Any]:
        if id(node) in walking:
            yield path, Position.of(node.start_mark), "this alias refers to itself", True
            return
        if id(node) in done:
            return
        walking.add(id(node))
        if isinstance(node, MappingNode):
            first_line: dict[Any, int] = {}
            for key_node, value_node in node.value:
                key = _key(loader, key_node) if key_node.tag != MERGE_TAG else None
                if key is not None and key in first_line:
                    message = f"duplicate key '{key}' (already set on line {first_line[key]})"
                    yield (*path, key), Position.of(key_node.start_mark), message, False
                elif key is not None:
                    first_line[key] = key_node.start_mark.line + 1
                yield from walk(value_node, (*path, key) if key is not None else path)
        elif isinstance(node, SequenceNode):
            for index, item in enumerate(node.value):
                yield from walk(item, (*path, index))
        walking.discard(id(node))
        done.add(id(node))

    yield from walk(root, ())
