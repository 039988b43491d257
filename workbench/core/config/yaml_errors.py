"""What YAML parsers say, in the words of someone who edits connector files."""

from __future__ import annotations

import yaml

from workbench.core.config.limits import LimitError, character_name
from workbench.core.config.positions import Position, offset_position, problem_at
from workbench.core.errors import ConfigProblem


def syntax_problem(exc: yaml.YAMLError, path: str, text: str) -> ConfigProblem:
    """The problem `exc` describes, at its position, in plain words."""
    if isinstance(exc, LimitError):
        mark = exc.problem_mark
        return problem_at(path, text, Position.of(mark) if mark else None, "", exc.problem or "")
    if not isinstance(exc, yaml.MarkedYAMLError):
        mark = getattr(exc, "position", None)  # a ReaderError: a character YAML cannot hold
        where = offset_position(text, mark) if isinstance(mark, int) else None
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


def unprintable_message(char: str) -> str:
    """Why `char` (refused by YAML's reader) cannot be in the file."""
    if "\ud800" <= char <= "\udfff":
        return (f"a lone surrogate ({character_name(char)}) is not a character: the text was "
                "decoded wrongly somewhere; save the file as UTF-8 again")
    if ord(char) < 0x20 or 0x7F <= ord(char) <= 0x9F:
        return f"control character {character_name(char)} is not allowed here; remove it"
    return f"character {character_name(char)} is not allowed in YAML; remove it"
