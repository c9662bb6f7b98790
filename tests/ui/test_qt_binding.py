"""The Qt binding itself must be sound: a reference-count bug in it aborts the whole app."""

from __future__ import annotations

import sys

from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtWidgets import QLabel


def test_calls_that_return_nothing_keep_none_alive(qapp) -> None:
    """PySide6 6.12.0 decrements None's count on every void call; on Python < 3.12 the
    process aborts ("deallocating None") after a few thousand label updates."""
    label, timer = QLabel(), QTimer()
    before = sys.getrefcount(None)
    for _ in range(2000):
        label.setText("x")
        timer.start(1000)
        timer.stop()
        QCoreApplication.processEvents()
    assert abs(sys.getrefcount(None) - before) < 100
