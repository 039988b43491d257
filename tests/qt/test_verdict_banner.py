"""The verdict banner: what a user reads after a check, in colours that say ok or not."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QApplication, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from workbench.core.verdict import Verdict
from workbench.qt.theme import accent, apply_theme
from workbench.qt.verdict_banner import VerdictBanner

HINT = ("The client id or secret was rejected. They were sent in the request body; check them, "
        "and whether this provider expects them in the Basic header (is_basic_auth: true).")


@pytest.fixture
def banner(qtbot: Any) -> Iterator[VerdictBanner]:
    """A banner in a window, as in the connection pane; yielded so the window stays alive."""
    host = QWidget()
    qtbot.addWidget(host)
    widget = VerdictBanner(host)
    layout = QVBoxLayout(host)
    layout.addWidget(widget)
    layout.addStretch(1)
    host.resize(480, 400)
    host.show()
    yield widget


@pytest.fixture
def light_then_dark(qapp: QApplication) -> Iterator[QApplication]:
    apply_theme(qapp, "light")
    yield qapp
    apply_theme(qapp, "light")


def seen(banner: VerdictBanner) -> list[str]:
    """The texts a user can read in the banner, top to bottom."""
    return [label.text() for label in banner.findChildren(QLabel) if label.isVisible()]


def background(banner: VerdictBanner) -> QColor:
    """The colour painted just inside the banner's right edge, halfway down."""
    QApplication.processEvents()
    image = banner.grab().toImage()
    return image.pixelColor(image.width() - 4, image.height() // 2)


def test_a_passed_check_reads_ok_in_green(banner: VerdictBanner) -> None:
    banner.show_verdict(Verdict("ok", "Connected — GET /me answered 200 OK", status=200))

    assert banner.isVisible()
    assert seen(banner) == ["✓", "Connected — GET /me answered 200 OK"]
    assert banner.kind == "ok" and banner.property("kind") == "ok"
    assert background(banner) == QColor(accent("ok_bg"))
    assert "Success: Connected" in banner.accessibleDescription()
    assert banner.accessibleName() == "Connection verdict"


def test_a_failed_check_reads_as_a_failure_with_the_provider_error_and_the_hint(
        banner: VerdictBanner) -> None:
    banner.show_verdict(Verdict("ok", "Connected", status=200))
    ok_colour = background(banner)

    banner.show_verdict(Verdict(
        "token_error", "The token endpoint answered 401: invalid_client", HINT, status=401,
        oauth_error="invalid_client", oauth_error_description="Client authentication failed"))

    assert seen(banner) == [
        "✕",
        "The token endpoint answered 401: invalid_client",
        "Provider error: invalid_client — Client authentication failed",
        HINT,
    ]
    assert banner.kind == "fail"
    assert background(banner) == QColor(accent("fail_bg")) != ok_colour
    summary = banner.findChild(QLabel, "verdictSummary")
    assert summary is not None and summary.font().bold()
    assert HINT in banner.accessibleDescription()


def test_a_pass_with_warnings_is_amber_and_lists_them(banner: VerdictBanner) -> None:
    banner.show_verdict(Verdict("ok", "Connected", warnings=["No expires_in in the answer.",
                                                             "Scope admin was not granted."]))

    assert banner.kind == "warn"
    assert seen(banner)[0] == "!"
    assert seen(banner)[-1] == ("Warnings:\n• No expires_in in the answer.\n"
                                "• Scope admin was not granted.")
    assert background(banner) == QColor(accent("warn_bg"))


def test_server_text_is_shown_literally_never_as_markup(banner: VerdictBanner) -> None:
    banner.show_verdict(Verdict("bad_request", "<b>400</b> from <a href='x'>api</a>"))
    summary = banner.findChild(QLabel, "verdictSummary")
    assert summary is not None
    assert summary.text() == "<b>400</b> from <a href='x'>api</a>"
    assert summary.textFormat().name == "PlainText"


def test_busy_is_neutral_with_a_moving_bar(banner: VerdictBanner) -> None:
    banner.show_verdict(Verdict("unauthorized", "GET /me answered 401", "Check the token."))

    banner.show_busy("Checking…")

    assert seen(banner) == ["Checking…"]  # the old hint is gone, the badge makes way for the bar
    assert banner.kind == "busy"
    bar = banner.findChild(QProgressBar, "verdictBusy")
    assert bar is not None and bar.isVisible() and bar.maximum() == 0
    assert background(banner) == QColor(accent("info_bg"))


@pytest.mark.parametrize(("kind", "glyph", "colour"),
                         [("info", "i", "info_bg"), ("warn", "!", "warn_bg"),
                          ("fail", "✕", "fail_bg")])
def test_a_message_in_each_kind(banner: VerdictBanner, kind: Any, glyph: str,
                                colour: str) -> None:
    banner.show_message("Saved values deleted.", kind)
    assert seen(banner) == [glyph, "Saved values deleted."]
    assert banner.kind == kind
    assert not banner.findChild(QProgressBar, "verdictBusy").isVisible()  # type: ignore[union-attr]
    assert background(banner) == QColor(accent(colour))


def test_clear_hides_the_banner_and_forgets_the_text(banner: VerdictBanner) -> None:
    banner.show_verdict(Verdict("network", "No response", "Check the proxy."))
    banner.clear()
    assert not banner.isVisible()
    assert banner.kind == ""
    assert banner.accessibleDescription() == ""
    assert all(not label.text() for label in banner.findChildren(QLabel)
               if label.objectName() != "verdictBadge")


def test_an_offered_next_step_runs_once_clicked_and_goes_with_the_next_verdict(
        qtbot: Any, banner: VerdictBanner) -> None:
    from PySide6.QtCore import Qt

    clicked: list[bool] = []
    banner.show_verdict(Verdict("token_error", "invalid_grant", "Authorize again."))
    banner.offer("Authorize again", lambda: clicked.append(True))
    button = banner.findChild(QPushButton, "verdictAction")
    assert button is not None and button.isVisible() and button.text() == "Authorize again"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert clicked == [True]
    banner.show_busy("Checking…")
    assert not button.isVisible()


def test_a_long_hint_wraps_at_double_size_without_clipping(
        qtbot: Any, banner: VerdictBanner) -> None:
    big = QFont(banner.font())
    big.setPointSizeF(big.pointSizeF() * 2)  # what a 200% scale does to the text
    banner.setFont(big)
    banner.parentWidget().resize(360, 900)  # type: ignore[union-attr]
    banner.show_verdict(Verdict("unauthorized", "GET /me answered 401 Unauthorized", HINT * 2))
    QApplication.processEvents()

    for label in banner.findChildren(QLabel):
        if label.isVisible() and label.objectName() != "verdictBadge":
            assert label.width() <= banner.width()
            assert label.height() >= label.heightForWidth(label.width()), label.objectName()
    hint = banner.findChild(QLabel, "verdictHint")
    assert hint is not None and hint.height() > 4 * hint.fontMetrics().height()  # it wrapped


def test_colours_follow_a_theme_switch_while_shown(
        light_then_dark: QApplication, banner: VerdictBanner) -> None:
    banner.show_verdict(Verdict("unauthorized", "GET /me answered 401"))
    light = background(banner)

    apply_theme(light_then_dark, "dark")

    assert background(banner) == QColor(accent("fail_bg")) != light
