"""The CLI's redacting streams: whole lines are masked, prompts are flushed, controls go."""

from __future__ import annotations

import io

from workbench.cli_streams import RedactingStream
from workbench.core.redaction import Redactor
from workbench.core.terminal_text import MAX_LINE, printable


def test_a_secret_split_over_two_writes_of_one_line_is_masked() -> None:
    target = io.StringIO()
    stream = RedactingStream(target, Redactor(values=["SPLIT-SECRET-77"]))
    stream.write("token SPLIT-SEC")
    assert target.getvalue() == "", "nothing before the line is complete"
    stream.write("RET-77 done\nnext")
    assert target.getvalue() == "token [redacted] done\n"
    stream.flush()  # a prompt waiting for its answer is written out
    assert target.getvalue().endswith("next")


def test_printable_strips_escapes_and_cuts_long_lines() -> None:
    assert printable("a\x1b[31mred\x1b[0m\tb\x07\r\n\u202eevil") == "ared\tb\nevil"
    cut = printable("x" * (MAX_LINE + 50) + "\nshort")
    first, second = cut.split("\n")
    assert first.startswith("x" * MAX_LINE) and "50 more characters not shown" in first
    assert second == "short"
