"""Typing into the search window as a user does, and waiting for what it shows."""

from __future__ import annotations

from desktop_search.ui.window import SearchWindow


def type_and_wait(qtbot, window: SearchWindow, text: str) -> None:
    """Type ``text`` key by key, then wait until the window shows the answer to all of it
    (the keystrokes' queries are coalesced; the last one always runs)."""
    with qtbot.waitSignal(window.runner.answered, timeout=15_000):
        qtbot.keyClicks(window.field, text)
    qtbot.waitUntil(lambda: not window.throttle.timer.isActive() and not window.throttle.pending)
    query = window.field.text().strip()
    qtbot.waitUntil(
        lambda: window.shown_answer is not None and window.shown_answer.query == query, timeout=15_000
    )
