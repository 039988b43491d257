"""The connector form: one widget per FormSpec field, secrets masked, problems beside fields.

The form holds no business state: it shows values it is given and reports what the user typed.
Which values are required and what is wrong with them comes from `FormSpec.problems`.
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QAction, QIcon, QIntValidator, QResizeEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QScrollArea,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from workbench.core.auth.plugins import vendor_scheme
from workbench.core.formspec import FormField, FormSpec
from workbench.core.platforms.registry import platform
from workbench.qt.theme import accent

FieldWidget = QLineEdit | QCheckBox | QComboBox


class ConnectorForm(QScrollArea):
    """Renders a FormSpec; `values()` is what the user typed, `show_problems` marks fields."""

    sig_edited = Signal(str)
    """The user changed the value of the named field."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QScrollArea.Shape.NoFrame)
        self._spec = FormSpec(())
        self._inputs: dict[str, FieldWidget] = {}
        self._errors: dict[str, QLabel] = {}
        self._reveals: dict[str, QAction] = {}
        self.secret_placeholder = "secret"  # where secrets are kept, said in empty secret fields
        self.fit_contents = False  # True: as tall as the fields (inside an outer scroll area)
        self._placeholder = QLabel("Select a connector in the library to see its form.")
        self._placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._placeholder.setWordWrap(True)
        self.setWidget(self._placeholder)

    def minimumSizeHint(self) -> QSize:
        page = self.widget()
        if self.fit_contents and page is not None:
            # Wrapped help text is as tall as the width makes it, not as its default hint says.
            height = page.heightForWidth(self.viewport().width()) if page.hasHeightForWidth() \
                else -1
            return QSize(super().minimumSizeHint().width(),
                         height if height > 0 else page.sizeHint().height())
        return super().minimumSizeHint()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.fit_contents and event.size().width() != event.oldSize().width():
            self.updateGeometry()

    def sizeHint(self) -> QSize:
        return self.minimumSizeHint() if self.fit_contents else super().sizeHint()

    # -- building -----------------------------------------------------------------------------

    def set_spec(self, spec: FormSpec, values: Mapping[str, str], title: str = "") -> None:
        """Rebuild the form for `spec`, filled with `values` (missing ones get defaults)."""
        self._spec = spec
        self._inputs.clear()
        self._errors.clear()
        self._reveals.clear()
        page = QWidget()
        column = QVBoxLayout(page)
        if title:
            heading = QLabel(title)
            heading.setObjectName("formTitle")
            font = heading.font()
            font.setPointSizeF(font.pointSizeF() * 1.25)
            font.setBold(True)
            heading.setFont(font)
            heading.setWordWrap(True)
            column.addWidget(heading)
        groups = (("parameters", "Parameters"), ("authentication", _auth_caption(spec)))
        for group, caption in groups:
            group_fields = [f for f in spec.fields if f.group == group]
            if group_fields:
                box = self._group(caption, group_fields, values)
                if group == "authentication" and spec.deprecation:
                    _mark_deprecated(box, spec.deprecation)
                column.addWidget(box)
        if not spec.fields:
            column.addWidget(QLabel("This connector needs no values: press Test connection."))
        column.addStretch(1)
        self.setWidget(page)
        self.updateGeometry()

    def _group(self, caption: str, fields: list[FormField], values: Mapping[str, str]) -> QGroupBox:
        box = QGroupBox(caption)
        layout = QFormLayout(box)
        layout.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        layout.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        for f in fields:
            editor = self._editor(f, values.get(f.name, f.default))
            label = QLabel(f.label + (" *" if f.required else ""))
            label.setBuddy(editor)
            label.setToolTip("Required" if f.required else "Optional")
            cell = QWidget()
            cell_layout = QVBoxLayout(cell)
            cell_layout.setContentsMargins(0, 0, 0, 0)
            cell_layout.setSpacing(2)
            cell_layout.addWidget(editor)
            error = QLabel()
            error.setObjectName(f"error_{f.name}")
            error.setWordWrap(True)
            error.setStyleSheet(f"color: {accent('fail')};")
            error.hide()
            cell_layout.addWidget(error)
            if f.help:
                help_text = QLabel(f.help)
                help_text.setWordWrap(True)
                help_text.setStyleSheet(f"color: {accent('muted')};")
                help_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
                cell_layout.addWidget(help_text)
                editor.setToolTip(f.help)
            layout.addRow(label, cell)
            self._inputs[f.name] = editor
            self._errors[f.name] = error
        return box

    def _editor(self, f: FormField, value: str) -> FieldWidget:
        editor: FieldWidget
        if f.kind == "boolean":
            editor = QCheckBox()
            editor.setChecked(value.strip().lower() == "true")
            editor.toggled.connect(lambda _on, n=f.name: self.sig_edited.emit(n))
        elif f.options or f.suggestions:
            editor = QComboBox()
            editor.setEditable(bool(f.suggestions))
            editor.addItems(([""] if not f.required and f.options else [])
                            + list(f.options or f.suggestions))
            editor.setCurrentText(value)
            editor.currentTextChanged.connect(lambda _t, n=f.name: self.sig_edited.emit(n))
        else:
            editor = QLineEdit(value)
            editor.setClearButtonEnabled(not f.secret)
            if f.kind == "integer":
                editor.setValidator(QIntValidator())
            if f.kind == "list":
                editor.setPlaceholderText("comma-separated values")
            if f.secret:
                self._make_secret(f.name, editor)
            editor.textEdited.connect(lambda _t, n=f.name: self.sig_edited.emit(n))
        editor.setObjectName(f"field_{f.name}")
        editor.setAccessibleName(f.label)
        return editor

    def _make_secret(self, name: str, editor: QLineEdit) -> None:
        """Masked, no copying out while masked, and an eye to show it on request."""
        editor.setEchoMode(QLineEdit.EchoMode.Password)
        editor.setPlaceholderText(self.secret_placeholder)
        reveal = editor.addAction(_eye_icon(editor), QLineEdit.ActionPosition.TrailingPosition)
        reveal.setCheckable(True)
        reveal.setToolTip("Show the value")
        reveal.setObjectName(f"reveal_{name}")
        reveal.toggled.connect(lambda shown, e=editor: self._on_reveal_toggled(e, shown))
        self._reveals[name] = reveal

    def _on_reveal_toggled(self, editor: QLineEdit, shown: bool) -> None:
        editor.setEchoMode(QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password)

    # -- reading and marking ------------------------------------------------------------------

    @property
    def spec(self) -> FormSpec:
        return self._spec

    def values(self) -> dict[str, str]:
        """Every field's current value as text, the way the core expects it."""
        return {name: _text_of(widget) for name, widget in self._inputs.items()}

    def set_value(self, name: str, value: str) -> None:
        """Replace one value (a rotated refresh token, a value loaded from the keychain)."""
        widget = self._inputs.get(name)
        if isinstance(widget, QLineEdit):
            widget.setText(value)
        elif isinstance(widget, QCheckBox):
            widget.setChecked(value.strip().lower() == "true")
        elif isinstance(widget, QComboBox):
            widget.setCurrentText(value)

    def editor(self, name: str) -> FieldWidget | None:
        return self._inputs.get(name)

    def reveal_action(self, name: str) -> QAction | None:
        return self._reveals.get(name)

    def show_problems(self, problems: Mapping[str, str]) -> None:
        """Put each problem beside its field and focus the first one; clear the rest."""
        first: QWidget | None = None
        for name, label in self._errors.items():
            message = problems.get(name)
            label.setText(_sentence(message) if message else "")
            label.setVisible(bool(message))
            if message and first is None:
                first = self._inputs[name]
        self.updateGeometry()
        if first is not None:
            self.ensureWidgetVisible(first)
            first.setFocus()

    def problem_text(self, name: str) -> str:
        label = self._errors.get(name)
        return label.text() if label is not None and label.isVisible() else ""

    def set_busy(self, busy: bool) -> None:
        """Keep the form readable but not editable while a check runs."""
        for widget in self._inputs.values():
            widget.setEnabled(not busy)


def _text_of(widget: FieldWidget) -> str:
    if isinstance(widget, QCheckBox):
        return "true" if widget.isChecked() else "false"
    if isinstance(widget, QComboBox):
        return widget.currentText()
    return widget.text()


def _mark_deprecated(box: QGroupBox, why: str) -> None:
    """A warning above the fields of a grant that should not be used (the password grant)."""
    warning = QLabel(f"⚠ {why}")
    warning.setObjectName("deprecatedGrant")
    warning.setWordWrap(True)
    warning.setStyleSheet(f"color: {accent('warn')}; font-weight: bold;")
    warning.setAccessibleName("Deprecated grant")
    layout = box.layout()
    assert isinstance(layout, QFormLayout)
    layout.insertRow(0, warning)
    box.setTitle(box.title().replace(")", ", deprecated)") if box.title().endswith(")")
                 else box.title())


def _auth_caption(spec: FormSpec) -> str:
    if spec.auth_type is None:
        return "Authentication"
    kind = {"bearer": "bearer token", "basic_http": "HTTP Basic", "api_key": "API key",
            "oauth2": "OAuth2", "aws_sigv4": "AWS Signature V4", "digest": "HTTP Digest",
            "hmac": "HMAC request signature"}.get(spec.auth_type) or _plugin_caption(spec.auth_type)
    grant = f", {spec.grant_type.replace('_', ' ')}" if spec.grant_type else ""
    return f"Authentication ({kind}{grant})"


def _plugin_caption(auth_type: str) -> str:
    """A platform's keys ("Deck API keys"), a vendor scheme's title, else the name itself."""
    found = platform(auth_type)
    if found is not None:
        return found.keys_label or found.title
    vendor = vendor_scheme(auth_type)
    return vendor.title if vendor else auth_type


def _sentence(message: str) -> str:
    return message[:1].upper() + message[1:] + ("" if message.endswith(".") else ".")


def _eye_icon(widget: QWidget) -> QIcon:
    themed = QIcon.fromTheme("view-reveal-symbolic")
    if not themed.isNull():
        return themed
    return widget.style().standardIcon(QStyle.StandardPixmap.SP_FileDialogContentsView)
