"""Small helpers around Qt signals."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtCore import QObject


@contextmanager
def signals_blocked(obj: QObject) -> Iterator[None]:
    """Block `obj`'s signals inside the block (a value set by the program, not the user) and
    restore the state it had before, even when the block raises (as superqt's does)."""
    previous = obj.blockSignals(True)
    try:
        yield
    finally:
        obj.blockSignals(previous)
