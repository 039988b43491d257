"""YAML for connector files: a position for every node, no YAML 1.1 surprises, no silent dupes.

PyYAML's SafeLoader speaks YAML 1.1, where `on`, `no` and `y` are booleans, `0755` is octal,
`1:20` is base 60 and `2022-11-28` is a date. Connector files are written by people who mean
text there, so only `true`/`false` (any case) are booleans, only plain decimals are numbers, and
everything else stays the string that was typed. Duplicate keys, which PyYAML silently lets the
last one win, are reported.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from workbench.core.errors import ConfigError, ConfigProblem

PathPart = str | int
MERGE_TAG = "tag:yaml.org,2002:merge"


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


@dataclass
class ParsedYaml:
    """A parsed document: the plain data, where each node was, and duplicate-key problems."""

    data: Any
    positions: NodePosition
    problems: list[ConfigProblem]


def dotted(path: Sequence[PathPart]) -> str:
    """`("a", "b", 1, "c")` → `a.b[1].c`."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def problem_at(
    path: str, text: str, position: Position | None, where: str, message: str
) -> ConfigProblem:
    """A ConfigProblem at `position` of `text`, with the offending line attached."""
    if position is None:
        return ConfigProblem(path, 0, 0, where, message)
    lines = text.splitlines()
    source = lines[position.line - 1] if 0 < position.line <= len(lines) else ""
    return ConfigProblem(path, position.line, position.column, where, message, source.rstrip())


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


class ConnectorYamlLoader(yaml.SafeLoader):
    """SafeLoader with connector-friendly scalars (see the module docstring)."""

    yaml_implicit_resolvers = _resolvers()


def parse_yaml(text: str, path: str = "<text>") -> ParsedYaml:
    """Parse one YAML document; a syntax error raises ConfigError with its position."""
    loader = ConnectorYamlLoader(text)
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
    except yaml.YAMLError as exc:
        raise ConfigError([_syntax_problem(exc, path, text)]) from None
    finally:
        loader.dispose()
    return ParsedYaml(data, positions, problems)


def _key(loader: ConnectorYamlLoader, node: Node) -> Any:
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
    loader: ConnectorYamlLoader, node: Node, into: NodePosition, done: dict[int, NodePosition]
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
    loader: ConnectorYamlLoader, root: Node
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


def _syntax_problem(exc: yaml.YAMLError, path: str, text: str) -> ConfigProblem:
    if not isinstance(exc, yaml.MarkedYAMLError):
        mark = getattr(exc, "position", None)  # a ReaderError: a character YAML cannot hold
        where = _offset_position(text, mark) if isinstance(mark, int) else None
        return problem_at(path, text, where, "", f"not valid YAML: {exc}")
    problem = exc.problem or "not valid YAML"
    mark = exc.problem_mark or exc.context_mark
    if "end of stream" in problem and exc.context and "quoted scalar" in exc.context:
        return problem_at(
            path,
            text,
            Position.of(exc.context_mark) if exc.context_mark else None,
            "",
            "unclosed quote: the quoted text starting here never ends",
        )
    unclosed = _unclosed_bracket(exc, problem)
    if unclosed and exc.context_mark is not None:
        return problem_at(path, text, Position.of(exc.context_mark), "", unclosed)
    position = Position.of(mark) if mark else None
    return problem_at(path, text, position, "", _plain_syntax_message(exc, problem))


def _unclosed_bracket(exc: yaml.MarkedYAMLError, problem: str) -> str | None:
    """A `[` or `{` never closed: point at where it opened, not at the end of the file."""
    context = exc.context or ""
    if exc.context_mark is None or "stream end" not in problem:
        return None
    for kind, closer in (("flow sequence", "]"), ("flow mapping", "}")):
        if kind in context:
            return f"unclosed bracket: the list or mapping opened here never gets its '{closer}'"
    return None


def _plain_syntax_message(exc: yaml.MarkedYAMLError, problem: str) -> str:
    if "'\\t'" in problem:
        return "tab character: YAML indents with spaces only"
    if problem.startswith("expected <block end>"):
        return "bad indentation: this line does not line up with the lines above it"
    if problem == "mapping values are not allowed here":
        return "unexpected ':' (quote a value that contains ': ', or fix the indentation)"
    if "another document" in problem:
        return "a second document ('---'): a connector file holds exactly one"
    if "could not determine a constructor for the tag" in problem:
        return f"unsupported tag ({problem})"
    context = f" ({exc.context})" if exc.context else ""
    return f"not valid YAML: {problem}{context}"


def _offset_position(text: str, offset: int) -> Position:
    before = text[:offset]
    return Position(before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1)
