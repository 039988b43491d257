"""The one-pass search for learned secrets finds what one scan per form found, overlaps and
cut-short previews included, and the Redactor masks the same with it."""

from __future__ import annotations

import pytest

from workbench.core import anchor_index
from workbench.core.anchor_index import AnchorIndex
from workbench.core.redaction import REDACTED, Redactor
from workbench.core.secret_forms import SecretPattern


def forms(*values: str) -> list[SecretPattern]:
    return [SecretPattern(v) for v in values]


@pytest.mark.parametrize("automaton", [True, False])
def test_overlapping_and_nested_anchors_are_all_found(automaton: bool,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    if not automaton:
        monkeypatch.setattr(anchor_index, "ahocorasick", None)
    patterns = forms("abcd1234efgh", "1234efgh5678", "efgh", "zzzz9999")
    index = AnchorIndex(patterns, ["abcdefghijklmnop-secret"], prefix=12)
    text = "xx abcd1234efgh5678 yy"  # the first two overlap, the third is inside both
    found = [p.form for p in index.candidates(text)]
    assert found == ["abcd1234efgh", "1234efgh5678", "efgh"]  # in the given order
    assert index.candidates("nothing here") == []
    assert index.with_prefix_in("a preview abcdefghijkl…") == ["abcdefghijklmnop-secret"]
    assert index.with_prefix_in("abcdefghijk") == []


def test_the_redactor_masks_many_secrets_in_one_pass() -> None:
    redactor = Redactor()
    secrets = [f"session-token-{n:04d}-rotated" for n in range(300)]
    for secret in secrets:
        redactor.add_value(secret)
    text = " ".join(secrets[::7]) + " and a preview session-token-0299-rot…"
    masked = redactor.text(text)
    assert not any(secret in masked for secret in secrets)
    assert masked.count(REDACTED) == len(secrets[::7]) + 1
    # Learned later: the index is rebuilt and masks the new one too.
    redactor.add_value("late-secret-value-77")
    assert redactor.text("x late-secret-value-77 y") == f"x {REDACTED} y"
