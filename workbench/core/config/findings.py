"""A problem found in a connector's data, and how it is placed back on a line of the file."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from workbench.core.config.limits import MAX_PROBLEMS
from workbench.core.config.positions import NodePosition, Position, dotted, problem_at
from workbench.core.errors import ConfigError, ConfigProblem

Loaded = TypeVar("Loaded")


@dataclass(frozen=True)
class Finding:
    """One problem, located by a path into the data rather than by line and column.

    `loc` may hold parts that are not keys of the document (validation union tags); they are
    skipped when the finding is placed. `at_key` points at the node's key rather than its value
    (unknown or missing keys); `needle` is text inside a one-line value to point at exactly.
    `missing` names the absent key when the finding is about one (then `loc` is its parent);
    `suggestion` is the known key a misspelled one most likely meant.
    """

    loc: tuple[Any, ...]
    message: str
    at_key: bool = False
    needle: str | None = None
    missing: str | None = None
    suggestion: str | None = None


def place(
    findings: Iterable[Finding], path: str, text: str, positions: NodePosition
) -> list[ConfigProblem]:
    """Turn findings into positioned problems, sorted by place in the file, without repeats."""
    problems: dict[tuple[Any, ...], ConfigProblem] = {}
    for finding in findings:
        found, node = positions.locate(finding.loc)
        position = node.anchor if finding.at_key else node.value
        if finding.needle:
            position = _refine(text, position, finding.needle)
        problem = problem_at(path, text, position, dotted(found), finding.message)
        problems.setdefault((problem.line, problem.column, problem.message), problem)
    return [problems[key] for key in sorted(problems)]


def _refine(text: str, position: Position, needle: str) -> Position:
    """Point at `needle` if it is on the value's own line (quoted or not), else at the value."""
    lines = text.splitlines()
    if not 0 < position.line <= len(lines):
        return position
    index = lines[position.line - 1].find(needle, position.column - 1)
    return Position(position.line, index + 1) if index >= 0 else position


def capped(problems: Iterable[ConfigProblem]) -> list[ConfigProblem]:
    """Problems in file order, at most MAX_PROBLEMS of them; one more line counts the rest
    (at the first one left out), so a file of 50,000 mistakes reads in a screenful."""
    ordered = sorted(problems, key=lambda p: (p.line, p.column))
    if len(ordered) <= MAX_PROBLEMS:
        return ordered
    rest = ordered[MAX_PROBLEMS]
    message = f"… and {len(ordered) - MAX_PROBLEMS:,} more problems"
    return [*ordered[:MAX_PROBLEMS], replace(rest, where="", message=message)]


def loader_guard(
    load: Callable[[str, Any], Loaded]
) -> Callable[[str, Any], Loaded]:
    """Let nothing but ConfigError out of a loader: whatever else goes wrong (a bug, a case
    nobody foresaw) still lists the file as broken instead of crashing the caller."""

    @functools.wraps(load)
    def guarded(text: str, path: Any = "<text>") -> Loaded:
        try:
            return load(text, path)
        except ConfigError:
            raise
        except Exception as exc:
            logging.getLogger(__name__).debug("loading %s failed", path, exc_info=True)
            detail = str(exc)[:200]
            message = f"could not be loaded (internal error: {type(exc).__name__}: {detail})"
            raise ConfigError([ConfigProblem(str(path), 1, 1, "", message)]) from None

    return guarded
