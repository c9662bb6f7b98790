"""The tray icon: idle / indexing / paused / error, and a menu with the everyday actions."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from desktop_search.core.live import LiveState
from desktop_search.ui.icons import tray_icon
from desktop_search.ui.worker import describe_state


def tray_state(state: LiveState) -> str:
    if state.error:
        return "error"
    if state.paused:
        return "paused"
    return "indexing" if state.pending or state.busy else "idle"


class Tray(QObject):
    """Emits what the user picked; shows what the indexer is doing."""

    open_requested = Signal()
    pause_toggled = Signal(bool)  # True: pause
    settings_requested = Signal()
    quit_requested = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.paused = False
        self.state = "idle"
        self.icon = QSystemTrayIcon(tray_icon("idle"), self)
        self.menu = QMenu()
        self.open_action = QAction("Open Search", self.menu)
        self.status_action = QAction("Starting…", self.menu)
        self.status_action.setEnabled(False)
        self.pause_action = QAction("Pause Indexing", self.menu)
        self.settings_action = QAction("Settings…", self.menu)
        self.quit_action = QAction("Quit Desktop Search", self.menu)
        for action in (self.open_action, self.status_action):
            self.menu.addAction(action)
        self.menu.addSeparator()
        self.menu.addAction(self.pause_action)
        self.menu.addAction(self.settings_action)
        self.menu.addSeparator()
        self.menu.addAction(self.quit_action)
        self.icon.setContextMenu(self.menu)
        self.icon.setToolTip("Desktop Search")
        self.open_action.triggered.connect(self.open_requested)
        self.pause_action.triggered.connect(lambda: self.pause_toggled.emit(not self.paused))
        self.settings_action.triggered.connect(self.settings_requested)
        self.quit_action.triggered.connect(self.quit_requested)
        self.icon.activated.connect(self._activated)

    def show(self) -> None:
        self.icon.show()

    def hide(self) -> None:
        self.icon.hide()

    @Slot(object)
    def show_state(self, state: LiveState) -> None:
        self.paused = state.paused
        self.state = tray_state(state)
        self.icon.setIcon(tray_icon(self.state))
        line = describe_state(state)
        self.status_action.setText(line)
        self.icon.setToolTip(f"Desktop Search — {line}")
        self.pause_action.setText("Resume Indexing" if state.paused else "Pause Indexing")

    def notify(self, text: str) -> None:
        """A passing notice by the tray icon (where the desktop shows them; else nothing)."""
        self.icon.showMessage("Desktop Search", text, QSystemTrayIcon.MessageIcon.Information, 8000)

    def show_progress_line(self, line: str) -> None:
        self.status_action.setText(line)
        self.icon.setToolTip(f"Desktop Search — {line}")

    @Slot(QSystemTrayIcon.ActivationReason)
    def _activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (QSystemTrayIcon.ActivationReason.Trigger, QSystemTrayIcon.ActivationReason.DoubleClick):
            self.open_requested.emit()
