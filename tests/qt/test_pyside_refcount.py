"""Guards the PySide6 pin: a binding that loses references to None crashes a long session.

PySide6 6.12.0 on Python 3.11 decrements None's reference count on every signal emission, model
row insertion and QLabel.setText; after a few thousand the interpreter aborts. On Python 3.12+
None is immortal, so the count stays put whatever the binding does and this test still passes.
"""

from __future__ import annotations

import sys
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, QStringListModel, Signal
from PySide6.QtWidgets import QLabel


class _Emitter(QObject):
    sig_number = Signal(int)
    """A signal with an argument, like most of the app's."""


def test_qt_calls_do_not_leak_references_to_none(qtbot: Any) -> None:
    emitter, label, model = _Emitter(), QLabel(), QStringListModel()
    qtbot.addWidget(label)
    before = sys.getrefcount(None)
    for n in range(300):
        emitter.sig_number.emit(n)
        label.setText(str(n))
        model.insertRows(model.rowCount(QModelIndex()), 1)
    lost = before - sys.getrefcount(None)
    assert lost < 50, f"{lost} references to None lost in 900 Qt calls: a broken PySide6 build"
