"""A simple search window over the engine: type, see ranked files, Enter opens.

The full app (tray, preview, settings, first run) builds on this; the search itself runs
off the GUI thread, throttled, and stale answers are dropped by generation number.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

from PySide6.QtCore import QObject, QProcess, QRunnable, Qt, QThreadPool, QTimer, QUrl, Signal, Slot
from PySide6.QtGui import QDesktopServices, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

# onnxruntime must be imported before Qt on Windows (DLL search order), and with
# telemetry off: importing the engine first does both.
from desktop_search.core.engine import Engine
from desktop_search.core.errors import UserError
from desktop_search.core.search import SearchResponse
from desktop_search.paths import AppPaths

log = logging.getLogger(__name__)

THROTTLE_MS = 120
_EXECUTABLE_SUFFIXES = {
    ".exe",
    ".bat",
    ".cmd",
    ".com",
    ".msi",
    ".sh",
    ".command",
    ".app",
    ".ps1",
    ".py",
}


class _SearchSignals(QObject):
    finished = Signal(int, object)  # generation, SearchResponse
    failed = Signal(int, str)


class _SearchTask(QRunnable):
    def __init__(self, engine: Engine, query: str, generation: int, signals: _SearchSignals) -> None:
        super().__init__()
        self.engine, self.query, self.generation, self.signals = engine, query, generation, signals

    def run(self) -> None:
        try:
            response = self.engine.search(self.query, limit=20)
        except Exception as exc:  # shown in the window, never a crash
            log.exception("Search failed")
            self.signals.failed.emit(self.generation, str(exc))
            return
        self.signals.finished.emit(self.generation, response)


# PDF viewers that can open at a page, by their desktop file id: argv before the file.
_PAGE_ARGUMENTS = {
    "org.gnome.Evince.desktop": lambda page: ["evince", f"--page-index={page}"],
    "evince.desktop": lambda page: ["evince", f"--page-index={page}"],
    "org.kde.okular.desktop": lambda page: ["okular", "--page", str(page)],
    "okularApplication_pdf.desktop": lambda page: ["okular", "--page", str(page)],
    "org.pwmt.zathura.desktop": lambda page: ["zathura", "--page", str(page)],
    "org.pwmt.zathura-pdf-mupdf.desktop": lambda page: ["zathura", "--page", str(page)],
}


def page_command(desktop_id: str, path: str, page: int) -> list[str] | None:
    """The command that opens ``path`` at ``page`` in the viewer ``desktop_id``, if it can."""
    make = _PAGE_ARGUMENTS.get(desktop_id.strip())
    return [*make(page), path] if make else None


def _default_pdf_viewer() -> str:
    import shutil
    import subprocess

    if not sys.platform.startswith("linux") or shutil.which("xdg-mime") is None:
        return ""
    try:
        found = subprocess.run(
            ["xdg-mime", "query", "default", "application/pdf"], capture_output=True, text=True, timeout=2
        )
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return found.stdout.strip()


def open_path(path: str, page: int | None = None) -> None:
    """Open a file with its default app (at ``page`` where the viewer supports it);
    executables and scripts are revealed, never run."""
    target = Path(path)
    if target.suffix.lower() in _EXECUTABLE_SUFFIXES or (os.name == "posix" and os.access(target, os.X_OK)):
        target = target.parent
    elif page and target.suffix.lower() == ".pdf":
        command = page_command(_default_pdf_viewer(), str(target), page)
        if command and QProcess.startDetached(command[0], command[1:]):
            return
    QDesktopServices.openUrl(QUrl.fromLocalFile(str(target)))


class SearchWindow(QWidget):
    """Search field, results list and a status line."""

    def __init__(self, engine: Engine) -> None:
        super().__init__()
        self.engine = engine
        self.generation = 0
        self.setWindowTitle("Desktop Search")
        self.resize(760, 520)
        self.field = QLineEdit(placeholderText="Search your files by meaning…")
        self.results = QListWidget()
        self.results.setWordWrap(True)
        self.results.setSpacing(4)
        self.results.setAlternatingRowColors(True)
        self.status = QLabel()
        layout = QVBoxLayout(self)
        layout.addWidget(self.field)
        layout.addWidget(self.results, 1)
        layout.addWidget(self.status)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self.signals = _SearchSignals()
        self.signals.finished.connect(self.show_results)
        self.signals.failed.connect(self.show_error)
        self.timer = QTimer(self, singleShot=True, interval=THROTTLE_MS)
        self.timer.timeout.connect(self.run_query)
        self.field.textChanged.connect(lambda _text: self.timer.start())
        self.field.returnPressed.connect(self.open_current)
        self.results.itemActivated.connect(lambda _item: self.open_current())
        QShortcut(QKeySequence(Qt.Key.Key_Down), self.field, self.move_down)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.clear_or_hide)
        roots = engine.roots()
        self.status.setText(
            f"{len(roots)} folder(s) indexed"
            if roots
            else "No folders yet — run `desktop-search index FOLDER`"
        )

    @Slot()
    def run_query(self) -> None:
        self.generation += 1
        query = self.field.text().strip()
        if not query:
            self.results.clear()
            return
        self.pool.start(_SearchTask(self.engine, query, self.generation, self.signals))

    @Slot(int, object)
    def show_results(self, generation: int, response: SearchResponse) -> None:
        if generation != self.generation:
            return  # a newer query is on its way
        self.results.clear()
        for result in response.results:
            snippet = " ".join(result.best.snippet.split())
            where = f" — p. {result.best.page}" if result.best.page else ""
            item = QListWidgetItem(f"{Path(result.path).name}{where} — {Path(result.path).parent}\n{snippet}")
            item.setData(Qt.ItemDataRole.UserRole, result.path)
            item.setData(Qt.ItemDataRole.UserRole + 1, result.best.page)
            self.results.addItem(item)
        if response.results:
            self.results.setCurrentRow(0)
            count = len(response.results)
            noun = "result" if count == 1 else "results"
            self.status.setText(f"{count} {noun} in {response.seconds * 1000:.0f} ms")
        else:
            self.status.setText(f"No results for “{response.query}”")

    @Slot(int, str)
    def show_error(self, generation: int, message: str) -> None:
        if generation == self.generation:
            self.status.setText(f"Search failed: {message}")

    def move_down(self) -> None:
        self.results.setFocus()
        self.results.setCurrentRow(min(self.results.currentRow() + 1, self.results.count() - 1))

    def open_current(self) -> None:
        item = self.results.currentItem()
        if item is not None:
            open_path(str(item.data(Qt.ItemDataRole.UserRole)), item.data(Qt.ItemDataRole.UserRole + 1))

    def clear_or_hide(self) -> None:
        if self.field.text():
            self.field.clear()
        else:
            self.hide()

    def shutdown(self) -> None:
        self.pool.waitForDone(2000)


def run_app(paths: AppPaths) -> int:
    """Start the GUI on this data dir; returns the exit code."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    try:
        engine = Engine.open_profile(paths)
    except UserError as exc:
        log.error("%s", exc)
        raise
    window = SearchWindow(engine)
    window.show()
    window.field.setFocus()
    app.aboutToQuit.connect(window.shutdown)
    code = app.exec()
    engine.close()
    return int(code)
