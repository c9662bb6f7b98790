"""The tray icon: its state follows the indexer's, its menu says what indexing does and
emits what the user picked; a click on the icon opens the window."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QSystemTrayIcon

from desktop_search.core.live import LiveState
from desktop_search.ui.icons import tray_icon
from desktop_search.ui.tray import Tray, tray_state

IDLE = LiveState(running=True, paused=False, busy=False, pending=0)
INDEXING = LiveState(running=True, paused=False, busy=True, pending=1_234)
PAUSED = LiveState(running=True, paused=True, busy=False, pending=5)
BROKEN = LiveState(running=False, paused=True, busy=True, pending=3, error="the disk is full")


@pytest.fixture
def tray(qapp):
    made = Tray()
    yield made
    made.hide()
    made.menu.deleteLater()


def test_the_state_is_error_then_paused_then_indexing_then_idle() -> None:
    assert tray_state(BROKEN) == "error"  # whatever else is going on
    assert tray_state(PAUSED) == "paused"
    assert tray_state(INDEXING) == "indexing"
    assert tray_state(LiveState(True, False, busy=False, pending=2)) == "indexing"
    assert tray_state(LiveState(True, False, busy=True, pending=0)) == "indexing"
    assert tray_state(IDLE) == "idle"


@pytest.mark.parametrize(
    ("state", "shown", "line", "pause_text"),
    [
        (INDEXING, "indexing", "Indexing… 1,234 files to check", "Pause Indexing"),
        (PAUSED, "paused", "Indexing paused", "Resume Indexing"),
        (BROKEN, "error", "Problem: the disk is full", "Resume Indexing"),
        (IDLE, "idle", "Index up to date", "Pause Indexing"),
    ],
    ids=["indexing", "paused", "error", "idle"],
)
def test_the_icon_tooltip_and_menu_follow_the_indexer(
    tray: Tray, state: LiveState, shown: str, line: str, pause_text: str
) -> None:
    tray.show_state(state)
    assert tray.state == shown
    assert tray.icon.icon().cacheKey() == tray_icon(shown).cacheKey()
    assert tray.status_action.text() == line and not tray.status_action.isEnabled()
    assert tray.icon.toolTip() == f"Desktop Search — {line}"
    assert tray.pause_action.text() == pause_text


def test_the_menu_emits_what_the_user_picked(qtbot, tray: Tray) -> None:
    assert [action.text() for action in tray.menu.actions() if not action.isSeparator()] == [
        "Open Search", "Starting…", "Pause Indexing", "Settings…", "Quit Desktop Search",
    ]  # fmt: skip
    with qtbot.waitSignal(tray.pause_toggled, timeout=1_000) as paused:
        tray.pause_action.trigger()
    assert paused.args == [True]  # pause
    tray.show_state(PAUSED)
    with qtbot.waitSignal(tray.pause_toggled, timeout=1_000) as resumed:
        tray.pause_action.trigger()
    assert resumed.args == [False]  # resume
    for action, signal in (
        (tray.open_action, tray.open_requested),
        (tray.settings_action, tray.settings_requested),
        (tray.quit_action, tray.quit_requested),
    ):
        with qtbot.waitSignal(signal, timeout=1_000):
            action.trigger()


def test_a_click_or_double_click_on_the_icon_opens_the_window(qtbot, tray: Tray) -> None:
    reason = QSystemTrayIcon.ActivationReason
    for opens in (reason.Trigger, reason.DoubleClick):
        with qtbot.waitSignal(tray.open_requested, timeout=1_000):
            tray.icon.activated.emit(opens)  # as the desktop reports the click
    with qtbot.assertNotEmitted(tray.open_requested):
        tray.icon.activated.emit(reason.Context)  # the right button: the menu, not the window
        tray.icon.activated.emit(reason.MiddleClick)


def test_a_progress_line_replaces_the_status_until_the_next_state(tray: Tray) -> None:
    tray.show_state(INDEXING)
    tray.show_progress_line("Indexing 10 of 40 files · 3 files/s · less than a minute left")
    assert tray.status_action.text() == "Indexing 10 of 40 files · 3 files/s · less than a minute left"
    assert tray.icon.toolTip().endswith("· less than a minute left")
    tray.show_state(IDLE)
    assert tray.status_action.text() == "Index up to date"
