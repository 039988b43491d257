"""Deck's MfaRequired question, asked the way the source asked it, answered in a dialog."""

from __future__ import annotations

import asyncio
from typing import Any

from PySide6.QtCore import QRegularExpression
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QLineEdit, QVBoxLayout, QWidget


class MfaDialog(QDialog):
    """The question, a field for the answer (digits only when the source expects digits)."""

    def __init__(self, payload: dict[str, Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Security question")
        self.setObjectName("mfaDialog")
        question = str(payload.get("question") or "The source asks for a security code.")
        digits = payload.get("answer_expected_digits")
        method = payload.get("method_selected")
        self.question = QLabel(question)
        self.question.setWordWrap(True)
        self.question.setObjectName("mfaQuestion")
        detail = []
        if method:
            detail.append(f"Sent by {method}.")
        if isinstance(digits, int):
            detail.append(f"Expected: {digits} digits.")
        self.answer = QLineEdit()
        self.answer.setObjectName("mfaAnswer")
        self.answer.setAccessibleName("Answer")
        self.answer.setEchoMode(QLineEdit.EchoMode.PasswordEchoOnEdit)
        if isinstance(digits, int) and digits > 0:
            self.answer.setValidator(QRegularExpressionValidator(
                QRegularExpression(f"\\d{{0,{digits}}}"), self.answer))
            self.answer.setPlaceholderText("0" * digits)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Send answer")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.question)
        if detail:
            layout.addWidget(QLabel(" ".join(detail)))
        layout.addWidget(self.answer)
        layout.addWidget(buttons)


async def ask_mfa(payload: dict[str, Any], parent: QWidget | None) -> str | None:
    """Show the dialog without blocking the loop; the answer, or None when cancelled."""
    dialog = MfaDialog(payload, parent)
    answered: asyncio.Future[str | None] = asyncio.get_running_loop().create_future()

    def finished(result: int) -> None:
        if not answered.done():
            text = dialog.answer.text().strip()
            answered.set_result(text if result == QDialog.DialogCode.Accepted and text else None)

    dialog.finished.connect(finished)
    dialog.open()
    try:
        return await answered
    finally:
        dialog.deleteLater()
