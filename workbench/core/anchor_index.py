"""Which of many secret forms can occur in a text, found in one pass.

The Redactor keeps hundreds of forms once a run (or an imported HAR) has taught it dozens of
secrets, and masks every field of every event. Testing each form's anchor with `in` costs one
scan of the text per form; an Aho-Corasick automaton (pyahocorasick) finds every anchor,
overlaps included, in a single scan. Without the library, the scans it replaces.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from workbench.core.secret_forms import SecretPattern

try:
    import ahocorasick
except ImportError:  # pragma: no cover - a dependency; the slow path still masks everything
    ahocorasick = None


class AnchorIndex:
    """The patterns (in their given order) whose anchor occurs in a text, and the secrets
    whose first `prefix` characters do (for the Redactor's cut-short previews)."""

    def __init__(self, patterns: Sequence[SecretPattern], secrets: Iterable[str] = (),
                 prefix: int = 12) -> None:
        self._patterns = list(patterns)
        self._always = [p for p in self._patterns if p.anchor is None]
        self._order = {id(p): n for n, p in enumerate(self._patterns)}
        self._by_anchor: dict[str, list[SecretPattern]] = {}
        for pattern in self._patterns:
            if pattern.anchor:
                self._by_anchor.setdefault(pattern.anchor, []).append(pattern)
        self._prefix = prefix
        self._by_prefix: dict[str, list[str]] = {}
        for secret in secrets:
            if len(secret) > prefix:
                self._by_prefix.setdefault(secret[:prefix], []).append(secret)
        self._anchors = _automaton(self._by_anchor)
        self._prefixes = _automaton(self._by_prefix)

    def candidates(self, flat: str) -> list[SecretPattern]:
        if self._anchors is None:
            return [p for p in self._patterns if p.anchor is None or p.anchor in flat]
        found = {anchor for _end, anchor in self._anchors.iter(flat)}
        if not found:
            return list(self._always)
        chosen = [*self._always, *(p for a in found for p in self._by_anchor[a])]
        return sorted(chosen, key=lambda p: self._order[id(p)])

    def with_prefix_in(self, text: str) -> list[str]:
        """The secrets whose first `prefix` characters occur in `text`."""
        if self._prefixes is None:
            return [s for prefix, group in self._by_prefix.items() if prefix in text
                    for s in group]
        found = {prefix for _end, prefix in self._prefixes.iter(text)}
        return [s for prefix in found for s in self._by_prefix[prefix]]


def _automaton(words: dict[str, Any]) -> Any:
    if ahocorasick is None or not words:
        return None
    automaton = ahocorasick.Automaton()
    for word in words:
        automaton.add_word(word, word)
    automaton.make_automaton()
    return automaton
